"""The buttons of the reminders, the deadlines and the calendar: one codec each.

Reminders "rem:…", deadlines management "dl:…", the calendar "cal:…" (the main
menu's "menu:reminders" entry is the menu's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.ui import Action, Codec
from bot.ui.actions import bounds

reminders: Final = Codec("rem")
deadlines: Final = Codec("dl")
calendar: Final = Codec("cal")

# --- reminders ------------------------------------------------------------------------


@reminders.action("show")
@dataclass(frozen=True)
class ShowReminders(Action):
    """The reminders screen (what one follows, the next dates)."""


@reminders.action("follow")
@dataclass(frozen=True)
class Follow(Action):
    """Follow every deadline that concerns one, in one tap."""


@reminders.action("kinds")
@dataclass(frozen=True)
class Kinds(Action):
    """The screen of kinds to follow."""


@reminders.action("k")
@dataclass(frozen=True)
class ToggleKind(Action):
    kind: str = field(metadata=bounds(max_len=16))


@reminders.action("times")
@dataclass(frozen=True)
class Times(Action):
    """The screen of reminder times."""


@reminders.action("t")
@dataclass(frozen=True)
class ToggleTime(Action):
    code: str = field(metadata=bounds(max_len=8))


@reminders.action("area")
@dataclass(frozen=True)
class AreaPage(Action):
    page: int = field(metadata=bounds(0, 1000))


@reminders.action("a")
@dataclass(frozen=True)
class ChooseArea(Action):
    """A directorate (`kind` "d") or a centre ("c") picked as one's area."""

    kind: str = field(metadata=bounds(max_len=1))
    area_id: int = field(metadata=bounds(0))


@reminders.action("school")
@dataclass(frozen=True)
class AreaFromSchool(Action):
    """Back to the area of the school one set for fault reports."""


@reminders.action("stop")
@dataclass(frozen=True)
class StopReminders(Action):
    """ "Stop reminders" on the reminders screen."""


@reminders.action("off")
@dataclass(frozen=True)
class StopFromReminder(Action):
    """The one-tap button under every reminder."""


# --- deadlines management ---------------------------------------------------------------


@deadlines.action("o")
@dataclass(frozen=True)
class OpenDeadline(Action):
    deadline_id: int


@deadlines.action("list")
@dataclass(frozen=True)
class DeadlineList(Action):
    pass


@deadlines.action("add")
@dataclass(frozen=True)
class AddDeadline(Action):
    pass


@deadlines.action("e")
@dataclass(frozen=True)
class EditField(Action):
    name: str = field(metadata=bounds(max_len=16))  # title_el, title_en, notes_el, ...


@deadlines.action("kind")
@dataclass(frozen=True)
class EditKind(Action):
    pass


@deadlines.action("move")
@dataclass(frozen=True)
class MoveDeadline(Action):
    pass


@deadlines.action("del")
@dataclass(frozen=True)
class DeleteDeadline(Action):
    pass


@deadlines.action("delyes")
@dataclass(frozen=True)
class ConfirmDelete(Action):
    pass


@deadlines.action("k")
@dataclass(frozen=True)
class PickKind(Action):
    kind: str = field(metadata=bounds(max_len=16))


@deadlines.action("same")
@dataclass(frozen=True)
class SameTitle(Action):
    """The English title is the Greek one."""


@deadlines.action("s")
@dataclass(frozen=True)
class PickScope(Action):
    index: int = field(metadata=bounds(0, 1000))


@deadlines.action("save")
@dataclass(frozen=True)
class SaveDeadline(Action):
    pass


# --- calendar ------------------------------------------------------------------------------


@calendar.action("show")
@dataclass(frozen=True)
class ShowCalendar(Action):
    pass


@calendar.action("file")
@dataclass(frozen=True)
class CalendarFile(Action):
    pass


@calendar.action("renew")
@dataclass(frozen=True)
class RenewLink(Action):
    pass


@calendar.action("revoke")
@dataclass(frozen=True)
class RevokeLink(Action):
    pass
