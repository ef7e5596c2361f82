"""One subject with a long history: how an evaluation's time grows with the subject's events.

Issue 10, item 9: a subject's evaluation must cost O(n log n) in its n events, 10,000 events in
at most 1 s. The histories are `credit_rules.testing.histories` (deterministic, procedure by
procedure); Ganzhou's reach the 2060s, so the engine counts on a calendar built to 2100. Prints
a table and writes `benchmarks/long-history-results.json`. The work itself (assessments, facts,
events looked at) is held linear by tests/test_engine_complexity.py; this script gives times.

    .venv/bin/python benchmarks/bench_long_history.py [--sizes 100 1000 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from credit_rules import Engine, bundled
from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.walk import Counter
from credit_rules.testing.histories import ganzhou_history, lianyungang_history

HERE = Path(__file__).resolve().parent
CASES = (
    ("lianyungang-2007", lianyungang_history, {"id": "p1", "kind": "insured_person"}),
    ("ganzhou-2023", ganzhou_history, {"id": "m1", "kind": "medical_institution"}),
)


def best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "long-history-results.json")
    args = parser.parse_args()
    calendar = WorkingCalendar(last_year=2100)
    load = os.getloadavg()[0]
    rows = []
    print(
        f"{'ruleset':18} {'events':>7} {'evaluate s':>11} {'outcomes s':>11} "
        f"{'JSON s':>8} {'assessments':>12} {'results':>8}"
    )
    for ruleset, make, subject in CASES:
        engine = Engine(bundled(ruleset), calendar=calendar)
        for n in args.sizes:
            events = make(n)
            as_of: dt.date = max(event["date"] for event in events)
            counter = Counter()
            result = engine.evaluate([subject], events, as_of=as_of, counter=counter)
            evaluate = best(
                functools.partial(engine.evaluate, [subject], events, as_of=as_of), args.repeat
            )
            outcomes = best(
                functools.partial(engine.outcomes, [subject], events, as_of=as_of), args.repeat
            )
            # The contract's text as a service sends it (Evaluation.model_dump_json's writer).
            dumped = best(result.model_dump_json, args.repeat)
            count = len(result.decisions) + len(result.duties) + len(result.deadlines)
            rows.append(
                {
                    "ruleset": ruleset,
                    "events": n,
                    "evaluate_seconds": round(evaluate, 4),
                    "outcomes_seconds": round(outcomes, 4),
                    "json_seconds": round(dumped, 4),
                    "assessments": counter.assessments,
                    "facts": counter.facts,
                    "inspected": counter.inspected,
                    "results": count,
                }
            )
            print(
                f"{ruleset:18} {n:>7,} {evaluate:>11.4f} {outcomes:>11.4f} {dumped:>8.4f} "
                f"{counter.assessments:>12,} {count:>8,}"
            )
    report = {
        "benchmark": "one subject, long history",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_at_start": round(load, 2),
        },
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": rows,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"load average at start {load:.2f}; wrote {args.output}")


if __name__ == "__main__":
    main()
