"""``Engine(ruleset, backend="columnar")``: the Polars plans behind the typed API.

tests/test_columnar_differential.py holds its evaluations equal to the walk's on generated
populations given as dicts; here are the other ways in (models, a mix, a counter), the
questions that still walk (assessments), and what happens without polars.
"""

from __future__ import annotations

import datetime as dt
import pickle
import sys
from typing import Any

import pytest

pytest.importorskip("polars")

from credit_rules import Engine, Ledger, bundled
from credit_rules.engine.walk import Counter
from credit_rules.errors import HistoryError
from credit_rules.model.vocabularies import parse_events

LIANYUNGANG = bundled("lianyungang-2007")
AS_OF = dt.date(2009, 6, 1)
SUBJECTS = [{"id": f"p{n}", "kind": "insured_person"} for n in range(4)]


def _entered(subject: str, record: str, day: str, category: str = "lend_certificate") -> Any:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": category,
        "date": day,
    }


EVENTS = [
    _entered("p0", "r1", "2008-03-10"),
    _entered("p0", "r2", "2009-05-20", "resell_drugs"),
    _entered("p1", "r3", "2008-07-01"),
    {
        "type": "record_corrected",
        "subject": "p1",
        "record": "r3",
        "action": "removed",
        "date": "2008-09-01",
    },
    _entered("p2", "r4", "2009-01-05"),
    _entered("p2", "r5", "2009-02-05"),
    _entered("p2", "r6", "2009-03-05"),
]


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    return Engine(LIANYUNGANG), Engine(LIANYUNGANG, backend="columnar")


def test_models_dicts_and_a_mix_give_the_walks_evaluation(engines: tuple[Engine, Engine]) -> None:
    walk, columnar = engines
    want = walk.evaluate(SUBJECTS, EVENTS, as_of=AS_OF)
    assert want.decisions  # the population has something to show
    models = parse_events(LIANYUNGANG.vocabulary, EVENTS)
    mixed = [models[0], *EVENTS[1:]]
    for events in (EVENTS, models, mixed, iter(models)):
        got = columnar.evaluate(SUBJECTS, events, as_of=AS_OF)
        assert got == want
        assert got.model_dump_json() == want.model_dump_json()
        assert columnar.outcomes(SUBJECTS, events, as_of=AS_OF) == walk.outcomes(
            SUBJECTS, events, as_of=AS_OF
        )


def test_results_of_triggers_that_tie_come_in_the_walks_order(
    engines: tuple[Engine, Engine],
) -> None:
    """Two queries on one day name no record: their duties (Art 12: the record report) tie
    on rule, day and key. The walk lists the later query's first (found by the differential
    test: the plans' table lists them by their place in the history)."""
    walk, columnar = engines
    events = [
        _entered("p0", "r1", "2008-02-29"),
        {"type": "query_requested", "subject": "p0", "date": "2008-02-29"},
        {"type": "query_requested", "subject": "p0", "date": "2008-02-29"},
    ]
    as_of = dt.date(2008, 2, 29)
    want = walk.evaluate(SUBJECTS[:1], events, as_of=as_of)
    reports = [d.trigger.seq for d in want.duties if d.rule == "art12_record_report"]
    assert reports == [2, 1]
    assert columnar.evaluate(SUBJECTS[:1], events, as_of=as_of) == want


def test_a_subject_with_nothing_is_evaluated_all_the_same(engines: tuple[Engine, Engine]) -> None:
    _, columnar = engines
    evaluation = columnar.evaluate(SUBJECTS, EVENTS, as_of=AS_OF)
    assert evaluation.outcomes("p3") == frozenset()
    assert evaluation.subjects == tuple(s["id"] for s in SUBJECTS)


def test_a_contradiction_is_refused_in_the_walks_words(engines: tuple[Engine, Engine]) -> None:
    walk, columnar = engines
    twice = [*EVENTS, {**EVENTS[0], "category": "resell_drugs"}]
    with pytest.raises(HistoryError) as walked:
        walk.evaluate(SUBJECTS, twice, as_of=AS_OF)
    for question in (columnar.evaluate, columnar.outcomes):
        with pytest.raises(HistoryError) as refused:
            question(SUBJECTS, twice, as_of=AS_OF)
        assert str(refused.value) == str(walked.value)


def test_a_counter_asks_the_walk_which_counts(engines: tuple[Engine, Engine]) -> None:
    """The complexity test counts the walk's work; with a counter the walk answers."""
    walk, columnar = engines
    counter = Counter()
    got = columnar.evaluate(SUBJECTS, EVENTS, as_of=AS_OF, counter=counter)
    assert counter.assessments > 0
    assert got == walk.evaluate(SUBJECTS, EVENTS, as_of=AS_OF)


def test_assessments_walk_one_subjects_history(engines: tuple[Engine, Engine]) -> None:
    walk, columnar = engines
    assert columnar.assessments(SUBJECTS[2], EVENTS, as_of=AS_OF) == walk.assessments(
        SUBJECTS[2], EVENTS, as_of=AS_OF
    )


def test_the_backend_survives_pickling(engines: tuple[Engine, Engine]) -> None:
    _, columnar = engines
    again = pickle.loads(pickle.dumps(columnar))
    assert again.backend == "columnar"
    assert again.evaluate(SUBJECTS, EVENTS, as_of=AS_OF) == columnar.evaluate(
        SUBJECTS, EVENTS, as_of=AS_OF
    )


def test_a_ledger_refuses_the_columnar_backend() -> None:
    with pytest.raises(ValueError, match="one subject at a time"):
        Ledger(LIANYUNGANG, backend="columnar")


def test_without_polars_the_backend_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name == "polars" or name.startswith(("polars.", "credit_rules.columnar")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "polars", None)  # what an absent package looks like
    with pytest.raises(ImportError, match=r"credit-rules\[columnar\]"):
        Engine(LIANYUNGANG, backend="columnar")
    assert Engine(LIANYUNGANG).evaluate(SUBJECTS, EVENTS, as_of=AS_OF).decisions
