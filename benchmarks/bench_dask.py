"""The columnar backend on a dask.distributed cluster: 10,000,000 persons made on the workers.

1. A Dask DataFrame of Lianyungang events is declared with ``dask.dataframe.from_map``: each
   partition is *generated on a worker* from its number and the seed (a range of persons, the
   shape of ``population.py``: 15% with 1-5 records over 2007-10-01..2026-12-31, 2% of records
   removed, 0.5% amended). The client never holds the events; a partition holds whole persons,
   so the frame is already partitioned by subject (no shuffle).
2. ``evaluate_dask`` maps every partition through the columnar backend
   (``evaluate_partition``, Arrow in and Arrow out) and only small aggregates come back: rows
   per outcome, the active rows per outcome, and a checksum of the rows.
3. It runs on a ``LocalCluster`` of 1 worker process and then of 2 (one thread each, Polars
   limited to one thread per worker so that a worker is a core), or on an existing cluster
   given by ``--scheduler``. It reports throughput (persons/s), each worker's peak resident
   set (sampled every 20 ms by a worker plugin), the speed-up from 1 to 2 workers and the
   machine's load, and checks that every run gives the same aggregates, and that one
   partition evaluated on the client (after the clock stops) equals the cluster's rows for it.

    .venv/bin/python benchmarks/bench_dask.py                              # 10,000,000 persons
    .venv/bin/python benchmarks/bench_dask.py --workers 1 2 1 2            # each size twice
    .venv/bin/python benchmarks/bench_dask.py --persons 1000000 --partitions 8
    .venv/bin/python benchmarks/bench_dask.py --scheduler tcp://10.0.0.5:8786 --workers  # only it
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import psutil
import pyarrow as pa
from distributed import Client, LocalCluster, WorkerPlugin

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_columnar import header

from credit_rules import bundled
from credit_rules.columnar.on_dask import evaluate_dask
from credit_rules.columnar.partitions import ResultTable, evaluate_partition
from credit_rules.model.events import DishonestyCategory

RESULTS = Path(__file__).resolve().parent / "dask-results.json"
RULESET = "lianyungang-2007"
AS_OF = dt.date(2026, 6, 30)
SEED = 20071001
START, END = dt.date(2007, 10, 1), dt.date(2026, 12, 31)
#: The Art 7 categories, from the event model (a category it does not know would be refused).
CATEGORIES = tuple(c.value for c in DishonestyCategory)


def generate_partition(number: int, persons: int, partitions: int) -> pd.DataFrame:
    """The events of partition ``number``: persons ``[lo, hi)``, drawn from a generator
    seeded by (seed, number), so any worker makes the same partition and no data travels."""
    lo, hi = persons * number // partitions, persons * (number + 1) // partitions
    rng = np.random.default_rng([SEED, number])
    chosen = np.flatnonzero(rng.random(hi - lo) < 0.15) + lo
    counts = rng.integers(1, 6, size=chosen.size)
    owner = np.repeat(chosen, counts)
    # r1.. within each person: the position in the run of equal owners, plus one.
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    number_in_person = np.arange(owner.size) - starts + 1
    first = START.toordinal()
    span = END.toordinal() - first + 1
    day = rng.integers(0, span, size=owner.size)
    draw = rng.random(owner.size)
    corrected = draw < 0.025
    removed = draw < 0.02
    later = day + (rng.random(owner.size) * (span - day)).astype(np.int64)
    epoch = first - dt.date(1970, 1, 1).toordinal()
    entries = pl.DataFrame(
        {
            "type": pl.repeat("dishonesty_entered", owner.size, eager=True),
            "subject": pl.Series(owner).cast(pl.String).str.zfill(8),
            "record": pl.Series(number_in_person).cast(pl.String),
            "category": pl.Series(
                np.asarray(CATEGORIES)[rng.integers(0, len(CATEGORIES), owner.size)]
            ),
            "action": pl.repeat(None, owner.size, dtype=pl.String, eager=True),
            "date": pl.Series(day + epoch, dtype=pl.Int32).cast(pl.Date),
        }
    )
    corrections = entries.filter(pl.Series(corrected)).with_columns(
        pl.lit("record_corrected").alias("type"),
        pl.lit(None, pl.String).alias("category"),
        pl.when(pl.Series(removed[corrected]))
        .then(pl.lit("removed"))
        .otherwise(pl.lit("amended"))
        .alias("action"),
        pl.Series(later[corrected] + epoch, dtype=pl.Int32).cast(pl.Date).alias("date"),
    )
    events = pl.concat([entries, corrections]).with_columns(
        ("p" + pl.col("subject")).alias("subject"), ("r" + pl.col("record")).alias("record")
    )
    return events.to_pandas(use_pyarrow_extension_array=True)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakMemory(WorkerPlugin):
    """Samples the worker process's resident set every 20 ms. The kernel's own peak
    (``getrusage``) will not do: Linux carries it across ``exec``, so a worker started from
    a large client process reports the client's size (two workers then show the same peak)."""

    name = "peak-memory"

    def setup(self, worker: Any) -> None:
        self.peak = 0
        self._stop = threading.Event()
        process = psutil.Process()

        def sample() -> None:
            while not self._stop.wait(0.02):
                self.peak = max(self.peak, process.memory_info().rss)

        threading.Thread(target=sample, daemon=True).start()

    def teardown(self, worker: Any) -> None:
        self._stop.set()


def _sampled_peak_mib(dask_worker: Any) -> float:
    plugin: PeakMemory = dask_worker.plugins[PeakMemory.name]
    return float(plugin.peak) / 2**20


def _summary(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A few numbers for one partition's result rows: how many, a hash of them (order within
    the partition does not matter) and the rows per outcome; only these reach the client."""
    rows = pl.from_pandas(frame)
    by = {"decisions": ["outcome", "active"], "duties": ["name"], "outcomes": ["outcome"]}[table]
    counts = rows.group_by(by).len()
    keys = [" ".join(str(v) for v in values[:-1]) for values in counts.iter_rows()]
    hashed = int(rows.hash_rows().cast(pl.UInt64).sum() or 0) % (1 << 61)
    return pd.DataFrame(
        {
            "key": ["rows", "hash", *keys],
            "n": pd.Series([rows.height, hashed, *counts["len"].to_list()], dtype="int64"),
        }
    )


def run_once(client: Client, persons: int, partitions: int, table: ResultTable) -> dict[str, Any]:
    ruleset = bundled(RULESET)
    client.register_plugin(PeakMemory())
    meta = generate_partition(0, 10, 1).iloc[:0]
    events = dd.from_map(
        generate_partition,
        range(partitions),
        args=(persons, partitions),
        meta=meta,
        label="generate-events",
        enforce_metadata=False,
    )
    results = evaluate_dask(events, ruleset, as_of=AS_OF, table=table, partitioned_by_subject=True)
    meta_summary = pd.DataFrame(
        {"key": pd.Series([], dtype="object"), "n": pd.Series([], dtype="int64")}
    )
    summaries = results.map_partitions(_summary, table, meta=meta_summary)
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    summary = summaries.compute()
    elapsed = time.perf_counter() - started
    sampled = client.run(_sampled_peak_mib)
    totals: dict[str, int] = {}
    for key, n in zip(summary["key"], summary["n"], strict=True):
        totals[key] = totals.get(key, 0) + int(n)
    rows, hashed = totals.pop("rows"), totals.pop("hash") % (1 << 61)
    # Counted after the clock stops: the partitions are generated again for it.
    events_count = int(events.map_partitions(len).sum().compute())
    first = pl.from_pandas(
        results.partitions[0].compute()  # one partition's rows, to check on the client
    )
    local = pl.from_arrow(
        evaluate_partition(
            pa.Table.from_pandas(generate_partition(0, persons, partitions), preserve_index=False),
            ruleset,
            AS_OF,
            table,
        )
    )
    assert isinstance(local, pl.DataFrame)
    same_partition = first.sort(first.columns).rows() == local.sort(local.columns).rows()
    return {
        "workers": len(client.scheduler_info()["workers"]),
        "persons": persons,
        "events": events_count,
        "partitions": partitions,
        "table": table,
        "rows": rows,
        "rows_hash": hashed,
        "counts": dict(sorted(totals.items())),
        "seconds": round(elapsed, 2),
        "persons_per_second": round(persons / elapsed),
        "events_per_second": round(events_count / elapsed),
        "peak_rss_mib_per_worker": {
            str(name): round(mib, 1) for name, mib in sorted(sampled.items())
        },
        "first_partition_equals_client_result": same_partition,
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def local_cluster(workers: int, memory_limit: str) -> LocalCluster:
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
        # One core per worker: Polars would otherwise start a thread per core in each worker.
        env={"POLARS_MAX_THREADS": "1"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--partitions", type=int, default=40)
    parser.add_argument("--table", choices=("decisions", "duties", "outcomes"), default="decisions")
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 2], help="LocalCluster sizes to run"
    )
    parser.add_argument("--memory-limit", default="6GiB", help="per LocalCluster worker")
    parser.add_argument(
        "--scheduler", help="an existing cluster's scheduler address (tcp://host:8786)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    report: dict[str, Any] = {
        **header("bench_dask.py", dask=dask.__version__),
        "ruleset": RULESET,
        "as_of": AS_OF.isoformat(),
        "runs": [],
    }
    if args.scheduler:
        with Client(args.scheduler) as client:
            report["scheduler"] = args.scheduler
            report["runs"].append(run_once(client, args.persons, args.partitions, args.table))
    for workers in args.workers:
        with (
            local_cluster(workers, args.memory_limit) as cluster,
            Client(cluster) as client,
        ):
            run = run_once(client, args.persons, args.partitions, args.table)
        run["cluster"] = f"LocalCluster({workers} worker processes, 1 thread each)"
        report["runs"].append(run)
        print(json.dumps(run, indent=2), flush=True)
    runs = report["runs"]
    # Sizes may be repeated (--workers 1 2 1 2): on a shared machine the fastest run of each
    # size is the one least slowed by other work, so the speed-up compares those.
    fastest = {
        size: min(r["seconds"] for r in runs if r.get("cluster") and r["workers"] == size)
        for size in set(args.workers)
    }
    report["fastest_seconds_by_workers"] = {str(k): v for k, v in sorted(fastest.items())}
    if 1 in fastest and 2 in fastest:
        report["speedup_1_to_2_workers"] = round(fastest[1] / fastest[2], 2)
    agree = len({(r["rows"], r["rows_hash"], json.dumps(r["counts"])) for r in runs}) <= 1
    report["all_runs_agree"] = agree and all(
        r["first_partition_equals_client_result"] for r in runs
    )
    report["client_peak_rss_mib"] = round(_peak_rss_mib(), 1)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    return 0 if report["all_runs_agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
