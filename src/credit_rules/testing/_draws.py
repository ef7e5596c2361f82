"""The draws every regulation's history strategies share, and what a regulation's testing
module provides.

Strategies are built once, here and in the cached helpers below, never inside a draw: a fresh
strategy object costs hypothesis a validation on every example, which made drawing a case some
ten times slower than evaluating it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.errors import CalendarRangeError
from credit_rules.i18n import Message
from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir
from credit_rules.testing._hypothesis import st

ONE_DAY: Final = dt.timedelta(days=1)
#: Shrinks to the plain case: written, repairable, granted (True first), no crime (False first).
TRUE_FIRST: Final = st.sampled_from((True, False))
MOSTLY_TRUE: Final = st.sampled_from((True, True, True, False))
FALSE_FIRST: Final = st.sampled_from((False, True))


@dataclass(frozen=True)
class History:
    """One subject and its events, ready for ``engine.evaluate([subject], events, as_of=...)``."""

    subject: Subject
    events: tuple[Event, ...]


@dataclass(frozen=True)
class TestingPack:
    """What testing knows about one regulation.

    ``histories``: for a ruleset of the regulation (perhaps a variant with changed parameters),
    the history strategy :func:`~credit_rules.testing.strategies.cases` draws from, between two
    days. ``before_in_force``: given a day before the ruleset took effect, perhaps a record
    entered that day, which must never count (none when the ruleset enters records by another
    event). ``long_history``: ``n`` events of one subject laid out procedure by procedure, the
    same for the same ``n``, for complexity tests and benchmarks.
    """

    __test__ = False  # a class named Test… that pytest must not collect

    vocabulary: str
    histories: Callable[[ir.Ruleset, dt.date, dt.date], st.SearchStrategy[History]]
    before_in_force: Callable[[st.DrawFn, ir.Ruleset, str, dt.date], list[Event]]
    long_history: Callable[[int], list[dict[str, Any]]]


def dates(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    """Days in [start, end]; shrinks towards 2000-01-01 as far as the range allows (hypothesis'
    own date strategy)."""
    return st.dates(min_value=start, max_value=end)


@functools.lru_cache(maxsize=512)
def days_between(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    """Days in [start, end], drawn as an offset from ``start``, so they shrink to ``start``."""
    if end < start:
        raise ValueError(Message("end {end} is before start {start}", end=end, start=start))
    span = (end - start).days
    return st.integers(0, span).map(lambda n: start + dt.timedelta(days=n))


@functools.lru_cache(maxsize=128)
def offset(low: int, high: int) -> st.SearchStrategy[dt.timedelta]:
    # Shrinks towards zero (or the bound nearest to it): a follow-up step on the same day, or
    # the next day where the procedure needs a later one.
    return st.integers(low, high).map(lambda n: dt.timedelta(days=n))


@functools.lru_cache(maxsize=64)
def some(most: int) -> st.SearchStrategy[int]:
    """How many times a procedure happens: 0..most, at least once about five times in six, so
    that short runs still meet every procedure, yet shrinking to none."""
    if most < 1:
        return st.just(0)
    return st.integers(0, most) | st.integers(1, most)


@functools.lru_cache(maxsize=64)
def index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def _landmarks(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> tuple[dt.date, ...]:
    found: list[dt.date] = []
    for year in range(start.year, end.year + 1):
        try:
            schedule = calendar.schedule(year)
        except CalendarRangeError:
            continue
        found.extend(day for day, _ in schedule.holidays)
        found.extend(day for day, _ in schedule.workdays)
    return tuple(sorted(day for day in set(found) if start <= day <= end))


def near_rest_days(
    start: dt.date,
    end: dt.date,
    *,
    within: int = 3,
    calendar: WorkingCalendar | None = None,
) -> st.SearchStrategy[dt.date]:
    """Days in [start, end] at most ``within`` days from a statutory rest day or an adjusted
    workday (调休上班日) of the PRC calendar: where working-day counts (Ganzhou Arts 12, 20, 25)
    and Civil Code Art 203's move past rest days go wrong if anything does.

    Shrinks towards the earliest such day. Falls back to any day in range when the calendar has
    no holidays there.
    """
    return _near_rest_days(start, end, within, calendar or default_calendar())


@functools.lru_cache(maxsize=64)
def _near_rest_days(
    start: dt.date, end: dt.date, within: int, calendar: WorkingCalendar
) -> st.SearchStrategy[dt.date]:
    landmarks = _landmarks(start, end, calendar)
    if not landmarks:
        return days_between(start, end)
    return st.builds(
        lambda day, shift: min(max(day + dt.timedelta(days=shift), start), end),
        st.sampled_from(landmarks),
        st.integers(-within, within),
    )


@functools.lru_cache(maxsize=64)
def days(
    start: dt.date, end: dt.date, calendar: WorkingCalendar | None
) -> st.SearchStrategy[dt.date]:
    # Plain days first (they shrink to start), days near rest days second.
    return days_between(start, end) | near_rest_days(start, end, calendar=calendar)


def first_events(events: Iterator[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first ``n`` events of an endless history, in date order."""
    found: list[dict[str, Any]] = []
    for event in events:
        if len(found) >= n:
            break
        found.append(event)
    return sorted(found, key=lambda e: e["date"])
