"""The columnar backend gives the per-subject engine's results, row for row.

Histories come from ``credit_rules.testing.strategies.cases`` (removals, corrections decided
later, same-day events, leap days, events before the in-force date, events after ``as_of``);
several are evaluated at once as one population, so joins across subjects are tested too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from credit_rules import Engine, bundled  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.errors import InputError, TableError  # noqa: E402
from credit_rules.testing.strategies import cases  # noqa: E402

RULESET = bundled("lianyungang-2007")
ENGINE = Engine(RULESET)
COLUMNAR = ColumnarEngine(RULESET)

SETTINGS = settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def populations(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date]:
    """Several generated cases as one population on one day (one of theirs)."""
    drawn = draw(st.lists(cases(RULESET), min_size=1, max_size=6))
    subjects: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, case in enumerate(drawn):
        (subject,) = case.subjects
        name = f"s{number}"
        subjects.append({"id": name, "kind": subject.kind})
        for event in case.events:
            events.append({**event.model_dump(mode="json"), "subject": name})
    as_of = draw(st.sampled_from([case.as_of for case in drawn]))
    return subjects, events, as_of


def _facts(names: tuple[str, ...], row: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, row[f"fact_{name}"]) for name in names))


def expected(subjects: list[dict[str, Any]], events: list[dict[str, Any]], as_of: dt.date) -> Any:
    result = ENGINE.evaluate(subjects, events, as_of=as_of)
    decisions = Counter(
        (
            d.subject,
            d.outcome,
            d.from_,
            d.until,
            d.active,
            d.rule,
            *d.trigger,
            tuple(sorted(d.provenance.facts.items())),
        )
        for d in result.decisions
    )
    duties = Counter(
        (d.subject, d.name, d.on, d.rule, *d.trigger, tuple(sorted(d.provenance.facts.items())))
        for d in result.duties
    )
    return decisions, duties


def columnar(subjects: list[dict[str, Any]], events: list[dict[str, Any]], as_of: dt.date) -> Any:
    frame = pl.DataFrame(events, infer_schema_length=None)
    result = COLUMNAR.evaluate(frame, pl.DataFrame(subjects), as_of=as_of)
    decisions = Counter(
        (
            r["subject"],
            r["outcome"],
            r["from"],
            r["until"],
            r["active"],
            r["rule"],
            r["trigger_type"],
            r["trigger_key"],
            r["trigger_date"],
            r["trigger_seq"],
            _facts(COLUMNAR.fact_names(r["rule"]), r),
        )
        for r in result.decisions.iter_rows(named=True)
    )
    duties = Counter(
        (
            r["subject"],
            r["name"],
            r["on"],
            r["rule"],
            r["trigger_type"],
            r["trigger_key"],
            r["trigger_date"],
            r["trigger_seq"],
            _facts(COLUMNAR.fact_names(r["rule"]), r),
        )
        for r in result.duties.iter_rows(named=True)
    )
    outcomes = _by_subject(result.outcomes)
    # The population question on its own path: only triggers that can cover as_of.
    assert _by_subject(COLUMNAR.outcomes(frame, pl.DataFrame(subjects), as_of=as_of)) == outcomes
    return decisions, duties, outcomes


def _by_subject(table: Any) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for subject, outcome in table.iter_rows():
        found.setdefault(subject, set()).add(outcome)
    return {subject: frozenset(names) for subject, names in found.items()}


@SETTINGS
@given(populations())
def test_columnar_gives_the_engines_rows(
    population: tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date],
) -> None:
    subjects, events, as_of = population
    try:
        want = expected(subjects, events, as_of)
    except InputError:
        with pytest.raises(TableError):
            columnar(subjects, events, as_of)
        return
    decisions, duties, outcomes = columnar(subjects, events, as_of)
    assert decisions == want[0]
    assert duties == want[1]
    assert outcomes == ENGINE.outcomes(subjects, events, as_of=as_of)
