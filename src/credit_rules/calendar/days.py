"""The PRC working-day calendar, precomputed once so that every question about it is O(1).

Conventions of Chinese law (docs/calendar.md):

- A working day (工作日) is a Monday–Friday that no holiday notice makes a rest day, or a
  Saturday/Sunday that the State Council notice makes an adjusted workday (调休上班日).
- N working days counted from an event start the day after it (Civil Code Art 201, applied to
  working days as the measures do): the event's own day never counts and the Nth working day
  is the last day.
- A deadline for an act whose last day is a rest day ends on the first working day after the
  rest days instead (Civil Code Art 203: 期间的最后一日是法定休假日的，以法定休假日结束的次日为
  期间的最后一日). The length of a status (a record's validity, a ban) does not move.

How it is fast: the calendar keeps, for every day of its years, whether it is a working day, a
running count of working days before it, and the list of working days in order. Counting N
working days after a date is then one lookup in each: ``work[cum[i + 1] + n - 1]``. Nothing is
ever recomputed and nothing is mutated after construction, so a calendar can be shared freely
between threads.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NoReturn

from credit_rules.calendar.deadlines import (
    ClockKind,
    ClockUnit,
    DeadlineClock,
    ExcludedPeriod,
    Extension,
    compute_deadline,
)
from credit_rules.calendar.overlay import load_overlay
from credit_rules.calendar.schedules import (
    DEFAULT_HORIZON_YEARS,
    FIRST_CHECKED_YEAR,
    YearSchedule,
    published_run_end,
    published_years_in_holidays,
    schedules_from_holidays,
)
from credit_rules.errors import CalendarNotPublished, CalendarRangeError
from credit_rules.i18n import Message
from credit_rules.periods import Period, last_day_of_period

DayKind = Literal["workday", "weekend", "holiday", "adjusted_workday"]
ExcludedRange = tuple[dt.date, dt.date]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DayInfo:
    """What one day is on the calendar, and why, for explanations."""

    day: dt.date
    working: bool
    kind: DayKind
    name: str
    published: bool

    def label(self) -> str:
        """Short description such as ``Sun, adjusted workday`` or ``Tue, holiday 国庆节``."""
        parts = [_WEEKDAYS[self.day.weekday()]]
        if self.kind == "adjusted_workday":
            parts.append("adjusted workday")
        elif self.kind == "holiday":
            parts.append(f"holiday {self.name}")
        elif self.kind == "weekend":
            parts.append("weekend")
        if not self.published:
            parts.append("provisional")
        return ", ".join(parts)


class WorkingCalendar:
    """The PRC working-day calendar for a span of years, immutable once built.

    Build one with ``WorkingCalendar()`` (the ``holidays`` CN data, from 2001 to ten years past
    the last published State Council schedule), or use :func:`default_calendar`. Newer schedules
    come in through :meth:`with_overlay`, which returns a new calendar.

    ``strict`` decides what happens when an answer depends on a year whose State Council
    schedule is not in the data: by default the answer is given from the statute alone and
    deadlines are marked provisional; in strict mode :class:`CalendarNotPublished` is raised.
    Each method also takes ``strict=`` to override it for one call.
    """

    __slots__ = (
        "_cum",
        "_dates",
        "_first_year",
        "_last_year",
        "_names",
        "_origin",
        "_published",
        "_published_end",
        "_published_through",
        "_schedules",
        "_size",
        "_strict",
        "_total",
        "_unpublished_cum",
        "_work",
        "_working",
    )

    _cum: tuple[int, ...]
    _dates: tuple[dt.date, ...]
    _first_year: int
    _last_year: int
    _names: Mapping[dt.date, str]
    _origin: int
    _published: frozenset[int]
    _published_end: int
    _published_through: int | None
    _schedules: Mapping[int, YearSchedule]
    _size: int
    _strict: bool
    _total: int
    _unpublished_cum: tuple[int, ...]
    _work: tuple[int, ...]
    _working: tuple[bool, ...]

    def __init__(
        self,
        *,
        first_year: int = FIRST_CHECKED_YEAR,
        last_year: int | None = None,
        strict: bool = False,
    ) -> None:
        if last_year is None:
            through = published_run_end(FIRST_CHECKED_YEAR, published_years_in_holidays())
            last_year = max((through or first_year) + DEFAULT_HORIZON_YEARS, first_year)
        self._setup(schedules_from_holidays(first_year, last_year), strict)

    @classmethod
    def from_schedules(
        cls, schedules: Iterable[YearSchedule], *, strict: bool = False
    ) -> WorkingCalendar:
        """A calendar from your own schedules: one per year, for consecutive years."""
        calendar = cls.__new__(cls)
        calendar._setup(tuple(schedules), strict)
        return calendar

    def _setup(self, schedules: tuple[YearSchedule, ...], strict: bool) -> None:
        by_year = {schedule.year: schedule for schedule in schedules}
        if not by_year:
            raise ValueError(Message("a calendar needs at least one year"))
        first, last = min(by_year), max(by_year)
        if len(by_year) != len(schedules) or len(by_year) != last - first + 1:
            raise ValueError(
                Message("a calendar needs exactly one schedule for each consecutive year")
            )
        origin = dt.date(first, 1, 1).toordinal()
        size = dt.date(last, 12, 31).toordinal() - origin + 1
        dates = tuple(dt.date.fromordinal(origin + index) for index in range(size))
        rest = {day for schedule in schedules for day, _ in schedule.holidays}
        adjusted = {day for schedule in schedules for day, _ in schedule.workdays}
        working = tuple(
            (day not in rest) if day.weekday() < 5 else (day in adjusted) for day in dates
        )
        published = frozenset(year for year, schedule in by_year.items() if schedule.published)
        through = published_run_end(first, published)
        cum = [0] * (size + 1)
        unpublished_cum = [0] * (size + 1)
        for index, day in enumerate(dates):
            cum[index + 1] = cum[index] + working[index]
            unpublished_cum[index + 1] = unpublished_cum[index] + (day.year not in published)
        names: dict[dt.date, str] = {}
        for schedule in schedules:
            names.update(schedule.holidays)
            names.update(schedule.workdays)
        set_ = object.__setattr__
        set_(self, "_schedules", MappingProxyType(dict(sorted(by_year.items()))))
        set_(self, "_first_year", first)
        set_(self, "_last_year", last)
        set_(self, "_origin", origin)
        set_(self, "_size", size)
        set_(self, "_dates", dates)
        set_(self, "_working", working)
        set_(self, "_cum", tuple(cum))
        set_(self, "_work", tuple(index for index in range(size) if working[index]))
        set_(self, "_total", cum[size])
        set_(self, "_published", published)
        set_(self, "_published_through", through)
        end = -1 if through is None else dt.date(through, 12, 31).toordinal() - origin
        set_(self, "_published_end", end)
        set_(self, "_unpublished_cum", tuple(unpublished_cum))
        set_(self, "_names", MappingProxyType(names))
        set_(self, "_strict", strict)

    def __getstate__(self) -> dict[str, object]:
        # Calendars travel to worker processes with the engines that count on them.
        return {
            name: dict(value) if isinstance(value, MappingProxyType) else value
            for name, value in self.__dict__.items()
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            restored = MappingProxyType(value) if isinstance(value, dict) else value
            object.__setattr__(self, name, restored)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(
            Message("a WorkingCalendar is immutable; with_overlay() returns a new one")
        )

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(Message("a WorkingCalendar is immutable"))

    def __reduce__(self) -> tuple[Any, tuple[tuple[YearSchedule, ...], bool]]:
        # Pickle (for multiprocessing) as the schedules it was built from; the index is rebuilt.
        return _rebuild, (tuple(self._schedules.values()), self._strict)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self._first_year}–{self._last_year}, published through "
            f"{self._published_through}, strict={self._strict})"
        )

    # -- what the calendar covers ------------------------------------------------------------

    @property
    def first_year(self) -> int:
        return self._first_year

    @property
    def last_year(self) -> int:
        return self._last_year

    @property
    def published_through(self) -> int | None:
        """The last year of the unbroken run of years with a published State Council schedule,
        counted from :attr:`first_year` (None if even that year is not published)."""
        return self._published_through

    @property
    def published_years(self) -> frozenset[int]:
        """Every year with a published schedule, including overlays past a gap."""
        return self._published

    @property
    def strict(self) -> bool:
        return self._strict

    def schedule(self, year: int) -> YearSchedule:
        """The holidays, adjusted workdays and source the calendar uses for ``year``."""
        try:
            return self._schedules[year]
        except KeyError:
            raise CalendarRangeError(
                dt.date(year, 1, 1),
                self._first_year,
                self._last_year,
                Message("the schedule of {year}", year=year),
            ) from None

    def with_strict(self, strict: bool = True) -> WorkingCalendar:
        """The same calendar with another default for ``strict``."""
        return WorkingCalendar.from_schedules(self._schedules.values(), strict=strict)

    def with_overlay(
        self, overlay: str | os.PathLike[str] | Mapping[str, Any] | YearSchedule
    ) -> WorkingCalendar:
        """A new calendar with one year's schedule replaced by a newer one.

        ``overlay`` is a YAML or JSON file, an already-parsed mapping, or a
        :class:`YearSchedule` (see docs/calendar.md for the format). The overlay replaces the
        whole year; years between the calendar's last year and the overlay's are estimated from
        the statute. This calendar is left exactly as it was.
        """
        schedule = overlay if isinstance(overlay, YearSchedule) else load_overlay(overlay)
        by_year = dict(self._schedules)
        if schedule.year > self._last_year + 1:
            by_year.update(
                (s.year, s) for s in schedules_from_holidays(self._last_year + 1, schedule.year - 1)
            )
        if schedule.year < self._first_year - 1:
            by_year.update(
                (s.year, s)
                for s in schedules_from_holidays(schedule.year + 1, self._first_year - 1)
            )
        by_year[schedule.year] = schedule
        return WorkingCalendar.from_schedules(by_year.values(), strict=self._strict)

    # -- single days -------------------------------------------------------------------------

    def is_working_day(self, day: dt.date, *, strict: bool | None = None) -> bool:
        """Whether ``day`` is a working day (工作日), adjusted workdays included."""
        index = self._index(day, "is_working_day")
        if index > self._published_end and (self._strict if strict is None else strict):
            self._require_published(index, index, f"whether {day.isoformat()} is a working day")
        return self._working[index]

    def describe_day(self, day: dt.date) -> DayInfo:
        """What ``day`` is (workday, weekend, holiday or adjusted workday) and its name."""
        index = self._index(day, "describe_day")
        working = self._working[index]
        weekend = day.weekday() >= 5
        kind: DayKind
        if working:
            kind = "adjusted_workday" if weekend else "workday"
        else:
            kind = "holiday" if day in self._names else "weekend"
        return DayInfo(
            day=day,
            working=working,
            kind=kind,
            name=self._names.get(day, ""),
            published=day.year in self._published,
        )

    def next_working_day(self, day: dt.date, *, strict: bool | None = None) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1, strict=strict)

    def roll_forward(self, day: dt.date, *, strict: bool | None = None) -> dt.date:
        """``day`` if it is a working day, else the first working day after it (Art 203)."""
        return self.nth_working_day(day, 1, strict=strict)

    # -- counting ----------------------------------------------------------------------------

    def add_working_days(
        self,
        start: dt.date,
        n: int,
        *,
        excluded: Iterable[ExcludedRange] = (),
        strict: bool | None = None,
    ) -> dt.date:
        """The Nth working day after ``start`` (``start`` itself never counts; Art 201).

        Days inside an ``excluded`` period (inclusive ``(first, last)`` pairs; e.g. time for
        inspection, testing, appraisal or expert review under Ganzhou Art 20) do not count.
        ``n == 0`` gives ``start`` back unchanged.
        """
        index = start.toordinal() - self._origin
        if n < 0 or not 0 <= index < self._size:
            self._bad_count(start, n, "add_working_days")
        if excluded:
            due = self._due_index_excluding(index, n, excluded, start)
        elif n == 0:
            return start
        else:
            target = self._cum[index + 1] + n
            if target > self._total:
                self._past_end(start, n)
            due = self._work[target - 1]
        if due > self._published_end and (self._strict if strict is None else strict):
            self._require_published(index + 1, due, f"{n} working days after {start.isoformat()}")
        return self._dates[due]

    def nth_working_day(self, first: dt.date, n: int, *, strict: bool | None = None) -> dt.date:
        """The Nth working day counting from ``first`` itself (n >= 1): with n = 1, ``first``
        when it is a working day, else the next one ("the 1st working day of October")."""
        index = first.toordinal() - self._origin
        if n < 1 or not 0 <= index < self._size:
            self._bad_count(first, n, "nth_working_day", minimum=1)
        target = self._cum[index] + n
        if target > self._total:
            self._past_end(first, n)
        due = self._work[target - 1]
        if due > self._published_end and (self._strict if strict is None else strict):
            self._require_published(index, due, f"working day {n} from {first.isoformat()} on")
        return self._dates[due]

    def working_days_between(
        self, start: dt.date, end: dt.date, *, strict: bool | None = None
    ) -> int:
        """How many working days ``d`` have ``start < d <= end``: the count a deadline clock
        shows on ``end`` for an event on ``start``. Negative when ``end`` is before ``start``."""
        first = self._index(start, "working_days_between")
        last = self._index(end, "working_days_between")
        low, high = (first, last) if first <= last else (last, first)
        if high > self._published_end and (self._strict if strict is None else strict):
            self._require_published(
                low + 1,
                high,
                f"working days between {start.isoformat()} and {end.isoformat()}",
            )
        return self._cum[last + 1] - self._cum[first + 1]

    # -- Civil Code periods --------------------------------------------------------------------

    def act_deadline(
        self, start: dt.date, period: Period | str, *, strict: bool | None = None
    ) -> dt.date:
        """Last day to do an act within ``period`` of ``start``: Art 201–202 give the last day,
        and Art 203 moves it past any rest days it falls on. A period in working days ends on
        a working day already."""
        period = Period.parse(period) if isinstance(period, str) else period
        if period.unit not in ("days", "months", "years"):  # working days: this calendar counts
            return self.add_working_days(start, period.count, strict=strict)
        return self.roll_forward(last_day_of_period(start, period), strict=strict)

    def status_last_day(
        self, start: dt.date, period: Period | str, *, strict: bool | None = None
    ) -> dt.date:
        """Last day (inclusive) of a status lasting ``period`` from ``start``. It never moves
        for rest days: Art 203 is about the time to do something, not the length of a state.
        Only a status counted in working days needs the calendar at all."""
        period = Period.parse(period) if isinstance(period, str) else period
        if period.unit not in ("days", "months", "years"):
            return self.add_working_days(start, period.count, strict=strict)
        return last_day_of_period(start, period)

    def deadline(
        self,
        start: dt.date,
        count: int,
        unit: ClockUnit,
        *,
        kind: ClockKind = "act",
        start_event: str = "",
        rule: str = "",
        excluded: Iterable[ExcludedPeriod] = (),
        extensions: Iterable[Extension] = (),
        extension_cap: int | None = None,
        strict: bool | None = None,
    ) -> DeadlineClock:
        """A :class:`DeadlineClock`: the due date with everything that produced it."""
        return compute_deadline(
            self,
            start,
            count,
            unit,
            kind=kind,
            start_event=start_event,
            rule=rule,
            excluded=tuple(excluded),
            extensions=tuple(extensions),
            extension_cap=extension_cap,
            strict=self._strict if strict is None else strict,
        )

    # -- provisional years ---------------------------------------------------------------------

    def unpublished_years(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """The years from ``first`` to ``last`` (inclusive) without a published schedule."""
        low = max(first.year, self._first_year)
        high = min(last.year, self._last_year)
        return tuple(year for year in range(low, high + 1) if year not in self._published)

    def provisional_reason(self, first: dt.date, last: dt.date) -> str | None:
        """Why an answer that depends on the days ``first``..``last`` is provisional, or None
        when every one of those days is in a year with a published schedule."""
        years = self.unpublished_years(first, last)
        if not years:
            return None
        through = self._published_through
        known = f"published through {through}" if through is not None else "none published"
        notes = "; ".join(
            f"{year} is taken from {self._schedules[year].source.cite()}" for year in years
        )
        return (
            f"provisional: the count depends on {', '.join(map(str, years))}, whose State "
            f"Council holiday schedule is not in the calendar data ({known}). {notes}. The "
            "notice can still move rest days and add adjusted workdays, so the date may change "
            "once it is published (load it with WorkingCalendar.with_overlay())."
        )

    # -- internals -----------------------------------------------------------------------------

    def _index(self, day: dt.date, what: str) -> int:
        index = day.toordinal() - self._origin
        if not 0 <= index < self._size:
            raise CalendarRangeError(day, self._first_year, self._last_year, what)
        return index

    def _require_published(self, first: int, last: int, what: str) -> None:
        if last < first or self._unpublished_cum[last + 1] == self._unpublished_cum[first]:
            return
        years = self.unpublished_years(self._dates[first], self._dates[last])
        raise CalendarNotPublished(years, self._published_through, what)

    def _due_index_excluding(
        self, index: int, n: int, excluded: Iterable[ExcludedRange], start: dt.date
    ) -> int:
        # Merge the excluded periods, then walk them in order: each one that begins on or
        # before the current due day pushes the due day by the working days it contains.
        # The walk is over the periods, never over the days.
        spans: list[tuple[int, int]] = []
        for first, last in excluded:
            if last < first:
                raise ValueError(
                    Message(
                        "an excluded period ends ({last}) before it begins ({first})",
                        last=last,
                        first=first,
                    )
                )
            low = max(first.toordinal() - self._origin, index + 1)
            high = min(last.toordinal() - self._origin, self._size - 1)
            if low <= high:
                spans.append((low, high))
        if n == 0:
            return index
        spans.sort()
        target = self._cum[index + 1] + n
        if target > self._total:
            self._past_end(start, n)
        for low, high in _merge(spans):
            if self._work[target - 1] < low:
                break
            target += self._cum[high + 1] - self._cum[low]
            if target > self._total:
                self._past_end(start, n)
        return self._work[target - 1]

    def _bad_count(self, day: dt.date, n: int, what: str, minimum: int = 0) -> NoReturn:
        if n < minimum:
            raise ValueError(
                Message(
                    "{what} needs a count of at least {minimum}, not {n}",
                    what=what,
                    minimum=minimum,
                    n=n,
                )
            )
        raise CalendarRangeError(day, self._first_year, self._last_year, what)

    def _past_end(self, start: dt.date, n: int) -> NoReturn:
        raise CalendarRangeError(
            dt.date(self._last_year + 1, 1, 1),
            self._first_year,
            self._last_year,
            Message("counting {n} working days from {start}", n=n, start=start),
        )


def _rebuild(schedules: tuple[YearSchedule, ...], strict: bool) -> WorkingCalendar:
    return WorkingCalendar.from_schedules(schedules, strict=strict)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


@functools.cache
def default_calendar() -> WorkingCalendar:
    """The calendar from the installed ``holidays`` data, built once per process.

    Cached, and safe to share: a WorkingCalendar never changes. Overlays give new calendars.
    """
    return WorkingCalendar()
