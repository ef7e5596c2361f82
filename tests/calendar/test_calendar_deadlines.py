"""Deadline clocks: a due date with its start, rule, exclusions, extensions and daily count."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from credit_rules.calendar import DeadlineClock, ExcludedPeriod, Extension, default_calendar
from credit_rules.errors import CreditRulesError, ExtensionOverCap

D = dt.date
CALENDAR = default_calendar()


def _publicity_2024() -> DeadlineClock:
    return CALENDAR.deadline(
        D(2024, 9, 27),
        7,
        "working_days",
        start_event="evaluation_published",
        rule="ganzhou-2023 Art 12 (publicity of 7 working days)",
    )


def test_ganzhou_art12_clock_records_its_start_rule_count_and_due_date() -> None:
    clock = _publicity_2024()
    assert (clock.start, clock.count, clock.unit) == (D(2024, 9, 27), 7, "working_days")
    assert clock.start_event == "evaluation_published"
    assert clock.due == clock.last_day == D(2024, 10, 12)
    assert not clock.provisional
    assert not clock.rolled


def test_ganzhou_art12_clock_explains_the_count_day_by_day() -> None:
    days = _publicity_2024().explain_days()
    assert days[0] == (
        "2024-09-27 (Fri) = start: evaluation_published, not counted (Civil Code Art 201)"
    )
    assert "2024-09-28 (Sat, weekend) rest day, not counted" in days
    assert "2024-09-29 (Sun, adjusted workday) = day 1" in days
    assert "2024-10-01 (Tue, holiday 国庆节) rest day, not counted" in days
    assert "2024-10-08 (Tue) = day 3" in days
    assert days[-1] == "2024-10-12 (Sat, adjusted workday) = day 7"
    assert len(days) == 1 + 15  # the start, then every day from 09-28 to 10-12


def test_ganzhou_art20_expert_review_time_is_not_counted() -> None:
    review = ExcludedPeriod(D(2024, 10, 9), D(2024, 10, 11), "expert review (Ganzhou Art 20)")
    plain = CALENDAR.deadline(D(2024, 9, 27), 15, "working_days", rule="ganzhou-2023 Art 20")
    paused = CALENDAR.deadline(
        D(2024, 9, 27), 15, "working_days", rule="ganzhou-2023 Art 20", excluded=[review]
    )
    assert plain.due == D(2024, 10, 23)
    assert paused.due == D(2024, 10, 28)  # three working days later, over a weekend
    assert paused.excluded == (review,)
    assert (
        "2024-10-09 (Wed) excluded (expert review (Ganzhou Art 20)), not counted"
        in paused.explain_days()
    )
    assert any("expert review" in line for line in paused.explain())


def test_ganzhou_art25_extension_up_to_its_cap_is_added() -> None:
    clock = CALENDAR.deadline(
        D(2025, 9, 26),
        15,
        "working_days",
        start_event="repair_accepted",
        rule="ganzhou-2023 Art 25",
        extensions=[Extension(10, "complex case"), Extension(5, "further materials")],
        extension_cap=15,
    )
    assert clock.total_count == 30
    assert clock.due == CALENDAR.add_working_days(D(2025, 9, 26), 30)
    assert clock.explain_days()[-1].endswith("= day 30 (extension)")
    assert "extensions total 15 working days of at most 15 working days" in clock.explain()


def test_ganzhou_art25_extension_over_its_cap_is_an_error_not_a_clamp() -> None:
    with pytest.raises(ExtensionOverCap) as caught:
        CALENDAR.deadline(
            D(2025, 9, 26),
            15,
            "working_days",
            rule="ganzhou-2023 Art 25",
            extensions=[Extension(10, "complex case"), Extension(6, "more")],
            extension_cap=15,
        )
    assert (caught.value.total, caught.value.cap) == (16, 15)
    assert isinstance(caught.value, CreditRulesError)
    assert "ganzhou-2023 Art 25" in str(caught.value)
    clock = _publicity_2024()
    with pytest.raises(ExtensionOverCap):
        dataclasses.replace(clock, extensions=(Extension(3, "x"),), extension_cap=2)


def test_an_act_deadline_in_months_rolls_off_national_day_and_says_so() -> None:
    clock = CALENDAR.deadline(D(2024, 9, 1), 1, "months", kind="act", rule="Civil Code Art 203")
    assert (clock.last_day, clock.due) == (D(2024, 10, 1), D(2024, 10, 8))
    assert clock.rolled
    days = clock.explain_days()
    assert (
        "2024-10-01 (Tue, holiday 国庆节) = last day: 1 month on, the corresponding day"
        in (days[1])
    )
    assert days[-1] == "2024-10-08 (Tue) = due"
    assert any("Art 203" in line for line in clock.explain())


def test_a_status_in_months_ends_on_its_last_day_even_on_a_holiday() -> None:
    clock = CALENDAR.deadline(D(2024, 9, 1), 1, "months", kind="status")
    assert clock.due == clock.last_day == D(2024, 10, 1)
    assert not clock.rolled


def test_a_month_period_from_january_31_is_clamped_and_explained() -> None:
    clock = CALENDAR.deadline(D(2024, 1, 31), 1, "months", kind="status")
    assert clock.due == D(2024, 2, 29)
    assert "no corresponding day" in clock.explain_days()[1]


def test_a_calendar_day_deadline_skips_excluded_days_then_rolls() -> None:
    clock = CALENDAR.deadline(
        D(2024, 9, 1),
        28,
        "days",
        excluded=[ExcludedPeriod(D(2024, 9, 10), D(2024, 9, 11), "suspended")],
    )
    assert clock.last_day == D(2024, 10, 1)  # 28 days plus the 2 excluded
    assert clock.due == D(2024, 10, 8)
    assert "2024-10-01 (Tue, holiday 国庆节) = day 28" in clock.explain_days()


def test_bad_clock_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        ExcludedPeriod(D(2024, 10, 2), D(2024, 10, 1), "backwards")
    with pytest.raises(ValueError):
        ExcludedPeriod(D(2024, 10, 1), D(2024, 10, 2), " ")
    with pytest.raises(ValueError):
        Extension(0, "nothing")
    with pytest.raises(ValueError):
        CALENDAR.deadline(D(2024, 9, 1), -1, "working_days")
    with pytest.raises(ValueError, match="excluded periods apply"):
        CALENDAR.deadline(
            D(2024, 9, 1), 1, "months", excluded=[ExcludedPeriod(D(2024, 9, 2), D(2024, 9, 3), "x")]
        )
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(D(2024, 9, 1), 3, excluded=[(D(2024, 9, 5), D(2024, 9, 4))])


def test_a_clock_is_a_frozen_value() -> None:
    clock = _publicity_2024()
    with pytest.raises(dataclasses.FrozenInstanceError):
        clock.due = D(2024, 10, 13)  # type: ignore[misc]
    assert clock == _publicity_2024()
