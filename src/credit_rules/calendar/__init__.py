"""The PRC working-day calendar and the deadline clocks counted on it.

    >>> import datetime as dt
    >>> from credit_rules.calendar import default_calendar
    >>> calendar = default_calendar()
    >>> calendar.add_working_days(dt.date(2024, 9, 27), 7)  # across National Day 2024
    datetime.date(2024, 10, 12)
    >>> calendar.act_deadline(dt.date(2024, 9, 1), "1 month")  # Civil Code Art 203
    datetime.date(2024, 10, 8)
    >>> calendar.status_last_day(dt.date(2024, 9, 1), "1 month")
    datetime.date(2024, 10, 1)

Conventions, data sources and the overlay format are in docs/calendar.md.
"""

from credit_rules.calendar.days import DayInfo, DayKind, WorkingCalendar, default_calendar
from credit_rules.calendar.deadlines import (
    ClockKind,
    ClockUnit,
    DeadlineClock,
    ExcludedPeriod,
    Extension,
)
from credit_rules.calendar.overlay import load_overlay
from credit_rules.calendar.schedules import ScheduleSource, YearSchedule

__all__ = [
    "ClockKind",
    "ClockUnit",
    "DayInfo",
    "DayKind",
    "DeadlineClock",
    "ExcludedPeriod",
    "Extension",
    "ScheduleSource",
    "WorkingCalendar",
    "YearSchedule",
    "default_calendar",
    "load_overlay",
]
