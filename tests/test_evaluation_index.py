"""``Evaluation.outcomes(subject)`` and ``Evaluation.active(subject)`` answer from an index.

A service evaluates a population once and then asks about subject after subject; a scan of the
whole evaluation per question would make n questions cost n². The index is a cache of the
evaluation's fields, so it must give exactly what a scan gives, and it must not be part of the
value: asking a question changes neither equality nor the hash, and a copy with other results
answers from its own results.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from credit_rules import Engine, bundled, load_scenario
from credit_rules.engine.program import SharedProvenances
from credit_rules.errors import NotEvaluated
from credit_rules.model.results import Decision, Evaluation

ROOT = Path(__file__).resolve().parents[1]
# The scenarios whose history the law allows (the others expect an error, not an evaluation).
SCENARIOS = [
    path
    for path in sorted((ROOT / "rulesets").glob("*/scenarios/*.scenario.yaml"))
    if (expected := load_scenario(path).expect) is None or expected.error is None
]


def _scanned(evaluation: Evaluation, subject: str) -> tuple[Decision, ...]:
    return tuple(d for d in evaluation.decisions if d.active and d.subject == subject)


def _evaluated(path: Path) -> tuple[Evaluation, list[str]]:
    scenario = load_scenario(path)
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    return evaluation, [str(subject["id"]) for subject in scenario.subjects]


def test_every_bundled_scenario_is_there_to_check() -> None:
    assert len(SCENARIOS) > 40
    assert {path.parts[-3] for path in SCENARIOS} == {"lianyungang-2007", "ganzhou-2023"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_the_index_answers_what_a_scan_answers(path: Path) -> None:
    evaluation, subjects = _evaluated(path)
    for subject in subjects:
        assert evaluation.active(subject) == _scanned(evaluation, subject)
        assert evaluation.outcomes(subject) == frozenset(
            d.outcome for d in _scanned(evaluation, subject)
        )
    assert evaluation.active() == tuple(d for d in evaluation.decisions if d.active)
    with pytest.raises(NotEvaluated):
        evaluation.outcomes("no-such-subject")


def _with_measure() -> tuple[Evaluation, str]:
    for path in SCENARIOS:
        evaluation, subjects = _evaluated(path)
        for subject in subjects:
            if evaluation.outcomes(subject):
                return _evaluated(path)[0], subject
    raise AssertionError("no bundled scenario has an active measure")


def test_asking_changes_neither_equality_nor_hash() -> None:
    asked, subject = _with_measure()
    fresh = asked.model_copy()
    assert asked.outcomes(subject)
    assert asked == fresh and fresh == asked
    assert hash(asked) == hash(fresh)
    assert copy.deepcopy(asked) == asked
    assert pickle.loads(pickle.dumps(asked)).outcomes(subject) == asked.outcomes(subject)


def test_a_copy_with_other_results_answers_from_them() -> None:
    evaluation, subject = _with_measure()
    assert evaluation.outcomes(subject)  # the index is built here
    emptied = evaluation.model_copy(update={"decisions": ()})
    assert emptied.outcomes(subject) == frozenset()
    assert emptied.active(subject) == ()
    assert evaluation.outcomes(subject)
    assert emptied != evaluation


def test_results_that_read_the_same_values_share_one_provenance() -> None:
    """A population's results read few distinct values; one provenance object per rule and
    values keeps a million results from holding a million more objects for the garbage
    collector to visit (engine/program.py, SharedProvenances)."""
    engine = Engine(bundled("lianyungang-2007"))
    entry = {"type": "dishonesty_entered", "category": "lend_certificate", "date": "2009-03-10"}
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(3)]
    events = [{**entry, "subject": f"p{n}", "record": "r1"} for n in range(3)]
    events.append({**entry, "subject": "p2", "record": "r2", "date": "2009-04-10"})
    evaluation = engine.evaluate(subjects, events, as_of="2009-06-01")
    first = {d.subject: d for d in evaluation.decisions if d.trigger.key == "r1"}
    assert first["p0"].provenance is first["p1"].provenance
    second = next(d for d in evaluation.decisions if d.trigger.key == "r2")
    assert second.provenance.values != first["p0"].provenance.values
    assert second.provenance is not first["p0"].provenance


def test_a_value_that_cannot_be_a_key_gets_its_own_provenance() -> None:
    rule = Engine(bundled("lianyungang-2007"))._program.rules[0]

    class Unhashable:
        index, text = rule.index, rule.text

        def values_of(self, env: dict[str, object]) -> tuple[object, ...]:
            return ([1, 2],)

    shared = SharedProvenances()
    one, two = shared.of(Unhashable(), {}), shared.of(Unhashable(), {})  # type: ignore[arg-type]
    assert one == two and one is not two
    assert one.values == ([1, 2],) and one.text is rule.text
