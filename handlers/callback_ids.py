"""Ids in callback data, parsed in one place.

A button's data comes back from the user's app and can be anything a modified
client sends: a 20-digit number, a negative one, letters, extra parts. Every
handler that reads an id from callback data goes through here, and anything
that does not name a row a column can hold is None, which the handlers answer
with "This button is no longer active." (never an exception or the generic
apology).
"""

from __future__ import annotations

from bot.services.helpdesk.ticket_access import MAX_ROW_ID, MAX_TELEGRAM_ID, parse_id

__all__ = ["MAX_ROW_ID", "MAX_TELEGRAM_ID", "last_id", "parse_id", "verb_and_id"]


def verb_and_id(data: str | None, prefix: str) -> tuple[str, int] | None:
    """("verb", id) from "<prefix>:<verb>:<id>", or None for anything else."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != prefix or not parts[1]:
        return None
    number = parse_id(parts[2])
    return None if number is None else (parts[1], number)


def last_id(data: str | None, prefix: str) -> int | None:
    """The id at the end of "<prefix><id>" (e.g. "rp:dup:" + "42"), or None."""
    value = data or ""
    if not value.startswith(prefix):
        return None
    return parse_id(value.removeprefix(prefix))
