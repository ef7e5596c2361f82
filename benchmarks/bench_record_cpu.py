"""The CPU time of one ``Ledger.record`` call, the figure issue 12 asks about.

``bench_ledger.py`` times single records in wall-clock time, inside a long run (and needs the
columnar extra for its table load). On a host shared with other guests the wall clock of a
call swings by half from one minute to the next; the process's CPU time much less. This script
loads a Lianyungang ledger of ``--persons`` persons (20,000 by default, 0.448 events each, as
``bench_ledger.py`` makes them) on a SQLite journal (WAL, ``--synchronous``, NORMAL by default)
in a temporary directory, warms it, then ``--runs`` times records ``--calls`` entries one call
at a time, each for a person drawn at random, and reports per run the CPU microseconds
(``time.process_time``) and wall-clock microseconds per call; the best run's CPU time is the
figure to compare, with the load average beside it. It also prints a digest of the outbox, so
that two versions of the library can be checked to write the same notifications. Results go
to ``record-cpu-results.json`` (``record-cpu-later-results.json`` with ``--settle later``,
``record-cpu-later-exclusive-results.json`` with ``--exclusive`` too).

With ``--settle later`` the ledger acknowledges each call once durable and settles later
(decision 26): each run's calls are timed, then the backlog they leave is settled by one
``settle()`` call, timed apart (``settle_cpu_us_per_event``); the outbox's digest, taken once
everything is settled, must equal the default mode's. ``--exclusive`` opens the journal
for the ledger alone (``SqliteJournal(..., exclusive=True)``, decision 28).

    .venv/bin/python benchmarks/bench_record_cpu.py [--persons 20000] [--calls 2000] [--runs 5]
        [--settle on_record|later] [--exclusive]

To compare two versions on a shared host, alternate them (``PYTHONPATH=other/src``) and
compare the best runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_ledger import EVENTS_PER_PERSON, RULESET, expand, feed

from credit_rules import __version__, bundled
from credit_rules.ledger import Ledger, SqliteJournal

HERE = Path(__file__).resolve().parent


def entry(subject: str, record: str, day: dt.date) -> dict[str, Any]:
    """A Lianyungang entry, as ``bench_ledger.py`` records one by one."""
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "forge_documents",
        "date": day.isoformat(),
    }


def measure(
    persons: int,
    calls: int,
    runs: int,
    synchronous: str,
    seed: int,
    settle: str,
    exclusive: bool = False,
) -> dict[str, Any]:
    ruleset = bundled(RULESET)
    stream = feed(persons, round(persons * EVENTS_PER_PERSON), seed)
    day = dt.date.fromordinal(stream[-1][0]) + dt.timedelta(days=1)
    rng = random.Random(seed)
    cpu: list[float] = []
    wall: list[float] = []
    settling: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(
            SqliteJournal(Path(tmp) / "ledger.db", synchronous=synchronous, exclusive=exclusive),
            ruleset,
            settle=settle,  # type: ignore[arg-type]
        )
        people = ({"id": f"p{n:07d}", "kind": "insured_person"} for n in range(persons))
        ledger.bulk_load(people, (expand(item) for item in stream))
        ledger.warm()
        ledger.record(entry("p0000000", "warm-up", day), recorded_at=day)
        for run in range(runs):
            events = [
                entry(f"p{rng.randrange(persons):07d}", f"s-{run}-{n}", day) for n in range(calls)
            ]
            started, clock = time.process_time(), time.perf_counter()
            for event in events:
                ledger.record(event, recorded_at=day)
            cpu.append((time.process_time() - started) / calls * 1e6)
            wall.append((time.perf_counter() - clock) / calls * 1e6)
            if settle == "later":
                started = time.process_time()
                settled = ledger.settle()
                settling.append((time.process_time() - started) / max(settled, 1) * 1e6)
        notes = ledger.pending(limit=10 * (runs * calls + 1))
        digest = hashlib.sha256("\n".join(note.to_json() for note in notes).encode()).hexdigest()
        ledger.close()
    best = min(cpu)
    return {
        "persons": persons,
        "calls_per_run": calls,
        "synchronous": synchronous,
        "settle": settle,
        "exclusive_journal": exclusive,
        **(
            {
                "settle_cpu_us_per_event": [round(x, 1) for x in settling],
                "events_settled_per_cpu_second_at_best": round(1e6 / min(settling)),
            }
            if settling
            else {}
        ),
        "cpu_us_per_call": [round(x, 1) for x in cpu],
        "wall_us_per_call": [round(x, 1) for x in wall],
        "best_cpu_us_per_call": round(best, 1),
        "calls_per_cpu_second_at_best": round(1e6 / best),
        "outbox_notifications": len(notes),
        "outbox_digest": digest[:16],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synchronous", choices=("normal", "full"), default="normal")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--settle", choices=("on_record", "later"), default="on_record")
    parser.add_argument("--exclusive", action="store_true", help="the journal the ledger's alone")
    parser.add_argument(
        "--out", type=Path, help="default: record-cpu[-later][-exclusive]-results.json"
    )
    args = parser.parse_args()
    if args.out is None:
        later = "-later" if args.settle == "later" else ""
        alone = "-exclusive" if args.exclusive else ""
        args.out = HERE / f"record-cpu{later}{alone}-results.json"
    load_before = [round(x, 2) for x in os.getloadavg()]
    result = measure(
        args.persons,
        args.calls,
        args.runs,
        args.synchronous,
        args.seed,
        args.settle,
        args.exclusive,
    )
    report = {
        "benchmark": "bench_record_cpu.py",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "library_version": __version__,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        **result,
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(
        f"CPU µs per call by run: {result['cpu_us_per_call']} (wall: {result['wall_us_per_call']})"
    )
    print(
        f"best {result['best_cpu_us_per_call']} µs = {result['calls_per_cpu_second_at_best']:,} "
        f"calls per CPU second; outbox {result['outbox_notifications']} notifications, digest "
        f"{result['outbox_digest']}; load {load_before[0]:.2f}; wrote {args.out}"
    )
    if args.settle == "later":
        print(
            f"settled afterwards: CPU µs per event by run {result['settle_cpu_us_per_event']}, "
            f"at best {result['events_settled_per_cpu_second_at_best']:,} events per CPU second"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
