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
from datetime import time, timedelta
from html import escape
from typing import Final

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import Settings
from bot.i18n import N_, Translator, get_translator, pick_locale
from bot.services import roles, tickets, users
from bot.services import schools as schools_service
from bot.services import staff as staff_service
from bot.services.ticket_workflow import Action, Role, Status, TransitionRefused, allowed_actions
from bot.services.tickets import (
    Actor,
    AttachmentKind,
    Change,
    EventKind,
    LinkIndex,
    ListScope,
    MessageKind,
    MessagePurpose,
    NewAttachment,
    TicketView,
)
from handlers import helpdesk_text as text
from handlers.common import PRIVATE, answer_query, edit_text, keyboard, reply, send_text
from handlers.context import CommandSpec, Context, KepliApp, Runtime

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


async def _send_media(
    context: Context,
    chat_id: int,
    attachment: tickets.AttachmentView | NewAttachment,
    caption: str | None,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> Message | None:
    """Send one attachment by its file id; None if the chat blocked the bot or it failed."""
    params = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to
        else None
    )
    html = ParseMode.HTML
    bot = context.bot
    file_id = attachment.file_id
    try:
        if attachment.kind is AttachmentKind.PHOTO:
            return await bot.send_photo(
                chat_id, file_id, caption=caption, parse_mode=html,
                reply_parameters=params, message_thread_id=thread_id,
            )  # fmt: skip
        if attachment.kind is AttachmentKind.VOICE:
            return await bot.send_voice(
                chat_id, file_id, caption=caption, parse_mode=html,
                reply_parameters=params, message_thread_id=thread_id,
            )  # fmt: skip
        return await bot.send_document(
            chat_id, file_id, caption=caption, parse_mode=html,
            reply_parameters=params, message_thread_id=thread_id,
        )  # fmt: skip
    except Forbidden:
        await _blocked(context, chat_id)
    except BadRequest as exc:
        log.warning("attachment not passed on to %s: %s", chat_id, exc.message)
    return None


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


def _caption(prefix: str, attachment: tickets.AttachmentView | NewAttachment) -> str:
    return prefix + (f"\n{escape(attachment.caption)}" if attachment.caption else "")


# --- the staff chat ---------------------------------------------------------------------


def staff_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup:
    _ = tr.gettext
    allowed = set(allowed_actions(ticket.status, Role.STAFF))
    tid = ticket.id
    rows: list[list[tuple[str, str]]] = []
    first = []
    if Action.TAKE in allowed:
        first.append(("🙋 " + _("Take"), f"hd:take:{tid}"))
    if Action.START in allowed:
        first.append(("🔧 " + _("In progress"), f"hd:start:{tid}"))
    second = []
    if Action.WAIT in allowed:
        second.append(("⏳ " + _("Waiting for school"), f"hd:wait:{tid}"))
    if Action.RESOLVE in allowed:
        second.append(("✅ " + _("Resolved"), f"hd:res:{tid}"))
    rows = [r for r in (first, second) if r]
    if ticket.status is not Status.CLOSED:
        rows.append(
            [
                ("💬 " + _("Reply to teacher"), f"hd:rep:{tid}"),
                ("🔒 " + _("Internal note"), f"hd:note:{tid}"),
            ]
        )
    rows.append([("📜 " + _("History"), f"hd:hist:{tid}")])
    return keyboard(rows)


def staff_post_text(tr: Translator, ticket: TicketView, context: Context) -> str:
    return text.ticket_card(tr, ticket, context.runtime.settings.tz, for_staff=True)


async def _centre(context: Context, centre_id: int) -> schools_service.CentreInfo | None:
    async with context.runtime.sessions() as session:
        return await schools_service.get_centre(session, centre_id)


async def post_new_ticket(context: Context, ticket: TicketView) -> bool:
    """Post a new ticket (and its attachments) to its centre's staff chat. False if none."""
    centre = await _centre(context, ticket.centre_id)
    if centre is None or centre.staff_chat_id is None:
        log.warning(
            "centre %s has no staff chat: %s not posted", ticket.centre_id, ticket.reference
        )
        return False
    tr = staff_tr(context)
    try:
        post = await context.bot.send_message(
            centre.staff_chat_id,
            staff_post_text(tr, ticket, context),
            parse_mode=ParseMode.HTML,
            reply_markup=staff_markup(tr, ticket),
            message_thread_id=centre.staff_thread_id,
        )
    except TelegramError as exc:
        log.error("could not post %s to the staff chat: %s", ticket.reference, exc)
        return False
    async with context.runtime.sessions() as session:
        await tickets.set_staff_post(
            session, ticket.id, post.chat_id, post.message_id, now=context.runtime.clock()
        )
    links(context).add(post.chat_id, post.message_id)
    await _relay_attachments(
        context,
        post.chat_id,
        ticket.attachments,
        prefix=f"📎 {escape(ticket.reference)}",
        reply_to=post.message_id,
        thread_id=centre.staff_thread_id,
    )
    return True


async def _relay_attachments(
    context: Context,
    chat_id: int,
    attachments: Sequence[tickets.AttachmentView | NewAttachment],
    *,
    prefix: str,
    reply_to: int | None,
    thread_id: int | None,
) -> None:
    """Photos as albums (captions kept), documents and voice notes one by one."""
    photos = [a for a in attachments if a.kind is AttachmentKind.PHOTO]
    others = [a for a in attachments if a.kind is not AttachmentKind.PHOTO]
    if len(photos) == 1:
        others.insert(0, photos[0])
    elif photos:
        for start in range(0, len(photos), 10):
            chunk = photos[start : start + 10]
            media = [
                InputMediaPhoto(a.file_id, caption=_caption(prefix, a), parse_mode=ParseMode.HTML)
                for a in chunk
            ]
            try:
                await context.bot.send_media_group(
                    chat_id,
                    media,
                    reply_parameters=ReplyParameters(
                        message_id=reply_to, allow_sending_without_reply=True
                    )
                    if reply_to
                    else None,
                    message_thread_id=thread_id,
                )
            except Forbidden:
                await _blocked(context, chat_id)
                return
            except BadRequest as exc:
                log.warning("album not passed on to %s: %s", chat_id, exc.message)
    for attachment in others:
        await _send_media(
            context,
            chat_id,
            attachment,
            _caption(prefix, attachment),
            reply_to=reply_to,
            thread_id=thread_id,
        )


async def refresh_post(context: Context, ticket: TicketView) -> None:
    """Edit the staff post to show the ticket as it is now."""
    if ticket.staff_chat_id is None or ticket.staff_message_id is None:
        return
    tr = staff_tr(context)
    try:
        await context.bot.edit_message_text(
            staff_post_text(tr, ticket, context),
            chat_id=ticket.staff_chat_id,
            message_id=ticket.staff_message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=staff_markup(tr, ticket),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.warning("staff post of %s not updated: %s", ticket.reference, exc.message)
    except TelegramError as exc:
        log.warning("staff post of %s not updated: %s", ticket.reference, exc)


async def staff_notice(
    context: Context, ticket: TicketView, body: str, *, attachments: Sequence[NewAttachment] = ()
) -> None:
    """A message in the staff chat, as a reply to the ticket's post."""
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
    if attachments:
        await _relay_attachments(
            context,
            ticket.staff_chat_id,
            attachments,
            prefix=f"📎 {escape(ticket.reference)}",
            reply_to=ticket.staff_message_id,
            thread_id=thread,
        )


# --- telling the teacher ------------------------------------------------------------------


def teacher_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup:
    _ = tr.gettext
    tid = ticket.id
    if ticket.status is Status.RESOLVED:
        return keyboard([[(_("✅ Solved"), f"tk:c:{tid}"), (_("🔁 Reopen"), f"tk:o:{tid}")]])
    if ticket.status is Status.CLOSED:
        return keyboard([[("📜 " + _("Details"), f"tk:v:{tid}")]])
    return keyboard(
        [[("💬 " + _("Reply / add photos"), f"tk:r:{tid}"), ("📜 " + _("Details"), f"tk:v:{tid}")]]
    )


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


async def tell_teachers(
    context: Context,
    change: Change,
    *,
    actor_id: int,
    attachments: Sequence[NewAttachment] = (),
) -> list[int]:
    """Tell the ticket's teachers (not the one who acted) of a change; return whom it
    could not reach (blocked the bot)."""
    ticket = change.ticket
    unreachable: list[int] = []
    for teacher_id in ticket.participant_ids:
        if teacher_id == actor_id:
            continue
        fallback = ticket.reporter_locale if teacher_id == ticket.reporter_id else None
        tr = await translator_of(context, teacher_id, fallback)
        lines = change_lines(tr, change, ticket.centre_name)
        if not lines and not attachments:
            continue
        body = "\n\n".join([f"🎫 <b>{escape(ticket.reference)}</b>", *lines])
        message = await send_text(
            context,
            teacher_id,
            body,
            parse_mode=ParseMode.HTML,
            reply_markup=teacher_markup(tr, ticket),
        )
        if message is None:
            unreachable.append(teacher_id)
            continue
        await link(context, ticket.id, message, MessagePurpose.TEACHER)
        for attachment in attachments:
            sent = await _send_media(context, teacher_id, attachment, _caption("📎", attachment))
            await link(context, ticket.id, sent, MessagePurpose.TEACHER)
    return unreachable


async def _warn_unreachable(context: Context, ticket: TicketView, unreachable: list[int]) -> None:
    if not unreachable:
        return
    tr = staff_tr(context)
    await staff_notice(
        context,
        ticket,
        "⚠️ "
        + tr.gettext(
            "{ref}: the teacher has blocked the bot and did not get this. "
            "Please contact the school another way."
        ).format(ref=escape(ticket.reference)),
    )


# --- teacher: /mytickets, details, close, reopen, reply -----------------------------------


def _parse(data: str | None, prefix: str) -> tuple[str, int] | None:
    """("verb", number) from "<prefix>:<verb>:<number>", or None for anything else."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != prefix or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def _list_rows(
    tr: Translator, found: tickets.Page, open_prefix: str, page_prefix: str
) -> list[list[tuple[str, str]]]:
    """A button per ticket of a page (`<open_prefix>:<id>`), then « Previous / Next »
    (`<page_prefix>:<page>`) where there are more pages."""
    _ = tr.gettext
    rows = [
        [(f"{text.STATUS_ICONS[t.status]} {t.reference}", f"{open_prefix}:{t.id}")]
        for t in found.items
    ]
    nav = []
    if found.page > 0:
        nav.append(("« " + _("Previous"), f"{page_prefix}:{found.page - 1}"))
    if found.page + 1 < found.pages:
        nav.append((_("Next") + " »", f"{page_prefix}:{found.page + 1}"))
    if nav:
        rows.append(nav)
    return rows


async def _my_page(context: Context, user_id: int, page: int) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    _ = tr.gettext
    async with context.runtime.sessions() as session:
        found = await tickets.tickets_of_teacher(session, user_id, page=page, per_page=PER_PAGE)
    if not found.total:
        body = _("You have not reported any fault yet. Use /report to report one.")
        return body, keyboard([[("🛠 " + _("Report a fault"), "menu:report")]])
    tz = context.runtime.settings.tz
    header = _("<b>Your fault reports</b> (page {page} of {pages})").format(
        page=found.page + 1, pages=found.pages
    )
    body = "\n\n".join([header, *(text.ticket_line(tr, t, tz) for t in found.items)])
    return body, keyboard(_list_rows(tr, found, "tk:v", "tk:l"))


async def my_tickets(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    body, markup = await _my_page(context, user.id, 0)
    await reply(update, context, body, reply_markup=markup, parse_mode=ParseMode.HTML)


def _teacher_view_markup(tr: Translator, ticket: TicketView) -> InlineKeyboardMarkup:
    _ = tr.gettext
    tid = ticket.id
    rows: list[list[tuple[str, str]]] = []
    if ticket.status is not Status.CLOSED:
        rows.append([("💬 " + _("Reply / add photos"), f"tk:r:{tid}")])
    actions = allowed_actions(ticket.status, Role.REPORTER)
    row = []
    if Action.CLOSE in actions:
        label = _("✅ Solved") if ticket.status is Status.RESOLVED else "✔ " + _("Close")
        row.append((label, f"tk:c:{tid}"))
    if Action.REOPEN in actions:
        row.append((_("🔁 Reopen"), f"tk:o:{tid}"))
    if row:
        rows.append(row)
    rows.append([("« " + _("My tickets"), "tk:l:0")])
    return keyboard(rows)


async def _refuse(
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
        message = _("This ticket does not exist. Nothing changed.")
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
    parsed = _parse(query.data, "tk")
    if parsed is None:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    verb, number = parsed
    if verb == "l":
        await answer_query(query)
        assert update.effective_user is not None
        body, markup = await _my_page(context, update.effective_user.id, number)
        await edit_text(context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML)
        return
    actor = actor_of(update)
    try:
        async with context.runtime.sessions() as session:
            if verb == "v":
                role = await tickets.role_of(session, number, actor.user_id)
            elif not await tickets.is_participant(session, number, actor.user_id):
                raise tickets.NotAuthorised(str(number))
    except tickets.TicketError as error:
        await _refuse(update, context, error, staff_action=False)
        return
    if verb == "v":
        await _show_ticket(update, context, number, role)
    elif verb == "r":
        await _ask_teacher_reply(update, context, number)
    elif verb in ("c", "o"):
        action = Action.CLOSE if verb == "c" else Action.REOPEN
        await _teacher_action(update, context, number, action)
    else:
        await answer_query(query, context.tr.gettext("This button is no longer active."))


async def _show_ticket(update: Update, context: Context, ticket_id: int, role: Role) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    for_staff = role is Role.STAFF
    async with context.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await tickets.history(session, ticket_id, include_internal=for_staff)
    body = text.history_text(
        context.tr, ticket, events, context.runtime.settings.tz, for_staff=for_staff
    )
    markup = (
        staff_markup(context.tr, ticket) if for_staff else _teacher_view_markup(context.tr, ticket)
    )
    message = await edit_text(context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML)
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
        await _refuse(update, context, refused, staff_action=False)
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
    try:
        async with context.runtime.sessions() as session:
            change = await tickets.apply_action(
                session,
                ticket_id,
                actor_of(update),
                action,
                now=context.runtime.clock(),
                reopen_days=settings.ticket_reopen_days,
            )
    except (tickets.TicketError, TransitionRefused) as error:
        await _refuse(update, context, error, staff_action=False)
        return
    _ = context.tr.gettext
    ticket = change.ticket
    if action is Action.CLOSE:
        done = _("🔒 {ref} is closed. Thank you! If the fault comes back, press «Reopen».")
    else:
        done = _("🔁 {ref} is open again; the support centre has been told.")
    await answer_query(query, _("Done."))
    message = await edit_text(
        context,
        query,
        done.format(ref=escape(ticket.reference)),
        reply_markup=_teacher_view_markup(context.tr, ticket),
        parse_mode=ParseMode.HTML,
    )
    await link(context, ticket.id, message, MessagePurpose.TEACHER)
    await refresh_post(context, ticket)
    tr = staff_tr(context)
    who = escape(actor_of(update).name)
    if action is Action.CLOSE:
        notice = tr.gettext("🔒 {name} closed {ref}.")
    else:
        notice = tr.gettext("🔁 {name} reopened {ref}: the fault is back.")
    await staff_notice(context, ticket, notice.format(name=who, ref=escape(ticket.reference)))
    await tell_teachers(context, change, actor_id=actor_of(update).user_id)


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
    body = message.text or message.caption or ""
    if attachments and message.caption:
        body = ""  # the caption travels with the file and is stored with it
    settings = context.runtime.settings
    actor = actor_of(update)
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
    if kind is MessageKind.TEACHER:
        await _after_teacher_reply(update, context, change, body, attachments)
    else:
        await _after_staff_message(update, context, change, kind, attachments)


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
    update: Update,
    context: Context,
    change: Change,
    body: str,
    attachments: Sequence[NewAttachment],
) -> None:
    message = update.effective_message
    assert message is not None
    ticket = change.ticket
    _ = context.tr.gettext
    if _first_of_album(context, message):
        ack = await message.reply_text(
            _("✓ Sent to the support centre ({ref}).").format(ref=ticket.reference)
        )
        await link(context, ticket.id, ack, MessagePurpose.TEACHER)
    tr = staff_tr(context)
    who = escape(actor_of(update).name)
    notice = tr.gettext("💬 {name} on {ref}:").format(name=who, ref=escape(ticket.reference))
    if body:
        notice += "\n" + escape(body)
    if change.status_changed:
        notice += "\n" + tr.gettext("Status: {status}").format(
            status=text.status(tr, ticket.status)
        )
    await staff_notice(context, ticket, notice, attachments=attachments)
    await refresh_post(context, ticket)
    await tell_teachers(
        context, change, actor_id=actor_of(update).user_id, attachments=attachments
    )


async def _after_staff_message(
    update: Update,
    context: Context,
    change: Change,
    kind: MessageKind,
    attachments: Sequence[NewAttachment],
) -> None:
    message = update.effective_message
    assert message is not None
    ticket = change.ticket
    _ = context.tr.gettext
    if kind is MessageKind.NOTE:
        await message.reply_text(_("🔒 Note saved on {ref}.").format(ref=ticket.reference))
    else:
        unreachable = await tell_teachers(
            context, change, actor_id=actor_of(update).user_id, attachments=attachments
        )
        if unreachable:
            await _warn_unreachable(context, ticket, unreachable)
        else:
            await message.reply_text(
                _("✓ Sent to the teacher ({ref}).").format(ref=ticket.reference)
            )
    await refresh_post(context, ticket)


# --- staff: buttons and /tickets ------------------------------------------------------------


async def staff_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    parsed = _parse(query.data, "hd")
    if parsed is None:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    verb, ticket_id = parsed
    actor = actor_of(update)
    try:
        async with context.runtime.sessions() as session:
            if await tickets.role_of(session, ticket_id, actor.user_id) is not Role.STAFF:
                raise tickets.NotAuthorised(str(ticket_id))
    except tickets.TicketError as error:
        await _refuse(update, context, error, staff_action=True)
        return
    if verb in STAFF_VERBS:
        await _staff_action(update, context, ticket_id, STAFF_VERBS[verb])
    elif verb in ("rep", "note"):
        await _ask_staff_message(update, context, ticket_id, verb == "note")
    elif verb == "hist":
        await _staff_history(update, context, ticket_id)
    else:
        await answer_query(query, context.tr.gettext("This button is no longer active."))


async def _staff_action(update: Update, context: Context, ticket_id: int, action: Action) -> None:
    query = update.callback_query
    assert query is not None
    actor = actor_of(update)
    try:
        async with context.runtime.sessions() as session:
            change = await tickets.apply_action(
                session, ticket_id, actor, action, now=context.runtime.clock()
            )
    except (tickets.TicketError, TransitionRefused) as error:
        await _refuse(update, context, error, staff_action=True)
        async with context.runtime.sessions() as session:
            current = await tickets.get_ticket(session, ticket_id)
        await refresh_post(context, current)  # a stale post shows the truth again
        return
    ticket = change.ticket
    await answer_query(
        query,
        context.tr.gettext("Done: {status}").format(status=text.status(context.tr, ticket.status)),
    )
    await refresh_post(context, ticket)
    pressed = query.message
    is_post = isinstance(pressed, Message) and (pressed.chat_id, pressed.message_id) == (
        ticket.staff_chat_id,
        ticket.staff_message_id,
    )
    if isinstance(pressed, Message) and not is_post:
        await _staff_view(context, query, ticket_id)  # the /tickets view in a private chat
    unreachable = await tell_teachers(context, change, actor_id=actor.user_id)
    await _warn_unreachable(context, ticket, unreachable)


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
        await _refuse(update, context, refused, staff_action=True)
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
    tr = context.tr
    body = text.history_text(tr, ticket, events, context.runtime.settings.tz, for_staff=True)
    markup = staff_markup(tr, ticket)
    back = keyboard([[("« " + tr.gettext("Open tickets"), "st:all:0")]])
    rows = [*markup.inline_keyboard, *back.inline_keyboard]
    await edit_text(
        context, query, body, reply_markup=InlineKeyboardMarkup(rows), parse_mode=ParseMode.HTML
    )


SCOPE_LABELS: Final[dict[ListScope, str]] = {
    ListScope.MINE: N_("Mine"),
    ListScope.UNASSIGNED: N_("Unassigned"),
    ListScope.ALL: N_("All open"),
}


async def _staff_page(
    context: Context, user_id: int, scope: ListScope, page: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    tr = context.tr
    _ = tr.gettext
    async with context.runtime.sessions() as session:
        centre_ids = await staff_service.staff_centre_ids(session, user_id)
        if not centre_ids:
            return None
        found = await tickets.tickets_of_centres(
            session, centre_ids, scope, user_id=user_id, page=page, per_page=PER_PAGE
        )
    tz = context.runtime.settings.tz
    header = _("<b>Open tickets: {scope}</b> ({total}; page {page} of {pages})").format(
        scope=_(SCOPE_LABELS[scope]), total=found.total, page=found.page + 1, pages=found.pages
    )
    if found.items:
        body = "\n\n".join([header, *(text.ticket_line(tr, t, tz) for t in found.items)])
    else:
        body = header + "\n\n" + _("Nothing here.")
    scopes = [
        (("• " if s is scope else "") + _(SCOPE_LABELS[s]), f"st:{s.value}:0") for s in ListScope
    ]
    return body, keyboard([scopes, *_list_rows(tr, found, "st:v", f"st:{scope.value}")])


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
    body, markup = page
    await reply(update, context, body, reply_markup=markup, parse_mode=ParseMode.HTML)


async def staff_list_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    user = query.from_user
    if len(parts) == 3 and parts[1] == "v" and parts[2].isdigit():
        ticket_id = int(parts[2])
        try:
            async with context.runtime.sessions() as session:
                if await tickets.role_of(session, ticket_id, user.id) is not Role.STAFF:
                    raise tickets.NotAuthorised(parts[2])
        except tickets.TicketError as error:
            await _refuse(update, context, error, staff_action=True)
            return
        await answer_query(query)
        await _staff_view(context, query, ticket_id)
        return
    scopes = {s.value: s for s in ListScope}
    if len(parts) != 3 or parts[1] not in scopes or not parts[2].isdigit():
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    page = await _staff_page(context, user.id, scopes[parts[1]], int(parts[2]))
    if page is None:
        await answer_query(
            query, context.tr.gettext("Only support-centre staff can see this."), alert=True
        )
        return
    await answer_query(query)
    body, markup = page
    await edit_text(context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML)


# --- the weekly summary ------------------------------------------------------------------------

SUMMARY_JOB: Final = "helpdesk-weekly-summary"


async def weekly_summary(context: Context) -> None:
    """Post each centre's last seven days to its staff chat (a JobQueue job)."""
    runtime = context.runtime
    until = runtime.clock()
    since = until - timedelta(days=7)
    tr = staff_tr(context)
    async with runtime.sessions() as session:
        centres = await schools_service.list_centres(session)
        reports = [
            (c, await tickets.summary(session, c.id, since=since, until=until))
            for c in centres
            if c.staff_chat_id is not None
        ]
    for centre, report in reports:
        assert centre.staff_chat_id is not None
        body = "📊 " + escape(text.summary_text(tr, runtime.settings.tz, centre.name, report))
        await send_text(
            context,
            centre.staff_chat_id,
            body,
            parse_mode=ParseMode.HTML,
            message_thread_id=centre.staff_thread_id,
        )


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

    data.on_startup(startup)
    app.add_handlers(
        [
            MessageHandler(LinkedReply(index) & ~filters.COMMAND, linked_reply),
            CommandHandler("mytickets", my_tickets, filters=PRIVATE),
            CommandHandler("tickets", tickets_command),
            CallbackQueryHandler(teacher_button, pattern=r"^tk:"),
            CallbackQueryHandler(staff_button, pattern=r"^hd:"),
            CallbackQueryHandler(staff_list_button, pattern=r"^st:"),
        ]
    )
