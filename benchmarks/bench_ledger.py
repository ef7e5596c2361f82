"""Ledger benchmark: events recorded one by one across many subjects, then a year of ``advance``.

What is measured (issue 7, item 5):

1. ``record(event, recorded_at=...)`` called once per event, in recording order, on a
   Lianyungang ledger with one subscriber (a counter), as a service fed by a queue would.
   Events arrive as plain dicts (as from JSON), so pydantic validation is part of the cost.
   Recording at a later day advances the ledger to it, so the changes that time brings while
   events are fed (one-day warnings, ends of measures) are part of this phase too.
2. ``advance`` over the following year, day by day changes reported to the subscriber.
3. Peak memory: ``getrusage().ru_maxrss`` (whole process, a high-water mark), after the input
   is built and after each phase; and the ledger's events per second.
4. A correctness spot check: for a sample of subjects, ``ledger.status`` equals
   ``engine.evaluate`` on the subject's history, and the ledger's outcomes on the last day
   equal the engine's; ``subjects_with`` equals a count over those evaluations.

Two event mixes (``--mix``):

- ``procedure`` (default): each dishonesty record goes through Lianyungang Art 8: collected,
  verified, determined, entered (four events; only the entry counts, so the first three are
  recorded without an evaluation, see ``inert_event_types``); 10% of records are queried
  (Art 12) and 5% objected to and removed as void from the start (Art 13: the correction is
  dated on the entry day and recorded on the day it is decided, up to 60 days later).
- ``entries``: every event is a ``dishonesty_entered``, the worst case, where each event
  re-evaluates its subject's whole history (5 records per subject on average).

Records are spread uniformly over 2020-01-01..2024-12-31 and assigned to subjects uniformly at
random (seeded). ``--scale`` shrinks subjects and events together, keeping events per subject,
and therefore the cost per event, the same; the results then carry a clearly labelled linear
extrapolation to the full size.

    /tmp/dev/bin/python benchmarks/bench_ledger.py                         # 1,000,000 events
    /tmp/dev/bin/python benchmarks/bench_ledger.py --mix entries --scale 0.05
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from credit_rules import Engine, __version__, bundled
from credit_rules.ledger import Ledger
from credit_rules.model.subjects import InsuredPerson

HERE = Path(__file__).resolve().parent
RULESET = "lianyungang-2007"
FULL_SUBJECTS = 200_000
FULL_EVENTS = 1_000_000
START = dt.date(2020, 1, 1)
END = dt.date(2024, 12, 31)
CATEGORIES = (
    "lend_certificate",
    "use_others_certificate",
    "forge_documents",
    "resell_drugs",
    "other_violation",
)
STAGES = ("dishonesty_collected", "dishonesty_verified", "dishonesty_determined")


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def feed(subjects: int, events: int, mix: str, seed: int) -> list[tuple[dt.date, dict[str, Any]]]:
    """(recorded_at, raw event) pairs in recording order, exactly ``events`` of them."""
    rng = random.Random(seed)
    span = (END - START).days
    counters = [0] * subjects
    out: list[tuple[int, dt.date, dict[str, Any]]] = []
    order = 0
    while len(out) < events:
        person = rng.randrange(subjects)
        pid = f"p{person:07d}"
        counters[person] += 1
        record = f"r{counters[person]}"
        entered = START + dt.timedelta(days=rng.randint(0, span))
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        group: list[tuple[dt.date, dict[str, Any]]] = []
        if mix == "procedure":
            for back, stage in zip((20, 10, 5), STAGES, strict=True):
                day = entered - dt.timedelta(days=back)
                group.append((day, _event(stage, pid, day, record=record, category=category)))
        group.append(
            (entered, _event("dishonesty_entered", pid, entered, record=record, category=category))
        )
        if mix == "procedure":
            if rng.random() < 0.10:
                day = entered + dt.timedelta(days=rng.randint(1, 90))
                group.append((day, _event("query_requested", pid, day)))
            if rng.random() < 0.05:
                filed = entered + dt.timedelta(days=rng.randint(1, 30))
                decided = filed + dt.timedelta(days=rng.randint(1, 30))
                group.append(
                    (
                        filed,
                        _event("objection_filed", pid, filed, record=record, ground="inaccurate"),
                    )
                )
                group.append(
                    (
                        decided,
                        _event(
                            "record_corrected",
                            pid,
                            entered,  # void from the start: valid time is the entry day
                            record=record,
                            action="removed",
                            decided_on=decided.isoformat(),
                        ),
                    )
                )
        for recorded_at, event in group:
            if len(out) == events:
                break
            out.append((order, recorded_at, event))
            order += 1
    out.sort(key=lambda item: (item[1], item[0]))
    return [(recorded_at, event) for _, recorded_at, event in out]


def _event(kind: str, subject: str, day: dt.date, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "subject": subject, "date": day.isoformat(), **fields}


def run(args: argparse.Namespace) -> dict[str, Any]:
    subjects = max(1, round(FULL_SUBJECTS * args.scale))
    events = max(1, round(FULL_EVENTS * args.scale))
    ruleset = bundled(RULESET)
    started = time.perf_counter()
    stream = feed(subjects, events, args.mix, args.seed)
    people = [InsuredPerson(id=f"p{n:07d}") for n in range(subjects)]
    seconds_input = time.perf_counter() - started
    rss_input = maxrss_mib()

    ledger = Ledger(ruleset)
    changes = {"record": 0, "advance": 0}
    phase = ["record"]

    def count(subject: Any, gained: frozenset[str], lost: frozenset[str]) -> None:
        changes[phase[0]] += 1

    ledger.subscribe(count)
    for person in people:
        ledger.add_subject(person)

    gc.collect()
    started = time.perf_counter()
    progress = max(1, events // 10)
    for index, (recorded_at, event) in enumerate(stream, start=1):
        ledger.record(event, recorded_at=recorded_at)
        if args.progress and index % progress == 0:
            rate = index / (time.perf_counter() - started)
            print(f"  {index:>9,} events  {rate:,.0f}/s", file=sys.stderr, flush=True)
    seconds_record = time.perf_counter() - started
    rss_record = maxrss_mib()
    assert len(ledger) == events, (len(ledger), events)
    last_recorded = stream[-1][0]
    del stream

    phase[0] = "advance"
    until = last_recorded + dt.timedelta(days=365)
    started = time.perf_counter()
    reported = ledger.advance(until)
    seconds_advance = time.perf_counter() - started
    rss_advance = maxrss_mib()

    check = spot_check(ledger, ruleset, until, args.check, args.seed)
    full_events, full_subjects = FULL_EVENTS, FULL_SUBJECTS
    record_rate = events / seconds_record
    result: dict[str, Any] = {
        "benchmark": "ledger: record one by one, then advance one year",
        "mix": args.mix,
        "scale": args.scale,
        "subjects": subjects,
        "events": events,
        "recorded_from": START.isoformat(),
        "recorded_until": last_recorded.isoformat(),
        "advanced_until": until.isoformat(),
        "seconds_build_input": round(seconds_input, 2),
        "record": {
            "seconds": round(seconds_record, 2),
            "events_per_second": round(record_rate),
            "microseconds_per_event": round(1e6 / record_rate, 1),
            "changes_reported": changes["record"],
        },
        "advance": {
            "days": 365,
            "seconds": round(seconds_advance, 2),
            "changes_reported": changes["advance"],
            "changes_returned": len(reported),
            "subjects_per_second": round(subjects / seconds_advance) if seconds_advance else None,
        },
        "memory": {
            "measure": "getrusage(RUSAGE_SELF).ru_maxrss: peak resident set of the whole "
            "process (interpreter, input and ledger), a high-water mark",
            "maxrss_mib_after_input": round(rss_input, 1),
            "maxrss_mib_after_record": round(rss_record, 1),
            "maxrss_mib_after_advance": round(rss_advance, 1),
        },
        "correctness": check,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": __import__("os").cpu_count(),
            "loadavg_1_5_15": list(__import__("os").getloadavg()),
        },
        "library_version": __version__,
    }
    if args.scale != 1.0:
        result["extrapolated_to_full_size"] = {
            "label": "EXTRAPOLATED, NOT MEASURED: linear in events at the same events per "
            "subject (the cost of an event depends on its subject's history, not on the "
            "ledger's size; the wake heap adds a log factor, ignored here)",
            "subjects": full_subjects,
            "events": full_events,
            "record_seconds": round(seconds_record / args.scale, 1),
            "advance_seconds": round(seconds_advance / args.scale, 1),
            "events_per_second": round(record_rate),
        }
    return result


def spot_check(
    ledger: Ledger, ruleset: Any, day: dt.date, sample: int, seed: int
) -> dict[str, Any]:
    """``status`` and today's outcomes against a fresh engine, on a sample of subjects."""
    engine = Engine(ruleset)
    ids = list(ledger.subject_ids())
    chosen = random.Random(seed + 1).sample(ids, min(sample, len(ids)))
    mismatches = 0
    with_cash = 0
    for subject_id in chosen:
        history = [entry.event for entry in ledger.history(subject_id)]
        expected = engine.evaluate([ledger.subject(subject_id)], history, as_of=day)
        got = ledger.status(subject_id, day)
        if got.model_dump() != expected.model_dump():
            mismatches += 1
        with_cash += "cash_settlement" in expected.outcomes(subject_id)
    listed = set(ledger.subjects_with("cash_settlement", day)) & set(chosen)
    return {
        "subjects_checked": len(chosen),
        "status_mismatches": mismatches,
        "subjects_with_cash_settlement_matches": len(listed) == with_cash,
        "ok": mismatches == 0 and len(listed) == with_cash,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mix", choices=("procedure", "entries"), default="procedure")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20240113)
    parser.add_argument("--check", type=int, default=500, help="subjects in the spot check")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "ledger-results.json",
        help="JSON file; runs of other mixes/scales already in it are kept",
    )
    args = parser.parse_args(argv)
    result = run(args)
    key = f"{args.mix}@{args.scale:g}"
    existing: dict[str, Any] = {}
    if args.out.exists():
        existing = json.loads(args.out.read_text())
    runs = existing.get("runs", {})
    runs[key] = result
    args.out.write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["correctness"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
