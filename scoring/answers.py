"""Answers from people: one typed or pressed answer checked, and a declaration made answers again.

- `check_answer` / `check_item_answer`: why a value is not an answer to a question (type,
  range, option, dates in order), as an `Issue` a front end words; `parse_date_text` reads
  the dates people type (`15/9/2015`, `2015-09-15`).
- `answers_from_declaration`: the complete answers that give a declaration, so a front end
  can load one (a file, a kept declaration), let the teacher change an answer and score again.

The questions themselves, and answers made a declaration, are `scoring.interview`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Final

from scoring.codes import ErrorCode, Issue, ParamValue
from scoring.declaration import MAX_COUNT, MAX_DATE, MIN_DATE, Declaration, Title
from scoring.interview import (
    INTERVIEW,
    KEPLINET_SERVICE_FIELDS,
    LIST_KINDS,
    AnswerKind,
    Interview,
    Item,
    ItemQuestion,
    Question,
    Section,
)
from scoring.ruleset import TitleKind


def answers_from_declaration(
    declaration: Declaration, interview: Interview = INTERVIEW
) -> dict[str, Any]:
    """The complete answers that give `declaration` (every applicable question answered).

    Eligibility questions are answered only if the declaration has eligibility
    facts. Titles keep their ids; a title counts as "from abroad" exactly when
    it is declared not recognised.
    """
    values: dict[str, Any] = {
        "titles": [_title_answers(t) for t in declaration.titles],
        "keplinet_service": any(declaration.count(f) > 0 for f in KEPLINET_SERVICE_FIELDS),
        "lab_experience_periods": [
            {"start": p.start.isoformat(), "end": p.end.isoformat(), "from_thesis": p.from_thesis}
            for p in declaration.lab_experience_periods
        ],
        "languages": [
            {"language": x.language, "level": x.level.value} for x in declaration.languages
        ],
    }
    facts = declaration.eligibility
    answers: dict[str, Any] = {}
    for question in interview.questions:
        if question.section == Section.ELIGIBILITY and facts is None:
            continue
        if not question.applies(answers):
            continue
        if question.key in values:
            answers[question.key] = values[question.key]
        elif question.field is not None and question.field.startswith("eligibility."):
            value = getattr(facts, question.field.removeprefix("eligibility."))
            answers[question.key] = value.value if isinstance(value, StrEnum) else value
        elif question.field is not None:
            answers[question.key] = getattr(declaration, question.field)
        else:
            answers[question.key] = question.default_answer()
    return interview.prune(answers)


def _title_answers(title: Title) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": title.id,
        "kind": title.kind.value,
        "related": title.related,
        "from_abroad": not title.recognised,
    }
    if not title.recognised:
        item["recognised"] = False
    if title.kind == TitleKind.PHD:
        item["continues"] = title.continues
        item["same_field_as"] = title.same_field_as
    return item


# --- checking one answer ------------------------------------------------------------------------


def _issue(path: str, code: ErrorCode, **params: ParamValue) -> Issue:
    return Issue(path, code, params)


def check_answer(question: Question, value: object) -> Issue | None:
    """Why `value` is not an answer to `question` (type, range, option), or None if it is."""
    path = question.field or question.key
    if question.kind == AnswerKind.YES_NO:
        return None if type(value) is bool else _issue(path, ErrorCode.NOT_A_BOOLEAN)
    if question.kind == AnswerKind.INTEGER:
        if type(value) is not int:
            return _issue(path, ErrorCode.NOT_AN_INTEGER)
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else MAX_COUNT
        if not low <= value <= high:
            return _issue(path, ErrorCode.OUT_OF_RANGE, minimum=low, maximum=high)
        return None
    if question.kind in (AnswerKind.CHOICE, AnswerKind.TEXT):
        if question.optional and value == "":
            return None
        return _check_choice(path, value, question.options, question.free_text)
    if question.kind in LIST_KINDS:
        if not isinstance(value, list):
            return _issue(path, ErrorCode.NOT_A_LIST)
        for index, item in enumerate(value):
            others = [o for o in value if o is not item]
            for sub in question.items:
                if not sub.applies(item, others):
                    continue
                item_path = f"{path}[{index}].{sub.field or sub.name}"
                if sub.name not in item:
                    if not sub.optional:
                        return _issue(item_path, ErrorCode.MISSING_FIELD, field=sub.name)
                    continue
                issue = check_item_answer(sub, item[sub.name], item, others, item_path)
                if issue is not None:
                    return issue
        return None
    raise ValueError(f"unknown answer kind {question.kind}")


def check_item_answer(
    sub: ItemQuestion,
    value: object,
    item: Item,
    others: Sequence[Item] = (),
    path: str | None = None,
) -> Issue | None:
    """Why `value` is not an answer to the item question `sub` about `item`, or None."""
    path = path or sub.key
    if sub.optional and value is None:
        return None
    if sub.kind == AnswerKind.YES_NO:
        return None if type(value) is bool else _issue(path, ErrorCode.NOT_A_BOOLEAN)
    if sub.kind == AnswerKind.DATE:
        return _check_date(path, value, item, is_end=sub.name == "end")
    options = sub.current_options(item, others)
    return _check_choice(path, value, options, sub.free_text)


def _check_choice(
    path: str, value: object, options: Sequence[str], free_text: bool
) -> Issue | None:
    if not isinstance(value, str):
        return _issue(path, ErrorCode.NOT_A_STRING)
    if free_text:
        return None if value.strip() else _issue(path, ErrorCode.BLANK)
    if value not in options:
        return _issue(path, ErrorCode.INVALID_CHOICE, value=value, allowed=", ".join(options))
    return None


def _check_date(path: str, value: object, item: Item, *, is_end: bool) -> Issue | None:
    if not isinstance(value, str):
        return _issue(path, ErrorCode.NOT_A_STRING)
    parsed = parse_date_text(value)
    if parsed is None or parsed.isoformat() != value:
        return _issue(path, ErrorCode.BAD_DATE, value=value)
    if not MIN_DATE <= parsed <= MAX_DATE:
        return _issue(
            path,
            ErrorCode.DATE_OUT_OF_RANGE,
            value=value,
            minimum=MIN_DATE.isoformat(),
            maximum=MAX_DATE.isoformat(),
        )
    start = item.get("start")
    # ISO dates compare as strings in date order.
    if is_end and isinstance(start, str) and start > value:
        return _issue(path, ErrorCode.START_AFTER_END, start=start, end=value)
    return None


_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_FIRST_DATE: Final = re.compile(r"([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})")


def parse_date_text(text: str) -> date | None:
    """A date typed by a person: `2005-09-15`, `15/9/2005`, `15.09.2005`, `15-9-2005`.

    Day first, as Greeks write dates; None if it is not a real date.
    """
    text = text.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
