"""Engines hold no evaluation state: concurrent evaluations in several threads, on two engines of
the same ruleset and one of a parameter variant, give exactly the sequential results; on the
columnar backend, the walk's."""

from __future__ import annotations

import datetime as dt
import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from credit_rules import Engine, Evaluation, bundled, with_parameters

RULESET = bundled("lianyungang-2007")
VARIANT = with_parameters(
    RULESET,
    {"measure_ends_when_older_record_expires": True, "audit_flag_beyond_two": False},
)
THREADS = 4
PER_THREAD = 200
CATEGORIES = [
    "lend_certificate",
    "use_others_certificate",
    "forge_documents",
    "resell_drugs",
    "other_violation",
]


def _case(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date]:
    """A small population with records, corrections and queries, reproducible from ``seed``."""
    rng = random.Random(seed)
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(3)]
    events: list[dict[str, Any]] = []
    for subject in subjects:
        entries = []
        for k in range(rng.randint(0, 5)):
            day = dt.date(2007, 10, 1) + dt.timedelta(days=rng.randint(0, 4000))
            entries.append((f"r{k}", day))
            events.append(
                {
                    "type": "dishonesty_entered",
                    "subject": subject["id"],
                    "record": f"r{k}",
                    "category": rng.choice(CATEGORIES),
                    "date": day.isoformat(),
                }
            )
        for record, day in entries:
            if rng.random() < 0.3:
                removed = day + dt.timedelta(days=rng.randint(0, 500))
                events.append(
                    {
                        "type": "record_corrected",
                        "subject": subject["id"],
                        "record": record,
                        "action": rng.choice(["removed", "amended"]),
                        "date": removed.isoformat(),
                    }
                )
        if rng.random() < 0.5:
            asked = dt.date(2007, 10, 1) + dt.timedelta(days=rng.randint(0, 4000))
            events.append(
                {"type": "query_requested", "subject": subject["id"], "date": asked.isoformat()}
            )
    as_of = dt.date(2007, 10, 1) + dt.timedelta(days=rng.randint(0, 4500))
    return subjects, events, as_of


def _json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.model_dump(mode="json"), sort_keys=False)


def test_concurrent_evaluations_equal_sequential_ones() -> None:
    engines = {"a": Engine(RULESET), "b": Engine(RULESET), "variant": Engine(VARIANT)}
    jobs = [(name, seed) for seed in range(THREADS * PER_THREAD) for name in engines]
    cases = {seed: _case(seed) for seed in range(THREADS * PER_THREAD)}

    def evaluate(job: tuple[str, int]) -> str:
        name, seed = job
        subjects, events, as_of = cases[seed]
        return _json(engines[name].evaluate(subjects, events, as_of=as_of))

    sequential = [evaluate(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        concurrent = list(pool.map(evaluate, jobs, chunksize=7))
    mismatched = [job for job, a, b in zip(jobs, sequential, concurrent, strict=True) if a != b]
    assert not mismatched, f"{len(mismatched)} results differ, first {mismatched[:5]}"

    # Two engines of one ruleset agree; the variant really is different somewhere, so the
    # comparison above could have caught results crossing between engines.
    by_job = dict(zip(jobs, sequential, strict=True))
    seeds = range(THREADS * PER_THREAD)
    assert all(by_job[("a", s)] == by_job[("b", s)] for s in seeds)
    differing = [
        s for s in seeds if _strip_ref(by_job[("a", s)]) != _strip_ref(by_job[("variant", s)])
    ]
    assert differing, "the variant never differed; the test cannot tell the engines apart"


def _strip_ref(text: str) -> Any:
    document = json.loads(text)
    document.pop("ruleset")
    return document


def test_engines_on_different_rulesets_run_interleaved_in_threads() -> None:
    base, variant = Engine(RULESET), Engine(VARIANT)
    subjects = [{"id": "p1", "kind": "insured_person"}]
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        },
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r2",
            "category": "resell_drugs",
            "date": "2013-01-15",
        },
    ]
    as_of = dt.date(2013, 6, 1)
    expected = {
        "base": _json(base.evaluate(subjects, events, as_of=as_of)),
        "variant": _json(variant.evaluate(subjects, events, as_of=as_of)),
    }

    # Full term: cash settlement still applies on 2013-06-01; ends early: it ended 2013-03-10.
    def active(text: str) -> set[str]:
        return {d["outcome"] for d in json.loads(text)["decisions"] if d["active"]}

    assert active(expected["base"]) == {"cash_settlement", "audit_flag"}
    assert active(expected["variant"]) == set()

    def evaluate(n: int) -> tuple[str, str]:
        name = "base" if n % 2 else "variant"
        engine = base if n % 2 else variant
        return name, _json(engine.evaluate(subjects, events, as_of=as_of))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(evaluate, range(THREADS * PER_THREAD)))
    assert all(text == expected[name] for name, text in results)


def test_the_columnar_backend_in_threads_gives_the_walks_results() -> None:
    """The columnar backend holds no state of an evaluation either: populations evaluated
    in threads on two columnar engines (a ruleset and its variant) give the walk's results."""
    pytest.importorskip("polars")
    walks = {"base": Engine(RULESET), "variant": Engine(VARIANT)}
    columnar = {
        "base": Engine(RULESET, backend="columnar"),
        "variant": Engine(VARIANT, backend="columnar"),
    }
    jobs = [(name, seed) for seed in range(THREADS * 8) for name in walks]

    def on(engines: dict[str, Engine]) -> Any:
        def evaluate(job: tuple[str, int]) -> str:
            name, seed = job
            subjects, events, as_of = _case(seed)
            return _json(engines[name].evaluate(subjects, events, as_of=as_of))

        return evaluate

    want = [on(walks)(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        got = list(pool.map(on(columnar), jobs, chunksize=3))
    mismatched = [job for job, a, b in zip(jobs, want, got, strict=True) if a != b]
    assert not mismatched, f"{len(mismatched)} results differ, first {mismatched[:5]}"
