"""The working-day calendar as lookup columns gives the calendar's own answers, day for day.

``DayIndex`` counts and rolls whole columns of dates with gathers. Every day of a small
calendar, and days just outside it, must get what ``WorkingCalendar`` answers for them, or a
null where the calendar refuses the count (a day outside its years, a count past its end).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

pl = pytest.importorskip("polars")

from credit_rules.calendar import WorkingCalendar  # noqa: E402
from credit_rules.columnar.workdays import DayIndex  # noqa: E402
from credit_rules.errors import CalendarRangeError  # noqa: E402

CALENDAR = WorkingCalendar(first_year=2023, last_year=2025)
DAYS = DayIndex(CALENDAR)
#: Every day of the calendar's three years, with a week on either side of them.
EVERY_DAY = [dt.date(2022, 12, 25) + dt.timedelta(days=i) for i in range(365 * 3 + 1 + 14)]


def _answered(answer: Callable[[dt.date], dt.date]) -> list[dt.date | None]:
    found: list[dt.date | None] = []
    for day in EVERY_DAY:
        try:
            found.append(answer(day))
        except CalendarRangeError:
            found.append(None)
    return found


def _on_columns(expr: pl.Expr) -> list[dt.date | None]:
    frame = pl.DataFrame({"day": EVERY_DAY}, schema={"day": pl.Date})
    return frame.select(expr.alias("found")).to_series().to_list()


@pytest.mark.parametrize("n", [1, 2, 15, 30])
def test_counting_working_days_on_columns_gives_the_calendars_day(n: int) -> None:
    expected = _answered(lambda day: CALENDAR.add_working_days(day, n))
    assert _on_columns(DAYS.add_working_days(pl.col("day"), n)) == expected
    # Days outside the calendar and counts past its end are refused, not guessed.
    assert expected[0] is None and expected[-1] is None


def test_rolling_forward_on_columns_gives_the_calendars_day() -> None:
    expected = _answered(CALENDAR.roll_forward)
    assert _on_columns(DAYS.roll_forward(pl.col("day"))) == expected
    # 2024-10-01 to 07 are the National Day holidays; 2024-10-08 is the first working day.
    assert expected[EVERY_DAY.index(dt.date(2024, 10, 1))] == dt.date(2024, 10, 8)


def test_a_roll_of_a_count_reads_its_column_once() -> None:
    # Each lookup used to name its argument three times (twice to test that it lies inside
    # the calendar, once to gather it), and a count or a roll nests three lookups, so a roll of
    # a count named the column 729 times (92,000 characters for Ganzhou's last day to object).
    rolled = DAYS.roll_forward(DAYS.add_working_days(pl.col("day"), 15))
    assert str(rolled).count('col("day")') == 1
    expected = _answered(lambda day: CALENDAR.roll_forward(CALENDAR.add_working_days(day, 15)))
    assert _on_columns(rolled) == expected


@pytest.mark.parametrize("dtype", [pl.UInt16, pl.UInt32, pl.Int16, pl.Int32])
def test_a_lookup_takes_a_position_of_any_integer_type(dtype: pl.DataType) -> None:
    # Positions of another integer type get the answers Int64 positions get, those out of
    # range included: 0 lies before the first working day, 20,000 past both tables.
    given = [0, 1, 2, 250, 20_000]

    def looked_up(of_type: pl.DataType) -> list[tuple[int | None, int | None]]:
        frame = pl.DataFrame({"t": given}, schema={"t": of_type})
        return frame.select(
            DAYS.work_at(pl.col("t")).alias("work"), DAYS.cum_at(pl.col("t")).alias("cum")
        ).rows()

    wide = looked_up(pl.Int64())
    assert looked_up(dtype) == wide
    assert wide[0][0] is None and wide[1][0] is not None and wide[-1] == (None, None)
