"""Eight threads record and read at once: no event is lost or doubled, every answer read meanwhile
is one the engine gives on some prefix of the history, and the final ledger answers exactly as a
serial replay of its own log."""

from __future__ import annotations

import datetime as dt
import random
import threading
from pathlib import Path
from typing import Any

from credit_rules import Engine, EventRejected, Ledger, Subject, bundled

LIANYUNGANG = bundled("lianyungang-2007")
ENGINE = Engine(LIANYUNGANG)
THREADS = 8
ROUNDS = 12
OWN_SUBJECTS = 6  # per thread
SHARED_SUBJECTS = 4  # every thread records to these too
START = dt.date(2008, 1, 1)
AS_OF = [dt.date(2008, 6, 30), dt.date(2009, 1, 1), dt.date(2009, 12, 31)]


def event(subject: str, record: str, on: dt.date, rng: random.Random) -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": rng.choice(["lend_certificate", "resell_drugs"]),
        "date": on.isoformat(),
    }


def worker(
    number: int,
    ledger: Ledger,
    barrier: threading.Barrier,
    failures: list[BaseException],
    recorded: list[int],
) -> None:
    rng = random.Random(number)
    try:
        for round_ in range(ROUNDS):
            # Every thread records on the same day; the barrier moves all of them to the next.
            today = START + dt.timedelta(days=30 * round_)
            barrier.wait()
            own = f"t{number}s{rng.randrange(OWN_SUBJECTS)}"
            shared = f"shared{rng.randrange(SHARED_SUBJECTS)}"
            on = today - dt.timedelta(days=rng.randrange(20))
            recorded.append(ledger.record(event(own, f"r{round_}", on, rng), recorded_at=today).seq)
            batch = ledger.record_many(
                [
                    event(shared, f"t{number}r{round_}", on, rng),
                    event(own, f"r{round_}b", today, rng),
                ],
                recorded_at=today,
            )
            recorded.extend(entry.seq for entry in batch)
            try:  # a duplicate, refused whole while others write
                ledger.record(event(own, f"r{round_}", on, rng), recorded_at=today)
            except EventRejected:
                pass
            else:
                raise AssertionError("a duplicate record was accepted")
            # A read while others write sees some prefix of the history, whole.
            before = len(ledger.history(shared))
            status = ledger.status(shared, AS_OF[-1]).model_dump()
            after = [e.event for e in ledger.history(shared)]
            person = ledger.subject(shared)
            assert any(
                status
                == ENGINE.evaluate(
                    [person], after[:k], as_of=AS_OF[-1], known_at=dt.date.max
                ).model_dump()
                for k in range(before, len(after) + 1)
            )
            ledger.subjects_with("cash_settlement", today)
            ledger.agenda(today, horizon=30)
    except BaseException as error:  # reported by the main thread
        failures.append(error)
        barrier.abort()


def test_eight_threads_lose_no_event_and_end_as_a_serial_replay(tmp_path: Path) -> None:
    ledger = Ledger(LIANYUNGANG)
    ids = [f"t{n}s{k}" for n in range(THREADS) for k in range(OWN_SUBJECTS)]
    ids += [f"shared{k}" for k in range(SHARED_SUBJECTS)]
    for subject in ids:
        ledger.add_subject({"id": subject, "kind": "insured_person"})
    calls: list[tuple[dt.date, str]] = []

    def note(subject: Subject, gained: frozenset[str], lost: frozenset[str]) -> None:
        assert ledger.today is not None
        calls.append((ledger.today, subject.id))

    ledger.subscribe(note)
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    recorded: list[list[int]] = [[] for _ in range(THREADS)]
    threads = [
        threading.Thread(target=worker, args=(n, ledger, barrier, failures, recorded[n]))
        for n in range(THREADS)
    ]
    snapshot = tmp_path / "mid.jsonl"
    for thread in threads:
        thread.start()
    ledger.snapshot(snapshot)  # while the threads write: a consistent prefix
    for thread in threads:
        thread.join()
    assert failures == []

    # No event lost, none doubled: seqs 1..N, each returned to exactly one caller.
    total = THREADS * ROUNDS * 3
    assert len(ledger) == total
    assert sorted(seq for seqs in recorded for seq in seqs) == list(range(1, total + 1))
    # Callbacks came in date order.
    assert [day for day, _ in calls] == sorted(day for day, _ in calls)

    # A serial replay of the log, in seq order, answers exactly alike.
    log = sorted(
        (entry for subject in ids for entry in ledger.history(subject)), key=lambda e: e.seq
    )
    replay = Ledger(LIANYUNGANG)
    for subject in ids:
        replay.add_subject({"id": subject, "kind": "insured_person"})
    for entry in log:
        replay.record(entry.event, recorded_at=entry.recorded_at)
    for subject in ids:
        assert replay.history(subject) == ledger.history(subject)
        history = [e.event for e in ledger.history(subject)]
        for as_of in AS_OF:
            got = ledger.status(subject, as_of).model_dump()
            assert got == replay.status(subject, as_of).model_dump()
            assert (
                got
                == ENGINE.evaluate(
                    [ledger.subject(subject)], history, as_of=as_of, known_at=dt.date.max
                ).model_dump()
            )
    for as_of in AS_OF:
        assert ledger.subjects_with("audit_flag", as_of) == replay.subjects_with(
            "audit_flag", as_of
        )
    assert ledger.agenda(START, horizon=400) == replay.agenda(START, horizon=400)

    # The snapshot taken meanwhile restores to a valid prefix of the same log.
    restored = Ledger.restore(snapshot, LIANYUNGANG)
    prefix = sorted(
        (entry for subject in ids for entry in restored.history(subject)), key=lambda e: e.seq
    )
    assert prefix == log[: len(prefix)]
