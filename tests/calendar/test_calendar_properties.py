"""Invariants of working-day arithmetic, over random dates in 2008–2026 and counts 0–60.

The O(1) index is also compared with the plainest possible oracle, a day-by-day loop over
``is_working_day``, so that the arithmetic and the definition cannot drift apart.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from credit_rules.calendar import default_calendar
from credit_rules.periods import Period, add_months, last_day_of_period

CALENDAR = default_calendar()
ONE_DAY = dt.timedelta(days=1)

dates = st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2026, 12, 31))
counts = st.integers(min_value=0, max_value=60)
positive_counts = st.integers(min_value=1, max_value=60)


@st.composite
def periods_after(draw: st.DrawFn, start: dt.date) -> tuple[dt.date, dt.date]:
    first = start + dt.timedelta(days=draw(st.integers(min_value=-5, max_value=90)))
    return first, first + dt.timedelta(days=draw(st.integers(min_value=0, max_value=30)))


@st.composite
def starts_and_exclusions(
    draw: st.DrawFn,
) -> tuple[dt.date, list[tuple[dt.date, dt.date]]]:
    start = draw(dates)
    return start, draw(st.lists(periods_after(start), max_size=4))


def naive_add(start: dt.date, n: int, excluded: list[tuple[dt.date, dt.date]]) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += ONE_DAY
        if CALENDAR.is_working_day(day) and not any(a <= day <= b for a, b in excluded):
            counted += 1
    return day


@settings(deadline=None)
@given(dates, positive_counts)
def test_a_working_day_due_date_is_always_a_working_day(start: dt.date, n: int) -> None:
    assert CALENDAR.is_working_day(CALENDAR.add_working_days(start, n))


@settings(deadline=None)
@given(dates, counts, counts)
def test_adding_m_then_n_working_days_equals_adding_m_plus_n(
    start: dt.date, m: int, n: int
) -> None:
    assert CALENDAR.add_working_days(CALENDAR.add_working_days(start, m), n) == (
        CALENDAR.add_working_days(start, m + n)
    )


@settings(deadline=None)
@given(dates, counts, counts)
def test_the_due_date_never_moves_earlier_when_n_grows(start: dt.date, m: int, n: int) -> None:
    low, high = sorted((m, n))
    assert CALENDAR.add_working_days(start, low) <= CALENDAR.add_working_days(start, high)
    if low < high:
        assert CALENDAR.add_working_days(start, low) < CALENDAR.add_working_days(start, high)


@settings(deadline=None)
@given(starts_and_exclusions(), counts, st.data())
def test_the_due_date_never_moves_earlier_when_an_excluded_period_is_added(
    case: tuple[dt.date, list[tuple[dt.date, dt.date]]], n: int, data: st.DataObject
) -> None:
    start, excluded = case
    more = [*excluded, data.draw(periods_after(start))]
    without = CALENDAR.add_working_days(start, n, excluded=excluded)
    assert without <= CALENDAR.add_working_days(start, n, excluded=more)
    assert CALENDAR.add_working_days(start, n) <= without


@settings(deadline=None)
@given(dates, counts)
def test_working_days_between_start_and_due_is_n(start: dt.date, n: int) -> None:
    due = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, due) == n
    assert CALENDAR.working_days_between(due, start) == -n


@settings(deadline=None)
@given(starts_and_exclusions(), counts)
def test_the_index_agrees_with_a_day_by_day_count(
    case: tuple[dt.date, list[tuple[dt.date, dt.date]]], n: int
) -> None:
    start, excluded = case
    due = CALENDAR.add_working_days(start, n, excluded=excluded)
    assert due == naive_add(start, n, excluded)
    if n:
        assert not any(a <= due <= b for a, b in excluded)


@settings(deadline=None)
@given(dates, positive_counts)
def test_the_nth_working_day_from_a_day_counts_that_day(first: dt.date, n: int) -> None:
    assert CALENDAR.nth_working_day(first, n) == CALENDAR.add_working_days(first - ONE_DAY, n)


@settings(deadline=None)
@given(dates)
def test_the_next_working_day_skips_exactly_the_rest_days(day: dt.date) -> None:
    following = CALENDAR.next_working_day(day)
    assert following > day
    assert CALENDAR.is_working_day(following)
    gap = (following - day).days
    assert not any(CALENDAR.is_working_day(day + dt.timedelta(days=k)) for k in range(1, gap))
    assert CALENDAR.roll_forward(following) == following


@settings(deadline=None)
@given(dates, st.integers(min_value=0, max_value=60))
def test_a_civil_code_month_period_ending_past_a_month_end_is_clamped(
    start: dt.date, months: int
) -> None:
    last = CALENDAR.status_last_day(start, Period(months, "months"))
    month_index = start.year * 12 + start.month - 1 + months
    year, month = divmod(month_index, 12)
    assert (last.year, last.month) == (year, month + 1)
    month_end = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - ONE_DAY).day
    assert last.day == min(start.day, month_end)
    assert last == add_months(start, months)


civil_code_periods = st.one_of(
    st.integers(min_value=0, max_value=90).map(lambda n: Period(n, "days")),
    st.integers(min_value=0, max_value=60).map(lambda n: Period(n, "months")),
    st.integers(min_value=0, max_value=5).map(lambda n: Period(n, "years")),
)


@settings(deadline=None)
@given(dates, civil_code_periods)
def test_an_act_deadline_rolls_only_over_rest_days_and_a_status_never_rolls(
    start: dt.date, period: Period
) -> None:
    last = CALENDAR.status_last_day(start, period)
    assert last == last_day_of_period(start, period)
    due = CALENDAR.act_deadline(start, period)
    assert due >= last
    assert CALENDAR.is_working_day(due)
    gap = (due - last).days
    assert not any(CALENDAR.is_working_day(last + dt.timedelta(days=k)) for k in range(gap))
