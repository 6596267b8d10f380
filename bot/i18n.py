"""Babel gettext catalogs and locale-aware formatting, one translator per locale.

Message ids are English source strings; `el` (the default) and `en` catalogs
live in `locales/<lang>/LC_MESSAGES/messages.po`. There is no process-wide
`install()`: every caller asks for the translator of the user it answers.

Usage::

    tr = get_translator("el")
    _ = tr.gettext
    _("Your total is {total}").format(total=tr.points(total))

Strings defined in tables (module level) are marked with `N_()` so that
`pybabel extract` finds them, and translated at use time with `tr.gettext`.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

log = logging.getLogger(__name__)

LOCALES: Final = ("el", "en")
DEFAULT_LOCALE: Final = "el"
DOMAIN: Final = "messages"
LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated at use time)."""
    return message


def normalise_locale(code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """`el`, `el-GR`, `en_US` → a supported locale; anything else → `default`."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def pick_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's stored choice, else Telegram's language_code if supported, else default."""
    if stored in LOCALES:
        return stored
    fallback = normalise_locale(default, DEFAULT_LOCALE)
    return normalise_locale(telegram_code, fallback)


def _load_catalog(locale: str) -> _gettext.NullTranslations:
    mo = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if po.exists():
        # A fresh checkout has no .mo yet (they are built, not committed): compile in memory.
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    log.error("no message catalog for locale %s in %s", locale, LOCALES_DIR)
    return _gettext.NullTranslations()


@dataclass(frozen=True, eq=False)
class Translator:
    """Translation and formatting for one locale."""

    locale: str
    catalog: _gettext.NullTranslations

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.catalog.pgettext(context, message)

    def number(self, value: Decimal | int | float, *, max_places: int = 3) -> str:
        """A number in the locale's style: `0,5` in Greek, `0.5` in English."""
        if isinstance(value, float):
            value = Decimal(str(value))
        fmt = "#,##0" + ("." + "#" * max_places if max_places else "")
        return format_decimal(value, format=fmt, locale=self.locale)

    def points(self, value: Decimal | int) -> str:
        """`1 μόριο`, `0,5 μόρια`, `1 point`, `2.25 points`."""
        # gettext plural forms take integers only: any non-one value is plural.
        n = 1 if Decimal(value) == 1 else 2
        return self.ngettext("{n} point", "{n} points", n).format(n=self.number(value))

    def date(self, value: date, fmt: str = "medium") -> str:
        return format_date(value, format=fmt, locale=self.locale)

    def time(self, value: time | datetime, fmt: str = "short") -> str:
        return format_time(value, format=fmt, locale=self.locale)

    def datetime(self, value: datetime, fmt: str = "medium", tzinfo: object = None) -> str:
        return format_datetime(value, format=fmt, tzinfo=tzinfo, locale=self.locale)  # type: ignore[arg-type]


@lru_cache(maxsize=len(LOCALES))
def get_translator(locale: str | None = None) -> Translator:
    """The translator of `locale` (normalised; unknown → the default locale)."""
    code = normalise_locale(locale)
    return Translator(code, _load_catalog(code))


def reload_catalogs() -> None:
    """Forget loaded catalogs (tests, or after `make i18n`)."""
    get_translator.cache_clear()
