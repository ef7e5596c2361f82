"""What bounds `Engine.outcomes` and `Engine.evaluate` on a population, measured in one run.

Issue 10 asks `outcomes` for at most 2× the hand-written function and `evaluate` for at most 4×.
This script measures the floors under both on `population.py`'s population, beside the
hand-written function, so that the gap left can be told from the work no Python engine that
checks its input can avoid:

- **touching the events**: a loop that only reads each event's ``subject``, then ``type``,
  ``subject``, ``date`` and its class. The events are pydantic models scattered in memory, so
  most of this is the processor waiting for memory, which the hand-written function pays too.
- **the least validating pass**: one loop with exactly the checks the engine's pass makes on
  each event of this population (its class, a record entered twice, a stranger, known on the
  day) and what it keeps for the walk, with nothing else: the floor under the engine's own pass
  (``Known.gathered``), timed beside it.
- **the garbage collector in `evaluate`**: the collections during one columnar `evaluate`
  (the faster backend), by generation, with their time (``gc.callbacks``), and the same call
  with the collector off. The results are a million tuples, every one tracked by the
  collector, so each full collection visits them and the caller's population.

Prints a table and writes `benchmarks/floors-results.json`. CPU time throughout (the host is
shared; its load is recorded). 2 cores, CPython 3.11.

    .venv/bin/python benchmarks/bench_floors.py [--persons 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import handwritten
import population as pop

from credit_rules import Engine, bundled
from credit_rules.engine.inputs import Known

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2026, 6, 30)


def best(fn: Callable[[], Any], runs: int) -> float:
    """The least CPU time of ``runs`` calls, in seconds (a collection first, outside the time)."""
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def touch_subject(events: Sequence[Any]) -> None:
    for event in events:
        event.subject  # noqa: B018 - the read is what is timed


def touch_four(events: Sequence[Any]) -> None:
    for event in events:
        type(event), event.type, event.subject, event.date


def least_pass(
    events: Sequence[Any],
    classes: dict[type, str],
    given: set[str],
    floor: dict[str, dt.date],
) -> set[str]:
    """The engine's per-event checks for this population and what it keeps, nothing more."""
    alikes = array("q")
    entries = array("l")
    kept = array("l")
    kept_hashes = array("q")
    kept_subjects: list[str] = []
    chosen: set[str] = set()
    for index, event in enumerate(events):
        known_type = classes.get(type(event))
        event_type = event.type
        if known_type is None or event_type != known_type:
            raise AssertionError("an event of another vocabulary")
        subject, day = event.subject, event.date
        alikes.append(hash((event_type, subject, event.__dict__.get("record"))))
        entries.append(index)
        if subject not in given:
            raise AssertionError("a stranger")
        if day > AS_OF:
            continue
        kept.append(index)
        kept_hashes.append(hash(subject))
        kept_subjects.append(subject)
        first_day = floor.get(event_type)
        if first_day is not None and first_day <= day:
            chosen.add(subject)
    if len(set(alikes)) != len(alikes):
        raise AssertionError("a record entered twice")
    return chosen


def collections_during(fn: Callable[[], Any]) -> dict[str, Any]:
    """Collections by generation during ``fn`` and the milliseconds each generation took."""
    counts = [0, 0, 0]
    millis = [0.0, 0.0, 0.0]
    started = [0.0]

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            generation = info["generation"]
            counts[generation] += 1
            millis[generation] += (time.perf_counter() - started[0]) * 1000

    gc.collect()
    gc.callbacks.append(note)
    try:
        begun = time.process_time()
        fn()
        seconds = time.process_time() - begun
    finally:
        gc.callbacks.remove(note)
    return {
        "seconds_cpu": round(seconds, 3),
        "collections_by_generation": counts,
        "milliseconds_by_generation": [round(m) for m in millis],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "floors-results.json")
    args = parser.parse_args(argv)
    load_at_start = os.getloadavg()
    ruleset = bundled("lianyungang-2007")
    engine = Engine(ruleset)
    columnar = Engine(ruleset, backend="columnar")
    population = pop.build(pop.PopulationParams(persons=args.persons))
    subjects, events = population.subjects, population.events
    warm = pop.subset(subjects, events, 2_000)
    engine.outcomes(*warm, as_of=AS_OF)
    columnar.evaluate(*warm, as_of=AS_OF)

    door = engine._door
    kinds = door.subject_kinds(subjects)
    _, reach = engine._program.reaching(AS_OF)
    floor = dict(reach)
    classes = {type(event): event.type for event in events}
    given = {subject.id for subject in subjects}
    chosen = least_pass(events, classes, given, floor)
    engine_chosen = Known(door, AS_OF, None, reach, None).gathered(kinds, events)
    assert engine_chosen is not None and set(engine_chosen.grouped) == chosen

    runs = args.runs
    seconds = {
        "hand-written function": best(lambda: handwritten.active_outcomes(events, AS_OF), runs),
        "touch each event's subject": best(lambda: touch_subject(events), runs),
        "touch each event's class, type, subject, date": best(lambda: touch_four(events), runs),
        "the least validating pass": best(lambda: least_pass(events, classes, given, floor), runs),
        "the engine's pass and grouping (Known.gathered)": best(
            lambda: Known(door, AS_OF, None, reach, None).gathered(kinds, events), runs
        ),
        "the engine's subjects (FrontDoor.subject_kinds)": best(
            lambda: door.subject_kinds(subjects), runs
        ),
        "Engine.outcomes": best(lambda: engine.outcomes(subjects, events, as_of=AS_OF), runs),
    }
    evaluate = collections_during(lambda: columnar.evaluate(subjects, events, as_of=AS_OF))
    gc.collect()
    gc.disable()
    try:
        without = best(lambda: columnar.evaluate(subjects, events, as_of=AS_OF), 1)
    finally:
        gc.enable()
    hand = seconds["hand-written function"]
    print(f"{args.persons:,} persons, {len(events):,} events; CPU seconds, best of {runs}")
    for name, value in seconds.items():
        print(f"  {name:<50} {value:7.3f} s  {value / hand:5.2f}×")
    print(
        f"  columnar evaluate, collector on: {evaluate['seconds_cpu']:.3f} s "
        f"({evaluate['seconds_cpu'] / hand:.2f}×); collections by generation "
        f"{evaluate['collections_by_generation']}, ms {evaluate['milliseconds_by_generation']}"
    )
    print(f"  columnar evaluate, collector off: {without:.3f} s ({without / hand:.2f}×)")
    result = {
        "benchmark": "floors under outcomes and evaluate on a population",
        "persons": args.persons,
        "events": len(events),
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_5_15_at_start": [round(x, 2) for x in load_at_start],
            "loadavg_1_at_end": round(os.getloadavg()[0], 2),
        },
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds_cpu_best": {name: round(value, 3) for name, value in seconds.items()},
        "columnar_evaluate_collector_on": evaluate,
        "columnar_evaluate_collector_off_seconds_cpu": round(without, 3),
    }
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
