"""What a review of the ledger's write and read paths reproduced, each fixed and held here: a
bulk load's rows read back as the events it checked; `status` answers by `known_at` however
it was asked before; a reader never answers from an event not yet committed; a compaction
point serves only the calendar it was derived under; a second instance's bulk load is checked
against what the first committed; and bad arguments get typed errors, never a bare Python
error or a ledger stopped by one call."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from ledger_exports import day, entered

from credit_rules import Ledger, bundled
from credit_rules.calendar import default_calendar
from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    JournalError,
    LedgerArgumentError,
    LedgerClockError,
    ScenarioError,
)
from credit_rules.ledger.journal import Batch, SqliteJournal

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
OVERLAY_2027 = (
    Path(__file__).resolve().parents[1] / "docs" / "examples" / "overlay-2027-example.yaml"
)


def _person(ledger: Ledger, subject: str = "p1") -> None:
    ledger.add_subject({"id": subject, "kind": "insured_person"})


# -- a bulk load's rows ------------------------------------------------------------------------


def test_a_bulk_load_writes_the_event_it_checked_whatever_python_value_held_it(
    tmp_path: Path,
) -> None:
    """A set pydantic reads as a tuple, and bytes it reads as text, were written as their
    Python text ("{'a', 'b'}", "b'r1'"): the journal could not be opened again."""
    path = tmp_path / "gz.db"
    materials = {"application_and_commitment", "rectification_evidence"}
    ledger = Ledger.open(path, GANZHOU)
    ledger.bulk_load(
        [{"id": "ph1", "kind": "retail_pharmacy"}],
        [
            (
                day("2025-01-17"),
                {
                    "type": "dishonesty_determined",
                    "subject": "ph1",
                    "record": b"d1",
                    "category": "false_billing",
                    "date": "2024-06-03",
                },
            ),
            (
                day("2025-01-17"),
                {
                    "type": "repair_applied",
                    "subject": "ph1",
                    "application": "a1",
                    "record": "d1",
                    "materials": materials,
                    "date": "2025-01-17",
                },
            ),
        ],
    )
    held = [entry.event for entry in ledger.history("ph1")]
    ledger.close()
    reopened = Ledger.open(path, GANZHOU)
    events = [entry.event for entry in reopened.history("ph1")]
    assert events == held
    assert events[0].__dict__["record"] == "d1"
    assert set(events[1].__dict__["materials"]) == materials
    reopened.status("ph1", day("2025-01-20"))  # the repair names the determination it repairs
    reopened.close()


# -- readers ----------------------------------------------------------------------------------


def test_status_answers_by_known_at_whatever_was_asked_before() -> None:
    """The correction is recorded before its decision day: known on 2009-07-05, it is not yet
    decided, and the two measures stand; known on any later day, they are gone."""

    def ledger() -> Ledger:
        made = Ledger(LIANYUNGANG)
        _person(made)
        made.record_many(
            [entered("r1", "2008-03-10"), entered("r2", "2009-05-20")],
            recorded_at=day("2009-05-20"),
        )
        made.record(
            {
                "type": "record_corrected",
                "subject": "p1",
                "record": "r2",
                "action": "removed",
                "date": "2009-05-20",
                "decided_on": "2009-07-10",
            },
            recorded_at=day("2009-07-01"),
        )
        return made

    as_of, then = day("2009-06-15"), day("2009-07-05")
    expected = {"audit_flag", "cash_settlement"}
    first = ledger()
    assert first.status("p1", as_of).outcomes("p1") == frozenset()
    assert first.status("p1", as_of, known_at=then).outcomes("p1") == expected
    second = ledger()
    assert second.status("p1", as_of, known_at=then).outcomes("p1") == expected
    assert second.status("p1", as_of).outcomes("p1") == frozenset()


class _FailingFlush(SqliteJournal):
    """A journal whose flush, once armed, waits to be released and then fails: the write it
    carries is never committed."""

    armed = False

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.in_flush = threading.Event()
        self.release = threading.Event()

    def flush(self, batch: Batch, subjects_before: int) -> None:
        if self.armed:
            self.in_flush.set()
            self.release.wait(10)
            raise JournalError("disk I/O error (simulated)")
        super().flush(batch, subjects_before)


@pytest.mark.parametrize("question", ["subjects_with", "agenda"])
def test_a_reader_never_answers_from_an_event_that_is_not_committed(
    tmp_path: Path, question: str
) -> None:
    journal = _FailingFlush(tmp_path / "race.db")
    ledger = Ledger.open(journal, LIANYUNGANG)
    for subject in ("s1", "s2"):
        _person(ledger, subject)
        ledger.record(entered("r1", "2020-06-01", subject), recorded_at=day("2020-06-01"))
    # The reader evaluates, outside the lock, a subject whose cache does not reach the day
    # asked; it is held there while a write to that subject is in memory, not yet committed.
    reader_waits, reader_goes = threading.Event(), threading.Event()
    evaluate = ledger._engine.evaluate
    answers: dict[str, Any] = {}

    def held_evaluate(*args: Any, **keywords: Any) -> Any:
        if threading.current_thread().name == "reader" and not reader_waits.is_set():
            reader_waits.set()
            reader_goes.wait(10)
        return evaluate(*args, **keywords)

    ledger._engine.evaluate = held_evaluate  # type: ignore[method-assign]

    def read() -> None:
        if question == "subjects_with":
            answers["read"] = tuple(ledger.subjects_with("written_warning", day("2030-01-01")))
        else:
            answers["read"] = {a.subject for a in ledger.agenda(day("2030-01-01"), horizon=30)}

    def write() -> None:
        try:
            ledger.record(entered("r2", "2030-01-01", "s2"), recorded_at=day("2020-06-02"))
        except CreditRulesError as error:
            answers["write"] = error

    reader = threading.Thread(target=read, name="reader")
    reader.start()
    assert reader_waits.wait(10)
    journal.armed = True
    writer = threading.Thread(target=write)
    writer.start()
    assert journal.in_flush.wait(10)
    reader_goes.set()
    reader.join(10)
    journal.release.set()
    writer.join(10)
    assert isinstance(answers["write"], JournalError)
    # Only s2's entry of 2030-01-01 gives a warning on that day, and it was never committed.
    assert "s2" not in answers["read"]


# -- compaction points ------------------------------------------------------------------------


def _ganzhou_objection(ledger: Ledger) -> None:
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(
        {
            "type": "evaluation_published",
            "subject": "mi1",
            "evaluation": "e2026",
            "year": 2026,
            "score": 72,
            "date": "2027-01-20",
        },
        recorded_at=day("2027-01-20"),
    )
    ledger.record(
        {
            "type": "objection_filed",
            "subject": "mi1",
            "objection": "o1",
            "evaluation": "e2026",
            "ground": "evaluation_result_disputed",
            "date": "2027-01-29",
        },
        recorded_at=day("2027-01-29"),
    )


def _dues(ledger: Ledger) -> list[tuple[dt.date, str]]:
    return [(a.due, a.action) for a in ledger.agenda(day("2027-01-29"), horizon=60)]


def test_a_compaction_point_serves_only_the_calendar_it_was_derived_under(
    tmp_path: Path,
) -> None:
    """The 2027 notice moves the objection's decision a day: a ledger reopened with it counts
    anew, as one built with it from the start does, not from yesterday's compaction point."""
    new_calendar = default_calendar().with_overlay(OVERLAY_2027)
    path = tmp_path / "cal.db"
    old = Ledger.open(path, GANZHOU)
    _ganzhou_objection(old)
    before = _dues(old)
    old.snapshot()
    old.close()
    fresh = Ledger(GANZHOU, calendar=new_calendar)
    _ganzhou_objection(fresh)
    expected = _dues(fresh)
    assert expected != before  # the overlay does move a deadline of this history
    reopened = Ledger.open(path, GANZHOU, calendar=new_calendar)
    assert _dues(reopened) == expected
    reopened.close()
    with Ledger.open(path, GANZHOU) as same:  # the point still serves its own calendar
        assert _dues(same) == before


# -- several instances ------------------------------------------------------------------------


def test_a_bulk_load_checked_before_another_instance_committed_is_refused_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "two.db"
    first, second = Ledger.open(path, LIANYUNGANG), Ledger.open(path, LIANYUNGANG)
    _person(first)
    first.record(entered("r1", "2020-01-01"), recorded_at=day("2020-01-01"))
    second.refresh()
    second.record(
        {"type": "query_requested", "subject": "p1", "date": "2021-01-01"},
        recorded_at=day("2021-01-01"),
    )
    load = (
        [{"id": "p2", "kind": "insured_person"}],
        [(day("2020-06-01"), entered("x1", "2020-06-01", "p2"))],
    )
    with pytest.raises(EventRejected, match="another writer changed the ledger"):
        first.bulk_load(*load)
    # Nothing was written and the ledger goes on, caught up: today did not go backwards, and
    # the same load, checked again, is refused for what it is.
    assert first.today == day("2021-01-01") and first.seq == 2
    with pytest.raises(LedgerClockError):
        first.bulk_load(*load)
    first.record(entered("r2", "2021-01-02"), recorded_at=day("2021-01-02"))
    assert first.seq == 3
    first.close()
    second.close()


# -- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metadata", [{"offset": 7}, {"offset": None}, {3: "x"}, "ab", [("a", "b")]]
)
def test_metadata_that_is_not_text_to_text_is_refused_alone(
    tmp_path: Path, metadata: object
) -> None:
    ledger = Ledger.open(tmp_path / "meta.db", LIANYUNGANG)
    _person(ledger)
    with pytest.raises(LedgerArgumentError, match="metadata must map text to text"):
        ledger.record(
            entered("r1", "2008-03-10"),
            recorded_at=day("2008-03-10"),
            metadata=metadata,  # type: ignore[arg-type]
        )
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"), metadata={"o": "1"})
    assert ledger.metadata() == {"o": "1"} and ledger.seq == 1
    ledger.close()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ledger: ledger.subscribe(None), "a subscriber must be callable"),
        (
            lambda ledger: ledger.record_many([entered("r1", "2008-03-10")], event_ids="a"),
            "event_ids must be a list of ids",
        ),
        (
            lambda ledger: ledger.record_many([entered("r1", "2008-03-10")], event_ids=5),
            "event_ids must be a list of ids",
        ),
        (
            lambda ledger: ledger.record_many([entered("r1", "2008-03-10")], event_ids=["a", "b"]),
            "one id",
        ),
        (lambda ledger: ledger.pending(-1), "limit must be a whole number"),
        (lambda ledger: ledger.pending(None), "limit must be a whole number"),
        (lambda ledger: ledger.acknowledge("0123abcd"), "ids must be a list of notification ids"),
        (lambda ledger: ledger.acknowledge(None), "ids must be a list of notification ids"),
        (lambda ledger: ledger.acknowledge([3]), "a notification id is text"),
    ],
)
def test_bad_arguments_get_typed_errors(call: Any, message: str) -> None:
    ledger = Ledger(LIANYUNGANG)
    _person(ledger)
    with pytest.raises(LedgerArgumentError, match=message):
        call(ledger)
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))  # not stopped
    assert ledger.seq == 1


@pytest.mark.parametrize(
    "item",
    [None, (day("2008-03-10"),), (day("2008-03-10"), entered("r1", "2008-03-10"), "e1", "x")],
    ids=["none", "a lone day", "four values"],
)
def test_a_bulk_load_item_of_the_wrong_shape_is_refused_by_name(item: object) -> None:
    ledger = Ledger(LIANYUNGANG)
    with pytest.raises(EventRejected, match=r"\[load\[0\]\] an item is \(recorded_at, event\)"):
        ledger.bulk_load([{"id": "p1", "kind": "insured_person"}], [item])  # type: ignore[list-item]
    assert ledger.subject_ids() == ()


def test_a_loaded_subject_the_engine_refuses_stops_neither_the_ledger_nor_time(
    tmp_path: Path,
) -> None:
    """A load without ``check`` may hold a history the engine refuses (one record entered
    twice). It used to fail the first later-day record halfway and stop the ledger, again
    after every reopen; then to refuse every later-day call. It is now held aside
    (tests/test_ledger_refused.py), and time passes for the others."""
    ledger = Ledger.open(tmp_path / "twice.db", LIANYUNGANG)
    twice = entered("r1", "2008-03-10")
    ledger.bulk_load(
        [{"id": "p1", "kind": "insured_person"}, {"id": "q", "kind": "insured_person"}],
        [(day("2008-03-10"), twice), (day("2008-03-10"), twice)],
    )
    for later in ("2008-05-01", "2008-05-02"):
        ledger.record(entered(f"x{later}", later, "q"), recorded_at=day(later))
    ledger.advance(day("2008-05-03"))
    assert ledger.seq == 4 and list(ledger.refused_subjects()) == ["p1"]
    ledger.close()


def test_lookups_by_an_id_that_is_not_text_and_a_day_that_is_not_a_date_are_typed() -> None:
    ledger = Ledger(LIANYUNGANG)
    _person(ledger)
    assert [] not in ledger and 3 not in ledger and "p1" in ledger
    for lookup in (ledger.status, ledger.report):
        with pytest.raises(LedgerArgumentError, match="a subject id is text"):
            lookup([], day("2009-01-01"))  # type: ignore[arg-type]
        # ISO text is a day (tests/test_days_as_text.py); other text is not.
        with pytest.raises(ScenarioError, match=r"\[as_of\] '2009-1-1' is not a date"):
            lookup("p1", "2009-1-1")
        with pytest.raises(ScenarioError, match="as_of must be a date"):
            lookup("p1", 20090101)  # type: ignore[arg-type]
    with pytest.raises(LedgerArgumentError, match="a subject id is text"):
        ledger.history([])  # type: ignore[arg-type]
    with pytest.raises(LedgerArgumentError, match="a subject id is text"):
        ledger.subject({"id": "p1"})  # type: ignore[arg-type]
