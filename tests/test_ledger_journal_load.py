"""A bulk load's journal write, on SQLite and on a real PostgreSQL server: event rows come back
exactly as written whatever path wrote them, event ids stay unique while the many events
without one cost no index entry, and a load that fails on either side (the journal's thread or
the ledger's memory) leaves a journal that reopens to the state before it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from ledger_exports import day, entered
from ledger_journals import JournalFactory, ledger_with_one_event

from credit_rules import Ledger, bundled
from credit_rules.errors import JournalError
from credit_rules.ledger import bulk
from credit_rules.ledger import journal as journal_module
from credit_rules.ledger.journal import EventRow, Journal, SqliteJournal

LIANYUNGANG = bundled("lianyungang-2007")

#: Bodies a JSON array must escape (quotes, backslashes, escapes already in the text), and
#: text beyond ASCII, including a character outside the Basic Multilingual Plane.
_BODIES = (
    '{"type":"dishonesty_entered","subject":"p\\"1","record":"r1"}',
    '{"subject":"back\\\\slash","note":"tab\\there"}',
    '{"subject":"连云港","note":"\\u00e9 é 𝄞"}',
    '{"a":  1, "b": [ ]}',
    "{}",
)


def _rows() -> list[EventRow]:
    """Runs of one recording day, an event_id in the middle of a run, and a gap in the seqs
    (which the journal writes row by row)."""
    days = ["2008-03-10", "2008-03-10", "2008-03-10", "2008-03-11", "2008-03-11"]
    ids = [None, "e-1", None, None, None]
    rows: list[EventRow] = [
        (seq, event_id, recorded, body)
        for seq, event_id, recorded, body in zip(range(1, 6), ids, days, _BODIES, strict=True)
    ]
    rows += [(seq, None, "2008-03-12", _BODIES[seq % 5]) for seq in range(6, 11)]
    rows.append((12, None, "2008-03-12", _BODIES[0]))  # in a statement's share with 10
    # Seqs out of order within a run, with the first and the last where a run would put them.
    rows += [(seq, None, "2008-03-13", "{}") for seq in (13, 15, 14, 16)]
    return rows


def _load(journal: Journal, rows: list[EventRow]) -> None:
    assert journal.begin(journal.tail())
    journal.load([], rows)
    journal.commit()


def test_event_rows_come_back_exactly_as_written(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "_CHUNK", 3)  # runs longer than a statement's share
    monkeypatch.setattr(journal_module, "_RUN_CHARACTERS", 70)  # bodies too long for one
    journal = journal_factory()
    rows = _rows()
    _load(journal, rows)
    assert list(journal.events()) == sorted(rows)  # each seq with its own row, read in order
    journal.close()


def test_event_ids_are_unique_and_events_without_one_are_not_indexed(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "j.db")
    _load(journal, _rows())
    with pytest.raises(JournalError, match="UNIQUE"):
        _load(journal, [(14, "e-1", "2008-03-13", "{}")])
    journal.close()
    with sqlite3.connect(tmp_path / "j.db") as db:
        partial = db.execute(
            "SELECT partial FROM pragma_index_list('cr_events') WHERE name = 'cr_events_event_id'"
        ).fetchall()
        found = db.execute(
            "SELECT seq FROM cr_events INDEXED BY cr_events_event_id WHERE event_id = 'e-1'"
        ).fetchall()
    assert partial == [(1,)] and found == [(2,)]


def test_a_journal_made_with_the_column_constraint_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE cr_events (seq INTEGER PRIMARY KEY, event_id TEXT UNIQUE, "
            "recorded_at TEXT NOT NULL, body TEXT NOT NULL)"
        )
    journal = SqliteJournal(path)
    _load(journal, _rows())
    with pytest.raises(JournalError, match="UNIQUE"):
        _load(journal, [(14, "e-1", "2008-03-13", "{}")])
    journal.close()
    with sqlite3.connect(path) as db:
        origins = db.execute("SELECT origin FROM pragma_index_list('cr_events')").fetchall()
    assert origins == [("u",)]  # the constraint's index, and no second one beside it


def _load_more(ledger: Ledger) -> None:
    ledger.bulk_load(
        [{"id": f"q{n}", "kind": "insured_person"} for n in range(3)],
        [(day("2009-01-05"), entered("r1", "2009-01-05", "q1"))],
        freeze=False,
    )


def _stops_and_reopens_as_before(
    ledger: Ledger,
    journal_factory: JournalFactory,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[BaseException],
) -> None:
    """The load fails with ``failure``; then the ledger refuses changes (memory and journal
    may no longer agree) and its journal reopens to the state before, taking the same load
    once nothing fails."""
    with pytest.raises(failure, match="simulated"):
        _load_more(ledger)
    with pytest.raises(JournalError, match="stopped after a failed journal write"):
        ledger.record(entered("r2", "2009-01-06", "p0"), recorded_at=day("2009-01-06"))
    ledger.close()
    monkeypatch.undo()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert reopened.subject_ids() == ("p0",)
    assert [event.seq for event in reopened.history("p0")] == [1]
    assert reopened.today == day("2008-03-10")
    _load_more(reopened)
    assert reopened.subject_ids() == ("p0", "q0", "q1", "q2")
    assert [event.seq for event in reopened.history("q1")] == [2]
    reopened.close()


def test_a_journal_write_failing_during_bulk_load_stops_the_ledger(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = ledger_with_one_event(journal_factory)
    assert ledger.journal is not None

    def fail(rows: object) -> None:
        raise JournalError("disk full (simulated)")

    # The journal's thread fails while memory takes the load beside it.
    monkeypatch.setattr(ledger.journal, "_load_events", fail)
    _stops_and_reopens_as_before(ledger, journal_factory, monkeypatch, JournalError)


def test_memory_failing_during_bulk_load_leaves_the_journal_as_it_was(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = ledger_with_one_event(journal_factory)

    def fail(*args: object) -> set[str]:
        raise MemoryError("simulated")

    # Memory fails while the journal's thread writes: the transaction is rolled back once
    # the thread is done with it.
    monkeypatch.setattr(bulk, "_append_loaded", fail)
    _stops_and_reopens_as_before(ledger, journal_factory, monkeypatch, MemoryError)


def _interrupted_while_writing(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch, stop_fails: bool
) -> None:
    """A load interrupted (KeyboardInterrupt) while the writer is between statements; with
    ``stop_fails``, asking the journal to stop its statement is interrupted too (a second
    Ctrl-C). The writer stops at its next rows, the rollback comes only once it has ended,
    and the first interrupt is raised."""
    ledger = ledger_with_one_event(journal_factory)
    journal = ledger.journal
    assert journal is not None
    write_events = journal._load_events
    interrupt = journal.interrupt
    between_statements = threading.Event()
    ended: list[bool] = []
    asked_to_stop: list[bool] = []

    def slow(rows: Iterable[EventRow]) -> None:
        between_statements.set()
        time.sleep(0.3)  # still writing when the loading thread is interrupted
        try:
            write_events(rows)
        finally:
            ended.append(True)

    def interrupted_join(thread: threading.Thread, timeout: float | None = None) -> None:
        if not asked_to_stop:
            between_statements.wait()
            raise KeyboardInterrupt("simulated")
        threading.Thread.join(thread, timeout)

    def asked() -> None:
        asked_to_stop.append(True)
        if stop_fails and len(asked_to_stop) == 1:
            raise KeyboardInterrupt("a second one, while asking the journal to stop")
        interrupt()

    monkeypatch.setattr(journal, "_load_events", slow)
    monkeypatch.setattr(journal, "interrupt", asked)
    monkeypatch.setattr(bulk._JournalLoad, "join", interrupted_join)
    _stops_and_reopens_as_before(ledger, journal_factory, monkeypatch, KeyboardInterrupt)
    assert ended == [True] and asked_to_stop == ([True, True] if stop_fails else [True])


def test_an_interrupt_while_waiting_for_the_journal_stops_the_writer_then_rolls_back(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupted_while_writing(journal_factory, monkeypatch, stop_fails=False)


def test_an_interrupt_while_asking_the_journal_to_stop_still_waits_for_the_writer(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupted_while_writing(journal_factory, monkeypatch, stop_fails=True)


@pytest.mark.parametrize("when", ["before the writer runs", "once it runs"])
def test_a_writer_that_fails_to_start_stops_the_ledger_and_leaves_the_journal_free(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    ledger = ledger_with_one_event(journal_factory)
    start = threading.Thread.start

    def failing_start(thread: threading.Thread) -> None:
        if when == "before the writer runs":
            raise RuntimeError("can't start new thread (simulated)")
        start(thread)
        raise KeyboardInterrupt("simulated")  # while start waits for the thread to run

    monkeypatch.setattr(bulk._JournalLoad, "start", failing_start)
    failure = RuntimeError if when == "before the writer runs" else KeyboardInterrupt
    # No transaction is left open: the reopened ledger (another connection) writes.
    _stops_and_reopens_as_before(ledger, journal_factory, monkeypatch, failure)


@pytest.mark.parametrize(("chunk", "expected"), [(20_000, [5, 1]), (2, [2, 2, 1, 1])])
def test_events_with_ids_are_written_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, expected: list[int]
) -> None:
    monkeypatch.setattr(journal_module, "_CHUNK", chunk)  # a bounded number at a time
    journal = SqliteJournal(tmp_path / "j.db")
    statements: list[int] = []
    insert_many = journal._insert_many

    def counted(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        statements.append(len(rows))
        insert_many(table, columns, rows)

    journal._insert_many = counted  # type: ignore[method-assign]
    rows: list[EventRow] = [(seq, f"e-{seq}", "2008-03-10", "{}") for seq in range(1, 6)]
    rows += [(6, None, "2008-03-10", "{}"), (7, "e-7", "2008-03-11", "{}")]
    _load(journal, rows)
    assert statements == expected  # not one statement per id; the null run went by JSON
    assert list(journal.events()) == rows
    journal.close()
