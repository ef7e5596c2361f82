"""What the calendar knows about one year: its rest days, its adjusted workdays, and their source.

A PRC year's working days are fixed by two texts. The statute (全国年节及纪念日放假办法, as
revised by State Council Order No. 795 of 2024) names the holidays for all citizens and requires a
make-up weekday (补假) when one falls on a weekend. Each year the General Office of the State
Council then publishes a notice (国务院办公厅关于某年部分节假日安排的通知) that swaps weekends
and weekdays around the holidays: weekdays become rest days and some Saturdays and Sundays become
adjusted workdays (调休上班日). Only the notice tells which; it comes out late in the year before.

So a year's schedule is either *published* (it encodes the notice) or *provisional* (the statute
alone: holidays and make-up days, no swaps, which the notice may still change).

Where the data comes from
-------------------------
The ``holidays`` package (country ``CN``) encodes each notice as an explicit per-year table of
swapped days (``ChinaStaticHolidays.special_public_holidays``): the day off and the weekend day
worked instead. For any later year it only estimates holidays from the statute. A year is taken
as published exactly when that table has entries for it. Every notice since 2001 has swapped at
least one weekend, so a published year is never missed in practice; if a future notice swapped
none, the year would merely be reported provisional (the safe side) until an overlay says
otherwise. ``published_through`` is then the last year of the unbroken run of published years
from the calendar's first year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version as package_version
from typing import Any

import holidays

from credit_rules.i18n import Message

#: The first year whose notice the ``holidays`` CN data was checked against (its docstring:
#: "Only checked with the official General Office of the State Council Notice from 2001").
FIRST_CHECKED_YEAR = 2001

#: How many years past the last published one the default calendar estimates, so that act
#: deadlines of a few years (Civil Code Art 203 needs the calendar on the last day) still work.
DEFAULT_HORIZON_YEARS = 10

ADJUSTED_WORKDAY = "调休上班日"


@dataclass(frozen=True)
class ScheduleSource:
    """The notice (or other source) a year's schedule was taken from."""

    title: str
    number: str = ""
    url: str = ""
    published: dt.date | None = None

    def cite(self) -> str:
        """One line naming the source, for explanations."""
        parts = [self.title]
        if self.number:
            parts.append(self.number)
        if self.published is not None:
            parts.append(self.published.isoformat())
        if self.url:
            parts.append(self.url)
        return ", ".join(parts)


@dataclass(frozen=True)
class YearSchedule:
    """One calendar year's rest days and adjusted workdays.

    ``holidays`` are the days off named by the statute or the notice (they may fall on a weekend;
    that changes nothing). ``workdays`` are Saturdays and Sundays made working days by the notice.
    Every other Monday–Friday is a working day and every other Saturday and Sunday a rest day.
    Both tuples are sorted by date and hold ``(day, name)`` pairs.
    """

    year: int
    holidays: tuple[tuple[dt.date, str], ...]
    workdays: tuple[tuple[dt.date, str], ...]
    source: ScheduleSource
    published: bool
    origin: str

    def __post_init__(self) -> None:
        days = [day for day, _ in self.holidays] + [day for day, _ in self.workdays]
        if any(day.year != self.year for day in days):
            raise ValueError(
                Message("a schedule for {year} lists a day of another year", year=self.year)
            )
        if len(set(days)) != len(days):
            raise ValueError(
                Message("a schedule for {year} lists a day twice or as both kinds", year=self.year)
            )
        if any(day.weekday() < 5 for day, _ in self.workdays):
            raise ValueError(
                Message("a schedule for {year} adjusts a weekday into a workday", year=self.year)
            )

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` (in this year) is a working day. Slow; the calendar precomputes."""
        if day.weekday() < 5:
            return all(day != holiday for holiday, _ in self.holidays)
        return any(day == workday for workday, _ in self.workdays)


def _cn_holidays(first_year: int, last_year: int) -> Any:
    # zh_CN so holiday names are the statute's words; PUBLIC only: the half-day holidays of
    # some citizens (Women's Day, Youth Day, ...) are not rest days of the administration.
    return holidays.country_holidays("CN", years=range(first_year, last_year + 1), language="zh_CN")


def published_years_in_holidays() -> frozenset[int]:
    """The years for which the installed ``holidays`` encodes a State Council notice."""
    tables: Mapping[int, Any] | None = getattr(
        _cn_holidays(FIRST_CHECKED_YEAR, FIRST_CHECKED_YEAR), "special_public_holidays", None
    )
    if not isinstance(tables, Mapping):
        raise RuntimeError(
            Message(
                "holidays {package_version} no longer exposes the CN per-year "
                "substitution tables (special_public_holidays); credit_rules.calendar "
                "cannot tell which years have a published State Council schedule",
                package_version=package_version("holidays"),
            )
        )
    years: set[int] = set()
    for year, entries in tables.items():
        rows = entries if entries and isinstance(entries[0], tuple) else (entries,)
        # Rows of 4 or 5 items are swaps (day off, weekend day worked); 3 items are one-off days.
        if any(len(row) >= 4 for row in rows):
            years.add(int(year))
    return frozenset(years)


def published_run_end(first_year: int, published: frozenset[int]) -> int | None:
    """The last year of the unbroken run of published years starting at ``first_year``."""
    year = first_year
    while year in published:
        year += 1
    return year - 1 if year > first_year else None


def schedules_from_holidays(first_year: int, last_year: int) -> tuple[YearSchedule, ...]:
    """One schedule per year from the ``holidays`` CN data, published or estimated."""
    if last_year < first_year:
        raise ValueError(
            Message(
                "last_year {last_year} is before first_year {first_year}",
                last_year=last_year,
                first_year=first_year,
            )
        )
    published = published_years_in_holidays()
    # One extra year each side: a notice can put an adjusted workday in the previous December
    # (the 2006 notice made Saturday 2005-12-31 a workday), and the library files it by date.
    data = _cn_holidays(first_year - 1, last_year + 1)
    weekend_workdays: set[dt.date] = set(data.weekend_workdays)
    version = package_version("holidays")
    schedules: list[YearSchedule] = []
    for year in range(first_year, last_year + 1):
        off = sorted((day, str(name)) for day, name in data.items() if day.year == year)
        worked = sorted(
            (day, ADJUSTED_WORKDAY)
            for day in weekend_workdays
            # holidays.is_working_day checks weekend_workdays first, so a listed weekend day works
            if day.year == year
        )
        worked_days = {day for day, _ in worked}
        off = [(day, name) for day, name in off if day not in worked_days]
        is_published = year in published
        if is_published:
            source = ScheduleSource(title=f"国务院办公厅关于{year}年部分节假日安排的通知")
            origin = f"holidays {version} (CN), State Council notice for {year}"
        else:
            source = ScheduleSource(
                title=(
                    "全国年节及纪念日放假办法 (statutory holidays and weekend make-up days only); "
                    f"no State Council notice for {year} in the data"
                )
            )
            origin = f"holidays {version} (CN), estimated from the statute"
        schedules.append(
            YearSchedule(
                year=year,
                holidays=tuple(off),
                workdays=tuple(worked),
                source=source,
                published=is_published,
                origin=origin,
            )
        )
    return tuple(schedules)
