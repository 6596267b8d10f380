"""The reminders' screens: following deadlines, the reminders themselves, managing the
deadlines (staff), the calendar; worded per reader, channel-neutral (`bot.ui.Screen`).

Dialog functions that need data open their own sessions with the `Sessions`
factory they are given (the application's session maker).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from bot.config import Settings

# The application's session maker: `async with sessions() as session: ...`.
Sessions: TypeAlias = Callable[[], AbstractAsyncContextManager[Any]]


class AppRuntime(Protocol):
    """What the reminders' dialogs use of the running application (its `Runtime`)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...
