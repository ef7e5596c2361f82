"""The floor under a single ``record``: what the SQLite journal alone costs per call.

Issue 12 asks for single ``record`` calls at 20,000 events/s. A call is acknowledged only once
its transaction has committed, so no ledger can record faster, one call after another, than
its journal commits one call's rows. This script measures that floor on this machine, without
the ledger: for ``synchronous=NORMAL`` and ``FULL``, in a fresh ``SqliteJournal`` (the
ledger's own schema and statements) in a temporary directory, ``--calls`` times:

- ``journal``: the journal's own write of one call, as the ledger makes it
  (``begin``, which checks the journal's tail, ``flush`` of a ``Batch`` with one event, the
  notifications a recorded entry typically causes (``--notifications``, default 2: a measure
  gained and a duty due) and, on the first call only, the ledger's today (written when it
  changes, and every call here is on one day), then ``commit``), with rows made beforehand;
- ``journal_no_notification``: the same with no notification, for what the outbox costs
  (and what a ledger that settles later writes when it acknowledges a call);
- ``journal_no_notification_exclusive``: that on a journal held alone
  (``SqliteJournal(..., exclusive=True)``, decision 28), which checks no tail;
- ``bare_insert``: plain ``sqlite3`` on the same file settings, ``BEGIN IMMEDIATE``, one
  ``INSERT`` of the event row, ``COMMIT``: the floor of SQLite itself for one durable row.

Prints calls per second and the mean microseconds of each (wall clock, and CPU time, which the
other guests of a shared host disturb less), with the load average, and writes
``benchmarks/journal-floor-results.json``.

    .venv/bin/python benchmarks/bench_journal_floor.py [--calls 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from credit_rules.ledger.journal import Batch, SqliteJournal

HERE = Path(__file__).resolve().parent
DAY = "2026-07-01"
#: A Lianyungang entry as the ledger writes it, and a notification of the size it writes.
EVENT = (
    '{"category":"forge_documents","date":"2026-07-01","record":"s{n}",'
    '"subject":"p{n:07d}","type":"dishonesty_entered"}'
)
NOTE = (
    '{{"day":"2026-07-01","id":"{id}","kind":"gained","name":"written_warning",'
    '"seq":{n},"subject":"p{n:07d}","trigger_key":"s{n}","trigger_seq":{n},'
    '"trigger_type":"dishonesty_entered"}}'
)


def note_id(n: int, k: int) -> str:
    """An id as the outbox makes them (a hash), so that the index on ids is written at
    random places, as a ledger's is."""
    return hashlib.sha256(f"{n}-{k}".encode()).hexdigest()[:32]


def journal_calls(
    folder: Path, synchronous: str, calls: int, notifications: int, exclusive: bool = False
) -> tuple[float, float]:
    """Seconds (wall clock, CPU) for ``calls`` journal writes of one event each, as the
    ledger makes them."""
    path = folder / f"journal-{synchronous}-{notifications}-{exclusive}.db"
    journal = SqliteJournal(path, synchronous=synchronous, exclusive=exclusive)
    batches = [
        Batch(
            events=[(n, None, DAY, EVENT.replace("{n}", str(n)).replace("{n:07d}", f"{n:07d}"))],
            notifications=[
                (note_id(n, k), NOTE.format(id=note_id(n, k), n=n)) for k in range(notifications)
            ],
            meta={"today": DAY} if n == 1 else {},
        )
        for n in range(1, calls + 1)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for seq, batch in enumerate(batches):
        if not journal.begin((0, seq)):
            raise RuntimeError("the journal's tail moved: another writer on a temporary file?")
        journal.flush(batch, 0)
        journal.commit()
    seconds = time.perf_counter() - started, time.process_time() - cpu
    journal.close()
    return seconds


def bare_inserts(folder: Path, synchronous: str, calls: int) -> tuple[float, float]:
    """Seconds (wall clock, CPU) for ``calls`` transactions of one plain INSERT each, on the
    same settings."""
    db = sqlite3.connect(folder / f"bare-{synchronous}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous.upper()}")
    db.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, "
        "body TEXT NOT NULL)"
    )
    rows = [(n, DAY, EVENT) for n in range(1, calls + 1)]
    started, cpu = time.perf_counter(), time.process_time()
    for row in rows:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO events (seq, recorded_at, body) VALUES (?, ?, ?)", row)
        db.execute("COMMIT")
    seconds = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--notifications", type=int, default=2)
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "bench_journal_floor.py",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "calls": args.calls,
        "notifications_per_call": args.notifications,
        "results": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for synchronous in ("normal", "full"):
            for name, (seconds, cpu) in (
                ("journal", journal_calls(folder, synchronous, args.calls, args.notifications)),
                ("journal_no_notification", journal_calls(folder, synchronous, args.calls, 0)),
                (
                    "journal_no_notification_exclusive",
                    journal_calls(folder, synchronous, args.calls, 0, exclusive=True),
                ),
                ("bare_insert", bare_inserts(folder, synchronous, args.calls)),
            ):
                per_second = args.calls / seconds
                mean_us = seconds / args.calls * 1e6
                cpu_us = cpu / args.calls * 1e6
                report["results"][f"{name}_{synchronous}"] = {
                    "calls_per_second": round(per_second),
                    "mean_us": round(mean_us, 1),
                    "mean_cpu_us": round(cpu_us, 1),
                }
                print(
                    f"{name:34} {synchronous:6} {per_second:9,.0f}/s {mean_us:7.1f} µs "
                    f"(CPU {cpu_us:6.1f} µs)"
                )
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = HERE / "journal-floor-results.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"load average {report['machine']['load_average_before'][0]:.2f}; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
