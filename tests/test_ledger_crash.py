"""Crash tests: a worker recording into a journal is killed with SIGKILL, inside a write, a
compaction or the handling of its outbox, at points chosen by a seeded generator; after each
kill the journal is reopened and checked.

What must hold after every kill: every event the worker was told is recorded is there exactly
once; nothing is half there (seqs run 1..N without a gap, every event's subject is held, the
ledger reopens and answers); the worker's committed offset names an event that is there; the
outbox still holds every notification the worker had not acknowledged when it died; and it
holds, acknowledged or not, exactly the notifications of the events there, each once, as a
ledger fed those events without a crash writes them. The worker runs once settling each event
on entry and once settling later (``settle="later"``), killed also while it settles.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ledger_crash_child import START, SUBJECTS, event
from ledger_journals import JournalFactory

from credit_rules import Ledger, bundled
from credit_rules.ledger import SqliteJournal
from credit_rules.ledger.journal import Journal

CHILD = Path(__file__).with_name("ledger_crash_child.py")
LIANYUNGANG = bundled("lianyungang-2007")
ROUNDS = 3


def run_until_killed(
    target: str, settle: str, phase: str, count: int, log: Path, *options: str
) -> list[str]:
    """Start the worker, and SIGKILL it once it has begun ``phase`` for the ``count``-th time."""
    with log.open("w") as errors:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), target, settle, *options],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert child.stdout is not None
        lines: list[str] = []
        seen = 0
        try:
            while line := child.stdout.readline():
                lines.append(line.strip())
                if line.strip() == f"begin {phase}":
                    seen += 1
                    if seen == count:
                        child.send_signal(signal.SIGKILL)
                        break
            else:
                pytest.fail(f"the worker stopped by itself: {log.read_text()}")
        finally:
            child.kill()
            child.wait(timeout=60)
        # Whatever it had flushed before dying, including what the reader had buffered.
        lines.extend(child.stdout.read().splitlines())
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return lines


def notifications_without_a_crash(count: int) -> set[str]:
    """The ids of every notification a ledger fed the worker's first ``count`` events writes."""
    ledger = Ledger(LIANYUNGANG)
    for n in range(SUBJECTS):
        ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
    for n in range(count):
        ledger.record(event(n), recorded_at=START + dt.timedelta(days=3 * n))
    return {note.id for note in ledger.pending(limit=100_000)}


@pytest.mark.parametrize(
    ("settle", "phase"),
    [
        ("on_record", "record"),
        ("on_record", "checkpoint"),
        ("on_record", "outbox"),
        ("later", "record"),
        ("later", "settle"),
        ("later", "checkpoint"),
        ("later", "outbox"),
    ],
)
def test_sigkill_loses_nothing_acknowledged_and_duplicates_nothing(
    journal_factory: JournalFactory, settle: str, phase: str, tmp_path: Path
) -> None:
    kill_and_check(journal_factory.target, journal_factory, settle, phase, tmp_path)


@pytest.mark.parametrize(
    ("settle", "phase"), [("on_record", "record"), ("later", "record"), ("later", "settle")]
)
def test_sigkill_on_an_exclusive_journal_loses_nothing_acknowledged(
    settle: str, phase: str, tmp_path: Path
) -> None:
    """A journal the worker holds alone keeps the WAL's index in the worker's memory, not in
    a shared file: once it is killed, the next opening rebuilds the index from the WAL."""
    path = tmp_path / "ledger.db"
    kill_and_check(
        str(path), lambda: SqliteJournal(path, exclusive=True), settle, phase, tmp_path, "exclusive"
    )


def kill_and_check(
    target: str,
    reopen: Callable[[], Journal],
    settle: str,
    phase: str,
    tmp_path: Path,
    *options: str,
) -> None:
    rng = random.Random(f"crash-{settle}-{phase}")
    acknowledged: set[str] = set()
    noted: set[str] = set()
    acking: set[str] = set()
    seen_pending: set[str] = set()
    for _ in range(ROUNDS):
        lines = run_until_killed(
            target, settle, phase, rng.randint(1, 6), tmp_path / "worker.log", *options
        )
        acknowledged |= {line.split()[1] for line in lines if line.startswith("ack ")}
        noted |= {line.split()[1] for line in lines if line.startswith("noted ")}
        acking |= {line.split()[1] for line in lines if line.startswith("acking ")}

        ledger = Ledger.open(reopen(), LIANYUNGANG)
        try:
            entries = sorted(
                (entry for s in ledger.subject_ids() for entry in ledger.history(s)),
                key=lambda e: e.seq,
            )
            assert [e.seq for e in entries] == list(range(1, len(ledger) + 1))
            ids = ledger._event_ids
            assert len(ids) == len(entries)  # every event came with its id, once
            assert acknowledged <= set(ids)
            records = [e.event.record for e in entries]  # type: ignore[attr-defined]
            assert len(records) == len(set(records)), "an event is there twice"
            offset = ledger.metadata().get("offset")
            if offset is not None:
                assert f"e-{offset}" in ids
            # Only what the worker acknowledged has left the outbox; what it was told is
            # acknowledged is gone.
            pending = {note.id for note in ledger.pending(limit=100_000)}
            assert not (pending & noted)
            assert seen_pending - acking <= pending
            seen_pending |= pending
            for subject in ledger.subject_ids():
                ledger.status(subject, ledger.today or LIANYUNGANG.in_force_from)
            journal = ledger.journal
            assert journal is not None
            written = [str(row[0]) for row in journal._execute("SELECT id FROM cr_outbox")]
            assert len(written) == len(set(written))
            assert set(written) == notifications_without_a_crash(len(entries))
        finally:
            ledger.close()
    assert acknowledged, "the worker was never told anything was recorded"
