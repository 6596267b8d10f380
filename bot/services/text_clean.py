"""Free text from users, made fit to store: no control characters, within the column.

PostgreSQL refuses a NUL character in text (SQLite stores it), so a report with
one could never be sent; other control characters (C0 and C1) are invisible
noise from copy and paste. Line breaks and tabs are kept. Lone surrogates
(which no UTF-8 database accepts) are dropped too.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

KEPT = frozenset("\n\t")
MAX_FILE_NAME = 255  # ticket_attachments.file_name


def clean_text(text: str) -> str:
    """`text` without NUL and the other C0/C1 control characters (except \\n and \\t).

    A carriage return before a line feed is dropped, a lone one becomes a line feed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in KEPT or unicodedata.category(ch) not in ("Cc", "Cs"))


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def clean_line(text: str, limit: int) -> str:
    """One line of at most `limit` characters (names, a lab, a device): cleaned, spaces tidied."""
    return " ".join(clean_text(text).split())[:limit]


def clean_file_name(name: str | None, limit: int = MAX_FILE_NAME) -> str | None:
    """A file name cleaned and cut to `limit` characters, keeping its extension."""
    if name is None:
        return None
    name = " ".join(clean_text(name).replace("\n", " ").replace("\t", " ").split())
    if len(name) <= limit:
        return name or None
    suffix = PurePosixPath(name).suffix
    if len(suffix) > 16 or len(suffix) >= limit:  # not an extension worth keeping
        suffix = ""
    return name[: limit - len(suffix)].rstrip() + suffix
