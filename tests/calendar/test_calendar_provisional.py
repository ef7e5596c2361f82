"""Years without a published State Council schedule: provisional results, or errors when strict.

The year after ``published_through`` is computed from the installed ``holidays`` data, so these
tests keep working when a newer ``holidays`` release adds the next year's notice.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from holidays.countries.china import China

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.calendar.schedules import published_years_in_holidays
from credit_rules.errors import CalendarNotPublished, CalendarRangeError, CreditRulesError

CALENDAR = default_calendar()
PUBLISHED = CALENDAR.published_through or 0
NEXT = PUBLISHED + 1
D = dt.date


def test_published_through_is_the_last_year_with_a_state_council_substitution_table() -> None:
    years = published_years_in_holidays()
    assert PUBLISHED >= 2026  # holidays 0.109 encodes the notice for 2026
    assert set(range(2001, PUBLISHED + 1)) <= years
    assert NEXT not in years
    # Independent evidence in the same package: its docstring cites each year's notice.
    cited = {int(year) for year in re.findall(r"\[(\d{4})\]\(", China.__doc__ or "")}
    assert PUBLISHED in cited
    assert NEXT not in cited


def test_a_working_day_deadline_reaching_an_unpublished_year_is_provisional_and_says_why() -> None:
    clock = CALENDAR.deadline(D(PUBLISHED, 12, 20), 15, "working_days", rule="ganzhou-2023 Art 20")
    assert clock.due.year == NEXT
    assert clock.provisional
    reason = clock.provisional_reason or ""
    assert str(NEXT) in reason
    assert f"published through {PUBLISHED}" in reason
    assert reason in clock.explain()
    assert any("provisional" in line for line in clock.explain_days())


def test_a_deadline_inside_published_years_is_not_provisional() -> None:
    clock = CALENDAR.deadline(D(PUBLISHED, 12, 1), 15, "working_days")
    assert clock.due.year == PUBLISHED
    assert not clock.provisional
    assert clock.provisional_reason is None


def test_strict_mode_raises_instead_of_guessing() -> None:
    start = D(PUBLISHED, 12, 20)
    with pytest.raises(CalendarNotPublished) as caught:
        CALENDAR.deadline(start, 15, "working_days", strict=True)
    assert caught.value.years == (NEXT,)
    assert caught.value.published_through == PUBLISHED
    assert isinstance(caught.value, CreditRulesError)
    strict = CALENDAR.with_strict()
    with pytest.raises(CalendarNotPublished):
        strict.add_working_days(start, 15)
    with pytest.raises(CalendarNotPublished):
        strict.is_working_day(D(NEXT, 3, 1))
    with pytest.raises(CalendarNotPublished):
        strict.working_days_between(start, D(NEXT, 1, 31))
    with pytest.raises(CalendarNotPublished):
        strict.act_deadline(D(PUBLISHED, 12, 1), "1 month")
    with pytest.raises(CalendarNotPublished):
        strict.deadline(start, 15, "working_days")
    # Answers that stay within published years are given in strict mode too.
    assert strict.add_working_days(D(2024, 9, 27), 7) == D(2024, 10, 12)
    assert strict.add_working_days(start, 15, strict=False).year == NEXT


def test_a_status_period_does_not_depend_on_the_calendar_and_is_never_provisional() -> None:
    clock = CALENDAR.deadline(D(PUBLISHED, 6, 1), 1, "years", kind="status", strict=True)
    assert clock.due == D(NEXT, 6, 1)
    assert not clock.provisional


def test_an_act_deadline_whose_last_day_is_in_an_unpublished_year_is_provisional() -> None:
    clock = CALENDAR.deadline(D(PUBLISHED, 6, 1), 1, "years", kind="act")
    assert clock.last_day == D(NEXT, 6, 1)
    assert clock.provisional


def test_publishing_the_next_year_by_overlay_makes_the_same_deadline_final() -> None:
    overlay = {
        "year": NEXT,
        "source": {"title": f"国务院办公厅关于{NEXT}年部分节假日安排的通知 (test copy)"},
        "holidays": [{"date": f"{NEXT}-01-01", "name": "元旦"}],
    }
    published = CALENDAR.with_overlay(overlay)
    assert published.published_through == NEXT
    clock = published.deadline(D(PUBLISHED, 12, 20), 15, "working_days", strict=True)
    assert not clock.provisional
    assert CALENDAR.published_through == PUBLISHED  # the original is untouched


def test_a_provisional_overlay_keeps_results_provisional_and_cites_its_source() -> None:
    overlay = {
        "year": NEXT,
        "provisional": True,
        "source": {"title": "draft schedule under consultation"},
        "holidays": [{"date": f"{NEXT}-01-01", "name": "元旦"}],
    }
    calendar = CALENDAR.with_overlay(overlay)
    clock = calendar.deadline(D(PUBLISHED, 12, 20), 15, "working_days")
    assert clock.provisional
    assert "draft schedule under consultation" in (clock.provisional_reason or "")


def test_an_overlay_past_a_gap_is_published_but_the_gap_stays_provisional() -> None:
    later = NEXT + 1
    calendar = CALENDAR.with_overlay(
        {
            "year": later,
            "source": {"title": "test notice"},
            "holidays": [{"date": f"{later}-10-01", "name": "国庆节"}],
        }
    )
    assert later in calendar.published_years
    assert calendar.published_through == PUBLISHED
    assert not calendar.deadline(D(later, 3, 1), 10, "working_days").provisional
    assert calendar.deadline(D(NEXT, 3, 1), 10, "working_days").provisional


def test_days_outside_the_calendar_raise_a_range_error() -> None:
    with pytest.raises(CalendarRangeError):
        CALENDAR.is_working_day(D(CALENDAR.first_year - 1, 12, 31))
    with pytest.raises(CalendarRangeError):
        CALENDAR.add_working_days(D(CALENDAR.last_year, 12, 20), 30)
    small = WorkingCalendar(first_year=2024, last_year=2024)
    with pytest.raises(CalendarRangeError):
        small.add_working_days(D(2024, 12, 30), 5)
    with pytest.raises(ValueError):
        small.add_working_days(D(2024, 6, 3), -1)


def test_a_calendar_cannot_be_changed_and_is_safe_to_share_between_threads() -> None:
    with pytest.raises(AttributeError):
        CALENDAR._strict = True  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(CALENDAR.with_strict()))
    assert copy.strict
    assert copy.published_through == CALENDAR.published_through
    assert copy.add_working_days(D(2024, 9, 27), 7) == D(2024, 10, 12)
    starts = [D(2008, 1, 1) + dt.timedelta(days=k * 7) for k in range(900)]
    expected = [CALENDAR.add_working_days(start, 15) for start in starts]
    barrier = threading.Barrier(4)

    def run(_: int) -> list[dt.date]:
        barrier.wait()
        return [CALENDAR.add_working_days(start, 15) for start in starts]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(result == expected for result in pool.map(run, range(4)))
