"""The property-testing kit (issue 6), used the way a project that installs credit_rules uses it.

Only the public API is imported (``credit_rules``, ``credit_rules.testing.strategies``,
``.invariants``, ``.profiles``, ``.cases``, ``.expectations`` and the ``credit-rules``
command), nothing private and nothing from this suite's other modules. The broken rulesets
under ``tests/broken_rulesets/`` each break one invariant on purpose; ``check`` must fail on
each with a small counterexample, and pass on both bundled rulesets.

Determinism, time locality and backend agreement are properties of the engine, not of a ruleset:
the condition language has no clock, no randomness, no way to see events after ``as_of`` and no
way to address one backend (docs/decisions/0002), so no file the loader accepts can break them.
Layering neutrality is the loader's, and no file can break it either. All four are broken here
with deliberately broken engines, passed as ``engine_factory``.

Three tests at the end pin defects of the engine and loader that the kit found (same-day ties
followed listing order, a layer over a layer lost its base, corrections of records entered
before the measures were refused); they were fixed and stay as regression tests, and so does a
fourth: same-day events of one type naming the same id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from credit_rules import (
    CreditRulesError,
    Engine,
    Evaluation,
    Event,
    Subject,
    bundled,
    load_ruleset,
    load_scenario,
    loads_ruleset,
    parse_events,
    with_parameters,
)
from credit_rules.calendar import default_calendar
from credit_rules.cli.main import main
from credit_rules.errors import InvariantViolation
from credit_rules.model.subjects import InsuredPerson, RetailPharmacy
from credit_rules.testing import expectations, invariants, profiles
from credit_rules.testing import strategies as crs
from credit_rules.testing.cases import Case, render_scenario

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
BROKEN = TESTS / "broken_rulesets"
DOCS = ROOT / "docs" / "testing.md"
LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
CALENDAR = default_calendar()

KIT = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

try:
    import durable  # noqa: F401

    HAS_DURABLE = True
except ImportError:
    HAS_DURABLE = False


# -- strategies ------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset", [LIANYUNGANG, GANZHOU], ids=lambda r: r.id)
def test_every_generated_case_is_a_history_the_engine_accepts(ruleset: Any) -> None:
    # Strategies respect the procedures (and, varied, the ruleset's own limits such as the
    # Art 25 extension cap), so the engine never refuses a generated case.
    @KIT
    @given(crs.cases(ruleset, vary_parameters=True))
    def accepted(case: Case) -> None:
        variant = with_parameters(ruleset, case.overrides) if case.parameters else ruleset
        assert case.as_of >= ruleset.in_force_from
        Engine(variant).evaluate(list(case.subjects), list(case.events), as_of=case.as_of)

    accepted()


def _by_type(events: Iterable[Event], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


@KIT
@given(cap=st.integers(0, 15), data=st.data())
def test_ganzhou_histories_follow_each_procedure_in_order(cap: int, data: st.DataObject) -> None:
    history = data.draw(crs.ganzhou_histories(extension_cap=cap, max_extensions=1))
    events = history.events
    published = {e.evaluation: e.date for e in _by_type(events, "evaluation_published")}
    filed = {e.objection: e for e in _by_type(events, "objection_filed")}
    for objection in filed.values():  # Arts 17–20: an objection names a published result
        assert objection.evaluation is None or objection.date >= published[objection.evaluation]
    for pause in _by_type(events, "objection_suspended"):  # Art 20: after the filing
        assert filed[pause.objection].date <= pause.date <= pause.until
    for decision in _by_type(events, "objection_decided"):
        assert decision.date > filed[decision.objection].date
    determined = {e.record: e.date for e in _by_type(events, "dishonesty_determined")}
    applied = {e.application: e for e in _by_type(events, "repair_applied")}
    accepted = {e.application: e.date for e in _by_type(events, "repair_accepted")}
    for application in applied.values():  # Arts 22–24: a determined record is repaired
        assert application.date >= determined[application.record]
    for name, day in accepted.items():
        assert day >= applied[name].date
    extensions = _by_type(events, "repair_extended")
    for extension in extensions:  # Art 25: after acceptance, within the cap, once
        assert extension.date >= accepted[extension.application]
        assert 1 <= extension.working_days <= cap
    assert len({e.application for e in extensions}) == len(extensions)
    for decision in _by_type(events, "repair_decided"):
        assert decision.date > accepted[decision.application]
        assert decision.record == applied[decision.application].record
    made = {e.commitment: e.date for e in _by_type(events, "commitment_made")}
    for breach in _by_type(events, "commitment_breached"):  # Arts 7–9
        assert breach.date >= made[breach.commitment]
    if _by_type(events, "qualification_applied"):  # Art 15
        assert _by_type(events, "agreement_terminated")


@KIT
@given(crs.lianyungang_histories(max_records=4, stages=True))
def test_lianyungang_records_go_through_art8_in_order(history: crs.History) -> None:
    steps = ("dishonesty_collected", "dishonesty_verified", "dishonesty_determined")
    entered = {e.record: e.date for e in _by_type(history.events, "dishonesty_entered")}
    for record in {getattr(e, "record", None) for e in history.events} - {None}:
        stages = [e for e in history.events if getattr(e, "record", None) == record]
        kinds = [e.type for e in stages if e.type in steps]
        assert kinds == sorted(kinds, key=steps.index), kinds
        dates = [e.date for e in stages if e.type in steps]
        assert dates == sorted(dates)
        if record in entered:
            assert all(day <= entered[record] for day in dates)


def test_dates_around_reach_before_and_inside_the_in_force_period() -> None:
    around = crs.dates_around(GANZHOU)
    start = GANZHOU.in_force_from
    assert find(around, lambda d: True) == start  # shrinks to the day it took effect
    assert find(around, lambda d: d < start) >= start - dt.timedelta(days=90)
    assert find(around, lambda d: d > start) <= crs.span_end(GANZHOU)
    assert find(crs.in_force_dates(LIANYUNGANG), lambda d: True) == crs.LIANYUNGANG_IN_FORCE
    # A ruleset that has ceased to apply: days after in_force_until are around it too.
    ended = dataclasses.replace(GANZHOU, in_force_until=dt.date(2025, 12, 31))
    assert find(crs.dates_around(ended), lambda d: d > dt.date(2025, 12, 31)) == dt.date(2026, 1, 1)


@KIT
@given(crs.near_rest_days(dt.date(2024, 1, 1), dt.date(2025, 12, 31)))
def test_near_rest_days_lie_near_a_holiday_or_an_adjusted_workday(day: dt.date) -> None:
    nearby = [day + dt.timedelta(days=n) for n in range(-3, 4)]
    kinds = {CALENDAR.describe_day(d).kind for d in nearby}
    assert kinds & {"holiday", "adjusted_workday"}, (day, kinds)
    assert dt.date(2024, 1, 1) <= day <= dt.date(2025, 12, 31)


@pytest.mark.parametrize("ruleset", [LIANYUNGANG, GANZHOU], ids=lambda r: r.id)
def test_parameter_variants_stay_within_declared_bounds(ruleset: Any) -> None:
    @KIT
    @given(crs.parameter_variants(ruleset))
    def bounded(variant: Any) -> None:
        for parameter in variant.parameters:
            value = parameter.value
            number = value if isinstance(value, int) else getattr(value, "count", None)
            if number is None or isinstance(value, bool):
                continue
            assert parameter.min is None or number >= parameter.min, parameter
            assert parameter.max is None or number <= parameter.max, parameter

    bounded()
    # With nothing to find, a variant shrinks to the ruleset itself.
    unchanged = crs.parameter_variants(ruleset).map(lambda variant: variant.digest)
    assert find(unchanged, lambda digest: True) == ruleset.digest
    capped = find(
        crs.parameter_overrides(GANZHOU, names=["repair_extension_cap"]), lambda o: bool(o)
    )
    assert capped == {"repair_extension_cap": 0}  # the declared minimum


def test_a_case_shrinks_to_a_small_readable_counterexample(tmp_path: Path) -> None:
    """What shrinking must give, by bounds derived from the condition, not hypothesis' exact
    output (which differs between runs, example databases and releases: a record entered
    before the measures, ``b1``, is as small as a third ``r3``)."""
    # The condition: as many entered records known on as_of as Art 11's measure needs.
    (threshold,) = [p.value for p in LIANYUNGANG.parameters if p.id == "time_limited_records"]
    needed = int(threshold)

    def enough_records(case: Case) -> bool:
        return len(_by_type(case.known(), "dishonesty_entered")) >= needed

    derandomised = settings(derandomize=True, database=None, max_examples=1000)
    case = find(crs.cases(LIANYUNGANG), enough_records, settings=derandomised)
    # It reproduces: on the case, and on the scenario file it prints, read back without
    # hypothesis.
    assert enough_records(case)
    file = tmp_path / "counterexample.scenario.yaml"
    file.write_text(render_scenario(LIANYUNGANG, case), encoding="utf-8")
    scenario = load_scenario(file)
    known = [e for e in scenario.events if e.date <= scenario.as_of]
    assert len(_by_type(known, "dishonesty_entered")) >= needed
    # It is small: one subject and no event the condition does not need, so exactly the
    # records it counts, each known on as_of (no stage, correction, query or future event).
    assert len(case.subjects) == 1
    assert len(case.events) <= needed
    assert case.known() == case.events
    # It is readable: the scenario file is one line per subject and event under a fixed
    # header (ruleset, as_of, subjects:, events:), and each record has its own short id.
    lines = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) <= 4 + len(case.subjects) + len(case.events), lines
    ids = [e.record for e in case.events]
    assert len(set(ids)) == len(ids) and all(len(i) <= 3 for i in ids), ids


def test_importing_the_strategies_registers_subject_type_strategies() -> None:
    # In a fresh interpreter: this process may have imported the subject strategies already.
    code = (
        "from hypothesis import given, settings, strategies as st\n"
        "from credit_rules import Subject\n"
        "from credit_rules.model.subjects import InsuredPerson\n"
        "from credit_rules.testing import strategies\n"
        "@settings(max_examples=5, database=None)\n"
        "@given(st.from_type(InsuredPerson), st.from_type(Subject))\n"
        "def t(person, subject):\n"
        "    assert person.kind == 'insured_person' and subject.kind\n"
        "t()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# -- invariants on the bundled rulesets ------------------------------------------------------


@pytest.mark.parametrize(
    ("ruleset", "not_applicable"),
    [(LIANYUNGANG, {"deadline_sanity"}), (GANZHOU, {"expiry"})],
    ids=["lianyungang-2007", "ganzhou-2023"],
)
def test_both_bundled_rulesets_keep_every_invariant_that_applies(
    ruleset: Any, not_applicable: set[str]
) -> None:
    report = invariants.check_ruleset(ruleset, profile="ci", max_examples=40)
    assert report.ok, "\n\n".join(f"{r.name}: {r.message}\n{r.scenario}" for r in report.failures)
    statuses = {r.name: r.status for r in report.results}
    assert {n for n, s in statuses.items() if s == "not_applicable"} == not_applicable
    assert statuses["backend_agreement"] == ("passed" if HAS_DURABLE else "skipped")
    assert all(r.examples == 40 for r in report.results if r.status == "passed")


# -- broken rulesets: each breaks one invariant on purpose -----------------------------------

BROKEN_VARIANTS = {
    "lianyungang-third-record-milder.yaml": "monotonicity",
    "lianyungang-expired-records-count.yaml": "expiry",
    "ganzhou-objection-handling-in-calendar-days.yaml": "deadline_sanity",
}


def test_every_broken_ruleset_is_accounted_for() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(BROKEN_VARIANTS)


@pytest.mark.parametrize(("file", "broken"), sorted(BROKEN_VARIANTS.items()))
def test_check_fails_on_a_broken_ruleset_with_a_small_counterexample_that_reproduces(
    file: str, broken: str, tmp_path: Path
) -> None:
    ruleset = load_ruleset(BROKEN / file)
    report = invariants.check_ruleset(ruleset, profile="ci", max_examples=60)
    result = report.result(broken)
    assert result.status == "failed", result
    failed = {r.name for r in report.failures}
    # Each broken file breaks exactly its one invariant; an empty layer over it (each is itself a
    # layer over a bundled ruleset) changes nothing, so layering neutrality holds.
    assert failed == {broken}, failed
    case = result.counterexample
    assert case is not None and len(case.events) <= 4, case
    assert result.scenario is not None and result.reproduce is not None
    assert "@reproduce_failure" in result.reproduce
    (saved,) = [
        p
        for p in report.save_counterexamples(tmp_path)
        if p.name.endswith(f"{broken}.scenario.yaml")
    ]
    scenario = load_scenario(saved)  # ready to save: it loads, ruleset path and all
    assert scenario.ruleset.digest == ruleset.digest
    assert scenario.expect is not None
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    # The saved scenario's expectation fails on the broken ruleset: a regression test.
    assert expectations.check(scenario.expect, evaluation)


# -- broken engines: what no ruleset file can break ------------------------------------------

Subjects = Iterable[Subject | Mapping[str, Any]]
Events = Iterable[Event | Mapping[str, Any]]


class ForgetsDutiesEveryOtherTime(Engine):
    """Determinism broken the way a stale cache breaks it: every second evaluation drops the
    duties."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0

    def evaluate(self, subjects: Subjects, events: Events, *, as_of: dt.date) -> Evaluation:
        result = super().evaluate(subjects, events, as_of=as_of)
        self.calls += 1
        return result.model_copy(update={"duties": ()}) if self.calls % 2 == 0 else result


class SeesTheFuture(Engine):
    """Time locality broken: every event given counts, as if as_of were the last event's day."""

    def evaluate(self, subjects: Subjects, events: Events, *, as_of: dt.date) -> Evaluation:
        listed = list(events)
        last = max([as_of, *(e.date for e in listed if isinstance(e, Event))])
        return super().evaluate(subjects, listed, as_of=last).model_copy(update={"as_of": as_of})


class DurableDropsADecision(Engine):
    """Backend agreement broken: the durable backend loses the last decision."""

    def evaluate(self, subjects: Subjects, events: Events, *, as_of: dt.date) -> Evaluation:
        result = super().evaluate(subjects, events, as_of=as_of)
        if self.backend == "durable" and result.decisions:
            return result.model_copy(update={"decisions": result.decisions[:-1]})
        return result


class IgnoresLayeredDecisions(Engine):
    """Layering neutrality broken: a layered ruleset loses its last decision."""

    def evaluate(self, subjects: Subjects, events: Events, *, as_of: dt.date) -> Evaluation:
        result = super().evaluate(subjects, events, as_of=as_of)
        if self.ruleset.layers and result.decisions:
            return result.model_copy(update={"decisions": result.decisions[:-1]})
        return result


@pytest.mark.parametrize(
    ("engine", "invariant"),
    [
        (ForgetsDutiesEveryOtherTime, "determinism"),
        (SeesTheFuture, "time_locality"),
        pytest.param(
            DurableDropsADecision,
            "backend_agreement",
            marks=pytest.mark.skipif(not HAS_DURABLE, reason="the durable extra is not installed"),
        ),
        (IgnoresLayeredDecisions, "layering_neutrality"),
    ],
)
def test_check_catches_an_engine_that_breaks_what_no_ruleset_can(
    engine: type[Engine], invariant: str
) -> None:
    report = invariants.check_ruleset(
        LIANYUNGANG, profile="ci", max_examples=40, invariants=[invariant], engine_factory=engine
    )
    result = report.result(invariant)
    assert result.status == "failed", result
    assert result.counterexample is not None and len(result.counterexample.events) <= 4
    assert result.scenario is not None and "ruleset: lianyungang-2007" in result.scenario


def test_an_invariant_raises_a_violation_carrying_its_counterexample() -> None:
    entries = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{n}",
            "category": "lend_certificate",
            "date": dt.date(2010, 1, n),
        }
        for n in (1, 2)
    ]
    case = Case(
        (InsuredPerson(id="p1"),),
        tuple(parse_events("lianyungang-2007", entries)),
        as_of=dt.date(2010, 1, 5),
    )
    with pytest.raises(InvariantViolation) as raised:
        invariants.determinism(ForgetsDutiesEveryOtherTime(LIANYUNGANG), case)
    violation = raised.value
    assert isinstance(violation, CreditRulesError)
    assert violation.invariant == "determinism"
    assert violation.counterexample is case
    assert violation.scenario is not None and violation.scenario in str(violation)
    assert "Lianyungang Art 5" in violation.cites
    invariants.determinism(Engine(LIANYUNGANG), case)  # the real engine keeps it


def test_invariants_are_named_documented_and_cite_what_they_protect() -> None:
    names = [i.name for i in invariants.INVARIANTS]
    assert names == [
        "determinism",
        "time_locality",
        "monotonicity",
        "expiry",
        "deadline_sanity",
        "backend_agreement",
        "layering_neutrality",
    ]
    for invariant in invariants.ALL_INVARIANTS:
        assert invariant.check.__doc__ and re.search(r"Art|decisions/", invariant.protects)
        assert invariants.by_name(invariant.name) is invariant
        assert invariant.name in DOCS.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="known: determinism"):
        invariants.by_name("fairness")
    assert [i.name for i in invariants.applicable(LIANYUNGANG)] == [
        n for n in names if n != "deadline_sanity"
    ]


def test_an_invariant_with_nothing_to_check_says_why() -> None:
    from_text = loads_ruleset((ROOT / "rulesets" / "lianyungang-2007.yaml").read_bytes())
    report = invariants.check_ruleset(
        from_text, max_examples=2, invariants=["layering_neutrality", "deadline_sanity"]
    )
    assert [(r.status, r.message) for r in report.results] == [
        (
            "not_applicable",
            f"the ruleset was not loaded from a file ({from_text.source}), so "
            "nothing can extend it",
        ),
        ("not_applicable", "the ruleset has no deadline rules"),
    ]


# The parameters whose every admissible value keeps Arts 9–11 monotone. Left out, because the
# kit shows they do not (see the next test): audit_flag_beyond_two (its alternative reading) and
# the terms of the measures (a shorter term for a graver measure).
MONOTONE_PARAMETERS = [
    "record_validity",
    "warning_records",
    "settlement_change_records",
    "time_limited_records",
    "measure_ends_when_older_record_expires",
]


@KIT
@given(crs.cases(LIANYUNGANG, vary_parameters=True, parameters=MONOTONE_PARAMETERS))
def test_under_every_admissible_reading_one_more_record_is_never_milder(case: Case) -> None:
    # As an external suite would: one invariant, every reading within the declared bounds.
    invariants.monotonicity(Engine(LIANYUNGANG), case)


@pytest.mark.parametrize(
    ("changes", "group"),
    [
        # Interpretation audit_flag_beyond_two, alternative exactly_two: "a third record would
        # lift a supervision measure that a second record imposed" (the ruleset's rationale).
        ({"audit_flag_beyond_two": False}, "'audit_flag'"),
        # A graver measure with a shorter term than the milder one: the file cannot state that
        # time_limited_term must be at least settlement_change_term.
        ({"time_limited_term": "0 years"}, "'settlement_measure'"),
    ],
)
def test_readings_that_break_monotonicity_are_caught(changes: dict[str, Any], group: str) -> None:
    entries = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{n}",
            "category": "lend_certificate",
            "date": dt.date(2010, 1, 4),
        }
        for n in (1, 2, 3)
    ]
    case = Case(
        (InsuredPerson(id="p1"),),
        tuple(parse_events("lianyungang-2007", entries)),
        as_of=dt.date(2010, 1, 5),
        parameters=tuple(sorted(changes.items())),
    )
    with pytest.raises(InvariantViolation, match=f"made p1's {group} measure milder"):
        invariants.monotonicity(Engine(LIANYUNGANG), case)
    invariants.monotonicity(Engine(LIANYUNGANG), dataclasses.replace(case, parameters=()))


def test_a_counterexample_with_changed_parameters_says_how_to_reproduce_it() -> None:
    case = Case(
        (InsuredPerson(id="p1"),),
        (),
        as_of=dt.date(2010, 1, 1),
        parameters=(("record_validity", "3 years"),),
    )
    text = render_scenario(LIANYUNGANG, case)
    assert '#   record_validity: "3 years"' in text
    assert "with_parameters" in text
    assert "events: []" in text


def test_an_unknown_vocabulary_is_refused_before_anything_runs() -> None:
    odd = dataclasses.replace(LIANYUNGANG, vocabulary="nowhere-2030")
    with pytest.raises(ValueError, match="no history strategy"):
        invariants.check_ruleset(odd, max_examples=1)


# -- findings: engine defects the kit found, now fixed (kept as regression tests) -----------


def test_same_day_objection_decisions_do_not_depend_on_listing_order() -> None:
    # Ganzhou Art 20: two objections to one evaluation, both upheld on the same day with
    # different adjusted scores. The fact adjusted_score is the "last" decision, and the engine
    # takes same-day events in the order given: listing them the other way round turns general
    # supervision into reduced supervision (Art 14).
    def decided(objection: str, score: int) -> dict[str, Any]:
        return {
            "type": "objection_decided",
            "subject": "s1",
            "objection": objection,
            "evaluation": "e1",
            "result": "upheld",
            "adjusted_score": score,
            "date": dt.date(2024, 3, 10),
        }

    raw = [
        {
            "type": "evaluation_published",
            "subject": "s1",
            "evaluation": "e1",
            "year": 2024,
            "score": 60,
            "date": dt.date(2024, 3, 1),
        },
        *(
            {
                "type": "objection_filed",
                "subject": "s1",
                "objection": name,
                "evaluation": "e1",
                "ground": "evaluation_result_disputed",
                "date": dt.date(2024, 3, 4),
            }
            for name in ("o1", "o2")
        ),
        decided("o1", 95),
        decided("o2", 70),
    ]
    case = Case(
        (RetailPharmacy(id="s1"),), tuple(parse_events("ganzhou-2023", raw)), dt.date(2024, 6, 1)
    )
    invariants.order_independence(Engine(GANZHOU), case)


def test_an_empty_layer_over_a_layer_keeps_the_layers_base(tmp_path: Path) -> None:
    # ruleset/loader.py re-reads the base file's raw document and merges the new layer over it
    # without resolving that document's own `extends:`, so everything the base inherits is lost.
    layer = tmp_path / "empty.yaml"
    layer.write_text(f"extends: {BROKEN / 'lianyungang-third-record-milder.yaml'}\nid: empty\n")
    layered = load_ruleset(layer)
    base = load_ruleset(BROKEN / "lianyungang-third-record-milder.yaml")
    # Line numbers point into whichever file wrote a rule; everything else must be equal.
    assert [dataclasses.replace(r, line=None) for r in layered.rules] == [
        dataclasses.replace(r, line=None) for r in base.rules
    ]


def test_a_correction_of_a_record_entered_before_the_measures_is_ignored() -> None:
    # docs/semantics.md: events before in_force_from are ignored (non-retroactivity). A record
    # entered 2007-09-20 is ignored, but its correction on 2007-11-05 is not, and the engine
    # then refuses the history as "a correction of a record that was never entered".
    result = Engine(LIANYUNGANG).evaluate(
        [{"id": "p1", "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": "p1",
                "record": "r1",
                "category": "lend_certificate",
                "date": "2007-09-20",
            },
            {
                "type": "record_corrected",
                "subject": "p1",
                "record": "r1",
                "action": "removed",
                "date": "2007-11-05",
            },
        ],
        as_of=dt.date(2008, 1, 1),
    )
    assert not result.decisions


# -- profiles ----------------------------------------------------------------------------------


def test_the_ci_profile_is_derandomised_without_deadline_or_database() -> None:
    ci, dev = profiles.profile_settings("ci"), profiles.profile_settings("dev")
    assert ci.derandomize and ci.deadline is None and ci.database is None
    assert HealthCheck.too_slow in ci.suppress_health_check
    assert ci.print_blob and dev.print_blob
    assert ci.max_examples > dev.max_examples
    assert not dev.derandomize and dev.deadline is None
    with pytest.raises(ValueError, match="use one of ci, dev"):
        profiles.profile_settings("nightly")


def test_load_profile_follows_hypothesis_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    current = settings.get_current_profile_name()
    try:
        monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
        assert profiles.load_profile() == "ci"
        assert settings.default is not None and settings.default.derandomize
        monkeypatch.delenv("HYPOTHESIS_PROFILE")
        assert profiles.load_profile() == "dev"
        monkeypatch.setenv("HYPOTHESIS_PROFILE", "nightly")
        with pytest.raises(ValueError, match="HYPOTHESIS_PROFILE='nightly'"):
            profiles.load_profile()
    finally:
        settings.load_profile(current)


def test_this_suite_runs_under_the_profile_named_by_the_environment() -> None:
    expected = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
    assert settings.get_current_profile_name() == expected


# -- the command -----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_passes_on_a_bundled_ruleset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "check",
        str(ROOT / "rulesets" / "lianyungang-2007.yaml"),
        "--profile",
        "ci",
        "--max-examples",
        "5",
    )
    assert code == 0, out
    assert "all invariants hold" in out and "\x1b[" not in out
    assert re.search(r"deadline_sanity\s+n/a", out)


def check_third_record_milder(
    capsys: pytest.CaptureFixture[str], *more: str
) -> tuple[int, str, str]:
    """``credit-rules check`` of monotonicity on the ruleset broken on purpose for it."""
    path = str(BROKEN / "lianyungang-third-record-milder.yaml")
    return run(capsys, "check", path, "--profile", "ci", "--invariant", "monotonicity", *more)


def test_check_reports_a_violation_in_the_readers_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An analyst reading Chinese reads the finding in Chinese: what made which measure
    milder, on which day, with dates as Chinese documents write them."""
    code, out, _ = check_third_record_milder(capsys, "--lang", "zh")
    assert code == 1
    finding = next(line for line in out.splitlines() if "变轻" in line)
    assert re.search(r"于 \d{4}年\d{1,2}月\d{1,2}日 记入记录 r\d+使 p1 的", finding), finding
    assert "没有它时适用" in finding and "made p1" not in finding and "milder" not in finding
    # The counterexample is a file to keep: its comments stay in one language, English.
    assert "# entering record r" in out


def test_check_fails_and_saves_the_counterexample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "found"
    code, out, _ = check_third_record_milder(capsys, "--save-counterexamples", str(folder))
    assert code == 1
    # The counterexample is the scenario; Hypothesis' own reproduction line is for developers
    # and stays out of the analyst's report.
    assert "monotonicity: VIOLATED" in out and "@reproduce_failure" not in out
    (saved,) = folder.glob("*.scenario.yaml")
    assert saved.name == "lianyungang-2007-third-record-milder-monotonicity.scenario.yaml"
    assert load_scenario(saved).ruleset.id == "lianyungang-2007-third-record-milder"


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "no-such-ruleset.yaml"],
        ["check", "lianyungang-2007", "--max-examples", "0"],
        ["check", "lianyungang-2007", "--profile", "nightly"],
        ["check", "lianyungang-2007", "--invariant", "fairness"],
    ],
)
def test_check_exits_2_on_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.strip() and "Traceback" not in err


def test_check_exits_2_when_the_counterexample_folder_is_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    code, _, err = run(
        capsys, "check", "lianyungang-2007", "--save-counterexamples", str(not_a_folder)
    )
    assert code == 2 and "needs a folder" in err


def _script() -> str:
    found = shutil.which("credit-rules", path=str(Path(sys.executable).parent))
    assert found, "the credit-rules script is not installed next to this Python"
    return found


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({}, False)],
)
def test_the_installed_command_colours_only_a_terminal_and_never_under_no_color(
    env: dict[str, str], coloured: bool
) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    done = subprocess.run(
        [_script(), "check", "ganzhou-2023", "--profile", "ci", "--max-examples", "3"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("\x1b[" in done.stdout) == coloured


# -- an external project, as docs/testing.md shows it ----------------------------------------


def _documented_files() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- external-project: (\S+) -->\n```python\n(.*?)```", text, re.S)
    return dict(blocks)


def _pytest_in(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_external_project_of_docs_testing_md_passes(tmp_path: Path) -> None:
    files = _documented_files()
    assert set(files) == {"tests/conftest.py", "tests/test_modified_lianyungang.py"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = _pytest_in(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_a_failing_property_prints_the_scenario_and_the_reproduce_line(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(_documented_files()["tests/conftest.py"])
    (tmp_path / "tests" / "test_broken.py").write_text(
        "from hypothesis import given\n"
        "from credit_rules import Engine, load_ruleset\n"
        "from credit_rules.testing import invariants, strategies as crs\n"
        f"RULESET = load_ruleset({str(BROKEN / 'lianyungang-third-record-milder.yaml')!r})\n"
        "@given(crs.cases(RULESET))\n"
        "def test_monotonicity(case):\n"
        "    invariants.monotonicity(Engine(RULESET), case)\n"
    )
    done = _pytest_in(tmp_path)
    assert done.returncode == 1
    assert "counterexample (save as a .scenario.yaml file):" in done.stdout
    assert "@reproduce_failure" in done.stdout


def test_two_suspensions_of_one_objection_on_one_day_do_not_depend_on_listing_order() -> None:
    # Ganzhou Art 20: an objection suspended on one day for testing and for expert review. The
    # due date is the same either way, but the deadline's excluded periods (and its explanation)
    # came in the order the events were listed, because the canonical order of same-day events
    # (type, then id) tied on these two; ties are now broken by the events' whole content.
    def suspended(reason: str, until: dt.date) -> dict[str, Any]:
        return {
            "type": "objection_suspended",
            "subject": "s1",
            "objection": "o1",
            "reason": reason,
            "date": dt.date(2024, 3, 6),
            "until": until,
        }

    raw = [
        {
            "type": "objection_filed",
            "subject": "s1",
            "objection": "o1",
            "ground": "record_error_or_omission",
            "date": dt.date(2024, 3, 4),
        },
        suspended("testing", dt.date(2024, 3, 8)),
        suspended("expert_review", dt.date(2024, 3, 20)),
    ]
    case = Case(
        (RetailPharmacy(id="s1"),), tuple(parse_events("ganzhou-2023", raw)), dt.date(2024, 6, 1)
    )
    invariants.determinism(Engine(GANZHOU), case)  # what the engine promises today holds
    invariants.order_independence(Engine(GANZHOU), case)
