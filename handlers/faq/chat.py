"""FAQ in chat: the topics menu, answers with their buttons, and free text as a question.

- The main menu's "FAQ" entry and /faq: topics (ΚΕ.ΠΛΗ.ΝΕ.Τ. / lab manager / the
  bot) → their questions → the answer. These edit the pressed message, like
  the main menu does.
- Free text in the private chat, outside every flow, is a question for the FAQ
  search: a confident match is answered; close or weak matches get "Did you
  mean" with up to three buttons; nothing gets "no answer", the fault report
  button and the centre's contacts, and the question is kept for the staff
  (`keplibot faq misses`). Greetings and thanks get a polite word instead.
- The contacts in answers are those of the centre serving the teacher's school
  (set in a fault report), else the default centre's from the settings.
- Every answer ends with its related questions, its action (the main menu's own
  entry: points, report or reminders), 👍/👎 (`keplibot faq stats`) and the way back.
- An entry with a `live` part gets it under the answer (`bot.dialogs.faq.live`): the
  answer about deadlines lists the next dates the bot knows for the asker.
- In groups the bot answers only when asked: `/faq <question>`, or a message
  that mentions it. Answers there have no buttons meant for one person.

The screens are `bot.dialogs.faq.screens`; the buttons "faq:…" are `bot.dialogs.faq.actions`.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from telegram import CallbackQuery, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.dialogs.faq import screens, views
from bot.dialogs.faq.actions import (
    FromMenu,
    NoneOfThese,
    Related,
    Suggested,
    Topic,
    Topics,
    Vote,
    faq,
)
from bot.dialogs.faq.live import live_text
from bot.dialogs.menu import entry_button
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import known
from bot.services.faq import CentreContacts, Decision
from bot.services.faq import log as faq_log
from bot.services.faq.greek import tokens
from bot.services.faq.log import MissKind, Source, VoteOutcome
from bot.services.faq.smalltalk import SmallTalk, classify
from bot.services.helpdesk import schools
from bot.ui import Button, Screen
from handlers import render
from handlers.common import PRIVATE, answer_query, edit_text, send_text
from handlers.context import CommandSpec, Context, KepliApp
from handlers.faq.loading import index_loader, index_of
from handlers.flows import OutsideFlows
from handlers.start import main_menu_markup, private_chat_link, stale_button

log = logging.getLogger(__name__)

GROUPS: Final = filters.ChatType.GROUPS
# A new text message (not an edit: correcting a typo must not ask the question twice).
QUESTION_TEXT: Final = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND

COMMAND: Final = CommandSpec(
    "faq", N_("Frequently asked questions: ask me in your own words"), order=20, chats="all"
)


async def contacts_of(update: Update, context: Context) -> CentreContacts:
    """The contacts of the centre serving the teacher's school (set in a fault report), else
    the default centre's from the settings: where one bot serves several centres, a teacher
    must not be given another centre's phone. A field the centre lacks is not filled from
    another centre either (the catalog then says to ask the directorate).

    Remembered between updates (`Runtime.teacher_centres`, see `bot.services.known`): a
    change of the teacher's school, a school or a centre made by this process is seen at
    once, one made by another process (the CLI) within `bot.services.known.TTL`."""
    user = update.effective_user
    runtime = context.runtime
    if user is not None:
        found, contacts = runtime.teacher_centres.get(user.id)
        if not found:
            read_at = known.generation()
            async with runtime.sessions() as session:
                centre = await schools.centre_of_teacher(session, user.id)
            contacts = (
                None
                if centre is None
                else CentreContacts.of(centre.name, centre.phone, centre.email)
            )
            runtime.teacher_centres.put(user.id, contacts, read_at=read_at)
        if contacts is not None:
            return contacts
    return CentreContacts.from_settings(runtime.settings)


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def _menu_entry(context: Context, key: str | None) -> Button | None:
    """The main menu's entry `key` as a button (None when the menu has no such entry)."""
    entry = context.bot_data.menu.get(key) if key else None
    if entry is None:
        return None
    label = context.tr.gettext(entry.label)
    return entry_button(f"{entry.icon} {label}" if entry.icon else label, entry.callback_data)


async def _send(
    context: Context, chat_id: int, screen: Screen, reply_to: int | None = None
) -> None:
    await send_text(
        context,
        chat_id,
        screen.text,
        reply_markup=render.markup(screen),
        parse_mode=render.parse_mode(screen),
        reply_parameters=_replying_to(reply_to),
    )


async def _edit(context: Context, query: CallbackQuery, screen: Screen) -> None:
    await edit_text(
        context,
        query,
        screen.text,
        reply_markup=render.markup(screen),
        parse_mode=render.parse_mode(screen),
    )


def _replying_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    # The question may be gone by the time the answer is sent: answer anyway.
    return ReplyParameters(message_id, allow_sending_without_reply=True)


async def _no_answer(update: Update, context: Context, first_line: str) -> Screen:
    private = _is_private(update)
    return screens.no_answer_screen(
        context.tr,
        index_of(context),
        context.locale,
        first_line,
        await contacts_of(update, context),
        private=private,
        chat_link="" if private else private_chat_link(context),
        report=_menu_entry(context, "report"),
    )


# --- showing answers --------------------------------------------------------------------------


async def show_answer(
    update: Update,
    context: Context,
    entry_id: str,
    source: Source,
    *,
    edit: CallbackQuery | None = None,
    reply_to: int | None = None,
) -> None:
    """Show the answer of `entry_id`: in the pressed message (`edit`), else in a new one."""
    await views.record_view(context.runtime, entry_id, context.locale, source)
    private = _is_private(update)
    index = index_of(context)
    runtime = context.runtime
    entry = index.entry(entry_id, context.locale)
    user = update.effective_user
    live = await live_text(
        context.tr,
        runtime.sessions,
        entry,
        user.id if user else None,
        runtime.clock(),
        runtime.settings.tz,
    )
    screen = screens.answer_screen(
        context.tr,
        index,
        context.locale,
        entry_id,
        await contacts_of(update, context),
        private=private,
        live=live,
        chat_link="" if private else private_chat_link(context),
        action=_menu_entry(context, entry.action),
    )
    if edit is not None:
        await _edit(context, edit, screen)
        return
    chat = update.effective_chat
    if chat is not None:
        await _send(context, chat.id, screen, reply_to)


async def _record_miss(update: Update, context: Context, text: str, kind: MissKind) -> None:
    user = update.effective_user
    await views.record_miss(context.runtime, text, context.locale, kind, user.id if user else None)


async def answer_question(
    update: Update, context: Context, text: str, *, reply_to: int | None = None
) -> None:
    """Answer `text` as an FAQ question: the answer, "Did you mean", or no answer."""
    chat = update.effective_chat
    if chat is None:
        return
    private = chat.type == ChatType.PRIVATE
    tr = context.tr
    small_talk = classify(text)
    if small_talk is not None:
        markup = (
            main_menu_markup(context) if small_talk is SmallTalk.GREETING and private else None
        )
        await send_text(
            context, chat.id, screens.small_talk_reply(tr, small_talk), reply_markup=markup
        )
        return
    if not tokens(text):  # emoji or punctuation only: nothing to search for
        if private:
            await _send(context, chat.id, screens.nothing_to_search(tr))
        return
    index = index_of(context)
    result = index.search(text, context.locale)
    if result.answer_id is not None:
        await show_answer(
            update,
            context,
            result.answer_id,
            Source.SEARCH,
            reply_to=None if private else reply_to,
        )
    elif result.decision is Decision.DID_YOU_MEAN:
        screen = screens.suggestions_screen(tr, index, context.locale, result.suggestions)
        # "None of these" reads the question from the message this one replies to.
        await _send(context, chat.id, screen, reply_to)
    else:
        await _record_miss(update, context, text, MissKind.NO_MATCH)
        screen = await _no_answer(
            update, context, tr.gettext("Sorry, I could not find an answer to that.")
        )
        await _send(context, chat.id, screen, None if private else reply_to)


# --- handlers: typing -------------------------------------------------------------------------


async def question(update: Update, context: Context) -> None:
    """Free text in the private chat, outside every flow."""
    message = update.effective_message
    if message is None or not message.text:
        return
    await answer_question(update, context, message.text, reply_to=message.message_id)


async def group_question(update: Update, context: Context) -> None:
    """A group message that mentions the bot: the rest of it is the question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mention = re.compile(rf"@{re.escape(context.bot.username)}\b", re.IGNORECASE)
    text = mention.sub(" ", message.text).strip()
    if not tokens(text):
        await send_text(
            context,
            message.chat_id,
            screens.usage(context.tr),
            reply_parameters=_replying_to(message.message_id),
        )
        return
    await answer_question(update, context, text, reply_to=message.message_id)


async def faq_command(update: Update, context: Context) -> None:
    """/faq: the topics; /faq <question>: its answer (in groups too)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    text = " ".join(context.args or [])
    if tokens(text):
        await answer_question(update, context, text, reply_to=message.message_id)
    elif chat.type == ChatType.PRIVATE:
        await _send(
            context, chat.id, screens.topics_screen(context.tr, index_of(context), context.locale)
        )
    else:
        await send_text(
            context,
            chat.id,
            screens.usage(context.tr),
            reply_parameters=_replying_to(message.message_id),
        )


def _topics(context: Context) -> Screen:
    return screens.topics_screen(context.tr, index_of(context), context.locale)


# --- handlers: buttons ------------------------------------------------------------------------


async def topics_pressed(update: Update, context: Context) -> None:
    """The main menu's FAQ entry, or "Topics": the message becomes the list of topics."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await _edit(
        context, query, screens.topics_screen(context.tr, index_of(context), context.locale)
    )


async def topic_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = faq.parse(query.data)
    screen = (
        screens.topic_screen(context.tr, index_of(context), context.locale, action.group)
        if isinstance(action, Topic)
        else None
    )
    if screen is None:
        await stale_button(update, context)
        return
    await answer_query(query)
    await _edit(context, query, screen)


def _known(context: Context, entry_id: str) -> bool:
    return entry_id in index_of(context).catalog(context.locale).entries


async def entry_pressed(update: Update, context: Context) -> None:
    """A question of the menu (`faq:e:`) or a "Did you mean" choice (`faq:s:`), shown in
    the pressed message; a related question under an answer (`faq:r:`), in a new message,
    so the first answer stays."""
    query = update.callback_query
    assert query is not None
    action = faq.parse(query.data)
    if not isinstance(action, FromMenu | Suggested | Related) or not _known(
        context, action.entry_id
    ):
        await stale_button(update, context)
        return
    await answer_query(query)
    if isinstance(action, Related):
        await show_answer(update, context, action.entry_id, Source.RELATED)
        return
    source = Source.MENU if isinstance(action, FromMenu) else Source.SUGGESTION
    await show_answer(update, context, action.entry_id, source, edit=query)


async def vote_pressed(update: Update, context: Context) -> None:
    """👍 / 👎 under an answer: stored once per person and message; pressing again changes it."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    action = faq.parse(query.data)
    message = query.message
    if (
        user is None
        or not isinstance(action, Vote)
        or not isinstance(message, Message)
        or not _is_private(update)
        or not _known(context, action.entry_id)
    ):
        await stale_button(update, context)
        return
    tr = context.tr
    async with context.runtime.sessions() as session:
        outcome = await faq_log.record_vote(
            session,
            entry_id=action.entry_id,
            locale=context.locale,
            helpful=action.helpful,
            user_id=user.id,
            message_id=message.message_id,
            now=context.runtime.clock(),
        )
    if outcome is VoteOutcome.UNCHANGED:
        await answer_query(query, tr.gettext("You have already told me. Thank you!"))
        return
    await answer_query(query, tr.gettext("Thank you for telling me!"))
    index = index_of(context)
    entry = index.entry(action.entry_id, context.locale)
    rows = screens.answer_buttons(
        tr,
        index,
        context.locale,
        action.entry_id,
        action=_menu_entry(context, entry.action),
        voted=action.helpful,
    )
    await _set_buttons(context, message, Screen.of("", rows))
    if not action.helpful:
        screen = await _no_answer(update, context, tr.gettext("Sorry that this did not help."))
        await _send(context, message.chat_id, screen)


async def _set_buttons(context: Context, message: Message, screen: Screen) -> None:
    """Replace a message's buttons; an unchanged or no longer editable message is no error."""
    try:
        await context.bot.edit_message_reply_markup(
            chat_id=message.chat_id,
            message_id=message.message_id,
            reply_markup=render.markup(screen),
        )
    except BadRequest as exc:
        log.debug("buttons of message %s not changed: %s", message.message_id, exc.message)
    except Forbidden:
        log.info("chat %s has blocked the bot: buttons not changed", message.chat_id)


async def none_pressed(update: Update, context: Context) -> None:
    """None of the suggestions fits: say so, offer help, keep the question for the staff."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    message = query.message
    asked = message.reply_to_message if isinstance(message, Message) else None
    if asked is not None and asked.text:
        await _record_miss(update, context, _question_of(context, asked.text), MissKind.REJECTED)
    screen = await _no_answer(
        update, context, context.tr.gettext("Sorry that I could not find it.")
    )
    await _edit(context, query, screen)


def _question_of(context: Context, text: str) -> str:
    """The question in a message: without a leading /faq command or the bot's @name."""
    text = re.sub(r"^/faq(@\w+)?\s*", "", text, flags=re.IGNORECASE)
    username = context.bot.username
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


# --- filters ----------------------------------------------------------------------------------


class MentionsBot(filters.MessageFilter):
    """A message with an @mention of this bot."""

    def __init__(self) -> None:
        super().__init__(name="MentionsBot")

    def filter(self, message: Message) -> bool:
        me = "@" + message.get_bot().username.lower()
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return any(mention.lower() == me for mention in mentions)


# --- registration -----------------------------------------------------------------------------


async def _start_view_log(runtime: Runtime) -> None:
    runtime.faq_views = faq_log.ViewLog(runtime.sessions)
    runtime.faq_views.start()


async def _stop_view_log(runtime: Runtime) -> None:
    """At a clean stop every view counted is written (before the engine is disposed)."""
    if runtime.faq_views is not None:
        views, runtime.faq_views = runtime.faq_views, None
        try:
            await views.stop()
        except Exception:
            log.exception("FAQ views not written at stop: %d lost", len(views))


def register(app: KepliApp) -> None:
    """FAQ commands, buttons and the free-text question handler.

    Register after every flow (in group 0) and before `start.register_fallbacks`:
    see the comment in `handlers.register`.
    """
    data = app.bot_data
    data.commands.add(COMMAND)
    data.on_startup(index_loader())
    data.on_startup(_start_view_log)
    data.on_shutdown(_stop_view_log)
    app.add_handlers(
        [
            CommandHandler("faq", faq_command, filters=PRIVATE | GROUPS),
            # "menu:faq" is the main menu's entry for the topics.
            CallbackQueryHandler(
                topics_pressed, pattern=rf"^menu:faq$|{faq.verb_pattern(Topics)}"
            ),
            CallbackQueryHandler(topic_pressed, pattern=faq.verb_pattern(Topic)),
            CallbackQueryHandler(
                entry_pressed, pattern=faq.verb_pattern(FromMenu, Suggested, Related)
            ),
            CallbackQueryHandler(vote_pressed, pattern=faq.verb_pattern(Vote)),
            CallbackQueryHandler(none_pressed, pattern=faq.verb_pattern(NoneOfThese)),
            # Free text as a question: in private chats only outside every flow; in
            # groups only when the message names the bot (the bot does not butt in).
            MessageHandler(PRIVATE & QUESTION_TEXT & OutsideFlows(app), question),
            MessageHandler(GROUPS & QUESTION_TEXT & MentionsBot(), group_question),
        ]
    )
