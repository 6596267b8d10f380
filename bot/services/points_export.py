"""The downloads of a points declaration: the JSON file and a readable PDF summary.

- `declaration_json`: the declaration in the spec's format
  (`ysepehy-declaration/1`), the file `keplibot score` reads and the bot scores
  when it is sent back.
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
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot.i18n import Translator
from bot.services import json_input
from bot.services.points import (
    criterion_label,
    disclaimer,
    documents_for,
    error_text,
    note_text,
    reason_text,
    unit_quantity,
)
from bot.services.points_chat import answer_lines, question_label
from scoring import (
    Declaration,
    DeclarationInvalid,
    ScoreResult,
    declaration_to_json,
    parse_declaration,
)

FONTS_DIR: Final = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT: Final = "DejaVu"
REGULAR_FONT: Final = FONTS_DIR / "DejaVuSans.ttf"
BOLD_FONT: Final = FONTS_DIR / "DejaVuSans-Bold.ttf"

JSON_FILENAME: Final = "ysepehy-declaration.json"
PDF_FILENAME: Final = "ysepehy-points.pdf"
# A real declaration is well under 10 KB; anything far larger is something else.
MAX_FILE_BYTES: Final = 256 * 1024
MAX_PROBLEMS: Final = 10  # validation errors listed; the rest are counted

_GREY: Final = (90, 90, 90)
_BLACK: Final = (0, 0, 0)


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


class _Summary(FPDF):
    """An A4 page set up with the bundled Unicode font and page numbers in the footer."""

    def __init__(self, tr: Translator) -> None:
        super().__init__(format="A4")
        self.tr = tr
        self.add_font(FONT, "", str(REGULAR_FONT))
        self.add_font(FONT, "B", str(BOLD_FONT))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*_GREY)
        self.cell(0, 6, f"keplibot · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*_BLACK)

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L)
        self.ln(1)

    def paragraph(self, text: str, size: float = 10, *, grey: bool = False) -> None:
        self.set_font(FONT, "", size)
        if grey:
            self.set_text_color(*_GREY)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L)
        self.set_text_color(*_BLACK)

    def bullet(self, text: str, size: float = 10, indent: float = 4) -> None:
        self.set_font(FONT, "", size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent,
            size * 0.5,
            f"•  {text}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align=Align.L,
        )


def _criteria_table(pdf: _Summary, tr: Translator, result: ScoreResult) -> None:
    _ = tr.gettext
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=(9, 85, 48, 26),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row(["", _("Criterion"), _("Counted"), _("Points")])
        for outcome in result.met:
            criterion = result.ruleset.by_key[outcome.key]
            counted = unit_quantity(tr, criterion.unit, outcome.quantity)
            if outcome.capped:
                counted = f"{counted} ({_('cap reached')})" if counted else _("cap reached")
            table.row(
                [
                    f"{outcome.key})",
                    criterion_label(tr, outcome.key),
                    counted,
                    tr.number(outcome.points),
                ]
            )


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
    _ = tr.gettext
    pdf = _Summary(tr)
    pdf.set_title(_("Provisional points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.)"))
    pdf.set_creator("keplibot")
    pdf.set_lang(tr.locale)
    pdf.add_page()

    pdf.heading(_("Provisional points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.)"), 15)
    ruleset = result.ruleset
    pdf.paragraph(
        _("Circular {circular} of {circular_date}. Made on {date}.").format(
            circular=ruleset.name,
            circular_date=tr.date(date.fromisoformat(ruleset.date)),
            date=tr.date(made_at.date()),
        ),
        9,
        grey=True,
    )
    pdf.heading(
        _("Provisional total: {total} of {maximum}").format(
            total=tr.points(result.total), maximum=tr.number(ruleset.max_total)
        ),
        14,
    )
    # Right under the total, where it is read (at the end it may stand alone on a last page).
    pdf.paragraph(disclaimer(tr), 9, grey=True)

    pdf.heading(_("Points per criterion"))
    if result.met:
        _criteria_table(pdf, tr, result)
    else:
        pdf.paragraph(_("No criterion is met."))

    if result.notes:
        pdf.heading(_("Notes"))
        for note in result.notes:
            pdf.bullet(note_text(tr, note))

    if result.eligibility is not None:
        pdf.heading(_("Eligibility"))
        pdf.paragraph(
            _("Eligible: you can be appointed lab manager.")
            if result.eligibility.eligible
            else _("Not eligible: you cannot be appointed lab manager at this school.")
        )
        for reason in result.eligibility.reasons:
            pdf.bullet(reason_text(tr, reason))

    if result.met:
        pdf.heading(_("Documents you will need"))
        for outcome in result.met:
            pdf.set_font(FONT, "B", 10)
            pdf.multi_cell(
                0,
                5,
                f"{outcome.key}) {criterion_label(tr, outcome.key)}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                align=Align.L,
            )
            for text in documents_for(tr, outcome.key):
                pdf.bullet(text, 9.5)

    pdf.heading(_("Your answers"))
    for question, text in answer_lines(tr, answers):
        pdf.bullet(f"{question_label(tr, question)}: {text}", 9.5, indent=0)
    return bytes(pdf.output())
