"""How much of a population's typed ``Engine.evaluate`` is CPython's garbage collector.

Until decision 23 the million result tuples and the caller's million input models were all
tracked by the cyclic collector, and each full collection visited every one of them (two
fifths of the columnar ``evaluate``). Results are now structs the collector does not track;
this script keeps measuring what is left, and what a caller's own choice would change: the
collector left as it is, the inputs frozen after loading (``gc.freeze()``, which CPython's
documentation suggests for long-lived data), and the collector off during the call. The
library itself does not touch ``gc`` during an evaluation (it is the whole process's setting,
not one call's). Each mode and backend runs in a fresh process on the generated Lianyungang
population (``population.py``) and its result is checked against the others by the number
of decisions.

    .venv/bin/python benchmarks/bench_gc.py [--persons 1000000]

Writes ``benchmarks/gc-results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("default", "inputs frozen", "collector off")

CHILD = """
import gc, json, sys, time, datetime as dt
sys.path.insert(0, {here!r})
from population import PopulationParams, build
from handwritten import active_outcomes
from credit_rules import Engine, bundled
mode, backend, persons = {mode!r}, {backend!r}, {persons!r}
population = build(PopulationParams(persons=persons))
as_of = dt.date(2026, 6, 30)
engine = Engine(bundled("lianyungang-2007"), backend=backend)
engine.evaluate(population.subjects, population.events[:3000], as_of=as_of)
started = time.perf_counter()
active_outcomes(population.events, as_of)
hand = time.perf_counter() - started
if mode == "inputs frozen":
    gc.collect()
    gc.freeze()
if mode == "collector off":
    gc.disable()
before = [s["collections"] for s in gc.get_stats()]
started, cpu = time.perf_counter(), time.process_time()
evaluation = engine.evaluate(population.subjects, population.events, as_of=as_of)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
after = [s["collections"] for s in gc.get_stats()]
print(json.dumps({{"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
    "handwritten_seconds": round(hand, 3), "decisions": len(evaluation.decisions),
    "collections_by_generation": [a - b for a, b in zip(after, before)]}}))
"""


def run(mode: str, backend: str, persons: int) -> dict[str, Any]:
    code = CHILD.format(here=str(HERE), mode=mode, backend=backend, persons=persons)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=HERE / "gc-results.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    for backend in ("columnar", "closures"):
        for mode in MODES:
            found = run(mode, backend, args.persons)
            found["x_handwritten"] = round(found["seconds"] / found["handwritten_seconds"], 2)
            results[f"{backend}, {mode}"] = found
            print(
                f"{backend:9} {mode:14} evaluate {found['seconds']:7.2f} s "
                f"({found['x_handwritten']:5.2f}x the hand-written function, "
                f"{found['handwritten_seconds']:.3f} s); full collections "
                f"{found['collections_by_generation'][2]}",
                flush=True,
            )
    agree = len({row["decisions"] for row in results.values()}) == 1
    load_after = os.getloadavg()
    report = {
        "benchmark": "bench_gc.py",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "persons": args.persons,
        "results": results,
        "all_modes_agree": agree,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"every mode gave the same decisions: {agree}; wrote {args.output}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
