"""Outgoing request throttling within Telegram's flood limits.

Telegram asks bots to stay under about 30 messages per second overall, about
one message per second in a private chat (short bursts are tolerated) and 20
messages per minute in a group. The overall limit is kept as a rate with a short
burst (`OverallBucket`: 30 a second, up to 10 at once after a quiet moment), as
PTB's own `AIORateLimiter` keeps it (a leaky bucket of 30): a strict "30 in any
second" would hold back a reply whenever a random second of ordinary load reached
30, which at 20 questions a second is one reply in fifty.

`TelegramRateLimiter` spaces requests so that the bot stays under those limits instead
of collecting 429 answers, and when Telegram answers 429 anyway (`RetryAfter`) it waits
the delay Telegram asked for and tries again, a bounded number of times. A request
Telegram did not answer (a 5xx, a timeout, a dropped connection: see `unanswered`) is
tried again after 0.5, 1 and 2 seconds. Every other error passes through unchanged: the
caller (a handler, the error handler) decides.

Telegram counts a message when it *arrives*, which is some time after the bot
sent it and before the answer came back. The limiter therefore counts a request
from the moment it is sent until the moment its answer arrives, as if it had
reached Telegram at the latest possible instant: network delays can only make
it wait a little longer, never make it exceed a limit. Requests to one chat are
sent one after the other (in order), which keeps that reasoning exact for the
per-chat limits and keeps a chat's messages in the order they were written.

Time comes from a `Clock` so the unit tests run on a virtual clock: no test
waits for real seconds; speed figures live in `bench/bench_ratelimit.py`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Protocol

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.telegram_http import TRANSPORT_ERRORS, Answered

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

# Seconds to wait before each retry of a request that Telegram did not answer (a 5xx,
# a timeout, a dropped connection); after the last one the error goes to the caller.
FAULT_RETRY_DELAYS: Final = (0.5, 1.0, 2.0)
# Requests the limiter never retries on a fault: the updater retries its long poll itself.
NOT_RETRIED_ENDPOINTS: Final = frozenset({"getUpdates"})

# Clocks on two machines never agree to the microsecond, nor floating point sums:
# a margin (seconds) so that a request allowed "exactly on time" is not early.
MARGIN: Final = 0.005
# How often (seconds) a request waiting for the overall limit looks again when every
# slot is held by a request still on its way.
IN_FLIGHT_POLL: Final = 0.02


class Clock(Protocol):
    """A monotonic time source in seconds, and a way to wait on it."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class OverallBudget(Protocol):
    """Telegram's overall limit shared with other processes (`bot.workers.SharedBudget`)."""

    async def take(self) -> None: ...


class RealClock:
    """`time.monotonic` and `asyncio.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class SlidingWindow:
    """At most `limit` requests reach Telegram in any `period` seconds.

    A request occupies the window from when it is sent (`start`) until `period`
    seconds after its answer came back (`finish`): it reached Telegram at some
    moment in between, so counting it that long can only over-count.
    """

    limit: int
    period: float
    in_flight: int = 0
    finished: list[float] = field(default_factory=list)  # answer times, sorted

    def _forget(self, now: float) -> None:
        cut = bisect.bisect_right(self.finished, now - self.period)
        if cut:
            del self.finished[:cut]

    def delay(self, now: float) -> float:
        """Seconds until one more request may be sent (0: now)."""
        self._forget(now)
        if self.in_flight + len(self.finished) < self.limit:
            return 0.0
        if self.finished:
            return self.finished[0] + self.period - now + MARGIN
        return IN_FLIGHT_POLL  # every slot is on its way: look again shortly

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        bisect.insort(self.finished, now)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return self.in_flight == 0 and not self.finished


@dataclass
class OverallBucket:
    """About `rate` requests a second overall, in bursts of at most `burst` (GCRA).

    `tat` is the theoretical arrival time of the next request: a request may go when
    `tat - tolerance` has passed, and each one sent moves `tat` on by one interval, so
    any span of t seconds holds at most `burst + t * rate` requests; and at most
    `rate - burst` are on their way at once, so that, however a stalled network bunches
    them, any span of t seconds reaches Telegram with at most `rate + t * rate`. A request reached
    Telegram at some moment between its start and its answer; when it is answered,
    `tat` is moved to at least the answer's time plus one interval for it and for each
    request still on its way, as if every one of them had arrived then: network delays
    can only make the next request wait a little longer, never exceed the rate.
    """

    rate: float
    burst: int
    in_flight: int = 0
    tat: float = float("-inf")

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def max_in_flight(self) -> int:
        """Requests that may be on their way at once. A stalled link may deliver all of
        them together, after which the rate and burst still apply: at most `rate` of them
        in all (Telegram's "about 30 a second") however the network delays them."""
        return max(1, int(self.rate) - self.burst)

    def delay(self, now: float) -> float:
        """Seconds until one more request may be sent (0: now)."""
        if self.in_flight >= self.max_in_flight:
            return IN_FLIGHT_POLL  # every slot is on its way: look again shortly
        wait = self.tat - (self.burst - 1) * self.interval - now
        return wait + MARGIN if wait > 1e-9 else 0.0

    def start(self, now: float) -> None:
        self.in_flight += 1
        self.tat = max(self.tat, now) + self.interval

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        self.tat = max(self.tat, now + (1 + self.in_flight) * self.interval)

    def idle(self, now: float) -> bool:
        return self.in_flight == 0 and now >= self.tat


@dataclass
class ChatLimit:
    """The limits of one chat: a token bucket, and for groups a per-minute window.

    The bucket (`burst` requests at once, refilled at `rate` per second) is kept as
    a theoretical arrival time (GCRA): a request may go when `tat - tolerance` has
    passed; each answer moves `tat` on by one interval from the answer's time.
    Requests of a chat go one at a time (`lock`), so answers come in order.
    """

    rate: float
    burst: int
    window: SlidingWindow | None = None
    tat: float = float("-inf")
    paused_until: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) / self.rate

    def delay(self, now: float) -> float:
        wait = max(self.tat - self.tolerance + MARGIN - now, self.paused_until - now, 0.0)
        if self.window is not None:
            wait = max(wait, self.window.delay(now))
        return wait

    def start(self) -> None:
        if self.window is not None:
            self.window.start()

    def finish(self, now: float) -> None:
        self.tat = max(self.tat, now) + 1 / self.rate
        if self.window is not None:
            self.window.finish(now)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        return (
            not self.lock.locked()
            and now >= self.tat
            and now >= self.paused_until
            and (self.window is None or self.window.idle(now))
        )


def retry_after_seconds(exc: RetryAfter) -> float:
    """The delay Telegram asked for, in seconds."""
    value = exc.retry_after  # a timedelta: bot/__init__.py opts in with PTB_TIMEDELTA
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def unanswered(exc: BaseException) -> bool:
    """Whether `exc` means Telegram gave no answer to act on, so the request may be retried.

    True for an HTTP 5xx (Telegram did not perform the request), a connection that could
    not be made, a timeout and a connection dropped before the answer came. False for
    every answer (400 Bad Request, 403, 409, ...): once Telegram has answered, the request
    is never sent again. A request that timed out or lost its connection after it was
    written may have reached Telegram; retrying it favours a duplicate message over a lost
    one, like Telegram's own clients.
    """
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest | Answered):
        return False
    if isinstance(exc, TimedOut):
        return True
    cause = exc.__cause__
    # PTB raises an HTTP error status without a cause, a transport failure from the
    # transport's error (aiohttp's: bot.telegram_http; httpx's: PTB's own HTTPXRequest).
    return cause is None or isinstance(cause, (httpx.TransportError, *TRANSPORT_ERRORS))


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

    Limits (defaults): `overall_per_second` messages a second over all chats, in bursts
    of at most `overall_burst`; per chat a burst of `private_burst` then
    `private_per_second`; per group also `group_per_minute` in any minute. `max_retries`
    bounds how often one request is retried after a 429; a `retry_after` longer than
    `max_retry_after` seconds is raised to the caller at once. A request Telegram did
    not answer is retried after each of `fault_retry_delays` seconds. `rate_limit_args`
    of a call, an int, overrides `max_retries` for that call. Above `max_tracked_chats`
    chats, idle ones are forgotten (they would start with a full allowance anyway).
    """

    __slots__ = (
        "_chats",
        "_clock",
        "_fault_retry_delays",
        "_gate",
        "_group_per_minute",
        "_max_retries",
        "_max_retry_after",
        "_max_tracked_chats",
        "_overall",
        "_private_burst",
        "_private_per_second",
        "_shared",
    )

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        overall_burst: int = 10,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        max_retries: int = 3,
        max_retry_after: float = 120.0,
        max_tracked_chats: int = 2048,
        fault_retry_delays: tuple[float, ...] = FAULT_RETRY_DELAYS,
        clock: Clock | None = None,
    ) -> None:
        if overall_per_second < 1 or overall_burst < 1:
            raise ValueError("rate limits must be positive")
        if private_per_second <= 0 or private_burst < 1:
            raise ValueError("rate limits must be positive")
        if group_per_minute < 1 or max_retries < 0 or max_retry_after < 0:
            raise ValueError("rate limits must be positive")
        self._clock: Clock = clock or RealClock()
        self._overall = OverallBucket(rate=overall_per_second, burst=overall_burst)
        self._private_per_second = private_per_second
        self._private_burst = private_burst
        self._group_per_minute = group_per_minute
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._max_tracked_chats = max_tracked_chats
        self._fault_retry_delays = fault_retry_delays
        self._chats: dict[str | int, ChatLimit] = {}
        self._gate = asyncio.Lock()  # the queue for the overall limit, in arrival order
        self._shared: OverallBudget | None = None

    def share_overall(self, budget: OverallBudget | None) -> None:
        """Also take a slot of `budget` (shared by several processes) before each send."""
        self._shared = budget

    async def initialize(self) -> None:
        """Nothing to open: the limiter only keeps counters in memory."""

    async def shutdown(self) -> None:
        self._chats.clear()

    def _chat_limit(self, endpoint: str, chat_id: object) -> ChatLimit | None:
        kind = chat_kind(chat_id)
        if kind is None or endpoint in UNTHROTTLED_ENDPOINTS:
            return None
        key: str | int = chat_id if isinstance(chat_id, str | int) else str(chat_id)
        if isinstance(key, str) and kind == "private":
            key = int(key)
        limit = self._chats.get(key)
        if limit is None:
            self._prune()
            window = None
            if kind == "group":
                window = SlidingWindow(limit=self._group_per_minute, period=60.0)
            limit = ChatLimit(self._private_per_second, self._private_burst, window)
            self._chats[key] = limit
        return limit

    def _prune(self) -> None:
        if len(self._chats) < self._max_tracked_chats:
            return
        now = self._clock.monotonic()
        for key in [k for k, limit in self._chats.items() if limit.idle(now)]:
            del self._chats[key]

    async def _send(
        self,
        chat: ChatLimit | None,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> JSONResult:
        if chat is None:
            return await callback(*args, **kwargs)
        # First the chat's own limit (the caller holds the chat's lock, so nothing else
        # starts in this chat meanwhile), then a turn at the overall limit through a
        # gate that asyncio.Lock makes first-come-first-served: when the bot is
        # saturated, every chat waits about as long as every other, instead of the
        # luckiest sleeper winning each free slot. Check and start happen with no
        # await in between, so on one event loop the decision is atomic.
        while (wait := chat.delay(self._clock.monotonic())) > 0:
            await self._clock.sleep(wait)
        async with self._gate:
            while (wait := self._overall.delay(self._clock.monotonic())) > 0:
                await self._clock.sleep(wait)
            if self._shared is not None:
                await self._shared.take()
            self._overall.start(self._clock.monotonic())
            chat.start()
        try:
            return await callback(*args, **kwargs)
        finally:
            answered = self._clock.monotonic()
            self._overall.finish(answered)
            chat.finish(answered)

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
        chat = self._chat_limit(endpoint, data.get("chat_id"))
        async with chat.lock if chat is not None else contextlib.nullcontext():
            attempt = 0
            faults = 0
            while True:
                try:
                    return await self._send(chat, callback, args, kwargs)
                except NetworkError as exc:
                    if not unanswered(exc) or endpoint in NOT_RETRIED_ENDPOINTS:
                        raise
                    if faults >= len(self._fault_retry_delays):
                        log.warning(
                            "%s to chat %s failed after %d retries: %s",
                            endpoint,
                            data.get("chat_id"),
                            faults,
                            exc,
                        )
                        raise
                    delay = self._fault_retry_delays[faults]
                    faults += 1
                    log.info(
                        "%s: no answer from Telegram (%s), retrying in %.1fs (retry %d)",
                        endpoint,
                        exc,
                        delay,
                        faults,
                    )
                    await self._clock.sleep(delay)
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
                    log.info(
                        "%s: flood limit, retrying in %.1fs (retry %d)", endpoint, delay, attempt
                    )
                    if chat is not None:
                        # Later requests to this chat wait too (they queue on its lock,
                        # and the pause outlives this request); other chats go on.
                        chat.pause(self._clock.monotonic() + delay)
                    else:
                        await self._clock.sleep(delay)
