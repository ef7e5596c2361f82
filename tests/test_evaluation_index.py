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

from credit_rules import Engine, load_scenario
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
