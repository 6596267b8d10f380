"""Reminder times: offsets, the morning of, quiet hours and Greek daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.reminders.schedule import (
    DEFAULT_OFFSETS,
    Offset,
    QuietHours,
    ScheduleError,
    ScheduleRules,
    apply_quiet_hours,
    localize,
    nominal_time,
    parse_offsets,
    plan,
)

ATHENS = ZoneInfo("Europe/Athens")
QUIET = QuietHours(time(21, 0), time(8, 0))
RULES = ScheduleRules(tz=ATHENS, quiet=QUIET, morning=time(8, 0))


def athens(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ATHENS)


def local(dt: datetime) -> str:
    return dt.astimezone(ATHENS).strftime("%Y-%m-%d %H:%M %z")


def test_default_offsets_are_seven_days_one_day_and_the_morning_of() -> None:
    deadline = athens(2027, 9, 15, 14, 0)
    got = plan(deadline, parse_offsets(DEFAULT_OFFSETS), RULES, not_before=athens(2027, 9, 1))
    assert [(p.offset.code, local(p.due_at)) for p in got] == [
        ("7d", "2027-09-08 14:00 +0300"),
        ("1d", "2027-09-14 14:00 +0300"),
        ("morning", "2027-09-15 08:00 +0300"),
    ]


def test_parse_offsets_orders_as_read_and_drops_repeats() -> None:
    assert [o.code for o in parse_offsets("2h, morning,1d,7D,1d")] == ["7d", "1d", "morning", "2h"]


@pytest.mark.parametrize("bad", ["0d", "7w", "d", "-1d", "1000d", "tomorrow"])
def test_malformed_offset_is_refused_with_its_name(bad: str) -> None:
    with pytest.raises(ScheduleError, match=bad if bad != "7w" else "7w"):
        parse_offsets(bad)


def test_seven_days_before_keeps_wall_clock_time_across_spring_forward() -> None:
    # Clocks go 03:00 → 04:00 on Sunday 28 March 2027; the deadline is in summer time.
    deadline = athens(2027, 3, 31, 10, 0)
    due = nominal_time(deadline, Offset("7d"), ATHENS, time(8, 0))
    assert due is not None
    assert local(due) == "2027-03-24 10:00 +0200"
    assert deadline - due == timedelta(days=7, hours=-1)  # 167 elapsed hours, not 168


def test_seven_days_before_keeps_wall_clock_time_across_fall_back() -> None:
    # Clocks go 04:00 → 03:00 on Sunday 31 October 2027.
    deadline = athens(2027, 11, 2, 10, 0)
    due = nominal_time(deadline, Offset("7d"), ATHENS, time(8, 0))
    assert due is not None
    assert local(due) == "2027-10-26 10:00 +0300"
    assert deadline - due == timedelta(days=7, hours=1)


def test_hour_offsets_are_elapsed_time_across_the_change() -> None:
    # 02:00 local on the spring-forward night: two elapsed hours before 05:00 EEST.
    deadline = athens(2027, 3, 28, 5, 0)
    due = nominal_time(deadline, Offset("2h"), ATHENS, time(8, 0))
    assert due is not None
    assert local(due) == "2027-03-28 02:00 +0200"


def test_a_wall_time_in_the_spring_gap_reads_as_the_hour_after() -> None:
    assert local(localize(datetime(2027, 3, 28).date(), time(3, 30), ATHENS)) == (
        "2027-03-28 04:30 +0300"
    )


def test_the_repeated_autumn_hour_reads_as_its_first_occurrence() -> None:
    got = localize(datetime(2027, 10, 31).date(), time(3, 30), ATHENS)
    assert got.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_one_day_before_a_deadline_the_day_after_the_change() -> None:
    deadline = athens(2027, 3, 29, 9, 0)  # Monday after the spring change
    got = plan(deadline, parse_offsets("1d,morning"), RULES, not_before=athens(2027, 3, 1))
    assert [local(p.due_at) for p in got] == ["2027-03-28 09:00 +0300", "2027-03-29 08:00 +0300"]


def test_morning_of_does_not_apply_to_a_deadline_before_the_morning() -> None:
    assert nominal_time(athens(2027, 9, 15, 7, 30), Offset("morning"), ATHENS, time(8)) is None


def test_quiet_hours_window_wraps_midnight() -> None:
    assert QUIET.contains(time(21, 0))
    assert QUIET.contains(time(23, 59))
    assert QUIET.contains(time(0, 0))
    assert QUIET.contains(time(7, 59))
    assert not QUIET.contains(time(8, 0))
    assert not QUIET.contains(time(20, 59))


def test_daytime_quiet_hours_do_not_wrap() -> None:
    lunch = QuietHours(time(14, 0), time(17, 0))
    assert lunch.contains(time(15, 0))
    assert not lunch.contains(time(13, 0))
    assert not lunch.contains(time(17, 0))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("21:00-08:00", "21:00-08:00"), ("22:30 – 7:15", "22:30-07:15"), ("off", None), ("", None)],
)
def test_quiet_hours_setting_is_parsed(spec: str, expected: str | None) -> None:
    got = QuietHours.parse(spec)
    assert (str(got) if got else None) == expected


@pytest.mark.parametrize("bad", ["21-08", "25:00-08:00", "21:00", "21:61-08:00"])
def test_malformed_quiet_hours_are_refused(bad: str) -> None:
    with pytest.raises(ScheduleError, match="quiet hours"):
        QuietHours.parse(bad)


def test_reminder_in_quiet_hours_is_sent_at_their_end() -> None:
    deadline = athens(2027, 9, 15, 22, 30)
    got = plan(deadline, parse_offsets("7d,1d"), RULES, not_before=athens(2027, 9, 1))
    assert [local(p.due_at) for p in got] == ["2027-09-09 08:00 +0300", "2027-09-15 08:00 +0300"]


def test_quiet_reminder_is_sent_at_once_when_the_end_would_be_too_late() -> None:
    # 2 hours before 06:00 is 04:00, in quiet hours; their end (08:00) is after the deadline.
    deadline = athens(2027, 9, 15, 6, 0)
    nominal = nominal_time(deadline, Offset("2h"), ATHENS, time(8, 0))
    assert nominal is not None
    assert apply_quiet_hours(nominal, deadline, QUIET, ATHENS) == nominal
    assert local(nominal) == "2027-09-15 04:00 +0300"


def test_quiet_hours_end_on_the_morning_after_the_autumn_change() -> None:
    # 23:00 on Saturday 30 October; the night is 25 hours long, the end is still 08:00 local.
    deadline = athens(2027, 11, 1, 23, 0)
    nominal = nominal_time(deadline, Offset("2d"), ATHENS, time(8, 0))
    assert nominal is not None
    due = apply_quiet_hours(nominal, deadline, QUIET, ATHENS)
    assert local(due) == "2027-10-31 08:00 +0200"


def test_two_offsets_pushed_to_the_same_morning_make_one_reminder() -> None:
    deadline = athens(2027, 9, 15, 22, 0)  # 1d before is 22:00, pushed to 08:00 = morning-of
    got = plan(deadline, parse_offsets("1d,morning"), RULES, not_before=athens(2027, 9, 1))
    assert [(p.offset.code, local(p.due_at)) for p in got] == [("1d", "2027-09-15 08:00 +0300")]


def test_reminders_already_past_when_planning_are_left_out() -> None:
    deadline = athens(2027, 9, 15, 14, 0)
    got = plan(deadline, parse_offsets("7d,1d,morning"), RULES, not_before=athens(2027, 9, 10))
    assert [p.offset.code for p in got] == ["1d", "morning"]


def test_short_notice_deadline_catches_up_once_for_its_followers() -> None:
    deadline = athens(2027, 9, 15, 12, 0)
    now = athens(2027, 9, 15, 10, 0)
    assert plan(deadline, parse_offsets("7d,1d,morning"), RULES, not_before=now) == []
    got = plan(deadline, parse_offsets("7d,1d,morning"), RULES, not_before=now, catch_up=True)
    assert [(p.offset.code, p.due_at) for p in got] == [("morning", now.astimezone(UTC))]


def test_catch_up_waits_for_the_end_of_quiet_hours_if_there_is_time() -> None:
    deadline = athens(2027, 9, 16, 12, 0)
    now = athens(2027, 9, 15, 23, 0)
    got = plan(deadline, parse_offsets("7d,1d"), RULES, not_before=now, catch_up=True)
    assert [(p.offset.code, local(p.due_at)) for p in got] == [("1d", "2027-09-16 08:00 +0300")]


def test_nothing_is_planned_for_a_deadline_that_has_passed() -> None:
    deadline = athens(2027, 9, 15, 12, 0)
    assert plan(deadline, parse_offsets("1d"), RULES, not_before=deadline, catch_up=True) == []


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(ATHENS)
)


@given(
    deadline=moments, codes=st.sets(st.sampled_from(["14d", "7d", "3d", "1d", "morning", "2h"]))
)
def test_every_planned_reminder_is_before_the_deadline_and_outside_quiet_hours_if_possible(
    deadline: datetime, codes: set[str]
) -> None:
    start = deadline - timedelta(days=30)
    for item in plan(deadline, parse_offsets(codes), RULES, not_before=start):
        assert start <= item.due_at < deadline
        in_quiet = QUIET.contains(item.due_at.astimezone(ATHENS).time())
        if in_quiet:
            # Only when waiting for 08:00 would have been too late.
            assert QUIET.end_after(item.due_at, ATHENS) >= deadline
