"""The fingerprint of what a Telegram message shows, so that an edit is made only when it
changes something.

Telegram refuses an edit that changes neither the text nor the buttons ("message
is not modified"); in a staff group every such refusal also counts against the
group's 20 messages a minute. The runtime's `ShownContent` (`bot.runtime`) remembers
the `digest` of the content the bot last gave each message (sent or edited).
"""

from __future__ import annotations

import hashlib
import json

from telegram import InlineKeyboardMarkup


def digest(text: str, parse_mode: str | None, markup: InlineKeyboardMarkup | None) -> str:
    """A fingerprint of what a message shows: its text (as sent), parse mode and buttons."""
    buttons = markup.to_dict() if markup is not None else None
    body = json.dumps([text, parse_mode, buttons], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()
