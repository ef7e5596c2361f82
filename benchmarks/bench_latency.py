"""Latency of one small request: one insured person with two records, given as dicts.

Issue 10, item 9: `outcomes` within 20 µs at the median and `evaluate` within 30 µs, measured
per call from plain dicts, as a web service receives them. Prints p50 and p99 of each and writes
`benchmarks/latency-results.json`.

    .venv/bin/python benchmarks/bench_latency.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from credit_rules import Engine, bundled

HERE = Path(__file__).resolve().parent
SUBJECTS = [{"id": "p2", "kind": "insured_person"}]
EVENTS = [
    {
        "type": "dishonesty_entered",
        "subject": "p2",
        "record": "r1",
        "category": "lend_certificate",
        "date": "2008-03-10",
    },
    {
        "type": "dishonesty_entered",
        "subject": "p2",
        "record": "r2",
        "category": "resell_drugs",
        "date": "2009-05-20",
    },
]
AS_OF = dt.date(2009, 6, 1)


def percentiles(fn: Any, calls: int) -> dict[str, float]:
    for _ in range(min(1000, calls)):
        fn()  # warm caches and code paths
    samples = []
    gc.collect()
    clock = time.perf_counter_ns
    for _ in range(calls):
        started = clock()
        fn()
        samples.append(clock() - started)
    samples.sort()
    return {
        "p50_us": round(samples[len(samples) // 2] / 1000, 2),
        "p99_us": round(samples[int(len(samples) * 0.99)] / 1000, 2),
        "mean_us": round(statistics.fmean(samples) / 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--output", type=Path, default=HERE / "latency-results.json")
    args = parser.parse_args()
    engine = Engine(bundled("lianyungang-2007"))
    load = os.getloadavg()[0]
    found = {
        "outcomes": percentiles(lambda: engine.outcomes(SUBJECTS, EVENTS, as_of=AS_OF), args.calls),
        "evaluate": percentiles(lambda: engine.evaluate(SUBJECTS, EVENTS, as_of=AS_OF), args.calls),
        "evaluate + JSON": percentiles(
            lambda: engine.evaluate(SUBJECTS, EVENTS, as_of=AS_OF).model_dump_json(),
            args.calls,
        ),
    }
    for name, row in found.items():
        print(f"{name:16} p50 {row['p50_us']:8.2f} µs   p99 {row['p99_us']:8.2f} µs")
    report = {
        "benchmark": "latency, one person with two records, from dicts",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_at_start": round(load, 2),
        },
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "calls": args.calls,
        "results": found,
    }
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"load average at start {load:.2f}; wrote {args.output}")


if __name__ == "__main__":
    main()
