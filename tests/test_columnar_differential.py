"""The columnar backend gives the per-subject engine's results, row for row, on both rulesets.

Histories come from ``credit_rules.testing.strategies.cases`` (removals, corrections decided
later, same-day events, leap days, events before the in-force date, events after ``as_of``;
for Ganzhou also objections suspended for inspection, repairs extended up to the cap, and
counts reaching into years whose holiday schedule is not published). Several are evaluated at
once as one population, so joins across subjects are tested too; a day of knowledge
(``known_at``) is drawn as often as not. One population in four carries a contradiction
(``contradictions.py``): every projection of both engines must then refuse it. Ganzhou is
also evaluated on a calendar that treats 2025 as unpublished, so provisional deadlines and
their reasons meet published years on both sides.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import astuple

pl = pytest.importorskip("polars")

from contradictions import contradicted  # noqa: E402

from credit_rules import Engine, bundled  # noqa: E402
from credit_rules.calendar import WorkingCalendar, default_calendar  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.errors import ExtensionOverCap, HistoryError, InputError, TableError  # noqa: E402
from credit_rules.model.vocabularies import decision_day_fields, one_per_key_fields  # noqa: E402
from credit_rules.ruleset import ir  # noqa: E402
from credit_rules.testing.strategies import cases, span_end  # noqa: E402

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")


def _unpublished(base: WorkingCalendar, year: int) -> WorkingCalendar:
    """``base`` with ``year`` as if its State Council notice were not out yet."""
    schedules = [
        dataclasses.replace(base.schedule(y), published=False) if y == year else base.schedule(y)
        for y in range(base.first_year, base.last_year + 1)
    ]
    return WorkingCalendar.from_schedules(schedules)


CALENDARS = {
    "default": default_calendar(),
    "2025 unpublished": _unpublished(default_calendar(), 2025),
}
PAIRS = {
    (ruleset.id, name): (Engine(ruleset, calendar=cal), ColumnarEngine(ruleset, calendar=cal))
    for ruleset in (LIANYUNGANG, GANZHOU)
    for name, cal in CALENDARS.items()
    if ruleset is GANZHOU or name == "default"
}

SETTINGS = settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LIST_COLUMNS = ("materials",)
#: Fields other than ``date`` that hold a day, in either vocabulary.
DAY_FIELDS = ("until", "decided_on")
Population = tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date, dt.date | None]


def _leap_days(ruleset: ir.Ruleset) -> list[dt.date]:
    end = span_end(ruleset)
    years = range(ruleset.in_force_from.year, end.year + 1)
    return [dt.date(y, 2, 29) for y in years if calendar.isleap(y)]


def _shifted(event: dict[str, Any], by: dt.timedelta) -> dict[str, Any]:
    """``event`` moved by ``by``: its day and every other day it names (a suspension's end, a
    correction's decision), so the history keeps its order."""
    moved = dict(event)
    for name in ("date", *DAY_FIELDS):
        if isinstance(moved.get(name), str):
            moved[name] = (dt.date.fromisoformat(moved[name]) + by).isoformat()
    return moved


def populations(ruleset: ir.Ruleset) -> st.SearchStrategy[Population]:
    """Several generated cases as one population on one day (one of theirs), perhaps known
    on a later (or earlier) day. A case may be moved so that one of its events falls on a
    29 February, a correction may be decided on another day than it takes effect, an event
    that enters no register and is not one per key may be given twice, and fields at their
    model's default may be left out (null in the table)."""
    decided = decision_day_fields(ruleset.vocabulary)
    leap = _leap_days(ruleset)
    entering = {register.entered_by for register in ruleset.registers}
    entering |= set(one_per_key_fields(ruleset.vocabulary))

    @st.composite
    def drawn(draw: st.DrawFn) -> Population:
        found = draw(st.lists(cases(ruleset), min_size=1, max_size=6))
        subjects: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        days: list[dt.date] = []
        for number, case in enumerate(found):
            (subject,) = case.subjects
            name = f"s{number}"
            subjects.append({"id": name, "kind": subject.kind})
            # As a table would hold them: every field, or only those not at their default.
            sparse = draw(st.booleans())
            mine = [
                {
                    "type": e.type,
                    **e.model_dump(mode="json", exclude_defaults=sparse),
                    "subject": name,
                }
                for e in case.events
            ]
            as_of = case.as_of
            if mine and leap and draw(st.integers(0, 3)) == 0:
                pivot = dt.date.fromisoformat(mine[draw(st.integers(0, len(mine) - 1))]["date"])
                by = draw(st.sampled_from(leap)) - pivot
                mine = [_shifted(event, by) for event in mine]
                as_of = max(as_of + by, ruleset.in_force_from)
            for event in mine:
                field_name = decided.get(event["type"])
                if field_name is not None and draw(st.booleans()):
                    late = dt.timedelta(days=draw(st.integers(-30, 200)))
                    event[field_name] = (dt.date.fromisoformat(event["date"]) + late).isoformat()
            events.extend(mine)
            days.append(as_of)
        as_of = draw(st.sampled_from(days))
        twins = [e for e in events if e["type"] not in entering]
        if twins and draw(st.integers(0, 3)) == 0:
            # An event given twice is two triggers of one day and id (two applications of one
            # id, two queries), each with its own place in the history.
            events = [*events, dict(draw(st.sampled_from(twins)))]
        if draw(st.integers(0, 3)) == 0:
            events = contradicted(draw, ruleset, events, as_of)
        # Known on as_of, on some other day, or on the very day a decision was made.
        decisions = sorted(
            {
                dt.date.fromisoformat(e[decided[e["type"]]])
                for e in events
                if e.get(decided.get(e["type"], ""))
            }
        )
        known_at = draw(
            st.one_of(
                st.none(),
                st.integers(-30, 400).map(lambda n: as_of + dt.timedelta(days=n)),
                *([st.sampled_from(decisions)] if decisions else []),
            )
        )
        return subjects, events, as_of, known_at

    return drawn()


def _facts(names: tuple[str, ...], row: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, _hashable(row[f"fact_{name}"])) for name in names))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def _engine_facts(facts: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, _hashable(value)) for name, value in facts.items()))


def expected(engine: Engine, population: Population) -> Any:
    subjects, events, as_of, known_at = population
    result = engine.evaluate(subjects, events, as_of=as_of, known_at=known_at)
    decisions = Counter(
        (
            d.subject,
            d.outcome,
            d.from_,
            d.until,
            d.active,
            d.provisional,
            d.rule,
            *astuple(d.trigger),
            _engine_facts(d.provenance.facts),
        )
        for d in result.decisions
    )
    duties = Counter(
        (d.subject, d.name, d.on, d.rule, *astuple(d.trigger), _engine_facts(d.provenance.facts))
        for d in result.duties
    )
    deadlines = Counter(
        (
            d.subject,
            d.name,
            d.start,
            d.due,
            d.provisional,
            d.provisional_reason,
            d.unit,
            d.count,
            d.extended_by,
            tuple((e.first, e.last, e.reason) for e in d.excluded),
            d.rule,
            *astuple(d.trigger),
            _engine_facts(d.provenance.facts),
        )
        for d in result.deadlines
    )
    outcomes = engine.outcomes(subjects, events, as_of=as_of, known_at=known_at)
    return decisions, duties, deadlines, outcomes


def _tables(population: Population) -> tuple[pl.DataFrame, pl.DataFrame]:
    subjects, events, _, _ = population
    # A list column of empty lists only would be inferred as List(Null); a bureau's Parquet
    # file states the column's type, and so does this.
    lists = {name: pl.List(pl.String) for name in LIST_COLUMNS if any(name in e for e in events)}
    frame = pl.DataFrame(events, infer_schema_length=None, schema_overrides=lists)
    return frame, pl.DataFrame(subjects)


def columnar(engine: ColumnarEngine, population: Population) -> Any:
    _, _, as_of, known_at = population
    frame, table = _tables(population)
    result = engine.evaluate(frame, table, as_of=as_of, known_at=known_at)
    trigger = ("trigger_type", "trigger_key", "trigger_date", "trigger_seq")
    decisions = Counter(
        (
            *(r[c] for c in ("subject", "outcome", "from", "until", "active", "provisional")),
            r["rule"],
            *(r[c] for c in trigger),
            _facts(engine.fact_names(r["rule"]), r),
        )
        for r in result.decisions.iter_rows(named=True)
    )
    duties = Counter(
        (
            *(r[c] for c in ("subject", "name", "on", "rule")),
            *(r[c] for c in trigger),
            _facts(engine.fact_names(r["rule"]), r),
        )
        for r in result.duties.iter_rows(named=True)
    )
    deadlines = Counter(
        (
            *(r[c] for c in ("subject", "name", "start", "due", "provisional")),
            *(r[c] for c in ("provisional_reason", "unit", "count", "extended_by")),
            tuple((e["first"], e["last"], e["reason"]) for e in r["excluded"]),
            r["rule"],
            *(r[c] for c in trigger),
            _facts(engine.fact_names(r["rule"]), r),
        )
        for r in result.deadlines.iter_rows(named=True)
    )
    outcomes = _by_subject(result.outcomes)
    # The population question on its own path: only triggers that can cover as_of.
    alone = engine.outcomes(frame, table, as_of=as_of, known_at=known_at)
    assert _by_subject(alone) == outcomes
    return decisions, duties, deadlines, outcomes


def _by_subject(table: Any) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for subject, outcome in table.iter_rows():
        found.setdefault(subject, set()).add(outcome)
    return {subject: frozenset(names) for subject, names in found.items()}


def _same(pair: tuple[Engine, ColumnarEngine], population: Population) -> None:
    engine, backend = pair
    try:
        want = expected(engine, population)
    except InputError as refused:
        # Every projection refuses it, each on its own path: the population question looks
        # at fewer subjects, never with fewer checks.
        subjects, events, as_of, known_at = population
        with pytest.raises(type(refused)) as again:
            engine.outcomes(subjects, events, as_of=as_of, known_at=known_at)
        assert str(again.value) == str(refused)
        frame, table = _tables(population)
        with pytest.raises(TableError):
            backend.evaluate(frame, table, as_of=as_of, known_at=known_at)
        with pytest.raises(TableError):
            backend.outcomes(frame, table, as_of=as_of, known_at=known_at)
        return
    except ExtensionOverCap as over:
        # Extensions past the law's cap make a deadline the law does not allow: both refuse
        # to compute it. Outcomes compute no deadline, so both answer them, alike.
        subjects, events, as_of, known_at = population
        frame, table = _tables(population)
        with pytest.raises(ExtensionOverCap, match=re.escape(str(over))):
            backend.evaluate(frame, table, as_of=as_of, known_at=known_at)
        assert _by_subject(backend.outcomes(frame, table, as_of=as_of, known_at=known_at)) == (
            engine.outcomes(subjects, events, as_of=as_of, known_at=known_at)
        )
        return
    got = columnar(backend, population)
    assert got[0] == want[0], "decisions"
    assert got[1] == want[1], "duties"
    assert got[2] == want[2], "deadlines"
    assert got[3] == want[3], "outcomes"


@SETTINGS
@given(populations(LIANYUNGANG))
def test_columnar_gives_the_engines_rows_lianyungang(population: Population) -> None:
    _same(PAIRS[LIANYUNGANG.id, "default"], population)


@settings(SETTINGS, max_examples=80)  # each Ganzhou example is dearer (about 0.6 s)
@given(populations(GANZHOU), st.sampled_from(sorted(CALENDARS)))
def test_columnar_gives_the_engines_rows_ganzhou(population: Population, calendar: str) -> None:
    _same(PAIRS[GANZHOU.id, calendar], population)


def _published(score: int) -> dict[str, Any]:
    return {
        "type": "evaluation_published",
        "subject": "s0",
        "date": "2025-03-03",
        "evaluation": "e1",
        "year": 2024,
        "score": score,
    }


@pytest.mark.parametrize("scores", [(100, 20), (20, 100)])
def test_one_evaluation_published_twice_is_refused_by_both_engines(
    scores: tuple[int, int],
) -> None:
    """Two events publishing one evaluation, whatever they say, contradict each other (the
    evaluation is one): both engines refuse them, whichever way they are listed."""
    population: Population = (
        [{"id": "s0", "kind": "medical_institution"}],
        [_published(score) for score in scores],
        dt.date(2025, 12, 1),
        None,
    )
    with pytest.raises(HistoryError, match="names evaluation 'e1' of subject 's0' again"):
        Engine(GANZHOU).evaluate(population[0], population[1], as_of=population[2])
    _same(PAIRS[GANZHOU.id, "default"], population)


@pytest.mark.parametrize("days", [(10, 2), (2, 10)])
def test_same_day_ties_are_ordered_alike_by_both_engines(days: tuple[int, int]) -> None:
    """Two events of one subject, day, type and id that differ in another field (two
    extensions of one application): both engines give the same rows, whichever way they are
    listed, each extension counted once."""
    common = {"subject": "s0", "application": "a1"}
    events = [
        {
            "subject": "s0",
            "type": "dishonesty_determined",
            "record": "d1",
            "category": "c1",
            "date": "2025-01-06",
        },
        {
            **common,
            "type": "repair_applied",
            "record": "d1",
            "materials": ["application_and_commitment", "rectification_evidence"],
            "date": "2025-03-03",
        },
        {**common, "type": "repair_accepted", "date": "2025-03-04"},
        *(
            {**common, "type": "repair_extended", "working_days": n, "date": "2025-03-10"}
            for n in days
        ),
    ]
    population: Population = (
        [{"id": "s0", "kind": "medical_institution"}],
        events,
        dt.date(2025, 12, 1),
        None,
    )
    _same(PAIRS[GANZHOU.id, "default"], population)
    result = Engine(GANZHOU).evaluate(population[0], events, as_of=population[2])
    (clock,) = [d for d in result.deadlines if d.rule == "art25_repair_decision_due"]
    assert clock.extended_by == 12


def _objection(objection: str, filed: str, decided: str, adjusted: int) -> list[dict[str, Any]]:
    common = {"subject": "s0", "objection": objection, "evaluation": "e1"}
    return [
        {
            **common,
            "type": "objection_filed",
            "date": filed,
            "ground": "record_error_or_omission",
            "written": True,
            "reasons_given": True,
            "evidence_supplied": True,
        },
        {
            **common,
            "type": "objection_decided",
            "date": decided,
            "result": "upheld",
            "adjusted_score": adjusted,
        },
    ]


def test_the_last_upheld_objection_sets_the_score_however_the_events_are_listed() -> None:
    """Ganzhou Art 20: an upheld objection adjusts the evaluation's score; of two, the one
    decided last stands. o1 is decided on 4 March (score 0), o2 on 3 March (score 65): the
    score is 0 (intensified supervision, Art 13), also on the columnar backend's outcomes path
    when o1's decision is listed before o2's (found by a long differential run: that path read
    the history in the order given)."""
    events = [
        {**_published(0), "date": "2024-02-29", "year": 2024},
        *_objection("o1", "2024-02-29", "2024-03-04", 0),
        *_objection("o2", "2024-03-02", "2024-03-03", 65),
    ]
    population: Population = (
        [{"id": "s0", "kind": "medical_institution"}],
        events,
        dt.date(2024, 3, 23),
        None,
    )
    want = Engine(GANZHOU).outcomes(population[0], events, as_of=population[2])
    assert "intensified_supervision" in want["s0"]
    _same(PAIRS[GANZHOU.id, "default"], population)


# -- the columnar backend behind the typed API ------------------------------------------------

TYPED = {
    key: Engine(walk.ruleset, backend="columnar", calendar=walk.calendar)
    for key, (walk, _) in PAIRS.items()
}


def _typed_same(key: tuple[str, str], population: Population) -> None:
    """``Engine(backend="columnar")`` gives the walk's evaluation exactly: the same results in
    the same order (so the same JSON text), the same outcomes, and, for a population the walk
    refuses, the same error in the same words."""
    walk, typed = PAIRS[key][0], TYPED[key]
    subjects, events, as_of, known_at = population
    try:
        want = walk.evaluate(subjects, events, as_of=as_of, known_at=known_at)
    except InputError as refused:
        for question in (typed.evaluate, typed.outcomes):
            with pytest.raises(type(refused)) as again:
                question(subjects, events, as_of=as_of, known_at=known_at)
            assert str(again.value) == str(refused)
        return
    except ExtensionOverCap as over:
        # No deadline past the law's cap is computed, by either; outcomes compute none.
        with pytest.raises(ExtensionOverCap) as again:
            typed.evaluate(subjects, events, as_of=as_of, known_at=known_at)
        assert str(again.value) == str(over)
        assert typed.outcomes(subjects, events, as_of=as_of, known_at=known_at) == (
            walk.outcomes(subjects, events, as_of=as_of, known_at=known_at)
        )
        return
    got = typed.evaluate(subjects, events, as_of=as_of, known_at=known_at)
    assert got.decisions == want.decisions
    assert got.duties == want.duties
    assert got.deadlines == want.deadlines
    assert got == want
    assert got.model_dump_json() == want.model_dump_json()
    outcomes = walk.outcomes(subjects, events, as_of=as_of, known_at=known_at)
    assert typed.outcomes(subjects, events, as_of=as_of, known_at=known_at) == outcomes


@settings(SETTINGS, max_examples=60)
@given(populations(LIANYUNGANG))
def test_the_columnar_backend_gives_the_walks_evaluation_lianyungang(
    population: Population,
) -> None:
    _typed_same((LIANYUNGANG.id, "default"), population)


@settings(SETTINGS, max_examples=40)
@given(populations(GANZHOU), st.sampled_from(sorted(CALENDARS)))
def test_the_columnar_backend_gives_the_walks_evaluation_ganzhou(
    population: Population, calendar: str
) -> None:
    _typed_same((GANZHOU.id, calendar), population)
