"""The columnar backend on a whole population, beside a hand-written Polars query, in one run.

1. Generates the synthetic Lianyungang population (``population.py``; default 1,000,000
   persons, about 461,000 events) and writes its events to one Parquet file.
2. Times, on the same input and ``as_of`` (the best of ``--repeat`` runs each, default 5;
   every run is kept in the results):
   - ``handwritten_outcomes``: a Polars query a bureau's engineer could write for what applies
     on ``as_of``, with ``handwritten.py``'s semantics (the yardstick);
   - ``ColumnarEngine.outcomes`` on the events frame, validation included, and on input
     validated once (``engine.read``);
   - ``ColumnarEngine.evaluate``: the full decisions and duties tables since 2007, with trigger
     and fact columns, in one piece (on input evaluated before, which keeps its events in
     order, and on input read afresh, untimed, before each run) and in ranges of subjects
     (``partitions.in_parts``, what ``credit-rules batch`` does);
   - end to end in a fresh process: ``credit-rules batch`` from the Parquet file to a Parquet
     file of the outcomes, then of the decisions, each with its peak resident set size;
   - interleaved (``--pairs``, default 15): the query, ``outcomes`` with validation and the
     full tables on validated input, one after the other in each round, so that all three
     meet the host in the same state; the fastest and median time of each, and the median
     of the rounds' own ratios. The best-of figures above take each variant's luckiest run
     apart, and on this shared host a ratio of minima moves with either side's luck.
3. Checks that the hand-written query, the columnar backend and (unless ``--skip-engine``) the
   per-subject ``Engine.outcomes`` give the same outcomes for every person, and that the
   columnar outcomes equal the active rows of its decisions table; exits 1 on a difference.
4. Writes ``benchmarks/columnar-results.json`` with the machine's load average (keeping the
   ``"ganzhou"`` figures of ``bench_columnar_ganzhou.py``).

    .venv/bin/python benchmarks/bench_columnar.py                      # 1,000,000 persons
    .venv/bin/python benchmarks/bench_columnar.py --persons 100000 --skip-engine
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import PopulationParams, build, generate

from credit_rules import Engine, bundled
from credit_rules.columnar import ColumnarEngine
from credit_rules.columnar.partitions import in_parts

AS_OF = dt.date(2026, 6, 30)
RESULTS = Path(__file__).resolve().parent / "columnar-results.json"


def handwritten_outcomes(events: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """What applies on ``as_of`` (subject, outcome), written directly in Polars with the
    semantics stated in ``handwritten.py``: records removed by ``as_of`` neither trigger nor
    count; an entry's tier is the records valid on its day (5 years, Civil Code); tier 2 gives
    cash settlement and the audit flag, tier 3+ time-limited reimbursement and the flag, for a
    year from the entry; tier 1 a warning on the entry's day only; the most severe wins."""
    known = events.lazy().filter(pl.col("date") <= as_of)
    removed = known.filter(
        (pl.col("type") == "record_corrected") & (pl.col("action") == "removed")
    ).select("subject", "record")
    entries = (
        known.filter(pl.col("type") == "dishonesty_entered")
        .join(removed, on=["subject", "record"], how="anti")
        .select("subject", "record", "date")
    )
    covering = entries.filter(pl.col("date").dt.offset_by("1y") >= as_of)
    tiers = (
        covering.join(entries, on="subject", suffix="_r")
        .filter(
            (pl.col("date_r") <= pl.col("date"))
            & (pl.col("date_r").dt.offset_by("5y") >= pl.col("date"))
        )
        .group_by("subject", "record", "date")
        .agg(pl.len().alias("tier"))
    )
    best = tiers.group_by("subject").agg(
        pl.col("tier").filter(pl.col("tier") >= 2).max().alias("high"),
        ((pl.col("tier") == 1) & (pl.col("date") == as_of)).any().alias("warned"),
    )
    ladder = (
        pl.when(pl.col("high") >= 3)
        .then(pl.lit(["time_limited_reimbursement", "audit_flag"]))
        .when(pl.col("high") == 2)
        .then(pl.lit(["cash_settlement", "audit_flag"]))
        .when(pl.col("warned"))
        .then(pl.lit(["written_warning"]))
    )
    return (
        best.select("subject", ladder.alias("outcome"))
        .explode("outcome")
        .drop_nulls()
        .sort("subject", "outcome")
        .collect()
    )


def header(benchmark: str, **versions: str) -> dict[str, Any]:
    """What every results file starts with: the script, when, and the machine with its load
    (the machine is shared, so a number means little without the load beside it)."""
    return {
        "benchmark": benchmark,
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "polars": pl.__version__,
            **versions,
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
    }


#: Every timed run, by what was timed, written to the results beside the best.
EVERY_RUN: dict[str, list[float]] = {}


def interleaved(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, Any]:
    """Each of ``calls`` once per round, in order, ``rounds`` times: the fastest and the
    median time of each, the median over the rounds of each call's time over the first
    call's (the yardstick) in the same round, and every round's times."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    yardstick = next(iter(calls))
    return {
        "rounds": rounds,
        "seconds_best": {name: round(min(found), 4) for name, found in times.items()},
        "seconds_median": {
            name: round(statistics.median(found), 4) for name, found in times.items()
        },
        "median_ratio_in_round": {
            name: round(
                statistics.median(t / y for t, y in zip(found, times[yardstick], strict=True)), 2
            )
            for name, found in times.items()
            if name != yardstick
        },
        "seconds_every_round": {
            name: [round(x, 4) for x in found] for name, found in times.items()
        },
    }


def timed(
    name: str,
    call: Callable[[Any], Any],
    repeat: int,
    prepare: Callable[[], Any] = lambda: None,
) -> tuple[float, Any]:
    """The best of ``repeat`` runs: on a machine shared with other work, the run least
    slowed by it is the closest to the code's own cost (all runs are kept too). ``call``
    is given what ``prepare`` makes before each run, untimed."""
    times = []
    result = None
    for _ in range(repeat):
        prepared = prepare()
        started = time.perf_counter()
        result = call(prepared)
        times.append(time.perf_counter() - started)
    EVERY_RUN[name] = [round(t, 4) for t in times]
    return min(times), result


def by_subject(table: pl.DataFrame) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for subject, outcome in table.select("subject", "outcome").iter_rows():
        found.setdefault(subject, set()).add(outcome)
    return {s: frozenset(o) for s, o in found.items()}


#: Runs a command and reports its wall time and peak RSS. The peak must come from a small
#: parent: Linux carries a process's peak RSS across fork and exec, so a child started from
#: this benchmark (which holds the population) would report this process's size as its own.
_LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
print(json.dumps({"seconds": time.perf_counter() - started, "code": done.returncode,
    "stdout": done.stdout, "stderr": done.stderr,
    "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "cpu": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime}))
"""


def end_to_end(events: Path, out: Path, table: str) -> dict[str, Any]:
    """``credit-rules batch`` in a fresh process: wall time (the interpreter's start and
    imports included), the command's own time from its summary line, and its peak RSS."""
    command = [
        sys.executable, "-m", "credit_rules.cli.main", "batch", "lianyungang-2007",
        "--events", str(events), "--as-of", AS_OF.isoformat(), "-o", str(out),
        "--table", table,
    ]  # fmt: skip
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    done = json.loads(launched.stdout)
    if done["code"] != 0:
        raise SystemExit(f"credit-rules batch failed: {done['stderr']}")
    own = re.search(r"events in ([0-9.]+) s", done["stdout"])
    return {
        "table": table,
        "seconds_wall_fresh_process": round(done["seconds"], 3),
        "seconds_reported_by_the_command": float(own.group(1)) if own else None,
        # CPU time moves less with the load of a shared machine than wall time does.
        "cpu_seconds_fresh_process": round(done["cpu"], 3),
        "peak_rss_mib": round(done["peak_kib"] / 1024, 1),
        "rows_written": pl.read_parquet(out).height,
        "summary": done["stdout"].strip(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--pairs", type=int, default=15, help="interleaved rounds")
    args = parser.parse_args()

    params = PopulationParams(persons=args.persons)
    raw = generate(params)
    events = pl.DataFrame(raw.events, infer_schema_length=None)
    ruleset = bundled("lianyungang-2007")
    engine = ColumnarEngine(ruleset)
    report: dict[str, Any] = {
        **header("bench_columnar.py"),
        "as_of": AS_OF.isoformat(),
        "population": {**params.as_json(), **raw.counts},
        "repeat": args.repeat,
    }
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "events.parquet"
        events.write_parquet(source)
        hand_s, hand = timed(
            "handwritten_polars_outcomes",
            lambda _: handwritten_outcomes(events, AS_OF),
            args.repeat,
        )
        outcomes_s, outcomes = timed(
            "columnar_outcomes_with_validation",
            lambda _: engine.outcomes(events, as_of=AS_OF),
            args.repeat,
        )
        inputs = engine.read(events)
        read_s, _ = timed("columnar_validation_alone", lambda _: engine.read(events), args.repeat)
        validated_s, _ = timed(
            "columnar_outcomes_on_validated_input",
            lambda _: engine.outcomes(inputs, as_of=AS_OF),
            args.repeat,
        )
        # Input read once keeps its events in the canonical order (Inputs.in_order): the
        # first evaluation of an input sorts them, the next ones do not. Both are timed.
        first_s, _ = timed(
            "columnar_full_decisions_and_duties_first_on_its_input",
            lambda fresh: engine.evaluate(fresh, as_of=AS_OF),
            args.repeat,
            prepare=lambda: engine.read(events),
        )
        full_s, full = timed(
            "columnar_full_decisions_and_duties",
            lambda _: engine.evaluate(inputs, as_of=AS_OF),
            args.repeat,
        )
        parts_s, parts = timed(
            "columnar_decisions_in_ranges_of_subjects",
            lambda _: pl.concat(
                [found for found, _, _ in in_parts(engine, inputs, AS_OF, "decisions")]
            ),
            args.repeat,
        )
        # The part size is partitions.EVENTS_PER_PART's; a whole evaluation now costs so little
        # more per event than a small one that larger parts are measured too.
        big_parts_s, big_parts = timed(
            "columnar_decisions_in_ranges_of_500000_events",
            lambda _: pl.concat(
                [found for found, _, _ in in_parts(engine, inputs, AS_OF, "decisions", 500_000)]
            ),
            args.repeat,
        )
        rounds = interleaved(
            {
                "handwritten_polars_outcomes": lambda: handwritten_outcomes(events, AS_OF),
                "columnar_outcomes_with_validation": lambda: engine.outcomes(events, as_of=AS_OF),
                "columnar_full_decisions_and_duties": lambda: engine.evaluate(inputs, as_of=AS_OF),
            },
            args.pairs,
        )
        e2e = [
            end_to_end(source, Path(folder) / f"{table}.parquet", table)
            for table in ("outcomes", "decisions")
        ]
    report["seconds"] = {
        "handwritten_polars_outcomes": round(hand_s, 4),
        "columnar_outcomes_with_validation": round(outcomes_s, 4),
        "columnar_validation_alone": round(read_s, 4),
        "columnar_outcomes_on_validated_input": round(validated_s, 4),
        "columnar_full_decisions_and_duties": round(full_s, 4),
        "columnar_full_decisions_and_duties_first_on_its_input": round(first_s, 4),
        "columnar_decisions_in_ranges_of_subjects": round(parts_s, 4),
        "columnar_decisions_in_ranges_of_500000_events": round(big_parts_s, 4),
    }
    report["seconds_every_run"] = EVERY_RUN
    report["ratios_to_handwritten"] = {
        "outcomes_with_validation": round(outcomes_s / hand_s, 2),
        "outcomes_on_validated_input": round(validated_s / hand_s, 2),
        "full_decisions_and_duties": round(full_s / hand_s, 2),
        "full_decisions_and_duties_first_on_its_input": round(first_s / hand_s, 2),
        "decisions_in_ranges_of_subjects": round(parts_s / hand_s, 2),
        "decisions_in_ranges_of_500000_events": round(big_parts_s / hand_s, 2),
    }
    report["interleaved"] = rounds
    report["end_to_end_parquet_to_parquet"] = e2e
    report["rows"] = {
        "decisions": full.decisions.height,
        "duties": full.duties.height,
        "outcomes_on_as_of": outcomes.height,
    }

    want = by_subject(hand)
    problems = []
    if by_subject(outcomes) != want:
        problems.append("columnar outcomes differ from the hand-written query")
    if by_subject(full.outcomes) != want:
        problems.append("the active rows of the decisions table differ from the query")
    if not parts.equals(full.decisions) or not big_parts.equals(full.decisions):
        problems.append("decisions evaluated in ranges of subjects differ from the whole")
    report["correctness"] = {"persons_compared": args.persons, "subjects_with_outcomes": len(want)}
    if not args.skip_engine:
        population = build(params)
        started = time.perf_counter()
        reference = Engine(ruleset).outcomes(population.subjects, population.events, as_of=AS_OF)
        report["seconds"]["per_subject_engine_outcomes"] = round(time.perf_counter() - started, 3)
        if reference != want:
            problems.append("the per-subject engine differs from the hand-written query")
        report["correctness"]["per_subject_engine_checked"] = True
    report["correctness"]["agree"] = not problems
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    # The Ganzhou figures (bench_columnar_ganzhou.py) live in the same file: kept.
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if "ganzhou" in stored:
        report["ganzhou"] = stored["ganzhou"]
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    for problem in problems:
        print(f"DIFFERENCE: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
