"""Ledger benchmark: a bureau's ledger on its journal, loaded, queried and fed one by one.

For each size (``--persons``, default 100,000 and 1,000,000; 0.448 events per person, as in
issue 12: 1,000,000 persons with 448,000 events), on a Lianyungang ledger with a SQLite journal
in a temporary directory, in ONE run:

1. **bulk load**: ``Ledger.bulk_load`` of every person and event, from generators of plain
   dicts (as from an export: pydantic validation is part of the cost; the benchmark holds its
   input as compact tuples, so the process's memory is the ledger's), into the journal in one
   transaction. Events per second (and rows, subjects included, per second). The load's
   time includes the caller's making of each person's and event's dict from the compact
   input (what an exporter pays too); that share is timed apart, by making the same dicts
   again at the end of the run (the collector off, as during the load), and the rate
   without it is reported beside, so that the library's own cost can be told from the
   input's (the two are timed at different moments: on a shared machine, compare loads).
2. **memory**: the process's resident memory before the input, after it, after the load, and
   the ledger's share (after the load, less before the input); peak RSS (``ru_maxrss``).
3. **warm-up and compaction**: ``Ledger.warm`` evaluates the loaded subjects once (the cost
   bulk load defers) and freezes the heap (:func:`gc.freeze`); then a compaction point.
4. **reopen**: the journal opened again (replay plus the compaction point).
5. **bulk load from tables**: ``Ledger.bulk_load_tables`` of the same persons and events as
   Polars frames (a long events table with a ``recorded_at`` column, and a subjects table),
   into a fresh ledger on its own journal, in a fresh process (as a loader runs) at the end of
   the run (so it changes none of the memory figures), and checked against the ledger loaded
   from iterables (reopened from its journal) on 500 sampled persons' histories and statuses.
   ``--table-runs`` times (default 3), each in a fresh process: the fastest is reported, with
   every run's time beside it.
6. **single record**: ``record`` one event at a time, each acknowledged only once committed,
   with ``synchronous=FULL`` (durable against power loss) and ``NORMAL`` (against a process
   crash); from one thread, and from 8 threads at once (group commit: the commits count shows
   how many calls each carried). Events per second. Last, after every figure here (the
   300,000 more events they record would weigh on them), and with its own collector pauses
   and memory (``settle_later``): the same with ``settle="later"``
   (acknowledged once the event's row is durable, evaluated at settlement): ``--later``
   events (100,000 by default, so the rate is sustained, not a burst) from one thread, then
   the backlog settled by one ``settle()`` call (1,000 events to a transaction); the same
   with the journal the ledger's alone (``SqliteJournal(..., exclusive=True)``); from 8
   threads; from one thread that settles every 1,000 events it records, and from one thread
   beside a settling worker (``settle(limit=1000)`` in a loop), which show what one process
   sustains end to end when every event is also settled; and from one thread with ``FULL``.
7. **status latency**: ``status`` of random persons with history, p50 and p99.
8. **garbage collection**: the longest pause (``gc.callbacks``; wall-clock, and the CPU time
   of the collecting thread, which descheduling on a shared machine does not inflate, and the
   involuntary context switches during the longest, which show that descheduling) while
   loading, and while serving (from the reopened, warmed ledger on: records and status
   queries), with a forced full collection after the load.

The load average (``os.getloadavg``) is reported beside every run: on a shared machine the
timings scale with it. So is the time of a fixed pure-Python loop at the start and the end of
each size's run: the host is shared with other guests, whose share the load average does not
show, and the loop's time does.

Every event is a Lianyungang Art 8 stage or entry: per record, collected, verified,
determined (read by no rule: inert) and entered; 5% of records are objected to and corrected.

    .venv/bin/python benchmarks/bench_ledger.py --persons 100000
    .venv/bin/python benchmarks/bench_ledger.py               # 100,000 and 1,000,000

Several sizes run one after another, each in a fresh process (so that what one run's
allocators kept is not counted in the next run's memory).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
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
    """The longest garbage-collection pause, timed by ``gc.callbacks``: in wall-clock time
    (what a request waits, descheduling by other processes included), in the collecting
    thread's CPU time (what the collection itself costs), and the involuntary context
    switches of the thread during the longest one (``RUSAGE_THREAD``, Linux): a pause far
    longer in wall time than in CPU time, with switches, is the scheduler running other
    processes on a loaded machine, not the collector working."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_cpu = 0.0
        self.switches_in_longest = 0
        self.generation_of_longest = -1
        self.count = 0
        self._started = (0.0, 0.0, 0)
        gc.callbacks.append(self._callback)

    @staticmethod
    def _switches() -> int:
        who = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
        return resource.getrusage(who).ru_nivcsw

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time(), self._switches())
        else:
            self.count += 1
            wall = time.perf_counter() - self._started[0]
            self.longest_cpu = max(self.longest_cpu, time.thread_time() - self._started[1])
            if wall > self.longest:
                self.longest = wall
                self.switches_in_longest = self._switches() - self._started[2]
                self.generation_of_longest = info["generation"]

    def reset(self) -> None:
        self.longest = 0.0
        self.longest_cpu = 0.0
        self.switches_in_longest = 0
        self.generation_of_longest = -1
        self.count = 0

    def report(self) -> dict[str, Any]:
        return {
            "collections": self.count,
            "longest_pause_ms": round(self.longest * 1e3, 2),
            "longest_pause_cpu_ms": round(self.longest_cpu * 1e3, 2),
            "involuntary_switches_in_longest": self.switches_in_longest,
            "generation_of_longest": self.generation_of_longest,
        }


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Compact = tuple[int, int, int, int, int, int]
"""day (ordinal), order, person, kind (index into KINDS), record number, category/decided."""

KINDS = (*STAGES, "dishonesty_entered", "objection_filed", "record_corrected")


def feed(persons: int, events: int, seed: int) -> list[Compact]:
    """The events, sorted by recording day, as tuples of integers (a few MB, not a GB of
    dicts): :func:`expand` makes each event's dict as the load consumes it."""
    rng = random.Random(seed)
    span = (END - START).days
    counters: dict[int, int] = {}
    out: list[Compact] = []
    while len(out) < events:
        person = rng.randrange(persons)
        counters[person] = counters.get(person, 0) + 1
        record = counters[person]
        entered = (START + dt.timedelta(days=rng.randint(30, span))).toordinal()
        category = rng.randrange(len(CATEGORIES))
        for kind, back in enumerate((20, 10, 5, 0)):
            out.append((entered - back, len(out), person, kind, record, category))
        if rng.random() < 0.05:
            decided = entered + rng.randint(2, 60)
            out.append((decided - 1, len(out), person, 4, record, entered))
            out.append((decided, len(out), person, 5, record, entered))
    out = out[:events]
    out.sort()
    return out


def expand(item: Compact) -> tuple[dt.date, dict[str, Any]]:
    day, _, person, kind, record, extra = item
    date = dt.date.fromordinal(day)
    event: dict[str, Any] = {
        "type": KINDS[kind],
        "subject": f"p{person:07d}",
        "record": f"r{record}",
    }
    if kind < 4:
        event["date"] = date.isoformat()
        event["category"] = CATEGORIES[extra]
    elif kind == 4:
        event["date"] = date.isoformat()
        event["ground"] = "inaccurate"
    else:
        event["action"] = "removed"
        event["date"] = dt.date.fromordinal(extra).isoformat()
        event["decided_on"] = date.isoformat()
    return date, event


def input_dicts_seconds(persons: int, stream: list[Compact]) -> float:
    """The time the load's generators spend making the dicts it consumes (persons and
    events), made again here and dropped, with the collector off as during the load."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        for _ in ({"id": f"p{n:07d}", "kind": "insured_person"} for n in range(persons)):
            pass
        for item in stream:
            expand(item)
        return time.perf_counter() - started
    finally:
        if collecting:
            gc.enable()


def rss_mib() -> float:
    """Resident memory now (Linux /proc; ``ru_maxrss`` elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return maxrss_mib()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def singles(
    ledger: Ledger, persons: int, count: int, threads: int, tag: str, day: dt.date, seed: int
) -> dict[str, Any]:
    """``count`` single records, from ``threads`` threads at once; each call returns only
    once its event is committed."""
    journal = ledger.journal
    assert journal is not None
    commits = [0]
    commit = journal.commit

    def counted() -> None:
        commits[0] += 1
        commit()

    journal.commit = counted  # type: ignore[method-assign]
    rngs = [random.Random(seed * 100 + t) for t in range(threads)]
    share = count // threads
    # Made before the clock starts, as a service receives them (parsed from its requests).
    made = [
        [
            {
                "type": "dishonesty_entered",
                "subject": f"p{rngs[t].randrange(persons):07d}",
                "record": f"s-{tag}-{t}-{n}",
                "category": "forge_documents",
                "date": day.isoformat(),
            }
            for n in range(share)
        ]
        for t in range(threads)
    ]

    def producer(t: int) -> None:
        for event in made[t]:
            ledger.record(event, recorded_at=day)

    workers = [threading.Thread(target=producer, args=(t,)) for t in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    journal.commit = commit  # type: ignore[method-assign]
    done = share * threads
    return {
        "events": done,
        "threads": threads,
        "commits": commits[0],
        "events_per_second": round(done / seconds),
    }


def settled_backlog(ledger: Ledger) -> dict[str, Any]:
    """Settle everything acknowledged and not settled, in one call."""
    waiting = ledger.unsettled
    started = time.perf_counter()
    settled = ledger.settle()
    seconds = time.perf_counter() - started
    assert settled == waiting and ledger.unsettled == 0
    return {
        "events": settled,
        "seconds": round(seconds, 2),
        "events_per_second": round(settled / seconds) if seconds else None,
    }


def beside_a_worker(
    ledger: Ledger, persons: int, count: int, tag: str, day: dt.date, seed: int
) -> dict[str, Any]:
    """One producer recording while a worker settles in batches of 1,000; until everything
    is settled. What one process sustains when every event is settled too."""
    producing = threading.Event()
    producing.set()
    settled = [0]

    def worker() -> None:
        while producing.is_set() or ledger.unsettled:
            done = ledger.settle(limit=1000)
            settled[0] += done
            if not done:
                time.sleep(0.001)

    settler = threading.Thread(target=worker)
    started = time.perf_counter()
    settler.start()
    produced = singles(ledger, persons, count, 1, tag, day, seed)
    acknowledged = time.perf_counter() - started
    producing.clear()
    settler.join()
    seconds = time.perf_counter() - started
    return {
        "events": produced["events"],
        "seconds_until_all_acknowledged": round(acknowledged, 2),
        "acknowledged_per_second": round(produced["events"] / acknowledged),
        "seconds_until_all_settled": round(seconds, 2),
        "settled_per_second_end_to_end": round(produced["events"] / seconds),
        "settled_by_worker": settled[0],
    }


def alternating(
    ledger: Ledger, persons: int, count: int, tag: str, day: dt.date, seed: int
) -> dict[str, Any]:
    """One thread records 1,000 events, settles them, and again: what one process sustains
    end to end when it settles everything it takes, without two threads taking turns."""
    acknowledging = 0.0
    started = time.perf_counter()
    for start in range(0, count, 1000):
        clock = time.perf_counter()
        singles(ledger, persons, min(1000, count - start), 1, f"{tag}{start}", day, seed + start)
        acknowledging += time.perf_counter() - clock
        ledger.settle()
    seconds = time.perf_counter() - started
    return {
        "events": count,
        "acknowledged_per_second_while_recording": round(count / acknowledging),
        "seconds_until_all_settled": round(seconds, 2),
        "settled_per_second_end_to_end": round(count / seconds),
    }


def as_tables(persons: int, stream: list[Compact]) -> tuple[Any, Any]:
    """The same persons and events as a bureau's export: one long events table (with each
    event's recording day) and a subjects table, as Polars frames."""
    import polars as pl

    columns: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS}
    for item in stream:
        day, event = expand(item)
        for name in TABLE_COLUMNS[:-1]:
            columns[name].append(event.get(name))
        columns["recorded_at"].append(day)
    events = pl.DataFrame(
        columns, schema={name: pl.Date if name == "recorded_at" else pl.String for name in columns}
    ).with_columns(pl.col("date", "decided_on").str.to_date())
    subjects = pl.DataFrame({"id": [f"p{n:07d}" for n in range(persons)], "kind": "insured_person"})
    return events, subjects


TABLE_COLUMNS = (
    "type",
    "subject",
    "record",
    "date",
    "category",
    "ground",
    "action",
    "decided_on",
    "recorded_at",
)


def tables_in_fresh_process(
    persons: int, seed: int, reference: Path, last_day: dt.date, runs: int
) -> dict[str, Any]:
    """:func:`table_load` run ``runs`` times, each by a fresh process of this script into a
    journal of its own. The fastest run is reported, every run's time beside it: on a shared
    machine the run least slowed by other work is the closest to the code's own cost."""
    out = reference.with_name("tables.json")
    found: list[dict[str, Any]] = []
    for _ in range(runs):
        for suffix in ("", "-wal", "-shm"):
            reference.with_name(f"tables.db{suffix}").unlink(missing_ok=True)
        subprocess.run(
            [
                sys.executable,
                __file__,
                *("--persons", str(persons), "--seed", str(seed)),
                *("--tables-against", str(reference), "--last-day", last_day.isoformat()),
                *("--out", str(out)),
            ],
            check=True,
        )
        found.append(json.loads(out.read_text(encoding="utf-8")))
        if "skipped" in found[-1]:
            return found[-1]
    best = min(found, key=lambda one: float(one["seconds"]))
    return {
        **best,
        "runs": runs,
        "seconds_every_run": [one["seconds"] for one in found],
        "all_runs_agree_with_iterable_load": all(
            one["agrees_with_iterable_load_on_500_sampled_persons"] for one in found
        ),
    }


def reference_loop_seconds() -> float:
    """A fixed piece of pure-Python work, timed: how fast this machine runs the interpreter
    at the moment. The host is shared, and the load average does not show how much of it
    the other guests take (in one run the loop took 0.178 s at the start and 0.306 s at the
    end)."""
    started = time.perf_counter()
    total = 0
    for number in range(5_000_000):
        total += number
    return round(time.perf_counter() - started, 3)


def table_load(persons: int, seed: int, reference_path: Path, last_day: dt.date) -> dict[str, Any]:
    """``Ledger.bulk_load_tables`` of the same input as Polars frames (made beforehand,
    outside the time: a bureau's export is columns already) into a fresh ledger on its own
    SQLite journal; checked against the ledger loaded from iterables (reopened from its
    journal, ``reference_path``) on the histories (as known on the last day of the input) and
    statuses of sampled persons."""
    stream = feed(persons, round(persons * EVENTS_PER_PERSON), seed)
    try:
        events, subjects = as_tables(persons, stream)
    except ImportError:
        return {"skipped": "polars is not installed (the columnar extra)"}
    tmp = reference_path.parent
    ledger = Ledger.open(SqliteJournal(tmp / "tables.db", synchronous="normal"), bundled(RULESET))
    gc.collect()
    load = load_average()
    started = time.perf_counter()
    ledger.bulk_load_tables(events, subjects, freeze=False)
    seconds = time.perf_counter() - started
    rng = random.Random(seed + 2)
    sample = [f"p{rng.randrange(persons):07d}" for _ in range(500)]
    reference = Ledger.open(SqliteJournal(reference_path, synchronous="normal"), bundled(RULESET))
    agrees = all(
        list(ledger.history(pid)) == list(reference.history(pid, known_at=last_day))
        and ledger.status(pid, last_day) == reference.status(pid, last_day)
        for pid in sample
    )
    reference.close()
    ledger.close()
    return {
        "seconds": round(seconds, 2),
        "events_per_second": round(len(stream) / seconds),
        "rows_per_second": round((len(stream) + persons) / seconds),
        "load_average_at_start": load,
        "agrees_with_iterable_load_on_500_sampled_persons": agrees,
    }


def run(
    persons: int, seed: int, count: int, later: int, queries: int, table_runs: int
) -> dict[str, Any]:
    ruleset = bundled(RULESET)
    events = round(persons * EVENTS_PER_PERSON)
    gc.collect()
    rss_before = rss_mib()
    started = time.perf_counter()
    stream = feed(persons, events, seed)
    seconds_input = time.perf_counter() - started
    rss_input = rss_mib()
    pauses = Pauses()
    result: dict[str, Any] = {
        "persons": persons,
        "events": events,
        "load_average_at_start": load_average(),
        "seconds_reference_loop_at_start": reference_loop_seconds(),
        "seconds_build_input": round(seconds_input, 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.db"
        ledger = Ledger.open(SqliteJournal(path, synchronous="normal"), ruleset)
        people = ({"id": f"p{n:07d}", "kind": "insured_person"} for n in range(persons))
        pauses.reset()
        started = time.perf_counter()
        ledger.bulk_load(people, (expand(item) for item in stream), freeze=True)
        seconds = time.perf_counter() - started
        result["bulk_load"] = {
            "seconds": round(seconds, 2),
            "events_per_second": round(events / seconds),
            "rows_per_second": round((events + persons) / seconds),
            "journal_mib": round(sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20, 1),
        }
        last_day = dt.date.fromordinal(stream[-1][0])
        del stream
        gc.collect()
        rss_loaded = rss_mib()
        result["memory_mib"] = {
            "before_input": round(rss_before),
            "after_input": round(rss_input),
            "after_load_input_dropped": round(rss_loaded),
            "ledger": round(rss_loaded - rss_before),
        }
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
        result["warm_up"] = {
            "seconds_evaluate_loaded_subjects": round(warm, 2),
            "subjects_evaluated": evaluated,
            "subjects_with_cash_settlement": len(listed),
            "seconds_compaction_point": round(compaction, 2),
            "subjects_written": written,
            "seconds_compaction_point_again": round(compaction_again, 3),
        }
        result["memory_mib"]["after_warm_up"] = round(rss_mib())
        result["memory_mib"]["ledger_warm"] = round(rss_mib() - rss_before)
        result["gc_while_loading"] = pauses.report()
        started = time.perf_counter()
        gc.collect()  # forced, to show what a full collection costs once loaded and frozen
        result["seconds_forced_full_gc_after_load"] = round(time.perf_counter() - started, 4)
        ledger.close()
        del ledger
        gc.unfreeze()
        gc.collect()
        started = time.perf_counter()
        ledger = Ledger.open(SqliteJournal(path, synchronous="full"), ruleset)
        result["seconds_reopen"] = round(time.perf_counter() - started, 2)
        ledger.warm()
        result["memory_mib"]["after_reopen"] = round(rss_mib())
        pauses.reset()  # from here on: a serving process
        timings: dict[str, Any] = {}
        day = last_day + dt.timedelta(days=1)
        for mode in ("full", "normal"):
            if mode == "normal":
                ledger.close()
                del ledger
                ledger = Ledger.open(SqliteJournal(path, synchronous="normal"), ruleset)
                ledger.warm()
            for threads in (1, 8):
                timings[f"synchronous_{mode}_{threads}_thread{'s' if threads > 1 else ''}"] = (
                    singles(ledger, persons, count, threads, f"{mode}{threads}", day, seed)
                )
        result["single_record"] = timings
        rng = random.Random(seed + 1)
        with_history = [sid for sid in ledger.subject_ids()[:persons] if ledger.history(sid)]
        latencies = []
        for _ in range(queries):
            sid = with_history[rng.randrange(len(with_history))]
            started = time.perf_counter()
            ledger.status(sid, last_day - dt.timedelta(days=rng.randrange(365)))
            latencies.append(time.perf_counter() - started)
        result["status_latency_ms"] = {
            "queries": queries,
            "p50": round(percentile(latencies, 0.50) * 1e3, 3),
            "p99": round(percentile(latencies, 0.99) * 1e3, 3),
            "mean": round(statistics.fmean(latencies) * 1e3, 3),
        }
        result["gc_while_serving"] = pauses.report()
        result["peak_rss_mib"] = round(maxrss_mib())
        result["load_average_at_end"] = load_average()
        result["seconds_reference_loop_at_end"] = reference_loop_seconds()
        # settle="later", after every figure above (its 300,000 more events would weigh on
        # them): the same ledger reopened, with its own collector pauses and memory.
        timings = {}
        later_gc: dict[str, Any] = {}
        events_recorded = 0
        for mode in ("normal", "exclusive", "full"):
            ledger.close()
            del ledger
            gc.unfreeze()  # the ledger closed was frozen: let it go before the next one
            gc.collect()
            journal = SqliteJournal(
                path,
                synchronous="full" if mode == "full" else "normal",
                exclusive=mode == "exclusive",
            )
            ledger = Ledger.open(journal, ruleset, settle="later")
            ledger.warm()
            if mode != "normal":
                key = f"later_{mode}_1_thread"
                timings[key] = singles(
                    ledger, persons, count if mode == "full" else later, 1, key, day, seed
                )
                timings[key]["settled"] = settled_backlog(ledger)
                continue
            pauses.reset()  # the reopening's own collections are not serving
            for threads in (1, 8):
                key = f"later_normal_{threads}_thread{'s' if threads > 1 else ''}"
                timings[key] = singles(
                    ledger, persons, later, threads, f"later{threads}", day, seed
                )
                timings[key]["settled"] = settled_backlog(ledger)
            timings["later_normal_alternating_with_settlement"] = alternating(
                ledger, persons, later // 2, "lateralt", day, seed
            )
            timings["later_normal_beside_a_settling_worker"] = beside_a_worker(
                ledger, persons, later // 2, "laterworker", day, seed
            )
            later_gc = pauses.report()  # NORMAL's runs: 300,000 events recorded and settled
            events_recorded = len(ledger)
            # Since decision 27 a day's new subjects add next to nothing a full collection
            # walks, even before warm() freezes what the day added: both are timed.
            started = time.perf_counter()
            gc.collect()
            later_gc["seconds_full_collection_before_warm"] = round(
                time.perf_counter() - started, 4
            )
            ledger.warm()
            started = time.perf_counter()
            gc.collect()
            later_gc["seconds_full_collection_after_warm"] = round(time.perf_counter() - started, 4)
        result["settle_later"] = {
            "single_record": timings,
            "events_recorded_by_then": events_recorded,
            "gc_during_those_runs": later_gc,
            "rss_mib_at_end": round(rss_mib()),
            "peak_rss_mib": round(maxrss_mib()),
        }
        ledger.close()
        del ledger
        # After every memory figure, and in a fresh process (as a loader runs): the tables and
        # a second ledger change none of them, and the first ledger's million objects and the
        # pages this process has touched weigh on none of the load's time.
        result["bulk_load_tables"] = tables_in_fresh_process(
            persons, seed, path, last_day, table_runs
        )
    # Last, so that the dicts made and dropped here change none of the memory figures.
    making = input_dicts_seconds(persons, feed(persons, events, seed))
    result["bulk_load"]["seconds_making_input_dicts"] = round(making, 2)
    result["bulk_load"]["events_per_second_without_input_dicts"] = round(
        events / (result["bulk_load"]["seconds"] - making)
    )
    gc.unfreeze()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, action="append")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--singles", type=int, default=2000, help="records per mode")
    parser.add_argument(
        "--later", type=int, default=100_000, help='records per run with settle="later"'
    )
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE / "ledger-results.json")
    parser.add_argument(
        "--table-runs", type=int, default=3, help="table loads per size (the fastest is kept)"
    )
    parser.add_argument("--tables-against", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--last-day", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table_runs < 1:
        parser.error("--table-runs must be at least 1")
    sizes = args.persons or [100_000, 1_000_000]
    if args.tables_against is not None:  # the fresh process of tables_in_fresh_process
        found = table_load(sizes[0], args.seed, args.tables_against, args.last_day)
        args.out.write_text(json.dumps(found) + "\n", encoding="utf-8")
        return
    runs = []
    if len(sizes) > 1:
        # Each size in a fresh process: memory a run leaves behind (the allocators keep what
        # they freed) would otherwise count as the next run's.
        for persons in sizes:
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "run.json"
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        *("--persons", str(persons), "--seed", str(args.seed)),
                        *("--singles", str(args.singles), "--queries", str(args.queries)),
                        *("--table-runs", str(args.table_runs)),
                        *("--out", str(out)),
                    ],
                    check=True,
                )
                runs.extend(json.loads(out.read_text(encoding="utf-8"))["runs"])
    else:
        print(f"{sizes[0]:,} persons ...", file=sys.stderr, flush=True)
        runs.append(
            run(sizes[0], args.seed, args.singles, args.later, args.queries, args.table_runs)
        )
        print(json.dumps(runs[-1], indent=2), file=sys.stderr, flush=True)
    report = {
        "benchmark": "ledger on a SQLite journal: bulk load, memory, warm-up, reopen, single "
        "record (1 and 8 threads, group commit), status latency, GC pauses",
        "cpus": os.cpu_count(),
        "library_version": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": runs,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
