"""Ganzhou on the columnar backend beside the per-subject engine, on the same input, in one run.

1. Generates ``--institutions`` designated institutions (default 100,000) with a year of
   Ganzhou history (seeded): each evaluation published; objections to some, suspended for
   inspection or appraisal and decided; dishonesty determined for some, repair applied for,
   accepted, extended (at most the Art 25 cap) and decided.
2. Times ``Engine.evaluate`` on the events as dicts and ``ColumnarEngine.evaluate`` on the same
   events as one Polars frame (validation included in both), as of ``--as-of``.
3. Checks that both give the same decisions, duties and deadlines, row for row (subject,
   outcome, days, trigger, fact values; each clock's due day, exclusions and extensions), and
   the same outcomes; exits 1 on a difference.
4. Adds the figures under ``"ganzhou"`` in ``benchmarks/columnar-results.json`` (the other keys
   are kept), with the machine's load average before and after.

    .venv/bin/python benchmarks/bench_columnar_ganzhou.py
    .venv/bin/python benchmarks/bench_columnar_ganzhou.py --institutions 5000 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from msgspec.structs import astuple

from credit_rules import Engine, bundled
from credit_rules.columnar import ColumnarEngine

RESULTS = Path(__file__).resolve().parent / "columnar-results.json"
YEAR = 2025
SEED = 20231213


def _day(rng: random.Random, first: dt.date, days: int) -> dt.date:
    return first + dt.timedelta(days=rng.randrange(days))


def generate(
    institutions: int, seed: int = SEED
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Subjects and events (dicts with only the fields each event has)."""
    rng = random.Random(seed)
    start = dt.date(YEAR, 1, 1)
    subjects: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(institutions):
        s = f"inst{number:07d}"
        subjects.append({"id": s, "kind": rng.choice(("medical_institution", "retail_pharmacy"))})
        published = _day(rng, start, 300)
        events.append(
            {
                "type": "evaluation_published",
                "subject": s,
                "evaluation": "e1",
                "year": YEAR,
                "score": rng.randrange(50, 101),
                "department": "gz",
                "date": published,
            }
        )
        if rng.random() < 0.3:
            filed = published + dt.timedelta(days=rng.randrange(25))
            events.append(
                {
                    "type": "objection_filed",
                    "subject": s,
                    "objection": "o1",
                    "evaluation": "e1",
                    "ground": "evaluation_result_disputed",
                    "department": "gz",
                    "date": filed,
                }
            )
            if rng.random() < 0.5:
                first = filed + dt.timedelta(days=rng.randrange(12))
                events.append(
                    {
                        "type": "objection_suspended",
                        "subject": s,
                        "objection": "o1",
                        "reason": rng.choice(("inspection", "appraisal")),
                        "date": first,
                        "until": first + dt.timedelta(days=rng.randrange(10)),
                    }
                )
            if rng.random() < 0.8:
                upheld = rng.random() < 0.5
                decided: dict[str, Any] = {
                    "type": "objection_decided",
                    "subject": s,
                    "objection": "o1",
                    "result": "upheld" if upheld else "rejected",
                    "date": filed + dt.timedelta(days=rng.randrange(5, 30)),
                }
                if upheld:
                    decided["adjusted_score"] = rng.randrange(60, 101)
                events.append(decided)
        if rng.random() < 0.25:
            determined = _day(rng, start, 180)
            events.append(
                {
                    "type": "dishonesty_determined",
                    "subject": s,
                    "record": "d1",
                    "category": rng.choice(("c1", "c2")),
                    "severity": rng.choice(("general", "severe")),
                    "department": "gz",
                    "date": determined,
                }
            )
            if rng.random() < 0.6:
                applied = determined + dt.timedelta(days=rng.randrange(60, 150))
                events.append(
                    {
                        "type": "repair_applied",
                        "subject": s,
                        "application": "a1",
                        "record": "d1",
                        "materials": ["application_and_commitment", "rectification_evidence"],
                        "department": "gz",
                        "date": applied,
                    }
                )
                if rng.random() < 0.8:
                    accepted = applied + dt.timedelta(days=rng.randrange(6))
                    events.append(
                        {
                            "type": "repair_accepted",
                            "subject": s,
                            "application": "a1",
                            "date": accepted,
                        }
                    )
                    if rng.random() < 0.4:
                        events.append(
                            {
                                "type": "repair_extended",
                                "subject": s,
                                "application": "a1",
                                "working_days": rng.randrange(1, 16),
                                "date": accepted + dt.timedelta(days=rng.randrange(1, 10)),
                            }
                        )
                    if rng.random() < 0.7:
                        events.append(
                            {
                                "type": "repair_decided",
                                "subject": s,
                                "application": "a1",
                                "record": "d1",
                                "granted": rng.random() < 0.7,
                                "date": accepted + dt.timedelta(days=rng.randrange(10, 30)),
                            }
                        )
    return subjects, events


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def engine_rows(result: Any, outcomes: dict[str, frozenset[str]]) -> dict[str, Counter[Any]]:
    def facts(provenance: Any) -> tuple[Any, ...]:
        return tuple(sorted((k, _plain(v)) for k, v in provenance.facts.items()))

    return {
        "decisions": Counter(
            (
                d.subject,
                d.outcome,
                d.from_,
                d.until,
                d.active,
                d.rule,
                *astuple(d.trigger),
                facts(d.provenance),
            )
            for d in result.decisions
        ),
        "duties": Counter(
            (d.subject, d.name, d.on, d.rule, *astuple(d.trigger), facts(d.provenance))
            for d in result.duties
        ),
        "deadlines": Counter(
            (
                d.subject,
                d.name,
                d.start,
                d.due,
                d.provisional,
                d.extended_by,
                tuple((e.first, e.last, e.reason) for e in d.excluded),
                d.rule,
                *astuple(d.trigger),
                facts(d.provenance),
            )
            for d in result.deadlines
        ),
        "outcomes": Counter((s, o) for s, names in outcomes.items() for o in names),
    }


def columnar_rows(engine: ColumnarEngine, result: Any) -> dict[str, Counter[Any]]:
    trigger = ("trigger_type", "trigger_key", "trigger_date", "trigger_seq")

    def facts(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted((n, _plain(row[f"fact_{n}"])) for n in engine.fact_names(row["rule"])))

    return {
        "decisions": Counter(
            (
                *(r[c] for c in ("subject", "outcome", "from", "until", "active", "rule")),
                *(r[c] for c in trigger),
                facts(r),
            )
            for r in result.decisions.iter_rows(named=True)
        ),
        "duties": Counter(
            (*(r[c] for c in ("subject", "name", "on", "rule")), *(r[c] for c in trigger), facts(r))
            for r in result.duties.iter_rows(named=True)
        ),
        "deadlines": Counter(
            (
                *(r[c] for c in ("subject", "name", "start", "due", "provisional", "extended_by")),
                tuple((e["first"], e["last"], e["reason"]) for e in r["excluded"]),
                r["rule"],
                *(r[c] for c in trigger),
                facts(r),
            )
            for r in result.deadlines.iter_rows(named=True)
        ),
        "outcomes": Counter(result.outcomes.iter_rows()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(YEAR, 12, 31))
    parser.add_argument("--no-write", action="store_true", help="do not update the JSON file")
    args = parser.parse_args()
    load_before = os.getloadavg()
    subjects, events = generate(args.institutions)
    ruleset = bundled("ganzhou-2023")
    frame = pl.DataFrame(
        events, infer_schema_length=None, schema_overrides={"materials": pl.List(pl.String)}
    )
    subject_frame = pl.DataFrame(subjects)
    print(f"{len(subjects):,} institutions, {len(events):,} events", flush=True)

    columnar = ColumnarEngine(ruleset)
    began = time.perf_counter()
    got = columnar.evaluate(frame, subject_frame, as_of=args.as_of)
    columnar_seconds = time.perf_counter() - began
    print(f"columnar evaluate: {columnar_seconds:.2f} s", flush=True)

    engine = Engine(ruleset)
    began = time.perf_counter()
    want = engine.evaluate(subjects, events, as_of=args.as_of)
    engine_seconds = time.perf_counter() - began
    print(f"per-subject Engine.evaluate: {engine_seconds:.2f} s", flush=True)
    outcomes = engine.outcomes(subjects, events, as_of=args.as_of)
    load_after = os.getloadavg()

    expected = engine_rows(want, outcomes)
    found = columnar_rows(columnar, got)
    same = {table: expected[table] == found[table] for table in expected}
    rows = {table: sum(counter.values()) for table, counter in expected.items()}
    speedup = engine_seconds / columnar_seconds
    print(f"rows: {rows}; identical: {same}; speed-up {speedup:.1f}x")
    print(f"load average before {load_before}, after {load_after}")
    figures = {
        "benchmark": "bench_columnar_ganzhou.py",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "polars": pl.__version__,
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "as_of": args.as_of.isoformat(),
        "institutions": len(subjects),
        "events": len(events),
        "seed": SEED,
        "rows": rows,
        "identical": same,
        "seconds": {
            "per_subject_engine_evaluate": round(engine_seconds, 3),
            "columnar_evaluate_with_validation": round(columnar_seconds, 3),
        },
        "speedup": round(speedup, 1),
        "target_speedup": 20,
    }
    if not args.no_write:
        stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        stored["ganzhou"] = figures
        RESULTS.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
