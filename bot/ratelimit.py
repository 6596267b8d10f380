"""Outgoing request throttling within Telegram's flood limits.

Telegram asks bots to stay under about 30 messages per second overall, about
one message per second in a private chat (short bursts are tolerated) and 20
messages per minute in a group. `TelegramRateLimiter` spaces requests so that
the bot stays under those limits instead of collecting 429 answers, and when
Telegram answers 429 anyway (`RetryAfter`) it waits the delay Telegram asked
for and tries again, a bounded number of times. Every other error passes
through unchanged: the caller (a handler, the error handler) decides.

Time comes from a `Clock` so the unit tests run on a fake clock: no test waits
for real seconds, and speed figures live in `bench/bench_ratelimit.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

# Requests that carry a chat_id but do not put a message in the chat: Telegram does
# not count them against the per-chat limits, and delaying them would only make the
# bot feel slow (a typing indicator that shows up a second late).
UNTHROTTLED_ENDPOINTS: Final = frozenset(
    {
        "sendChatAction",
        "getChat",
        "getChatMember",
        "getChatMemberCount",
        "getChatAdministrators",
        "leaveChat",
        "deleteMessage",
        "deleteMessages",
    }
)


class Clock(Protocol):
    """A monotonic time source in seconds, and a way to wait on it."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """`time.monotonic` and `asyncio.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class TokenBucket:
    """`capacity` requests at once, refilled at `rate` requests per second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    updated: float = 0.0
    paused_until: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def delay(self, now: float) -> float:
        """Seconds until one request may go (0: now)."""
        self._refill(now)
        if now < self.paused_until:
            return self.paused_until - now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity and now >= self.paused_until


@dataclass
class SlidingWindow:
    """At most `limit` requests in any `period` seconds (exact, unlike a token bucket)."""

    limit: int
    period: float
    sent: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0

    def _forget(self, now: float) -> None:
        while self.sent and self.sent[0] <= now - self.period:
            self.sent.popleft()

    def delay(self, now: float) -> float:
        self._forget(now)
        if now < self.paused_until:
            return self.paused_until - now
        if len(self.sent) < self.limit:
            return 0.0
        return self.sent[0] + self.period - now

    def take(self, now: float) -> None:
        self.sent.append(now)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self.sent and now >= self.paused_until


Limit = TokenBucket | SlidingWindow


def retry_after_seconds(exc: RetryAfter) -> float:
    """The delay Telegram asked for, in seconds."""
    value = exc.retry_after  # a timedelta: bot/__init__.py opts in with PTB_TIMEDELTA
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_kind(chat_id: object) -> str | None:
    """The kind of chat: "private", "group" (negative ids, @names) or None (no chat)."""
    if chat_id is None:
        return None
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            chat_id = int(chat_id)
    if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
        return "group"
    return "private"


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Throttles outgoing requests to Telegram's limits and retries `RetryAfter`.

    Limits (defaults): `overall_per_second` requests per second over all chats;
    per private chat a token bucket of `private_burst` requests refilled at
    `private_per_second`; per group `group_per_minute` requests in any minute
    (and the private-chat bucket as well, so a group also gets no more than one
    message a second after a short burst). `max_retries` bounds how often one
    request is retried after a 429; `max_retry_after` (seconds) is the longest
    delay the limiter will wait for, a longer one is raised to the caller.
    `rate_limit_args` of a call, an int, overrides `max_retries` for that call.
    Above `max_tracked_chats` chats, idle ones are forgotten (they would start
    with a full allowance anyway).
    """

    __slots__ = (
        "_chats",
        "_clock",
        "_group_per_minute",
        "_max_retries",
        "_max_retry_after",
        "_max_tracked_chats",
        "_overall",
        "_private_burst",
        "_private_per_second",
        "_windows",
    )

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        max_retries: int = 3,
        max_retry_after: float = 120.0,
        max_tracked_chats: int = 2048,
        clock: Clock | None = None,
    ) -> None:
        if overall_per_second < 1 or private_per_second <= 0 or private_burst < 1:
            raise ValueError("rate limits must be positive")
        if group_per_minute < 1 or max_retries < 0 or max_retry_after < 0:
            raise ValueError("rate limits must be positive")
        self._clock: Clock = clock or RealClock()
        self._overall = SlidingWindow(limit=overall_per_second, period=1.0)
        self._private_per_second = private_per_second
        self._private_burst = private_burst
        self._group_per_minute = group_per_minute
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._max_tracked_chats = max_tracked_chats
        self._chats: dict[str | int, TokenBucket] = {}
        self._windows: dict[str | int, SlidingWindow] = {}

    async def initialize(self) -> None:
        """Nothing to open: the limiter only keeps counters in memory."""

    async def shutdown(self) -> None:
        self._chats.clear()
        self._windows.clear()

    def _limits_for(self, endpoint: str, chat_id: object) -> list[Limit]:
        kind = chat_kind(chat_id)
        if kind is None or endpoint in UNTHROTTLED_ENDPOINTS:
            return []
        key: str | int = chat_id if isinstance(chat_id, str | int) else str(chat_id)
        bucket = self._chats.get(key)
        if bucket is None:
            self._prune()
            bucket = TokenBucket(
                capacity=self._private_burst,
                rate=self._private_per_second,
                updated=self._clock.monotonic(),
            )
            self._chats[key] = bucket
        limits: list[Limit] = [self._overall, bucket]
        if kind == "group":
            window = self._windows.get(key)
            if window is None:
                window = SlidingWindow(limit=self._group_per_minute, period=60.0)
                self._windows[key] = window
            limits.append(window)
        return limits

    def _prune(self) -> None:
        if len(self._chats) < self._max_tracked_chats:
            return
        now = self._clock.monotonic()
        for table in (self._chats, self._windows):
            for key in [k for k, limit in table.items() if limit.idle(now)]:
                del table[key]

    async def _acquire(self, limits: list[Limit]) -> None:
        # Check and take happen with no await in between, so on one event loop the
        # decision is atomic; a waiter that lost the race simply waits again.
        while True:
            now = self._clock.monotonic()
            wait = max((limit.delay(now) for limit in limits), default=0.0)
            if wait <= 0:
                for limit in limits:
                    limit.take(now)
                return
            await self._clock.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        max_retries = self._max_retries if rate_limit_args is None else rate_limit_args
        limits = self._limits_for(endpoint, data.get("chat_id"))
        attempt = 0
        while True:
            await self._acquire(limits)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                if attempt >= max_retries or delay > self._max_retry_after:
                    log.warning(
                        "%s: flood limit, giving up after %d retries (retry_after=%.1fs)",
                        endpoint,
                        attempt,
                        delay,
                    )
                    raise
                attempt += 1
                log.info("%s: flood limit, retrying in %.1fs (retry %d)", endpoint, delay, attempt)
                # Hold the whole chat, so that the other requests queued for it do not
                # hit the same 429; other chats keep going.
                chat_limits = limits[1:]
                until = self._clock.monotonic() + delay
                for limit in chat_limits:
                    limit.pause(until)
                if not chat_limits:
                    await self._clock.sleep(delay)
