"""A SQLite journal opened for its ledger alone (``SqliteJournal(..., exclusive=True)``,
docs/decisions/0028): it holds the file until closed, refuses every other connection with a
typed error naming the file, writes without checking another writer's tail, and keeps
everything a shared journal keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from credit_rules import Ledger, bundled
from credit_rules.errors import JournalError, LedgerArgumentError
from credit_rules.ledger import SqliteJournal
from credit_rules.ledger.settlement import Settle

LIANYUNGANG = bundled("lianyungang-2007")
DAY = dt.date(2026, 3, 2)


def entered(record: str, subject: str) -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "forge_documents",
        "date": DAY.isoformat(),
    }


def filled(journal: SqliteJournal, settle: Settle) -> Ledger:
    ledger = Ledger.open(journal, LIANYUNGANG, settle=settle)
    for n in range(3):
        ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
    for n in range(6):
        ledger.record(entered(f"r{n}", f"p{n % 3}"), recorded_at=DAY, event_id=f"e{n}")
    return ledger


@pytest.mark.parametrize("settle", ["on_record", "later"])
def test_an_exclusive_journal_keeps_what_a_shared_one_keeps(settle: Settle, tmp_path: Path) -> None:
    alone = filled(SqliteJournal(tmp_path / "alone.db", exclusive=True), settle)
    shared = filled(SqliteJournal(tmp_path / "shared.db"), settle)
    assert not (tmp_path / "alone.db-shm").exists()  # the WAL's index is in memory
    assert (tmp_path / "shared.db-shm").exists()
    for ledger in (alone, shared):
        ledger.settle()
    assert [alone.history(f"p{n}") for n in range(3)] == [shared.history(f"p{n}") for n in range(3)]
    outbox = [note.id for note in alone.pending(limit=100)]
    assert outbox == [note.id for note in shared.pending(limit=100)]
    alone.close()
    shared.close()
    # Closed, the file is anyone's: reopened shared, it holds every event and notification.
    again = Ledger.open(SqliteJournal(tmp_path / "alone.db"), LIANYUNGANG)
    assert len(again) == 6
    assert [note.id for note in again.pending(limit=100)] == outbox
    assert again.record(entered("r0", "p0"), event_id="e0").seq == 1  # a replay
    again.close()


def test_an_exclusive_journal_refuses_every_other_connection_until_closed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    ledger = filled(SqliteJournal(path, exclusive=True), "later")
    for exclusive in (False, True):
        with pytest.raises(JournalError) as refused:
            SqliteJournal(path, exclusive=exclusive, timeout=0.05)
        message = str(refused.value)
        assert str(path) in message
        assert "another connection held its lock" in message
        assert "exclusive=True" in message
    # The refusals changed nothing: the ledger goes on writing.
    ledger.record(entered("r6", "p0"), recorded_at=DAY)
    assert len(ledger) == 7
    ledger.close()
    second = SqliteJournal(path, exclusive=True, timeout=0.05)
    assert Ledger.open(second, LIANYUNGANG).history("p0")[-1].event.record == "r6"  # type: ignore[attr-defined]
    second.close()


def test_a_shared_journal_held_by_another_writer_refuses_an_exclusive_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    shared = SqliteJournal(path)
    shared._execute("BEGIN IMMEDIATE")  # another writer, in the middle of a write
    with pytest.raises(JournalError, match="another connection held its lock"):
        SqliteJournal(path, exclusive=True, timeout=0.05)
    shared.abort()
    shared.close()


@pytest.mark.parametrize(("exclusive", "tails"), [(True, 0), (False, 4)])
def test_only_a_shared_journal_checks_the_tail_before_each_write(
    exclusive: bool, tails: int, tmp_path: Path
) -> None:
    """Each write on a shared journal reads its tail (another writer may have written); one
    held alone does not: no other connection can have."""
    journal = SqliteJournal(tmp_path / "ledger.db", exclusive=exclusive)
    ledger = filled(journal, "later")
    with mock.patch.object(journal, "tail", wraps=journal.tail) as tail:
        for n in range(3):
            ledger.record(entered(f"t{n}", "p1"), recorded_at=DAY)
        ledger.settle()
    assert tail.call_count == tails
    assert len(ledger) == 9
    ledger.close()


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"exclusive": "yes"}, "exclusive must be True or False"),
        ({"timeout": -1}, "timeout must be a number of seconds"),
        ({"timeout": True}, "timeout must be a number of seconds"),
        ({"timeout": float("nan")}, "timeout must be a number of seconds"),
        ({"timeout": 86_400}, "from 0 to under 86,400"),
    ],
)
def test_an_exclusive_journals_arguments_are_checked(
    given: dict[str, Any], field: str, tmp_path: Path
) -> None:
    with pytest.raises(LedgerArgumentError, match=field):
        SqliteJournal(tmp_path / "ledger.db", **given)
