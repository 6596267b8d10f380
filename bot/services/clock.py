"""Where "now" comes from: the system clock in production, a fake one in tests.

Services that decide by time (reminders, ticket deadlines, ...) take a `Clock`
instead of calling `datetime.now()`, so tests move time forward without sleeping.
Every `now()` is an aware datetime in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that stands still until a test moves it.

    `start` may be in any time zone; it is kept in UTC. Moving backwards is
    refused: no service is written to survive time running backwards.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2027, 9, 1, 9, 0, tzinfo=UTC)
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` (or `timedelta(**kwargs)`); return the new now."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a FakeClock only moves forward")
        self._now += step
        return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (not earlier than now); return it in UTC."""
        when = _aware_utc(when)
        if when < self._now:
            raise ValueError("a FakeClock only moves forward")
        self._now = when
        return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give the clock an aware datetime")
    return value.astimezone(UTC)
