"""The points interview in chat: /points or the menu's "Points calculation", one question a time.

The questions are the interview of the session's ruleset, walked generically by
`InterviewSession` (`bot.services.points.session`); the screens and what a
button or a typed text does are `bot.dialogs.points.interview`'s. This module
only unpacks updates, shows the screens (with the flow's «✖ Cancel») and keeps
the session in `user_data`. A pressed button's message becomes the next
question (one request per tap: Telegram allows about one message a second per
chat); a typed answer gets the next question as a new message, and the old one
loses its buttons.

Buttons carry the session's counter (`bot.dialogs.points.actions`): a button of
an older question says it is no longer active instead of answering the wrong
question.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ConversationHandler

from bot.dialogs.points import interview as dialog
from bot.dialogs.points import result as result_screens
from bot.dialogs.points.actions import Back, ChangeAnswer, More, StepAction, points
from bot.dialogs.points.chat import button_for_text
from bot.i18n import Translator
from bot.services.points.session import InterviewSession, Step
from handlers import render, start
from handlers.common import answer_query, cancel_button, edit_text, send_text
from handlers.context import Context
from handlers.flows import cancel_all
from handlers.points import result

log = logging.getLogger(__name__)


def step_markup(tr: Translator, session: InterviewSession, step: Step) -> InlineKeyboardMarkup:
    """The step's buttons, then the flow's Cancel."""
    markup = render.markup(dialog.step_screen(tr, session, step))
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup([*rows, [cancel_button(tr)]])


# --- asking -------------------------------------------------------------------------------


async def ask(
    update: Update,
    context: Context,
    session: InterviewSession,
    prefix: str = "",
    *,
    edit: CallbackQuery | None = None,
) -> object:
    """Show the current step (or the result when nothing is left to ask); the new state.

    With `edit` (a pressed button), its message becomes the next question: one
    request per tap, which Telegram's one-message-a-second pace per chat favours.
    """
    step = session.step()
    if step is None:
        change = session.finish()
        if change is None:
            return await result.show_result(update, context, session, prefix, save=True, edit=edit)
        _declaration, outcome = session.result()
        header = result_screens.new_total_header(context.tr, change, outcome)
        header = f"{prefix}\n{header}" if prefix else header
        save = session.data["origin"] in ("interview", "kept")
        return await result.show_result(update, context, session, header, save=save, edit=edit)
    session.open_list(step)
    tr = context.tr
    text = dialog.step_text(tr, session, step, prefix)
    markup = step_markup(tr, session, step)
    if edit is not None:
        message = await edit_text(context, edit, text, reply_markup=markup)
    else:
        message = await send_text(context, result.chat_id(update), text, reply_markup=markup)
    session.data["message_id"] = message.message_id if message is not None else None
    return result.ASKING


async def retire(context: Context, update: Update) -> None:
    """The current question's message loses its buttons (a new message asks next)."""
    message_id = _current_message_id(context)
    if message_id is None:
        return
    chat = result.chat_id(update)
    try:
        await context.bot.edit_message_reply_markup(chat, message_id, reply_markup=None)
    except Forbidden:
        log.info("chat %s blocked the bot", chat)
    except TelegramError as exc:  # too old, deleted, a network hiccup: it is only tidying
        log.debug("question message %s not retired: %s", message_id, exc.message)


def _current_message_id(context: Context) -> int | None:
    session = result.load_session(context)
    return session.data["message_id"] if session is not None else None


# --- entering the flow -----------------------------------------------------------------------


async def start_interview(update: Update, context: Context) -> object:
    """/points and the menu entry: a new interview, or the unfinished one where it stopped."""
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    tr = context.tr
    session = result.load_session(context)
    if session is not None and session.mode == "asking":
        await retire(context, update)
        return await ask(update, context, session, dialog.continuing(tr))
    # A new interview: the current circular's ruleset (InterviewSession.new's default).
    session = result.keep_session(context, InterviewSession.new())
    return await ask(update, context, session, dialog.intro(tr))


async def my_points(update: Update, context: Context) -> object:
    """/mypoints: the kept declaration (not in the middle of an interview)."""
    session = result.load_session(context)
    if session is not None and session.mode == "asking":
        await retire(context, update)
        return await ask(update, context, session, dialog.busy(context.tr))
    return await result.show_kept(update, context)


# --- answering ------------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    session = result.load_session(context)
    if session is None or session.mode != "asking":
        await answer_query(query, dialog.stale(tr))
        return await _lost(update, context, session)
    action = points.parse(query.data)
    if not isinstance(action, StepAction) or action.counter != session.counter:
        await answer_query(query, dialog.stale(tr))
        return None
    step = session.step()
    if step is None:  # answered to the end, but the result was never shown
        await answer_query(query)
        return await ask(update, context, session)
    if isinstance(action, More):
        await answer_query(query)
        await send_text(context, result.chat_id(update), dialog.type_the_number(tr))
        return None
    if isinstance(action, Back):
        return await _back(update, context, session)
    try:
        line = dialog.act(tr, session, step, action)
    except (LookupError, ValueError):
        await answer_query(query, dialog.stale(tr))
        return None
    await answer_query(query)
    return await ask(update, context, session, line, edit=query)


async def _back(update: Update, context: Context, session: InterviewSession) -> object:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    was_change = session.change is not None
    if not session.back():
        await answer_query(query, dialog.first_question(tr))
        return None
    await answer_query(query)
    if was_change and session.mode == "result":
        nothing = dialog.nothing_changed(tr)
        return await result.show_result(update, context, session, nothing, edit=query)
    return await ask(update, context, session, edit=query)


async def _lost(update: Update, context: Context, session: InterviewSession | None) -> object:
    """The flow is asking, but the interview is gone (its data deleted): say so, end it."""
    if session is not None:
        return result.state_of(session)
    await send_text(context, result.chat_id(update), dialog.no_interview(context.tr))
    return ConversationHandler.END


async def on_text(update: Update, context: Context) -> object:
    """A typed answer: read it, check it, and move on or ask the same question again."""
    message = update.effective_message
    assert message is not None
    tr = context.tr
    session = result.load_session(context)
    if session is None or session.mode != "asking":
        return await _lost(update, context, session)
    step = session.step()
    if step is None:  # answered to the end, but the result was never shown
        return await ask(update, context, session)
    text = message.text or ""
    pressed = dialog.typed_button(tr, session, step, text)
    if pressed is not None:  # a button's own label typed: as if pressed
        return await _typed_button(update, context, session, step, pressed)
    if cancel_label_typed(tr, text):
        return await cancel_all(update, context)  # like /cancel: typing it is deliberate
    value, issue = dialog.read_typed(session, step, text)
    if issue is not None:
        await retire(context, update)
        return await ask(update, context, session, dialog.problem_line(tr, issue))
    line = dialog.record(tr, session, step, value)
    await retire(context, update)
    return await ask(update, context, session, line)


def cancel_label_typed(tr: Translator, text: str) -> bool:
    return button_for_text([[(cancel_button(tr).text, "cancel")]], text) is not None


async def _typed_button(
    update: Update, context: Context, session: InterviewSession, step: Step, action: StepAction
) -> object:
    """A typed label of a button on screen: do what pressing it does (a new message asks
    next, as after any typed answer)."""
    tr = context.tr
    await retire(context, update)
    if isinstance(action, More):
        return await ask(update, context, session, dialog.type_the_number(tr))
    if isinstance(action, Back):
        was_change = session.change is not None
        session.back()
        if was_change and session.mode == "result":
            return await result.show_result(update, context, session, dialog.nothing_changed(tr))
        return await ask(update, context, session)
    line = dialog.act(tr, session, step, action)
    return await ask(update, context, session, line)


async def change_pick(update: Update, context: Context) -> object:
    """A number of the "Change an answer" list: ask that question again."""
    query = update.callback_query
    assert query is not None
    session = result.load_session(context)
    stale = dialog.stale(context.tr)
    action = points.parse_as(query.data, ChangeAnswer)
    if session is None or session.mode != "result" or not isinstance(action, ChangeAnswer):
        await answer_query(query, stale)
        return None
    questions = session.interview.questions
    if not 0 <= action.question < len(questions):
        await answer_query(query, stale)
        return None
    question = questions[action.question]
    if not question.applies(session.answers):
        await answer_query(query, stale)
        return None
    await answer_query(query)
    _declaration, outcome = session.result()
    status = outcome.eligibility.status.value if outcome.eligibility is not None else ""
    session.start_change(question.key, str(outcome.total), status)
    return await ask(update, context, session, edit=query)


# --- leaving -------------------------------------------------------------------------------


async def leave(update: Update, context: Context) -> None:
    """The interview ends (/cancel, /start, or leaving it for another flow): dropped."""
    await retire(context, update)
    result.drop_session(context)


async def resume(update: Update, context: Context, state: object) -> object:
    """«Keep going» after a question about leaving: the current question again."""
    session = result.load_session(context)
    if session is None or session.mode != "asking":
        if update.callback_query is not None:
            await answer_query(update.callback_query)
        return await _lost(update, context, session)
    await retire(context, update)
    prefix = dialog.continuing(context.tr, "↩️")
    return await ask(update, context, session, prefix, edit=update.callback_query)


def unsaved(context: Context) -> bool:
    """An interview with answers: «✖ Cancel» asks before dropping them."""
    session = result.load_session(context)
    return session is not None and session.mode == "asking" and bool(session.answers)


async def main_menu(update: Update, context: Context) -> object:
    await retire(context, update)
    result.drop_session(context)
    await start.menu_pressed(update, context)
    return ConversationHandler.END


async def stale(update: Update, context: Context) -> object:
    assert update.callback_query is not None
    await answer_query(update.callback_query, dialog.stale(context.tr))
    return None
