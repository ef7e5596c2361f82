"""Baseline benchmark: the whole Lianyungang population evaluated as of one date, in one run.

1. Builds the synthetic population (``population.py``). Construction is timed apart: it is input
   preparation, not evaluation.
2. Times, on the same typed input and the same ``as_of``:
   - the hand-written plain-Python function (``handwritten.py``): the yardstick;
   - ``Engine(bundled("lianyungang-2007")).evaluate(subjects, events, as_of=...)`` on the
     default ``closures`` backend, over the whole population: the full result, with every
     decision since 2007, its reasons and citations;
   - the same evaluation written as the JSON contract, reasons included: as one text
     (``model_dump_json``), and streamed as UTF-8 bytes (``write_json`` into the null device),
     the way a population's document is sent on without holding gigabytes of text at once;
   - ``Engine.outcomes(...)`` where the engine has it: the same question the hand-written
     function answers (what is active on ``as_of``), without explanations;
   - the same on the ``durable`` backend, if ``credit_rules.engine.durable`` imports, on the
     first ``--durable-persons`` persons (default 0: the whole population). On a subset the
     hand-written function is timed again on that subset, so each ratio compares like with like;
   - the same on the ``columnar`` backend (``Engine(..., backend="columnar")``: the Polars
     plans behind the typed API, same models in, same ``Evaluation`` out), if polars imports.
3. Checks that every engine run gives, for every person, exactly the hand-written set of active
   outcomes; on the first difference it prints that person's events and the engine's decisions
   and exits 1.
4. Measures memory in a separate, untimed pass: the peak resident set size during each call
   (Linux ``VmHWM``, the high-water mark ``getrusage().ru_maxrss`` reports, reset before the
   call through ``/proc/self/clear_refs``) and its rise above the resident set before the call.
   ``--tracemalloc`` adds tracemalloc's peak (slow: about 20 minutes for 1,000,000 persons).
5. Prints a table and writes ``benchmarks/results.json``.

    /tmp/dev/bin/python benchmarks/bench_engine.py                   # 1,000,000 persons
    /tmp/dev/bin/python benchmarks/bench_engine.py --persons 100000 --skip-durable
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import hashlib
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import handwritten  # noqa: E402
import population as pop  # noqa: E402

from credit_rules import Engine, Evaluation, bundled  # noqa: E402
from credit_rules.model.events import Event  # noqa: E402
from credit_rules.model.subjects import InsuredPerson  # noqa: E402

RULESET = "lianyungang-2007"
DEFAULT_AS_OF = dt.date(2026, 6, 30)
MIB = 1024 * 1024

Active = dict[str, frozenset[str]]


# -- measuring ----------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """Run ``fn`` ``repeat`` times after a full collection each time; the last result and
    every wall-clock time. The garbage collector stays enabled: its cost is part of the work."""
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeat):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return result, seconds


def traced_peak(fn: Callable[[], Any]) -> float:
    """Peak of memory allocated by Python while ``fn`` runs, inputs excluded (tracemalloc), MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    gc.collect()
    return peak / MIB


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(name: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def _trim_heap() -> None:
    """Hand freed C heap back to the OS (glibc), so that an earlier run's freed memory does not
    hide the next call's growth."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_peak(fn: Callable[[], Any]) -> dict[str, float] | None:
    """Peak resident set size of the process while ``fn`` runs, and how far it rose above the
    resident set just before the call, MiB. Linux only (None elsewhere): writing 5 to
    /proc/self/clear_refs resets the high-water mark VmHWM, which ru_maxrss also reports, so
    this is getrusage's maxrss confined to one call, at no cost to the call itself."""
    gc.collect()
    _trim_heap()
    try:
        _CLEAR_REFS.write_text("5")
        before = _status_kib("VmRSS")
    except (OSError, KeyError):
        return None
    result = fn()
    peak = _status_kib("VmHWM")
    del result
    gc.collect()
    return {
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_before_mib": round(before / 1024, 1),
        "peak_rss_increase_mib": round((peak - before) / 1024, 1),
    }


def maxrss_mib() -> float:
    """The process's peak resident set size so far (getrusage ru_maxrss, KiB on Linux), MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- outcomes and the correctness check ---------------------------------------------------


def evaluation_active(evaluation: Evaluation) -> Active:
    found: dict[str, set[str]] = {}
    for decision in evaluation.decisions:
        if decision.active:
            found.setdefault(decision.subject, set()).add(decision.outcome)
    return {subject: frozenset(names) for subject, names in found.items()}


def streamed(evaluation: Evaluation) -> Evaluation:
    """``evaluation`` written as the JSON contract, reasons included, the way a service or a
    nightly job sends a population's document on: :meth:`Evaluation.write_json` piece by piece,
    as UTF-8 bytes into a file opened ``"wb"`` (the null device, so that no disk is timed).
    The document is never held whole: a million persons' runs to gigabytes, whose fresh memory
    alone costs seconds on a virtual machine (``model_dump_json``'s run pays it)."""
    with open(os.devnull, "wb", buffering=1 << 20) as sink:
        evaluation.write_json(sink)
    return evaluation


def json_active(text: str) -> Active:
    """The active outcomes of the contract's JSON (its decisions' structured fields)."""
    found: dict[str, set[str]] = {}
    for decision in json.loads(text)["decisions"]:
        if decision["active"]:
            found.setdefault(decision["subject"], set()).add(decision["outcome"])
    return {subject: frozenset(names) for subject, names in found.items()}


def outcomes_active(result: dict[str, frozenset[str]]) -> Active:
    return {subject: frozenset(names) for subject, names in result.items() if names}


def differing(expected: Active, got: Active) -> list[str]:
    return sorted(
        s
        for s in expected.keys() | got.keys()
        if expected.get(s, frozenset()) != got.get(s, frozenset())
    )


def report_difference(
    label: str,
    subject: str,
    expected: Active,
    got: Active,
    events: Sequence[Event],
    explain: Callable[[str], list[str]] | None,
) -> None:
    err = sys.stderr
    print(f"\nCORRECTNESS FAILURE ({label}): person {subject}", file=err)
    print(f"  hand-written: {sorted(expected.get(subject, ()))}", file=err)
    print(f"  engine:       {sorted(got.get(subject, ()))}", file=err)
    print("  events:", file=err)
    for event in events:
        if event.subject == subject:
            print(f"    {event.model_dump(mode='json')}", file=err)
    if explain is not None:
        print("  engine decisions:", file=err)
        for line in explain(subject):
            print(f"    {line}", file=err)


def decisions_of(evaluation: Evaluation) -> Callable[[str], list[str]]:
    def explain(subject: str) -> list[str]:
        return [
            f"{d.outcome} {d.from_}..{d.until} active={d.active} rule={d.rule}"
            for d in evaluation.decisions
            if d.subject == subject
        ]

    return explain


def outcome_counts(active: Active) -> dict[str, int]:
    counts: dict[str, int] = {}
    for names in active.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


# -- machine ------------------------------------------------------------------------------


def src_digest() -> str:
    """sha256 over the package's source files as imported at the start of the run (others edit
    src/ concurrently, so the commit alone does not say what was measured)."""
    import credit_rules

    root = Path(credit_rules.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }
    for module in ("pydantic", "pydantic_core"):
        with contextlib.suppress(Exception):
            info[module] = importlib.import_module(module).__version__
    info["loadavg_1_5_15_at_start"] = [round(x, 2) for x in os.getloadavg()]
    info["src_digest_at_start"] = src_digest()
    root = HERE.parent
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["git_commit_at_start"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["src_differs_from_commit"] = bool(changed)
    return info


# -- what is measured ---------------------------------------------------------------------


@dataclass
class Workload:
    """Subjects and events one set of runs shares, with the hand-written answer for them."""

    name: str
    subjects: list[InsuredPerson]
    events: list[Event]
    expected: Active = field(default_factory=dict)
    hand_seconds: float = 0.0


@dataclass
class Run:
    name: str
    backend: str  # "closures", "durable", "columnar" or "" for the hand-written function
    workload: Workload
    call: Callable[[], Any]
    active: Callable[[Any], Active] | None  # None: the hand-written function itself
    explain: Callable[[Any], Callable[[str], list[str]]] | None = None
    row: dict[str, Any] = field(default_factory=dict)


def durable_engine(ruleset: Any) -> tuple[Engine | None, str]:
    """An engine on the durable backend, or None and why not."""
    try:
        importlib.import_module("credit_rules.engine.durable")
    except ImportError as error:
        return None, f"credit_rules.engine.durable does not import ({error})"
    try:
        return Engine(ruleset, backend="durable"), "available"
    except Exception as error:
        return None, f"Engine(backend='durable') failed: {type(error).__name__}: {error}"


def columnar_engine(ruleset: Any) -> tuple[Engine | None, str]:
    """An engine on the columnar backend, or None and why not."""
    try:
        return Engine(ruleset, backend="columnar"), "available"
    except ImportError as error:
        return None, f"Engine(backend='columnar') needs polars ({error})"


def engine_runs(engine: Engine, backend: str, work: Workload, as_of: dt.date) -> list[Run]:
    """``evaluate`` on ``work``, and ``outcomes`` where the engine has it."""
    runs = [
        Run(
            f"engine {backend} .evaluate()",
            backend,
            work,
            lambda: engine.evaluate(work.subjects, work.events, as_of=as_of),
            evaluation_active,
            decisions_of,
        )
    ]
    runs.append(
        Run(
            f"engine {backend} .evaluate() + JSON",
            backend,
            work,
            # The JSON contract as text, reasons included: what a service sends on.
            lambda: engine.evaluate(work.subjects, work.events, as_of=as_of).model_dump_json(),
            json_active,
        )
    )
    runs.append(
        Run(
            f"engine {backend} .evaluate() + JSON streamed",
            backend,
            work,
            lambda: streamed(engine.evaluate(work.subjects, work.events, as_of=as_of)),
            evaluation_active,
        )
    )
    if hasattr(engine, "outcomes"):
        runs.append(
            Run(
                f"engine {backend} .outcomes()",
                backend,
                work,
                lambda: engine.outcomes(work.subjects, work.events, as_of=as_of),
                outcomes_active,
            )
        )
    return runs


def hand_run(work: Workload, as_of: dt.date, label: str = "hand-written") -> Run:
    return Run(
        label, "", work, lambda: handwritten.active_outcomes(work.events, as_of), active=None
    )


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'run':46} {'persons':>10} {'seconds':>9} {'subjects/s':>11} {'x hand':>7} "
        f"{'peak RSS MiB*':>13} {'(+MiB)':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row["ratio_to_handwritten"]
        peak = row.get("peak_rss_mib")
        rise = row.get("peak_rss_increase_mib")
        print(
            f"{row['name']:46} {row['persons']:>10,} {row['seconds']:>9.3f} "
            f"{row['subjects_per_second']:>11,} {f'{ratio:.2f}':>7} "
            f"{'' if peak is None else f'{peak:,.0f}':>13} "
            f"{'' if rise is None else f'(+{rise:,.0f})':>9}"
        )


# -- main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=pop.PopulationParams.persons)
    parser.add_argument("--seed", type=int, default=pop.PopulationParams.seed)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument(
        "--skip-durable", action="store_true", help="do not run the durable backend"
    )
    parser.add_argument(
        "--skip-columnar", action="store_true", help="do not run the columnar backend"
    )
    parser.add_argument(
        "--durable-persons",
        type=int,
        default=0,
        help="persons for the durable backend: the first N of the population (default 0: all)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="timed runs per engine measurement, best kept (the hand-written function, being "
        "cheap, always gets at least 3)",
    )
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory pass")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also measure tracemalloc's peak in the memory pass (slow on a large population)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    as_of: dt.date = args.as_of
    params = pop.PopulationParams(persons=args.persons, seed=args.seed)

    # Everything that loads engine code comes first, so that what was imported is what the
    # digest describes, even while others edit src/.
    started = time.perf_counter()
    ruleset = bundled(RULESET)
    engine = Engine(ruleset)
    compile_seconds = time.perf_counter() - started
    durable: dict[str, Any] = {"status": "skipped (--skip-durable)"}
    dengine: Engine | None = None
    if not args.skip_durable:
        dengine, durable["status"] = durable_engine(ruleset)
    columnar: dict[str, Any] = {"status": "skipped (--skip-columnar)"}
    cengine: Engine | None = None
    if not args.skip_columnar:
        cengine, columnar["status"] = columnar_engine(ruleset)
    info = machine()
    load = info["loadavg_1_5_15_at_start"][0]
    if load > 0.5:
        print(
            f"warning: load average {load:.2f} at start; other processes share the "
            f"{os.cpu_count()} CPUs, so times are noisy",
            flush=True,
        )

    print(f"Building {params.persons:,} persons (seed {params.seed}) ...", flush=True)
    population = pop.build(params)
    rss_after_input = maxrss_mib()
    print(
        f"  generate {population.seconds_generate:.2f} s, construct (pydantic, bulk) "
        f"{population.seconds_construct:.2f} s; {population.counts['events']:,} events",
        flush=True,
    )
    whole = Workload("population", population.subjects, population.events)
    runs = [hand_run(whole, as_of), *engine_runs(engine, "closures", whole, as_of)]
    if cengine is not None:
        runs += engine_runs(cengine, "columnar", whole, as_of)
    if dengine is not None:
        size = params.persons if args.durable_persons <= 0 else args.durable_persons
        size = min(size, params.persons)
        if size == params.persons:
            durable["persons"], durable["workload"] = size, "whole population"
            runs += engine_runs(dengine, "durable", whole, as_of)
        else:
            durable["persons"] = size
            durable["workload"] = f"first {size:,} persons of the population and their events"
            part = Workload("subset", *pop.subset(whole.subjects, whole.events, size))
            runs += [
                hand_run(part, as_of, "hand-written (subset)"),
                *(
                    Run(f"{r.name} (subset)", r.backend, r.workload, r.call, r.active, r.explain)
                    for r in engine_runs(engine, "closures", part, as_of)
                ),
                *(
                    Run(f"{r.name} (subset)", r.backend, r.workload, r.call, r.active, r.explain)
                    for r in engine_runs(dengine, "durable", part, as_of)
                ),
            ]

    # Warm every code path (imports, caches) on a small slice before timing anything.
    warm_subjects, warm_events = pop.subset(
        whole.subjects, whole.events, min(2_000, params.persons)
    )
    handwritten.active_outcomes(warm_events, as_of)
    for eng in (engine, dengine, cengine):
        if eng is not None:
            eng.evaluate(warm_subjects, warm_events, as_of=as_of)
            if hasattr(eng, "outcomes"):
                eng.outcomes(warm_subjects, warm_events, as_of=as_of)
    del warm_subjects, warm_events

    correctness: list[dict[str, Any]] = []
    engine_output: dict[str, int] = {}
    failed = False
    for run in runs:
        print(f"Timing {run.name} on {len(run.workload.subjects):,} persons ...", flush=True)
        repeat = max(3, args.repeat) if run.active is None else args.repeat
        try:
            result, seconds = timed(run.call, repeat)
        except Exception as error:
            if run.backend != "durable":
                raise
            durable["status"] = f"{run.name} failed: {type(error).__name__}: {error}"
            print(f"  {durable['status']}", flush=True)
            continue
        best = min(seconds)
        if run.active is None:
            run.workload.expected, run.workload.hand_seconds = result, best
        persons = len(run.workload.subjects)
        run.row = {
            "name": run.name,
            "backend": run.backend or "hand-written",
            "workload": run.workload.name,
            "persons": persons,
            "seconds": round(best, 4),
            "seconds_all": [round(s, 4) for s in seconds],
            "subjects_per_second": round(persons / best),
            "ratio_to_handwritten": round(best / run.workload.hand_seconds, 2),
        }
        if run.active is not None:
            got = run.active(result)
            wrong = differing(run.workload.expected, got)
            verdict: dict[str, Any] = {
                "run": run.name,
                "ok": not wrong,
                "persons_checked": persons,
                "persons_with_active_outcomes": len(got),
            }
            if wrong:
                failed = True
                verdict |= {"first_differing_person": wrong[0], "persons_differing": len(wrong)}
                report_difference(
                    run.name,
                    wrong[0],
                    run.workload.expected,
                    got,
                    run.workload.events,
                    run.explain(result) if run.explain is not None else None,
                )
            correctness.append(verdict)
            if isinstance(result, Evaluation) and run.workload is whole:
                engine_output[f"{run.backend} decisions"] = len(result.decisions)
                engine_output[f"{run.backend} duties"] = len(result.duties)
        del result
    rss_after_timing = maxrss_mib()
    timed_runs = [run for run in runs if run.row]

    memory: dict[str, Any] = {
        "peak_rss": "separate untimed pass: peak resident set size of the process during the "
        "call alone, inputs included (VmHWM reset through /proc/self/clear_refs; the measure "
        "getrusage ru_maxrss reports), and its rise above the resident set just before the call",
        "tracemalloc": "peak of Python allocations during the call alone, inputs excluded, "
        "in a further pass under tracemalloc (only with --tracemalloc)",
        "maxrss": "getrusage(RUSAGE_SELF).ru_maxrss: peak resident set of the whole process "
        "(interpreter, inputs and all), a high-water mark that only grows",
        "maxrss_mib_after_input": round(rss_after_input, 1),
        "maxrss_mib_after_timing": round(rss_after_timing, 1),
    }
    if not args.skip_memory:
        print("Measuring memory (peak RSS per call, separate pass) ...", flush=True)
        for run in timed_runs:
            found = rss_peak(run.call)
            if found is not None:
                run.row.update(found)
        if args.tracemalloc:
            print("Measuring memory (tracemalloc, separate pass; slow) ...", flush=True)
            for run in timed_runs:
                run.row["tracemalloc_peak_mib"] = round(traced_peak(run.call), 1)
    memory["maxrss_mib_final"] = round(maxrss_mib(), 1)
    if dengine is not None:
        dengine.close()
    engine.close()
    if cengine is not None:
        cengine.close()

    rows = [run.row for run in timed_runs]
    outcomes = outcome_counts(whole.expected)
    results = {
        "benchmark": "lianyungang-2007 baseline",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {**info, "loadavg_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()]},
        "as_of": as_of.isoformat(),
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
        "population": {
            **params.as_json(),
            **population.counts,
            "seconds_generate": round(population.seconds_generate, 3),
            "seconds_construct_pydantic": round(population.seconds_construct, 3),
        },
        "engine_compile_seconds": round(compile_seconds, 4),
        "runs": rows,
        "durable": durable,
        "columnar": columnar,
        "correctness": correctness,
        "active_outcomes_on_as_of": outcomes,
        "engine_output": engine_output,
        "memory": memory,
    }
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    counts = population.counts
    print()
    print(
        f"Lianyungang 2007 baseline, as of {as_of.isoformat()}  |  {info['platform']}, "
        f"{info['cpu_count']} CPUs ({info['cpu']}), Python {info['python']}, load average "
        f"{load:.2f} at start"
    )
    print(
        f"Population: {params.persons:,} persons, {counts['persons_with_records']:,} "
        f"with 1-5 records ({counts['dishonesty_entered']:,} entered, "
        f"{counts['record_corrected_removed']:,} removed, "
        f"{counts['record_corrected_amended']:,} amended), dated "
        f"{params.start}..{params.end}, seed {params.seed}"
    )
    print(
        f"Input construction (not timed below): generate {population.seconds_generate:.2f} s, "
        f"pydantic {population.seconds_construct:.2f} s; engine compile {compile_seconds:.3f} s"
    )
    print()
    print_table(rows)
    print()
    print(
        "* peak resident set of the process during the call alone (inputs included) and its rise "
        "above the resident set just before the call; separate untimed pass, VmHWM reset per "
        "call (the measure getrusage ru_maxrss reports)"
    )
    if args.tracemalloc:
        print(
            "  tracemalloc peaks, MiB: "
            + ", ".join(f"{r['name']} {r.get('tracemalloc_peak_mib', '-')}" for r in rows)
        )
    print(
        f"  process ru_maxrss: {memory['maxrss_mib_after_input']:.0f} MiB after input, "
        f"{memory['maxrss_mib_after_timing']:.0f} MiB after timing, "
        f"{memory['maxrss_mib_final']:.0f} MiB at the end"
    )
    print(
        f"Durable backend: {durable['status']}"
        + (f"; {durable['workload']}" if "workload" in durable else "")
    )
    print(f"Active on {as_of}: " + ", ".join(f"{k} {v:,}" for k, v in outcomes.items()))
    for verdict in correctness:
        state = "OK" if verdict["ok"] else f"FAILED (first: {verdict['first_differing_person']})"
        print(
            f"Correctness vs hand-written, {verdict['run']}: {state} over "
            f"{verdict['persons_checked']:,} persons"
        )
    print(f"Wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
