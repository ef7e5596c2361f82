"""Ledger benchmark: a bureau's ledger on its journal, loaded, queried and fed one by one.

For each size (``--persons``, default 100,000 and 1,000,000; 0.448 events per person, as in
issue 12: 1,000,000 persons with 448,000 events), on a Lianyungang ledger with a SQLite journal
in a temporary directory:

1. **bulk load**: ``Ledger.bulk_load`` of every person and event (plain dicts, as from an
   export, so pydantic validation is part of the cost), into the journal in one transaction,
   then ``gc.freeze()``. Events per second.
2. **warm-up and compaction**: the first question that needs every subject's derived state
   evaluates the loaded subjects once (the cost bulk load defers); then a compaction point.
3. **reopen**: the journal opened again (replay plus the compaction point).
4. **single record**: ``record`` one event at a time (an entry for a random person), each its
   own committed transaction, with ``synchronous=FULL`` (durable against power loss) and
   ``NORMAL`` (against a process crash). Events per second.
5. **status latency**: ``status`` of random persons with history, p50 and p99.
6. **peak RSS** (``ru_maxrss``, the whole process, including the benchmark's own input) and
   the **longest garbage-collection pause** while serving (``gc.callbacks``, from the reopened
   and warmed ledger on: single records and status queries), and a forced full collection
   after the load, frozen (``Ledger.warm``).

Every event is a Lianyungang Art 8 stage or entry: per record, collected, verified,
determined (read by no rule: inert) and entered; 5% of records are objected to and corrected.

    .venv/bin/python benchmarks/bench_ledger.py --persons 100000
    .venv/bin/python benchmarks/bench_ledger.py               # 100,000 and 1,000,000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from credit_rules import __version__, bundled
from credit_rules.ledger import Ledger, SqliteJournal

HERE = Path(__file__).resolve().parent
RULESET = "lianyungang-2007"
EVENTS_PER_PERSON = 0.448
START = dt.date(2020, 1, 1)
END = dt.date(2024, 12, 31)
CATEGORIES = ("lend_certificate", "use_others_certificate", "forge_documents", "resell_drugs")
STAGES = ("dishonesty_collected", "dishonesty_verified", "dishonesty_determined")


class Pauses:
    """The longest garbage-collection pause, timed by ``gc.callbacks``."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.count = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def reset(self) -> None:
        self.longest = 0.0
        self.count = 0


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def feed(persons: int, events: int, seed: int) -> list[tuple[dt.date, dict[str, Any]]]:
    rng = random.Random(seed)
    span = (END - START).days
    counters: dict[int, int] = {}
    out: list[tuple[dt.date, int, dict[str, Any]]] = []
    while len(out) < events:
        person = rng.randrange(persons)
        pid = f"p{person:07d}"
        counters[person] = counters.get(person, 0) + 1
        record = f"r{counters[person]}"
        entered = START + dt.timedelta(days=rng.randint(30, span))
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        group = [
            (entered - dt.timedelta(days=back), stage)
            for back, stage in zip((20, 10, 5), STAGES, strict=True)
        ]
        group.append((entered, "dishonesty_entered"))
        for day, kind in group:
            event = {"type": kind, "subject": pid, "date": day.isoformat(), "record": record,
                     "category": category}
            out.append((day, len(out), event))
        if rng.random() < 0.05:
            decided = entered + dt.timedelta(days=rng.randint(2, 60))
            out.append((decided - dt.timedelta(days=1), len(out), {
                "type": "objection_filed", "subject": pid, "record": record,
                "ground": "inaccurate", "date": (decided - dt.timedelta(days=1)).isoformat()}))
            out.append((decided, len(out), {
                "type": "record_corrected", "subject": pid, "record": record,
                "action": "removed", "date": entered.isoformat(),
                "decided_on": decided.isoformat()}))
    out = out[:events]
    out.sort(key=lambda item: (item[0], item[1]))
    return [(day, event) for day, _, event in out]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(persons: int, seed: int, singles: int, queries: int) -> dict[str, Any]:
    ruleset = bundled(RULESET)
    events = round(persons * EVENTS_PER_PERSON)
    started = time.perf_counter()
    stream = feed(persons, events, seed)
    people = [{"id": f"p{n:07d}", "kind": "insured_person"} for n in range(persons)]
    seconds_input = time.perf_counter() - started
    rss_input = maxrss_mib()
    pauses = Pauses()
    result: dict[str, Any] = {"persons": persons, "events": events,
                              "seconds_build_input": round(seconds_input, 2),
                              "peak_rss_mib_after_input": round(rss_input)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.db"
        ledger = Ledger.open(SqliteJournal(path, synchronous="normal"), ruleset)
        gc.collect()
        started = time.perf_counter()
        ledger.bulk_load(people, stream, freeze=True)
        seconds = time.perf_counter() - started
        result["bulk_load"] = {"seconds": round(seconds, 2),
                               "events_per_second": round(events / seconds),
                               "rows_per_second": round((events + persons) / seconds),
                               "journal_mib": round(path.stat().st_size / 2**20, 1)}
        last_day = stream[-1][0]
        del stream
        started = time.perf_counter()
        evaluated = ledger.warm()  # the loaded subjects, evaluated once; then gc.freeze()
        warm = time.perf_counter() - started
        listed = ledger.subjects_with("cash_settlement", last_day)
        started = time.perf_counter()
        written = ledger.snapshot()  # a compaction point (incremental)
        compaction = time.perf_counter() - started
        started = time.perf_counter()
        ledger.snapshot()
        compaction_again = time.perf_counter() - started
        result["warm_up"] = {"seconds_evaluate_loaded_subjects": round(warm, 2),
                             "subjects_evaluated": evaluated,
                             "subjects_with_cash_settlement": len(listed),
                             "seconds_compaction_point": round(compaction, 2),
                             "subjects_written": written,
                             "seconds_compaction_point_again": round(compaction_again, 3)}
        result["peak_rss_mib_after_load"] = round(maxrss_mib())
        started = time.perf_counter()
        gc.collect()  # forced, to show what a full collection costs once loaded and frozen
        result["seconds_forced_full_gc_after_load"] = round(time.perf_counter() - started, 4)
        ledger.close()
        del ledger
        started = time.perf_counter()
        ledger = Ledger.open(SqliteJournal(path, synchronous="full"), ruleset)
        result["seconds_reopen"] = round(time.perf_counter() - started, 2)
        ledger.warm()
        pauses.reset()  # from here on: a serving process
        rng = random.Random(seed + 1)
        timings: dict[str, Any] = {}
        for mode in ("full", "normal"):
            if mode == "normal":
                ledger.close()
                del ledger
                ledger = Ledger.open(SqliteJournal(path, synchronous="normal"), ruleset)
                ledger.warm()
            day = last_day + dt.timedelta(days=1)
            started = time.perf_counter()
            for n in range(singles):
                pid = f"p{rng.randrange(persons):07d}"
                ledger.record({"type": "dishonesty_entered", "subject": pid,
                               "record": f"s-{mode}-{n}", "category": "forge_documents",
                               "date": day.isoformat()}, recorded_at=day)
            seconds = time.perf_counter() - started
            timings[f"synchronous_{mode}"] = {"events": singles,
                                              "events_per_second": round(singles / seconds)}
        result["single_record"] = timings
        with_history = [sid for sid in ledger.subject_ids()[: persons] if ledger.history(sid)]
        latencies = []
        as_of = last_day
        for _ in range(queries):
            sid = with_history[rng.randrange(len(with_history))]
            as_of -= dt.timedelta(days=0)
            started = time.perf_counter()
            ledger.status(sid, as_of - dt.timedelta(days=rng.randrange(365)))
            latencies.append(time.perf_counter() - started)
        result["status_latency_ms"] = {
            "queries": queries,
            "p50": round(percentile(latencies, 0.50) * 1e3, 3),
            "p99": round(percentile(latencies, 0.99) * 1e3, 3),
            "mean": round(statistics.fmean(latencies) * 1e3, 3),
        }
        result["gc_while_serving"] = {"collections": pauses.count,
                                   "longest_pause_ms": round(pauses.longest * 1e3, 2)}
        result["peak_rss_mib"] = round(maxrss_mib())
        ledger.close()
    gc.unfreeze()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, action="append")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE / "ledger-results.json")
    args = parser.parse_args()
    sizes = args.persons or [100_000, 1_000_000]
    runs = []
    for persons in sizes:
        print(f"{persons:,} persons ...", file=sys.stderr, flush=True)
        runs.append(run(persons, args.seed, args.singles, args.queries))
        print(json.dumps(runs[-1], indent=2), file=sys.stderr, flush=True)
    report = {
        "benchmark": "ledger on a SQLite journal: bulk load, warm-up, reopen, single record, "
                     "status latency, memory, GC pauses",
        "library_version": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": runs,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
