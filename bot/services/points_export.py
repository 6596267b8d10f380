"""The downloads of a points declaration: the JSON file and a readable PDF summary.

- `declaration_json`: the declaration in the spec's format
  (`ysepehy-declaration/1`, or `/2` when it uses a field of revision 2), the
  file `keplibot score` reads and the bot scores when it is sent back.
- `read_declaration_file`: such a file sent back, validated, or what is wrong with it.
- `summary_pdf`: the total with the disclaimer under it, the points per
  criterion, notes, eligibility, the documents to gather and the answers given,
  in the reader's language. Greek needs a Unicode font: DejaVu Sans ships in `bot/assets/fonts`
  (with its licence), so nothing is downloaded or looked up on the system.

Building a PDF takes a few hundred milliseconds of CPU: async callers run
`summary_pdf` in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from bot.i18n import Translator
from bot.services import json_input
from bot.services.points import (
    error_text,
)
from scoring import (
    Declaration,
    DeclarationInvalid,
    ScoreResult,
    declaration_to_json,
    parse_declaration,
)

JSON_FILENAME: Final = "ysepehy-declaration.json"
PDF_FILENAME: Final = "ysepehy-points.pdf"
# A real declaration is well under 10 KB; anything far larger is something else.
MAX_FILE_BYTES: Final = 256 * 1024
MAX_PROBLEMS: Final = 10  # validation errors listed; the rest are counted


def declaration_json(declaration: Declaration) -> bytes:
    """The declaration as a UTF-8 JSON file (Greek kept readable, indented)."""
    text = json.dumps(declaration_to_json(declaration), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def read_declaration_file(tr: Translator, data: bytes) -> tuple[Declaration | None, list[str]]:
    """A declaration file's contents, validated: (the declaration, []) or (None, problems).

    Problems are sentences in `tr`'s language; validation errors name the field
    (`titles[1].continues: ...`). A UTF-8 byte order mark is allowed (Windows
    editors write one).
    """
    _ = tr.gettext
    if len(data) > MAX_FILE_BYTES:
        return None, [_("This file is too large to be a declaration.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [_("The file is not UTF-8 text.")]
    try:
        value = json_input.loads(text)
    except json_input.JsonRefused as refused:
        if refused.code == "invalid_json":
            message = _("The file is not valid JSON (line {line}, column {column}).")
            return None, [message.format(line=refused.line, column=refused.column)]
        # Nested too deeply, or a number thousands of digits long: say which.
        return None, [json_input.problem_text(tr, refused)]
    try:
        return parse_declaration(value), []
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
    from bot.services import points_pdf

    return points_pdf.summary_pdf(tr, result, answers, made_at=made_at)
