"""What each bot message shows now, so that an edit is made only when it changes something.

Telegram refuses an edit that changes neither the text nor the buttons ("message
is not modified"); in a staff group every such refusal also counts against the
group's 20 messages a minute. `ShownContent` remembers a digest of the content
the bot last gave each message (sent or edited), in memory and bounded: after a
restart, or for a message it no longer remembers, the edit is simply made.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Final

from telegram import InlineKeyboardMarkup

MAX_REMEMBERED: Final = 20_000


def digest(text: str, parse_mode: str | None, markup: InlineKeyboardMarkup | None) -> str:
    """A fingerprint of what a message shows: its text (as sent), parse mode and buttons."""
    buttons = markup.to_dict() if markup is not None else None
    body = json.dumps([text, parse_mode, buttons], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class ShownContent:
    """(chat id, message id) → digest of its content, the most recently used kept."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._limit = limit
        self._digests: OrderedDict[tuple[int, int], str] = OrderedDict()

    def unchanged(self, chat_id: int, message_id: int, content: str) -> bool:
        """True when the message is known to show exactly `content` already."""
        return self._digests.get((chat_id, message_id)) == content

    def remember(self, chat_id: int, message_id: int, content: str) -> None:
        key = (chat_id, message_id)
        self._digests[key] = content
        self._digests.move_to_end(key)
        while len(self._digests) > self._limit:
            self._digests.popitem(last=False)

    def __len__(self) -> int:
        return len(self._digests)
