"""The rate limiter on a virtual clock: no test waits for real time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import Forbidden, RetryAfter

from bot.ratelimit import JSONResult, SlidingWindow, TelegramRateLimiter, TokenBucket, chat_kind


class VirtualClock:
    """A clock whose time moves only when every task is waiting on it.

    `sleep` parks the caller until `run` advances the time to its wake-up moment,
    so concurrent sleepers wake in order, exactly when they asked to.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, coroutines: Iterable[Awaitable[Any]]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while True:
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                return [t.result() for t in tasks]
            assert self._sleepers, "tasks are blocked on something other than the clock"
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)


class FakeTelegram:
    """Records when each request reached 'Telegram'; may answer 429 or fail first."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, object]] = []
        self.failures: list[Exception] = []

    def request(self, chat_id: object) -> Callable[[], Coroutine[Any, Any, JSONResult]]:
        async def call() -> JSONResult:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((self.clock.now, chat_id))
            return {"ok": True, "chat_id": chat_id}

        return call


async def send(
    limiter: TelegramRateLimiter,
    telegram: FakeTelegram,
    chat_id: object,
    endpoint: str = "sendMessage",
    rate_limit_args: int | None = None,
) -> Any:
    data = {} if chat_id is None else {"chat_id": chat_id, "text": "hi"}
    return await limiter.process_request(
        telegram.request(chat_id), (), {}, endpoint, data, rate_limit_args
    )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def telegram(clock: VirtualClock) -> FakeTelegram:
    return FakeTelegram(clock)


def max_in_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max(
        (sum(1 for t in times if start <= t < start + period - 1e-9) for start in times),
        default=0,
    )


async def test_private_chat_gets_a_burst_of_three_then_one_per_second(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, 42) for _ in range(7))
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 0, 1, 2, 3, 4])


async def test_an_idle_private_chat_earns_its_burst_back(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, 42) for _ in range(4))
    clock.now = 10.0
    await clock.run(send(limiter, telegram, 42) for _ in range(3))
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 0, 1, 10, 10, 10])


async def test_a_busy_chat_does_not_slow_down_another_chat(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(
        itertools.chain(
            (send(limiter, telegram, 1) for _ in range(10)), [send(limiter, telegram, 2)]
        )
    )
    assert [t for t, chat in telegram.sent if chat == 2] == [0.0]


async def test_no_more_than_thirty_messages_in_any_second_overall(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, chat) for chat in range(1, 101))
    times = [t for t, _ in telegram.sent]
    assert len(times) == 100
    assert max_in_window(times, 1.0) == 30
    assert times.count(0.0) == 30
    # and it does not hold messages back more than the limit needs: 100 = 30+30+30+10
    assert max(times) == pytest.approx(3.0)


async def test_a_group_gets_twenty_messages_a_minute(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, -100123) for _ in range(25))
    times = [t for t, _ in telegram.sent]
    assert max_in_window(times, 60.0) == 20
    # the per-chat bucket also applies: a burst of 3, then one a second
    assert times[:5] == pytest.approx([0, 0, 0, 1, 2])
    assert times[20] == pytest.approx(60.0)


async def test_channel_usernames_count_as_groups(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, group_per_minute=2)
    await clock.run(send(limiter, telegram, "@staffroom") for _ in range(3))
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 60])


@pytest.mark.parametrize("endpoint", ["sendChatAction", "deleteMessage"])
async def test_requests_that_send_no_message_are_not_held_back(
    clock: VirtualClock, telegram: FakeTelegram, endpoint: str
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, 42, endpoint) for _ in range(10))
    assert {t for t, _ in telegram.sent} == {0.0}


async def test_requests_without_a_chat_are_not_held_back(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, None, "answerCallbackQuery") for _ in range(50))
    assert {t for t, _ in telegram.sent} == {0.0}
    assert len(telegram.sent) == 50


async def test_retry_after_is_waited_out_and_the_request_retried(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    telegram.failures = [RetryAfter(5)]
    [result] = await clock.run([send(limiter, telegram, 42)])
    assert result == {"ok": True, "chat_id": 42}
    assert [t for t, _ in telegram.sent] == [5.0]


async def test_retry_after_holds_the_whole_chat_but_not_other_chats(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    telegram.failures = [RetryAfter(7)]
    await clock.run([send(limiter, telegram, 42), send(limiter, telegram, 42)])
    await clock.run([send(limiter, telegram, 43)])
    assert sorted(t for t, chat in telegram.sent if chat == 42) == [7.0, 7.0]
    assert [t for t, chat in telegram.sent if chat == 43] == [7.0]  # sent right away


async def test_retry_after_without_a_chat_waits_too(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    telegram.failures = [RetryAfter(2)]
    await clock.run([send(limiter, telegram, None, "setMyCommands")])
    assert [t for t, _ in telegram.sent] == [2.0]


async def test_retries_are_bounded(clock: VirtualClock, telegram: FakeTelegram) -> None:
    limiter = TelegramRateLimiter(clock=clock, max_retries=2)
    telegram.failures = [RetryAfter(1), RetryAfter(1), RetryAfter(1), RetryAfter(1)]
    with pytest.raises(RetryAfter):
        await clock.run([send(limiter, telegram, 42)])
    assert telegram.sent == []
    assert len(telegram.failures) == 1  # one initial try + two retries


async def test_rate_limit_args_set_the_retries_of_one_call(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, max_retries=5)
    telegram.failures = [RetryAfter(1)]
    with pytest.raises(RetryAfter):
        await clock.run([send(limiter, telegram, 42, rate_limit_args=0)])


async def test_a_retry_after_longer_than_the_limit_is_raised_at_once(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, max_retry_after=30)
    telegram.failures = [RetryAfter(3600)]
    with pytest.raises(RetryAfter):
        await clock.run([send(limiter, telegram, 42)])
    assert clock.now == 0.0


async def test_other_errors_pass_through_untouched(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    blocked = Forbidden("Forbidden: bot was blocked by the user")
    telegram.failures = [blocked]
    with pytest.raises(Forbidden) as caught:
        await clock.run([send(limiter, telegram, 42)])
    assert caught.value is blocked
    assert clock.now == 0.0


async def test_idle_chats_are_forgotten_when_many_are_tracked(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, max_tracked_chats=10)
    await clock.run(send(limiter, telegram, chat) for chat in range(1, 11))
    clock.now += 5  # every bucket is full again
    await clock.run([send(limiter, telegram, 11)])
    assert list(limiter._chats) == [11]


@pytest.mark.parametrize(
    ("chat_id", "kind"),
    [
        (42, "private"),
        ("42", "private"),
        (-42, "group"),
        (-1001234567890, "group"),
        ("-1001234567890", "group"),
        ("@keplinet_staff", "group"),
        (None, None),
    ],
)
def test_chat_kind(chat_id: object, kind: str | None) -> None:
    assert chat_kind(chat_id) == kind


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overall_per_second": 0},
        {"private_burst": 0},
        {"group_per_minute": 0},
        {"max_retries": -1},
    ],
)
def test_nonsense_limits_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        TelegramRateLimiter(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(arrivals=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=30))
def test_a_token_bucket_never_allows_more_than_its_burst_plus_its_rate(
    arrivals: list[float],
) -> None:
    bucket = TokenBucket(capacity=3, rate=1.0)
    sent: list[float] = []
    for arrival in sorted(arrivals):
        now = max(arrival, sent[-1] if sent else 0.0)
        now += bucket.delay(now)
        bucket.take(now)
        sent.append(now)
    for start in sent:
        in_window = [t for t in sent if start <= t <= start + 2.0]
        assert len(in_window) <= 3 + 2


@settings(max_examples=60, deadline=None)
@given(arrivals=st.lists(st.floats(min_value=0, max_value=200), min_size=1, max_size=60))
def test_a_sliding_window_never_exceeds_its_limit(arrivals: list[float]) -> None:
    window = SlidingWindow(limit=20, period=60.0)
    sent: list[float] = []
    for arrival in sorted(arrivals):
        now = max(arrival, sent[-1] if sent else 0.0)
        now += window.delay(now)
        window.take(now)
        sent.append(now)
    assert max_in_window(sent, 60.0) <= 20
