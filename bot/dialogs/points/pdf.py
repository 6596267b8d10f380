"""The PDF summary of a points result (see `bot.dialogs.points.export`).

Its own module so that fpdf is imported only when a PDF is made: `export`
imports this module inside `summary_pdf`. Greek needs a Unicode font: DejaVu
Sans ships in `bot/assets/fonts` (with its licence), so nothing is downloaded or
looked up on the system. Labels, documents and answers are those of
`result.ruleset`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot.dialogs.points.chat import answer_lines, question_label
from bot.dialogs.points.labels import criterion_label, documents_for, unit_quantity
from bot.dialogs.points.words import disclaimer, eligibility_lines, note_text, total_text
from bot.i18n import Translator
from scoring import ScoreResult
from scoring.interview import interview_for

FONTS_DIR: Final = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT: Final = "DejaVu"
REGULAR_FONT: Final = FONTS_DIR / "DejaVuSans.ttf"
BOLD_FONT: Final = FONTS_DIR / "DejaVuSans-Bold.ttf"

_GREY: Final = (90, 90, 90)
_BLACK: Final = (0, 0, 0)


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
                    criterion_label(tr, result.ruleset, outcome.key),
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
    pdf.heading(_("Provisional total: {total}").format(total=total_text(tr, result)), 14)
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
        verdict, *reasons = eligibility_lines(tr, result.eligibility)
        pdf.paragraph(verdict)
        for reason in reasons:
            pdf.bullet(reason.removeprefix("• "))

    if result.met:
        pdf.heading(_("Documents you will need"))
        for outcome in result.met:
            pdf.set_font(FONT, "B", 10)
            pdf.multi_cell(
                0,
                5,
                f"{outcome.key}) {criterion_label(tr, ruleset, outcome.key)}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                align=Align.L,
            )
            for text in documents_for(tr, ruleset, outcome.key):
                pdf.bullet(text, 9.5)

    pdf.heading(_("Your answers"))
    for question, text in answer_lines(tr, interview_for(ruleset), answers):
        pdf.bullet(f"{question_label(tr, ruleset, question)}: {text}", 9.5, indent=0)
    return bytes(pdf.output())
