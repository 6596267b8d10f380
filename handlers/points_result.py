"""The points result in chat: the summary, documents, downloads, keeping and /mypoints.

A result is on screen when the interview ends, when a teacher sends a JSON
declaration as a document, and with /mypoints (the kept declaration). The
points flow (a conversation) ends when the result shows, so that the teacher's
next text goes to the FAQ, not to the interview; the result's buttons
("pr:...") are handlers of their own: documents, change an answer (which
enters the flow again: `handlers.points`), the PDF and JSON downloads, keep /
do not keep / delete, finish.

The answers behind a result live in `user_data["points"]` (`InterviewSession`)
for RESULT_KEPT_FOR, so its buttons survive a restart; a declaration is kept
longer only in the database, with the teacher's consent.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Final

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ConversationHandler

from bot.i18n import Translator
from bot.services import points_store
from bot.services.points import documents_text, render_breakdown
from bot.services.points_chat import answer_lines, question_label, status_change_text
from bot.services.points_export import (
    JSON_FILENAME,
    MAX_FILE_BYTES,
    PDF_FILENAME,
    declaration_json,
    read_declaration_file,
    summary_pdf,
)
from bot.services.points_session import Change, InterviewSession
from handlers.common import answer_query, edit_text, keyboard, reply, send_text
from handlers.context import Context
from handlers.start import main_menu_markup
from scoring import Declaration, DeclarationInvalid, ScoreResult
from scoring.interview import INTERVIEW, answers_from_declaration

log = logging.getLogger(__name__)

ASKING: Final = "asking"  # the flow's one state: a question is on screen
SESSION_KEY: Final = "points"
RESULT_DATA: Final = "pr:"
CHANGE_DATA: Final = "pr:c"
CHANGE_ROW: Final = 5  # number buttons per row in "Change an answer"
KEEP_MARK: Final = "💾 "  # starts the summary's paragraph about keeping (the question, or kept)


# --- the session in user_data ----------------------------------------------------------------


def load_session(context: Context) -> InterviewSession | None:
    """The teacher's interview or result; None if there is none or the result has expired."""
    if context.user_data is None:
        return None
    session = InterviewSession.load(context.user_data.get(SESSION_KEY))
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


def keep_row(tr: Translator, consent: bool | None, kept: bool) -> list[tuple[str, str]]:
    """The buttons about keeping: the consent question, or keep / delete."""
    _ = tr.gettext
    if consent is None:
        return [("💾 " + _("Yes, keep it"), "pr:keep"), (_("No, thanks"), "pr:nokeep")]
    if kept:
        return [("🗑 " + _("Delete the kept declaration"), "pr:del")]
    return [("💾 " + _("Keep this declaration"), "pr:keep")]


def result_markup(tr: Translator, consent: bool | None, kept: bool) -> InlineKeyboardMarkup:
    _ = tr.gettext
    return keyboard(
        [
            [("📄 " + _("Documents you will need"), "pr:docs")],
            [("✏️ " + _("Change an answer"), "pr:chg")],
            [("⬇️ PDF", "pr:pdf"), ("⬇️ JSON", "pr:json")],
            keep_row(tr, consent, kept),
            [("✅ " + _("Finish"), "pr:done")],
        ]
    )


def result_text(
    tr: Translator, result: ScoreResult, *, header: str, consent: bool | None, kept: bool
) -> str:
    _ = tr.gettext
    parts = [header] if header else []
    parts.append(render_breakdown(tr, result))
    if consent is None:
        parts.append(
            KEEP_MARK
            + _(
                "May I keep this declaration, so that /mypoints shows it again? Only your "
                "answers are kept, and you can delete them at any time."
            )
        )
    elif kept:
        parts.append(
            KEEP_MARK + _("Kept: /mypoints shows it again; you can delete it at any time.")
        )
    return "\n\n".join(parts)


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
        await reply(
            update,
            context,
            tr.gettext("Something went wrong with your answers. Please start again with /points."),
        )
        return ConversationHandler.END
    async with context.runtime.sessions() as db:
        if save and await points_store.save_if_agreed(db, user_id(update), declaration):
            session.data["origin"] = "kept"
        consent = await points_store.consent(db, user_id(update))
    kept = session.data["origin"] == "kept"
    session.mark_shown(context.runtime.clock())
    text = result_text(tr, result, header=header, consent=consent, kept=kept)
    markup = result_markup(tr, consent, kept)
    if edit is not None:
        await edit_text(context, edit, text, reply_markup=markup)
    else:
        await send_text(context, chat_id(update), text, reply_markup=markup)
    return ConversationHandler.END


def new_total_header(tr: Translator, change: Change, result: ScoreResult) -> str:
    """After "Change an answer": the new total beside the old, and whether eligibility
    changed (`Eligibility changed: not eligible → eligible.`)."""
    header = "✏️ " + tr.gettext("New total: {total} (before: {before}).").format(
        total=tr.points(result.total), before=tr.points(Decimal(change["total_before"]))
    )
    if result.eligibility is not None:
        before = change.get("status_before", "")
        changed = status_change_text(tr, before, result.eligibility.status)
        if changed:
            header += "\n" + changed
    return header


# --- the result's buttons ------------------------------------------------------------------


Current = tuple[InterviewSession, Declaration, ScoreResult]


async def _current(update: Update, context: Context) -> Current | None:
    """The session on screen and its result; None (the button is stale) otherwise."""
    query = update.callback_query
    assert query is not None
    session = load_session(context)
    if session is None or session.mode != "result":
        _ = context.tr.gettext
        await answer_query(query, _("This button is no longer active."))
        if session is None:
            gone = _(
                "I no longer have that result: /points calculates again, and /mypoints "
                "shows a kept declaration."
            )
            await send_text(context, chat_id(update), gone)
        return None
    try:
        declaration, result = session.result()
    except DeclarationInvalid:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return None
    return session, declaration, result


async def documents(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    await send_text(context, chat_id(update), "📄 " + documents_text(context.tr, current[2]))


async def _send_file(
    update: Update, context: Context, data: bytes, filename: str, caption: str
) -> None:
    try:
        await context.bot.send_document(
            chat_id(update), InputFile(io.BytesIO(data), filename=filename), caption=caption
        )
    except Forbidden:
        log.info("chat %s blocked the bot: file not sent", chat_id(update))


async def download_json(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    _ = context.tr.gettext
    caption = _(
        "Your declaration as a file. Send it back to me at any time and I will score it again."
    )
    await _send_file(update, context, declaration_json(current[1]), JSON_FILENAME, caption)


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
    caption = tr.gettext("Your provisional points (PDF).")
    await _send_file(update, context, data, PDF_FILENAME, caption)


def summary_after_keeping(tr: Translator, text: str, kept: bool) -> str:
    """The summary's text once the teacher answered about keeping: without the question
    ("May I keep...?"), and saying that it is kept if it is."""
    paragraphs = text.split("\n\n")
    if paragraphs and paragraphs[-1].startswith(KEEP_MARK):
        paragraphs.pop()
    if kept:
        paragraphs.append(
            KEEP_MARK
            + tr.gettext("Kept: /mypoints shows it again; you can delete it at any time.")
        )
    return "\n\n".join(paragraphs)


async def _replace_keep_row(update: Update, context: Context, consent: bool, kept: bool) -> None:
    """The summary's keeping paragraph and buttons follow the teacher's answer."""
    query = update.callback_query
    assert query is not None
    markup = result_markup(context.tr, consent, kept)
    message = query.message
    if isinstance(message, Message) and message.text:
        text = summary_after_keeping(context.tr, message.text, kept)
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
    session, declaration, _result = current
    async with context.runtime.sessions() as db:
        await points_store.agree(db, user_id(update), declaration)
    session.data["origin"] = "kept"
    _ = context.tr.gettext
    assert update.callback_query is not None
    await answer_query(update.callback_query, _("Kept"))
    await _replace_keep_row(update, context, True, True)
    await send_text(
        context,
        chat_id(update),
        "💾 " + _("Kept: /mypoints shows it again; you can delete it at any time."),
    )


async def do_not_keep(update: Update, context: Context) -> None:
    """ "No, thanks" to the consent question, or "Delete the kept declaration"."""
    current = await _current(update, context)
    if current is None:
        return
    async with context.runtime.sessions() as db:
        deleted = await points_store.delete_kept(db, user_id(update))
    _ = context.tr.gettext
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    session = current[0]
    if session.data["origin"] == "kept":
        session.data["origin"] = "interview"
    await _replace_keep_row(update, context, False, False)
    text = (
        _("Deleted: I keep no declaration of yours, and will not keep one unless you ask.")
        if deleted
        else _("Understood: I will not keep your declarations.")
    )
    await send_text(context, chat_id(update), "🗑 " + text if deleted else text)


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
        context.tr.gettext("Choose below:"),
        reply_markup=main_menu_markup(context),
    )


# --- change an answer: the list ------------------------------------------------------------


def change_list(tr: Translator, session: InterviewSession) -> tuple[str, InlineKeyboardMarkup]:
    """The answers, numbered, and a button per number; "pr:c<i>" names INTERVIEW's question i."""
    _ = tr.gettext
    lines = ["✏️ " + _("Which answer do you want to change? Choose its number."), ""]
    buttons: list[tuple[str, str]] = []
    for number, (question, text) in enumerate(answer_lines(tr, session.answers), start=1):
        lines.append(f"{number}. {question_label(tr, question)}: {text}")
        buttons.append((str(number), f"{CHANGE_DATA}{INTERVIEW.questions.index(question)}"))
    rows = [buttons[i : i + CHANGE_ROW] for i in range(0, len(buttons), CHANGE_ROW)]
    rows.append([("« " + _("Back to the result"), "pr:show")])
    return "\n".join(lines), keyboard(rows)


async def show_change_list(update: Update, context: Context) -> None:
    current = await _current(update, context)
    if current is None:
        return
    assert update.callback_query is not None
    await answer_query(update.callback_query)
    text, markup = change_list(context.tr, current[0])
    await send_text(context, chat_id(update), text, reply_markup=markup)


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
    _ = tr.gettext
    session = load_session(context)
    # An invalid file changes nothing: an interview on screen goes on.
    unchanged = ASKING if session is not None and session.mode == "asking" else None
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await reply(update, context, "⚠️ " + _("This file is too large to be a declaration."))
        return unchanged
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("declaration file not downloaded: %s", exc)
        await reply(update, context, _("I could not download the file. Please send it again."))
        return unchanged
    declaration, problems = read_declaration_file(tr, data)
    if declaration is None:
        text = "⚠️ " + _("This file is not a declaration I can score:") + "\n"
        await reply(update, context, text + "\n".join(f"• {p}" for p in problems))
        return unchanged
    set_aside = session is not None and session.mode == "asking"
    session = keep_session(
        context,
        InterviewSession.new(answers_from_declaration(declaration), mode="result", origin="file"),
    )
    header = "📂 " + _("The declaration in {file}:").format(file=document.file_name or "JSON")
    if set_aside:
        header += "\n" + _("(It replaces the interview you had not finished.)")
    return await show_result(update, context, session, header)


# --- /mypoints ---------------------------------------------------------------------------------


async def show_kept(update: Update, context: Context) -> object:
    """The kept declaration with its result, or why there is none."""
    tr = context.tr
    _ = tr.gettext
    async with context.runtime.sessions() as db:
        kept = await points_store.load(db, user_id(update))
        consent = await points_store.consent(db, user_id(update))
    if kept is None:
        text = (
            _("You chose not to keep your declarations, so I have none of yours.")
            if consent is False
            else _("I have no declaration of yours kept.")
        )
        start = InlineKeyboardMarkup(
            [[InlineKeyboardButton("🧮 " + _("Calculate my points"), callback_data="menu:points")]]
        )
        await reply(update, context, text, reply_markup=start)
        return None
    session = keep_session(
        context,
        InterviewSession.new(
            answers_from_declaration(kept.declaration), mode="result", origin="kept"
        ),
    )
    header = "📂 " + _("Your kept declaration of {date}:").format(
        date=tr.date(kept.updated_at.date())
    )
    return await show_result(update, context, session, header)


# --- results not kept are not kept for long ------------------------------------------------

PURGE_EVERY: Final = timedelta(minutes=15)


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
        if (session := InterviewSession.load(data.get(SESSION_KEY))) is not None
        and session.expired(now)
    ]
    for user in expired:
        application.user_data[user].pop(SESSION_KEY, None)
    if expired:
        application.mark_data_for_update_persistence(user_ids=expired)
        log.info("points: %d result(s) expired and dropped", len(expired))
