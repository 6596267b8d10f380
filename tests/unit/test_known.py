"""What the per-update path remembers (`bot.services.known.Remembered`) and when it forgets."""

from __future__ import annotations

from bot.services import known
from bot.services.known import Remembered


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_remembered_for_ttl_seconds() -> None:
    clock = Clock()
    cache: Remembered[int, str | None] = Remembered(ttl=30, clock=clock)
    assert cache.get(1) == (False, None)
    cache.put(1, "el", read_at=known.generation())
    cache.put(2, None, read_at=known.generation())  # "none" is a value too
    assert cache.get(1) == (True, "el")
    assert cache.get(2) == (True, None)
    clock.now += 29.9
    assert cache.get(1) == (True, "el")
    clock.now += 0.1  # another process's change is seen by now
    assert cache.get(1) == (False, None)


def test_a_committed_change_forgets_everything() -> None:
    cache: Remembered[int, str] = Remembered()
    cache.put(1, "el", read_at=known.generation())
    known.changed()
    assert cache.get(1) == (False, None)
    assert len(cache) == 0


def test_a_value_read_while_a_change_was_committed_is_not_kept() -> None:
    cache: Remembered[int, str] = Remembered()
    read_at = known.generation()
    known.changed()  # committed between the read and the put: the value may be the old one
    cache.put(1, "el", read_at=read_at)
    assert cache.get(1) == (False, None)


def test_bounded_least_recently_stored_first() -> None:
    cache: Remembered[int, int] = Remembered(limit=2)
    for key in (1, 2, 3):
        cache.put(key, key, read_at=known.generation())
    assert cache.get(1) == (False, None)
    assert cache.get(3) == (True, 3)


def test_disabled_remembers_nothing() -> None:
    cache: Remembered[int, int] = Remembered()
    cache.enabled = False
    cache.put(1, 1, read_at=known.generation())
    assert cache.get(1) == (False, None)
