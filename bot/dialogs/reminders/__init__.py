"""The reminders' screens: following deadlines, the reminders themselves, managing the
deadlines (staff), the calendar; worded per reader, channel-neutral (`bot.ui.Screen`).

Dialog functions that need data open their own sessions with the `Sessions`
factory they are given (the application's session maker), or take the running bot's
`bot.runtime.Runtime` (its settings, sessions and clock).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias

# The application's session maker: `async with sessions() as session: ...`.
Sessions: TypeAlias = Callable[[], AbstractAsyncContextManager[Any]]
