"""The CSV export of tickets: what people typed stays text in a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from bot.commands.tickets import export_csv
from bot.config import load_settings
from bot.i18n import get_translator
from tests.unit.test_helpdesk_text import TICKET


def test_typed_text_that_looks_like_a_formula_stays_text() -> None:
    ticket = replace(
        TICKET,
        description='=HYPERLINK("http://example.org/x","Πατήστε")',
        equipment="+30 PC",
        lab="@lab",
        reporter_name="-Μαρία",
    )
    text = export_csv(get_translator("el"), load_settings(), [ticket, TICKET])
    first, second = csv.DictReader(io.StringIO(text))
    assert first["description"] == '\'=HYPERLINK("http://example.org/x","Πατήστε")'
    assert (first["equipment"], first["lab"], first["reporter"]) == ("'+30 PC", "'@lab", "'-Μαρία")
    # Ordinary text is left as it was typed.
    assert second["description"] == TICKET.description
    assert second["lab"] == TICKET.lab
    assert second["reference"] == "KPL-2026-00042"
