"""Periods in years, months and days, counted the way the PRC Civil Code counts them.

Civil Code Art 201: the day on which a period starts is not counted; counting begins the next
day. Art 202: a period in months or years ends on the corresponding day of the final month, or
on that month's last day where the month has no such day. So a record entered on 2008-03-10 and
valid for one year is valid through 2009-03-10, and one month from 2024-01-31 ends 2024-02-29.

Whether a last day that is a rest day moves (Art 203) depends on whether the period is a
deadline for an act; that is the calendar's business, not this module's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Literal

from credit_rules.i18n import Message

Unit = Literal["days", "months", "years", "working_days"]

_UNITS: dict[str, Unit] = {
    "day": "days",
    "days": "days",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
    "working day": "working_days",
    "working days": "working_days",
}
_PATTERN = re.compile(r"^\s*([0-9]{1,9})\s*([a-z]+(?: [a-z]+)?)\s*$")

#: The longest period of each unit: 1,000 years. Dates are accepted through
#: :data:`credit_rules.limits.LAST_DAY`, so any date plus any period stays inside the calendar
#: instead of overflowing Python's year 9999.
LONGEST: dict[str, int] = {
    "days": 1000 * 366,
    "months": 1000 * 12,
    "years": 1000,
    "working_days": 1000 * 250,
}


#: Words for a unit that are no spelling slip of it: "10 weekdays" means working days, which
#: the closest spelling ("days") would turn into calendar days, another legal period.
_SAID_OTHERWISE: dict[str, Unit] = {
    "weekday": "working_days",
    "weekdays": "working_days",
    "workday": "working_days",
    "workdays": "working_days",
    "work day": "working_days",
    "work days": "working_days",
    "business day": "working_days",
    "business days": "working_days",
}


def _unit_hint(match: re.Match[str] | None) -> str:
    """``"; did you mean '5 years'?"`` for a misspelt unit (``5 yeers``), or ``""``: the
    number was read, so the hint is the whole period to write, and only one the library
    accepts."""
    if match is None:
        return ""
    word = match.group(2)
    unit = _SAID_OTHERWISE.get(word)
    if unit is None:
        close = difflib.get_close_matches(word, list(_UNITS), n=1, cutoff=0.6)
        if not close:
            return ""
        unit = _UNITS[close[0]]
    count = int(match.group(1))
    if count > LONGEST[unit]:
        return ""
    return Message("; did you mean {period!r}?", period=_written(count, unit))


def _written(count: int, unit: Unit) -> str:
    """``1 year``, ``0 days``, ``15 working days``: a period as a ruleset writes it."""
    plain = unit.replace("_", " ")
    return f"{count} {plain[:-1] if count == 1 else plain}"


@dataclass(frozen=True, order=True)
class Period:
    """A length of time as the law states it: a count of one unit, never normalised, because
    "12 months" and "1 year" end on the same day but are cited differently."""

    count: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(
                Message(
                    "a period cannot be negative: {count} {unit}", count=self.count, unit=self.unit
                )
            )
        if self.unit not in ("days", "months", "years", "working_days"):
            raise ValueError(Message("unknown period unit {unit!r}", unit=self.unit))
        if self.count > LONGEST[self.unit]:
            raise ValueError(
                Message(
                    "a period of {count} {replace} is longer than the longest the library "
                    "counts ({LONGEST}, that is 1,000 years)",
                    count=self.count,
                    replace=self.unit.replace("_", " "),
                    LONGEST=LONGEST[self.unit],
                )
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read '5 years', '1 year', '0 days', '3 months'."""
        match = _PATTERN.match(text)
        if match is None or match.group(2) not in _UNITS:
            raise ValueError(
                Message(
                    "{text!r} is not a period; write a whole number and a unit, e.g. '5 "
                    "years', '1 month', '15 days' or '15 working days'",
                    text=text,
                )
                + _unit_hint(match)
            )
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    def __str__(self) -> str:
        return _written(self.count, self.unit)

    def last_day(self, start: dt.date) -> dt.date:
        """The last day of this period when it starts on (but does not count) ``start``."""
        return last_day_of_period(start, self)


def in_working_days(value: object) -> bool:
    """Whether ``value`` (a parameter's, say) is a period counted on the working-day calendar:
    what only an engine with a calendar can count, and what can move once a year's holiday
    schedule is published."""
    return isinstance(value, Period) and value.unit == "working_days"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(start: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later, clamped to the month's last day (Art 202)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    day = start.day
    if day > 28:  # only the last days of a month can lack a corresponding day
        last = _DAYS_IN_MONTH[month]
        if month == 1 and calendar.isleap(year):
            last = 29
        day = min(day, last)
    return dt.date(year, month + 1, day)


def last_day_of_period(start: dt.date, period: Period) -> dt.date:
    """The last day (inclusive) of ``period`` counted from the day after ``start``.

    For days: n days counted from the next day end on start + n. For months and years: the
    corresponding day of the final month, clamped to month end. A zero period ends on the start
    day itself: it is how the rulesets say "a one-off act on that day".
    """
    if period.unit == "working_days":
        raise ValueError(
            Message("a period in working days needs the calendar (credit_rules.calendar)")
        )
    if period.unit == "days":
        return start + dt.timedelta(days=period.count)
    months = period.count * (12 if period.unit == "years" else 1)
    return add_months(start, months)


def is_within(day: dt.date, start: dt.date, period: Period) -> bool:
    """Whether ``day`` lies in the status that starts on ``start`` and lasts ``period``."""
    return start <= day <= last_day_of_period(start, period)
