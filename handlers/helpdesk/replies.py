"""Replies to the bot's messages about a ticket: a teacher's answer (text, photos,
files), a staff reply or internal note; each told where their message is."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import (
    Message,
    Update,
)
from telegram.constants import ParseMode

from bot.dialogs.helpdesk import notices, planning
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_changes, ticket_links, ticket_types
from bot.services.helpdesk.outbox import PENDING, SENT, RowState
from bot.services.helpdesk.ticket_changes import MessageKind
from bot.services.helpdesk.ticket_types import Actor, Change, MessagePurpose, NewAttachment
from bot.services.helpdesk.ticket_workflow import (
    TransitionRefused,
)
from bot.services.text_clean import clean_text
from bot.services.transaction import Transaction
from handlers.context import Context
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.helpdesk.shared import actor_of, attachments_of, link, refresh_post, too_large_text

# --- replies to ticket messages -------------------------------------------------------------


async def linked_reply(update: Update, context: Context) -> None:
    """A reply to a bot message about a ticket: a teacher's answer, or a staff reply/note."""
    message = update.effective_message
    assert message is not None
    assert message.reply_to_message is not None
    async with context.runtime.sessions() as session:
        found = await ticket_links.ticket_of_message(
            session, message.chat_id, message.reply_to_message.message_id
        )
    if found is None:
        return
    ticket_id, purpose = found
    _ = context.tr.gettext
    if purpose is MessagePurpose.POST:
        await message.reply_text(
            _(
                "To answer the teacher, press «Reply to teacher» under the ticket; "
                "for your colleagues only, «Internal note»."
            )
        )
        return
    kind = {
        MessagePurpose.TEACHER: MessageKind.TEACHER,
        MessagePurpose.REPLY_PROMPT: MessageKind.REPLY,
        MessagePurpose.NOTE_PROMPT: MessageKind.NOTE,
    }[purpose]
    attachments = attachments_of(message)
    if any((a.file_size or 0) > ticket_types.MAX_FILE_BYTES for a in attachments):
        await message.reply_text(too_large_text(context.tr, attachments[0].file_size))
        return
    body = clean_text(message.text or message.caption or "")
    if attachments and message.caption:
        body = ""  # the caption travels with the file and is stored with it
    settings = context.runtime.settings
    actor = actor_of(update)
    planned: list[int] = []

    async def plan(session: Transaction, change: Change) -> None:
        planned.extend(
            await _plan_message(session, context, change, kind, actor, body, attachments)
        )

    try:
        async with context.runtime.sessions() as session:
            change = await ticket_changes.add_message(
                session,
                ticket_id,
                actor,
                kind,
                body,
                attachments=attachments,
                now=context.runtime.clock(),
                max_chars=settings.ticket_description_max,
                outbox=plan,
            )
    except TransitionRefused:
        await message.reply_text(
            _("This ticket is closed. Reopen it from /mytickets to add more.")
            if kind is MessageKind.TEACHER
            else _("This ticket is closed: nothing was added.")
        )
        return
    except ticket_types.InvalidTicket:
        await message.reply_text(
            _("Please write at most {n} characters, or send a photo or file.").format(
                n=settings.ticket_description_max
            )
        )
        return
    except ticket_types.NotAuthorised:
        await message.reply_text(_("Only staff of this ticket's support centre can do that."))
        return
    except ticket_types.NotFound:
        await message.reply_text(_("This ticket does not exist."))
        return
    await helpdesk_outbox.flush(context, ticket_ids=[ticket_id])
    states = await helpdesk_outbox.outcome(context, planned)
    if kind is MessageKind.TEACHER:
        await _after_teacher_reply(update, context, change, states)
    else:
        await _after_staff_message(update, context, change, kind, states)


async def _plan_message(
    session: Transaction,
    context: Context,
    change: Change,
    kind: MessageKind,
    actor: Actor,
    body: str,
    attachments: Sequence[NewAttachment],
) -> list[int]:
    """Plan who hears of a message on a ticket; the rows whose fate the writer is told."""
    runtime = context.runtime
    ticket = change.ticket
    if kind is MessageKind.NOTE:
        return []
    teachers = await planning.plan_teacher_notices(
        session, runtime, change, actor_id=actor.user_id, attachments=attachments
    )
    if kind is MessageKind.REPLY:
        return teachers
    tr = planning.staff_tr(runtime.settings)
    notice = notices.teacher_wrote(
        tr, ticket, actor.name, body, status_changed=change.status_changed
    )
    row = await planning.plan_staff_notice(
        session, runtime, ticket, notice, attachments=attachments
    )
    return [] if row is None else [row]


def _first_of_album(context: Context, message: Message) -> bool:
    """True for a message that is not part of an album already acknowledged."""
    group = message.media_group_id
    if group is None:
        return True
    chat_data = context.chat_data if context.chat_data is not None else {}
    if chat_data.get("hd_album") == group:
        return False
    chat_data["hd_album"] = group
    return True


async def _after_teacher_reply(
    update: Update, context: Context, change: Change, states: list[RowState]
) -> None:
    """Tell the teacher where their message is: with the centre, on its way, or stuck."""
    message = update.effective_message
    assert message is not None
    ticket = change.ticket
    _ = context.tr.gettext
    if not _first_of_album(context, message):
        return
    ref = escape(ticket.reference)
    status = [s.status for s in states]
    if status == [SENT]:
        ack = _("✓ Sent to the support centre ({ref}).").format(ref=ref)
    elif status == [PENDING]:
        ack = _(
            "✓ Saved on {ref}; it will reach the support centre as soon as Telegram lets me."
        ).format(ref=ref)
    else:
        async with context.runtime.sessions() as session:
            centre = await schools_service.get_centre(session, ticket.centre_id)
        ack = _(
            "⚠️ Saved on {ref}, but I cannot pass it on to {centre} now. The administrators "
            "know. Please also contact the centre: {contacts}"
        ).format(
            ref=ref,
            centre=escape(ticket.centre_name),
            contacts=planning.contacts_text(context.tr, centre),
        )
    sent = await message.reply_text(ack, parse_mode=ParseMode.HTML)
    await link(context, ticket.id, sent, MessagePurpose.TEACHER)
    await refresh_post(context, ticket)


async def _after_staff_message(
    update: Update,
    context: Context,
    change: Change,
    kind: MessageKind,
    states: list[RowState],
) -> None:
    message = update.effective_message
    assert message is not None
    ticket = change.ticket
    _ = context.tr.gettext
    status = {s.status for s in states}
    if kind is MessageKind.NOTE:
        await message.reply_text(_("🔒 Note saved on {ref}.").format(ref=ticket.reference))
    elif status <= {SENT}:
        await message.reply_text(_("✓ Sent to the teacher ({ref}).").format(ref=ticket.reference))
    elif PENDING in status:
        await message.reply_text(
            _("✓ Saved on {ref}; it will reach the teacher as soon as Telegram lets me.").format(
                ref=ticket.reference
            )
        )
    # Otherwise the teacher blocked the bot: the staff chat has just been told so.
    await refresh_post(context, ticket)
