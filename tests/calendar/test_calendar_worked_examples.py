"""Worked examples across Spring Festival and National Day, checked by hand against the notices.

Each is also in docs/calendar.md. The schedules used:
- 2024 National Day (国务院办公厅关于2024年部分节假日安排的通知): off 10-01..10-07; Sunday
  09-29 and Saturday 10-12 worked.
- 2025 Spring Festival: off 01-28..02-04; Sunday 01-26 and Saturday 02-08 worked.
  2025 National Day and Mid-Autumn: off 10-01..10-08; Sunday 09-28 and Saturday 10-11 worked.
- 2026 Spring Festival: off 02-15..02-23; Saturdays 02-14 and 02-28 worked.
"""

from __future__ import annotations

import datetime as dt
import doctest
from pathlib import Path

import pytest

from credit_rules.calendar import default_calendar
from credit_rules.periods import Period, last_day_of_period

D = dt.date


def test_ganzhou_art12_publicity_from_2024_09_27_ends_2024_10_12_counting_adjusted_workdays() -> (
    None
):
    calendar = default_calendar()
    assert calendar.add_working_days(D(2024, 9, 27), 7) == D(2024, 10, 12)
    # Both adjusted workdays count: Sunday 09-29 is day 1 and Saturday 10-12 is day 7.
    assert calendar.working_days_between(D(2024, 9, 27), D(2024, 9, 29)) == 1
    assert calendar.describe_day(D(2024, 9, 29)).kind == "adjusted_workday"
    assert calendar.describe_day(D(2024, 10, 12)).kind == "adjusted_workday"


@pytest.mark.parametrize(
    ("start", "count", "due", "why"),
    [
        (D(2024, 2, 8), 7, D(2024, 2, 23), "Spring Festival 2024: 02-10..02-17 off, 02-18 worked"),
        (D(2025, 1, 24), 15, D(2025, 2, 20), "Spring Festival 2025: 01-26 and 02-08 worked"),
        (D(2026, 2, 13), 7, D(2026, 3, 2), "Spring Festival 2026: 02-14 and 02-28 worked"),
        (D(2024, 9, 27), 15, D(2024, 10, 23), "National Day 2024: Ganzhou Art 20 objection"),
        (D(2025, 9, 26), 15, D(2025, 10, 23), "National Day 2025 with Mid-Autumn on 10-06"),
        (D(2025, 9, 30), 7, D(2025, 10, 16), "published on the eve of National Day 2025"),
    ],
)
def test_working_day_deadlines_across_spring_festival_and_national_day(
    start: dt.date, count: int, due: dt.date, why: str
) -> None:
    assert default_calendar().add_working_days(start, count) == due, why


def test_art203_an_act_due_on_national_day_moves_to_the_first_working_day_after() -> None:
    calendar = default_calendar()
    # One month from 2024-09-01 ends 2024-10-01 (Art 202), a holiday through 10-07.
    assert calendar.act_deadline(D(2024, 9, 1), "1 month") == D(2024, 10, 8)
    # A status of one month lasts through 10-01 regardless: Art 203 is about acts.
    assert calendar.status_last_day(D(2024, 9, 1), "1 month") == D(2024, 10, 1)


def test_art203_an_act_due_in_spring_festival_2025_moves_to_2025_02_05() -> None:
    calendar = default_calendar()
    assert calendar.act_deadline(D(2025, 1, 4), "1 month") == D(2025, 2, 5)
    assert calendar.status_last_day(D(2025, 1, 4), "1 month") == D(2025, 2, 4)


def test_art203_a_last_day_on_an_adjusted_workday_does_not_move() -> None:
    # 2024-09-29 is a Sunday, but a working day by the 2024 notice.
    assert default_calendar().act_deadline(D(2024, 9, 1), Period(28, "days")) == D(2024, 9, 29)


@pytest.mark.parametrize(
    ("start", "period", "last"),
    [
        (D(2008, 3, 10), "1 year", D(2009, 3, 10)),  # ARCHITECTURE.md example
        (D(2024, 1, 31), "1 month", D(2024, 2, 29)),  # leap year: clamped to 02-29
        (D(2023, 1, 31), "1 month", D(2023, 2, 28)),
        (D(2024, 2, 29), "1 year", D(2025, 2, 28)),  # no 02-29 in 2025
        (D(2024, 3, 31), "1 month", D(2024, 4, 30)),
        (D(2024, 8, 31), "6 months", D(2025, 2, 28)),
    ],
)
def test_art202_periods_ending_on_a_missing_day_end_on_the_month_end(
    start: dt.date, period: str, last: dt.date
) -> None:
    calendar = default_calendar()
    assert calendar.status_last_day(start, period) == last
    assert last_day_of_period(start, Period.parse(period)) == last


def test_the_first_working_day_of_october_2024_is_the_eighth() -> None:
    calendar = default_calendar()
    assert calendar.nth_working_day(D(2024, 10, 1), 1) == D(2024, 10, 8)
    assert calendar.next_working_day(D(2024, 9, 30)) == D(2024, 10, 8)
    assert calendar.roll_forward(D(2024, 10, 8)) == D(2024, 10, 8)


def test_the_examples_in_docs_calendar_md_are_right() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "calendar.md"
    result = doctest.testfile(
        str(docs),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_a_civil_code_period_in_working_days_is_counted_on_the_calendar() -> None:
    period = Period.parse("7 working days")
    calendar = default_calendar()
    assert calendar.act_deadline(D(2024, 9, 27), period) == D(2024, 10, 12)
    assert calendar.status_last_day(D(2024, 9, 27), period) == D(2024, 10, 12)
