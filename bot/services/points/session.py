"""Walking the points interview one answer at a time: where we are, back, skip, change.

`InterviewSession` wraps a plain JSON dict (it lives in PTB's persisted
`user_data`, so a half-finished interview survives a restart) and walks the
interview of its ruleset (`scoring.interview.interview_for`) generically: it
knows answer kinds, lists and applicability, never a particular question. The
dict names its ruleset (`ruleset`, a name in `scoring.RULESETS`): a new session
takes the one it is given (the current circular for a new interview), and a
stored one keeps its own; loading one whose ruleset is unknown raises
`scoring.UnknownRuleset`.

- `step()` is what to ask now: a question, the screen of a list (its items,
  "add", "done"), or one question about the list item being added; None when
  there is nothing left to ask.
- `answer(value)`, `add_item()`, `finish_list()`, `remove_item(i)` record what
  the teacher did (the value must already be checked with
  `scoring.answers.check_answer` / `check_item_answer`); `back()` undoes the
  last of them; `skip()` answers "none" / 0.
- `start_change(key)` asks one answered question again ("Change an answer"),
  then only the questions that depend on it and have no answer yet.

Every change bumps `counter`, which the chat puts in its buttons so that a
button of an older question is recognised as stale.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal, NotRequired, TypedDict, cast

from scoring import (
    CURRENT_RULESET,
    RULESET_170610_D2_2016,
    Declaration,
    Ruleset,
    ScoreResult,
    parse_declaration,
    ruleset_named,
    score,
)
from scoring.interview import (
    LIST_KINDS,
    AnswerKind,
    Interview,
    ItemQuestion,
    Question,
    declaration_from_answers,
    interview_for,
    new_title_id,
    next_item_question,
)

HISTORY_LIMIT: Final = 80  # answers that Back can undo
FORMAT: Final = 1  # of the stored dict; a different one is started afresh
# A result on screen keeps its answers (for its buttons) this long; then they are dropped,
# so that nothing is kept of a teacher who did not agree to keep their declaration.
RESULT_KEPT_FOR: Final = timedelta(hours=6)
# Sessions stored before they named their ruleset were all of the one ruleset there was then.
UNNAMED_RULESET: Final = RULESET_170610_D2_2016.name

Mode = Literal["asking", "result"]
Origin = Literal["interview", "file", "kept"]


class Draft(TypedDict):
    """A list being filled: its complete items and the item being added (if any)."""

    key: str
    items: list[dict[str, Any]]
    item: dict[str, Any] | None


class Snapshot(TypedDict):
    answers: dict[str, Any]
    draft: Draft | None
    changed: list[str]


class Change(TypedDict):
    """ "Change an answer": the question asked again, what was answered since, the before."""

    target: str
    changed: list[str]
    before: dict[str, Any]
    total_before: str  # points, as a decimal string
    status_before: NotRequired[str]  # the eligibility status before ("" without facts)


class SessionData(TypedDict):
    format: int
    mode: Mode
    origin: Origin
    counter: int
    answers: dict[str, Any]
    draft: Draft | None
    history: list[Snapshot]
    change: Change | None
    message_id: int | None  # the chat message that shows the current question
    shown_at: str | None  # ISO time (aware UTC) the result was last shown; None while asking
    ruleset: NotRequired[str]  # the name of its ruleset (UNNAMED_RULESET when absent)


@dataclass(frozen=True)
class Step:
    """What to ask: `question`, or with `sub` one question about the list item being added.

    A list question without `sub` is the list's screen (items so far, add, done).
    """

    question: Question
    sub: ItemQuestion | None = None

    @property
    def is_list_screen(self) -> bool:
        return self.sub is None and self.question.kind in LIST_KINDS


class InterviewSession:
    """The interview state of one teacher, over the JSON dict `data` (changed in place)."""

    def __init__(self, data: SessionData) -> None:
        self.data = data
        self.ruleset: Ruleset = ruleset_named(data.get("ruleset", UNNAMED_RULESET))
        self.interview: Interview = interview_for(self.ruleset)

    @classmethod
    def new(
        cls,
        answers: dict[str, Any] | None = None,
        *,
        mode: Mode = "asking",
        origin: Origin = "interview",
        ruleset: Ruleset = CURRENT_RULESET,
    ) -> InterviewSession:
        """A new session: a new interview (or a declaration just read) under `ruleset`,
        by default the current circular's; a kept declaration passes its own."""
        return cls(
            SessionData(
                format=FORMAT,
                mode=mode,
                origin=origin,
                counter=0,
                answers=dict(answers or {}),
                draft=None,
                history=[],
                change=None,
                message_id=None,
                shown_at=None,
                ruleset=ruleset.name,
            )
        )

    @classmethod
    def load(cls, value: object) -> InterviewSession | None:
        """The session stored in `value`, or None if there is none (or of another format).

        Raises `UnknownRuleset` when it names a ruleset this version does not know.
        """
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return None
        return cls(cast(SessionData, value))

    def mark_shown(self, now: datetime) -> None:
        """The result is on screen from `now` (aware): its answers expire RESULT_KEPT_FOR later."""
        self.data["shown_at"] = now.isoformat()

    def expired(self, now: datetime) -> bool:
        """A result shown more than RESULT_KEPT_FOR before `now` (an interview never expires)."""
        shown_at = self.data.get("shown_at")
        if self.mode != "result" or not isinstance(shown_at, str):
            return False
        try:
            shown = datetime.fromisoformat(shown_at)
        except ValueError:
            return True
        return now - shown > RESULT_KEPT_FOR

    # --- where we are --------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, Any]:
        return self.data["answers"]

    @property
    def counter(self) -> int:
        return self.data["counter"]

    @property
    def mode(self) -> Mode:
        return self.data["mode"]

    @property
    def change(self) -> Change | None:
        return self.data["change"]

    @property
    def draft(self) -> Draft | None:
        return self.data["draft"]

    @property
    def can_go_back(self) -> bool:
        return bool(self.data["history"]) or self.data["change"] is not None

    def step(self) -> Step | None:
        draft = self.data["draft"]
        if draft is not None:
            listed = self.interview[draft["key"]]
            item = draft["item"]
            if item is not None:
                sub = next_item_question(listed, item, draft["items"])
                if sub is not None:
                    return Step(listed, sub)
            return Step(listed)
        question = (
            self._next_changed()
            if self.data["change"]
            else self.interview.next_question(self.answers)
        )
        return Step(question) if question is not None else None

    def _next_changed(self) -> Question | None:
        change = self.data["change"]
        assert change is not None
        if change["target"] not in change["changed"]:
            target = self.interview[change["target"]]
            return target if target.applies(self.answers) else None
        changed = set(change["changed"])
        for question in self.interview.questions:
            if (
                question.key not in self.answers
                and question.applies(self.answers)
                and changed.intersection(question.depends_on)
            ):
                return question
        return None

    def progress(self) -> tuple[int, int]:
        """(the part of the interview asked now, the number of parts), for "2/7": it never
        jumps, as a count of the questions that apply would when an answer opens some."""
        step = self.step()
        if step is None:
            parts = self.interview.part_progress(self.interview.questions[-1])[1]
            return parts, parts
        return self.interview.part_progress(step.question)

    def list_items(self) -> list[dict[str, Any]]:
        """The items of the list being filled (the complete ones)."""
        draft = self.data["draft"]
        return draft["items"] if draft is not None else []

    def current_item(self) -> dict[str, Any]:
        draft = self.data["draft"]
        if draft is None or draft["item"] is None:
            raise ValueError("no list item is being added")
        return draft["item"]

    def open_list(self, step: Step) -> None:
        """Before a list's screen is shown: start filling it from its answer so far."""
        if self.data["draft"] is None and step.is_list_screen:
            items = copy.deepcopy(self.answers.get(step.question.key, []))
            self.data["draft"] = Draft(key=step.question.key, items=items, item=None)

    # --- what the teacher did ---------------------------------------------------------------

    def _remember(self) -> None:
        change = self.data["change"]
        snapshot = Snapshot(
            answers=copy.deepcopy(self.answers),
            draft=copy.deepcopy(self.data["draft"]),
            changed=list(change["changed"]) if change else [],
        )
        history = self.data["history"]
        history.append(snapshot)
        del history[:-HISTORY_LIMIT]

    def _moved(self) -> None:
        self.data["counter"] += 1

    def _set(self, key: str, value: Any) -> None:
        self.answers[key] = value
        change = self.data["change"]
        if change is not None and key not in change["changed"]:
            change["changed"].append(key)
        # An answer may make later answers moot (a plain teacher has no "sole teacher").
        self.data["answers"] = self.interview.prune(self.answers)

    def answer(self, step: Step, value: Any) -> None:
        """Record a checked answer to `step` (not a list's screen)."""
        if step.is_list_screen:
            raise ValueError("a list is answered with add_item / finish_list")
        self._remember()
        if step.sub is None:
            self._set(step.question.key, value)
        else:
            draft = self.data["draft"]
            item = self.current_item()
            assert draft is not None
            item[step.sub.name] = value
            if next_item_question(step.question, item, draft["items"]) is None:
                draft["items"].append(item)
                draft["item"] = None
        self._moved()

    def skip(self, step: Step) -> None:
        """Answer "none" / 0 / no (the question's default); for a list, no items at all."""
        if step.sub is not None:
            raise ValueError("questions about a list item cannot be skipped")
        self._remember()
        self.data["draft"] = None
        self._set(step.question.key, step.question.default_answer())
        self._moved()

    def add_item(self) -> None:
        draft = self.data["draft"]
        if draft is None:
            raise ValueError("no list is open")
        self._remember()
        question = self.interview[draft["key"]]
        # Titles carry an id, by which a doctorate names the master's degree it continues.
        draft["item"] = (
            {"id": new_title_id(draft["items"])} if question.kind == AnswerKind.TITLES else {}
        )
        self._moved()

    def finish_list(self) -> None:
        draft = self.data["draft"]
        if draft is None:
            raise ValueError("no list is open")
        self._remember()
        self.data["draft"] = None
        self._set(draft["key"], draft["items"])
        self._moved()

    def remove_item(self, index: int) -> dict[str, Any]:
        """Remove item `index` (from 0) of the open list; returns it.

        A doctorate that continued a removed master's degree no longer does.
        """
        draft = self.data["draft"]
        if draft is None or not 0 <= index < len(draft["items"]):
            raise IndexError(index)
        self._remember()
        removed = draft["items"].pop(index)
        for item in draft["items"]:
            if removed.get("id") is not None and item.get("continues") == removed.get("id"):
                item["continues"] = None
        self._moved()
        return removed

    def back(self) -> bool:
        """Undo the last thing done; False if there is nothing to undo.

        In "Change an answer", going back past the changed question cancels the
        change (the answers before it come back) and the session shows the result.
        """
        history = self.data["history"]
        change = self.data["change"]
        if history:
            snapshot = history.pop()
            self.data["answers"] = snapshot["answers"]
            self.data["draft"] = snapshot["draft"]
            if change is not None:
                change["changed"] = snapshot["changed"]
            self._moved()
            return True
        if change is not None:
            self.data["answers"] = change["before"]
            self.data["draft"] = None
            self.data["change"] = None
            self.data["mode"] = "result"
            self._moved()
            return True
        return False

    # --- change an answer, results ----------------------------------------------------------

    def start_change(self, key: str, total_before: str, status_before: str = "") -> None:
        """Ask the answered question `key` again, then what depends on it."""
        question = self.interview[key]
        if not question.applies(self.answers):
            raise ValueError(f"question {key!r} does not apply")
        self.data["shown_at"] = None
        self.data["change"] = Change(
            target=key,
            changed=[],
            before=copy.deepcopy(self.answers),
            total_before=total_before,
            status_before=status_before,
        )
        self.data["history"] = []
        self.data["draft"] = None
        self.data["mode"] = "asking"
        self._moved()

    def finish(self) -> Change | None:
        """The interview (or the change) is over: show the result. Returns the change made."""
        change = self.data["change"]
        self.data["change"] = None
        self.data["draft"] = None
        self.data["history"] = []
        self.data["mode"] = "result"
        self._moved()
        return change

    def declaration(self) -> Declaration:
        """The declaration of the answers (raises `DeclarationInvalid` if they do not fit)."""
        return parse_declaration(declaration_from_answers(self.answers, self.interview))

    def result(self) -> tuple[Declaration, ScoreResult]:
        declaration = self.declaration()
        return declaration, score(declaration, self.ruleset)
