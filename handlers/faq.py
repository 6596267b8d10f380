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
- An entry with a `live` part gets it under the answer (`handlers.faq_live`): the
  answer about deadlines lists the next dates the bot knows for the asker.
- In groups the bot answers only when asked: `/faq <question>`, or a message
  that mentions it. Answers there have no buttons meant for one person.

Callback data (at most 64 bytes; `check_button_sizes` checks the longest id at start):
    faq:menu            the topics
    faq:g:<group>       the questions of a topic
    faq:e:<id>          an answer chosen in the menu (edits the message)
    faq:s:<id>          a "Did you mean" choice (edits the message)
    faq:r:<id>          a related question (a new message: the first answer stays)
    faq:v:<id>:<1|0>    👍 / 👎 on an answer
    faq:none            none of the suggestions fits
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Final

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_
from bot.services import schools
from bot.services.faq import (
    FAQ_DIR,
    LANGUAGES,
    LEXICON_FILE,
    CentreContacts,
    Decision,
    FaqContentError,
    FaqIndex,
)
from bot.services.faq import log as faq_log
from bot.services.faq.greek import tokens
from bot.services.faq.log import MissKind, Source, VoteOutcome
from bot.services.faq.smalltalk import SmallTalk, classify
from handlers.common import (
    MENU_DATA,
    PRIVATE,
    answer_query,
    edit_text,
    keyboard,
    send_text,
)
from handlers.context import CommandSpec, Context, KepliApp, Runtime, StartupHook
from handlers.faq_live import live_text
from handlers.flows import OutsideFlows
from handlers.start import main_menu_markup, private_chat_link, stale_button

log = logging.getLogger(__name__)

GROUPS: Final = filters.ChatType.GROUPS
# A new text message (not an edit: correcting a typo must not ask the question twice).
QUESTION_TEXT: Final = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND

TOPICS_DATA: Final = "faq:menu"
NONE_DATA: Final = "faq:none"
_ID: Final = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_RELATED: Final = 3  # related questions under an answer: more would bury the answer

COMMAND: Final = CommandSpec(
    "faq", N_("Frequently asked questions: ask me in your own words"), order=20, chats="all"
)

# What a greeting, thanks or goodbye gets back (none of them is an FAQ question).
SMALL_TALK_REPLIES: Final = {
    SmallTalk.GREETING: N_(
        "Hello! 👋 Ask me your question in your own words, or choose from the menu."
    ),
    SmallTalk.THANKS: N_("You are welcome! 😊 Ask me anything else whenever you like."),
    SmallTalk.GOODBYE: N_("Goodbye! I am here whenever you need me. 👋"),
}


# --- the index: loaded once at start ---------------------------------------------------------


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)  # missing: loading it reports the file
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(directory: Path, _stamps: tuple[tuple[int, int], ...]) -> FaqIndex:
    return FaqIndex.load(directory)


def load_index(directory: Path = FAQ_DIR) -> FaqIndex:
    """Load, validate and index the FAQ content (FaqContentError naming the entry if broken).

    The index of unchanged files is reused within the process: building it takes a
    quarter of a second, and tests start many applications.
    """
    files = [directory / language / "faq.yaml" for language in LANGUAGES]
    stamps = tuple(_stamp(path) for path in [*files, directory / LEXICON_FILE])
    index = _load(directory, stamps)
    check_button_sizes(index)
    return index


def check_button_sizes(index: FaqIndex) -> None:
    """Every button of every entry fits Telegram's 64 bytes of callback data."""
    for entry_id in index.ids():
        data = vote_data(entry_id, helpful=False)
        if len(data.encode()) > 64:
            raise FaqContentError(
                f"entry {entry_id!r}: the id is too long for Telegram's buttons ({data!r})"
            )


def index_loader(directory: Path = FAQ_DIR) -> StartupHook:
    """The startup hook that puts the FAQ index on the Runtime; broken content stops the bot."""

    async def load(runtime: Runtime) -> None:
        try:
            runtime.faq = await asyncio.to_thread(load_index, directory)
        except FaqContentError as exc:
            log.error("the FAQ content is broken, the bot cannot start: %s", exc)
            raise
        log.info("FAQ loaded: %d entries", len(runtime.faq.ids()))

    return load


def index_of(context: Context) -> FaqIndex:
    index = context.runtime.faq
    if index is None:
        raise RuntimeError("the FAQ is not loaded: handlers.faq.register adds its startup hook")
    return index


async def contacts_of(update: Update, context: Context) -> CentreContacts:
    """The contacts of the centre serving the teacher's school (set in a fault report), else
    the default centre's from the settings: where one bot serves several centres, a teacher
    must not be given another centre's phone. A field the centre lacks is not filled from
    another centre either (the catalog then says to ask the directorate)."""
    user = update.effective_user
    if user is not None:
        async with context.runtime.sessions() as session:
            centre = await schools.centre_of_teacher(session, user.id)
        if centre is not None:
            return CentreContacts.of(centre.name, centre.phone, centre.email)
    return CentreContacts.from_settings(context.runtime.settings)


# --- callback data ----------------------------------------------------------------------------


def vote_data(entry_id: str, *, helpful: bool) -> str:
    return f"faq:v:{entry_id}:{int(helpful)}"


def _argument(query: CallbackQuery, position: int = 2) -> str:
    return (query.data or "").split(":")[position]


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


# --- texts and keyboards ----------------------------------------------------------------------


def topics_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.tr.gettext
    text = (
        "❓ <b>"
        + html.escape(_("Frequently asked questions"))
        + "</b>\n"
        + html.escape(_("Choose a topic, or simply type your question in your own words."))
    )
    rows = [
        [(title, f"faq:g:{key}")]
        for key, title, _entries in index_of(context).groups(context.locale)
    ]
    rows.append([("« " + _("Main menu"), MENU_DATA)])
    return text, keyboard(rows)


def topic_view(context: Context, group: str) -> tuple[str, InlineKeyboardMarkup] | None:
    _ = context.tr.gettext
    for key, title, entries in index_of(context).groups(context.locale):
        if key == group:
            text = f"<b>{html.escape(title)}</b>\n" + html.escape(_("Choose a question:"))
            rows = [[(entry.title, f"faq:e:{entry.id}")] for entry in entries]
            rows.append([("« " + _("Topics"), TOPICS_DATA), ("« " + _("Main menu"), MENU_DATA)])
            return text, keyboard(rows)
    return None


def answer_text(
    context: Context,
    entry_id: str,
    contacts: CentreContacts,
    *,
    private: bool = True,
    live: str = "",
) -> str:
    """The question in bold, then the answer (Telegram HTML, the centre's contacts filled),
    then its `live` part (HTML, e.g. the next dates) when it has one."""
    index = index_of(context)
    entry = index.entry(entry_id, context.locale)
    body = index.render_answer(entry_id, context.locale, contacts)
    text = f"<b>{html.escape(entry.question)}</b>\n\n{body}"
    if live:
        text += "\n\n" + live
    _ = context.tr.gettext
    if private:
        return text + "\n\n<i>" + html.escape(_("Was this helpful?")) + "</i>"
    more = _("More answers in a private chat with me: {link}").format(
        link=private_chat_link(context)
    )
    return text + "\n\n" + html.escape(more)


def answer_markup(
    context: Context, entry_id: str, voted: bool | None = None
) -> InlineKeyboardMarkup:
    """Related questions, the entry's action, 👍/👎 (✓ on the vote given), the way back."""
    _ = context.tr.gettext
    index = index_of(context)
    entry = index.entry(entry_id, context.locale)
    rows: list[list[tuple[str, str]]] = [
        [("↪ " + index.entry(related, context.locale).title, f"faq:r:{related}")]
        for related in entry.related[:MAX_RELATED]
    ]
    action = context.bot_data.menu.get(entry.action) if entry.action else None
    if action is not None:
        label = _(action.label)
        rows.append([(f"{action.icon} {label}" if action.icon else label, action.callback_data)])
    yes, no = "👍 " + _("Yes"), "👎 " + _("No")
    rows.append(
        [
            (("✓ " if voted is True else "") + yes, vote_data(entry_id, helpful=True)),
            (("✓ " if voted is False else "") + no, vote_data(entry_id, helpful=False)),
        ]
    )
    group_title = index.catalog(context.locale).groups[entry.group]
    rows.append([("« " + group_title, f"faq:g:{entry.group}"), ("« " + _("Main menu"), MENU_DATA)])
    return keyboard(rows)


def contacts_text(context: Context, contacts: CentreContacts) -> str:
    """The centre's name, phone and e-mail as far as they are known (HTML)."""
    fallbacks = index_of(context).catalog(context.locale).fallbacks
    lines = [f"<b>{html.escape(contacts.name or fallbacks['centre_name'])}</b>"]
    if contacts.phone:
        lines.append(f"☎ {html.escape(contacts.phone)}")
    if contacts.email:
        lines.append(f"✉ {html.escape(contacts.email)}")
    return "\n".join(lines)


def no_answer_text(
    context: Context, first_line: str, contacts: CentreContacts, *, private: bool = True
) -> str:
    _ = context.tr.gettext
    parts = [
        html.escape(first_line)
        + "\n"
        + html.escape(_("Try asking in other words, or look through the questions by topic.")),
        html.escape(
            _(
                "If something in your school lab does not work, report the fault and the "
                "ΚΕ.ΠΛΗ.ΝΕ.Τ. will take it up. You can also contact them:"
            )
        )
        + "\n"
        + contacts_text(context, contacts),
    ]
    if not private:
        parts.append(
            html.escape(
                _("Questions by topic and fault reports: in a private chat with me, {link}")
            ).format(link=private_chat_link(context))
        )
    return "\n\n".join(parts)


def no_answer_markup(context: Context) -> InlineKeyboardMarkup:
    """The fault report (the main menu's own entry), the topics and the main menu."""
    _ = context.tr.gettext
    rows: list[list[tuple[str, str]]] = []
    report = context.bot_data.menu.get("report")
    if report is not None:
        label = _(report.label)
        rows.append([(f"{report.icon} {label}" if report.icon else label, report.callback_data)])
    rows.append([("❓ " + _("Questions by topic"), TOPICS_DATA)])
    rows.append([("« " + _("Main menu"), MENU_DATA)])
    return keyboard(rows)


def suggestions_markup(context: Context, ids: tuple[str, ...]) -> InlineKeyboardMarkup:
    index = index_of(context)
    rows = [
        [(index.entry(entry_id, context.locale).title, f"faq:s:{entry_id}")] for entry_id in ids
    ]
    rows.append([("✖ " + context.tr.gettext("None of these"), NONE_DATA)])
    return keyboard(rows)


# --- showing answers --------------------------------------------------------------------------


async def _record_view(context: Context, entry_id: str, source: Source) -> None:
    async with context.runtime.sessions() as session:
        await faq_log.record_view(
            session,
            entry_id=entry_id,
            locale=context.locale,
            source=source,
            now=context.runtime.clock(),
        )


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
    await _record_view(context, entry_id, source)
    private = _is_private(update)
    live = await live_text(update, context, index_of(context).entry(entry_id, context.locale))
    text = answer_text(
        context, entry_id, await contacts_of(update, context), private=private, live=live
    )
    markup = answer_markup(context, entry_id) if private else None
    if edit is not None:
        await edit_text(context, edit, text, reply_markup=markup, parse_mode=ParseMode.HTML)
        return
    chat = update.effective_chat
    if chat is None:
        return
    await send_text(
        context,
        chat.id,
        text,
        reply_markup=markup,
        parse_mode=ParseMode.HTML,
        reply_parameters=_replying_to(reply_to),
    )


def _replying_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    # The question may be gone by the time the answer is sent: answer anyway.
    return ReplyParameters(message_id, allow_sending_without_reply=True)


async def _record_miss(update: Update, context: Context, text: str, kind: MissKind) -> None:
    result = index_of(context).search(text, context.locale)
    async with context.runtime.sessions() as session:
        await faq_log.record_miss(
            session,
            text=text,
            locale=context.locale,
            hits=result.hits,
            kind=kind,
            user_id=update.effective_user.id if update.effective_user else None,
            now=context.runtime.clock(),
        )


async def answer_question(
    update: Update, context: Context, text: str, *, reply_to: int | None = None
) -> None:
    """Answer `text` as an FAQ question: the answer, "Did you mean", or no answer."""
    chat = update.effective_chat
    if chat is None:
        return
    private = chat.type == ChatType.PRIVATE
    _ = context.tr.gettext
    small_talk = classify(text)
    if small_talk is not None:
        markup = (
            main_menu_markup(context) if small_talk is SmallTalk.GREETING and private else None
        )
        await send_text(context, chat.id, _(SMALL_TALK_REPLIES[small_talk]), reply_markup=markup)
        return
    if not tokens(text):  # emoji or punctuation only: nothing to search for
        if private:
            await send_text(
                context,
                chat.id,
                _("Type your question in a few words, or choose a topic."),
                reply_markup=keyboard([[("❓ " + _("Questions by topic"), TOPICS_DATA)]]),
            )
        return
    result = index_of(context).search(text, context.locale)
    if result.answer_id is not None:
        await show_answer(
            update,
            context,
            result.answer_id,
            Source.SEARCH,
            reply_to=None if private else reply_to,
        )
    elif result.decision is Decision.DID_YOU_MEAN:
        await send_text(
            context,
            chat.id,
            "🤔 " + _("I am not sure what you are asking. Did you mean:"),
            reply_markup=suggestions_markup(context, result.suggestions),
            # "None of these" reads the question from the message this one replies to.
            reply_parameters=_replying_to(reply_to),
        )
    else:
        await _record_miss(update, context, text, MissKind.NO_MATCH)
        await send_text(
            context,
            chat.id,
            no_answer_text(
                context,
                _("Sorry, I could not find an answer to that."),
                await contacts_of(update, context),
                private=private,
            ),
            reply_markup=no_answer_markup(context) if private else None,
            parse_mode=ParseMode.HTML,
            reply_parameters=_replying_to(None if private else reply_to),
        )


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
            _usage(context),
            reply_parameters=_replying_to(message.message_id),
        )
        return
    await answer_question(update, context, text, reply_to=message.message_id)


def _usage(context: Context) -> str:
    return context.tr.gettext(
        "Ask me after /faq or after my name, for example: /faq how do I ask the "
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. for help?"
    )


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
        view, markup = topics_view(context)
        await send_text(context, chat.id, view, reply_markup=markup, parse_mode=ParseMode.HTML)
    else:
        await send_text(
            context, chat.id, _usage(context), reply_parameters=_replying_to(message.message_id)
        )


# --- handlers: buttons ------------------------------------------------------------------------


async def topics_pressed(update: Update, context: Context) -> None:
    """The main menu's FAQ entry, or "Topics": the message becomes the list of topics."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    text, markup = topics_view(context)
    await edit_text(context, query, text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def topic_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    view = topic_view(context, _argument(query))
    if view is None:
        await stale_button(update, context)
        return
    await answer_query(query)
    text, markup = view
    await edit_text(context, query, text, reply_markup=markup, parse_mode=ParseMode.HTML)


def _known(context: Context, entry_id: str) -> bool:
    return entry_id in index_of(context).catalog(context.locale).entries


_PRESSED_SOURCES: Final = {"e": Source.MENU, "s": Source.SUGGESTION, "r": Source.RELATED}


async def entry_pressed(update: Update, context: Context) -> None:
    """A question of the menu (`faq:e:`) or a "Did you mean" choice (`faq:s:`), shown in
    the pressed message; a related question under an answer (`faq:r:`), in a new message,
    so the first answer stays."""
    query = update.callback_query
    assert query is not None
    entry_id = _argument(query)
    if not _known(context, entry_id):
        await stale_button(update, context)
        return
    await answer_query(query)
    source = _PRESSED_SOURCES[_argument(query, 1)]
    edit = None if source is Source.RELATED else query
    await show_answer(update, context, entry_id, source, edit=edit)


async def vote_pressed(update: Update, context: Context) -> None:
    """👍 / 👎 under an answer: stored once per person and message; pressing again changes it."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    entry_id = _argument(query)
    message = query.message
    if (
        user is None
        or not isinstance(message, Message)
        or not _is_private(update)
        or not _known(context, entry_id)
    ):
        await stale_button(update, context)
        return
    helpful = _argument(query, 3) == "1"
    _ = context.tr.gettext
    async with context.runtime.sessions() as session:
        outcome = await faq_log.record_vote(
            session,
            entry_id=entry_id,
            locale=context.locale,
            helpful=helpful,
            user_id=user.id,
            message_id=message.message_id,
            now=context.runtime.clock(),
        )
    if outcome is VoteOutcome.UNCHANGED:
        await answer_query(query, _("You have already told me. Thank you!"))
        return
    await answer_query(query, _("Thank you for telling me!"))
    await _set_markup(context, message, answer_markup(context, entry_id, voted=helpful))
    if not helpful:
        await send_text(
            context,
            message.chat_id,
            no_answer_text(
                context, _("Sorry that this did not help."), await contacts_of(update, context)
            ),
            reply_markup=no_answer_markup(context),
            parse_mode=ParseMode.HTML,
        )


async def _set_markup(context: Context, message: Message, markup: InlineKeyboardMarkup) -> None:
    """Replace a message's buttons; an unchanged or no longer editable message is no error."""
    try:
        await context.bot.edit_message_reply_markup(
            chat_id=message.chat_id, message_id=message.message_id, reply_markup=markup
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
    private = _is_private(update)
    text = no_answer_text(
        context,
        context.tr.gettext("Sorry that I could not find it."),
        await contacts_of(update, context),
        private=private,
    )
    markup = no_answer_markup(context) if private else None
    await edit_text(context, query, text, reply_markup=markup, parse_mode=ParseMode.HTML)


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


def register(app: KepliApp) -> None:
    """FAQ commands, buttons and the free-text question handler.

    Register after every flow (in group 0) and before `start.register_fallbacks`:
    see the comment in `handlers.register`.
    """
    data = app.bot_data
    data.commands.add(COMMAND)
    data.on_startup(index_loader())
    app.add_handlers(
        [
            CommandHandler("faq", faq_command, filters=PRIVATE | GROUPS),
            CallbackQueryHandler(topics_pressed, pattern=rf"^(menu:faq|{TOPICS_DATA})$"),
            CallbackQueryHandler(topic_pressed, pattern=rf"^faq:g:{_ID}$"),
            CallbackQueryHandler(entry_pressed, pattern=rf"^faq:[esr]:{_ID}$"),
            CallbackQueryHandler(vote_pressed, pattern=rf"^faq:v:{_ID}:[01]$"),
            CallbackQueryHandler(none_pressed, pattern=rf"^{NONE_DATA}$"),
            # Free text as a question: in private chats only outside every flow; in
            # groups only when the message names the bot (the bot does not butt in).
            MessageHandler(PRIVATE & QUESTION_TEXT & OutsideFlows(app), question),
            MessageHandler(GROUPS & QUESTION_TEXT & MentionsBot(), group_question),
        ]
    )
