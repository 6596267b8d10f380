"""/start, the main menu, /help, /language, /cancel, and the bot's manners in groups.

The menu and the command list are registries (`context.bot_data.menu`,
`.commands`): this module registers the core entries, features register their
own handlers for "menu:<key>" (and may add entries). Whatever no feature
handles falls through to `register_fallbacks`, which must run last.
"""

from __future__ import annotations

import logging
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.dialogs.common import LANGUAGE_ACTIONS, chosen_locale
from bot.dialogs.common import language as language_codec
from bot.i18n import LOCALES, N_, Translator
from bot.services import users
from bot.ui.actions import pack
from handlers.command_scopes import roles_of, sync_user
from handlers.common import (
    CANCEL_DATA,
    MENU_DATA,
    PRIVATE,
    answer_query,
    edit_text,
    menu_button,
    reply,
    send_text,
)
from handlers.context import CommandSpec, Context, KepliApp, MenuEntry

log = logging.getLogger(__name__)

GROUPS: Final = filters.ChatType.GROUPS

# Later features answer "menu:<key>" themselves; until then the entry says it is coming.
CORE_MENU: Final = (
    MenuEntry("points", N_("Points calculation"), order=10, icon="🧮"),
    MenuEntry("faq", N_("Frequently asked questions"), order=20, icon="❓"),
    MenuEntry("report", N_("Report a fault"), order=30, icon="🛠"),
    MenuEntry("reminders", N_("Reminders"), order=40, icon="⏰"),
    MenuEntry("language", N_("Language / Γλώσσα"), order=90, icon="🌐"),
)

CORE_COMMANDS: Final = (
    CommandSpec("start", N_("Greeting and the main menu"), order=0, chats="all"),
    CommandSpec("menu", N_("Show the main menu"), order=1),
    CommandSpec("help", N_("What I can do and how to use me"), order=90, chats="all"),
    CommandSpec("language", N_("Speak Greek or English"), order=91),
    CommandSpec("cancel", N_("Stop what you are doing"), order=92),
)

# Language names are written in their own language, so that anyone can find theirs.
LANGUAGE_NAMES: Final = {"el": "Ελληνικά", "en": "English"}
LANGUAGE_DATA: Final = f"{language_codec.namespace}:"


# --- texts and keyboards ----------------------------------------------------------


def main_menu_markup(context: Context) -> InlineKeyboardMarkup:
    tr = context.tr
    rows = [
        [InlineKeyboardButton(_label(tr, entry), callback_data=entry.callback_data)]
        for entry in context.bot_data.menu.entries()
    ]
    return InlineKeyboardMarkup(rows)


def _label(tr: Translator, entry: MenuEntry) -> str:
    label = tr.gettext(entry.label)
    return f"{entry.icon} {label}" if entry.icon else label


def greeting(context: Context, first_name: str | None) -> str:
    _ = context.tr.gettext
    hello = (_("Hello, {name}!").format(name=first_name) if first_name else _("Hello!")) + " 👋"
    return "\n".join(
        [
            hello,
            _(
                "I am keplibot, the assistant of the ΚΕ.ΠΛΗ.ΝΕ.Τ. for teachers. I can "
                "calculate your points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.), "
                "answer frequent questions, take a fault report for your school lab and "
                "remind you of deadlines."
            ),
            "",
            _("Choose below:"),
        ]
    )


def private_chat_link(context: Context) -> str:
    return f"https://t.me/{context.bot.username}?start=group"


def help_text(context: Context, chat_type: str, roles: frozenset[str] = frozenset()) -> str:
    """/help: what the bot does and its commands (staff and administrator ones only for
    people with that role)."""
    _ = context.tr.gettext
    if chat_type != ChatType.PRIVATE:
        return group_help_text(context, roles)
    lines = [
        _(
            "I help teachers with the selection of school lab managers (Υ.Σ.Ε.Π.Ε.Η.Υ.) "
            "and with the support of the ΚΕ.ΠΛΗ.ΝΕ.Τ. The menu buttons lead to everything "
            "I can do."
        ),
        "",
        _("Commands:"),
    ]
    lines += [
        f"/{command.name} — {_(command.description)}"
        for command in context.bot_data.commands.for_chat("private", roles)
    ]
    lines += [
        "",
        _("Buttons are quicker than typing. /cancel leaves whatever you are doing, at any time."),
    ]
    return "\n".join(lines)


def private_chat_pointer(context: Context) -> str:
    return context.tr.gettext(
        "I talk with teachers in a private chat, so that your details stay private. "
        "Open the chat with me: {link}"
    ).format(link=private_chat_link(context))


def group_help_text(context: Context, roles: frozenset[str] = frozenset()) -> str:
    """/help in a group: the way to the private chat, and the commands that work here
    (staff groups use some, such as /tickets)."""
    _ = context.tr.gettext
    lines = [private_chat_pointer(context), "", _("Commands in this group:")]
    lines += [
        f"/{command.name} — {_(command.description)}"
        for command in context.bot_data.commands.for_chat("group", roles)
    ]
    return "\n".join(lines)


def language_markup(context: Context) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == context.locale else "") + LANGUAGE_NAMES[code],
            callback_data=pack(LANGUAGE_ACTIONS[code]),
        )
        for code in LOCALES
    ]
    return InlineKeyboardMarkup([buttons, [menu_button(context.tr)]])


# --- private chat: start, menu, help ----------------------------------------------------


async def start(update: Update, context: Context) -> None:
    user = update.effective_user
    await reply(
        update,
        context,
        greeting(context, user.first_name if user else None),
        reply_markup=main_menu_markup(context),
    )


async def menu_command(update: Update, context: Context) -> None:
    text = context.tr.gettext("Choose below:")
    await reply(update, context, text, reply_markup=main_menu_markup(context))


async def menu_pressed(update: Update, context: Context) -> None:
    """The "Main menu" button: the message becomes the menu again."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    user = update.effective_user
    await edit_text(
        context,
        query,
        greeting(context, user.first_name if user else None),
        reply_markup=main_menu_markup(context),
    )


async def help_command(update: Update, context: Context) -> None:
    chat = update.effective_chat
    user = update.effective_user
    roles = await roles_of(context.runtime, user.id) if user is not None else frozenset()
    text = help_text(context, chat.type if chat else ChatType.PRIVATE, roles)
    await reply(update, context, text)


# --- language ----------------------------------------------------------------------------


async def language_command(update: Update, context: Context) -> None:
    await reply(
        update,
        context,
        context.tr.gettext("Choose the language I speak with you:"),
        reply_markup=language_markup(context),
    )


async def language_pressed(update: Update, context: Context) -> None:
    """The menu's Language entry: the message becomes the language chooser."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await edit_text(
        context,
        query,
        context.tr.gettext("Choose the language I speak with you:"),
        reply_markup=language_markup(context),
    )


async def language_chosen(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert query.data is not None
    assert user is not None
    locale = chosen_locale(query.data)
    if locale not in LOCALES:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    async with context.runtime.sessions() as session:
        await users.set_locale(session, user.id, locale)
    tr = context.use_locale(locale)
    await answer_query(query, LANGUAGE_NAMES[locale])
    await sync_user(context, user.id)
    text = tr.gettext("Language: {language}. You can change it at any time with /language.")
    await edit_text(
        context,
        query,
        text.format(language=LANGUAGE_NAMES[locale]) + "\n\n" + tr.gettext("Choose below:"),
        reply_markup=main_menu_markup(context),
    )


# --- cancel ---------------------------------------------------------------------------------


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel outside any flow."""
    await reply(
        update,
        context,
        context.tr.gettext("There is nothing to cancel right now.")
        + "\n\n"
        + context.tr.gettext("Choose below:"),
        reply_markup=main_menu_markup(context),
    )


async def cancel_flow(update: Update, context: Context) -> int:
    """Shared fallback of every flow (/cancel or the Cancel button): end it, show the menu."""
    text = (
        context.tr.gettext("Cancelled. You are back at the main menu.")
        + "\n\n"
        + context.tr.gettext("Choose below:")
    )
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        await edit_text(context, query, text, reply_markup=main_menu_markup(context))
    else:
        await reply(update, context, text, reply_markup=main_menu_markup(context))
    return ConversationHandler.END


async def restart_flow(update: Update, context: Context) -> int:
    """/start inside a flow: leave the flow and start afresh."""
    await start(update, context)
    return ConversationHandler.END


# --- what no feature handled ------------------------------------------------------------------


async def coming_soon(update: Update, context: Context) -> None:
    """A menu entry whose feature is not there yet: say so honestly."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    entry = context.bot_data.menu.get(query.data.removeprefix("menu:"))
    if entry is None:
        await stale_button(update, context)
        return
    await answer_query(query)
    _ = context.tr.gettext
    text = _("«{feature}» is not available yet: it is coming soon.").format(feature=_(entry.label))
    markup = InlineKeyboardMarkup([[menu_button(context.tr)]])
    text += "\n" + _("Meanwhile, choose something else from the menu.")
    await edit_text(context, query, text, reply_markup=markup)


async def stale_button(update: Update, context: Context) -> None:
    """A button of an old message, a finished flow or a removed feature."""
    query = update.callback_query
    assert query is not None
    if query.data == CANCEL_DATA:
        await answer_query(query, context.tr.gettext("There is nothing to cancel right now."))
        return
    await answer_query(query, context.tr.gettext("This button is no longer active."), alert=True)


async def not_understood(update: Update, context: Context) -> None:
    """Private messages that no flow expects."""
    message = update.effective_message
    _ = context.tr.gettext
    if message is not None and message.text and message.text.startswith("/"):
        text = _("I do not know that command. /help lists the ones I know.")
    else:
        text = _("I did not understand that. Please use the menu buttons, or send /help.")
    await reply(update, context, text, reply_markup=main_menu_markup(context))


# --- groups ---------------------------------------------------------------------------------


async def group_pointer(update: Update, context: Context) -> None:
    """/start in a group: teachers talk to the bot in private."""
    await reply(update, context, private_chat_pointer(context))


async def membership_changed(update: Update, context: Context) -> None:
    """The bot was added to or removed from a group, or blocked/unblocked by a user."""
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    before, after = change.old_chat_member.status, change.new_chat_member.status
    present = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
    if chat.type == ChatType.PRIVATE:
        blocked = after == ChatMemberStatus.BANNED
        async with context.runtime.sessions() as session:
            await users.mark_blocked(session, chat.id, blocked)
        log.info("user %s %s the bot", chat.id, "blocked" if blocked else "unblocked")
        return
    if after in present and before not in present:
        log.info("added to %s %s (%s)", chat.type, chat.id, chat.title)
        _ = context.tr.gettext
        await send_text(
            context,
            chat.id,
            _(
                "Hello everyone! I am keplibot, the assistant of the ΚΕ.ΠΛΗ.ΝΕ.Τ. Teachers "
                "talk with me in a private chat: {link}. In this group I answer /help."
            ).format(link=private_chat_link(context)),
        )
    elif after not in present and before in present:
        log.info("removed from %s %s (%s)", chat.type, chat.id, chat.title)


# --- registration -------------------------------------------------------------------------------


def register(app: KepliApp) -> None:
    """The generic commands and buttons. Register after the features' flows.

    Flows come first so that /start, /cancel and menu buttons sent in the middle
    of a flow reach the flow's own fallbacks (which end it) and not these.
    """
    data = app.bot_data
    for entry in CORE_MENU:
        data.menu.add(entry)
    for command in CORE_COMMANDS:
        data.commands.add(command)
    app.add_handlers(
        [
            CommandHandler("start", start, filters=PRIVATE),
            CommandHandler("menu", menu_command, filters=PRIVATE),
            CommandHandler("help", help_command, filters=PRIVATE | GROUPS),
            CommandHandler("language", language_command, filters=PRIVATE),
            CommandHandler("cancel", cancel_command, filters=PRIVATE),
            CommandHandler("start", group_pointer, filters=GROUPS),
            CallbackQueryHandler(menu_pressed, pattern=f"^{MENU_DATA}$"),
            CallbackQueryHandler(language_pressed, pattern="^menu:language$"),
            CallbackQueryHandler(language_chosen, pattern=language_codec.pattern),
            ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )


def register_fallbacks(app: KepliApp) -> None:
    """What nothing else handled. Must be registered last in group 0."""
    app.add_handlers(
        [
            CallbackQueryHandler(coming_soon, pattern="^menu:"),
            CallbackQueryHandler(stale_button),
            # In groups the bot stays quiet unless asked (/start, /help above).
            MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, not_understood),
        ]
    )
