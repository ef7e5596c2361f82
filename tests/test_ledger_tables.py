"""Bulk load from tables gives the ledger loaded from iterables, and refuses bad input whole.

``Ledger.bulk_load_tables`` checks columns instead of models (credit_rules.ledger.bulk_tables);
what it keeps and writes must be what ``bulk_load`` keeps and writes for the same events, on
both journals, through a reopen; and every refusal of the iterable path has its counterpart,
naming the table, row and column, with the ledger and its journal left as they were.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import pytest
from ledger_journals import JournalFactory

pl = pytest.importorskip("polars")

import credit_rules.ledger  # noqa: E402
from credit_rules import Ledger, bundled  # noqa: E402
from credit_rules.errors import (  # noqa: E402
    BackendUnavailable,
    EventRejected,
    LedgerClockError,
    LedgerClockLeap,
    MissingReference,
    ScenarioError,
    SubjectRejected,
    TableError,
)
from credit_rules.testing.histories import long_history  # noqa: E402

KINDS = {"lianyungang-2007": "insured_person", "ganzhou-2023": "medical_institution"}
DAYS = (dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2026, 1, 1), dt.date(2028, 1, 1))


def population(name: str) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Five subjects, four with long histories of different lengths, events by date."""
    vocabulary = bundled(name).vocabulary
    events = [
        {**event, "subject": f"s{k}"}
        for k in range(4)
        for event in long_history(vocabulary, 15 + 9 * k)
    ]
    events.sort(key=lambda e: str(e["date"]))
    return [{"id": f"s{k}", "kind": KINDS[name]} for k in range(5)], events


def as_table(events: list[dict[str, Any]]) -> Any:
    return pl.from_dicts(
        [{**e, "recorded_at": dt.date.fromisoformat(str(e["date"]))} for e in events],
        infer_schema_length=None,
    )


def loaded_from_iterables(
    ruleset: Any, subjects: list[dict[str, str]], events: list[dict[str, Any]]
) -> Ledger:
    ledger = Ledger(ruleset)
    ledger.bulk_load(
        subjects, [(dt.date.fromisoformat(str(e["date"])), e) for e in events], freeze=False
    )
    return ledger


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_table_load_keeps_what_an_iterable_load_keeps(
    name: str, journal_factory: JournalFactory
) -> None:
    ruleset = bundled(name)
    subjects, events = population(name)
    iterable = loaded_from_iterables(ruleset, subjects, events)
    tables = Ledger.open(journal_factory(), ruleset)
    loaded = tables.bulk_load_tables(as_table(events), pl.DataFrame(subjects), freeze=False)
    assert loaded == len(events)
    assert_same(tables, iterable, [s["id"] for s in subjects])
    tables.close()
    reopened = Ledger.open(journal_factory(), ruleset)
    assert_same(reopened, iterable, [s["id"] for s in subjects])
    reopened.close()


def assert_same(ledger: Ledger, reference: Ledger, subjects: list[str]) -> None:
    assert ledger.subject_ids() == reference.subject_ids()
    assert ledger.today == reference.today
    for subject in subjects:
        assert ledger.history(subject) == reference.history(subject)
        for day in DAYS:
            assert ledger.status(subject, day) == reference.status(subject, day)
    for day in DAYS:
        assert ledger.agenda(day, horizon=60) == reference.agenda(day, horizon=60)


def test_one_table_per_type_and_one_recording_day_for_the_load() -> None:
    ruleset = bundled("lianyungang-2007")
    subjects, events = population("lianyungang-2007")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(
            {k: v for k, v in event.items() if k != "type"}
        )
    day = dt.date(2030, 1, 1)
    reference = loaded_from_iterables(ruleset, subjects, events)
    ledger = Ledger(ruleset)
    ledger.bulk_load_tables(
        {t: pl.from_dicts(rows, infer_schema_length=None) for t, rows in by_type.items()},
        pl.DataFrame(subjects),
        recorded_at=day,
        freeze=False,
    )
    assert ledger.today == day
    for subject in subjects:
        history = ledger.history(subject["id"])
        assert {entry.recorded_at for entry in history} <= {day}
        assert sorted((e.event for e in history), key=repr) == sorted(
            (e.event for e in reference.history(subject["id"])),
            key=repr,
        )


def test_events_are_appended_in_recording_order_ties_as_given() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    rows = [
        ("r2", dt.date(2009, 1, 5), dt.date(2009, 2, 1)),
        ("r1", dt.date(2008, 3, 10), dt.date(2009, 1, 1)),
        ("r3", dt.date(2009, 1, 6), dt.date(2009, 1, 1)),
    ]
    table = pl.DataFrame(
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "category": "lend_certificate",
            "record": [r for r, _, _ in rows],
            "date": [d for _, d, _ in rows],
            "recorded_at": [t for _, _, t in rows],
        }
    )
    ledger.bulk_load_tables(table, pl.DataFrame({"id": ["p1"], "kind": ["insured_person"]}))
    assert [e.event.record for e in ledger.history("p1")] == ["r1", "r3", "r2"]
    assert [e.seq for e in ledger.history("p1")] == [1, 2, 3]


def test_a_subjects_table_with_other_fields_is_validated_by_the_model() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    bad = pl.DataFrame(
        {"id": ["p1"], "kind": ["insured_person"], "identity_number": ["110101199003070000"]}
    )
    empty = pl.DataFrame(schema={"type": pl.String, "subject": pl.String, "date": pl.Date})
    with pytest.raises(TableError, match=r"subjects\[0\]\.identity_number\] character 18"):
        ledger.bulk_load_tables(empty, bad, recorded_at=dt.date(2020, 1, 1))
    assert ledger.subject_ids() == ()
    good = pl.DataFrame(
        {"id": ["p1"], "kind": ["insured_person"], "identity_number": ["11010519491231002X"]}
    )
    one_by_one = Ledger(bundled("lianyungang-2007"))
    one_by_one.add_subject(good.to_dicts()[0])
    ledger.bulk_load_tables(empty, good, recorded_at=dt.date(2020, 1, 1))
    assert ledger.subject("p1") == one_by_one.subject("p1")


def _entered(record: str, subject: str = "p1", **more: Any) -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "lend_certificate",
        "date": dt.date(2008, 3, 10),
        "recorded_at": dt.date(2008, 3, 10),
        **more,
    }


PEOPLE = {"id": ["p1"], "kind": ["insured_person"]}


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([_entered("r1", category="no_such")], TableError, r"events\[0\]\.category"),
        ([_entered("r1", subject="nobody")], EventRejected, r"events\[0\]\.subject"),
        (
            [_entered("r1", event_id="e1"), _entered("r2", event_id="e1")],
            EventRejected,
            r"event_id 'e1' is already recorded or given twice",
        ),
        ([_entered("r1", recorded_at=None)], EventRejected, r"events\[0\]\.recorded_at"),
        ([_entered("r1", recorded_at=dt.date(2000, 1, 1))], LedgerClockError, "recorded_at"),
    ],
)
def test_bad_input_is_refused_whole(
    rows: list[dict[str, Any]], error: type[Exception], match: str, journal_factory: JournalFactory
) -> None:
    ruleset = bundled("lianyungang-2007")
    ledger = Ledger.open(journal_factory(), ruleset)
    ledger.bulk_load_tables(
        pl.DataFrame([_entered("r0", subject="p0")]),
        pl.DataFrame({"id": ["p0"], "kind": ["insured_person"]}),
        freeze=False,
    )
    with pytest.raises(error, match=match):
        ledger.bulk_load_tables(
            pl.from_dicts(rows, infer_schema_length=None), pl.DataFrame(PEOPLE), freeze=False
        )
    assert ledger.subject_ids() == ("p0",) and len(ledger.history("p0")) == 1
    ledger.close()
    reopened = Ledger.open(journal_factory(), ruleset)
    assert reopened.subject_ids() == ("p0",) and len(reopened.history("p0")) == 1
    reopened.close()


def test_a_subject_held_already_is_refused() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    ledger.bulk_load_tables(pl.DataFrame([_entered("r1")]), pl.DataFrame(PEOPLE))
    with pytest.raises(
        SubjectRejected, match=r"subjects\[0\]\.id\] the ledger already holds subject 'p1'"
    ):
        ledger.bulk_load_tables(pl.DataFrame([_entered("r2")]), pl.DataFrame(PEOPLE))
    assert len(ledger.history("p1")) == 1


def test_an_event_id_loaded_makes_a_later_replay_harmless() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    ledger.bulk_load_tables(pl.DataFrame([_entered("r1", event_id="e1")]), pl.DataFrame(PEOPLE))
    event = {k: v for k, v in _entered("r1").items() if k != "recorded_at"}
    ledger.record(event, recorded_at=dt.date(2008, 3, 10), event_id="e1")
    assert len(ledger.history("p1")) == 1


def test_a_decision_on_an_objection_never_filed_is_refused() -> None:
    ledger = Ledger(bundled("ganzhou-2023"))
    day = dt.date(2025, 2, 1)
    table = pl.DataFrame(
        [
            {
                "type": "objection_decided",
                "subject": "m1",
                "date": day,
                "objection": "o9",
                "result": "upheld",
                "recorded_at": day,
            }
        ]
    )
    with pytest.raises(MissingReference, match="o9"):
        ledger.bulk_load_tables(
            table, pl.DataFrame({"id": ["m1"], "kind": ["medical_institution"]})
        )
    assert ledger.subject_ids() == ()


def test_without_the_columnar_extra_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    monkeypatch.delitem(sys.modules, "credit_rules.ledger.bulk_tables", raising=False)
    monkeypatch.delattr(credit_rules.ledger, "bulk_tables", raising=False)
    ledger = Ledger(bundled("lianyungang-2007"))
    with pytest.raises(BackendUnavailable, match=r"credit-rules\[columnar\]"):
        ledger.bulk_load_tables([], None)


def test_text_that_json_must_escape_survives_the_journal(journal_factory: JournalFactory) -> None:
    # Each event's row is JSON written by Polars, and fields left out are dropped from it as
    # text: quotes, backslashes, control characters, Chinese, and values that look like a
    # dropped field must all come back as they went in, through a reopen.
    ruleset = bundled("lianyungang-2007")
    ids = ['q"uote', "back\\slash", "赣州一院", "tab\there", "nl\nx", 'x,"a":null']
    records = [f'r"{n}\\,"k":null' for n in range(len(ids))]
    day = dt.date(2008, 3, 10)
    table = pl.DataFrame(
        {
            "type": "dishonesty_entered",
            "subject": ids,
            "record": records,
            "category": "lend_certificate",
            "date": day,
        }
    )
    people = [{"id": i, "kind": "insured_person"} for i in ids]
    ledger = Ledger.open(journal_factory(), ruleset)
    ledger.bulk_load_tables(table, pl.DataFrame(people), recorded_at=day, freeze=False)
    ledger.close()
    reference = loaded_from_iterables(ruleset, people, table.to_dicts())
    reopened = Ledger.open(journal_factory(), ruleset)
    for subject in ids:
        assert list(reopened.history(subject)) == list(reference.history(subject))
    assert [reopened.history(i)[0].event.record for i in ids] == records
    reopened.close()


@pytest.mark.parametrize(
    "recorded_at", [dt.date(9999, 1, 1), dt.datetime(2009, 6, 1, 13, 30), "2009-6-1"]
)
def test_a_recording_day_is_checked_as_record_checks_it(recorded_at: Any) -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    event = {k: v for k, v in _entered("r1").items() if k != "recorded_at"}
    people = [{"id": "p1", "kind": "insured_person"}]
    with pytest.raises(ScenarioError, match="recorded_at"):
        ledger.record(event, recorded_at=recorded_at)
    with pytest.raises(ScenarioError, match="recorded_at"):
        ledger.bulk_load(people, [(recorded_at, event)])
    with pytest.raises(ScenarioError, match="recorded_at"):
        ledger.bulk_load_tables(
            pl.DataFrame([event]), pl.DataFrame(people), recorded_at=recorded_at
        )
    assert ledger.subject_ids() == ()


def test_a_recording_day_column_after_the_last_day_is_refused() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    table = pl.DataFrame([_entered("r1", recorded_at=dt.date(9999, 1, 1))])
    with pytest.raises(TableError, match=r"events\[0\]\.recorded_at\] after 7999-12-31"):
        ledger.bulk_load_tables(table, pl.DataFrame(PEOPLE))
    assert ledger.today is None


def test_the_iterable_load_refuses_what_is_not_an_iterable() -> None:
    ledger = Ledger(bundled("lianyungang-2007"))
    with pytest.raises(EventRejected, match="events must be an iterable"):
        ledger.bulk_load([], None)  # type: ignore[arg-type]


def test_an_event_id_must_be_text_on_every_path() -> None:
    # The journal keeps ids as text: an id 7 would read back as "7" after a reopen, and the
    # same event sent again with 7 would not be known for a replay.
    ledger = Ledger(bundled("lianyungang-2007"))
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    event = {k: v for k, v in _entered("r1").items() if k != "recorded_at"}
    day = dt.date(2008, 3, 10)
    with pytest.raises(EventRejected, match="an event_id must be text, got 7"):
        ledger.record(event, recorded_at=day, event_id=7)  # type: ignore[arg-type]
    with pytest.raises(EventRejected, match="an event_id must be text"):
        ledger.record({**event, "event_id": 7}, recorded_at=day)
    with pytest.raises(EventRejected, match=r"load\[0\]\.event_id\] an event_id must be text"):
        ledger.bulk_load([], [(day, event, 7)])  # type: ignore[list-item]
    assert len(ledger.history("p1")) == 0
    ledger.record({**event, "event_id": "7"}, recorded_at=day)
    assert ledger.record(event, recorded_at=day, event_id="7").seq == 1  # a replay


@pytest.mark.parametrize("loader", ["iterable", "tables"])
def test_a_bulk_load_takes_no_leap_of_a_mistyped_year(loader: str) -> None:
    """Issue 12: a recording day in 7999 among those of 2008 would move the ledger's today
    there for good. A bulk load holds each step between its recording days (sorted) to the
    clock's max_leap, names the row, and loads nothing; steps of years within it pass."""
    ledger = Ledger(bundled("lianyungang-2007"))
    recorded = [dt.date(2008, 3, 10), dt.date(2012, 3, 10), dt.date(7999, 3, 10)]
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{n}",
            "category": "lend_certificate",
            "date": dt.date(2008, 3, 10),
        }
        for n in range(3)
    ]
    people = [{"id": "p1", "kind": "insured_person"}]
    with pytest.raises(LedgerClockLeap) as caught:
        if loader == "iterable":
            ledger.bulk_load(people, list(zip(recorded, events, strict=True)))
        else:
            table = as_table(events).with_columns(pl.Series("recorded_at", recorded))
            ledger.bulk_load_tables(table, pl.DataFrame(people))
    assert caught.value.day == dt.date(7999, 3, 10) and caught.value.today == dt.date(2012, 3, 10)
    assert "[2]: recorded_at 7999-03-10" in str(caught.value)
    assert len(ledger) == 0 and ledger.today is None
    recorded[2] = dt.date(2020, 3, 10)
    if loader == "iterable":
        ledger.bulk_load(people, list(zip(recorded, events, strict=True)))
    else:
        table = as_table(events).with_columns(pl.Series("recorded_at", recorded))
        ledger.bulk_load_tables(table, pl.DataFrame(people))
    assert len(ledger) == 3 and ledger.today == dt.date(2020, 3, 10)
