"""Benchmark: what a fresh process pays before its first answer.

Run with ``python benchmarks/bench_import.py``. A web service or a CLI call starts a new
interpreter, so what matters is the first ``import credit_rules``, the first bundled ruleset and
the first evaluation, each in a process that has imported nothing else. Every run is a fresh
subprocess (``-I``-free, so the installed package is the one imported); each stage is timed
inside it with ``time.perf_counter`` and the best of ``--repeats`` runs (5 by default) is kept
for each figure. Stages, cumulative within one process:

- ``import``: ``import credit_rules``;
- ``bundled``: then ``credit_rules.bundled("lianyungang-2007")``;
- ``first_evaluate``: then ``Engine(ruleset).evaluate(...)`` on one subject with one record, the
  README example, which pulls in whatever the engine imports lazily.

``interpreter`` is a process running ``pass``, the floor that no change here can lower. The run
also records which heavy optional packages (``hypothesis``, ``rich``) the import loaded, which
must be none. Results go to ``benchmarks/import-results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("import-results.json")
RULESET = "lianyungang-2007"

# Runs in the child. It prints one JSON line; nothing in it may import credit_rules early.
CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import credit_rules
t1 = time.perf_counter()
loaded_by_import = sorted({{m.split(".")[0] for m in sys.modules}} & {{"hypothesis", "rich"}})
modules_after_import = len(sys.modules)
ruleset = credit_rules.bundled({RULESET!r})
t2 = time.perf_counter()
import datetime as dt
with credit_rules.Engine(ruleset) as engine:
    engine.evaluate(
        [{{"id": "p1", "kind": "insured_person"}}],
        [{{"type": "dishonesty_entered", "subject": "p1", "record": "r1",
          "category": "lend_certificate", "date": "2008-03-10"}}],
        as_of=dt.date(2008, 3, 10),
    )
t3 = time.perf_counter()
print(json.dumps({{
    "import": t1 - t0, "bundled": t2 - t1, "first_evaluate": t3 - t2,
    "loaded_by_import": loaded_by_import, "modules_after_import": modules_after_import,
}}))
"""


def run_child(python: str) -> dict[str, Any]:
    started = time.perf_counter()
    out = subprocess.run([python, "-c", CHILD], capture_output=True, text=True, check=True).stdout
    measured: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    measured["process"] = time.perf_counter() - started
    return measured


def interpreter_floor(python: str) -> float:
    started = time.perf_counter()
    subprocess.run([python, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    load = [round(x, 2) for x in os.getloadavg()]

    floor = min(interpreter_floor(args.python) for _ in range(args.repeats))
    runs = [run_child(args.python) for _ in range(args.repeats)]
    best = {
        stage: min(run[stage] for run in runs)
        for stage in ("import", "bundled", "first_evaluate", "process")
    }
    best["import_plus_bundled"] = min(run["import"] + run["bundled"] for run in runs)
    result: dict[str, Any] = {
        "benchmark": f"fresh process: import credit_rules, bundled({RULESET!r}), first evaluate",
        "timing": f"best of {args.repeats} fresh subprocesses per figure",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            # Other processes share this machine; a high load makes every figure slower alike.
            "load_average_1_5_15_min_at_start": load,
        },
        "seconds": {"interpreter": round(floor, 4)}
        | {stage: round(value, 4) for stage, value in best.items()},
        "loaded_by_import": sorted({name for run in runs for name in run["loaded_by_import"]}),
        "modules_after_import": min(run["modules_after_import"] for run in runs),
    }
    seconds = result["seconds"]
    print(result["benchmark"], f"({result['timing']}, load {load[0]})")
    for name in ("interpreter", "import", "bundled", "import_plus_bundled", "first_evaluate"):
        print(f"  {name:<20} {seconds[name] * 1000:8.1f} ms")
    print(f"  {'whole process':<20} {seconds['process'] * 1000:8.1f} ms")
    print(f"  modules after import: {result['modules_after_import']}")
    print(f"  optional packages loaded by the import: {result['loaded_by_import'] or 'none'}")
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
