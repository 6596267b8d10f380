"""The broadcast pacer: evenly spaced slots, never more than the rate in any second."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.services.reminders.delivery import Pacer


class FakeTime:
    """Monotonic seconds that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    most = 0
    for i, start in enumerate(times):
        most = max(most, sum(1 for t in times[i:] if t < start + window))
    return most


async def test_slots_are_evenly_spaced_at_the_rate() -> None:
    clock = FakeTime()
    pacer = Pacer(29.0, monotonic=clock.monotonic, sleep=clock.sleep)
    granted = []
    for _ in range(290):
        await pacer.acquire()
        granted.append(clock.now)
    span = granted[-1] - granted[0]
    assert span == pytest.approx(289 / 29.0, rel=1e-6)
    gaps = [b - a for a, b in itertools.pairwise(granted)]
    assert min(gaps) == pytest.approx(1 / 29.0, rel=1e-6)
    assert most_in_any_window(granted) <= 29


async def test_many_waiters_at_once_still_get_spaced_slots() -> None:
    clock = FakeTime()
    pacer = Pacer(30.0, monotonic=clock.monotonic, sleep=clock.sleep)
    granted: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        granted.append(clock.now)

    await asyncio.gather(*(one() for _ in range(120)))
    assert most_in_any_window(sorted(granted)) <= 30
    assert sorted(granted)[-1] - sorted(granted)[0] == pytest.approx(119 / 30.0, rel=1e-6)


async def test_a_late_loop_earns_no_burst_beyond_the_window_cap() -> None:
    clock = FakeTime()
    pacer = Pacer(10.0, monotonic=clock.monotonic, sleep=clock.sleep)
    granted = []
    for n in range(40):
        if n == 5:
            clock.now += 3.0  # the event loop was busy for three seconds
        await pacer.acquire()
        granted.append(clock.now)
    assert most_in_any_window(granted) <= 10


async def test_pause_holds_every_slot_for_the_delay() -> None:
    clock = FakeTime()
    pacer = Pacer(30.0, monotonic=clock.monotonic, sleep=clock.sleep)
    await pacer.acquire()
    before = clock.now
    pacer.pause(7.0)
    await pacer.acquire()
    assert clock.now - before == pytest.approx(7.0)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)
