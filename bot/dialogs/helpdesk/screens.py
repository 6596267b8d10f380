"""The helpdesk's screens: ticket buttons, lists, the teacher's view, what a change says.

Channel-neutral: text in the `bot.ui` markup subset, buttons with the typed
actions of `bot.dialogs.helpdesk.actions`. The Telegram handlers render these
(`handlers.render`); the outbox carries them to people who did not press anything.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Final
from zoneinfo import ZoneInfo

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import text
from bot.dialogs.menu import OpenReport
from bot.i18n import N_, Translator
from bot.services.helpdesk.ticket_types import (
    Change,
    EventKind,
    EventView,
    ListScope,
    Page,
    TicketView,
)
from bot.services.helpdesk.ticket_workflow import Action as Transition
from bot.services.helpdesk.ticket_workflow import Role, Status, allowed_actions
from bot.ui import Button, Screen
from bot.ui.actions import Action

Row = list[Button]

SCOPE_LABELS: Final[dict[ListScope, str]] = {
    ListScope.MINE: N_("Mine"),
    ListScope.UNASSIGNED: N_("Unassigned"),
    ListScope.ALL: N_("All open"),
}


# --- buttons of a ticket ------------------------------------------------------------------


def staff_buttons(tr: Translator, ticket: TicketView) -> list[Row]:
    """The staff post's buttons: what staff may do to the ticket in its status."""
    _ = tr.gettext
    allowed = set(allowed_actions(ticket.status, Role.STAFF))
    tid = ticket.id
    first: Row = []
    if Transition.TAKE in allowed:
        first.append(Button("🙋 " + _("Take"), act.Take(tid)))
    if Transition.START in allowed:
        first.append(Button("🔧 " + _("In progress"), act.Start(tid)))
    second: Row = []
    if Transition.WAIT in allowed:
        second.append(Button("⏳ " + _("Waiting for school"), act.Wait(tid)))
    if Transition.RESOLVE in allowed:
        second.append(Button("✅ " + _("Resolved"), act.Resolve(tid)))
    rows = [r for r in (first, second) if r]
    if ticket.status is not Status.CLOSED:
        rows.append(
            [
                Button("💬 " + _("Reply to teacher"), act.ReplyToTeacher(tid)),
                Button("🔒 " + _("Internal note"), act.InternalNote(tid)),
            ]
        )
    rows.append([Button("📜 " + _("History"), act.History(tid))])
    return rows


def teacher_buttons(tr: Translator, ticket: TicketView) -> list[Row]:
    """The buttons under a notice to a teacher about their ticket."""
    _ = tr.gettext
    tid = ticket.id
    if ticket.status is Status.RESOLVED:
        return [
            [
                Button(_("✅ Solved"), act.CloseTicket(tid)),
                Button(_("🔁 Reopen"), act.ReopenTicket(tid)),
            ]
        ]
    if ticket.status is Status.CLOSED:
        return [[Button("📜 " + _("Details"), act.ViewTicket(tid))]]
    return [
        [
            Button("💬 " + _("Reply / add photos"), act.TeacherReply(tid)),
            Button("📜 " + _("Details"), act.ViewTicket(tid)),
        ]
    ]


def teacher_view_buttons(tr: Translator, ticket: TicketView) -> list[Row]:
    """The buttons under a teacher's view of their ticket (from /mytickets)."""
    _ = tr.gettext
    tid = ticket.id
    rows: list[Row] = []
    if ticket.status is not Status.CLOSED:
        rows.append([Button("💬 " + _("Reply / add photos"), act.TeacherReply(tid))])
    allowed = allowed_actions(ticket.status, Role.REPORTER)
    row: Row = []
    if Transition.CLOSE in allowed:
        label = _("✅ Solved") if ticket.status is Status.RESOLVED else "✔ " + _("Close")
        row.append(Button(label, act.CloseTicket(tid)))
    if Transition.REOPEN in allowed:
        row.append(Button(_("🔁 Reopen"), act.ReopenTicket(tid)))
    if row:
        rows.append(row)
    rows.append([Button("« " + _("My tickets"), act.MyTickets(0))])
    return rows


def staff_view_buttons(tr: Translator, ticket: TicketView) -> list[Row]:
    """The staff's view of a ticket in a private chat: the post's buttons and « back »."""
    back = [Button("« " + tr.gettext("Open tickets"), act.AllPage(0))]
    return [*staff_buttons(tr, ticket), back]


# --- lists --------------------------------------------------------------------------------


def list_rows(
    tr: Translator,
    found: Page,
    open_one: Callable[[int], Action],
    page: Callable[[int], Action],
) -> list[Row]:
    """A button per ticket of a page, then « Previous / Next » where there are more pages."""
    _ = tr.gettext
    rows: list[Row] = [
        [Button(f"{text.STATUS_ICONS[t.status]} {t.reference}", open_one(t.id))]
        for t in found.items
    ]
    nav: Row = []
    if found.page > 0:
        nav.append(Button("« " + _("Previous"), page(found.page - 1)))
    if found.page + 1 < found.pages:
        nav.append(Button(_("Next") + " »", page(found.page + 1)))
    if nav:
        rows.append(nav)
    return rows


def my_tickets(tr: Translator, found: Page, tz: ZoneInfo) -> Screen:
    """A teacher's /mytickets page."""
    _ = tr.gettext
    if not found.total:
        body = _("You have not reported any fault yet. Use /report to report one.")
        return Screen.of(body, [[Button("🛠 " + _("Report a fault"), OpenReport())]])
    header = _("<b>Your fault reports</b> (page {page} of {pages})").format(
        page=found.page + 1, pages=found.pages
    )
    body = "\n\n".join([header, *(text.ticket_line(tr, t, tz) for t in found.items)])
    return Screen.of(body, list_rows(tr, found, act.ViewTicket, act.MyTickets), markup=True)


def staff_tickets(tr: Translator, found: Page, scope: ListScope, tz: ZoneInfo) -> Screen:
    """A page of the staff's /tickets, in one scope."""
    _ = tr.gettext
    header = _("<b>Open tickets: {scope}</b> ({total}; page {page} of {pages})").format(
        scope=_(SCOPE_LABELS[scope]), total=found.total, page=found.page + 1, pages=found.pages
    )
    if found.items:
        body = "\n\n".join([header, *(text.ticket_line(tr, t, tz) for t in found.items)])
    else:
        body = header + "\n\n" + _("Nothing here.")
    scopes = [
        Button(("• " if s is scope else "") + _(SCOPE_LABELS[s]), act.PAGES[s](0))
        for s in ListScope
    ]
    rows = [scopes, *list_rows(tr, found, act.StaffView, act.PAGES[scope])]
    return Screen.of(body, rows, markup=True)


def teacher_view(
    tr: Translator, ticket: TicketView, events: list[EventView], tz: ZoneInfo
) -> Screen:
    """A teacher's view of their ticket: the card, the history, what they may do."""
    body = text.history_text(tr, ticket, events, tz, for_staff=False)
    return Screen.of(body, teacher_view_buttons(tr, ticket), markup=True)


def staff_view(
    tr: Translator, ticket: TicketView, events: list[EventView], tz: ZoneInfo, *, back: bool
) -> Screen:
    """Staff's view of a ticket (with « Open tickets » in a private chat)."""
    body = text.history_text(tr, ticket, events, tz, for_staff=True)
    rows = staff_view_buttons(tr, ticket) if back else staff_buttons(tr, ticket)
    return Screen.of(body, rows, markup=True)


def staff_post(tr: Translator, ticket: TicketView, tz: ZoneInfo) -> Screen:
    """The ticket's post in its centre's staff chat, as the ticket is now."""
    return Screen.of(
        text.ticket_card(tr, ticket, tz, for_staff=True), staff_buttons(tr, ticket), markup=True
    )


# --- what a change says ------------------------------------------------------------------


def change_lines(tr: Translator, change: Change, centre_name: str) -> list[str]:
    """What a teacher is told about the events of a change (notes are never among them)."""
    _ = tr.gettext
    lines: list[str] = []
    for event in change.events:
        if event.internal:
            continue
        name = escape(event.actor_name)
        if event.kind is EventKind.ASSIGNED:
            lines.append(
                _("🧑‍🔧 {name} of {centre} is handling your report.").format(
                    name=name, centre=escape(centre_name)
                )
            )
        elif event.kind is EventKind.STATUS and event.to_status is Status.IN_PROGRESS:
            lines.append(_("🔧 Your report is now in progress."))
        elif event.kind is EventKind.STATUS and event.to_status is Status.WAITING:
            lines.append(
                _(
                    "⏳ The support centre is waiting for an answer from the school. "
                    "Reply to this message to answer."
                )
            )
        elif event.kind is EventKind.STATUS and event.to_status is Status.RESOLVED:
            lines.append(
                _("✅ {name} marked the fault as resolved. Is it fixed?").format(name=name)
            )
        elif event.kind is EventKind.REPLY:
            lines.append(
                _("💬 {name} wrote:").format(name=name)
                + "\n"
                + escape(event.text or "")
                + "\n\n"
                + _("Reply to this message to answer.")
            )
        elif event.kind is EventKind.TEACHER_REPLY:
            lines.append(_("💬 {name} wrote:").format(name=name) + "\n" + escape(event.text or ""))
        elif event.kind is EventKind.CLOSED:
            lines.append(_("🔒 {name} closed the report.").format(name=name))
        elif event.kind is EventKind.REOPENED:
            lines.append(_("🔁 {name} reopened the report.").format(name=name))
        elif event.kind is EventKind.ADDED:
            lines.append(_("➕ {name} reported the same fault too.").format(name=name))
    return lines


def teacher_notice(tr: Translator, change: Change, *, with_files: bool = False) -> Screen | None:
    """The notice to a teacher of a change to their ticket, or None when it says nothing
    (and no files follow it)."""
    ticket = change.ticket
    lines = change_lines(tr, change, ticket.centre_name)
    if not lines and not with_files:
        return None
    body = "\n\n".join([f"🎫 <b>{escape(ticket.reference)}</b>", *lines])
    return Screen.of(body, teacher_buttons(tr, ticket), markup=True)
