"""Results are values the garbage collector does not track (docs/decisions/0023).

A population's evaluation makes a million and a half decisions, duties and triggers. Tracked,
each of them counted towards the collector's next full pass, and those passes, walking the
caller's inputs too, were two fifths of `Engine.evaluate` on a million persons. These tests hold
every backend to results the collector never sees, and the values to what a service relies on
from them: equality, hashing, pickling (Dask), immutability and a masked `repr`.
"""

from __future__ import annotations

import datetime as dt
import gc
import pickle
from typing import Any

import msgspec
import pytest

from credit_rules import Engine, bundled
from credit_rules.model.results import Deadline, Decision, Duty, Trigger

PERSONS = [{"id": "p1", "kind": "insured_person"}, {"id": "p2", "kind": "insured_person"}]
ENTRIES = [
    {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "forge_documents",
        "date": day,
    }
    for subject, record, day in (
        ("p1", "r1", "2020-01-02"),
        ("p1", "r2", "2020-03-02"),
        ("p2", "r1", "2020-05-06"),
    )
]
PHARMACY = [{"id": "ph1", "kind": "retail_pharmacy"}]
#: As the scenario art19-objection-filed-with-the-evaluating-department-is-admitted: the
#: objection's decision is due (Art 20), a deadline.
OBJECTED = [
    {
        "type": "evaluation_published",
        "subject": "ph1",
        "evaluation": "e2024",
        "year": 2024,
        "score": 78,
        "department": "ganzhou_city",
        "date": "2024-09-27",
    },
    {
        "type": "objection_filed",
        "subject": "ph1",
        "objection": "o1",
        "evaluation": "e2024",
        "ground": "evaluation_result_disputed",
        "department": "ganzhou_city",
        "date": "2024-10-10",
    },
]


def _backends() -> list[str]:
    found = ["closures"]
    try:
        import polars  # noqa: F401
    except ImportError:
        return found
    return [*found, "columnar"]


@pytest.mark.parametrize("backend", _backends())
def test_no_result_of_an_evaluation_is_tracked_by_the_collector(backend: str) -> None:
    found = Engine(bundled("lianyungang-2007"), backend=backend).evaluate(
        PERSONS, ENTRIES, as_of="2020-06-30"
    )
    results: list[Any] = [*found.decisions, *found.duties]
    assert found.decisions and found.duties
    for result in results:
        assert not gc.is_tracked(result), result
        assert not gc.is_tracked(result.trigger), result.trigger


@pytest.mark.parametrize("backend", _backends())
def test_a_deadline_is_not_tracked_either(backend: str) -> None:
    found = Engine(bundled("ganzhou-2023"), backend=backend).evaluate(
        PHARMACY, OBJECTED, as_of="2024-10-24"
    )
    assert "objection_decision_due" in {d.name for d in found.deadlines}
    for result in (*found.deadlines, *found.decisions):
        assert not gc.is_tracked(result), result
        assert not gc.is_tracked(result.trigger), result.trigger


def test_results_are_values_services_can_compare_hash_pickle_and_not_change() -> None:
    found = Engine(bundled("lianyungang-2007")).evaluate(PERSONS, ENTRIES, as_of="2020-06-30")
    again = Engine(bundled("lianyungang-2007")).evaluate(PERSONS, ENTRIES, as_of="2020-06-30")
    assert found.decisions == again.decisions
    assert {hash(d) for d in found.decisions} == {hash(d) for d in again.decisions}
    assert pickle.loads(pickle.dumps(found.decisions)) == found.decisions
    first = found.decisions[0]
    with pytest.raises(AttributeError):
        first.subject = "p9"  # type: ignore[misc]
    changed = msgspec.structs.replace(first, active=not first.active)
    assert changed != first and changed.subject == first.subject
    trigger = first.trigger
    assert trigger == Trigger(trigger.type, trigger.key, trigger.date, trigger.seq)
    assert msgspec.structs.astuple(trigger) == (
        trigger.type,
        trigger.key,
        trigger.date,
        trigger.seq,
    )


def test_a_results_repr_masks_an_identity_number() -> None:
    identity = "320705198001011234"
    trigger = Trigger("dishonesty_entered", identity, dt.date(2020, 1, 2), 0)
    provenance = (
        Engine(bundled("lianyungang-2007"))
        .evaluate(PERSONS, ENTRIES, as_of="2020-06-30")
        .decisions[0]
        .provenance
    )
    for result in (
        Decision(
            identity, "written_warning", dt.date(2020, 1, 2), None, True, "r", trigger, provenance
        ),
        Duty(identity, "notify", dt.date(2020, 1, 2), "r", trigger, provenance),
        Deadline(
            identity, "n", dt.date(2020, 1, 2), dt.date(2020, 1, 9), False, "r", trigger, provenance
        ),
    ):
        shown = repr(result)
        assert identity not in shown, shown
        assert shown.startswith(type(result).__name__ + "(")
    assert identity not in repr(trigger)
