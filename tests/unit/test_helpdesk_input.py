"""Ids from callback data and free text from users, made safe before they reach the database."""

from __future__ import annotations

import pytest

from bot.services.helpdesk.ticket_access import MAX_ROW_ID, MAX_TELEGRAM_ID, parse_id
from bot.services.text_clean import clean_file_name, clean_line, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ROW_ID), MAX_ROW_ID),
        (str(MAX_ROW_ID + 1), None),  # over the integer column
        ("9" * 20, None),  # 20 digits: once an OverflowError
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1x", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() says yes, no column does
        ("", None),
    ],
)
def test_an_id_is_a_positive_number_that_fits_the_column(raw: str, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_pages_start_at_zero_and_telegram_ids_are_64_bit() -> None:
    assert parse_id("0", minimum=0) == 0
    assert parse_id(str(MAX_TELEGRAM_ID), maximum=MAX_TELEGRAM_ID) == MAX_TELEGRAM_ID
    assert parse_id(str(MAX_TELEGRAM_ID + 1), maximum=MAX_TELEGRAM_ID) is None


def test_control_characters_go_line_breaks_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x07c\x1b[0m\u0085d\ud800e") == "abc[0mde"
    assert clean_text("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"
    assert clean_text("Καλημέρα 👋\u200b") == "Καλημέρα 👋\u200b"  # not control characters


def test_a_line_is_tidied_and_cut() -> None:
    assert clean_line("  Μαρία\x00  Π.\n", 200) == "Μαρία Π."
    assert clean_line("α" * 300, 200) == "α" * 200


def test_a_long_file_name_keeps_its_extension() -> None:
    name = clean_file_name("σάρωση " + "α" * 300 + ".pdf")
    assert name is not None
    assert len(name) == 255
    assert name.endswith("α.pdf")
    assert clean_file_name("x" * 300) == "x" * 255
    assert clean_file_name("a.b" + "c" * 300) == ("a.b" + "c" * 300)[:255]  # no real extension
    assert clean_file_name("scan\x00.pdf") == "scan.pdf"
    assert clean_file_name(None) is None
    assert clean_file_name("\x00") is None
