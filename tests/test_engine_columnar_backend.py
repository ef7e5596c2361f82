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
from credit_rules.errors import CreditRulesError, HistoryError, ScenarioError
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


def test_results_of_one_trigger_share_one_trigger_object_as_in_the_walk(
    engines: tuple[Engine, Engine],
) -> None:
    """A population's results hold one trigger object per trigger, decisions and duties
    alike, as the walk's do: a million results would otherwise hold a million copies. Each
    result must still hold its own trigger, not a neighbour's."""
    walk, columnar = engines
    want = walk.evaluate(SUBJECTS, EVENTS, as_of=AS_OF)
    got = columnar.evaluate(SUBJECTS, EVENTS, as_of=AS_OF)
    assert [r.trigger for r in got.results()] == [r.trigger for r in want.results()]
    by_value: dict[Any, set[int]] = {}
    for result in got.results():
        by_value.setdefault(result.trigger, set()).add(id(result.trigger))
    assert all(len(objects) == 1 for objects in by_value.values())
    # An entry sets off a measure and a duty to notify: one object for both tables.
    assert got.duties
    decided = {id(d.trigger) for d in got.decisions}
    assert any(id(duty.trigger) in decided for duty in got.duties)


def test_results_of_triggers_that_tie_come_in_the_historys_order(
    engines: tuple[Engine, Engine],
) -> None:
    """Two queries on one day name no record: their duties (Art 12: the record report) tie
    on rule, day and key, and both engines list them by the queries' places in the history
    (found by the differential test: the walk listed the later query's first)."""
    walk, columnar = engines
    events = [
        _entered("p0", "r1", "2008-02-29"),
        {"type": "query_requested", "subject": "p0", "date": "2008-02-29"},
        {"type": "query_requested", "subject": "p0", "date": "2008-02-29"},
    ]
    as_of = dt.date(2008, 2, 29)
    want = walk.evaluate(SUBJECTS[:1], events, as_of=as_of)
    reports = [d.trigger.seq for d in want.duties if d.rule == "art12_record_report"]
    assert reports == [1, 2]
    assert columnar.evaluate(SUBJECTS[:1], events, as_of=as_of) == want


def test_touching_pieces_of_twin_triggers_are_joined_on_both_backends() -> None:
    """Ganzhou Art 23(1): an application for repair less than three months after the
    determination is refused, and no repair is made that year: from its day to 31 December.
    Two applications on one day (the second names another department) are two triggers; a
    breached commitment cuts the stretch of days on 1 May, and each trigger's two touching
    pieces are one decision again. The walk interleaved the twins' pieces and left them
    apart (found by review: the plans joined them). (Two applications under one id, as
    first found, are now refused: an application id names one application.)"""
    ganzhou = bundled("ganzhou-2023")
    application = {
        "type": "repair_applied",
        "subject": "s0",
        "application": "a1",
        "record": "r1",
        "materials": ["application_and_commitment", "rectification_evidence"],
        "date": "2024-04-01",
    }
    events = [
        {
            "type": "dishonesty_determined",
            "subject": "s0",
            "record": "r1",
            "category": "fraud",
            "date": "2024-03-01",
        },
        application,
        {**application, "application": "a2", "department": "other"},
        {"type": "commitment_breached", "subject": "s0", "commitment": "a1", "date": "2024-05-01"},
    ]
    subjects = [{"id": "s0", "kind": "medical_institution"}]
    as_of = dt.date(2024, 6, 30)
    want = Engine(ganzhou).evaluate(subjects, events, as_of=as_of)
    refused = [
        (d.trigger.seq, d.from_, d.until)
        for d in want.decisions
        if d.rule == "art23_1_repair_refused_too_soon"
    ]
    whole_year = (dt.date(2024, 4, 1), dt.date(2024, 12, 31))
    assert refused == [(1, *whole_year), (2, *whole_year)]
    got = Engine(ganzhou, backend="columnar").evaluate(subjects, events, as_of=as_of)
    assert got == want
    assert got.model_dump_json() == want.model_dump_json()


GANZHOU_SUBJECTS = [{"id": f"s{n}", "kind": "medical_institution"} for n in range(6)]


def _both(ruleset_id: str) -> tuple[Engine, Engine]:
    ruleset = bundled(ruleset_id)
    return Engine(ruleset), Engine(ruleset, backend="columnar")


def _answer(question: Any, subjects: Any, events: Any, as_of: dt.date) -> Any:
    """What a question gives: its value, or the type and words of its refusal."""
    try:
        return question(subjects, events, as_of=as_of)
    except CreditRulesError as refused:
        return type(refused), str(refused)


def test_an_iterator_of_events_is_read_once_whichever_path_answers(
    engines: tuple[Engine, Engine],
) -> None:
    """A model of a subclass (or of another vocabulary) sends the population to the walk;
    the walk must then see the events the iterator gave, not an emptied iterator."""
    walk, columnar = engines
    models = parse_events(LIANYUNGANG.vocabulary, EVENTS)

    class Entered(type(models[0])):  # type: ignore[misc]
        pass

    mine = [Entered(**models[0].model_dump()), *EVENTS[1:]]
    foreign = parse_events(
        bundled("ganzhou-2023").vocabulary,
        [{"type": "agreement_terminated", "subject": "p0", "date": "2009-05-20"}],
    )
    for events in (mine, [*models, *foreign]):
        for question in ("evaluate", "outcomes"):
            want = _answer(getattr(walk, question), SUBJECTS, events, AS_OF)
            got = _answer(getattr(columnar, question), SUBJECTS, iter(events), AS_OF)
            assert got == want
    assert walk.evaluate(SUBJECTS, mine, as_of=AS_OF).decisions


def test_what_the_plans_refuse_the_walk_answers_or_refuses_in_its_own_words() -> None:
    """Ganzhou Art 25: extensions of a repair decision are capped at 15 working days. Six
    institutions each exceed it; the walk names the first in id order, the plans whichever
    they meet first, so the walk is asked. A count no 64-bit column holds, even on an
    extension of an application never accepted, which no rule reads, is refused as input by
    both, in the same words."""
    walk, columnar = _both("ganzhou-2023")
    over_cap = []
    for number, subject in enumerate(GANZHOU_SUBJECTS):
        common = {"subject": subject["id"], "application": "a1"}
        over_cap += [
            {
                **common,
                "type": "repair_applied",
                "record": "d1",
                "materials": ["application_and_commitment", "rectification_evidence"],
                "date": "2024-03-29",
            },
            {**common, "type": "repair_accepted", "date": "2024-04-01"},
            {
                **common,
                "type": "repair_extended",
                "working_days": 16 + number,
                "date": "2024-04-02",
            },
        ]
    huge = [
        {"type": "agreement_terminated", "subject": "s0", "date": "2024-04-01"},
        {
            "type": "repair_extended",
            "subject": "s0",
            "application": "never",
            "working_days": 2**63,
            "date": "2024-04-02",
        },
    ]
    as_of = dt.date(2024, 4, 10)
    refusal = _answer(walk.evaluate, GANZHOU_SUBJECTS, over_cap, as_of)
    assert isinstance(refusal, tuple) and "16 working days" in refusal[1]
    for events in (over_cap, huge):
        for question in ("evaluate", "outcomes"):
            want = _answer(getattr(walk, question), GANZHOU_SUBJECTS, events, as_of)
            assert _answer(getattr(columnar, question), GANZHOU_SUBJECTS, events, as_of) == want
    refused = _answer(walk.outcomes, GANZHOU_SUBJECTS, huge, as_of)
    assert refused[0] is ScenarioError and "events[1].working_days" in refused[1], refused


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
