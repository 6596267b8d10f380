"""Tickets in chat, after they are opened: both sides of the conversation.

Teachers: /mytickets (paged), a ticket's details and history, replying (to any
message about the ticket, or with the Reply button), adding photos, closing,
"✅ Solved" / "🔁 Reopen" after a resolution. They hear of every change.

Staff: the ticket's post in the centre's staff chat (group or forum topic),
edited to show status and assignee, with buttons Take / In progress / Waiting
for school / Resolved / Reply to teacher / Internal note / History; /tickets
(mine, unassigned, all; paged). Every action is authorised by the service:
staff of the ticket's centre only; a forged or stale button changes nothing
and says why.

Callback data (all well under 64 bytes):
  tk:<verb>:<ticket id or page>  teacher (l list, v view, r reply, c close, o reopen)
  hd:<verb>:<ticket id>          staff (take, start, wait, res, rep, note, hist)
  st:<scope>:<page>, st:v:<id>   staff list
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from html import escape
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import Settings
from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import notices, screens, text
from bot.i18n import N_, Translator, get_translator, pick_locale
from bot.services import roles, users
from bot.services.helpdesk import outbox as outbox_service
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import staff as staff_service
from bot.services.helpdesk import ticket_access, tickets
from bot.services.helpdesk.outbox import PENDING, SENT, RowState
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_workflow import (
    Action,
    Role,
    Status,
    TransitionRefused,
)
from bot.services.helpdesk.tickets import (
    Actor,
    AttachmentKind,
    Change,
    LinkIndex,
    ListScope,
    MessageKind,
    MessagePurpose,
    NewAttachment,
    TicketView,
)
from bot.services.text_clean import clean_text
from bot.ui import Screen
from handlers.common import (
    PRIVATE,
    answer_query,
    edit_text,
    reply,
    send_text,
)
from handlers.context import CommandSpec, Context, KepliApp, Runtime
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.render import markup, show
from handlers.shown import digest

log = logging.getLogger(__name__)

PER_PAGE: Final = 5
LINKS_KEPT: Final = timedelta(days=365)  # replies to older messages are not routed

STAFF_VERBS: Final[dict[str, Action]] = {
    "take": Action.TAKE,
    "start": Action.START,
    "wait": Action.WAIT,
    "res": Action.RESOLVE,
}

COMMANDS: Final = (
    CommandSpec("mytickets", N_("My fault reports and their status"), order=31),
    CommandSpec(
        "tickets",
        N_("Support staff: the centre's open tickets"),
        order=32,
        chats="all",
        audience=frozenset({roles.STAFF}),
    ),
)


# --- plumbing -------------------------------------------------------------------------


def links(context: Context) -> LinkIndex:
    index = context.runtime.helpdesk_links
    if index is None:  # before the startup hook (never while updates flow)
        index = context.runtime.helpdesk_links = LinkIndex()
    return index


async def link(
    context: Context, ticket_id: int, message: Message | None, purpose: MessagePurpose
) -> None:
    """Remember a bot message about a ticket, so that a reply to it reaches the ticket."""
    if message is None:
        return
    async with context.runtime.sessions() as session:
        await tickets.link_message(
            session,
            ticket_id,
            message.chat_id,
            message.message_id,
            purpose,
            now=context.runtime.clock(),
        )
    links(context).add(message.chat_id, message.message_id)


class LinkedReply(filters.MessageFilter):
    """A reply to a bot message that is about a ticket (looked up in the LinkIndex)."""

    def __init__(self, index: LinkIndex) -> None:
        super().__init__(name="LinkedReply")
        self.index = index

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and (message.chat_id, replied.message_id) in self.index


def actor_of(update: Update) -> Actor:
    user = update.effective_user
    assert user is not None
    return Actor(user.id, user.full_name)


async def translator_of(context: Context, user_id: int, fallback: str | None) -> Translator:
    """A teacher's translator outside their own update: stored choice, else the
    language they reported in, else the default."""
    async with context.runtime.sessions() as session:
        stored = await users.get_locale(session, user_id)
    return get_translator(pick_locale(stored, fallback, context.runtime.settings.default_locale))


def staff_tr(context: Context) -> Translator:
    """Staff chats are shared: they read the bot in the deployment's default language."""
    return get_translator(context.runtime.settings.default_locale)


def attachments_of(message: Message) -> list[NewAttachment]:
    """The photo, document or voice note of a message (a photo: its largest size)."""
    caption = message.caption
    if message.photo:
        size = message.photo[-1]
        return [
            NewAttachment(
                AttachmentKind.PHOTO,
                size.file_id,
                size.file_unique_id,
                caption,
                file_size=size.file_size,
            )
        ]
    if message.document:
        doc = message.document
        return [
            NewAttachment(
                AttachmentKind.DOCUMENT,
                doc.file_id,
                doc.file_unique_id,
                caption,
                doc.file_name,
                doc.mime_type,
                doc.file_size,
            )
        ]
    if message.voice:
        voice = message.voice
        return [
            NewAttachment(
                AttachmentKind.VOICE,
                voice.file_id,
                voice.file_unique_id,
                caption,
                mime_type=voice.mime_type,
                file_size=voice.file_size,
            )
        ]
    return []


def too_large_text(tr: Translator, size: int | None) -> str:
    megabytes = (size or 0) / (1024 * 1024)
    return tr.gettext(
        "This file is {size} MB; Telegram lets me pass on files up to 20 MB. "
        "Please send a smaller file, or a photo of the screen."
    ).format(size=tr.number(round(megabytes, 1)))


async def force_reply(
    context: Context,
    chat_id: int,
    body: str,
    *,
    placeholder: str,
    selective: bool = False,
    thread_id: int | None = None,
) -> Message | None:
    """A prompt whose answer the user's app sends as a reply to it (HTML body)."""
    try:
        return await context.bot.send_message(
            chat_id,
            body,
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=selective, input_field_placeholder=placeholder),
            message_thread_id=thread_id,
        )
    except Forbidden:
        await _blocked(context, chat_id)
        return None


async def _blocked(context: Context, chat_id: int) -> None:
    if chat_id > 0:
        async with context.runtime.sessions() as session:
            await users.mark_blocked(session, chat_id, True)
            await session.commit()


# --- the staff chat ---------------------------------------------------------------------


def staff_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup | None:
    return markup(Screen.of("", screens.staff_buttons(tr, ticket)))


def teacher_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup | None:
    """The buttons under a message to a teacher about their ticket."""
    return markup(Screen.of("", screens.teacher_buttons(tr, ticket)))


async def _centre(context: Context, centre_id: int) -> schools_service.CentreInfo | None:
    async with context.runtime.sessions() as session:
        return await schools_service.get_centre(session, centre_id)


async def refresh_post(context: Context, ticket: TicketView) -> None:
    """Edit the staff post to show the ticket as it is now."""
    if ticket.staff_chat_id is None or ticket.staff_message_id is None:
        return
    tr = staff_tr(context)
    post = screens.staff_post(tr, ticket, context.runtime.settings.tz)
    body, keys = post.text, markup(post)
    chat_id, message_id = ticket.staff_chat_id, ticket.staff_message_id
    content = digest(body, ParseMode.HTML, keys)
    if context.runtime.shown.unchanged(chat_id, message_id, content):
        return  # nothing to change: Telegram would refuse the edit
    try:
        await context.bot.edit_message_text(
            body,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keys,
        )
        context.runtime.shown.remember(chat_id, message_id, content)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.warning("staff post of %s not updated: %s", ticket.reference, exc.message)
    except TelegramError as exc:
        log.warning("staff post of %s not updated: %s", ticket.reference, exc)


async def staff_notice(context: Context, ticket: TicketView, body: str) -> None:
    """An answer in the staff chat to a press there (the history), replying to the post.

    News of a change does not come this way: it goes through the outbox
    (handlers.helpdesk.outbox), written with the change.
    """
    if ticket.staff_chat_id is None:
        return
    centre = await _centre(context, ticket.centre_id)
    thread = centre.staff_thread_id if centre else None
    params = (
        ReplyParameters(message_id=ticket.staff_message_id, allow_sending_without_reply=True)
        if ticket.staff_message_id
        else None
    )
    message = await send_text(
        context,
        ticket.staff_chat_id,
        body,
        parse_mode=ParseMode.HTML,
        reply_parameters=params,
        message_thread_id=thread,
    )
    await link(context, ticket.id, message, MessagePurpose.POST)


# --- telling the teacher ------------------------------------------------------------------


# --- teacher: /mytickets, details, close, reopen, reply -----------------------------------


async def inactive(update: Update, context: Context) -> None:
    """The answer to a button whose data names nothing (stale, malformed or forged)."""
    query = update.callback_query
    assert query is not None
    await answer_query(query, context.tr.gettext("This button is no longer active."), alert=True)


async def _authorised(
    update: Update, context: Context, ticket_id: int, need: Need, *, staff_action: bool
) -> Role | None:
    """The user's role on the ticket for `need`, or None after answering the refusal."""
    try:
        async with context.runtime.sessions() as session:
            return await ticket_access.authorise(
                session, ticket_id, actor_of(update).user_id, need
            )
    except tickets.TicketError as error:
        await refuse(update, context, error, staff_action=staff_action)
        return None


async def _my_page(context: Context, user_id: int, page: int) -> Screen:
    async with context.runtime.sessions() as session:
        found = await tickets.tickets_of_teacher(session, user_id, page=page, per_page=PER_PAGE)
    return screens.my_tickets(context.tr, found, context.runtime.settings.tz)


async def my_tickets(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    await show(update, context, await _my_page(context, user.id, 0))


async def refuse(
    update: Update,
    context: Context,
    error: tickets.TicketError | TransitionRefused,
    *,
    staff_action: bool,
) -> None:
    """Answer a button that may not do what it asks: nothing changed, and why."""
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    if isinstance(error, TransitionRefused):
        message = text.refusal(
            context.tr, error.reason, error.status, context.runtime.settings.ticket_reopen_days
        )
    elif isinstance(error, tickets.NotFound):
        message = _("This button is no longer active.")
    elif isinstance(error, tickets.AlreadyAssigned):
        message = _("The ticket is already yours. Nothing changed.")
    elif isinstance(error, tickets.NotAuthorised) and not staff_action:
        message = _("This ticket is not yours. Nothing changed.")
    elif isinstance(error, tickets.NotAuthorised):
        async with context.runtime.sessions() as session:
            elsewhere = await staff_service.staff_centre_ids(session, query.from_user.id)
        message = (
            _("This ticket belongs to another support centre. Nothing changed.")
            if elsewhere
            else _("Only staff of this ticket's support centre can do that. Nothing changed.")
        )
    else:
        message = _("That is not possible. Nothing changed.")
    await answer_query(query, message, alert=True)


async def teacher_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.teacher.parse(query.data)
    if action is None:
        await inactive(update, context)
        return
    if isinstance(action, act.MyTickets):
        assert update.effective_user is not None
        await show(update, context, await _my_page(context, update.effective_user.id, action.page))
        return
    if not isinstance(action, act.TicketAction):
        await inactive(update, context)
        return
    ticket_id = action.ticket_id
    need = Need.SEE if isinstance(action, act.ViewTicket) else Need.TEACHER
    role = await _authorised(update, context, ticket_id, need, staff_action=False)
    if role is None:
        return
    if isinstance(action, act.ViewTicket):
        await _show_ticket(update, context, ticket_id, role)
    elif isinstance(action, act.TeacherReply):
        await _ask_teacher_reply(update, context, ticket_id)
    else:
        closing = isinstance(action, act.CloseTicket)
        await _teacher_action(
            update, context, ticket_id, Action.CLOSE if closing else Action.REOPEN
        )


async def _show_ticket(update: Update, context: Context, ticket_id: int, role: Role) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    for_staff = role is Role.STAFF
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await tickets.history(session, ticket_id, include_internal=for_staff)
    tz = context.runtime.settings.tz
    screen = (
        screens.staff_view(context.tr, ticket, events, tz, back=False)
        if for_staff
        else screens.teacher_view(context.tr, ticket, events, tz)
    )
    message = await edit_text(
        context, query, screen.text, reply_markup=markup(screen), parse_mode=ParseMode.HTML
    )
    if not for_staff:
        await link(context, ticket_id, message, MessagePurpose.TEACHER)


async def _ask_teacher_reply(update: Update, context: Context, ticket_id: int) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
    if ticket.status is Status.CLOSED:
        refused = TransitionRefused(tickets.Refusal.FROM_STATUS, ticket.status)
        await refuse(update, context, refused, staff_action=False)
        return
    await answer_query(query)
    prompt = await force_reply(
        context,
        query.from_user.id,
        _(
            "✍️ Write your message for {ref}, or send photos or files, as a reply to this "
            "message. It goes to the support centre."
        ).format(ref=escape(ticket.reference)),
        placeholder=ticket.reference,
    )
    await link(context, ticket_id, prompt, MessagePurpose.TEACHER)


async def _teacher_action(
    update: Update, context: Context, ticket_id: int, action: Action
) -> None:
    query = update.callback_query
    assert query is not None
    settings = context.runtime.settings
    actor = actor_of(update)
    planned: list[int] = []

    async def plan(session: AsyncSession, change: Change) -> None:
        tr = helpdesk_outbox.staff_tr(settings)
        if action is Action.CLOSE:
            notice = tr.gettext("🔒 {name} closed {ref}.")
        else:
            notice = tr.gettext("🔁 {name} reopened {ref}: the fault is back.")
        ref = escape(change.ticket.reference)
        row = await helpdesk_outbox.plan_staff_notice(
            session,
            context.runtime,
            change.ticket,
            notice.format(name=escape(actor.name), ref=ref),
        )
        planned.extend([row] if row is not None else [])
        await helpdesk_outbox.plan_teacher_notices(
            session, context.runtime, change, actor_id=actor.user_id
        )

    try:
        async with context.runtime.sessions() as session:
            change = await tickets.apply_action(
                session,
                ticket_id,
                actor,
                action,
                now=context.runtime.clock(),
                reopen_days=settings.ticket_reopen_days,
                outbox=plan,
            )
    except (tickets.TicketError, TransitionRefused) as error:
        await refuse(update, context, error, staff_action=False)
        return
    _ = context.tr.gettext
    ticket = change.ticket
    await answer_query(query, _("Done."))
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    told = [s.status for s in await helpdesk_outbox.outcome(context, planned)] == [SENT]
    if action is Action.CLOSE:
        done = _("🔒 {ref} is closed. Thank you! If the fault comes back, press «Reopen».")
    elif told:
        done = _("🔁 {ref} is open again; the support centre has been told.")
    else:
        done = _("🔁 {ref} is open again.")
    message = await edit_text(
        context,
        query,
        done.format(ref=escape(ticket.reference)),
        reply_markup=markup(Screen.of("", screens.teacher_view_buttons(context.tr, ticket))),
        parse_mode=ParseMode.HTML,
    )
    await link(context, ticket.id, message, MessagePurpose.TEACHER)
    await refresh_post(context, ticket)


# --- replies to ticket messages -------------------------------------------------------------


async def linked_reply(update: Update, context: Context) -> None:
    """A reply to a bot message about a ticket: a teacher's answer, or a staff reply/note."""
    message = update.effective_message
    assert message is not None
    assert message.reply_to_message is not None
    async with context.runtime.sessions() as session:
        found = await tickets.ticket_of_message(
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
    if any((a.file_size or 0) > tickets.MAX_FILE_BYTES for a in attachments):
        await message.reply_text(too_large_text(context.tr, attachments[0].file_size))
        return
    body = clean_text(message.text or message.caption or "")
    if attachments and message.caption:
        body = ""  # the caption travels with the file and is stored with it
    settings = context.runtime.settings
    actor = actor_of(update)
    planned: list[int] = []

    async def plan(session: AsyncSession, change: Change) -> None:
        planned.extend(
            await _plan_message(session, context, change, kind, actor, body, attachments)
        )

    try:
        async with context.runtime.sessions() as session:
            change = await tickets.add_message(
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
    except tickets.InvalidTicket:
        await message.reply_text(
            _("Please write at most {n} characters, or send a photo or file.").format(
                n=settings.ticket_description_max
            )
        )
        return
    except tickets.NotAuthorised:
        await message.reply_text(_("Only staff of this ticket's support centre can do that."))
        return
    except tickets.NotFound:
        await message.reply_text(_("This ticket does not exist."))
        return
    await helpdesk_outbox.flush(context, ticket_ids=[ticket_id])
    states = await helpdesk_outbox.outcome(context, planned)
    if kind is MessageKind.TEACHER:
        await _after_teacher_reply(update, context, change, states)
    else:
        await _after_staff_message(update, context, change, kind, states)


async def _plan_message(
    session: AsyncSession,
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
    teachers = await helpdesk_outbox.plan_teacher_notices(
        session, runtime, change, actor_id=actor.user_id, attachments=attachments
    )
    if kind is MessageKind.REPLY:
        return teachers
    tr = helpdesk_outbox.staff_tr(runtime.settings)
    notice = tr.gettext("💬 {name} on {ref}:").format(
        name=escape(actor.name), ref=escape(ticket.reference)
    )
    if body:
        notice += "\n" + escape(body)
    if change.status_changed:
        notice += "\n" + tr.gettext("Status: {status}").format(
            status=text.status(tr, ticket.status)
        )
    row = await helpdesk_outbox.plan_staff_notice(
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
            contacts=helpdesk_outbox.contacts_text(context.tr, centre),
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


# --- staff: buttons and /tickets ------------------------------------------------------------


async def staff_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.staff.parse(query.data)
    if not isinstance(action, act.StaffAction):
        await inactive(update, context)
        return
    ticket_id = action.ticket_id
    if await _authorised(update, context, ticket_id, Need.STAFF, staff_action=True) is None:
        return
    transition = act.TRANSITIONS.get(type(action))
    if transition is not None:
        await _staff_action(update, context, ticket_id, transition)
    elif isinstance(action, act.ReplyToTeacher | act.InternalNote):
        await _ask_staff_message(update, context, ticket_id, isinstance(action, act.InternalNote))
    else:
        await _staff_history(update, context, ticket_id)


async def _staff_action(update: Update, context: Context, ticket_id: int, action: Action) -> None:
    query = update.callback_query
    assert query is not None
    actor = actor_of(update)
    try:

        async def plan(session: AsyncSession, change: Change) -> None:
            await helpdesk_outbox.plan_teacher_notices(
                session, context.runtime, change, actor_id=actor.user_id
            )

        async with context.runtime.sessions() as session:
            change = await tickets.apply_action(
                session, ticket_id, actor, action, now=context.runtime.clock(), outbox=plan
            )
    except (tickets.TicketError, TransitionRefused) as error:
        await refuse(update, context, error, staff_action=True)
        async with context.runtime.sessions() as session:
            current = await tickets.get_ticket(session, ticket_id)
        await refresh_post(context, current)  # a stale post shows the truth again
        return
    ticket = change.ticket
    await answer_query(
        query,
        context.tr.gettext("Done: {status}").format(status=text.status(context.tr, ticket.status)),
    )
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    await refresh_post(context, ticket)
    pressed = query.message
    is_post = isinstance(pressed, Message) and (pressed.chat_id, pressed.message_id) == (
        ticket.staff_chat_id,
        ticket.staff_message_id,
    )
    if isinstance(pressed, Message) and not is_post:
        await _staff_view(context, query, ticket_id)  # the /tickets view in a private chat


async def _ask_staff_message(
    update: Update, context: Context, ticket_id: int, internal: bool
) -> None:
    query = update.callback_query
    assert query is not None
    pressed = query.message
    _ = context.tr.gettext
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
    if ticket.status is Status.CLOSED:
        refused = TransitionRefused(tickets.Refusal.FROM_STATUS, ticket.status)
        await refuse(update, context, refused, staff_action=True)
        return
    await answer_query(query)
    user = query.from_user
    mention = f'<a href="tg://user?id={user.id}">{escape(user.first_name)}</a>'
    if internal:
        prompt = _("✍️ {name}, write the internal note on {ref} as a reply to this message.")
    else:
        prompt = _(
            "✍️ {name}, write your reply to the teacher on {ref} as a reply to this message "
            "(text, photo or file)."
        )
    chat_id = pressed.chat.id if pressed is not None else user.id
    thread = pressed.message_thread_id if isinstance(pressed, Message) else None
    in_topic = isinstance(pressed, Message) and pressed.is_topic_message
    message = await force_reply(
        context,
        chat_id,
        prompt.format(name=mention, ref=escape(ticket.reference)),
        placeholder=ticket.reference,
        selective=True,
        thread_id=thread if in_topic else None,
    )
    purpose = MessagePurpose.NOTE_PROMPT if internal else MessagePurpose.REPLY_PROMPT
    await link(context, ticket_id, message, purpose)


async def _staff_history(update: Update, context: Context, ticket_id: int) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    pressed = query.message
    if isinstance(pressed, Message) and pressed.chat.type == ChatType.PRIVATE:
        await _staff_view(context, query, ticket_id)
        return
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await tickets.history(session, ticket_id, include_internal=True)
    tr = staff_tr(context)
    lines = [f"📜 <b>{escape(ticket.reference)}</b>"]
    lines += [text.event_line(tr, e, context.runtime.settings.tz) for e in events]
    await staff_notice(context, ticket, "\n".join(lines))


async def _staff_view(context: Context, query: CallbackQuery, ticket_id: int) -> None:
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await tickets.history(session, ticket_id, include_internal=True)
    screen = screens.staff_view(context.tr, ticket, events, context.runtime.settings.tz, back=True)
    await edit_text(
        context, query, screen.text, reply_markup=markup(screen), parse_mode=ParseMode.HTML
    )


async def _staff_page(
    context: Context, user_id: int, scope: ListScope, page: int
) -> Screen | None:
    async with context.runtime.sessions() as session:
        centre_ids = await staff_service.staff_centre_ids(session, user_id)
        if not centre_ids:
            return None
        found = await tickets.tickets_of_centres(
            session, centre_ids, scope, user_id=user_id, page=page, per_page=PER_PAGE
        )
    return screens.staff_tickets(context.tr, found, scope, context.runtime.settings.tz)


async def tickets_command(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    page = await _staff_page(context, user.id, ListScope.ALL, 0)
    if page is None:
        await reply(
            update,
            context,
            context.tr.gettext(
                "/tickets is for support-centre staff. To follow your own reports, use /mytickets."
            ),
        )
        return
    await show(update, context, page)


async def staff_list_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.staff_list.parse(query.data)
    if isinstance(action, act.StaffView):
        if await _authorised(update, context, action.ticket_id, Need.STAFF, staff_action=True):
            await answer_query(query)
            await _staff_view(context, query, action.ticket_id)
        return
    if not isinstance(action, act.StaffPage):
        await inactive(update, context)
        return
    page = await _staff_page(context, query.from_user.id, action.scope, action.page)
    if page is None:
        await answer_query(
            query, context.tr.gettext("Only support-centre staff can see this."), alert=True
        )
        return
    await show(update, context, page)


# --- the weekly summary ------------------------------------------------------------------------

SUMMARY_JOB: Final = "helpdesk-weekly-summary"


def summary_slot(settings: Settings, now: datetime) -> datetime:
    """The latest scheduled time of the weekly summary at or before `now` (local time)."""
    local = now.astimezone(settings.tz)
    back = (local.weekday() - settings.helpdesk_summary_weekday) % 7
    slot = datetime.combine(
        local.date() - timedelta(days=back),
        time(settings.helpdesk_summary_hour),
        tzinfo=settings.tz,
    )
    return slot if slot <= local else slot - timedelta(days=7)


def _summary_key(centre_id: int, slot: datetime) -> str:
    return f"weekly:{centre_id}:{slot.date().isoformat()}"


async def plan_weekly_summaries(runtime: Runtime, *, catching_up: bool = False) -> list[int]:
    """Plan each centre's last seven days for its staff chat, once per scheduled week.

    The outbox's key (centre, week) is the record that it was planned: a restart, a
    second run or a second process plans nothing twice. `catching_up` (at start) plans
    only a week missed while the bot was off, for centres that had last week's.
    """
    settings = runtime.settings
    until = runtime.clock()
    slot = summary_slot(settings, until)
    tr = get_translator(settings.default_locale)
    planned: list[int] = []
    async with runtime.sessions() as session:
        for centre in await schools_service.list_centres(session):
            key = _summary_key(centre.id, slot)
            if centre.staff_chat_id is None or await outbox_service.planned(session, key):
                continue
            if catching_up and (
                until - slot > timedelta(days=1)
                or not await outbox_service.planned(
                    session, _summary_key(centre.id, slot - timedelta(days=7))
                )
            ):
                continue
            report = await tickets.summary(
                session, centre.id, since=until - timedelta(days=7), until=until
            )
            body = notices.weekly_summary(tr, settings.tz, centre.name, report)
            row = await outbox_service.enqueue(
                session,
                outbox_service.OutboxKind.WEEKLY_SUMMARY,
                now=until,
                payload={"text": body},
                centre_id=centre.id,
                dedupe_key=key,
            )
            planned += [row] if row is not None else []
        await session.commit()
    return planned


async def weekly_summary(context: Context) -> None:
    """The JobQueue job: plan this week's summaries and send them."""
    planned = await plan_weekly_summaries(context.runtime)
    await helpdesk_outbox.flush(context, ids=planned)


def schedule_weekly_summary(app: KepliApp, settings: Settings) -> None:
    """Every week on HELPDESK_SUMMARY_WEEKDAY at HELPDESK_SUMMARY_HOUR, local time."""
    if app.job_queue is None:
        log.warning("no job queue: the weekly helpdesk summary is off")
        return
    for job in app.job_queue.get_jobs_by_name(SUMMARY_JOB):
        job.schedule_removal()
    # PTB counts days from Sunday (0); the setting, like Python, from Monday (0).
    day = (settings.helpdesk_summary_weekday + 1) % 7
    app.job_queue.run_daily(
        weekly_summary,
        time=time(settings.helpdesk_summary_hour, tzinfo=settings.tz),
        days=(day,),
        name=SUMMARY_JOB,
    )


# --- registration --------------------------------------------------------------------------


def register(app: KepliApp) -> None:
    """Ticket handlers. Register before the flows: a reply to a ticket message reaches
    the ticket even in the middle of another flow, and a button of a ticket always works."""
    data = app.bot_data
    for command in COMMANDS:
        data.commands.add(command)
    index = LinkIndex()

    async def startup(runtime: Runtime) -> None:
        runtime.helpdesk_links = index
        async with runtime.sessions() as session:
            await schools_service.ensure_default_centre(session, runtime.settings)
            await index.load(session, since=runtime.clock() - LINKS_KEPT)
        schedule_weekly_summary(app, runtime.settings)
        await plan_weekly_summaries(runtime, catching_up=True)  # the worker sends them

    data.on_startup(startup)
    app.add_handlers(
        [
            MessageHandler(LinkedReply(index) & ~filters.COMMAND, linked_reply),
            CommandHandler("mytickets", my_tickets, filters=PRIVATE),
            CommandHandler("tickets", tickets_command),
            CallbackQueryHandler(teacher_button, pattern=act.teacher.pattern),
            CallbackQueryHandler(staff_button, pattern=act.staff.pattern),
            CallbackQueryHandler(staff_list_button, pattern=act.staff_list.pattern),
        ]
    )
