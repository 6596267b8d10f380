"""The points interview in chat: /points or the menu's "Points calculation", one question a time.

The questions are `scoring.interview.INTERVIEW`, walked generically by
`InterviewSession` (`bot.services.points_session`); this module only turns a
step into a message with buttons, and a button press or a typed text into an
answer. Each question is one message: what was just answered ("✓ Branch:
ΠΕ86"), when that answer lowered the eligibility, the reason at once, a progress
marker of the interview's fixed parts ("2/7 · Titles of study", which never
jumps), the question, a one-line hint from the circular, the "counts up to"
line, and buttons (yes/no, a keypad 0–5 and "more", the options, list screens
with add / remove / done), with Back, Skip (= none / 0) and Cancel. Typing a
button's own label («τέλος», "done") is pressing it. A pressed button's
message becomes the next question (one request per tap: Telegram allows about
one message a second per chat); a typed answer gets the next question as a new
message, and the old one loses its buttons.

Buttons carry "p:<counter>:<action>": the counter moves on with every answer,
so a button of an older question says it is no longer active instead of
answering the wrong question. Options are named by their index, never by
value, so callback data stays far below Telegram's 64 bytes.

The flow (`points`, persistent) has one state, `asking`; it ends when the
result shows (`handlers.points_result`: summary, documents, change an answer,
downloads, keeping, /mypoints), so a result on screen does not hold the
teacher's next text. A JSON declaration sent as a document is scored at any
time.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.i18n import N_, Translator
from bot.runtime import Runtime
from bot.services.points import answer_problem, option_text, question_text
from bot.services.points_chat import (
    ADD_ANOTHER,
    ADD_FIRST,
    NONE_OF_KIND,
    answer_text,
    button_for_text,
    can_skip,
    cap_line,
    continues_option_text,
    eligibility_notice,
    item_heading,
    item_text,
    list_summary,
    part_label,
    question_label,
    read_answer,
    read_item_answer,
)
from bot.services.points_session import InterviewSession, Step
from handlers import points_result as result
from handlers import start
from handlers.common import (
    PRIVATE,
    answer_query,
    cancel_button,
    edit_text,
    keyboard,
    send_text,
)
from handlers.context import CommandSpec, Context, KepliApp
from handlers.flows import OutsideFlows, cancel_all, flow
from scoring import ErrorCode, Issue
from scoring.interview import (
    INTERVIEW,
    AnswerKind,
    Section,
    check_answer,
    check_item_answer,
)

log = logging.getLogger(__name__)

ASKING: Final = result.ASKING
BUTTON: Final = re.compile(r"^p:([0-9]+):([a-z]+)(-|[0-9]+)?$")
KEYPAD: Final = range(6)  # 0–5, then "more" (typed)
WHOLE_KEYPAD: Final = 8  # ranges this small get every value as a button (days 0–7)
PACKED_LABEL: Final = 12  # option labels up to this long share a row, three at a time
PURGE_JOB: Final = "points-purge"
JSON_DOCUMENT: Final = f.Document.FileExtension("json") | f.Document.MimeType("application/json")

COMMANDS: Final = (
    CommandSpec("points", N_("Calculate your points for the school lab manager post"), order=10),
    CommandSpec("mypoints", N_("Your kept points declaration"), order=11),
)


# --- a step as a message ---------------------------------------------------------------------


def _data(session: InterviewSession, action: str) -> str:
    return f"p:{session.counter}:{action}"


def step_title(tr: Translator, session: InterviewSession, step: Step) -> str:
    """The progress marker ("2/7 · Titles of study", "2/7 · Title 2", or "✏️ Change an
    answer") and the question. The marker counts the interview's parts, a fixed number, so
    an answer that opens questions does not make it jump."""
    if step.sub is not None:
        where = item_heading(tr, step.question, len(session.list_items()) + 1)
    else:
        where = part_label(tr, step.question.part)
    if session.change is not None:
        head = "✏️ " + tr.gettext("Change an answer")
        if step.sub is not None:
            head += " · " + where
    else:
        number, total = INTERVIEW.part_progress(step.question)
        head = f"{number}/{total} · {where}"
    return f"{head}\n{question_text(tr, step.sub or step.question).text}"


def step_text(tr: Translator, session: InterviewSession, step: Step, prefix: str = "") -> str:
    _ = tr.gettext
    question = step.question
    asked = question_text(tr, step.sub or question)
    lines = [prefix, ""] if prefix else []
    lines.append(step_title(tr, session, step))
    if step.is_list_screen and session.list_items():
        items = session.list_items()
        lines += ["", _("So far:")]
        lines += [
            f"{n}. {item_text(tr, question, item, items)}" for n, item in enumerate(items, 1)
        ]
    if asked.hint:
        lines += ["", "💡 " + asked.hint]
    if step.sub is None and (cap := cap_line(tr, question)):
        lines.append("📈 " + cap)
    change = session.change
    if step.sub is None and change is not None and change["target"] == question.key:
        before = change["before"]
        if question.key in before and not step.is_list_screen:
            now = answer_text(tr, question, before[question.key])
            lines += ["", _("Your answer now: {answer}").format(answer=now)]
    if (step.sub or question).free_text:
        lines += ["", _("Choose below, or type it.")]
    return "\n".join(lines)


def _option_rows(labels: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Short labels share a row (three at most); long ones get a row each."""
    rows: list[list[tuple[str, str]]] = []
    for label, data in labels:
        short = len(label) <= PACKED_LABEL
        if short and rows and len(rows[-1]) < 3 and len(rows[-1][-1][0]) <= PACKED_LABEL:
            rows[-1].append((label, data))
        else:
            rows.append([(label, data)])
    return rows


def _answer_rows(
    tr: Translator, session: InterviewSession, step: Step
) -> list[list[tuple[str, str]]]:
    _ = tr.gettext
    question = step.question
    if step.is_list_screen:
        items = session.list_items()
        removals = [(f"🗑 {n}", _data(session, f"r{n - 1}")) for n in range(1, len(items) + 1)]
        rows = [removals[i : i + 4] for i in range(0, len(removals), 4)]
        add = ADD_ANOTHER if items else ADD_FIRST
        rows.append([("➕ " + _(add[question.kind]), _data(session, "a"))])
        finish = "✅ " + _("Done") if items else _(NONE_OF_KIND[question.kind])
        rows.append([(finish, _data(session, "d"))])
        return rows
    kind = (step.sub or question).kind
    if kind == AnswerKind.YES_NO:
        return [[(_("Yes"), _data(session, "y")), (_("No"), _data(session, "n"))]]
    if kind == AnswerKind.INTEGER:
        low = question.minimum or 0
        high = question.maximum if question.maximum is not None else low + len(KEYPAD) - 1
        if high - low < WHOLE_KEYPAD:
            values = [(tr.number(v), _data(session, f"v{v}")) for v in range(low, high + 1)]
            return [values[i : i + 4] for i in range(0, len(values), 4)]
        keypad = [(tr.number(v), _data(session, f"v{v}")) for v in KEYPAD]
        return [keypad, [(_("More…"), _data(session, "m"))]]
    if kind == AnswerKind.CHOICE:
        labels = [
            (_option_label(tr, session, step, option), _data(session, f"o{index}"))
            for index, option in enumerate(_options(session, step))
        ]
        if step.sub is not None and step.sub.optional:
            labels.append((_option_label(tr, session, step, None), _data(session, "o-")))
        return _option_rows(labels)
    return []  # dates and other typed answers


def _options(session: InterviewSession, step: Step) -> tuple[str, ...]:
    if step.sub is None:
        return step.question.options
    return step.sub.current_options(session.current_item(), session.list_items())


def _option_label(tr: Translator, session: InterviewSession, step: Step, option: Any) -> str:
    if step.sub is not None and step.sub.options_for is not None:
        return continues_option_text(tr, option, session.list_items(), step.sub.name)
    return option_text(tr, (step.sub or step.question).key, str(option))


Rows = list[list[tuple[str, str]]]


def step_rows(tr: Translator, session: InterviewSession, step: Step) -> Rows:
    """The step's buttons as (label, data) rows, without Cancel."""
    _ = tr.gettext
    rows = _answer_rows(tr, session, step)
    nav: list[tuple[str, str]] = []
    if session.can_go_back:
        nav.append(("« " + _("Back"), _data(session, "b")))
    if step.sub is None and not step.is_list_screen and can_skip(step.question):
        nav.append((_("Skip") + " »", _data(session, "s")))
    if nav:
        rows.append(nav)
    return rows


def step_markup(tr: Translator, session: InterviewSession, step: Step) -> InlineKeyboardMarkup:
    markup = keyboard(step_rows(tr, session, step))
    return InlineKeyboardMarkup([*markup.inline_keyboard, [cancel_button(tr)]])


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
        header = result.new_total_header(context.tr, change, outcome)
        header = f"{prefix}\n{header}" if prefix else header
        save = session.data["origin"] in ("interview", "kept")
        return await result.show_result(update, context, session, header, save=save, edit=edit)
    session.open_list(step)
    tr = context.tr
    text = step_text(tr, session, step, prefix)
    markup = step_markup(tr, session, step)
    if edit is not None:
        message = await edit_text(context, edit, text, reply_markup=markup)
    else:
        message = await send_text(context, result.chat_id(update), text, reply_markup=markup)
    session.data["message_id"] = message.message_id if message is not None else None
    return ASKING


def feedback(
    tr: Translator, session: InterviewSession, step: Step, phrase: str, mark: str = "✓"
) -> str:
    """`✓ Branch: ΠΕ86`, the line above the next question (before the answer is recorded)."""
    if step.sub is None:
        label = question_label(tr, step.question)
    else:
        label = item_heading(tr, step.question, len(session.list_items()) + 1)
    return f"{mark} {label}: {phrase}"


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
    _ = context.tr.gettext
    session = result.load_session(context)
    if session is not None and session.mode == "asking":
        await retire(context, update)
        return await ask(update, context, session, "↪️ " + _("Let's continue where you left off."))
    session = result.keep_session(context, InterviewSession.new())
    intro = _(
        "Let's estimate your points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.), as "
        "circular 170610/Δ2 counts them. One question at a time, mostly with buttons: "
        "« Back returns to the previous question, Skip means none, /cancel stops."
    )
    return await ask(update, context, session, "🧮 " + intro)


async def my_points(update: Update, context: Context) -> object:
    """/mypoints: the kept declaration (not in the middle of an interview)."""
    session = result.load_session(context)
    if session is not None and session.mode == "asking":
        _ = context.tr.gettext
        await retire(context, update)
        note = _("You are in the middle of the points interview: finish it, or /cancel it first.")
        return await ask(update, context, session, "ℹ️ " + note)
    return await result.show_kept(update, context)


# --- answering ------------------------------------------------------------------------------


def _button_value(session: InterviewSession, step: Step, action: str, arg: str | None) -> Any:
    """The answer a button stands for; raises LookupError for a button of another kind."""
    kind = (step.sub or step.question).kind
    if kind == AnswerKind.YES_NO and action in ("y", "n") and arg is None:
        return action == "y"
    if kind == AnswerKind.INTEGER and action == "v" and arg not in (None, "-"):
        return int(str(arg))
    if kind == AnswerKind.CHOICE and action == "o" and arg is not None:
        if arg == "-":
            return None
        return _options(session, step)[int(arg)]
    raise LookupError(action)


def _problem(session: InterviewSession, step: Step, value: Any) -> Issue | None:
    if step.sub is None:
        return check_answer(step.question, value)
    item = session.current_item()
    return check_item_answer(step.sub, value, item, session.list_items())


def _phrase(tr: Translator, session: InterviewSession, step: Step, value: Any) -> str:
    """The answer as a phrase; about a list item, the whole item so far ("Doctorate, related
    subject, from abroad"), since a bare "Yes" would not say what it answered."""
    if step.sub is None:
        return answer_text(tr, step.question, value)
    item = {**session.current_item(), step.sub.name: value}
    return item_text(tr, step.question, item, session.list_items())


async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    tr = context.tr
    session = result.load_session(context)
    if session is None or session.mode != "asking":
        await answer_query(query, tr.gettext("This button is no longer active."))
        return await _lost(update, context, session)
    match = BUTTON.match(query.data)
    if match is None or int(match[1]) != session.counter:
        await answer_query(query, tr.gettext("This button is no longer active."))
        return None
    step = session.step()
    if step is None:  # answered to the end, but the result was never shown
        await answer_query(query)
        return await ask(update, context, session)
    action, arg = match[2], match[3]
    if action == "m":
        await answer_query(query)
        typing = "✍️ " + tr.gettext("Type the number and send it.")
        await send_text(context, result.chat_id(update), typing)
        return None
    if action == "b":
        return await _back(update, context, session)
    try:
        line = _act(tr, session, step, action, arg)
    except (LookupError, ValueError):
        await answer_query(query, tr.gettext("This button is no longer active."))
        return None
    await answer_query(query)
    return await ask(update, context, session, line, edit=query)


def _act(
    tr: Translator, session: InterviewSession, step: Step, action: str, arg: str | None
) -> str:
    """Do what a button says; the line that tells it above the next question."""
    question = step.question
    if action == "s" and step.sub is None:
        none = answer_text(tr, question, question.default_answer())
        line = feedback(tr, session, step, none, mark="⏭")
        session.skip(step)
        return line
    if step.is_list_screen:
        items = session.list_items()
        if action == "a" and arg is None:
            session.add_item()
            return "➕ " + item_heading(tr, question, len(items) + 1)
        if action == "d" and arg is None:
            line = feedback(tr, session, step, list_summary(tr, question, items))
            session.finish_list()
            return line
        if action == "r" and arg not in (None, "-"):
            index = int(str(arg))
            if not 0 <= index < len(items):
                raise LookupError(index)
            removed = item_text(tr, question, items[index], items)
            session.remove_item(index)
            return "🗑 " + removed
        raise LookupError(action)
    value = _button_value(session, step, action, arg)
    if _problem(session, step, value) is not None:
        raise ValueError(value)
    return record(tr, session, step, value)


def record(tr: Translator, session: InterviewSession, step: Step, value: Any) -> str:
    """Record a checked answer; the line that tells it, and, when it lowered the best
    eligibility still possible, the reason at once (the teacher may go on for the points)."""
    line = feedback(tr, session, step, _phrase(tr, session, step, value))
    eligibility = step.sub is None and step.question.section == Section.ELIGIBILITY
    before = INTERVIEW.eligibility_so_far(session.answers) if eligibility else None
    session.answer(step, value)
    if eligibility:
        after = INTERVIEW.eligibility_so_far(session.answers)
        notice = eligibility_notice(tr, before, after)
        if notice:
            line += "\n\n" + notice
    return line


async def _back(update: Update, context: Context, session: InterviewSession) -> object:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    was_change = session.change is not None
    if not session.back():
        await answer_query(query, _("This is the first question."))
        return None
    await answer_query(query)
    if was_change and session.mode == "result":
        nothing = "↩️ " + _("Nothing was changed.")
        return await result.show_result(update, context, session, nothing, edit=query)
    return await ask(update, context, session, edit=query)


async def _lost(update: Update, context: Context, session: InterviewSession | None) -> object:
    """The flow is asking, but the interview is gone (its data deleted): say so, end it."""
    if session is not None:
        return result.state_of(session)
    text = context.tr.gettext("There is no points interview in progress: /points starts one.")
    await send_text(context, result.chat_id(update), text)
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
    # Removal buttons ("🗑 2") are left out: a typed "2" must not delete a list item.
    rows = [
        [(label, data) for label, data in row if ":r" not in data]
        for row in step_rows(tr, session, step)
    ]
    pressed = button_for_text(rows, text)
    if pressed is not None:  # a button's own label typed: as if pressed
        return await _typed_button(update, context, session, step, pressed)
    if cancel_label_typed(tr, text):
        return await cancel_all(update, context)  # like /cancel: typing it is deliberate
    if step.is_list_screen:
        issue: Issue | None = Issue(step.question.key, ErrorCode.INVALID_CHOICE, {})
        value: Any = None
    elif step.sub is None:
        value = read_answer(step.question, text)
        issue = check_answer(step.question, value)
    else:
        value = read_item_answer(step.sub, text, session.current_item(), session.list_items())
        issue = _problem(session, step, value)
    if issue is not None:
        await retire(context, update)
        problem = "⚠️ " + answer_problem(tr, issue)
        return await ask(update, context, session, problem)
    line = record(tr, session, step, value)
    await retire(context, update)
    return await ask(update, context, session, line)


def cancel_label_typed(tr: Translator, text: str) -> bool:
    [[button]] = InlineKeyboardMarkup([[cancel_button(tr)]]).inline_keyboard
    return button_for_text([[(button.text, "cancel")]], text) is not None


async def _typed_button(
    update: Update, context: Context, session: InterviewSession, step: Step, data: str
) -> object:
    """A typed label of a button on screen: do what pressing it does (a new message asks
    next, as after any typed answer)."""
    tr = context.tr
    match = BUTTON.match(data)
    assert match is not None
    action, arg = match[2], match[3]
    await retire(context, update)
    if action == "m":
        typing = "✍️ " + tr.gettext("Type the number and send it.")
        return await ask(update, context, session, typing)
    if action == "b":
        was_change = session.change is not None
        session.back()
        if was_change and session.mode == "result":
            nothing = "↩️ " + tr.gettext("Nothing was changed.")
            return await result.show_result(update, context, session, nothing)
        return await ask(update, context, session)
    line = _act(tr, session, step, action, arg)
    return await ask(update, context, session, line)


async def change_pick(update: Update, context: Context) -> object:
    """A number of the "Change an answer" list: ask that question again."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    session = result.load_session(context)
    stale = context.tr.gettext("This button is no longer active.")
    if session is None or session.mode != "result":
        await answer_query(query, stale)
        return None
    index = int(query.data.removeprefix(result.CHANGE_DATA))
    if not 0 <= index < len(INTERVIEW.questions):
        await answer_query(query, stale)
        return None
    question = INTERVIEW.questions[index]
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
    prefix = "↩️ " + context.tr.gettext("Let's continue where you left off.")
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
    await answer_query(
        update.callback_query, context.tr.gettext("This button is no longer active.")
    )
    return None


# --- registration ---------------------------------------------------------------------------


def build_flow(app: KepliApp) -> ConversationHandler[Context]:
    """The interview: one state, a question on screen. It ends when the result shows.

    Entry points besides /points and the menu: /mypoints and a JSON file (they
    show a result, which ends the flow at once), a number of "Change an answer"
    and a button of the question on screen (after the flow was left, e.g. by
    another feature's menu, the question's own buttons take the teacher back).
    A JSON file is a declaration only outside other flows: in the middle of a
    fault report it is an attachment of the report.
    """
    points = [
        CommandHandler("points", start_interview, filters=PRIVATE),
        CallbackQueryHandler(start_interview, pattern=r"^menu:points$"),
    ]
    mypoints = CommandHandler("mypoints", my_points, filters=PRIVATE)
    document = MessageHandler(PRIVATE & JSON_DOCUMENT, result.upload)
    # Entry points are tried only outside this flow; inside it the fallback takes the file.
    outside_document = MessageHandler(PRIVATE & JSON_DOCUMENT & OutsideFlows(app), result.upload)
    button = CallbackQueryHandler(on_button, pattern=r"^p:")
    return flow(
        "points",
        entry_points=[
            *points,
            mypoints,
            outside_document,
            CallbackQueryHandler(change_pick, pattern=rf"^{result.CHANGE_DATA}[0-9]+$"),
            button,
        ],
        states={
            ASKING: [
                button,
                MessageHandler(PRIVATE & f.TEXT & ~f.COMMAND, on_text),
                # A declaration file is for the fallback below (it replaces the interview);
                # another photo or file would start a fault report, which asks first
                # whether to leave the interview (handlers.flows).
            ]
        },
        fallbacks=[
            *points,
            mypoints,
            document,
            CallbackQueryHandler(main_menu, pattern=r"^menu:main$"),
            CallbackQueryHandler(stale, pattern=r"^pr?:"),
        ],
        title=N_("the points calculation"),
        leave_question=N_("Leave the points interview?"),
        discard_question=N_("Discard your answers in the points interview?"),
        resume=resume,
        on_leave=leave,
        unsaved=unsaved,
    )


def register(app: KepliApp) -> None:
    """The points flow, /points and /mypoints. Register before the fault report: a JSON
    file sent outside any flow is a declaration to score, not the start of a report (inside
    the report it is the report's attachment: the points flow leaves it alone)."""
    data = app.bot_data
    for command in COMMANDS:
        data.commands.add(command)
    app.add_handler(build_flow(app))
    # The result's buttons, outside the flow: a result on screen is no conversation.
    app.add_handlers(
        [
            CallbackQueryHandler(result.documents, pattern=r"^pr:docs$"),
            CallbackQueryHandler(result.show_change_list, pattern=r"^pr:chg$"),
            CallbackQueryHandler(result.back_to_result, pattern=r"^pr:show$"),
            CallbackQueryHandler(result.download_json, pattern=r"^pr:json$"),
            CallbackQueryHandler(result.download_pdf, pattern=r"^pr:pdf$"),
            CallbackQueryHandler(result.keep, pattern=r"^pr:keep$"),
            CallbackQueryHandler(result.do_not_keep, pattern=r"^pr:(nokeep|del)$"),
            CallbackQueryHandler(result.finish, pattern=r"^pr:done$"),
        ]
    )

    async def schedule_purge(runtime: Runtime) -> None:
        if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
            log.error("points: no JobQueue, shown results are dropped only when touched")
            return
        every = result.PURGE_EVERY
        app.job_queue.run_repeating(
            result.purge_expired, interval=every, first=every, name=PURGE_JOB
        )

    data.on_startup(schedule_purge)
