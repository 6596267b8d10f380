"""The message catalogs are complete and consistent; locale choice and number formatting."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR, get_translator, pick_locale
from tools.i18n import KEYWORDS, ROOT, untranslated

PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # for stripping only; fields() reads them
# A Latin-letter word of three letters or more, outside {placeholders} and /commands.
LATIN_WORD = re.compile(r"(?<![/{\w])[A-Za-z]{3,}")
GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")

# Greek messages that may legitimately read like their English ids (product names,
# symbols). Keep it short: every entry is a message a Greek reader sees in English.
SAME_IN_GREEK: frozenset[str] = frozenset(
    {
        "bot",  # the emulator page's sender tag; Greek users say "bot" too
    }
)


def load(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def source_message_ids() -> set[str]:
    """Every message id in the code, extracted with the keywords `make i18n` uses."""
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(KEYWORDS[1::2]))
    ids: set[str] = set()
    for directory in ("bot", "handlers", "teams"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory, method_map=[("**.py", "python")], keywords=keywords
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale: str) -> None:
    missing = untranslated(load(locale))
    assert missing == [], f"{locale}: untranslated or fuzzy (fill them in after make i18n)"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_code_is_in_the_catalog(locale: str) -> None:
    catalog = load(locale)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in messages(catalog)}
    missing = sorted(source_message_ids() - known)
    assert missing == [], "run `make i18n` and translate the new messages"


def test_greek_messages_are_written_in_greek() -> None:
    forgotten = []
    for message in messages(load("el")):
        msgid = forms(message.id)[0]
        if msgid in SAME_IN_GREEK or not LATIN_WORD.search(PLACEHOLDER.sub("", msgid)):
            continue
        for string in forms(message.string):
            if string and (string in forms(message.id) or not GREEK_LETTER.search(string)):
                forgotten.append(msgid)
    assert forgotten == []


def fields(text: str) -> list[str]:
    """The `{...}` replacement fields of a str.format text (`{{` and `}}` are literal)."""
    try:
        return sorted(
            f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            for _literal, name, spec, conversion in Formatter().parse(text)
            if name is not None
        )
    except ValueError as exc:  # unbalanced braces: .format() would raise at run time
        return [f"<not a format string: {exc}>"]


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_the_same_in_the_translation(locale: str) -> None:
    mismatched = []
    for message in messages(load(locale)):
        expected = fields(forms(message.id)[-1])
        for string in forms(message.string):
            if string and fields(string) != expected:
                mismatched.append((forms(message.id)[0], string))
    assert mismatched == []


def test_placeholder_fields_are_read_like_str_format_reads_them() -> None:
    assert fields("{n} of {total:,}") == ["{n}", "{total:,}"]
    assert fields("{{centre: SLUG}} for {name}") == ["{name}"]
    assert fields("a { b")[0].startswith("<not a format string")


@pytest.mark.parametrize(
    ("locale", "value", "text"),
    [
        ("el", Decimal("0.5"), "0,5 μόρια"),
        ("el", 1, "1 μόριο"),
        ("el", Decimal("1.0"), "1 μόριο"),
        ("el", 2, "2 μόρια"),
        ("el", Decimal("12.25"), "12,25 μόρια"),
        ("el", 0, "0 μόρια"),
        ("en", 1, "1 point"),
        ("en", Decimal("0.5"), "0.5 points"),
        ("en", Decimal("2.25"), "2.25 points"),
    ],
)
def test_points_are_written_the_way_each_language_writes_them(
    locale: str, value: Decimal | int, text: str
) -> None:
    assert get_translator(locale).points(value) == text


def test_numbers_use_the_greek_decimal_comma_and_thousands_dot() -> None:
    assert get_translator("el").number(Decimal("1234.5")) == "1.234,5"
    assert get_translator("en").number(Decimal("1234.5")) == "1,234.5"


def test_dates_are_written_in_each_language() -> None:
    day = date(2026, 9, 1)
    assert get_translator("el").date(day, "long") == "1 Σεπτεμβρίου 2026"
    assert get_translator("en").date(day, "long") == "September 1, 2026"


@pytest.mark.parametrize(
    ("stored", "telegram", "default", "chosen"),
    [
        ("en", "el", "el", "en"),  # the user's own choice wins
        ("el", "en-US", "en", "el"),
        (None, "en", "el", "en"),  # else Telegram's language, if we speak it
        (None, "en-GB", "el", "en"),
        (None, "el", "en", "el"),
        (None, "de", "el", "el"),  # else the default
        (None, "de", "en", "en"),
        (None, None, "el", "el"),
        ("fr", None, "en", "en"),  # a stored value we do not speak is ignored
        (None, "", "el", "el"),
    ],
)
def test_the_locale_is_the_choice_then_telegram_then_the_default(
    stored: str | None, telegram: str | None, default: str, chosen: str
) -> None:
    assert pick_locale(stored, telegram, default) == chosen


def test_an_unknown_locale_gets_the_default_translator() -> None:
    assert get_translator("fr").locale == "el"
    assert get_translator("en-US").locale == "en"


def test_translators_translate_menu_labels() -> None:
    assert get_translator("el").gettext("Points calculation") == "Υπολογισμός μορίων"
    assert get_translator("en").gettext("Points calculation") == "Points calculation"
