"""Message catalog maintenance: `update` (extract + merge) and `check` (untranslated).

Message ids are English, so the `en` catalog is filled from the ids where it is
empty (a translator may still override an entry); `el` must be translated by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
KEYWORDS = ["-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2"]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, no_location=True)


def untranslated(catalog: Catalog) -> list[str]:
    """Ids with an empty (or partly empty plural) or fuzzy translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    subprocess.run(
        [PYBABEL, "-q", "extract", "-F", "babel.cfg", *KEYWORDS, "--no-location",
         "--sort-output", "--project", "keplibot", "--copyright-holder", "keplibot",
         "-o", str(POT), "bot", "handlers", "teams"],
        check=True, cwd=ROOT,
    )  # fmt: skip
    for locale in ("el", "en"):
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            subprocess.run(
                [PYBABEL, "-q", "init", "-i", str(POT), "-d", str(LOCALES), "-l", locale],
                check=True, cwd=ROOT,
            )  # fmt: skip
        else:
            subprocess.run(
                [PYBABEL, "-q", "update", "-i", str(POT), "-d", str(LOCALES), "-l", locale,
                 "--no-fuzzy-matching", "--ignore-obsolete"],
                check=True, cwd=ROOT,
            )  # fmt: skip
        catalog = _read(po, locale)
        if locale == "en":
            for message in catalog:
                if not message.id:
                    continue
                if isinstance(message.id, tuple | list):
                    if not all(message.string or ()):
                        message.string = tuple(message.id)
                elif not message.string:
                    message.string = message.id
        _write(po, catalog)
    check(quiet=False)


def check(quiet: bool = True) -> int:
    bad = 0
    for locale in ("el", "en"):
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        missing = untranslated(_read(po, locale))
        for msgid in missing:
            print(f"{locale}: untranslated: {msgid!r}")
        bad += len(missing)
    if not quiet or bad:
        print(f"{bad} untranslated message(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(f"usage: {sys.argv[0]} update|check")
