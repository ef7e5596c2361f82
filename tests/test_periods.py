"""Periods counted the Civil Code way (民法典 Art 201–203).

Art 201: the day a period starts is not counted. Art 202: a period in months or years ends on the
corresponding day of the final month, or on that month's last day where it has none.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit_rules.periods import Period, add_months, is_within, last_day_of_period

D = dt.date
DAYS = st.dates(min_value=D(1900, 1, 1), max_value=D(2300, 12, 31))
COUNTS = st.integers(min_value=0, max_value=600)
UNITS = st.sampled_from(["days", "months", "years"])
PROPERTY = settings(deadline=None, max_examples=300)


def month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


# -- examples from ARCHITECTURE.md and the Lianyungang measures -------------------------------


@pytest.mark.parametrize(
    ("start", "period", "last"),
    [
        # ARCHITECTURE.md: entered 2008-03-10 + 1 year → last day 2009-03-10.
        (D(2008, 3, 10), "1 year", D(2009, 3, 10)),
        # ARCHITECTURE.md: 2024-01-31 + 1 month → 2024-02-29 (leap year, clamped).
        (D(2024, 1, 31), "1 month", D(2024, 2, 29)),
        (D(2023, 1, 31), "1 month", D(2023, 2, 28)),
        # Lianyungang Art 14: 5 years' validity.
        (D(2008, 3, 10), "5 years", D(2013, 3, 10)),
        # 2023-02-28 has a corresponding day in 2024: the 28th, not the leap day.
        (D(2023, 2, 28), "1 year", D(2024, 2, 28)),
        # Leap-day starts: no 29 February in the final year → the month's last day.
        (D(2024, 2, 29), "1 year", D(2025, 2, 28)),
        (D(2024, 2, 29), "4 years", D(2028, 2, 29)),
        (D(2008, 2, 29), "5 years", D(2013, 2, 28)),
        (D(2024, 2, 29), "12 months", D(2025, 2, 28)),
        (D(2024, 2, 29), "1 month", D(2024, 3, 29)),
        # Months of different lengths.
        (D(2024, 3, 31), "1 month", D(2024, 4, 30)),
        (D(2024, 8, 31), "6 months", D(2025, 2, 28)),
        (D(2024, 12, 31), "2 months", D(2025, 2, 28)),
        (D(2024, 11, 30), "3 months", D(2025, 2, 28)),
        (D(2024, 1, 30), "1 month", D(2024, 2, 29)),
        (D(2024, 5, 15), "1 month", D(2024, 6, 15)),
        # Year boundaries.
        (D(2024, 12, 15), "1 month", D(2025, 1, 15)),
        (D(2024, 11, 15), "14 months", D(2026, 1, 15)),
        # Days: n days counted from the next day end on start + n.
        (D(2008, 3, 10), "10 days", D(2008, 3, 20)),
        (D(2024, 2, 28), "1 day", D(2024, 2, 29)),
        (D(2023, 12, 31), "1 day", D(2024, 1, 1)),
        (D(2024, 1, 1), "366 days", D(2025, 1, 1)),
        # A zero period: a one-off act on the start day (the Art 9 warning).
        (D(2008, 3, 10), "0 days", D(2008, 3, 10)),
        (D(2008, 3, 10), "0 months", D(2008, 3, 10)),
        (D(2008, 3, 10), "0 years", D(2008, 3, 10)),
    ],
)
def test_last_day_of_period_follows_civil_code_art_201_202(
    start: dt.date, period: str, last: dt.date
) -> None:
    parsed = Period.parse(period)
    assert last_day_of_period(start, parsed) == last
    assert parsed.last_day(start) == last


def test_the_start_day_is_not_counted_so_the_last_day_is_the_corresponding_day() -> None:
    # If the start day were counted, 1 year from 2008-03-10 would end on 2009-03-09.
    assert last_day_of_period(D(2008, 3, 10), Period(1, "years")) != D(2009, 3, 9)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 31), 2, D(2024, 3, 31)),
        (D(2024, 1, 31), 13, D(2025, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2024, 1, 15), 0, D(2024, 1, 15)),
        (D(2024, 12, 31), 12, D(2025, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "unit"),
    [
        ("5 years", 5, "years"),
        ("1 year", 1, "years"),
        ("0 days", 0, "days"),
        ("1 day", 1, "days"),
        ("3 months", 3, "months"),
        ("1 month", 1, "months"),
        ("15 days", 15, "days"),
        ("  12   months ", 12, "months"),
        ("2years", 2, "years"),
    ],
)
def test_parse_reads_a_count_and_a_unit(text: str, count: int, unit: str) -> None:
    assert Period.parse(text) == Period(count, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "years",
        "5",
        "five years",
        "1.5 years",
        "-1 years",
        "5 fortnights",
        "5 years 2 months",
        "5 weeks",
        "1 y",
        "P1Y",
    ],
)
def test_parse_rejects_what_is_not_a_period(text: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(text)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2 yeers", "did you mean '2 years'?"),
        ("0 dayz", "did you mean '0 days'?"),
        ("15 working dyas", "did you mean '15 working days'?"),
        ("1 mnth", "did you mean '1 month'?"),
        ("5 fortnights", None),
        ("5", None),
        # No slip of "days": another legal period, which the hint must not turn into days.
        ("10 weekdays", "did you mean '10 working days'?"),
        ("15 business days", "did you mean '15 working days'?"),
        # Past the longest period the library counts: nothing to suggest.
        ("9999 yeers", None),
    ],
)
def test_a_misspelt_unit_is_answered_with_the_period_to_write(text: str, hint: str | None) -> None:
    with pytest.raises(ValueError) as raised:
        Period.parse(text)
    message = str(raised.value)
    assert (hint in message) if hint else ("did you mean" not in message)
    if hint:
        assert "是否想写" in raised.value.args[0].render("zh")


def test_period_rejects_negative_counts_and_unknown_units() -> None:
    with pytest.raises(ValueError, match="negative"):
        Period(-1, "days")
    with pytest.raises(ValueError, match="unit"):
        Period(1, "weeks")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "text"),
    [
        (Period(1, "years"), "1 year"),
        (Period(5, "years"), "5 years"),
        (Period(0, "days"), "0 days"),
        (Period(1, "months"), "1 month"),
    ],
)
def test_period_prints_as_the_law_states_it(period: Period, text: str) -> None:
    assert str(period) == text


def test_twelve_months_and_one_year_end_together_but_stay_distinct() -> None:
    # Not normalised: the ruleset cites "1 year", and that is what explanations must show.
    assert Period(12, "months") != Period(1, "years")
    assert Period(12, "months").last_day(D(2024, 2, 29)) == Period(1, "years").last_day(
        D(2024, 2, 29)
    )


def test_period_is_frozen() -> None:
    period = Period(1, "years")
    with pytest.raises(AttributeError):
        period.count = 2  # type: ignore[misc]


# -- is_within: a status counts its start day and its last day --------------------------------


def test_is_within_includes_the_start_day_and_the_last_day_only() -> None:
    five = Period(5, "years")
    start = D(2008, 3, 10)
    assert not is_within(D(2008, 3, 9), start, five)
    assert is_within(start, start, five)
    assert is_within(D(2013, 3, 10), start, five)
    assert not is_within(D(2013, 3, 11), start, five)


# -- properties -------------------------------------------------------------------------------


@PROPERTY
@given(start=DAYS, count=COUNTS, unit=UNITS)
def test_parse_round_trips_str(start: dt.date, count: int, unit: str) -> None:
    period = Period(count, unit)  # type: ignore[arg-type]
    assert Period.parse(str(period)) == period


@PROPERTY
@given(start=DAYS, count=COUNTS, unit=UNITS)
def test_the_last_day_is_never_before_the_start(start: dt.date, count: int, unit: str) -> None:
    last = last_day_of_period(start, Period(count, unit))  # type: ignore[arg-type]
    assert last >= start
    assert (last == start) == (count == 0)


@PROPERTY
@given(start=DAYS, count=st.integers(min_value=0, max_value=599), unit=UNITS)
def test_one_more_unit_always_ends_strictly_later(start: dt.date, count: int, unit: str) -> None:
    shorter = last_day_of_period(start, Period(count, unit))  # type: ignore[arg-type]
    longer = last_day_of_period(start, Period(count + 1, unit))  # type: ignore[arg-type]
    assert shorter < longer


@PROPERTY
@given(start=DAYS, later=st.integers(min_value=1, max_value=400), count=COUNTS, unit=UNITS)
def test_a_later_start_never_ends_earlier(
    start: dt.date, later: int, count: int, unit: str
) -> None:
    period = Period(count, unit)  # type: ignore[arg-type]
    assert last_day_of_period(start, period) <= last_day_of_period(
        start + dt.timedelta(days=later), period
    )


@PROPERTY
@given(start=DAYS, months=st.integers(min_value=-1200, max_value=1200))
def test_add_months_lands_on_the_corresponding_day_or_the_month_end(
    start: dt.date, months: int
) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    if result.day != start.day:
        # Clamped (Art 202): only when the final month is too short, and then to its last day.
        assert result.day < start.day
        assert month_end(result)
        assert calendar.monthrange(result.year, result.month)[1] < start.day


@PROPERTY
@given(start=DAYS, years=st.integers(min_value=0, max_value=200))
def test_years_are_twelve_months(start: dt.date, years: int) -> None:
    assert last_day_of_period(start, Period(years, "years")) == last_day_of_period(
        start, Period(12 * years, "months")
    )


@PROPERTY
@given(start=DAYS, days=st.integers(min_value=0, max_value=100_000))
def test_n_days_end_n_days_after_the_start(start: dt.date, days: int) -> None:
    assert last_day_of_period(start, Period(days, "days")) == start + dt.timedelta(days=days)


@PROPERTY
@given(
    start=DAYS,
    first=st.integers(min_value=0, max_value=600),
    second=st.integers(min_value=0, max_value=600),
)
def test_months_then_months_is_the_sum_exactly_when_no_clamping_happened(
    start: dt.date, first: int, second: int
) -> None:
    step = add_months(start, first)
    chained = add_months(step, second)
    direct = add_months(start, first + second)
    if step.day == start.day:
        # The first step kept the day, so the second starts from the same day of the month.
        assert chained == direct
    # Clamping only ever loses days: chaining never ends after adding the sum at once …
    assert chained <= direct
    # … and the difference is at most what the first clamp cut off.
    assert (direct - chained).days <= start.day - step.day


def test_months_then_months_differs_from_the_sum_after_a_clamp() -> None:
    # 2024-01-31 + 1 month = 2024-02-29 (clamped); + 1 month = 2024-03-29, but + 2 months at
    # once = 2024-03-31. This is why the property above needs its "no clamping" condition.
    assert add_months(add_months(D(2024, 1, 31), 1), 1) == D(2024, 3, 29)
    assert add_months(D(2024, 1, 31), 2) == D(2024, 3, 31)


@PROPERTY
@given(start=st.dates(min_value=D(1900, 1, 1), max_value=D(2300, 12, 28)))
def test_days_up_to_28_never_clamp(start: dt.date) -> None:
    day = start.replace(day=min(start.day, 28))
    for months in (1, 2, 12, 13, 60):
        assert add_months(day, months).day == day.day


@PROPERTY
@given(start=DAYS, count=COUNTS, unit=UNITS, probe=st.integers(min_value=-5, max_value=5))
def test_is_within_is_the_closed_interval_from_start_to_last_day(
    start: dt.date, count: int, unit: str, probe: int
) -> None:
    period = Period(count, unit)  # type: ignore[arg-type]
    last = last_day_of_period(start, period)
    for day in (start + dt.timedelta(days=probe), last + dt.timedelta(days=probe)):
        assert is_within(day, start, period) == (start <= day <= last)
