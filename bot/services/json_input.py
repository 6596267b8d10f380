"""Reading JSON that people send (a declaration file in chat, `keplibot score`), safely.

`json.loads` alone turns some inputs into crashes instead of answers: nesting deeper
than Python's recursion limit raises RecursionError, and an integer of more than
4300 digits raises ValueError (CPython's guard against quadratic conversion). A
declaration is a few levels deep and its numbers are days, years and grades, so
both limits here are far above any real file and far below what hurts:

- `MAX_DEPTH` levels of arrays and objects, checked before parsing;
- `MAX_DIGITS` digits in a number, checked as each number is read.

Standard library only: `keplibot score` imports it and must start fast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final, Protocol

MAX_DEPTH: Final = 32
MAX_DIGITS: Final = 40

_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET: Final = re.compile(r"[\[\]{}]")


@dataclass
class JsonRefused(ValueError):
    """Why a text is not accepted as JSON; `code` is invalid_json, too_deep or number_too_long.

    For invalid_json, `line`/`column` locate the problem and `detail` is the parser's
    (English) message; for number_too_long, `detail` is the number's start and
    `digits` its length.
    """

    code: str
    line: int = 0
    column: int = 0
    detail: str = ""
    digits: int = 0

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


def depth_of(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (strings are skipped)."""
    deepest = depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _checked(number: str) -> str:
    digits = sum(c.isdigit() for c in number)
    if digits > MAX_DIGITS:
        raise JsonRefused("number_too_long", detail=number[:12] + "…", digits=digits)
    return number


def loads(text: str) -> Any:
    """Parse `text` (a leading byte-order mark is ignored) or raise `JsonRefused`."""
    text = text.removeprefix("\ufeff")
    if depth_of(text) > MAX_DEPTH:
        raise JsonRefused("too_deep")
    try:
        return json.loads(
            text,
            parse_int=lambda s: int(_checked(s)),
            parse_float=lambda s: float(_checked(s)),
        )
    except json.JSONDecodeError as exc:
        raise JsonRefused(
            "invalid_json", line=exc.lineno, column=exc.colno, detail=exc.msg
        ) from None
    except RecursionError:  # pragma: no cover - depth_of refuses such texts first
        raise JsonRefused("too_deep") from None


class _Gettext(Protocol):
    def gettext(self, message: str) -> str: ...


def problem_text(tr: _Gettext, refused: JsonRefused) -> str:
    """What is wrong with the text, as one sentence in `tr`'s language."""
    _ = tr.gettext
    if refused.code == "too_deep":
        return _(
            "It is nested too deeply to be a declaration (more than {levels} levels of brackets)."
        ).format(levels=MAX_DEPTH)
    if refused.code == "number_too_long":
        return _(
            "It has a number with {digits} digits ({start}): far too long for a declaration."
        ).format(digits=refused.digits, start=refused.detail)
    return _("It is not valid JSON (line {line}, column {column}).").format(
        line=refused.line, column=refused.column
    )
