"""The Bot API methods: validation, effects on the world, and Telegram's JSON answers.

One module per group of methods (getting updates, sending, editing, the bot's profile,
chats), each registering its methods with `@api_method` (`base`); importing this package
registers them all, and `lookup` finds one by its Bot API name, case-insensitively.
"""

from __future__ import annotations

from bot.emulator.methods import chats, editing, profile, sending, updates
from bot.emulator.methods.base import METHODS, Handler

# The method modules register themselves when imported.
GROUPS = (updates, sending, editing, profile, chats)


def lookup(method: str) -> tuple[str, Handler] | None:
    """(Bot API name, handler) of `method`, matched case-insensitively; None if unknown."""
    return METHODS.get(method.lower())
