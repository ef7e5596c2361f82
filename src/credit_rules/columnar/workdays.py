"""The working-day calendar as lookup columns: counting N working days is two gathers.

:class:`~credit_rules.calendar.WorkingCalendar` answers "the Nth working day after a date"
with one lookup in its cumulative count of working days and one in its list of working days
(``work[cum[i + 1] + n - 1]``, docs/calendar.md). Here the same two arrays are Polars series,
and a day is its number from the calendar's first day, so a whole column of starts is counted
by two ``gather`` calls, never by a Python call per row. Days outside the calendar's years
give null, and the caller that needs an answer raises
:class:`~credit_rules.errors.CalendarRangeError` for them, as the calendar itself does.

The arrays are read through the calendar's public answers (``is_working_day``,
``published_years``) once per engine, so they cannot drift from the per-subject engine's.
"""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

import polars as pl

from credit_rules.calendar import WorkingCalendar
from credit_rules.errors import CalendarRangeError
from credit_rules.i18n import Message

_EPOCH = dt.date(1970, 1, 1)


class DayIndex:
    """One calendar's days as arrays; holds nothing of an evaluation."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        first = dt.date(calendar.first_year, 1, 1)
        last = dt.date(calendar.last_year, 12, 31)
        self.first = first
        self.last = last
        self.size = (last - first).days + 1
        #: Polars keeps a date as its day number since 1970-01-01.
        self.origin = (first - _EPOCH).days
        days = [first + dt.timedelta(days=i) for i in range(self.size)]
        working = [calendar.is_working_day(day, strict=False) for day in days]
        published = calendar.published_years
        #: cum[i]: working days among the first i days; work[k]: the (k+1)th working day.
        cum = [0, *accumulate(int(w) for w in working)]
        work = [i for i, w in enumerate(working) if w]
        self.total = len(work)
        #: The lookups, each padded with a null at both ends (see :func:`_looked_up`):
        #: cum[i] for 0 <= i <= size, cum[i] and cum[i + 1] for a day i of the calendar, and
        #: the day number of working day t for 1 <= t <= total.
        self._cum = _padded(cum)
        self._cum_on_day = _padded(cum[: self.size])
        self._cum_after_day = _padded(cum[1:])
        self._work = _padded(work)
        #: unpublished[i]: days among the first i in a year without a published schedule.
        self.unpublished = pl.Series(
            "unpublished",
            [0, *accumulate(int(day.year not in published) for day in days)],
            pl.Int64,
        )

    def index(self, day: pl.Expr) -> pl.Expr:
        """A date column as day numbers of the calendar (may lie outside it)."""
        return day.cast(pl.Int32).cast(pl.Int64) - self.origin

    def date(self, index: pl.Expr) -> pl.Expr:
        return (index + self.origin).cast(pl.Int32).cast(pl.Date)

    def cum_at(self, position: pl.Expr) -> pl.Expr:
        """``cum[position]`` (0..size), null outside."""
        return _looked_up(self._cum, position, 0)

    def work_at(self, target: pl.Expr) -> pl.Expr:
        """The day number of working day ``target`` (1-based), null past the calendar."""
        return _looked_up(self._work, target, 1)

    def add_working_days(self, start: pl.Expr, n: int | pl.Expr) -> pl.Expr:
        """The Nth working day after ``start`` (Civil Code Art 201: ``start`` never counts);
        ``n == 0`` gives ``start``. :meth:`WorkingCalendar.add_working_days` on columns."""
        counted_before = _looked_up(self._cum_after_day, self.index(start), 0)
        due = self.date(self.work_at(counted_before + n))
        if isinstance(n, int):
            return start if n == 0 else due
        return pl.when(n == 0).then(start).otherwise(due)

    def roll_forward(self, day: pl.Expr) -> pl.Expr:
        """``day`` if it is a working day, else the first one after it (Civil Code Art 203)."""
        counted_before = _looked_up(self._cum_on_day, self.index(day), 0)
        return self.date(self.work_at(counted_before + 1))

    def raise_if_past(self, rows: pl.DataFrame, what: str) -> None:
        """Raise :class:`CalendarRangeError` if ``rows`` holds any row: a count that ran past
        the calendar's years, which the calendar itself refuses."""
        if rows.height:
            calendar = self.calendar
            raise CalendarRangeError(
                dt.date(calendar.last_year + 1, 1, 1),
                calendar.first_year,
                calendar.last_year,
                Message("counting working days for {what}", what=what),
            )

    def clip(self, index: pl.Expr) -> pl.Expr:
        """Days past the calendar's last are not counted (the calendar clips them too)."""
        return index.clip(upper_bound=self.size - 1)

    def unpublished_between(self, first: pl.Expr, last: pl.Expr) -> pl.Expr:
        """Whether any day from ``first`` to ``last`` (dates, inclusive) lies in a year whose
        schedule is not published: what makes a count provisional."""
        low = self.index(first).clip(0, self.size)
        high = (self.index(last) + 1).clip(0, self.size)
        counted = pl.lit(self.unpublished).gather(high) - pl.lit(self.unpublished).gather(low)
        return (counted > 0).fill_null(False)


def _padded(values: list[int]) -> pl.Series:
    """``values`` between two nulls: what a position outside them looks up."""
    return pl.Series([None, *values, None], dtype=pl.Int64)


def _looked_up(table: pl.Series, position: pl.Expr, first: int) -> pl.Expr:
    """The value at ``position`` of the values padded in ``table``, the first of which sits at
    ``first``; null for a position outside them, or null.

    ``position`` appears once in the expression. Written as "when inside, then gather" it
    appeared three times (twice in the test of its range, once gathered), and a count or a
    roll nests three lookups, so a roll of a count named its day 729 times: Ganzhou's last day
    to object grew to 92,000 characters of expression and took 0.45 s on 164,385 rows instead
    of a few milliseconds (2026-12-06). The position is taken as Int64, so that the bounds
    below (-1 among them) fit whatever integer type it comes in."""
    last = first + table.len() - 3
    wide = position.cast(pl.Int64)
    return pl.lit(table).gather(wide.clip(first - 1, last + 1) - (first - 1))
