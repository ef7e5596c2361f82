"""Profile ``Engine.evaluate`` (or ``Engine.outcomes``) with cProfile on a synthetic population.

    /tmp/dev/bin/python benchmarks/profile_engine.py --persons 200000 --top 25
    /tmp/dev/bin/python benchmarks/profile_engine.py --method outcomes --backend durable

Prints the top functions by cumulative and by total (own) time, and saves the raw profile to
``benchmarks/engine.prof`` (open it with ``python -m pstats`` or snakeviz). cProfile adds
overhead to every Python call, so its seconds are larger than the benchmark's; read the shares.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import population as pop  # noqa: E402

from credit_rules import Engine, bundled  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=pop.PopulationParams.seed)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--method", choices=("evaluate", "outcomes"), default="evaluate")
    parser.add_argument("--backend", choices=("closures", "durable"), default="closures")
    parser.add_argument("--output", type=Path, default=HERE / "engine.prof")
    args = parser.parse_args()

    population = pop.build(pop.PopulationParams(persons=args.persons, seed=args.seed))
    engine = Engine(bundled("lianyungang-2007"), backend=args.backend)
    method = getattr(engine, args.method)
    warm_subjects, warm_events = pop.subset(population.subjects, population.events, 1_000)
    method(warm_subjects, warm_events, as_of=args.as_of)

    gc.collect()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    result = method(population.subjects, population.events, as_of=args.as_of)
    profiler.disable()
    elapsed = time.perf_counter() - started
    produced = (
        f"{len(result.decisions):,} decisions, {len(result.duties):,} duties"
        if args.method == "evaluate"
        else f"{len(result):,} persons with active outcomes"
    )
    print(
        f"Engine.{args.method} ({args.backend}) on {args.persons:,} persons, "
        f"{len(population.events):,} events, as of {args.as_of}: {elapsed:.2f} s under cProfile; "
        f"{produced}"
    )
    profiler.dump_stats(args.output)
    for order in ("cumulative", "tottime"):
        print(f"\n=== top {args.top} by {order} ===")
        stats = pstats.Stats(profiler)
        stats.strip_dirs().sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
