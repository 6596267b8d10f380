"""The fake clock that reminder tests (and others) drive instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.clock import Clock, FakeClock, SystemClock


def test_fake_clock_keeps_utc_and_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Athens")))
    assert clock.now() == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.advance(hours=2) == datetime(2027, 3, 28, 3, 30, tzinfo=UTC)
    assert clock.advance(timedelta(minutes=1)).minute == 31
    assert clock.set(datetime(2027, 4, 1, tzinfo=timezone(timedelta(hours=3)))).hour == 21


def test_fake_clock_refuses_to_run_backwards_or_take_naive_times() -> None:
    clock = FakeClock(datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError, match="forward"):
        clock.set(datetime(2026, 12, 31, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        FakeClock(datetime(2027, 1, 1))


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FakeClock(), Clock)
    assert SystemClock().now().tzinfo is UTC
