"""A subject's cost stays O(n log n) in its n events: counted, never timed.

The engine once re-assessed every trigger on every later day anything happened, and derived each
fact by scanning the whole history: a person with 200 records took 8.6 s. These tests count the
work of one walk (assessments, facts derived, events looked at one by one) for a long history
of each bundled ruleset and for twice that history; a return of super-linear cost makes the
count more than double and fails here, whatever the machine. The times live in
benchmarks/bench_long_history.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from credit_rules import Engine, bundled
from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.walk import Counter
from credit_rules.testing.histories import ganzhou_history, lianyungang_history

# Long Ganzhou histories count working days into the 2030s and beyond.
CALENDAR = WorkingCalendar(last_year=2100)
CASES: list[tuple[str, Callable[[int], list[dict[str, Any]]], dict[str, str]]] = [
    ("lianyungang-2007", lianyungang_history, {"id": "p1", "kind": "insured_person"}),
    ("ganzhou-2023", ganzhou_history, {"id": "m1", "kind": "medical_institution"}),
]
#: Doubling the history may do a little more than double the work (a log factor, a longer
#: tail of open measures), never four times as much.
GROWTH = 2.3


def _work(
    engine: Engine, make: Callable[[int], list[dict[str, Any]]], subject: dict[str, str], n: int
) -> tuple[Counter, Counter]:
    events = make(n)
    as_of: dt.date = max(event["date"] for event in events)
    full, final = Counter(), Counter()
    engine.evaluate([subject], events, as_of=as_of, counter=full)
    engine.outcomes([subject], events, as_of=as_of, counter=final)
    return full, final


@pytest.mark.parametrize(("ruleset", "make", "subject"), CASES, ids=[c[0] for c in CASES])
def test_doubling_a_history_at_most_doubles_the_work(
    ruleset: str, make: Callable[[int], list[dict[str, Any]]], subject: dict[str, str]
) -> None:
    engine = Engine(bundled(ruleset), calendar=CALENDAR)
    small_full, small_final = _work(engine, make, subject, 800)
    large_full, large_final = _work(engine, make, subject, 1600)
    for what in ("assessments", "facts", "inspected"):
        small, large = getattr(small_full, what), getattr(large_full, what)
        assert small > 0
        assert large <= GROWTH * small, f"evaluate: {what} grew from {small} to {large}"
    for what in ("assessments", "facts", "inspected"):
        small, large = getattr(small_final, what), getattr(large_final, what)
        assert large <= GROWTH * max(small, 1), f"outcomes: {what} grew from {small} to {large}"


@pytest.mark.parametrize(("ruleset", "make", "subject"), CASES, ids=[c[0] for c in CASES])
def test_a_long_history_is_assessed_about_once_per_trigger(
    ruleset: str, make: Callable[[int], list[dict[str, Any]]], subject: dict[str, str]
) -> None:
    """Each trigger is assessed again only when what its rules read changes: on these
    histories that is a few times per event at most, not once per later event."""
    engine = Engine(bundled(ruleset), calendar=CALENDAR)
    full, _ = _work(engine, make, subject, 1600)
    assert full.assessments <= 3 * 1600
