"""Procedural events that name what they act on: the id must have been given, for the same
subject, on or before the event's day, and what the event repeats of it must agree.

Ganzhou Art 20 decides an objection that was filed and Art 25 decides an application that
was made; Lianyungang Art 13 answers an objection. An event naming an id no event gave, or gave
only later, would otherwise be evaluated as if it were whole: it would decide nothing, or count
a repair against a record its application never named. Every backend refuses such a history
(``HistoryError`` from the walk, ``TableError`` with table, row and column from the columnar
input), whatever day it is evaluated on, and the ledger refuses such an event on entry.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from credit_rules import Engine, HistoryError, Ledger, bundled
from credit_rules.errors import EventRejected
from credit_rules.ledger.journal import SqliteJournal

GANZHOU = bundled("ganzhou-2023")
LIANYUNGANG = bundled("lianyungang-2007")
PHARMACY = [{"id": "ph1", "kind": "retail_pharmacy"}]
MATERIALS = ["application_and_commitment", "rectification_evidence"]


def _event(event_type: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "subject": "ph1", **fields, "date": date}


PUBLISHED = _event("evaluation_published", "2024-09-27", evaluation="e2024", year=2024, score=78)
FILED = _event(
    "objection_filed",
    "2024-10-10",
    objection="o1",
    evaluation="e2024",
    ground="evaluation_result_disputed",
)
DETERMINED = [
    _event("dishonesty_determined", "2024-06-03", record="d1", category="false_billing"),
    _event("dishonesty_determined", "2024-06-10", record="d2", category="false_billing"),
]
APPLIED = _event("repair_applied", "2024-09-04", application="a1", record="d1", materials=MATERIALS)


def decided(date: str = "2024-10-30", **fields: Any) -> dict[str, Any]:
    return _event("objection_decided", date, **{"objection": "o1", "result": "rejected", **fields})


def suspended(first: str, last: str) -> dict[str, Any]:
    return _event("objection_suspended", first, objection="o1", until=last, reason="appraisal")


def granted(date: str = "2024-09-20", record: str = "d1", application: str = "a1") -> Any:
    return _event("repair_decided", date, application=application, record=record, granted=True)


#: Histories refused, each with the event and field the walk names and the columnar column.
REFUSED = {
    "a decision of an objection never filed": (
        [PUBLISHED, decided(objection="o9")],
        "events[1].objection",
        "names objection 'o9', which no objection_filed of subject 'ph1' gave on or before "
        "2024-10-30",
    ),
    "a decision dated before the objection it decides": (
        [PUBLISHED, FILED, decided("2024-10-05")],
        "events[2].objection",
        "gave on or before 2024-10-05",
    ),
    "a suspension that ends before the objection is filed": (
        [PUBLISHED, FILED, suspended("2024-10-01", "2024-10-08")],
        "events[2].objection",
        "gave on or before 2024-10-08",
    ),
    "a decision naming another evaluation than its objection": (
        [PUBLISHED, FILED, decided(evaluation="e2023")],
        "events[2].evaluation",
        "names evaluation 'e2023', but the objection_filed it names (events[1]) gives "
        "evaluation 'e2024'",
    ),
    "an acceptance of an application never made": (
        [*DETERMINED, _event("repair_accepted", "2024-09-05", application="a1")],
        "events[2].application",
        "names application 'a1', which no repair_applied",
    ),
    "an extension of an application made later": (
        [
            *DETERMINED,
            _event("repair_extended", "2024-09-01", application="a1", working_days=5),
            APPLIED,
        ],
        "events[2].application",
        "gave on or before 2024-09-01",
    ),
    "a grant for another record than its application's": (
        [*DETERMINED, APPLIED, granted(record="d2")],
        "events[3].record",
        "names record 'd2', but the repair_applied it names (events[2]) gives record 'd1'",
    ),
}

#: Histories accepted: the reference is whole, or the reading allows it.
ACCEPTED = {
    "a decision naming only its objection": [PUBLISHED, FILED, decided()],
    "a decision on the day of its objection": [PUBLISHED, FILED, decided("2024-10-10")],
    "a suspension begun before the filing and ending after it": [
        PUBLISHED,
        FILED,
        suspended("2024-10-08", "2024-10-12"),
    ],
    "a grant for its application's record": [*DETERMINED, APPLIED, granted()],
    # Art 20: an objection to a result not yet published counts as no objection; the rules
    # read it (objection_before_publication), so it is a case, not a contradiction.
    "an objection naming an evaluation never published": [
        {**FILED, "evaluation": "e2030"},
    ],
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_walk_refuses_a_dangling_or_contradicting_reference(name: str) -> None:
    events, field, words = REFUSED[name]
    engine = Engine(GANZHOU)
    for question in (engine.evaluate, engine.outcomes):
        with pytest.raises(HistoryError) as caught:
            question(PHARMACY, events, as_of=dt.date(2024, 11, 30))
        assert [problem.field for problem in caught.value.problems] == [field]
        assert words in str(caught.value)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_whole_references_are_evaluated(name: str) -> None:
    Engine(GANZHOU).evaluate(PHARMACY, ACCEPTED[name], as_of=dt.date(2024, 11, 30))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_columnar_input_refuses_the_same_rows(name: str) -> None:
    pl = pytest.importorskip("polars")
    from credit_rules.columnar import ColumnarEngine
    from credit_rules.errors import TableError

    events, field, _ = REFUSED[name]
    frame = pl.DataFrame(events, infer_schema_length=None).with_columns(
        pl.col(c).str.to_date() for c in ("date", "until") if c in {k for e in events for k in e}
    )
    with pytest.raises(TableError) as caught:
        ColumnarEngine(GANZHOU).evaluate(frame, pl.DataFrame(PHARMACY), as_of="2024-11-30")
    assert [problem.field for problem in caught.value.problems] == [field]
    # Through Engine, the columnar backend refuses in the walk's words.
    with pytest.raises(HistoryError):
        Engine(GANZHOU, backend="columnar").evaluate(PHARMACY, events, as_of="2024-11-30")


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_columnar_input_accepts_the_same_rows(name: str) -> None:
    pytest.importorskip("polars")
    walk = Engine(GANZHOU).evaluate(PHARMACY, ACCEPTED[name], as_of="2024-11-30")
    columnar = Engine(GANZHOU, backend="columnar")
    assert columnar.evaluate(PHARMACY, ACCEPTED[name], as_of="2024-11-30") == walk


def test_a_reference_is_checked_whatever_day_is_asked() -> None:
    """A decision dated after ``as_of`` is not yet known, but it is wrong in the input all
    the same, as a record entered twice is."""
    events = [PUBLISHED, decided("2025-03-01", objection="o9")]
    with pytest.raises(HistoryError, match="names objection 'o9'"):
        Engine(GANZHOU).evaluate(PHARMACY, events, as_of=dt.date(2024, 11, 30))


def test_an_objection_filed_before_the_measures_can_be_decided_after_them() -> None:
    """Events before the in-force date are outside the measures (decision 0007), but they
    still give the ids later events name: a decision after 2024-01-13 of an objection filed
    in December 2023 is not dangling."""
    events = [
        _event("evaluation_published", "2023-11-20", evaluation="e2023", year=2023, score=70),
        {**FILED, "evaluation": "e2023", "date": "2023-12-01"},
        decided("2024-01-20"),
    ]
    result = Engine(GANZHOU).evaluate(PHARMACY, events, as_of=dt.date(2024, 2, 1))
    assert "notify_objection_result" in {duty.name for duty in result.duties}


def test_a_lianyungang_dismissal_answers_an_objection_made_before_it() -> None:
    person = [{"id": "p1", "kind": "insured_person"}]
    events = [
        {"type": t, "subject": "p1", "record": "r1", "date": d, **more}
        for t, d, more in (
            ("dishonesty_entered", "2008-03-10", {"category": "lend_certificate"}),
            ("objection_dismissed", "2008-04-15", {}),
            ("objection_filed", "2008-04-20", {"ground": "outdated"}),
        )
    ]
    with pytest.raises(HistoryError, match=r"events\[1\] names record 'r1'"):
        Engine(LIANYUNGANG).evaluate(person, events, as_of="2008-05-01")
    # Filed on the day of the dismissal, the objection is answered by it.
    events[2]["date"] = "2008-04-15"
    Engine(LIANYUNGANG).evaluate(person, events, as_of="2008-05-01")


def test_the_ledger_refuses_a_decision_dated_before_its_objection(tmp_path: Path) -> None:
    """Recorded after the objection, the decision names an objection on record, but its own
    day is earlier than the filing: refused on entry, and nothing held is changed."""
    ledger = Ledger.open(SqliteJournal(tmp_path / "ledger.db"), GANZHOU)
    ledger.add_subject(PHARMACY[0])
    ledger.record(PUBLISHED, recorded_at=dt.date(2024, 9, 27))
    ledger.record(FILED, recorded_at=dt.date(2024, 10, 10))
    held = len(ledger)
    with pytest.raises(EventRejected, match=r"\[event.objection\] event names objection 'o1'"):
        ledger.record(decided("2024-10-05"), recorded_at=dt.date(2024, 10, 31))
    assert len(ledger) == held
    ledger.record(decided("2024-10-30"), recorded_at=dt.date(2024, 10, 31))
    assert len(ledger) == held + 1
    ledger.close()
