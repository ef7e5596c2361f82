"""The ledger on a journal, the same tests on SQLite and on a real PostgreSQL server: what was
acknowledged is there after reopening, exactly once; replays are harmless; references are
checked; the outbox tells what the durable events caused; compaction is incremental; two
writers share one journal."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from ledger_exports import day, entered
from ledger_journals import JournalFactory

from credit_rules import Ledger, bundled
from credit_rules.engine.engine import Engine
from credit_rules.errors import (
    DuplicateEventId,
    EventRejected,
    LedgerClockError,
    MissingReference,
    SnapshotMismatch,
    UnknownSubject,
)
from credit_rules.ledger import bulk
from credit_rules.ledger import ledger as ledger_module
from credit_rules.ledger.clock import StrictClock
from credit_rules.ledger.journal import SqliteJournal

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")


def published(subject: str = "mi1", date: str = "2025-01-10") -> dict[str, Any]:
    return {
        "type": "evaluation_published",
        "subject": subject,
        "evaluation": "e2024",
        "year": 2024,
        "score": 72,
        "date": date,
    }


def objection(date: str = "2025-01-24", name: str = "o1") -> dict[str, Any]:
    return {
        "type": "objection_filed",
        "subject": "mi1",
        "objection": name,
        "evaluation": "e2024",
        "ground": "evaluation_result_disputed",
        "date": date,
    }


def decided(name: str = "o1", result: str = "rejected") -> dict[str, Any]:
    return {
        "type": "objection_decided",
        "subject": "mi1",
        "objection": name,
        "result": result,
        "date": "2025-02-01",
    }


def test_reopening_replays_every_acknowledged_event(journal_factory: JournalFactory) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.add_subject({"id": "p2", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    ledger.record_many(
        [entered("r2", "2009-05-20"), entered("r1", "2009-05-20", "p2")],
        recorded_at=day("2009-05-20"),
    )
    ledger.advance(day("2009-06-01"))
    before = [ledger.status(s, day("2009-06-01")) for s in ("p1", "p2")]
    ledger.close()

    again = Ledger.open(journal_factory(), LIANYUNGANG)
    assert again.subject_ids() == ("p1", "p2")
    assert [e.seq for e in again.history("p1")] == [1, 2]
    assert (again.today, again.seq, len(again)) == (day("2009-06-01"), 3, 3)
    assert [again.status(s, day("2009-06-01")) for s in ("p1", "p2")] == before
    assert again.subjects_with("cash_settlement", day("2009-06-01")) == ("p1",)
    assert "p1" in again and again.has_subject("p2") and "p3" not in again
    # It goes on from where it was: the next seq follows.
    assert again.record(entered("r3", "2009-07-01"), recorded_at=day("2009-07-01")).seq == 4
    again.close()


def test_a_refused_event_leaves_nothing_in_the_journal(journal_factory: JournalFactory) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    with pytest.raises(EventRejected):
        ledger.record_many(
            [entered("r2", "2008-04-01"), entered("r1", "2008-04-01")],
            recorded_at=day("2008-04-01"),
        )
    ledger.close()
    again = Ledger.open(journal_factory(), LIANYUNGANG)
    assert len(again) == 1 and again.today == day("2008-03-10")
    again.close()


def test_an_exact_replay_is_acknowledged_once_and_a_different_event_refused(
    journal_factory: JournalFactory,
) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    record = entered("r1", "2008-03-10")
    first = ledger.record(record, recorded_at=day("2008-03-10"), event_id="m-1")
    again = ledger.record(record, recorded_at=day("2008-03-11"), event_id="m-1")
    assert again == first and len(ledger) == 1
    # The id may ride in the message itself, as a wrapper field of the ledger's.
    assert ledger.record({**entered("r1", "2008-03-10"), "event_id": "m-1"}) == first
    with pytest.raises(DuplicateEventId, match="'m-1' was recorded at seq 1") as caught:
        ledger.record(entered("r9", "2008-03-12"), recorded_at=day("2008-03-12"), event_id="m-1")
    assert caught.value.seq == 1
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    # After reopening the ids are known: a worker replaying its day records nothing twice.
    entries = reopened.record_many(
        [entered("r1", "2008-03-10"), entered("r2", "2008-04-01")],
        recorded_at=day("2008-04-01"),
        event_ids=["m-1", "m-2"],
    )
    assert [e.seq for e in entries] == [1, 2] and len(reopened) == 2
    reopened.close()


def test_a_replay_is_acknowledged_whatever_day_it_proposes(
    journal_factory: JournalFactory,
) -> None:
    """A redelivered message carries the day it was first sent (before today, under a strict
    clock) or a mistyped one (a leap of decades): it is still a replay, acknowledged with the
    entry first recorded, and today does not move."""
    ledger = Ledger.open(journal_factory(), LIANYUNGANG, clock=StrictClock())
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    first = ledger.record(
        entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"), event_id="m-1"
    )
    ledger.record(entered("r2", "2008-04-01"), recorded_at=day("2008-04-01"), event_id="m-2")
    for proposed in (day("2008-03-10"), day("2080-03-10")):
        again = ledger.record(entered("r1", "2008-03-10"), recorded_at=proposed, event_id="m-1")
        assert again == first
    assert (len(ledger), ledger.today) == (2, day("2008-04-01"))
    # A call with anything new in it is stamped and checked as before.
    with pytest.raises(LedgerClockError):
        ledger.record_many(
            [entered("r1", "2008-03-10"), entered("r3", "2008-03-20")],
            recorded_at=day("2008-03-20"),
            event_ids=["m-1", "m-3"],
        )
    ledger.close()


def test_caller_metadata_is_committed_with_its_events(journal_factory: JournalFactory) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(
        entered("r1", "2008-03-10"),
        recorded_at=day("2008-03-10"),
        event_id="m-41",
        metadata={"offset": "41"},
    )
    with pytest.raises(EventRejected):
        ledger.record(
            entered("r1", "2008-03-11"), recorded_at=day("2008-03-11"), metadata={"offset": "42"}
        )
    assert ledger.metadata() == {"offset": "41"}  # refused: the offset did not move either
    # A worker that crashed before moving its own offset replays: nothing is recorded twice,
    # and the offset it commits with the replay moves on.
    ledger.record(entered("r1", "2008-03-10"), event_id="m-41", metadata={"offset": "42"})
    assert len(ledger) == 1 and ledger.metadata() == {"offset": "42"}
    ledger.close()
    again = Ledger.open(journal_factory(), LIANYUNGANG)
    assert again.metadata() == {"offset": "42"}
    again.close()


def test_procedural_events_must_name_what_is_on_record(journal_factory: JournalFactory) -> None:
    ledger = Ledger.open(journal_factory(), GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    with pytest.raises(MissingReference, match=r"event \(objection_filed\): evaluation 'e2024'"):
        ledger.record(objection(), recorded_at=day("2025-01-24"))
    ledger.record(published(), recorded_at=day("2025-01-10"))
    with pytest.raises(MissingReference) as caught:
        ledger.record(decided("o7"), recorded_at=day("2025-02-01"))
    assert (caught.value.event_type, caught.value.field, caught.value.reference) == (
        "objection_decided",
        "objection",
        "o7",
    )
    # Filed and decided in one batch: the batch introduces what it names.
    ledger.record_many([objection(), decided()], recorded_at=day("2025-02-01"))
    assert len(ledger) == 3
    ledger.close()


def test_a_dismissal_answers_an_objection_on_record(journal_factory: JournalFactory) -> None:
    """Lianyungang Art 13: a dismissal (verified, nothing to correct) answers an objection;
    without one on record it would owe the person an answer to nothing."""
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    dismissed = {
        "type": "objection_dismissed",
        "subject": "p1",
        "record": "r1",
        "date": "2008-04-15",
    }
    with pytest.raises(MissingReference, match="record 'r1'"):
        ledger.record(dismissed, recorded_at=day("2008-04-15"))
    objected = {
        "type": "objection_filed",
        "subject": "p1",
        "record": "r1",
        "ground": "inaccurate",
        "date": "2008-04-01",
    }
    ledger.record_many([objected, dismissed], recorded_at=day("2008-04-15"))
    owed = ledger.agenda(day("2008-04-15"), horizon=0)
    assert [(a.action, a.due) for a in owed] == [("notify_objection_result", day("2008-04-15"))]
    ledger.close()


def test_an_evaluation_objection_or_decision_is_recorded_once(
    journal_factory: JournalFactory,
) -> None:
    """Issue 12: an evaluation published twice raised each of its deadlines twice. Its id
    names one evaluation, so a second event under it is refused (as is a second decision of
    one objection), whatever else it says; the ledger goes on, and its agenda is not doubled."""
    ledger = Ledger.open(journal_factory(), GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(published(), recorded_at=day("2025-01-10"))
    owed = [(a.action, a.due) for a in ledger.agenda(day("2025-01-10"), horizon=30)]
    assert owed  # the evaluation's publicity and objection window
    for again in (published(), {**published(date="2025-01-13"), "score": 90}):
        with pytest.raises(EventRejected, match="names evaluation 'e2024' of subject 'mi1' again"):
            ledger.record(again, recorded_at=day("2025-01-13"))
    assert [(a.action, a.due) for a in ledger.agenda(day("2025-01-10"), horizon=30)] == owed
    ledger.record(objection(), recorded_at=day("2025-01-24"))
    ledger.record(decided(), recorded_at=day("2025-02-01"))
    with pytest.raises(EventRejected, match="names objection 'o1' of subject 'mi1' again"):
        ledger.record(decided(result="upheld"), recorded_at=day("2025-02-03"))
    assert len(ledger) == 3
    ledger.close()
    reopened = Ledger.open(journal_factory(), GANZHOU)
    assert len(reopened) == 3
    reopened.close()


def test_the_outbox_tells_measures_and_actions_with_day_trigger_and_seq(
    journal_factory: JournalFactory,
) -> None:
    ledger = Ledger.open(journal_factory(), GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(published(), recorded_at=day("2025-01-10"))
    ledger.record(objection(), recorded_at=day("2025-01-24"))
    ledger.advance(day("2025-02-21"))
    notes = ledger.pending()
    assert len({n.id for n in notes}) == len(notes)
    actions = {(n.kind, n.name, n.day.isoformat(), n.trigger_type, n.trigger_key) for n in notes}
    assert ("due", "end_publicity", "2025-01-21", "evaluation_published", "e2024") in actions
    assert ("due", "decide_objection", "2025-02-20", "objection_filed", "o1") in actions
    assert ("overdue", "decide_objection", "2025-02-21", "objection_filed", "o1") in actions
    # form_report waits for the objection: due with it on 02-20, never on 02-07.
    assert ("due", "form_report", "2025-02-20", "evaluation_published", "e2024") in actions
    assert not any(n.name == "form_report" and n.day < day("2025-02-20") for n in notes)
    decide = next(n for n in notes if n.kind == "due" and n.name == "decide_objection")
    assert (decide.trigger_seq, decide.seq) == (2, 2)
    # Acknowledged notifications are not delivered again; the others are, after reopening.
    handled = [n.id for n in notes[:2]]
    ledger.acknowledge(handled)
    ledger.close()
    again = Ledger.open(journal_factory(), GANZHOU)
    assert [n.id for n in again.pending()] == [n.id for n in notes[2:]]
    # The same facts found again (the subject re-evaluated on reopening) are not repeated.
    again.advance(day("2025-02-22"))
    assert [n.id for n in again.pending()][: len(notes) - 2] == [n.id for n in notes[2:]]
    again.close()


def test_measures_gained_and_lost_reach_the_outbox_with_their_trigger(
    journal_factory: JournalFactory,
) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    ledger.advance(day("2008-03-12"))
    measures = [
        (n.kind, n.name, n.day.isoformat(), n.trigger_key, n.trigger_seq)
        for n in ledger.pending()
        if n.kind in ("gained", "lost")
    ]
    assert measures == [
        ("gained", "written_warning", "2008-03-10", "r1", 1),
        ("lost", "written_warning", "2008-03-11", "r1", 1),
    ]
    ledger.close()


def test_compaction_points_are_incremental_and_spare_evaluations_on_reopening(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    for n in range(5):
        ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
        ledger.record(entered("r1", "2008-03-10", f"p{n}"), recorded_at=day("2008-03-10"))
    from credit_rules.ledger import durability

    assert durability.checkpoint(ledger) == 5
    assert durability.checkpoint(ledger) == 0  # nothing re-derived since: nothing written
    ledger.record(entered("r2", "2008-04-01", "p3"), recorded_at=day("2008-04-01"))
    assert durability.checkpoint(ledger) == 1
    expected = [ledger.status(f"p{n}", day("2008-04-01")) for n in range(5)]
    agenda = ledger.agenda(day("2008-03-01"), horizon=60)
    listed = ledger.subjects_with("cash_settlement", day("2008-04-01"))
    assert listed == ("p3",)
    ledger.close()

    calls = []
    original = Engine.evaluate

    def counting(self: Engine, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "evaluate", counting)
    again = Ledger.open(journal_factory(), LIANYUNGANG)
    assert again.agenda(day("2008-03-01"), horizon=60) == agenda
    assert again.subjects_with("cash_settlement", day("2008-04-01")) == listed
    assert calls == []  # everything came from the compaction point
    assert [again.status(f"p{n}", day("2008-04-01")) for n in range(5)] == expected
    again.close()


def test_two_writers_share_one_journal(journal_factory: JournalFactory) -> None:
    first = Ledger.open(journal_factory(), LIANYUNGANG)
    second = Ledger.open(journal_factory(), LIANYUNGANG)
    first.add_subject({"id": "p1", "kind": "insured_person"})
    second.add_subject({"id": "p2", "kind": "insured_person"})  # catches up with p1 first
    assert second.subject_ids() == ("p1", "p2")
    first.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    # The second writer is behind: it catches up and records after the first's event.
    entry = second.record(entered("r1", "2008-03-09", "p2"), recorded_at=day("2008-03-09"))
    assert (entry.seq, entry.recorded_at) == (2, day("2008-03-10"))
    assert first.refresh() == 2
    assert first.status("p2", day("2008-03-10")) == second.status("p2", day("2008-03-10"))
    for ledger in (first, second):
        assert ledger.subjects_with("written_warning", day("2008-03-09")) == ("p2",)
        assert ledger.subjects_with("written_warning", day("2008-03-10")) == ("p1",)
    first.close()
    second.close()


def test_a_journal_of_another_ruleset_is_refused(journal_factory: JournalFactory) -> None:
    Ledger.open(journal_factory(), LIANYUNGANG).close()
    with pytest.raises(SnapshotMismatch, match="migrate"):
        Ledger.open(journal_factory(), GANZHOU)


def test_bulk_load_answers_as_recording_one_by_one(journal_factory: JournalFactory) -> None:
    feed = [
        (day("2008-03-10"), entered("r1", "2008-03-10", "p0")),
        (day("2008-05-01"), entered("r1", "2008-05-01", "p1")),
        (day("2009-01-05"), entered("r2", "2009-01-05", "p0")),
    ]
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(3)]
    one_by_one = Ledger(LIANYUNGANG)
    for subject in subjects:
        one_by_one.add_subject(subject)
    for recorded_at, event in feed:
        one_by_one.record(event, recorded_at=recorded_at)
    loaded = Ledger.open(journal_factory(), LIANYUNGANG)
    assert loaded.bulk_load(subjects, feed, freeze=False) == 3
    for as_of in ("2008-03-10", "2009-01-05", "2010-02-01"):
        assert loaded.status("p0", day(as_of)) == one_by_one.status("p0", day(as_of))
        assert loaded.subjects_with("cash_settlement", day(as_of)) == one_by_one.subjects_with(
            "cash_settlement", day(as_of)
        )
    loaded.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert [e.seq for e in reopened.history("p0")] == [1, 3] and reopened.today == day("2009-01-05")
    reopened.close()


def test_bulk_load_writes_the_subject_rows_adding_one_by_one_writes(
    journal_factory: JournalFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of three: one of plain ids of one kind (written from the ids alone on SQLite),
    # one of two kinds, one with ids that JSON must escape, one with a subject's own fields.
    monkeypatch.setattr(bulk, "_SUBJECT_CHUNK", 3)
    subjects: list[dict[str, Any]] = [
        *({"id": f"mi{n}", "kind": "medical_institution"} for n in range(3)),
        {"id": "ph1", "kind": "retail_pharmacy"},
        {"id": "mi3", "kind": "medical_institution"},
        {"id": "ph2", "kind": "retail_pharmacy"},
        {"id": 'q"uote', "kind": "insured_person"},
        {"id": "back\\slash", "kind": "insured_person"},
        {"id": "赣州一院", "kind": "medical_institution"},
        {"id": "p1", "kind": "insured_person", "identity_number": None},
        {"id": "mi4", "kind": "medical_institution"},
    ]
    loaded = Ledger.open(journal_factory(), GANZHOU)
    loaded.bulk_load(subjects, [], freeze=False)
    one_by_one = Ledger.open(SqliteJournal(tmp_path / "one-by-one.db"), GANZHOU)
    for subject in subjects:
        one_by_one.add_subject(subject)
    assert loaded.journal is not None and one_by_one.journal is not None
    rows = list(loaded.journal.subjects())
    assert rows == list(one_by_one.journal.subjects())
    assert [sid for sid, _ in rows] == [s["id"] for s in subjects]
    loaded.close()
    one_by_one.close()
    reopened = Ledger.open(journal_factory(), GANZHOU)
    assert reopened.subject_ids() == tuple(s["id"] for s in subjects)
    reopened.close()


def test_bulk_load_checked_refuses_a_bad_history_whole(journal_factory: JournalFactory) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    bad = [
        (day("2008-03-10"), entered("r1", "2008-03-10")),
        (day("2008-03-11"), entered("r1", "2008-03-11")),  # entered twice
    ]
    with pytest.raises(EventRejected):
        ledger.bulk_load([{"id": "p1", "kind": "insured_person"}], bad, check=True, freeze=False)
    assert len(ledger) == 0 and ledger.subject_ids() == ()
    ledger.close()


def test_the_sqlite_journal_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    ledger = Ledger.open(path, LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person", "identity_number": None})
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    for name in ("j.db", "j.db-wal", "j.db-shm"):
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600, (name, oct(mode))
    ledger.close()
    assert isinstance(Ledger.open(SqliteJournal(path), LIANYUNGANG).journal, SqliteJournal)


def test_identity_numbers_are_masked_in_messages_and_reprs() -> None:
    number = "11010519491231002X"
    ledger = Ledger(LIANYUNGANG)
    with pytest.raises(UnknownSubject) as caught:
        ledger.status(number, day("2008-03-10"))
    assert number not in str(caught.value) and "1101**********002X" in str(caught.value)
    assert number not in repr(caught.value)
    assert number in caught.value.unmasked  # clear only when asked for
    ledger.add_subject({"id": number, "kind": "insured_person"})
    entry = ledger.record(entered("r1", "2008-03-10", number), recorded_at=day("2008-03-10"))
    assert number not in repr(entry) and number not in repr(entry.event)
    assert number not in repr(ledger.history(number))
    assert entry.event.subject == number
    note = ledger.pending()[0]
    assert number not in repr(note) and note.subject == number
    changes: list[Any] = []
    ledger.subscribe(lambda subject, gained, lost: changes.append(repr(subject)))
    assert number not in repr(ledger.advance(day("2008-03-12")))
    assert changes and all(number not in text for text in changes)
    with pytest.raises(EventRejected) as refused:
        ledger.record(entered("r1", "2008-03-11", number), recorded_at=day("2008-03-11"))
    assert number not in str(refused.value)


def test_a_journal_migrates_to_a_new_ruleset_version_with_a_report(
    journal_factory: JournalFactory, tmp_path: Path
) -> None:
    from credit_rules.ledger.migrate import migrate
    from credit_rules.ruleset.loader import with_parameters

    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    for n in range(3):
        ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p0"), recorded_at=day("2008-03-10"), event_id="a")
    ledger.record_many(
        [entered("r1", "2008-04-10", "p1"), entered("r2", "2008-05-10", "p1")],
        recorded_at=day("2008-05-10"),
        metadata={"offset": "7"},
    )
    ledger.advance(day("2008-06-01"))
    ledger.close()
    # The same events under a stricter reading: settlement changes from the first record.
    stricter = with_parameters(LIANYUNGANG, {"settlement_change_records": 1})
    with pytest.raises(SnapshotMismatch):
        Ledger.open(journal_factory(), stricter)
    new, report = migrate(journal_factory(), LIANYUNGANG, tmp_path / "v2.db", stricter)
    assert (report.subjects, report.events, report.as_of) == (3, 3, day("2008-06-01"))
    assert [(c.subject, sorted(c.before), sorted(c.after)) for c in report.changed] == [
        ("p0", [], ["audit_flag", "cash_settlement"]),  # Art 10 from the first record
    ]
    # p1 had the measure on the day already, but from its first record now: its intervals change.
    assert report.timeline_changed == ("p0", "p1") and report.refused == ()
    assert new.metadata() == {"offset": "7"} and new.today == day("2008-06-01")
    assert new.record(entered("r1", "2008-03-10", "p0"), event_id="a").seq == 1  # ids carried
    new.close()
    reopened = Ledger.open(tmp_path / "v2.db", stricter)
    assert reopened.subjects_with("cash_settlement", day("2008-06-01")) == ("p0", "p1")
    reopened.close()


def _outbox_story(path: Path) -> tuple[list[str], list[str], str | None]:
    """The outbox test's story on the SQLite journal at ``path``: the pending ids, those
    still pending after acknowledging two and reopening, and the header's today."""
    ledger = Ledger.open(SqliteJournal(path), GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(published(), recorded_at=day("2025-01-10"))
    ledger.record(objection(), recorded_at=day("2025-01-24"))
    ledger.record(objection(name="o2"), recorded_at=day("2025-01-24"))
    ledger.advance(day("2025-02-21"))
    first = [n.id for n in ledger.pending()]
    ledger.acknowledge(first[:2])
    ledger.close()
    again = Ledger.open(SqliteJournal(path), GANZHOU)
    again.advance(day("2025-02-22"))
    assert again.journal is not None
    today = again.journal.header().get("today")
    later = [n.id for n in again.pending()]
    again.close()
    return first, later, today


def test_an_outbox_made_with_autoincrement_keeps_it_and_tells_the_same(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        db.execute(
            "CREATE TABLE cr_outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT, "
            "id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0)"
        )
    new = tmp_path / "new.db"
    assert _outbox_story(old) == _outbox_story(new)
    first, later, today = _outbox_story(tmp_path / "again.db")
    assert later[: len(first) - 2] == first[2:] and today == "2025-02-22"
    for path, kept in ((old, True), (new, False)):
        with sqlite3.connect(path) as db:
            (ddl,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'cr_outbox'").fetchone()
            assert ("AUTOINCREMENT" in ddl) is kept


def test_the_ids_of_written_notifications_are_remembered_within_a_bound(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A ledger on a journal forgets the ids it wrote past a bound; the journal still holds
    each notification once, so the outbox tells the same, however often the same facts are
    found again."""

    def outbox(journal: Any) -> tuple[list[str], int]:
        ledger = Ledger.open(journal, GANZHOU)
        ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
        ledger.record(published(), recorded_at=day("2025-01-10"))
        ledger.record(objection(), recorded_at=day("2025-01-24"))
        for n in range(21, 28):
            ledger.advance(day(f"2025-02-{n}"))
        remembered = len(ledger._noted)
        ids = [n.id for n in ledger.pending()]
        ledger.close()
        return ids, remembered

    unbounded, remembered = outbox(SqliteJournal(tmp_path / "unbounded.db"))
    assert remembered == len(unbounded) > 4
    monkeypatch.setattr(ledger_module, "_NOTED_KEPT", 2)
    bounded, kept = outbox(journal_factory())
    assert bounded == unbounded
    assert kept <= 2


def test_a_ledger_without_a_journal_remembers_every_notification_it_wrote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its memory is the only record of what was acknowledged: an acknowledged notification
    found again must not come back."""
    monkeypatch.setattr(ledger_module, "_NOTED_KEPT", 1)
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(published(), recorded_at=day("2025-01-10"))
    ledger.record(objection(), recorded_at=day("2025-01-24"))
    first = ledger.pending()
    assert len(first) > 1
    ledger.acknowledge([n.id for n in first])
    # Another objection re-evaluates the institution: its earlier dues are found again.
    ledger.record(objection("2025-01-25", "o2"), recorded_at=day("2025-01-25"))
    ledger.advance(day("2025-02-21"))
    again = ledger.pending()
    assert again
    assert not {n.id for n in again} & {n.id for n in first}


def test_a_fact_already_noted_is_known_without_hashing_its_id_and_looked_at_once_a_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every event re-caches its subject's actions, and the ones already past are looked at
    again: one look a day for the subject (one wake on the heap, not one per action and day),
    and a notification already written is recognised by what it says, so an id (a hash) is
    made only for what is new."""
    made: list[tuple[Any, ...]] = []
    real = ledger_module.note_id

    def counted(*args: Any) -> str:
        made.append(args)
        return real(*args)

    monkeypatch.setattr(ledger_module, "note_id", counted)
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.record(published(), recorded_at=day("2025-01-10"))
    ledger.record(objection(), recorded_at=day("2025-01-24"))
    ledger.advance(day("2025-03-01"))
    written = len(ledger.pending())
    assert len(made) == written
    pushed: list[tuple[Any, str]] = []
    real_push = ledger._dues.push
    monkeypatch.setattr(ledger._dues, "push", lambda d, s: (pushed.append((d, s)), real_push(d, s)))
    ledger.record(objection("2025-03-01", "o2"), recorded_at=day("2025-03-01"))
    new = len(ledger.pending()) - written
    assert len(made) == written + new
    assert pushed.count((day("2025-03-01"), "mi1")) == 1
