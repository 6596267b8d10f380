"""The fault report's buttons: one codec ("rp"), one small dataclass per action.

The wire strings are those the report always used ("rp:back", "rp:dup:<id>",
"rp:send:<draft id>" …), so a button already on a teacher's screen keeps working
after an upgrade. `parse` returns None for anything forged: an id out of range,
a draft id that is not 32 hex digits, a category or urgency that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.dialogs.common import flow
from bot.services.helpdesk.draft import is_draft_id
from bot.services.helpdesk.ticket_types import Category, Urgency
from bot.ui.actions import Action, Codec, bounds

REPORT: Final = Codec("rp")
# The flows' own "Cancel" (handled by every flow, `handlers.flows`).
FLOW: Final = flow


@REPORT.action("back")
@dataclass(frozen=True)
class Back(Action):
    """« Back»: the step before this one again, its answer kept."""


@REPORT.action("keep")
@dataclass(frozen=True)
class KeepSchool(Action):
    """The remembered school is the one with the fault."""


@REPORT.action("other")
@dataclass(frozen=True)
class OtherSchool(Action):
    """Another school: ask for it."""


@REPORT.action("sch")
@dataclass(frozen=True)
class ChooseSchool(Action):
    school_id: int


@REPORT.action("lab")
@dataclass(frozen=True)
class LastLab(Action):
    """The lab/room given last time."""


@REPORT.action("cat")
@dataclass(frozen=True)
class ChooseCategory(Action):
    category: str  # a `Category` value (checked by `category_of`)


@REPORT.action("skip")
@dataclass(frozen=True)
class Skip(Action):
    """«Skip» the device, or «Continue» / «Skip: the photo says it all» the description."""


@REPORT.action("dup")
@dataclass(frozen=True)
class FollowDuplicate(Action):
    ticket_id: int


@REPORT.action("new")
@dataclass(frozen=True)
class NewFault(Action):
    """Not the offered open report: a new one."""


@REPORT.action("done")
@dataclass(frozen=True)
class AttachmentsDone(Action):
    pass


@REPORT.action("clear")
@dataclass(frozen=True)
class ClearAttachments(Action):
    pass


@REPORT.action("urg")
@dataclass(frozen=True)
class ChooseUrgency(Action):
    urgency: str  # an `Urgency` value (checked by `urgency_of`)


@REPORT.action("send")
@dataclass(frozen=True)
class Send(Action):
    """«Send» of the summary of draft `draft_id` (checked by `draft_of_press`)."""

    draft_id: str = field(metadata=bounds(max_len=32))


@REPORT.action("edit")
@dataclass(frozen=True)
class Edit(Action):
    """«Change something» of the summary of draft `draft_id`."""

    draft_id: str = field(metadata=bounds(max_len=32))


@REPORT.action("ef")
@dataclass(frozen=True)
class EditField(Action):
    field: str  # a key of `screens.EDIT_FIELDS`


@REPORT.action("sum")
@dataclass(frozen=True)
class BackToSummary(Action):
    pass


def category_of(action: ChooseCategory) -> Category | None:
    return Category(action.category) if action.category in {c.value for c in Category} else None


def urgency_of(action: ChooseUrgency) -> Urgency | None:
    return Urgency(action.urgency) if action.urgency in {u.value for u in Urgency} else None


# Summary buttons shown before drafts had ids ("rp:send", "rp:edit"): the current draft.
_LEGACY_SUMMARY: Final[dict[str, type[Send] | type[Edit]]] = {"rp:send": Send, "rp:edit": Edit}


def summary_press(data: str | None) -> tuple[type[Send] | type[Edit], str | None] | None:
    """(Send or Edit, the pressed draft id) of a summary button; the id is None on a button
    from before drafts had ids (it means the current draft). None for anything forged."""
    if data in _LEGACY_SUMMARY:
        return _LEGACY_SUMMARY[data], None
    action = REPORT.parse(data)
    if isinstance(action, Send | Edit) and is_draft_id(action.draft_id):
        return type(action), action.draft_id
    return None
