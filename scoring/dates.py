"""Calendar arithmetic for criterion ιγ (clause i: calendar years, pro-rated by months and days).

`dateutil` is not allowed in `scoring/`, so the calendar difference is written
here with the same semantics as `dateutil.relativedelta(end, start)`: whole
years, then whole months, then the remaining days, where adding months clamps
the day to the last day of the target month (31 Jan + 1 month = 28/29 Feb).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CalendarSpan:
    """A calendar difference: whole years, whole months (0..11), days (0..30)."""

    years: int
    months: int
    days: int

    def in_360ths(self) -> int:
        """The span in 360ths of a year (a month is 30, a day 1): whole numbers add fast."""
        return self.years * 360 + self.months * 30 + self.days

    def as_years(self) -> Fraction:
        """The span in years the way clause i counts it: y + m/12 + d/360 (exact)."""
        return Fraction(self.in_360ths(), 360)


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months, the day clamped to the month's length."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def calendar_difference(start: date, end: date) -> CalendarSpan:
    """The difference `end - start` in years, months and days (`end` exclusive, `start` ≤ `end`).

    Same result as `dateutil.relativedelta.relativedelta(end, start)` for dates.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    months = (end.year - start.year) * 12 + (end.month - start.month)
    anchor = add_months(start, months)
    # The month count above can overshoot by one when end's day is before start's day.
    while anchor > end:
        months -= 1
        anchor = add_months(start, months)
    years, months = divmod(months, 12)
    return CalendarSpan(years, months, (end - anchor).days)


def inclusive_span(start: date, end: date) -> CalendarSpan:
    """The span of a period whose `start` and `end` days are both included."""
    return calendar_difference(start, end + ONE_DAY)
