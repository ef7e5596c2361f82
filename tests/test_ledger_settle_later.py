"""``settle="later"``: ``record`` acknowledged once durable, evaluated at settlement.

The property that makes the mode safe: a ledger that settles later, once settled, is the
ledger that settled each event on entry, fed the same calls. The same histories, statuses and
notifications (by id); and the events one refuses on entry are exactly the events the other
voids. Then what only this mode has: voids kept across reopening, settlement redone after a
crash from the journal's mark, another writer's unsettled events, and the refusals it still
makes on receipt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_exports import day, entered
from ledger_journals import JournalFactory

from credit_rules import Ledger, bundled
from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    JournalError,
    LedgerArgumentError,
    LedgerClockError,
    MissingReference,
)
from credit_rules.ledger.journal import SqliteJournal

LIANYUNGANG = bundled("lianyungang-2007")
SUBJECTS = ("p0", "p1", "p2")
START = dt.date(2008, 1, 1)


#: The fields of each kind of step beside type, subject, record and date.
KINDS: dict[str, dict[str, str]] = {
    "enter": {"type": "dishonesty_entered", "category": "resell_drugs"},
    "correct": {"type": "record_corrected", "action": "removed"},
    "object": {"type": "objection_filed", "ground": "inaccurate"},
}


def step_event(kind: str, record: str, date: str, subject: str) -> dict[str, Any]:
    return {**KINDS[kind], "subject": subject, "record": record, "date": date}


def corrected(record: str, date: str, subject: str) -> dict[str, Any]:
    return step_event("correct", record, date, subject)


def objected(record: str, date: str, subject: str) -> dict[str, Any]:
    return step_event("object", record, date, subject)


def new_ledger(settle: str, journal: Any = None) -> Ledger:
    if journal is None:
        ledger = Ledger(LIANYUNGANG, settle=settle)  # type: ignore[arg-type]
    else:
        ledger = Ledger.open(journal, LIANYUNGANG, settle=settle)  # type: ignore[arg-type]
    for subject in SUBJECTS:
        if subject not in ledger:
            ledger.add_subject({"id": subject, "kind": "insured_person"})
    return ledger


# One step of a service's day: (kind, subject, record, days after START, days recorded later).
steps = st.lists(
    st.tuples(
        st.sampled_from(["enter", "enter", "enter", "correct", "object", "advance", "settle"]),
        st.sampled_from(SUBJECTS),
        st.sampled_from(["r1", "r2", "r3"]),  # few names: entered twice, corrected unentered
        st.integers(0, 3000),
        st.integers(0, 400),
    ),
    max_size=25,
)


def run(ledger: Ledger, script: list[tuple[str, str, str, int, int]]) -> list[str]:
    """Feed the script; return what ``record`` refused, as text naming the event."""
    refused: list[str] = []
    recorded = START
    for kind, subject, record, offset, lag in script:
        date = START + dt.timedelta(days=offset)
        recorded = max(recorded, date + dt.timedelta(days=lag))
        if kind == "advance":
            ledger.advance(recorded)
            continue
        if kind == "settle":
            ledger.settle()
            continue
        event = step_event(kind, record, date.isoformat(), subject)
        try:
            ledger.record(event, recorded_at=recorded)
        except (EventRejected, MissingReference):
            refused.append(f"{kind} {subject} {record} {date}")
    return refused


def described(ledger: Ledger, seq: int) -> str:
    event = ledger._entry(seq).event
    kind = {"dishonesty_entered": "enter", "record_corrected": "correct"}.get(event.type, "object")
    return f"{kind} {event.subject} {event.record} {event.date}"  # type: ignore[attr-defined]


def observed(ledger: Ledger, today: dt.date | None = None) -> dict[str, Any]:
    """Everything a service can see on ``today`` (the ledger's, without it), with seqs left
    out (a voided event keeps its seq)."""
    today = today or ledger.today or START
    notes = ledger.pending(limit=100_000)
    return {
        "histories": {s: [(e.recorded_at, e.event) for e in ledger.history(s)] for s in SUBJECTS},
        "statuses": {
            s: [ledger.status(s, d).model_dump(mode="json") for d in (START, today)]
            for s in SUBJECTS
        },
        "outcomes": sorted(ledger.subjects_with("cash_settlement", today)),
        "notifications": sorted(
            (n.id, n.kind, n.subject, n.day, n.name, n.trigger_type, n.trigger_key)
            for n in notes
            if n.kind != "refused"
        ),
        "agenda": [(a.subject, a.action, a.due) for a in ledger.agenda(today, horizon=400)],
    }


@given(steps)
def test_settled_later_is_settled_on_entry(script: list[tuple[str, str, str, int, int]]) -> None:
    on_entry, later = new_ledger("on_record"), new_ledger("later")
    refused = run(on_entry, script)
    refused_later = run(later, script)
    # Receiving an event is a transaction: the day of one voided since still moved today.
    assert (later.today or START) >= (on_entry.today or START)
    today = later.today
    assert observed(later, today) == observed(on_entry, today)
    # What one refused on entry the other voided, except what both refuse on receipt (an
    # objection's dismissal never objected to, named nowhere here, is the only such kind).
    voided = later.voided()
    assert sorted(refused) == sorted([*refused_later, *(described(later, s) for s in voided)])
    refusals = [n for n in later.pending(limit=100_000) if n.kind == "refused"]
    assert sorted(n.trigger_seq for n in refusals) == sorted(voided)
    if not voided:
        # Seqs are the same then, so the outbox is, byte for byte and in order: each
        # notification reflects the history settled up to its event, as on entry.
        assert [n.to_json() for n in later.pending(limit=100_000)] == [
            n.to_json() for n in on_entry.pending(limit=100_000)
        ]
    assert later.unsettled == 0


def test_record_returns_before_settlement_and_questions_settle_first() -> None:
    ledger = new_ledger("later")
    entry = ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    assert entry.seq == 1
    assert ledger.unsettled == 1
    assert ledger.seq == 1
    assert "p1" not in ledger._states  # nothing derived yet: its state is made at settlement
    # Asking for the outbox settles first: the entry's notifications are there.
    notes = ledger.pending()
    assert ledger.unsettled == 0
    assert ("gained", "written_warning") in {(n.kind, n.name) for n in notes}
    status, seq = ledger.status_at("p1", "2008-03-10")
    assert seq == 1
    assert "written_warning" in status.outcomes("p1")


def test_a_duplicate_is_voided_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = new_ledger("later", SqliteJournal(path))
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r1", "2008-04-01", "p1"), recorded_at=day("2008-04-01"))
    ledger.record(entered("r2", "2008-05-01", "p1"), recorded_at=day("2008-05-01"))
    assert ledger.settle() == 3
    voided = ledger.voided()
    assert list(voided) == [2]
    assert "r1" in voided[2]
    assert [e.seq for e in ledger.history("p1")] == [1, 3]
    (refusal,) = [n for n in ledger.pending(limit=1000) if n.kind == "refused"]
    assert (refusal.subject, refusal.day, refusal.name, refusal.trigger_key) == (
        "p1",
        day("2008-04-01"),
        "dishonesty_entered",
        "r1",
    )
    assert refusal.trigger_seq == 2
    before = ledger.status("p1", "2008-06-01").model_dump(mode="json")
    ledger.close()

    again = Ledger.open(SqliteJournal(path), LIANYUNGANG)  # settling on entry from now on
    try:
        assert again.voided() == voided
        assert [e.seq for e in again.history("p1")] == [1, 3]
        assert again.status("p1", "2008-06-01").model_dump(mode="json") == before
        assert again._entry(2).event.record == "r1"  # type: ignore[attr-defined]
        # The same id again is a replay of the voided event, not a new one.
        assert len(again) == 3
    finally:
        again.close()


def _abandon(ledger: Ledger) -> None:
    """Let a ledger go as a killed process would: no settlement, no close."""
    journal = ledger.journal
    assert journal is not None
    journal.close()


def test_reopening_settles_what_a_crash_left_unsettled(tmp_path: Path) -> None:
    script = [
        (entered("r1", "2008-03-10", "p1"), "2008-03-10"),
        (entered("r1", "2008-03-11", "p1"), "2008-03-11"),  # voided
        (entered("r2", "2008-04-10", "p2"), "2008-04-10"),
        (corrected("r2", "2008-05-01", "p2"), "2008-05-02"),
    ]
    reference = new_ledger("on_record", SqliteJournal(tmp_path / "reference.db"))
    for event, recorded in script:
        with contextlib.suppress(EventRejected):
            reference.record(event, recorded_at=recorded)
    expected = observed(reference)
    reference.close()

    path = tmp_path / "ledger.db"
    crashed = new_ledger("later", SqliteJournal(path))
    crashed.record(*script[0][:1], recorded_at=script[0][1])
    crashed.settle()  # the first is settled and its notifications written...
    for event, recorded in script[1:]:
        crashed.record(event, recorded_at=recorded)
    assert crashed.unsettled == 3  # ...the rest only acknowledged when it dies
    _abandon(crashed)

    reopened = Ledger.open(SqliteJournal(path), LIANYUNGANG, settle="later")
    try:
        assert reopened.unsettled == 3
        assert observed(reopened) == expected
        assert list(reopened.voided()) == [2]
    finally:
        reopened.close()


def test_another_writer_settles_what_it_finds_unsettled(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    producer = new_ledger("later", SqliteJournal(path))
    producer.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    producer.record(entered("r1", "2008-03-12", "p1"), recorded_at=day("2008-03-12"))
    service = Ledger.open(SqliteJournal(path), LIANYUNGANG)  # settles on entry
    try:
        assert service.unsettled == 2
        service.record(entered("r9", "2008-04-01", "p2"), recorded_at=day("2008-04-01"))
        assert service.unsettled == 0
        assert list(service.voided()) == [2]
        # The producer learns on its next write that they are settled, and takes them as
        # they were settled (the voided one aside), without settling them twice.
        producer.record(entered("r3", "2008-05-01", "p0"), recorded_at=day("2008-05-01"))
        assert list(producer.voided()) == [2]
        service.refresh()
        assert observed(producer) == observed(service)
        ids = [n.id for n in service.pending(limit=1000)]
        assert len(ids) == len(set(ids))
    finally:
        service.close()
        producer.close()


def test_what_needs_no_evaluation_is_still_refused_on_receipt() -> None:
    ledger = new_ledger("later")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    with pytest.raises(MissingReference):
        ledger.record(
            {"type": "objection_dismissed", "subject": "p1", "record": "r1", "date": "2008-03-20"},
            recorded_at=day("2008-03-20"),
        )
    with pytest.raises(EventRejected, match="not in the ledger"):
        ledger.record(entered("r2", "2008-03-10", "nobody"), recorded_at=day("2008-03-20"))
    # The clock (forward by default) never stamps a day before one already acknowledged.
    late = ledger.record(entered("r3", "2008-03-01", "p1"), recorded_at=day("2008-03-01"))
    assert late.recorded_at == day("2008-03-10")
    # An objection acknowledged and not yet settled is on record for its dismissal.
    ledger.record(objected("r1", "2008-03-21", "p1"), recorded_at=day("2008-03-21"))
    ledger.record(
        {"type": "objection_dismissed", "subject": "p1", "record": "r1", "date": "2008-03-22"},
        recorded_at=day("2008-03-22"),
    )
    assert ledger.unsettled == 4
    assert ledger.settle(limit=3) == 3
    assert ledger.unsettled == 1
    assert ledger.settle() == 1
    assert ledger.voided() == {}
    assert len(ledger.history("p1")) == 4


def test_record_many_and_advance_settle_first_and_stay_all_or_nothing() -> None:
    ledger = new_ledger("later")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    with pytest.raises(EventRejected):
        ledger.record_many(
            [entered("r2", "2008-03-11", "p1"), entered("r1", "2008-03-12", "p1")],
            recorded_at=day("2008-03-12"),
        )
    assert ledger.unsettled == 0  # settled before the batch was planned
    assert [e.event.record for e in ledger.history("p1")] == ["r1"]  # type: ignore[attr-defined]
    ledger.record(entered("r2", "2008-03-15", "p1"), recorded_at=day("2008-03-15"))
    with pytest.raises(LedgerClockError):
        ledger.advance("2008-03-14")  # before a day already acknowledged
    changes = ledger.advance("2009-01-01")
    assert ledger.unsettled == 0
    assert ledger.today == day("2009-01-01")
    assert all(change.on <= day("2009-01-01") for change in changes)


def test_subscribers_are_told_at_settlement() -> None:
    ledger = new_ledger("later")
    told: list[tuple[str, Any]] = []
    ledger.subscribe(lambda subject, gained, lost: told.append((subject.id, gained)))
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("2008-03-11"))
    assert told == []
    ledger.settle()
    assert told and all(subject == "p1" for subject, _ in told)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(LedgerArgumentError, match="settle must be"):
        Ledger(LIANYUNGANG, settle="soon")  # type: ignore[arg-type]
    ledger = new_ledger("later")
    for bad in (0, -1, True, 1.5, "3"):
        with pytest.raises(LedgerArgumentError, match="limit"):
            ledger.settle(limit=bad)  # type: ignore[arg-type]
    assert new_ledger("on_record").settle() == 0


def test_a_ledger_closed_with_events_unsettled_settles_them_first(
    journal_factory: JournalFactory,
) -> None:
    ledger = new_ledger("later", journal_factory())
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.close()
    assert ledger.unsettled == 0
    with pytest.raises(CreditRulesError, match="closed"):
        ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("2008-03-11"))
    reopened = Ledger.open(journal_factory(), LIANYUNGANG, settle="later")
    try:
        assert reopened.unsettled == 0
        assert [n.kind for n in reopened.pending()]  # written when it closed
    finally:
        reopened.close()


def _with_a_voided_event(tmp_path: Path) -> Path:
    path = tmp_path / "source.db"
    ledger = new_ledger("later", SqliteJournal(path))
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"), event_id="a")
    ledger.record(entered("r1", "2008-03-11", "p1"), recorded_at=day("2008-03-11"), event_id="b")
    ledger.record(entered("r2", "2008-03-12", "p2"), recorded_at=day("2008-03-12"), event_id="c")
    _abandon(ledger)  # unsettled in the journal
    return path


def test_migration_settles_the_source_and_leaves_voided_events_out(tmp_path: Path) -> None:
    from credit_rules.ledger.migrate import migrate

    source = _with_a_voided_event(tmp_path)
    new, report = migrate(source, LIANYUNGANG, tmp_path / "target.db", LIANYUNGANG)
    try:
        assert report.refused == ()
        assert sorted(new._event_ids) == ["a", "c"]
        assert [e.event.record for e in new.history("p1")] == ["r1"]  # type: ignore[attr-defined]
        assert new.voided() == {}
    finally:
        new.close()
    old = Ledger.open(SqliteJournal(source), LIANYUNGANG)
    try:
        assert old.unsettled == 0  # settled by the migration, the void kept
        assert list(old.voided()) == [2]
    finally:
        old.close()


def test_an_export_refuses_a_ledger_with_voided_events(tmp_path: Path) -> None:
    ledger = Ledger.open(SqliteJournal(_with_a_voided_event(tmp_path)), LIANYUNGANG)
    try:
        with pytest.raises(LedgerArgumentError, match="1 voided event"):
            ledger.snapshot(tmp_path / "export.jsonl")
        assert not (tmp_path / "export.jsonl").exists()
    finally:
        ledger.close()


@pytest.mark.parametrize(("key", "value"), [("unsettled_from", "x"), ("void:two", "why")])
def test_a_journal_whose_marks_are_not_seqs_is_refused(
    tmp_path: Path, key: str, value: str
) -> None:
    path = _with_a_voided_event(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT OR REPLACE INTO cr_meta (key, value) VALUES (?, ?)", (key, value))
    with pytest.raises(JournalError, match="must name seqs"):
        Ledger.open(SqliteJournal(path), LIANYUNGANG)


def test_a_large_backlog_is_settled_a_thousand_events_to_a_transaction(tmp_path: Path) -> None:
    ledger = new_ledger("later", SqliteJournal(tmp_path / "ledger.db"))
    for n in range(500):
        ledger.add_subject({"id": f"m{n}", "kind": "insured_person"})
    for n in range(2500):
        ledger.record(entered(f"r{n}", "2008-03-10", f"m{n % 500}"), recorded_at=day("2008-03-10"))
    journal = ledger.journal
    assert journal is not None
    with mock.patch.object(journal, "commit", wraps=journal.commit) as commit:
        assert ledger.settle() == 2500
    assert commit.call_count == 3
    assert ledger.unsettled == 0
    assert len(ledger.history("m0")) == 5
    ledger.close()
