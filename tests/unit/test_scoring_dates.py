"""The calendar difference of criterion ιγ agrees with dateutil.relativedelta."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from scoring.dates import CalendarSpan, add_months, calendar_difference, inclusive_span

any_date = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(any_date, st.integers(min_value=0, max_value=20000))
def test_calendar_difference_matches_relativedelta(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    expected = relativedelta(end, start)
    span = calendar_difference(start, end)
    assert (span.years, span.months, span.days) == (
        expected.years,
        expected.months,
        expected.days,
    )


@given(any_date, st.integers(min_value=0, max_value=20000))
def test_inclusive_span_is_difference_to_the_day_after_the_end(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    expected = relativedelta(end + timedelta(days=1), start)
    span = inclusive_span(start, end)
    assert (span.years, span.months, span.days) == (
        expected.years,
        expected.months,
        expected.days,
    )


@pytest.mark.parametrize(
    ("start", "end", "span"),
    [
        # single-day period: one day
        (date(2020, 5, 7), date(2020, 5, 7), CalendarSpan(0, 0, 1)),
        # a whole calendar year
        (date(2012, 1, 1), date(2012, 12, 31), CalendarSpan(1, 0, 0)),
        # the spec's pro-rata example: 1 year, 3 months, 15 days
        (date(2010, 3, 1), date(2011, 6, 15), CalendarSpan(1, 3, 15)),
        # 29 February to 28 February of the next year: a full year (clamped anniversary)
        (date(2020, 2, 29), date(2021, 2, 27), CalendarSpan(1, 0, 0)),
        (date(2020, 2, 29), date(2021, 2, 28), CalendarSpan(1, 0, 1)),
        # 29 February over four years to the next leap day
        (date(2016, 2, 29), date(2020, 2, 28), CalendarSpan(4, 0, 0)),
        # 31 January + 1 month is clamped to 28 February: 31 Jan-27 Feb is a whole month
        (date(2021, 1, 31), date(2021, 2, 27), CalendarSpan(0, 1, 0)),
        (date(2021, 1, 31), date(2021, 2, 26), CalendarSpan(0, 0, 27)),
        (date(2021, 1, 31), date(2021, 3, 30), CalendarSpan(0, 2, 0)),
        (date(2020, 1, 31), date(2020, 2, 28), CalendarSpan(0, 1, 0)),
        # the whole of February, leap and not
        (date(2021, 2, 1), date(2021, 2, 28), CalendarSpan(0, 1, 0)),
        (date(2020, 2, 1), date(2020, 2, 29), CalendarSpan(0, 1, 0)),
        # a month-end start: 31 August to 30 September
        (date(2015, 8, 31), date(2015, 9, 30), CalendarSpan(0, 1, 1)),
    ],
)
def test_inclusive_span_edge_cases(start: date, end: date, span: CalendarSpan) -> None:
    assert inclusive_span(start, end) == span
    expected = relativedelta(end + timedelta(days=1), start)
    assert (expected.years, expected.months, expected.days) == (
        span.years,
        span.months,
        span.days,
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
        (date(2020, 12, 15), 1, date(2021, 1, 15)),
        (date(2020, 3, 31), -1, date(2020, 2, 29)),
        (date(2020, 3, 31), 0, date(2020, 3, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_span_in_years_counts_months_as_twelfths_and_days_as_360ths() -> None:
    assert CalendarSpan(2, 4, 27).as_years() == Fraction(2) + Fraction(4, 12) + Fraction(27, 360)
    assert CalendarSpan(0, 0, 1).as_years() == Fraction(1, 360)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        calendar_difference(date(2020, 1, 2), date(2020, 1, 1))
