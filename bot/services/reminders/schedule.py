"""When reminders are due: offsets before a deadline, quiet hours, daylight saving.

Pure functions, no database. All instants are aware datetimes; the arithmetic
that people think of in wall-clock terms ("7 days before", "the morning of",
"not after 21:00") is done in the deadline's local time zone (`Europe/Athens`),
so a reminder 7 days before a 10:00 deadline is at 10:00 even when the clocks
changed in between (last Sunday of March and of October in Greece).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MORNING = "morning"
_OFFSET_RE = re.compile(r"^(?P<n>[1-9][0-9]{0,2})(?P<unit>[dh])$")

# The reminder times a person can pick from in chat, earliest first.
OFFSET_CHOICES: tuple[str, ...] = ("14d", "7d", "3d", "1d", MORNING, "2h")
DEFAULT_OFFSETS: tuple[str, ...] = ("7d", "1d", MORNING)


class ScheduleError(ValueError):
    """A malformed offset or quiet-hours specification (the message names it)."""


@dataclass(frozen=True)
class Offset:
    """A reminder time relative to a deadline.

    `days` are calendar days in local time (same wall-clock time, N days earlier);
    `hours` are elapsed hours; `MORNING` is the morning of the deadline's day.
    """

    code: str

    def __post_init__(self) -> None:
        if self.code != MORNING and not _OFFSET_RE.match(self.code):
            raise ScheduleError(f"reminder offset {self.code!r}: use e.g. 7d, 1d, 2h or morning")

    @property
    def is_morning(self) -> bool:
        return self.code == MORNING

    @property
    def days(self) -> int:
        m = _OFFSET_RE.match(self.code)
        return int(m["n"]) if m and m["unit"] == "d" else 0

    @property
    def hours(self) -> int:
        m = _OFFSET_RE.match(self.code)
        return int(m["n"]) if m and m["unit"] == "h" else 0

    def __str__(self) -> str:
        return self.code


def parse_offsets(spec: str | Iterable[str]) -> tuple[Offset, ...]:
    """`"7d,1d,morning"` → offsets, earliest reminder first, without repeats."""
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    codes = {p.strip().lower() for p in parts if p.strip()}
    return sort_offsets(Offset(c) for c in codes)


def sort_offsets(offsets: Iterable[Offset]) -> tuple[Offset, ...]:
    """In the order people read them: days before (most first), the morning of, hours before."""
    return tuple(sorted(set(offsets), key=_display_rank))


def _display_rank(offset: Offset) -> tuple[int, int]:
    if offset.days:
        return (0, -offset.days)
    if offset.is_morning:
        return (1, 0)
    return (2, -offset.hours)


def offsets_to_text(offsets: Iterable[Offset]) -> str:
    return ",".join(o.code for o in sort_offsets(offsets))


@dataclass(frozen=True)
class QuietHours:
    """A daily local-time window [start, end) in which no reminder is sent.

    It may wrap midnight (21:00–08:00). `start == end` means no quiet hours.
    """

    start: time
    end: time

    @classmethod
    def parse(cls, spec: str) -> QuietHours | None:
        """`"21:00-08:00"` → QuietHours; `""` or `"off"` → None."""
        spec = spec.strip().lower()
        if spec in ("", "off", "none"):
            return None
        m = re.fullmatch(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})", spec)
        if not m:
            raise ScheduleError(f"quiet hours {spec!r}: use HH:MM-HH:MM, e.g. 21:00-08:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ScheduleError(f"quiet hours {spec!r}: not a time of day")
        quiet = cls(time(h1, m1), time(h2, m2))
        return None if quiet.start == quiet.end else quiet

    def contains(self, local: time) -> bool:
        local = local.replace(tzinfo=None, fold=0)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, when: datetime, tz: ZoneInfo) -> datetime:
        """The first end of quiet hours at or after `when` (an aware instant), in UTC."""
        when = when.astimezone(UTC)
        local = when.astimezone(tz)
        candidate = localize(local.date(), self.end, tz)
        if candidate < when:
            candidate = localize(local.date() + timedelta(days=1), self.end, tz)
        return candidate.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def localize(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant that wall-clock `day at` names in `tz`.

    A time inside the spring-forward gap (03:00–04:00 on the last Sunday of March
    in Athens) does not exist; it is read with the offset before the change,
    i.e. one hour later on the new clock. A time in the repeated autumn hour is
    its first occurrence.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def nominal_time(
    deadline: datetime, offset: Offset, tz: ZoneInfo, morning: time
) -> datetime | None:
    """When `offset` falls for `deadline`, before quiet hours; None if it does not apply.

    Day offsets keep the deadline's local wall-clock time; hour offsets are
    elapsed time; the morning-of reminder is at `morning` on the deadline's
    local day and does not apply when the deadline is not later than that.
    """
    deadline = deadline.astimezone(UTC)  # same-zone arithmetic in Python is wall-clock
    local = deadline.astimezone(tz)
    if offset.is_morning:
        at = localize(local.date(), morning, tz)
        return at.astimezone(UTC) if at < deadline else None
    if offset.days:
        day = local.date() - timedelta(days=offset.days)
        return localize(day, local.timetz(), tz).astimezone(UTC)
    return deadline - timedelta(hours=offset.hours)


def apply_quiet_hours(
    nominal: datetime, deadline: datetime, quiet: QuietHours | None, tz: ZoneInfo
) -> datetime:
    """Move a reminder out of quiet hours, to their end, unless the deadline is not later.

    A reminder whose postponed time would not be before the deadline is sent at
    its nominal time after all: late at night is better than too late.
    """
    nominal, deadline = nominal.astimezone(UTC), deadline.astimezone(UTC)
    if quiet is None or not quiet.contains(nominal.astimezone(tz).time()):
        return nominal
    postponed = quiet.end_after(nominal, tz)
    return postponed if postponed < deadline else nominal


@dataclass(frozen=True)
class ScheduleRules:
    """What the schedule depends on besides the deadline and the person's offsets."""

    tz: ZoneInfo
    quiet: QuietHours | None
    morning: time


@dataclass(frozen=True)
class PlannedReminder:
    offset: Offset
    due_at: datetime  # UTC, after quiet hours


def plan(
    deadline: datetime,
    offsets: Sequence[Offset],
    rules: ScheduleRules,
    *,
    not_before: datetime,
    catch_up: bool = False,
) -> list[PlannedReminder]:
    """The reminders still to send for one deadline, earliest first.

    Reminders due before `not_before` (the moment the plan is made) are left
    out: they belong to a past the person did not ask about. With `catch_up`
    (a deadline announced after the person subscribed) and nothing left in the
    future, the latest missed reminder is sent at `not_before` instead, so a
    short-notice deadline still reaches its followers once.
    """
    deadline, not_before = deadline.astimezone(UTC), not_before.astimezone(UTC)
    if deadline <= not_before:
        return []
    planned: dict[datetime, PlannedReminder] = {}
    missed: PlannedReminder | None = None
    for offset in sort_offsets(offsets):
        nominal = nominal_time(deadline, offset, rules.tz, rules.morning)
        if nominal is None:
            continue
        due = apply_quiet_hours(nominal, deadline, rules.quiet, rules.tz)
        if due >= deadline:
            continue
        item = PlannedReminder(offset, due)
        if due < not_before:
            if missed is None or due >= missed.due_at:
                missed = item
            continue
        # Two offsets landing on the same instant (e.g. both pushed to 08:00) make one message.
        planned.setdefault(due, item)
    if not planned and catch_up and missed is not None:
        due = apply_quiet_hours(not_before, deadline, rules.quiet, rules.tz)
        planned[due] = PlannedReminder(missed.offset, due)
    return sorted(planned.values(), key=lambda p: p.due_at)
