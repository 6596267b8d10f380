"""The points interview as screens: one question a time, and what a button or a text does.

Each question is one screen: what was just answered ("✓ Branch: ΠΕ86"), when
that answer lowered the eligibility, the reason at once, a progress marker of
the interview's fixed parts ("2/7 · Titles of study", which never jumps), the
question, a one-line hint from the circular, the "counts up to" line, and
buttons (yes/no, a keypad 0–5 and "more", the options, list screens with add /
remove / done), with Back and Skip (= none / 0). Typing a button's own label
(«τέλος», "done") is pressing it.

Buttons are typed actions (`bot.dialogs.points.actions`) carrying the session's
counter. Everything here works on the session's own interview and ruleset
(`session.interview`, `session.ruleset`). No Telegram: `handlers.points` shows
the screens and adds the flow's «✖ Cancel».
"""

from __future__ import annotations

from typing import Any, Final

from bot.dialogs.points.actions import (
    AddItem,
    Back,
    FinishList,
    More,
    No,
    NoOption,
    Number,
    Option,
    RemoveItem,
    Skip,
    StepAction,
    Yes,
)
from bot.dialogs.points.chat import (
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
from bot.dialogs.points.labels import option_text
from bot.dialogs.points.questions import answer_problem, question_text
from bot.i18n import Translator
from bot.services.points.session import InterviewSession, Step
from bot.ui import Button, Screen
from scoring import ErrorCode, Issue
from scoring.answers import check_answer, check_item_answer
from scoring.interview import AnswerKind, Section

KEYPAD: Final = range(6)  # 0–5, then "more" (typed)
WHOLE_KEYPAD: Final = 8  # ranges this small get every value as a button (days 0–7)
PACKED_LABEL: Final = 12  # option labels up to this long share a row, three at a time

Rows = list[list[Button]]


# --- the texts around the questions --------------------------------------------------------


def intro(tr: Translator) -> str:
    return "🧮 " + tr.gettext(
        "Let's estimate your points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.), as "
        "circular 170610/Δ2 counts them. One question at a time, mostly with buttons: "
        "« Back returns to the previous question, Skip means none, /cancel stops."
    )


def continuing(tr: Translator, mark: str = "↪️") -> str:
    return f"{mark} " + tr.gettext("Let's continue where you left off.")


def busy(tr: Translator) -> str:
    """/mypoints in the middle of an interview."""
    return "ℹ️ " + tr.gettext(
        "You are in the middle of the points interview: finish it, or /cancel it first."
    )


def type_the_number(tr: Translator) -> str:
    return "✍️ " + tr.gettext("Type the number and send it.")


def nothing_changed(tr: Translator) -> str:
    return "↩️ " + tr.gettext("Nothing was changed.")


def no_interview(tr: Translator) -> str:
    return tr.gettext("There is no points interview in progress: /points starts one.")


def stale(tr: Translator) -> str:
    return tr.gettext("This button is no longer active.")


def first_question(tr: Translator) -> str:
    return tr.gettext("This is the first question.")


def problem_line(tr: Translator, issue: Issue) -> str:
    """An answer that does not fit, said above the same question again."""
    return "⚠️ " + answer_problem(tr, issue)


# --- a step as a screen --------------------------------------------------------------------


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
        number, total = session.interview.part_progress(step.question)
        head = f"{number}/{total} · {where}"
    asked = question_text(tr, session.ruleset, step.sub or step.question)
    return f"{head}\n{asked.text}"


def step_text(tr: Translator, session: InterviewSession, step: Step, prefix: str = "") -> str:
    _ = tr.gettext
    question = step.question
    asked = question_text(tr, session.ruleset, step.sub or question)
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
    if step.sub is None and (cap := cap_line(tr, session.ruleset, question)):
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


def _option_rows(buttons: list[Button]) -> Rows:
    """Short labels share a row (three at most); long ones get a row each."""
    rows: Rows = []
    for button in buttons:
        short = len(button.label) <= PACKED_LABEL
        if short and rows and len(rows[-1]) < 3 and len(rows[-1][-1].label) <= PACKED_LABEL:
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows


def _answer_rows(tr: Translator, session: InterviewSession, step: Step) -> Rows:
    _ = tr.gettext
    question = step.question
    counter = session.counter
    if step.is_list_screen:
        items = session.list_items()
        removals = [Button(f"🗑 {n}", RemoveItem(counter, n - 1)) for n in range(1, len(items) + 1)]
        rows = [removals[i : i + 4] for i in range(0, len(removals), 4)]
        add = ADD_ANOTHER if items else ADD_FIRST
        rows.append([Button("➕ " + _(add[question.kind]), AddItem(counter))])
        finish = "✅ " + _("Done") if items else _(NONE_OF_KIND[question.kind])
        rows.append([Button(finish, FinishList(counter))])
        return rows
    kind = (step.sub or question).kind
    if kind == AnswerKind.YES_NO:
        return [[Button(_("Yes"), Yes(counter)), Button(_("No"), No(counter))]]
    if kind == AnswerKind.INTEGER:
        low = question.minimum or 0
        high = question.maximum if question.maximum is not None else low + len(KEYPAD) - 1
        if high - low < WHOLE_KEYPAD:
            values = [Button(tr.number(v), Number(counter, v)) for v in range(low, high + 1)]
            return [values[i : i + 4] for i in range(0, len(values), 4)]
        keypad = [Button(tr.number(v), Number(counter, v)) for v in KEYPAD]
        return [keypad, [Button(_("More…"), More(counter))]]
    if kind == AnswerKind.CHOICE:
        buttons = [
            Button(_option_label(tr, session, step, option), Option(counter, index))
            for index, option in enumerate(options(session, step))
        ]
        if step.sub is not None and step.sub.optional:
            buttons.append(Button(_option_label(tr, session, step, None), NoOption(counter)))
        return _option_rows(buttons)
    return []  # dates and other typed answers


def options(session: InterviewSession, step: Step) -> tuple[str, ...]:
    """The options of the step's choice question, in the order of their buttons."""
    if step.sub is None:
        return step.question.options
    return step.sub.current_options(session.current_item(), session.list_items())


def _option_label(tr: Translator, session: InterviewSession, step: Step, option: Any) -> str:
    if step.sub is not None and step.sub.options_for is not None:
        return continues_option_text(tr, option, session.list_items(), step.sub.name)
    return option_text(tr, (step.sub or step.question).key, str(option))


def step_rows(tr: Translator, session: InterviewSession, step: Step) -> Rows:
    """The step's buttons (without the flow's Cancel)."""
    _ = tr.gettext
    rows = _answer_rows(tr, session, step)
    nav: list[Button] = []
    if session.can_go_back:
        nav.append(Button("« " + _("Back"), Back(session.counter)))
    if step.sub is None and not step.is_list_screen and can_skip(step.question):
        nav.append(Button(_("Skip") + " »", Skip(session.counter)))
    if nav:
        rows.append(nav)
    return rows


def step_screen(tr: Translator, session: InterviewSession, step: Step, prefix: str = "") -> Screen:
    """The question on screen: its text (under `prefix`) and its buttons."""
    return Screen.of(step_text(tr, session, step, prefix), step_rows(tr, session, step))


# --- what a button or a text does ------------------------------------------------------------


def feedback(
    tr: Translator, session: InterviewSession, step: Step, phrase: str, mark: str = "✓"
) -> str:
    """`✓ Branch: ΠΕ86`, the line above the next question (before the answer is recorded)."""
    if step.sub is None:
        label = question_label(tr, session.ruleset, step.question)
    else:
        label = item_heading(tr, step.question, len(session.list_items()) + 1)
    return f"{mark} {label}: {phrase}"


def button_value(session: InterviewSession, step: Step, action: StepAction) -> Any:
    """The answer a button stands for; raises LookupError for a button of another kind."""
    kind = (step.sub or step.question).kind
    if kind == AnswerKind.YES_NO and isinstance(action, Yes | No):
        return isinstance(action, Yes)
    if kind == AnswerKind.INTEGER and isinstance(action, Number):
        return action.value
    if kind == AnswerKind.CHOICE and isinstance(action, NoOption):
        return None
    if kind == AnswerKind.CHOICE and isinstance(action, Option):
        return options(session, step)[action.index]
    raise LookupError(action)


def problem(session: InterviewSession, step: Step, value: Any) -> Issue | None:
    """What is wrong with `value` as the answer to `step` (None: nothing)."""
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


def act(tr: Translator, session: InterviewSession, step: Step, action: StepAction) -> str:
    """Do what a button says (not Back or More); the line that tells it above the next
    question. Raises LookupError / ValueError for a button that does not fit the step."""
    question = step.question
    if isinstance(action, Skip) and step.sub is None:
        none = answer_text(tr, question, question.default_answer())
        line = feedback(tr, session, step, none, mark="⏭")
        session.skip(step)
        return line
    if step.is_list_screen:
        items = session.list_items()
        if isinstance(action, AddItem):
            session.add_item()
            return "➕ " + item_heading(tr, question, len(items) + 1)
        if isinstance(action, FinishList):
            line = feedback(tr, session, step, list_summary(tr, question, items))
            session.finish_list()
            return line
        if isinstance(action, RemoveItem):
            if not 0 <= action.index < len(items):
                raise LookupError(action.index)
            removed = item_text(tr, question, items[action.index], items)
            session.remove_item(action.index)
            return "🗑 " + removed
        raise LookupError(action)
    value = button_value(session, step, action)
    if problem(session, step, value) is not None:
        raise ValueError(value)
    return record(tr, session, step, value)


def record(tr: Translator, session: InterviewSession, step: Step, value: Any) -> str:
    """Record a checked answer; the line that tells it, and, when it lowered the best
    eligibility still possible, the reason at once (the teacher may go on for the points)."""
    line = feedback(tr, session, step, _phrase(tr, session, step, value))
    eligibility = step.sub is None and step.question.section == Section.ELIGIBILITY
    interview = session.interview
    before = interview.eligibility_so_far(session.answers) if eligibility else None
    session.answer(step, value)
    if eligibility:
        after = interview.eligibility_so_far(session.answers)
        notice = eligibility_notice(tr, before, after)
        if notice:
            line += "\n\n" + notice
    return line


def typed_button(
    tr: Translator, session: InterviewSession, step: Step, text: str
) -> StepAction | None:
    """The action of the button on screen whose label is what the teacher typed, or None.

    Removal buttons ("🗑 2") are left out: a typed "2" must not delete a list item.
    """
    rows = [
        [
            (b.label, b.action)
            for b in row
            if isinstance(b.action, StepAction) and not isinstance(b.action, RemoveItem)
        ]
        for row in step_rows(tr, session, step)
    ]
    return button_for_text(rows, text)


def read_typed(session: InterviewSession, step: Step, text: str) -> tuple[Any, Issue | None]:
    """A typed answer to `step`: (the value, None) or (…, what is wrong with it)."""
    if step.is_list_screen:
        return None, Issue(step.question.key, ErrorCode.INVALID_CHOICE, {})
    if step.sub is None:
        value = read_answer(step.question, text)
        return value, check_answer(step.question, value)
    value = read_item_answer(step.sub, text, session.current_item(), session.list_items())
    return value, problem(session, step, value)
