"""Deadline clocks: a due date together with everything a court would ask about it.

A date alone cannot be checked. A clock also records which event started it and under which
rule, what it counts (working days, days, months or years) and how many, which periods were
excluded and why (Ganzhou Art 20: time for inspection, testing, appraisal or expert review does
not count), which extensions were granted against which cap (Ganzhou Art 25: at most 15 working
days), whether an act deadline was moved off a rest day (Civil Code Art 203), and whether the
answer depends on a year whose holiday schedule is not published yet. :meth:`DeadlineClock.
explain_days` then shows the count day by day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from credit_rules.errors import CalendarNotPublished, CalendarRangeError, ExtensionOverCap
from credit_rules.i18n import Message
from credit_rules.periods import Period, last_day_of_period

if TYPE_CHECKING:
    # Only the type: a clock is counted on a calendar passed in, and the calendar module imports
    # this one (WorkingCalendar.deadline), so a run-time import here would close a cycle.
    from credit_rules.calendar.days import WorkingCalendar

ClockUnit = Literal["working_days", "days", "months", "years"]
ClockKind = Literal["act", "status"]

_UNIT_WORDS: dict[str, tuple[str, str]] = {
    "working_days": ("working day", "working days"),
    "days": ("day", "days"),
    "months": ("month", "months"),
    "years": ("year", "years"),
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _amount(count: int, unit: str) -> str:
    one, many = _UNIT_WORDS[unit]
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class ExcludedPeriod:
    """Days (both ends inclusive) that the law takes out of a count, with the reason."""

    first: dt.date
    last: dt.date
    reason: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(
                Message(
                    "excluded period {first}..{last} ends before it begins",
                    first=self.first,
                    last=self.last,
                )
            )
        if not self.reason.strip():
            raise ValueError(Message("an excluded period needs its reason (e.g. 'expert review')"))

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Extension:
    """Time added to a clock, in the clock's own unit, with the reason it was granted."""

    count: int
    reason: str

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(Message("an extension adds at least 1, not {count}", count=self.count))
        if not self.reason.strip():
            raise ValueError(Message("an extension needs its reason (e.g. 'complex case')"))


def check_extensions(
    extensions: Iterable[Extension], cap: int | None, unit: str, rule: str = ""
) -> int:
    """The total of ``extensions``; raises :class:`ExtensionOverCap` rather than clamping."""
    total = sum(extension.count for extension in extensions)
    if cap is not None:
        if cap < 0:
            raise ValueError(Message("an extension cap cannot be negative: {cap}", cap=cap))
        if total > cap:
            raise ExtensionOverCap(total, cap, unit, rule)
    return total


@dataclass(frozen=True)
class DeadlineClock:
    """A computed deadline and how it was computed. Build one with
    :meth:`WorkingCalendar.deadline`; the fields are the record, the methods explain it.

    ``last_day`` is the last day by counting alone (Art 201–202, exclusions and extensions
    applied); ``due`` is the day the act may still be done, which differs only for an act whose
    last day is a rest day (Art 203). Both are inclusive.
    """

    start: dt.date
    start_event: str
    rule: str
    unit: ClockUnit
    count: int
    kind: ClockKind
    excluded: tuple[ExcludedPeriod, ...]
    extensions: tuple[Extension, ...]
    extension_cap: int | None
    last_day: dt.date
    due: dt.date
    provisional: bool
    provisional_reason: str | None
    calendar: WorkingCalendar = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.unit not in _UNIT_WORDS:
            raise ValueError(
                Message(
                    "unknown unit {unit!r}; use one of {UNIT_WORDS}",
                    unit=self.unit,
                    UNIT_WORDS=", ".join(_UNIT_WORDS),
                )
            )
        if self.count < 0:
            raise ValueError(
                Message("a deadline cannot count a negative number: {count}", count=self.count)
            )
        check_extensions(self.extensions, self.extension_cap, self.unit, self.rule)

    @property
    def extended_by(self) -> int:
        return sum(extension.count for extension in self.extensions)

    @property
    def total_count(self) -> int:
        """The count with all extensions added."""
        return self.count + self.extended_by

    @property
    def rolled(self) -> bool:
        """Whether Art 203 moved the due date off a rest day."""
        return self.due != self.last_day

    def explain(self) -> tuple[str, ...]:
        """How the due date follows from the start, the rule and the law, line by line."""
        lines: list[str] = []
        if self.rule:
            lines.append(f"rule: {self.rule}")
        event = f" ({self.start_event})" if self.start_event else ""
        lines.append(
            f"start: {self.start.isoformat()}{event}; the start day itself is not counted "
            "(Civil Code Art 201)"
        )
        what = "a deadline for an act" if self.kind == "act" else "the length of a status"
        lines.append(f"counts {_amount(self.count, self.unit)}: {what}")
        if self.unit == "working_days":
            lines.append(
                "working days skip weekends and statutory rest days; adjusted workdays "
                "(调休上班日) count"
            )
        elif self.unit in ("months", "years"):
            lines.append(
                "ends on the corresponding day of the final month, or on that month's last day "
                "where it has none (Civil Code Art 202)"
            )
        for period in self.excluded:
            lines.append(
                f"excluded {period.first.isoformat()}..{period.last.isoformat()}: "
                f"{period.reason} (these days do not count)"
            )
        for extension in self.extensions:
            lines.append(f"extended by {_amount(extension.count, self.unit)}: {extension.reason}")
        if self.extension_cap is not None:
            lines.append(
                f"extensions total {_amount(self.extended_by, self.unit)} of at most "
                f"{_amount(self.extension_cap, self.unit)}"
            )
        lines.append(f"last day by counting: {self.last_day.isoformat()}")
        if self.rolled:
            lines.append(
                f"{self.last_day.isoformat()} is a rest day, so the act may still be done on "
                f"{self.due.isoformat()}, the first working day after it (Civil Code Art 203)"
            )
        elif self.kind == "status" and self.unit != "working_days":
            lines.append(
                "a status ends on its last day even when that is a rest day (Art 203 moves "
                "only the time for an act)"
            )
        lines.append(f"due: {self.due.isoformat()} (inclusive)")
        if self.provisional_reason:
            lines.append(self.provisional_reason)
        return tuple(lines)

    def explain_days(self) -> tuple[str, ...]:
        """The count day by day, e.g. ``2024-09-29 (Sun, adjusted workday) = day 1``."""
        event = f": {self.start_event}" if self.start_event else ""
        lines = [
            f"{self.start.isoformat()} ({self._label(self.start)}) = start{event}, "
            "not counted (Civil Code Art 201)"
        ]
        if self.unit in ("months", "years"):
            clamped = self.last_day.day != self.start.day
            how = (
                "no corresponding day, so the last day of the month"
                if clamped
                else "the corresponding day"
            )
            lines.append(
                f"{self.last_day.isoformat()} ({self._label(self.last_day)}) = last day: "
                f"{_amount(self.total_count, self.unit)} on, {how} (Civil Code Art 202)"
            )
        else:
            lines.extend(self._counted_days())
        if self.rolled:
            lines.extend(self._rolled_days())
        return tuple(lines)

    def _counted_days(self) -> list[str]:
        lines: list[str] = []
        counted = 0
        day = self.start
        working = self.unit == "working_days"
        while day < self.last_day:
            day += dt.timedelta(days=1)
            label = self._label(day)
            reason = next((p.reason for p in self.excluded if p.covers(day)), None)
            if reason is not None:
                lines.append(f"{day.isoformat()} ({label}) excluded ({reason}), not counted")
            elif working and not self.calendar.is_working_day(day, strict=False):
                lines.append(f"{day.isoformat()} ({label}) rest day, not counted")
            else:
                counted += 1
                extra = " (extension)" if counted > self.count else ""
                lines.append(f"{day.isoformat()} ({label}) = day {counted}{extra}")
        return lines

    def _rolled_days(self) -> list[str]:
        lines = [
            f"{self.last_day.isoformat()} is a rest day: an act may still be done on the first "
            "working day after it (Civil Code Art 203)"
        ]
        day = self.last_day
        while day < self.due:
            day += dt.timedelta(days=1)
            if day == self.due:
                lines.append(f"{day.isoformat()} ({self._label(day)}) = due")
            else:
                lines.append(f"{day.isoformat()} ({self._label(day)}) rest day")
        return lines

    def _label(self, day: dt.date) -> str:
        try:
            return self.calendar.describe_day(day).label()
        except CalendarRangeError:  # a status period may run past the calendar's years
            return _WEEKDAYS[day.weekday()]


def compute_deadline(
    calendar: WorkingCalendar,
    start: dt.date,
    count: int,
    unit: ClockUnit,
    *,
    kind: ClockKind,
    start_event: str,
    rule: str,
    excluded: tuple[ExcludedPeriod, ...],
    extensions: tuple[Extension, ...],
    extension_cap: int | None,
    strict: bool,
) -> DeadlineClock:
    """Count a deadline on ``calendar``; see :meth:`WorkingCalendar.deadline`."""
    if unit not in _UNIT_WORDS:
        raise ValueError(
            Message(
                "unknown unit {unit!r}; use one of {UNIT_WORDS}",
                unit=unit,
                UNIT_WORDS=", ".join(_UNIT_WORDS),
            )
        )
    if kind not in get_args(ClockKind):
        raise ValueError(Message("unknown kind {kind!r}; use 'act' or 'status'", kind=kind))
    if count < 0:
        raise ValueError(Message("a deadline cannot count a negative number: {count}", count=count))
    total = count + check_extensions(extensions, extension_cap, unit, rule)
    ranges = [(period.first, period.last) for period in excluded]
    # The days whose status (working or not) the answer depends on, for provisional marking.
    depends: tuple[dt.date, dt.date] | None
    if unit == "working_days":
        last_day = calendar.add_working_days(start, total, excluded=ranges, strict=False)
        due = last_day
        depends = (start + dt.timedelta(days=1), due) if due > start else None
    else:
        if unit == "days":
            last_day = _add_days_excluding(start, total, ranges)
        elif excluded:
            raise ValueError(
                Message(
                    "excluded periods apply to counts in days or working days; a period in "
                    "{unit} ends on a corresponding day (Civil Code Art 202)",
                    unit=unit,
                )
            )
        else:
            last_day = last_day_of_period(start, Period(total, unit))
        if kind == "act":
            due = calendar.roll_forward(last_day, strict=False)
            depends = (last_day, due)
        else:
            due = last_day
            depends = None
    reason = None if depends is None else calendar.provisional_reason(depends[0], depends[1])
    if reason is not None and depends is not None and strict:
        raise CalendarNotPublished(
            calendar.unpublished_years(depends[0], depends[1]),
            calendar.published_through,
            Message(
                "the deadline {amount} after {start}", amount=_amount(total, unit), start=start
            ),
        )
    return DeadlineClock(
        start=start,
        start_event=start_event,
        rule=rule,
        unit=unit,
        count=count,
        kind=kind,
        excluded=excluded,
        extensions=extensions,
        extension_cap=extension_cap,
        last_day=last_day,
        due=due,
        provisional=reason is not None,
        provisional_reason=reason,
        calendar=calendar,
    )


def _add_days_excluding(start: dt.date, n: int, excluded: list[tuple[dt.date, dt.date]]) -> dt.date:
    """The Nth calendar day after ``start`` that no excluded period covers (Art 201 for days)."""
    if n == 0 or not excluded:
        return last_day_of_period(start, Period(n, "days"))
    origin = start.toordinal()
    spans = sorted(
        (max(first.toordinal(), origin + 1), last.toordinal())
        for first, last in excluded
        if last.toordinal() > origin
    )
    due = origin + n
    merged_end = origin
    for low, high in spans:
        low = max(low, merged_end + 1)
        if high < low:
            continue
        if due < low:
            break
        due += high - low + 1
        merged_end = high
    return dt.date.fromordinal(due)
