"""The helpdesk handlers' shared plumbing: links to ticket messages, who acts, the
staff post kept up to date, and the answers to a press that may not do what it asks."""

from __future__ import annotations

import logging
from typing import Final

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

from bot.dialogs.helpdesk import screens, text
from bot.i18n import Translator, get_translator
from bot.runtime import Runtime
from bot.services import users
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import (
    ticket_access,
    ticket_changes,
    ticket_links,
    ticket_queries,
    ticket_types,
    tickets,
)
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_links import LinkIndex
from bot.services.helpdesk.ticket_types import (
    Actor,
    AttachmentKind,
    Change,
    EventView,
    MessagePurpose,
    NewAttachment,
    PlanChange,
    TicketView,
)
from bot.services.helpdesk.ticket_workflow import Action, Role, TransitionRefused
from bot.ui import Screen
from handlers.common import answer_query, edit_text, send_text
from handlers.context import Context
from handlers.render import markup
from handlers.shown import digest

log = logging.getLogger(__name__)


PER_PAGE: Final = 5

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
        await ticket_links.link_message(
            session,
            ticket_id,
            message.chat_id,
            message.message_id,
            purpose,
            now=context.runtime.clock(),
        )
    links(context).add(message.chat_id, message.message_id)


async def look_up_link(update: Update, context: Context) -> None:
    """Before the features see a reply to a bot message: if this worker's index does not
    know the message, ask the database (another worker, or a process before a restart,
    may have linked it), so that `LinkedReply` sees every link, not only this worker's."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if message is None or replied is None or replied.from_user is None:
        return
    if not replied.from_user.is_bot:
        return
    index = links(context)
    if (message.chat_id, replied.message_id) in index:
        return
    async with context.runtime.sessions() as session:
        await index.look_up(session, message.chat_id, replied.message_id)


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


def teacher_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup | None:
    """The buttons under a message to a teacher about their ticket."""
    return markup(Screen.of("", screens.teacher_buttons(tr, ticket)))


async def _centre(context: Context, centre_id: int) -> schools_service.CentreInfo | None:
    async with context.runtime.sessions() as session:
        return await schools_service.get_centre(session, centre_id)


async def refresh_post(context: Context, ticket: TicketView) -> None:
    """Edit the staff post to show the ticket as it is now."""
    await refresh_post_with(context.bot, context.runtime, ticket)


async def refresh_post_with(bot: Bot, runtime: Runtime, ticket: TicketView) -> None:
    """`refresh_post` without an update (`Runtime.refresh_staff_post`: a change made on
    another channel)."""
    if ticket.staff_chat_id is None or ticket.staff_message_id is None:
        return
    tr = get_translator(runtime.settings.default_locale)
    post = screens.staff_post(tr, ticket, runtime.settings.tz)
    body, keys = post.text, markup(post)
    chat_id, message_id = ticket.staff_chat_id, ticket.staff_message_id
    content = digest(body, ParseMode.HTML, keys)
    if runtime.shown.unchanged(chat_id, message_id, content):
        return  # nothing to change: Telegram would refuse the edit
    try:
        await bot.edit_message_text(
            body,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keys,
        )
        runtime.shown.remember(chat_id, message_id, content)
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


async def inactive(update: Update, context: Context) -> None:
    """The answer to a button whose data names nothing (stale, malformed or forged)."""
    query = update.callback_query
    assert query is not None
    await answer_query(query, context.tr.gettext("This button is no longer active."), alert=True)


async def authorised(
    update: Update, context: Context, ticket_id: int, need: Need, *, staff_action: bool
) -> Role | None:
    """The user's role on the ticket for `need`, or None after answering the refusal."""
    try:
        async with context.runtime.sessions() as session:
            return await ticket_access.authorise(
                session, ticket_id, actor_of(update).user_id, need
            )
    except ticket_types.TicketError as error:
        await refuse(update, context, error, staff_action=staff_action)
        return None


async def refuse(
    update: Update,
    context: Context,
    error: ticket_types.TicketError | TransitionRefused,
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
    elif isinstance(error, ticket_types.NotFound):
        message = _("This button is no longer active.")
    elif isinstance(error, ticket_types.AlreadyAssigned):
        message = _("The ticket is already yours. Nothing changed.")
    elif isinstance(error, ticket_types.NotAuthorised) and not staff_action:
        message = _("This ticket is not yours. Nothing changed.")
    elif isinstance(error, ticket_types.NotAuthorised):
        message = (
            _("This ticket belongs to another support centre. Nothing changed.")
            if error.staff_elsewhere
            else _("Only staff of this ticket's support centre can do that. Nothing changed.")
        )
    else:
        message = _("That is not possible. Nothing changed.")
    await answer_query(query, message, alert=True)


# --- a ticket's press: load, change, show ----------------------------------------------


async def with_history(
    context: Context, ticket_id: int, *, include_internal: bool
) -> tuple[TicketView, list[EventView]]:
    """The ticket and its history (the staff's internal notes only with `include_internal`)."""
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await ticket_queries.history(
            session, ticket_id, include_internal=include_internal
        )
    return ticket, events


async def edit_to(context: Context, query: CallbackQuery, screen: Screen) -> Message | None:
    """The pressed message shows `screen` (an HTML screen of a ticket) instead."""
    return await edit_text(
        context, query, screen.text, reply_markup=markup(screen), parse_mode=ParseMode.HTML
    )


async def open_for_messages(
    update: Update, context: Context, ticket_id: int, *, staff_action: bool
) -> TicketView | None:
    """The ticket, if messages may still be added to it; else None after the refusal."""
    try:
        async with context.runtime.sessions() as session:
            return await ticket_access.open_for_messages(session, ticket_id)
    except TransitionRefused as refused:
        await refuse(update, context, refused, staff_action=staff_action)
        return None


async def apply_action(
    update: Update,
    context: Context,
    ticket_id: int,
    action: Action,
    *,
    staff_action: bool,
    outbox: PlanChange,
) -> Change | None:
    """The presser's `action` applied to the ticket (with the notices `outbox` plans, in
    the same transaction), or None after the refusal: nothing changed. (Only a teacher
    reopens, so the reopening limit is the one of the settings for everyone.)"""
    try:
        async with context.runtime.sessions() as session:
            return await ticket_changes.apply_action(
                session,
                ticket_id,
                actor_of(update),
                action,
                now=context.runtime.clock(),
                reopen_days=context.runtime.settings.ticket_reopen_days,
                outbox=outbox,
            )
    except (ticket_types.TicketError, TransitionRefused) as error:
        await refuse(update, context, error, staff_action=staff_action)
        return None
