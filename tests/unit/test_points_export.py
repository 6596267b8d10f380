"""The downloads: the JSON declaration file (and reading one back) and the PDF summary."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from bot.dialogs.points.export import declaration_problems as read_declaration_file
from bot.dialogs.points.export import summary_pdf
from bot.dialogs.points.pdf import BOLD_FONT, FONTS_DIR, REGULAR_FONT
from bot.i18n import get_translator
from bot.services.points.files import MAX_FILE_BYTES, declaration_json
from scoring import parse_declaration, score
from scoring.answers import answers_from_declaration

EL = get_translator("el")
EN = get_translator("en")
MADE_AT = datetime(2026, 9, 14, 9, 30, tzinfo=UTC)

DECLARATION = parse_declaration(
    {
        "titles": [
            {"kind": "master", "related": True, "id": "m"},
            {"kind": "second_degree", "related": False, "recognised": False},
        ],
        "keplinet_head_years": 6,
        "lab_experience_periods": [{"start": "2019-09-01", "end": "2020-11-15"}],
        "languages": [{"language": "Ελληνικά", "level": "C2"}, {"language": "en", "level": "B2"}],
        "eligibility": {"branch": "ΠΕ86", "days_per_week_at_school": 1},
    }
)
# γ 4 + ζ 5 (6 years, capped) + ιγ 1,208 (1 year, 2 months, 15 days) + ιθ 0,25
TOTAL = Decimal("10.458")


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_json_file_is_the_declaration_in_the_spec_format() -> None:
    data = declaration_json(DECLARATION)
    value = json.loads(data.decode("utf-8"))
    assert value["schema"] == "ysepehy-declaration/1"
    assert parse_declaration(value) == DECLARATION
    assert "Ελληνικά".encode() in data  # readable, not \\u escapes


def test_a_file_read_back_is_the_same_declaration() -> None:
    declaration, problems = read_declaration_file(EL, declaration_json(DECLARATION))
    assert (declaration, problems) == (DECLARATION, [])


def test_a_byte_order_mark_is_allowed() -> None:
    declaration, problems = read_declaration_file(EL, b"\xef\xbb\xbf" + b'{"titles": []}')
    assert problems == []
    assert declaration is not None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xfe{}", "The file is not UTF-8 text."),
        (b'{"titles": [}', "The file is not valid JSON (line 1, column 13)."),
        (b"[]", ": must be a JSON object."),
        (
            b'{"titles": [{"kind": "phd", "related": true, "continues": "x"}]}',
            "titles[0].continues: no title of the declaration has the id “x”.",
        ),
        (b'{"lab_manager_years": 3}', "lab_manager_years: unknown field (check the spelling)."),
        (b" " * (MAX_FILE_BYTES + 1), "This file is too large to be a declaration."),
    ],
)
def test_what_is_wrong_with_a_file_is_said_in_words(data: bytes, problem: str) -> None:
    declaration, problems = read_declaration_file(EN, data)
    assert declaration is None
    assert any(problem in p for p in problems), problems


def test_many_problems_are_counted_not_all_listed() -> None:
    bad = {name: -1 for name in ("keplinet_head_years", "lab_manager_effective_years")}
    bad |= {f"unknown_{i}": 1 for i in range(12)}
    _declaration, problems = read_declaration_file(EN, json.dumps(bad).encode())
    assert len(problems) == 11
    assert problems[-1] == "… and 4 more problems."


def test_the_greek_pdf_has_the_total_the_criteria_and_the_documents() -> None:
    result = score(DECLARATION)
    assert result.total == TOTAL
    pdf = summary_pdf(EL, result, answers_from_declaration(DECLARATION), made_at=MADE_AT)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Ενδεικτικό σύνολο: 10,458 μόρια" in text
    assert "γ) Μεταπτυχιακό σε συναφές αντικείμενο 1 τίτλος 4" in text
    assert "6 σχολικά έτη (ανώτατο όριο) 5" in text
    assert "1,208 έτη 1,208" in text
    assert "Δικαιολογητικά που θα χρειαστείτε" in text
    assert "Δ.Ο.Α.Τ.Α.Π." in text
    # Greek is not a foreign language; the unrecognised degree scores nothing: notes say so.
    assert "«Ελληνικά»: η ελληνική δεν είναι ξένη γλώσσα" in text
    assert "Ο τίτλος 2 (δεύτερο πτυχίο) είναι της αλλοδαπής" in text
    assert "Δεν πληροίτε τις προϋποθέσεις" in text
    assert "Οι απαντήσεις σας" in text
    assert "Κλάδος: ΠΕ86" in text
    assert "Συντάχθηκε στις 14 Σεπ 2026" in text
    # The disclaimer is read with the total, on the first page, before the criteria.
    first_page = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    disclaimer = "Τα μόρια είναι ενδεικτικά: ο σύλλογος διδασκόντων"
    assert first_page.index("Ενδεικτικό σύνολο") < first_page.index(disclaimer)
    assert first_page.index(disclaimer) < first_page.index("Μόρια ανά κριτήριο")


def test_the_english_pdf_speaks_english() -> None:
    result = score(DECLARATION)
    pdf = summary_pdf(EN, result, answers_from_declaration(DECLARATION), made_at=MADE_AT)
    text = text_of(pdf)
    assert "Provisional total: 10.458 points" in text
    assert "Points per criterion" in text
    assert "Documents you will need" in text


def test_a_pdf_with_nothing_met_says_so() -> None:
    empty = parse_declaration({})
    text = text_of(summary_pdf(EN, score(empty), answers_from_declaration(empty), made_at=MADE_AT))
    assert "Provisional total: 0 points" in text
    assert "No criterion is met." in text
    assert "Documents you will need" not in text


def test_the_fonts_ship_with_the_package_and_are_embedded() -> None:
    assert REGULAR_FONT.is_file()
    assert BOLD_FONT.is_file()
    assert (FONTS_DIR / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 0
    pdf = summary_pdf(EL, score(DECLARATION), {}, made_at=MADE_AT)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts |= {str(font.get_object()["/BaseFont"]) for font in resources["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts), fonts


def test_the_bot_starts_without_importing_fpdf() -> None:
    """fpdf costs about 20 MB and a fifth of a second: it is loaded with the first PDF."""
    code = "import sys, bot.app, bot.web; print('fpdf' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
