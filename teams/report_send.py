"""«Send» and «Change something» of the fault report's summary, in Teams.

As on Telegram (`handlers.helpdesk.report_send`): the draft's id rides on the summary's
buttons and is recorded on the ticket, so a double submit, an older summary or a
replayed activity gives one ticket; another draft's (or another person's) summary is
"no longer active". The ticket and its outbox rows (the staff post on Telegram, its
photos) are written in one transaction by the same services and planning; they are sent
at once through the running outbox dispatcher, else by its next pass.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from bot.dialogs.helpdesk import notices, planning
from bot.dialogs.helpdesk.report import sent, steps
from bot.dialogs.helpdesk.report.actions import Edit, Send
from bot.dialogs.helpdesk.report.screens import Env, Step, edit_menu
from bot.services.helpdesk import report as helpdesk_report
from bot.services.helpdesk import tickets
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.outbox import OutboxKind
from bot.services.helpdesk.ticket_types import Actor, TicketView
from bot.services.helpdesk.ticket_workflow import TransitionRefused
from bot.ui import Action, Screen, escape
from teams import report
from teams.turn import Turn

log = logging.getLogger(__name__)

_background: Final[set[asyncio.Task[object]]] = set()


def _registered(turn: Turn, reference: str, centre: str, *, routable: bool, contacts: str) -> str:
    """What Teams can truthfully say of a new ticket: its notices come here (through the
    outbox, `bot.routing`), but this confirmation is not linked to the ticket, so adding
    goes through /mytickets (or a quoted reply to a later notice)."""
    _ = turn.tr.gettext
    if routable:
        return _(
            "✅ Your report is registered as <b>{ref}</b>. I will tell you here as soon as "
            "{centre} has it; to add something, use /mytickets."
        ).format(ref=escape(reference), centre=escape(centre))
    return sent.registered(
        report.env_of(turn), reference, centre, routable=False, contacts=contacts
    )


def _already(turn: Turn, reference: str) -> str:
    return turn.tr.gettext(
        "✅ This report was already sent: it is registered as <b>{ref}</b>."
    ).format(ref=escape(reference))


async def flush(turn: Turn, ticket_id: int, *, mailed: bool = False) -> None:
    """Send what the ticket planned now (the e-mail copy in the background)."""
    dispatcher = turn.runtime.outbox
    if dispatcher is None:  # no dispatcher in this process: its next pass elsewhere
        return
    try:
        await dispatcher.flush(ticket_ids=[ticket_id], skip=(OutboxKind.MAIL_COPY,))
    except Exception:  # stored: the dispatcher's next pass sends it
        log.warning("teams: the outbox could not be flushed now", exc_info=True)
    if mailed:
        task: asyncio.Task[object] = asyncio.create_task(dispatcher.run())
        _background.add(task)
        task.add_done_callback(_background.discard)


async def _told_already(turn: Turn, ticket: TicketView, draft_id: str) -> None:
    await turn.show(Screen(_already(turn, ticket.reference), markup=True), replace=True)
    await flush(turn, ticket.id)
    if report.asking(turn) and helpdesk_current(turn) == draft_id:
        report.drop(turn)


def helpdesk_current(turn: Turn) -> str | None:
    draft = turn.state.get("report")
    return draft.get("id") if isinstance(draft, dict) else None


async def pressed(turn: Turn, action: Action) -> None:
    """«Send» or «Change something» of a summary."""
    assert isinstance(action, Send | Edit)
    async with turn.runtime.sessions() as session:
        ticket = await helpdesk_report.own_ticket_of_draft(session, action.draft_id, turn.user_id)
    if ticket is not None:
        await _told_already(turn, ticket, action.draft_id)
        return
    draft = await report.load_draft(turn) if report.asking(turn) else None
    if draft is None or draft.id != action.draft_id:
        await report.inactive(turn)
        return
    if report.step_of(turn) is not Step.CONFIRM:
        await report.inactive(turn)
        return
    env = report.env_of(turn)
    if isinstance(action, Edit):
        await report.apply(turn, env, edit_menu(env, draft), replace=True)
        return
    missing = steps.before_send(env, draft)
    if missing is not None:
        await report.apply(turn, env, missing, replace=True)
    elif draft.duplicate_of is not None:
        await _send_addition(turn, env, draft)
    else:
        await _send_new(turn, env, draft)


async def _send_new(turn: Turn, env: Env, draft: ReportDraft) -> None:
    runtime = turn.runtime
    settings = runtime.settings
    plan = planning.NewTicketPlan(runtime)
    try:
        async with runtime.sessions() as session:
            ticket = await tickets.create_ticket(
                session,
                draft.new_ticket(),
                Actor(turn.user_id, turn.name),
                reporter_locale=turn.locale,
                now=runtime.clock(),
                prefix=settings.ticket_prefix,
                per_hour=settings.tickets_per_hour,
                description_max=settings.ticket_description_max,
                tz=settings.tz,
                outbox=plan,
                draft_id=draft.id,
            )
    except tickets.AlreadySent as error:
        await _told_already(turn, error.ticket, draft.id)
        return
    except tickets.TooManyTickets as error:
        when = turn.tr.time(error.retry_at.astimezone(settings.tz))
        outcome = sent.too_many(env, draft, settings.tickets_per_hour, when)
        await report.apply(turn, env, outcome, replace=True)
        return
    except tickets.NoCentre:
        await _alert_no_centre(turn, draft)
        await report.apply(turn, env, sent.no_centre(env, draft), replace=True)
        return
    except tickets.NotFound:
        await report.apply(turn, env, sent.unknown_school(env, draft), replace=True)
        return
    except tickets.InvalidTicket:
        await report.apply(turn, env, sent.invalid(env, draft), replace=True)
        return
    body = _registered(
        turn,
        ticket.reference,
        ticket.centre_name,
        routable=plan.routable,
        contacts=planning.contacts_text(turn.tr, plan.centre),
    )
    report.drop(turn)
    await turn.show(Screen(body, markup=True), replace=True)
    await flush(turn, ticket.id, mailed=plan.mailed)


async def _alert_no_centre(turn: Turn, draft: ReportDraft) -> None:
    runtime = turn.runtime
    body = notices.no_centre(
        planning.staff_tr(runtime.settings), draft.school_name, draft.school_code
    )
    async with runtime.sessions() as session:
        rows = await planning.plan_admin_alert(session, runtime, body)
        await session.commit()
    if runtime.outbox is not None and rows:
        await runtime.outbox.flush(ids=rows)


async def _send_addition(turn: Turn, env: Env, draft: ReportDraft) -> None:
    runtime = turn.runtime
    settings = runtime.settings
    assert draft.duplicate_of is not None
    assert draft.school_id is not None
    actor = Actor(turn.user_id, turn.name)

    async def plan(session: helpdesk_report.Session, change: tickets.Change) -> None:
        staff = planning.staff_tr(settings)
        notice = sent.addition_notice(
            staff, actor.name, change.ticket.reference, draft.description
        )
        await planning.plan_staff_notice(
            session, runtime, change.ticket, notice, attachments=draft.attachments
        )
        await planning.plan_teacher_notices(session, runtime, change, actor_id=actor.user_id)

    try:
        async with runtime.sessions() as session:
            change = await tickets.add_to_ticket(
                session,
                draft.duplicate_of,
                actor,
                draft.description,
                school_id=draft.school_id,
                attachments=draft.attachments,
                now=runtime.clock(),
                max_chars=settings.ticket_description_max,
                outbox=plan,
                draft_id=draft.id,
            )
    except tickets.AlreadySent as error:
        await _told_already(turn, error.ticket, draft.id)
        return
    except (TransitionRefused, tickets.NotFound, tickets.NotAuthorised):
        await report.apply(turn, env, sent.closed_meanwhile(env, draft), replace=True)
        return
    report.drop(turn)
    text = turn.tr.gettext("➕ Added to <b>{ref}</b>.").format(ref=escape(change.ticket.reference))
    await turn.show(Screen(text, markup=True), replace=True)
    await flush(turn, change.ticket.id)
