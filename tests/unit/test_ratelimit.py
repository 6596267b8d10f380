"""The rate limiter on a virtual clock: no test waits for real time."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any
from unittest.mock import MagicMock

import aiohttp
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.emulator.flood import FloodControl
from bot.ratelimit import JSONResult, TelegramRateLimiter, chat_kind, unanswered


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
            # Let every runnable task reach its next sleep: until nothing has moved for
            # 20 rounds of the loop (a queue of waiters handing a lock on takes a round each).
            settled, last = 0, (-1, -1)
            while settled < 20:
                await asyncio.sleep(0)
                state = (sum(t.done() for t in tasks), len(self._sleepers))
                settled, last = (settled + 1 if state == last else 0), state
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
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 0, 1, 2, 3, 4], abs=0.01)


async def test_an_idle_private_chat_earns_its_burst_back(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, 42) for _ in range(4))
    clock.now = 10.0
    await clock.run(send(limiter, telegram, 42) for _ in range(3))
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 0, 1, 10, 10, 10], abs=0.01)


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


async def test_thirty_messages_a_second_overall_after_a_burst_of_ten(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, chat) for chat in range(1, 101))
    times = sorted(t for t, _ in telegram.sent)
    assert len(times) == 100
    assert times.count(0.0) == 10  # the burst
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[10:])]
    assert min(gaps) >= 1 / 30 - 1e-9  # then one every 1/30 s
    for span in (0.5, 1.0, 2.0):  # any span of t seconds: at most 10 + 30 t
        assert max_in_window(times, span) <= 10 + 30 * span
    # and it does not hold messages back more than the rate needs: 90 after the burst
    assert max(times) == pytest.approx(3.0, abs=0.02)


async def test_an_ordinary_load_of_twenty_a_second_is_not_held_back(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    """Questions arriving at random, 20 a second on average, for a minute: some seconds
    reach 30, but the burst absorbs them and no answer waits (a strict "30 in any second"
    held back about one in fifty)."""
    rng = random.Random(14)
    arrivals = list(itertools.accumulate(rng.expovariate(20.0) for _ in range(1200)))
    assert max_in_window(arrivals, 1.0) >= 31  # the load does go over 30 in some second
    limiter = TelegramRateLimiter(clock=clock)
    waited: list[float] = []

    async def question(n: int, at: float) -> None:
        await clock.sleep(at)
        await send(limiter, telegram, 10_000 + n)
        waited.append(clock.now - at)

    await clock.run(question(n, at) for n, at in enumerate(arrivals))
    assert len(waited) == 1200
    assert max(waited) < 0.001, sorted(waited)[-5:]


async def test_a_group_gets_twenty_messages_a_minute(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    await clock.run(send(limiter, telegram, -100123) for _ in range(25))
    times = [t for t, _ in telegram.sent]
    assert max_in_window(times, 60.0) == 20
    # the per-chat bucket also applies: a burst of 3, then one a second
    assert times[:5] == pytest.approx([0, 0, 0, 1, 2], abs=0.01)
    assert times[20] == pytest.approx(60.0, abs=0.01)


async def test_channel_usernames_count_as_groups(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, group_per_minute=2)
    await clock.run(send(limiter, telegram, "@staffroom") for _ in range(3))
    assert [t for t, _ in telegram.sent] == pytest.approx([0, 0, 60], abs=0.01)


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


Plan = list[tuple[int, float, float, float]]

CHATS = st.one_of(st.integers(1, 40), st.sampled_from([-100, -200]))
PLANS = st.lists(
    st.tuples(
        CHATS,
        st.floats(min_value=0, max_value=3),  # when the handler sends, seconds
        st.floats(min_value=0, max_value=0.3),  # network delay to Telegram
        st.floats(min_value=0, max_value=0.3),  # network delay of the answer
    ),
    min_size=1,
    max_size=80,
)


async def run_against_telegram_rules(
    plan: Plan, stall_until: float | None = None
) -> tuple[list[int], int]:
    """Send `plan` through the limiter to the emulator's model of Telegram's rules.

    With `stall_until`, nothing reaches Telegram before that moment (a stalled link:
    what was sent meanwhile arrives then, together). Returns the chats whose requests
    Telegram refused (429) and the number delivered.
    """
    clock = VirtualClock()
    telegram = FloodControl(clock=clock.monotonic)
    limiter = TelegramRateLimiter(clock=clock, max_retries=0)
    refused: list[int] = []
    delivered = 0

    async def one(chat: int, send_at: float, up: float, down: float) -> None:
        nonlocal delivered

        async def call() -> JSONResult:
            if stall_until is not None:
                await clock.sleep(max(0.0, stall_until - clock.now))
            else:
                await clock.sleep(up)
            wait = telegram.acquire(chat, is_group=chat < 0)
            await clock.sleep(down)
            if wait is not None:
                refused.append(chat)
                raise RetryAfter(wait)
            return True

        await clock.sleep(send_at)
        with contextlib.suppress(RetryAfter):  # recorded in `refused`
            await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)
            delivered += 1

    await clock.run(one(*item) for item in plan)
    return refused, delivered


@settings(max_examples=40, deadline=None)
@given(plan=PLANS)
def test_whatever_the_network_delays_telegram_never_refuses_a_message(plan: Plan) -> None:
    refused, delivered = asyncio.run(run_against_telegram_rules(plan))
    assert refused == []
    assert delivered == len(plan)


def test_a_link_that_stalls_and_then_delivers_everything_at_once_gets_no_429() -> None:
    """60 replies to 60 chats at once while the link stalls for 1.5 s: each request
    started at `s` reaches Telegram at 1.5 s. Requests on their way are bounded (rate -
    burst), so the bunch that arrives together stays within Telegram's allowance."""
    plan: Plan = [(1 + i, 0.0, 1.5, 0.05) for i in range(60)]
    refused, delivered = asyncio.run(run_against_telegram_rules(plan, stall_until=1.5))
    assert refused == []
    assert delivered == 60


async def test_messages_to_one_chat_arrive_in_the_order_they_were_sent(
    clock: VirtualClock,
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    arrived: list[int] = []

    def request(n: int, latency: float) -> Callable[[], Coroutine[Any, Any, JSONResult]]:
        async def call() -> JSONResult:
            await clock.sleep(latency)
            arrived.append(n)
            return True

        return call

    # The first message is slow on the wire; the second must still come after it.
    await clock.run(
        limiter.process_request(request(n, latency), (), {}, "sendMessage", {"chat_id": 7}, None)
        for n, latency in [(1, 0.5), (2, 0.0), (3, 0.1)]
    )
    assert arrived == [1, 2, 3]


async def test_a_slow_answer_delays_the_next_message_of_the_chat(clock: VirtualClock) -> None:
    limiter = TelegramRateLimiter(clock=clock, private_burst=1)
    sent: list[float] = []

    async def call() -> JSONResult:
        sent.append(clock.now)
        await clock.sleep(0.4)  # Telegram may have counted it at any moment until now
        return True

    await clock.run(
        limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 7}, None)
        for _ in range(2)
    )
    assert sent == pytest.approx([0.0, 1.4], abs=0.01)


async def test_when_saturated_chats_are_served_first_come_first_served(
    clock: VirtualClock,
) -> None:
    """A request that finds every overall slot taken waits its turn: one arriving later,
    just as a slot frees, does not go first (with sleep-and-retry the luckiest one won)."""
    limiter = TelegramRateLimiter(clock=clock, overall_per_second=5)
    started: list[int] = []

    def request(n: int) -> Callable[[], Coroutine[Any, Any, JSONResult]]:
        async def call() -> JSONResult:
            started.append(n)
            await clock.sleep(0.3)  # on the wire: the slot is held until the answer
            return True

        return call

    async def arrive(n: int) -> JSONResult:
        await clock.sleep(n * 0.07)
        return await limiter.process_request(
            request(n), (), {}, "sendMessage", {"chat_id": 1000 + n}, None
        )

    await clock.run(arrive(n) for n in range(40))
    assert started == list(range(40))


def transport_failure(error: Exception) -> NetworkError:
    """A NetworkError as PTB raises it for an httpx transport error."""
    try:
        raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error
    except NetworkError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (NetworkError("Bad Gateway (502)"), True),  # an HTTP 5xx: Telegram did not act
        (TimedOut(), True),
        (transport_failure(httpx.ConnectError("refused")), True),
        (transport_failure(httpx.RemoteProtocolError("Server disconnected")), True),
        (transport_failure(aiohttp.ServerDisconnectedError()), True),  # bot.telegram_http
        (transport_failure(aiohttp.ClientConnectorError(MagicMock(), OSError("refused"))), True),
        (transport_failure(aiohttp.ClientPayloadError("cut short")), True),
        (transport_failure(aiohttp.InvalidURL("nowhere")), False),
        (BadRequest("Message is not modified"), False),  # an answer: never again
        (Forbidden("bot was blocked by the user"), False),
        (transport_failure(ValueError("a bug")), False),
    ],
)
def test_what_telegram_did_not_answer_is_retried(error: Exception, retried: bool) -> None:
    assert unanswered(error) is retried


async def test_a_5xx_is_sent_again_after_a_pause(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    telegram.failures = [NetworkError("Bad Gateway (502)"), TimedOut()]
    [result] = await clock.run([send(limiter, telegram, 42)])
    assert result == {"ok": True, "chat_id": 42}
    assert telegram.sent == [(pytest.approx(1.5), 42)]  # after 0.5 s, then 1 s


async def test_fault_retries_are_bounded_and_the_last_error_raised(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock, fault_retry_delays=(0.1, 0.2))
    telegram.failures = [NetworkError("Internal Server Error (500)") for _ in range(3)]
    with pytest.raises(NetworkError, match="500"):
        await clock.run([send(limiter, telegram, 42)])
    assert telegram.sent == []


async def test_an_answered_error_and_getupdates_are_not_retried(
    clock: VirtualClock, telegram: FakeTelegram
) -> None:
    limiter = TelegramRateLimiter(clock=clock)
    telegram.failures = [BadRequest("chat not found"), NetworkError("Bad Gateway (502)")]
    with pytest.raises(BadRequest):
        await clock.run([send(limiter, telegram, 42)])
    with pytest.raises(NetworkError):
        await clock.run([send(limiter, telegram, None, "getUpdates")])
    assert telegram.failures == []
