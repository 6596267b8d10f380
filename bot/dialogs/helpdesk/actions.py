"""The helpdesk's buttons as typed actions, one codec per namespace of callback data.

The wire strings are the ones the bot has always sent (so that buttons already in
people's chats keep working):

    tk:<verb>:<id or page>     a teacher's ticket buttons (l list, v view, r reply,
                               c close, o reopen)
    hd:<verb>:<ticket id>      the staff post's buttons (take, start, wait, res, rep,
                               note, hist)
    st:<scope>:<page>, st:v:<ticket id>   the staff's /tickets list
    adm:inv:<centre>, adm:ls:<centre>, adm:rm:<centre>:<user>   administrators

Parsing is the codec's (`Codec.parse`): anything that is not exactly one of these
(a forged verb, an extra part, a 20-digit or negative id) is None, which the
handlers answer with "This button is no longer active.". A parsed action only
names an object: whether the presser may act on it is `ticket_access.authorise`'s
question, asked on every press.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from bot.services.helpdesk.ticket_types import ListScope
from bot.services.helpdesk.ticket_workflow import Action as Transition
from bot.ui.actions import MAX_ROW_ID, MAX_TELEGRAM_ID, Action, Codec, bounds

teacher = Codec("tk")
staff = Codec("hd")
staff_list = Codec("st")
admin = Codec("adm")

PAGE = bounds(0, MAX_ROW_ID)  # pages count from 0


# --- teacher ------------------------------------------------------------------------------


@teacher.action("l")
@dataclass(frozen=True)
class MyTickets(Action):
    page: int = field(default=0, metadata=PAGE)


@dataclass(frozen=True)
class TicketAction(Action):
    """A teacher's button naming a ticket."""

    ticket_id: int


@teacher.action("v")
@dataclass(frozen=True)
class ViewTicket(TicketAction):
    pass


@teacher.action("r")
@dataclass(frozen=True)
class TeacherReply(TicketAction):
    pass


@teacher.action("c")
@dataclass(frozen=True)
class CloseTicket(TicketAction):
    pass


@teacher.action("o")
@dataclass(frozen=True)
class ReopenTicket(TicketAction):
    pass


# --- staff post -------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAction(Action):
    """A staff button naming a ticket."""

    ticket_id: int


@staff.action("take")
@dataclass(frozen=True)
class Take(StaffAction):
    pass


@staff.action("start")
@dataclass(frozen=True)
class Start(StaffAction):
    pass


@staff.action("wait")
@dataclass(frozen=True)
class Wait(StaffAction):
    pass


@staff.action("res")
@dataclass(frozen=True)
class Resolve(StaffAction):
    pass


@staff.action("rep")
@dataclass(frozen=True)
class ReplyToTeacher(StaffAction):
    pass


@staff.action("note")
@dataclass(frozen=True)
class InternalNote(StaffAction):
    pass


@staff.action("hist")
@dataclass(frozen=True)
class History(StaffAction):
    pass


TRANSITIONS: dict[type[StaffAction], Transition] = {
    Take: Transition.TAKE,
    Start: Transition.START,
    Wait: Transition.WAIT,
    Resolve: Transition.RESOLVE,
}


# --- staff list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffPage(Action):
    """A page of the staff's open tickets, in one scope."""

    page: int = field(default=0, metadata=PAGE)

    scope: ClassVar[ListScope] = ListScope.ALL


@staff_list.action(ListScope.MINE.value)
@dataclass(frozen=True)
class MinePage(StaffPage):
    scope = ListScope.MINE


@staff_list.action(ListScope.UNASSIGNED.value)
@dataclass(frozen=True)
class UnassignedPage(StaffPage):
    scope = ListScope.UNASSIGNED


@staff_list.action(ListScope.ALL.value)
@dataclass(frozen=True)
class AllPage(StaffPage):
    scope = ListScope.ALL


PAGES: dict[ListScope, type[StaffPage]] = {
    ListScope.MINE: MinePage,
    ListScope.UNASSIGNED: UnassignedPage,
    ListScope.ALL: AllPage,
}


@staff_list.action("v")
@dataclass(frozen=True)
class StaffView(Action):
    ticket_id: int


# --- administrators -----------------------------------------------------------------------


@admin.action("inv")
@dataclass(frozen=True)
class Invite(Action):
    centre_id: int


@admin.action("ls")
@dataclass(frozen=True)
class StaffOf(Action):
    centre_id: int


@admin.action("rm")
@dataclass(frozen=True)
class RemoveStaff(Action):
    centre_id: int
    user_id: int = field(metadata=bounds(1, MAX_TELEGRAM_ID))


CODECS: tuple[Codec, ...] = (teacher, staff, staff_list, admin)


def parse(data: str | None) -> Action | None:
    """The helpdesk action packed in `data`, whichever of its codecs it belongs to."""
    for codec in CODECS:
        action = codec.parse(data)
        if action is not None:
            return action
    return None
