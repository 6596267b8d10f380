"""The points result in chat: the summary, documents, downloads, keeping and /mypoints.

A result is on screen when the interview ends, when a teacher sends a JSON
declaration as a document, and with /mypoints (the kept declaration). The
points flow (a conversation) ends when the result shows, so that the teacher's
next text goes to the FAQ, not to the interview; the result's buttons (typed
actions of `bot.dialogs.points.actions`) are handlers of their own: documents,
change an answer (which enters the flow again: `handlers.points.interview`),
the PDF and JSON downloads, keep / do not keep / delete, finish.

The answers behind a result live in `user_data["points"]` (`InterviewSession`)
for RESULT_KEPT_FOR, so its buttons survive a restart; a declaration is kept
longer only in the database, with the teacher's consent. The screens are
`bot.dialogs.points.result`'s; this module only unpacks updates and shows them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Final

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ConversationHandler

from bot.dialogs.menu import OpenPoints
from bot.dialogs.points import result as screens
from bot.dialogs.points.export import declaration_problems, summary_pdf
from bot.services.points import store as points_store
from bot.services.points.files import (
    JSON_FILENAME,
    MAX_FILE_BYTES,
    PDF_FILENAME,
    declaration_json,
)
from bot.services.points.session import InterviewSession
from bot.ui import File, Screen
from bot.ui.actions import pack
from handlers import render
from handlers.common import answer_query, edit_text, reply, send_text
from handlers.context import Context
from handlers.start import main_menu_markup
from scoring import Declaration, DeclarationInvalid, ScoreResult, UnknownRuleset
from scoring.answers import answers_from_declaration
from scoring.interview import interview_for

log = logging.getLogger(__name__)

ASKING: Final = "asking"  # the flow's one state: a question is on screen
SESSION_KEY: Final = "points"


# --- the session in user_data ----------------------------------------------------------------


def load_session(context: Context) -> InterviewSession | None:
    """The teacher's interview or result; None if there is none, the result has expired,
    or it is of a ruleset this version does not know (then it is dropped)."""
    if context.user_data is None:
        return None
    try:
        session = InterviewSession.load(context.user_data.get(SESSION_KEY))
    except UnknownRuleset as exc:
        log.warning("points session of an unknown ruleset %r dropped", exc.name)
        drop_session(context)
        return None
    if session is not None and session.expired(context.runtime.clock()):
        drop_session(context)
        return None
    return session


def keep_session(context: Context, session: InterviewSession) -> InterviewSession:
    if context.user_data is not None:
        context.user_data[SESSION_KEY] = session.data
    return session


def drop_session(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(SESSION_KEY, None)


def state_of(session: InterviewSession | None) -> object:
    """The flow's state for `session`: asking, or no conversation (none, or a result)."""
    if session is not None and session.mode == "asking":
        return ASKING
    return ConversationHandler.END


def user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


def chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


# --- the summary -----------------------------------------------------------------------------


async def show_result(
    update: Update,
    context: Context,
    session: InterviewSession,
    header: str = "",
    *,
    save: bool = False,
    edit: CallbackQuery | None = None,
) -> object:
    """Show the summary of `session`'s answers with the result buttons; the flow's new state.

    `save`: a declaration made in chat, kept at once if the teacher agreed earlier.
    `edit`: the pressed button whose message becomes the summary (else a new message).
    """
    tr = context.tr
    try:
        declaration, result = session.result()
    except DeclarationInvalid as exc:  # answers are checked one by one: should not happen
        log.error("points answers do not make a declaration: %s", exc)
        drop_session(context)
        await reply(update, context, screens.answers_broken(tr))
        return ConversationHandler.END
    async with context.runtime.sessions() as db:
        if save and await points_store.save_if_agreed(
            db, user_id(update), declaration, result.ruleset
        ):
            session.data["origin"] = "kept"
        consent = await points_store.consent(db, user_id(update))
    kept = session.data["origin"] == "kept"
    session.mark_shown(context.runtime.clock())
    screen = screens.result_screen(tr, result, header=header, consent=consent, kept=kept)
    if edit is not None:
        await edit_text(context, edit, screen.text, reply_markup=render.markup(screen))
    else:
        await render.send(context, chat_id(update), screen)
    return ConversationHandler.END


# --- the result's buttons ------------------------------------------------------------------


Current = tuple[InterviewSession, Declaration, ScoreResult]


async def _current(update: Update, context: Context) -> Current | None:
    """The session on screen and its result; None (the button is stale) otherwise."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    session = load_session(context)
    if session is None or session.mode != "result":
        await answer_query(query, tr.gettext("This button is no longer active."))
        if session is None:
            await send_text(context, chat_id(update), screens.result_gone(tr))
        return None
    try:
        declaration, result = session.result()
    except DeclarationInvalid:
        await answer_query(query, tr.gettext("This button is no longer active."))
        return None
    return session, declaration, result


async def documents(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    await render.send(context, chat_id(update), screens.documents_screen(context.tr, current[2]))


async def _send_file(update: Update, context: Context, file: File) -> None:
    try:
        await render.send(context, chat_id(update), Screen("", files=(file,)))
    except Forbidden:
        log.info("chat %s blocked the bot: file not sent", chat_id(update))


async def download_json(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    data = declaration_json(current[1])
    caption = screens.json_caption(context.tr)
    file = File(JSON_FILENAME, data, "application/json", caption)
    await _send_file(update, context, file)


async def download_pdf(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    session, _declaration, result = current
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    tr = context.tr
    try:
        await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_DOCUMENT)
    except TelegramError as exc:  # only a courtesy
        log.debug("chat action not sent: %s", exc)
    # A PDF takes a few hundred milliseconds of CPU: keep the bot answering others meanwhile.
    data = await asyncio.to_thread(
        summary_pdf, tr, result, dict(session.answers), made_at=context.runtime.clock()
    )
    file = File(PDF_FILENAME, data, "application/pdf", screens.pdf_caption(tr))
    await _send_file(update, context, file)


async def _replace_keep_row(update: Update, context: Context, consent: bool, kept: bool) -> None:
    """The summary's keeping paragraph and buttons follow the teacher's answer."""
    query = update.callback_query
    assert query is not None
    markup = render.markup(Screen.of("", screens.result_rows(context.tr, consent, kept)))
    message = query.message
    if isinstance(message, Message) and message.text:
        text = screens.summary_after_keeping(context.tr, message.text, kept)
        if text != message.text:
            await edit_text(context, query, text, reply_markup=markup)
            return
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        log.debug("result buttons not updated: %s", exc.message)


async def keep(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    session, declaration, result = current
    async with context.runtime.sessions() as db:
        await points_store.agree(db, user_id(update), declaration, result.ruleset)
    session.data["origin"] = "kept"
    assert update.callback_query is not None
    await answer_query(update.callback_query, context.tr.gettext("Kept"))
    await _replace_keep_row(update, context, True, True)
    await send_text(context, chat_id(update), screens.kept_notice(context.tr))


async def do_not_keep(update: Update, context: Context) -> None:
    """ "No, thanks" to the consent question, or "Delete the kept declaration"."""
    current = await _current(update, context)
    if current is None:
        return
    async with context.runtime.sessions() as db:
        deleted = await points_store.delete_kept(db, user_id(update))
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    session = current[0]
    if session.data["origin"] == "kept":
        session.data["origin"] = "interview"
    await _replace_keep_row(update, context, False, False)
    await send_text(context, chat_id(update), screens.not_kept_notice(context.tr, deleted))


async def finish(update: Update, context: Context) -> None:
    """Leave the result: its buttons go, the main menu comes."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    drop_session(context)
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        log.debug("result buttons not removed: %s", exc.message)
    await send_text(
        context,
        chat_id(update),
        screens.choose_below(context.tr),
        reply_markup=main_menu_markup(context),
    )


# --- change an answer: the list ------------------------------------------------------------


async def show_change_list(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    await render.send(context, chat_id(update), screens.change_screen(context.tr, current[0]))


async def back_to_result(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await show_result(update, context, current[0], edit=query)


# --- a declaration sent as a file ------------------------------------------------------------


async def upload(update: Update, context: Context) -> object:
    """A JSON document: score it and show the result, or say in words what is wrong."""
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    document = message.document
    tr = context.tr
    session = load_session(context)
    # An invalid file changes nothing: an interview on screen goes on.
    unchanged = ASKING if session is not None and session.mode == "asking" else None
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await reply(update, context, screens.file_too_large(tr))
        return unchanged
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("declaration file not downloaded: %s", exc)
        await reply(update, context, screens.download_failed(tr))
        return unchanged
    declaration, problems = declaration_problems(tr, data)
    if declaration is None:
        await reply(update, context, screens.file_problems(tr, problems))
        return unchanged
    set_aside = session is not None and session.mode == "asking"
    # A file sent now is scored under the current circular, as a new interview would be.
    session = keep_session(context, InterviewSession.new(mode="result", origin="file"))
    session.data["answers"] = answers_from_declaration(declaration, session.interview)
    header = screens.file_header(tr, document.file_name, set_aside)
    return await show_result(update, context, session, header)


# --- /mypoints ---------------------------------------------------------------------------------


async def show_kept(update: Update, context: Context) -> object:
    """The kept declaration with its result, or why there is none."""
    tr = context.tr
    async with context.runtime.sessions() as db:
        kept = await points_store.load(db, user_id(update))
        consent = await points_store.consent(db, user_id(update))
    start = InlineKeyboardMarkup(
        [[InlineKeyboardButton(screens.calculate_label(tr), callback_data=pack(OpenPoints()))]]
    )
    if kept is None:
        await reply(update, context, screens.no_kept_text(tr, consent), reply_markup=start)
        return None
    try:
        ruleset = kept.rules()
    except UnknownRuleset as exc:
        log.warning(
            "kept declaration of %s under an unknown ruleset %r", user_id(update), exc.name
        )
        await reply(
            update, context, screens.unknown_ruleset_text(tr, exc.name), reply_markup=start
        )
        return None
    answers = answers_from_declaration(kept.declaration, interview_for(ruleset))
    session = keep_session(
        context, InterviewSession.new(answers, mode="result", origin="kept", ruleset=ruleset)
    )
    header = screens.kept_header(tr, kept.updated_at.date())
    return await show_result(update, context, session, header)


# --- results not kept are not kept for long ------------------------------------------------

PURGE_EVERY: Final = timedelta(minutes=15)


def _expired(data: object, now: datetime) -> bool:
    """A stored result past its time (or a session of a ruleset no longer known)."""
    try:
        session = InterviewSession.load(data)
    except UnknownRuleset:
        return True
    return session is not None and session.expired(now)


async def purge_expired(context: Context) -> None:
    """A job: drop the answers of results shown longer ago than RESULT_KEPT_FOR.

    Buttons of such a result then say it is gone; /mypoints still shows a kept declaration
    (that one is in the database, with the teacher's consent).
    """
    now = context.runtime.clock()
    application = context.application
    expired = [
        user
        for user, data in application.user_data.items()
        if _expired(data.get(SESSION_KEY), now)
    ]
    for user in expired:
        application.user_data[user].pop(SESSION_KEY, None)
    if expired:
        application.mark_data_for_update_persistence(user_ids=expired)
        log.info("points: %d result(s) expired and dropped", len(expired))
