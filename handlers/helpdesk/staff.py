"""Support-centre staff in chat: invites (deep links), the staff list, the staff chat.

- `/start staff-<token>`: opening an invite link makes the user staff of its centre.
- `/invite [centre]` (administrators, private chat): a one-time invite link.
- `/staff [centre]` (administrators): the centre's staff, each with a Remove button.
- `/staffchat [centre]` (administrators, in a group): new tickets of the centre are
  posted here (in this forum topic, when sent from one).

Callback data: the `admin` codec of bot.dialogs.helpdesk.actions ("adm:inv:<centre>",
"adm:ls:<centre>", "adm:rm:<centre>:<user>").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Final

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.dialogs.helpdesk import actions as act
from bot.i18n import N_, Translator
from bot.services import roles
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import staff as staff_service
from bot.services.helpdesk.schools import CentreInfo
from bot.services.helpdesk.staff import InviteProblem, InviteRefused
from bot.ui import Button, Screen
from bot.ui.actions import Action, pack
from handlers import command_scopes
from handlers.common import PRIVATE, answer_query, edit_text, keyboard, reply
from handlers.context import CommandSpec, Context, KepliApp
from handlers.render import show

log = logging.getLogger(__name__)

ADMINS: Final = frozenset({roles.ADMIN})
COMMANDS: Final = (
    CommandSpec("invite", N_("Administrators: invite support staff"), order=80, audience=ADMINS),
    CommandSpec(
        "staff", N_("Administrators: list or remove support staff"), order=81, audience=ADMINS
    ),
    CommandSpec(
        "staffchat",
        N_("Administrators: post a centre's tickets in this group"),
        order=82,
        chats="all",
        audience=ADMINS,
    ),
)

INVITE_START: Final = filters.Regex(r"^/start staff-[A-Za-z0-9_-]+$")


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and staff_service.is_admin(context.runtime.settings, user.id)


async def _not_admin(update: Update, context: Context) -> None:
    text = context.tr.gettext("Only the bot's administrators can do this.")
    if update.callback_query is not None:
        await answer_query(update.callback_query, text, alert=True)
    else:
        await reply(update, context, text)


async def _centres(context: Context) -> list[CentreInfo]:
    async with context.runtime.sessions() as session:
        return await schools_service.list_centres(session)


async def _pick_centre(
    update: Update, context: Context, pick: Callable[[int], Action]
) -> CentreInfo | None:
    """The centre named in the command, the only one, or None after offering buttons."""
    centres = await _centres(context)
    args = context.args or []
    if args:
        wanted = args[0].strip().lower()
        for centre in centres:
            if centre.slug == wanted:
                return centre
        known = ", ".join(c.slug for c in centres)
        await reply(
            update,
            context,
            context.tr.gettext("Unknown centre «{slug}». Centres: {known}").format(
                slug=escape(args[0]), known=known
            ),
            parse_mode=ParseMode.HTML,
        )
        return None
    with_staff = [c for c in centres if c.staff_chat_id or not c.is_default] or centres
    if len(with_staff) == 1:
        return with_staff[0]
    screen = Screen.of(
        context.tr.gettext("Which centre?"), [[Button(c.name, pick(c.id))] for c in centres]
    )
    await show(update, context, screen)
    return None


# --- invites --------------------------------------------------------------------------------


async def redeem(update: Update, context: Context) -> None:
    """/start staff-<token>: the invite link was opened."""
    user = update.effective_user
    assert user is not None
    _ = context.tr.gettext
    payload = (context.args or [""])[0]
    token = staff_service.token_of_payload(payload) or ""
    try:
        async with context.runtime.sessions() as session:
            redeemed = await staff_service.redeem_invite(
                session, token, user_id=user.id, name=user.full_name, now=context.runtime.clock()
            )
    except InviteRefused as refused:
        texts = {
            InviteProblem.UNKNOWN: _("This invite link is not valid."),
            InviteProblem.USED: _("This invite link has already been used. Ask for a new one."),
            InviteProblem.EXPIRED: _("This invite link has expired. Ask for a new one."),
        }
        await reply(update, context, texts[refused.problem])
        return
    if redeemed.already:
        body = _("You were already staff of {centre}.")
    else:
        body = _(
            "🎉 Welcome! You are now staff of {centre}. New fault reports appear in the "
            "centre's staff chat; /tickets lists the open ones."
        )
    text = body.format(centre=escape(redeemed.centre_name))
    await reply(update, context, text, parse_mode=ParseMode.HTML)
    await command_scopes.sync_user(context, user.id)  # the staff commands, for them alone
    log.info("user %s joined the staff of centre %s", user.id, redeemed.centre_id)


async def _send_invite(update: Update, context: Context, centre: CentreInfo) -> None:
    user = update.effective_user
    assert user is not None
    settings = context.runtime.settings
    async with context.runtime.sessions() as session:
        invite = await staff_service.create_invite(
            session,
            centre.id,
            created_by=user.id,
            now=context.runtime.clock(),
            valid_days=settings.staff_invite_days,
        )
    tr = context.tr
    expires = tr.datetime(invite.expires_at, fmt="short", tzinfo=settings.tz)
    body = tr.gettext(
        "One-time invite to the staff of {centre}, valid until {date}. Send it to one "
        "colleague; opening it makes them staff:"
    ).format(centre=escape(centre.name), date=expires)
    body += "\n" + invite.link(context.bot.username)
    if update.callback_query is not None:
        await answer_query(update.callback_query)
        await edit_text(context, update.callback_query, body, parse_mode=ParseMode.HTML)
    else:
        await reply(update, context, body, parse_mode=ParseMode.HTML)


async def invite_command(update: Update, context: Context) -> None:
    if not _is_admin(update, context):
        await _not_admin(update, context)
        return
    centre = await _pick_centre(update, context, act.Invite)
    if centre is not None:
        await _send_invite(update, context, centre)


# --- the staff list ---------------------------------------------------------------------------


async def _staff_list(context: Context, centre: CentreInfo) -> tuple[str, InlineKeyboardMarkup]:
    tr: Translator = context.tr
    async with context.runtime.sessions() as session:
        members = await staff_service.list_staff(session, centre.id)
    lines = [tr.gettext("<b>Staff of {centre}</b>").format(centre=escape(centre.name))]
    if not members:
        lines.append(tr.gettext("No staff yet. /invite creates an invite link."))
    rows = []
    for member in members:
        name = member.name or str(member.user_id)
        lines.append(f"• {escape(name)} ({member.user_id})")
        rows.append(
            [
                (
                    "✖ " + tr.gettext("Remove {name}").format(name=name[:30]),
                    pack(act.RemoveStaff(centre.id, member.user_id)),
                )
            ]
        )
    return "\n".join(lines), keyboard(rows)


async def staff_command(update: Update, context: Context) -> None:
    if not _is_admin(update, context):
        await _not_admin(update, context)
        return
    centre = await _pick_centre(update, context, act.StaffOf)
    if centre is None:
        return
    body, markup = await _staff_list(context, centre)
    await reply(update, context, body, reply_markup=markup, parse_mode=ParseMode.HTML)


async def admin_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await _not_admin(update, context)
        return
    action = act.admin.parse(query.data)
    centre = None
    if isinstance(action, act.Invite | act.StaffOf | act.RemoveStaff):
        async with context.runtime.sessions() as session:
            centre = await schools_service.get_centre(session, action.centre_id)
    if centre is None:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    if isinstance(action, act.Invite):
        await _send_invite(update, context, centre)
        return
    if isinstance(action, act.RemoveStaff):
        async with context.runtime.sessions() as session:
            removed = await staff_service.remove_staff(session, centre.id, action.user_id)
        await command_scopes.sync_user(context, action.user_id)  # no staff commands, unless staff
        note = (
            context.tr.gettext("Removed.")
            if removed
            else context.tr.gettext("Already removed. Nothing changed.")
        )
        await answer_query(query, note)
    else:
        await answer_query(query)
    body, markup = await _staff_list(context, centre)
    await edit_text(context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML)


# --- the staff chat ---------------------------------------------------------------------------


async def staffchat_command(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None
    assert chat is not None
    _ = context.tr.gettext
    if not _is_admin(update, context):
        await _not_admin(update, context)
        return
    if chat.type == ChatType.PRIVATE:
        await reply(update, context, _("Send /staffchat in the staff group, not here."))
        return
    centres = await _centres(context)
    args = context.args or []
    if args:
        chosen = [c for c in centres if c.slug == args[0].strip().lower()]
    else:
        chosen = centres if len(centres) == 1 else []
    if len(chosen) != 1:
        known = ", ".join(c.slug for c in centres)
        await reply(
            update,
            context,
            _("Name the centre: /staffchat CENTRE (one of: {known}).").format(known=known),
        )
        return
    thread = message.message_thread_id if message.is_topic_message else None
    async with context.runtime.sessions() as session:
        centre = await schools_service.set_staff_chat(session, chosen[0].id, chat.id, thread)
    await command_scopes.sync_staff_chat(context, chat.id)
    await reply(
        update,
        context,
        _("✅ New fault reports of {centre} will be posted here.").format(
            centre=escape(centre.name)
        ),
        parse_mode=ParseMode.HTML,
    )


def register(app: KepliApp) -> None:
    """Register before start.register: the invite's /start must not reach the greeting."""
    for command in COMMANDS:
        app.bot_data.commands.add(command)
    app.add_handlers(
        [
            CommandHandler("start", redeem, filters=PRIVATE & INVITE_START),
            CommandHandler("invite", invite_command, filters=PRIVATE),
            CommandHandler("staff", staff_command, filters=PRIVATE),
            CommandHandler("staffchat", staffchat_command),
            CallbackQueryHandler(admin_button, pattern=act.admin.pattern),
        ]
    )
