"""The downloads of a points result, in words: a declaration file's problems, the PDF.

- `declaration_problems`: a declaration file sent back, validated
  (`bot.services.points.files`), or what is wrong with it in the reader's language.
- `summary_pdf`: the total with the disclaimer under it, the points per
  criterion, notes, eligibility, the documents to gather and the answers given,
  in the reader's language, under the result's own ruleset.

Building a PDF takes a few hundred milliseconds of CPU: async callers run
`summary_pdf` in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from bot.dialogs.points.words import error_text
from bot.i18n import Translator
from bot.services import json_input
from bot.services.points.files import FileRefused, read_declaration_file
from scoring import Declaration, DeclarationInvalid, ScoreResult

MAX_PROBLEMS: Final = 10  # validation errors listed; the rest are counted


def refusal_text(tr: Translator, refused: FileRefused) -> str:
    """Why a file is not a declaration at all, in one sentence."""
    _ = tr.gettext
    if refused.reason == "too_large":
        return _("This file is too large to be a declaration.")
    if refused.reason == "not_utf8":
        return _("The file is not UTF-8 text.")
    json_refused = refused.json_refused
    assert json_refused is not None
    if json_refused.code == "invalid_json":
        message = _("The file is not valid JSON (line {line}, column {column}).")
        return message.format(line=json_refused.line, column=json_refused.column)
    # Nested too deeply, or a number thousands of digits long: say which.
    return json_input.problem_text(tr, json_refused)


def declaration_problems(tr: Translator, data: bytes) -> tuple[Declaration | None, list[str]]:
    """A declaration file's contents, validated: (the declaration, []) or (None, problems).

    Problems are sentences in `tr`'s language; validation errors name the field
    (`titles[1].continues: ...`).
    """
    try:
        return read_declaration_file(data), []
    except FileRefused as refused:
        return None, [refusal_text(tr, refused)]
    except DeclarationInvalid as exc:
        problems = [error_text(tr, issue) for issue in exc.issues[:MAX_PROBLEMS]]
        hidden = len(exc.issues) - len(problems)
        if hidden > 0:
            problems.append(
                tr.ngettext("… and {n} more problem.", "… and {n} more problems.", hidden).format(
                    n=hidden
                )
            )
        return None, problems


def summary_pdf(
    tr: Translator,
    result: ScoreResult,
    answers: Mapping[str, Any],
    *,
    made_at: datetime,
) -> bytes:
    """The PDF summary of `result` (scored from `answers`) in `tr`'s language.

    `made_at` is printed as the date the summary was made.
    """
    # fpdf (about 20 MB and a fifth of a second to import) is loaded with the first PDF
    # asked for, not at every start of the bot.
    from bot.dialogs.points import pdf

    return pdf.summary_pdf(tr, result, answers, made_at=made_at)
