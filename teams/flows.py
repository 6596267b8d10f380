"""One flow at a time in a Teams chat, as `handlers/flows.py` keeps it on Telegram.

The flows are the points interview and the fault report; the conversation's state says
which one is on screen ("flow"). Starting the other one (its command, menu entry, or an
image that would start a report) while one is active starts nothing yet: "Leave the
points interview?" with «Keep going» (the question on screen again) and «Leave» (the old
flow ends, the new one starts; an image that asked is kept in the new report). What
asked is kept in the state under "pending" until one of the two is pressed; «Leave»
without it, or of a flow no longer active, is "no longer active".
"""

from __future__ import annotations

from typing import Any, Final

from bot.dialogs.common import CancelFlow, DiscardFlow, KeepFlow, LeaveFlow
from bot.dialogs.helpdesk.report import steps
from bot.i18n import N_
from bot.services.helpdesk.ticket_types import AttachmentKind, NewAttachment
from bot.ui import Action, Button, Screen
from teams import points, report, tickets
from teams.turn import Turn, main_menu

PENDING: Final = "pending_flow"
TITLES: Final = {"points": N_("the points calculation"), "report": N_("the fault report")}
LEAVE_QUESTIONS: Final = {
    "points": N_("Leave the points interview?"),
    "report": N_("Leave the fault report?"),
}


def active(turn: Turn) -> str | None:
    flow = turn.state.get("flow")
    return flow if flow in TITLES else None


async def may_start(turn: Turn, name: str, photo: NewAttachment | None = None) -> bool:
    """True when `name` may start now; else the person is asked to leave the active flow."""
    current = active(turn)
    if current is None or current == name:
        turn.state.pop(PENDING, None)
        return True
    pending: dict[str, Any] = {"from": current, "to": name}
    if photo is not None:
        pending["photo"] = {
            "kind": photo.kind.value,
            "file_id": photo.file_id,
            "unique": photo.file_unique_id,
            "name": photo.file_name,
            "mime": photo.mime_type,
            "size": photo.file_size,
        }
    turn.state[PENDING] = pending
    _ = turn.tr.gettext
    text = "\n\n".join(
        [
            "⚠️ " + _(LEAVE_QUESTIONS[current]),
            _(
                "One thing at a time: if you leave, what you entered there is not kept, "
                "and {flow} starts."
            ).format(flow=_(TITLES[name])),
        ]
    )
    buttons = [Button("↩️ " + _("Keep going"), KeepFlow()), Button("🚪 " + _("Leave"), LeaveFlow())]
    await turn.show(Screen.of(text, [buttons]))
    return False


def _photo(data: object) -> NewAttachment | None:
    if not isinstance(data, dict) or not isinstance(data.get("file_id"), str):
        return None
    size = data.get("size")
    kinds = {k.value: k for k in (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT)}
    return NewAttachment(
        kinds.get(str(data.get("kind")), AttachmentKind.PHOTO),
        data["file_id"],
        data.get("unique") if isinstance(data.get("unique"), str) else None,
        None,
        data.get("name") if isinstance(data.get("name"), str) else None,
        data.get("mime") if isinstance(data.get("mime"), str) else None,
        size if isinstance(size, int) else None,
    )


async def leave_all(turn: Turn) -> None:
    """/cancel, /start: every flow ends, unsent."""
    await points.cancel(turn)
    report.drop(turn)
    turn.state.pop(PENDING, None)
    turn.state.pop(tickets.REPLY, None)


async def pressed(turn: Turn, action: Action) -> None:
    """«✖ Cancel», «Keep going», «Discard», «Leave» of the flow on screen."""
    current = active(turn)
    pending = turn.state.pop(PENDING, None)
    if isinstance(action, LeaveFlow):
        if not isinstance(pending, dict) or pending.get("from") != current or current is None:
            await report.inactive(turn)
            return
        await leave_all(turn)
        if pending.get("to") == "points":
            await points.start(turn)
            return
        photo = _photo(pending.get("photo"))
        if photo is None:
            await report.start(turn, replace=True)
            return
        async with turn.runtime.sessions() as session:
            school = await report.schools_service.remembered_school(session, turn.user_id)
        env = report.env_of(turn)
        await report.apply(turn, env, steps.start_with_media(env, school, steps.Media(photo)))
        return
    if current == "report":
        if isinstance(action, KeepFlow):
            await report.resume(turn, replace=True)
        elif isinstance(action, CancelFlow | DiscardFlow):
            report.drop(turn)
            text = turn.tr.gettext("Cancelled. You are back at the main menu.")
            await turn.show(main_menu(turn.tr, text), replace=True)
        return
    await points.flow_pressed(turn, action)
