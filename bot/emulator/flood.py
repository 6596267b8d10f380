"""Telegram's sending limits, answered with 429 and `retry_after` when exceeded.

Telegram documents about 30 messages per second overall, 1 per second in one
private chat (short bursts are tolerated) and 20 per minute in one group; it does
not document how it counts. The emulator models them as token buckets overall
(30 a second, up to 30 at once: what PTB's own `AIORateLimiter` may send) and per
private chat (1 a second, up to 3 at once), and a sliding one-minute window per
group.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FloodControl:
    """Admission of outgoing messages; all times in seconds of `clock`."""

    overall_per_second: int = 30
    overall_burst: int | None = None  # None: as many as `overall_per_second`
    per_chat_per_second: float = 1.0
    group_per_minute: int = 20
    burst: int = 3
    clock: Callable[[], float] = time.monotonic
    _overall: _Bucket | None = field(default=None, init=False)
    _buckets: dict[int, _Bucket] = field(default_factory=dict, init=False)
    _groups: dict[int, deque[float]] = field(default_factory=dict, init=False)

    def acquire(self, chat_id: int, *, is_group: bool) -> int | None:
        """Take one message slot for `chat_id`: None if allowed, else whole seconds to wait."""
        now = self.clock()
        overall = self._overall_refilled(now)
        wait = 0.0
        if overall.tokens < 1.0:
            wait = (1.0 - overall.tokens) / self.overall_per_second
        if is_group:
            window = self._groups.setdefault(chat_id, deque())
            wait = max(wait, self._window_wait(window, self.group_per_minute, 60.0, now))
        else:
            bucket = self._refilled(chat_id, now)
            if bucket.tokens < 1.0:
                wait = max(wait, (1.0 - bucket.tokens) / self.per_chat_per_second)
        if wait > 0:
            return max(1, math.ceil(wait))
        overall.tokens -= 1.0
        if is_group:
            self._groups[chat_id].append(now)
        else:
            self._buckets[chat_id].tokens -= 1.0
        return None

    def _overall_refilled(self, now: float) -> _Bucket:
        bucket = self._overall
        capacity = float(self.overall_burst or self.overall_per_second)
        if bucket is None:
            bucket = self._overall = _Bucket(capacity, now)
        bucket.tokens = min(
            capacity,
            bucket.tokens + (now - bucket.updated) * self.overall_per_second,
        )
        bucket.updated = now
        return bucket

    def _refilled(self, chat_id: int, now: float) -> _Bucket:
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(
            float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_chat_per_second
        )
        bucket.updated = now
        return bucket

    @staticmethod
    def _window_wait(window: deque[float], limit: int, span: float, now: float) -> float:
        """Seconds until one more event fits in a sliding window of `span` seconds."""
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) < limit:
            return 0.0
        # The event that must leave the window before there is room for one more.
        return window[len(window) - limit] + span - now
