"""Where ``ColumnarEngine.evaluate`` spends its time, stage by stage, beside the hand-written
query, in one process.

``bench_columnar.py`` gives the whole evaluation against ``handwritten_outcomes``; this script
splits it (issue 11). On the generated Lianyungang population (``population.py``, 1,000,000
persons by default) validated once (``engine.read``), it runs the hand-written query and
``evaluate`` alternately, ``--repeat`` times each, and times each stage of every evaluation
by wrapping the method that does it: what is known (``History.known``), the registers'
records, the pieces of each trigger kind, precedence (``resolve``), the deadlines and the
result tables. Wall time (``perf_counter``) and CPU time (``process_time``) are both kept:
the machine is shared, and CPU time moves less with the load of other work. The best and the
median of each are printed, with the load average before and after.

    .venv/bin/python benchmarks/bench_columnar_stages.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_columnar import AS_OF, handwritten_outcomes, header
from population import PopulationParams, generate

import credit_rules.columnar.backend as backend
from credit_rules import bundled
from credit_rules.columnar import ColumnarEngine


class Stages:
    """Wall and CPU seconds by stage, summed over the calls of one evaluation."""

    def __init__(self) -> None:
        self.current: dict[str, list[float]] = {}
        self.runs: dict[str, list[tuple[float, float]]] = {}

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        """Time every call of ``owner.name`` as part of ``stage``."""
        inner: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent = self.current.setdefault(stage, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += time.process_time() - cpu

        setattr(owner, name, timed)

    def measure(self, stage: str, call: Callable[[], Any]) -> Any:
        """Run ``call`` as ``stage``; the stages timed inside it are kept beside it."""
        self.current = {}
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        self.current[stage] = [time.perf_counter() - wall, time.process_time() - cpu]
        for name, (wall_s, cpu_s) in self.current.items():
            self.runs.setdefault(name, []).append((wall_s, cpu_s))
        return result

    def summary(self) -> dict[str, dict[str, float]]:
        found = {}
        for name, runs in self.runs.items():
            walls = [w * 1000 for w, _ in runs]
            cpus = [c * 1000 for _, c in runs]
            found[name] = {
                "wall_best_ms": round(min(walls), 1),
                "wall_median_ms": round(statistics.median(walls), 1),
                "cpu_best_ms": round(min(cpus), 1),
                "cpu_median_ms": round(statistics.median(cpus), 1),
            }
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    raw = generate(PopulationParams(persons=args.persons))
    events = pl.DataFrame(raw.events, infer_schema_length=None)
    engine = ColumnarEngine(bundled("lianyungang-2007"))
    inputs = engine.read(events)
    stages = Stages()
    history: Any = engine._history
    stages.wrap(history, "known", "known events")
    stages.wrap(history, "records", "registers")
    stages.wrap(engine, "_pieces", "pieces")
    stages.wrap(backend, "resolve", "precedence")
    stages.wrap(engine, "_deadlines", "deadlines")
    stages.wrap(engine, "_results", "result tables")
    report = {**header("bench_columnar_stages.py"), "persons": args.persons}
    for _ in range(args.repeat):
        stages.measure("handwritten_outcomes", lambda: handwritten_outcomes(events, AS_OF))
        stages.measure("evaluate", lambda: engine.evaluate(inputs, as_of=AS_OF))
    report["events"] = events.height
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["stages"] = stages.summary()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
