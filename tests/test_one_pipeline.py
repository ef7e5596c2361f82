"""One pipeline: the engine's three questions agree, causes are data, and what is known when.

- ``evaluate``, ``outcomes`` and ``assessments`` are projections of one walk, so on any history
  (records entered before the measures took effect and corrected after, same-day events,
  suspensions, extensions) they give the same answer.
- A result names its trigger as data; the ledger, the agenda and why-not join on it, so changing
  the wording of every reason changes none of their answers.
- On ``as_of`` only what had been decided by then exists (Lianyungang Art 13: "经核实，确需更正的，
  经认可后，及时予以更正"): adding an event whose decision day is after ``as_of`` changes nothing.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest
from contradictions import contradicted
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import credit_rules.model.results as results
from credit_rules import Engine, Ledger, bundled
from credit_rules.engine.inputs import _DEFERRED_FROM
from credit_rules.errors import HistoryError
from credit_rules.explain.whynot import explain
from credit_rules.model.events import RecordCorrected
from credit_rules.ruleset import ir
from credit_rules.testing.strategies import Case, cases

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
ENGINES = {"lianyungang-2007": Engine(LIANYUNGANG), "ganzhou-2023": Engine(GANZHOU)}
COLUMNAR = Engine(LIANYUNGANG, backend="columnar")


def _check_projections_agree(engine: Engine, case: Case) -> None:
    evaluation = engine.evaluate(case.subjects, case.events, as_of=case.as_of)
    active = engine.outcomes(case.subjects, case.events, as_of=case.as_of)
    for subject in case.subjects:
        assert evaluation.outcomes(subject.id) == active.get(subject.id, frozenset())
        assessed = engine.assessments(subject, case.events, as_of=case.as_of)
        fired = {(rule, a.trigger) for a in assessed for rule in a.firing}
        for result in evaluation.results():
            if result.subject == subject.id:
                assert (result.rule, result.trigger) in fired, result.rule
        # Every fact a decision's provenance shows is what its latest assessment saw.
        for decision in evaluation.decisions:
            if decision.subject != subject.id:
                continue
            seen = [
                a
                for a in assessed
                if decision.rule in a.firing
                and a.trigger == decision.trigger
                and a.first <= (decision.until or case.as_of)
            ]
            latest = max(seen, key=lambda a: a.first)
            for name, value in decision.provenance.facts.items():
                assert latest.env[name] == value, name


@settings(max_examples=60)
@given(cases(LIANYUNGANG))
def test_lianyungang_evaluate_outcomes_and_assessments_agree(case: Case) -> None:
    _check_projections_agree(ENGINES["lianyungang-2007"], case)


@settings(max_examples=60)
@given(cases(GANZHOU))
def test_ganzhou_evaluate_outcomes_and_assessments_agree(case: Case) -> None:
    _check_projections_agree(ENGINES["ganzhou-2023"], case)


def _check_refusals_agree(ruleset: ir.Ruleset, case: Case, data: st.DataObject) -> None:
    """``outcomes`` walks only the subjects a measure can still reach, but refuses every
    history ``evaluate`` refuses, with the same problem: an old contradiction too."""
    engine = ENGINES[ruleset.id]
    plain = [e.model_dump(mode="json") for e in case.events]
    events = contradicted(data.draw, ruleset, plain, case.as_of)
    try:
        evaluation = engine.evaluate(case.subjects, events, as_of=case.as_of)
    except HistoryError as refused:
        with pytest.raises(HistoryError) as again:
            engine.outcomes(case.subjects, events, as_of=case.as_of)
        assert str(again.value) == str(refused)
        return
    active = engine.outcomes(case.subjects, events, as_of=case.as_of)
    for subject in case.subjects:
        assert evaluation.outcomes(subject.id) == active.get(subject.id, frozenset())


@pytest.mark.parametrize("ruleset", [LIANYUNGANG, GANZHOU], ids=lambda r: r.id)
@settings(max_examples=60)
@given(data=st.data())
def test_outcomes_refuses_every_history_evaluate_refuses(
    ruleset: ir.Ruleset, data: st.DataObject
) -> None:
    _check_refusals_agree(ruleset, data.draw(cases(ruleset)), data)


def _cloned(
    subjects: list[dict[str, Any]], events: list[dict[str, Any]], copies: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``copies`` clones of every subject, each with its own copy of that subject's events."""
    return (
        [{**s, "id": f"{s['id']}-c{k}"} for k in range(copies) for s in subjects],
        [{**e, "subject": f"{e['subject']}-c{k}"} for k in range(copies) for e in events],
    )


@pytest.mark.parametrize("ruleset", [LIANYUNGANG, GANZHOU], ids=lambda r: r.id)
@settings(max_examples=12)
@given(data=st.data())
def test_a_population_gets_what_each_subject_gets_alone(
    ruleset: ir.Ruleset, data: st.DataObject
) -> None:
    """From ``_DEFERRED_FROM`` events on, ``outcomes`` notes the kept events during its pass
    and groups only the chosen subjects' afterwards; a small request groups at once. Clones
    of a generated history (valid, or with a contradiction) pushed past that size must give
    every clone what the history gives alone, and refuse whatever it refuses."""
    engine = ENGINES[ruleset.id]
    case = data.draw(cases(ruleset))
    events = [e.model_dump(mode="json") for e in case.events]
    assume(events)
    if data.draw(st.booleans(), label="contradicted"):
        events = contradicted(data.draw, ruleset, events, case.as_of)
    subjects = [s.model_dump(mode="json") for s in case.subjects]
    copies = -(-_DEFERRED_FROM // len(events))
    many_subjects, many_events = _cloned(subjects, events, copies)
    assert len(many_events) >= _DEFERRED_FROM
    try:
        alone = engine.outcomes(subjects, events, as_of=case.as_of)
    except HistoryError as refused:
        with pytest.raises(HistoryError) as together:
            engine.outcomes(many_subjects, many_events, as_of=case.as_of)
        assert type(together.value) is type(refused)
        return
    expected = {f"{s}-c{k}": active for s, active in alone.items() for k in range(copies)}
    assert engine.outcomes(many_subjects, many_events, as_of=case.as_of) == expected


def test_a_population_sets_aside_corrections_of_records_older_than_the_ruleset() -> None:
    """A record entered before 2007-10-01 and corrected after it is outside the ruleset
    (docs/decisions/0007); its correction must be dropped from the history of a subject the
    population pass chose for a newer entry, as a small request drops it."""
    engine = ENGINES["lianyungang-2007"]
    subjects = [{"id": "p1", "kind": "insured_person"}]
    entry = {"type": "dishonesty_entered", "subject": "p1", "category": "lend_certificate"}
    events = [
        {**entry, "record": "r0", "date": "2007-09-01"},
        {"type": "record_corrected", "subject": "p1", "record": "r0", "action": "removed"}
        | {"date": "2008-01-10"},
        {**entry, "record": "r1", "date": "2026-06-30"},
    ]
    alone = engine.outcomes(subjects, events, as_of=dt.date(2026, 6, 30))
    assert alone == {"p1": frozenset({"written_warning"})}
    copies = -(-_DEFERRED_FROM // len(events))
    many_subjects, many_events = _cloned(subjects, events, copies)
    together = engine.outcomes(many_subjects, many_events, as_of=dt.date(2026, 6, 30))
    assert together == {f"p1-c{k}": alone["p1"] for k in range(copies)}


def test_an_old_contradiction_is_refused_by_outcomes_as_by_evaluate() -> None:
    """Found by hand (2026-12-04): a record entered twice in 2010, a correction of a record
    never entered and one dated before its record's entry were refused by ``evaluate`` and
    silently passed over by ``outcomes`` as of 2026, when no measure reaches the subject.
    Found by hand (2026-12-05): a record removed twice, or amended once removed, was accepted
    by both, the second correction folded into the first."""
    engine = ENGINES["lianyungang-2007"]
    subjects = [{"id": "p1", "kind": "insured_person"}]
    entry = {"type": "dishonesty_entered", "subject": "p1", "record": "r1"}
    entry |= {"category": "lend_certificate", "date": "2010-03-10"}
    correction = {"type": "record_corrected", "subject": "p1", "action": "removed"}
    histories = {
        "entered twice": [entry, {**entry, "date": "2010-05-10"}],
        "corrects nothing": [{**correction, "record": "r9", "date": "2012-03-10"}],
        "corrects first": [{**correction, "record": "r1", "date": "2010-01-10"}, entry],
        "removed twice": [
            entry,
            {**correction, "record": "r1", "date": "2010-04-10"},
            {**correction, "record": "r1", "date": "2010-06-10"},
        ],
        "amended once removed": [
            entry,
            {**correction, "record": "r1", "date": "2010-04-10"},
            {**correction, "record": "r1", "action": "amended", "date": "2010-04-10"},
        ],
    }
    for name, events in histories.items():
        with pytest.raises(HistoryError) as by_evaluate:
            engine.evaluate(subjects, events, as_of=dt.date(2026, 6, 30))
        with pytest.raises(HistoryError) as by_outcomes:
            engine.outcomes(subjects, events, as_of=dt.date(2026, 6, 30))
        assert str(by_outcomes.value) == str(by_evaluate.value), name


def test_only_the_corrections_after_a_records_removal_are_refused() -> None:
    """A removed record has nothing left to correct (Lianyungang Art 13; a Ganzhou
    determination once repaired, Art 25): what is decided on or after the removal's day of
    decision is refused, in every projection. What was decided before it stands, though it
    takes effect later than a removal void from the start."""
    lianyungang = ENGINES["lianyungang-2007"]
    person = [{"id": "p1", "kind": "insured_person"}]
    entry = {"type": "dishonesty_entered", "subject": "p1", "record": "r1"}
    entry |= {"category": "lend_certificate", "date": "2010-03-10"}
    correction = {"type": "record_corrected", "subject": "p1", "record": "r1"}
    amended = {**correction, "action": "amended", "date": "2010-04-10"}
    void = {**correction, "action": "removed", "date": "2010-03-10"}
    accepted = {
        "amended twice": ([entry, amended, {**amended, "date": "2010-05-10"}], ["written_warning"]),
        # Void from the start: the record never counted, the earlier amendment with it.
        "amended, then found void": ([entry, amended, {**void, "decided_on": "2010-05-10"}], []),
    }
    for name, (events, measures) in accepted.items():
        evaluation = lianyungang.evaluate(person, events, as_of=dt.date(2010, 6, 1))
        assert [d.outcome for d in evaluation.decisions] == measures, name
        assert lianyungang.outcomes(person, events, as_of=dt.date(2010, 6, 1)) == {}, name
    found_void = [
        entry,
        {**void, "decided_on": "2010-05-10"},
        {**amended, "decided_on": "2010-05-10"},
    ]
    with pytest.raises(HistoryError, match=r"\[events\[2\]\.record\].*removed by events\[1\]"):
        lianyungang.evaluate(person, found_void, as_of=dt.date(2010, 6, 1))

    ganzhou = ENGINES["ganzhou-2023"]
    pharmacy = [{"id": "ph1", "kind": "retail_pharmacy"}]
    determined = {"type": "dishonesty_determined", "subject": "ph1", "record": "d1"}
    determined |= {"category": "false_billing", "date": "2024-02-01"}

    def repair(application: str, applied: str, decided: str, granted: bool) -> list[Any]:
        materials = ["application_and_commitment", "rectification_evidence"]
        mine = {"subject": "ph1", "application": application}
        return [
            {**mine, "type": "repair_applied", "record": "d1", "materials": materials}
            | {"date": applied},
            {**mine, "type": "repair_decided", "record": "d1", "granted": granted}
            | {"date": decided},
        ]

    refused_then_granted = [
        determined,
        *repair("a1", "2024-05-06", "2024-05-20", False),
        *repair("a2", "2024-06-03", "2024-06-17", True),
    ]
    as_of = dt.date(2024, 7, 1)
    assert ganzhou.evaluate(pharmacy, refused_then_granted, as_of=as_of).duties
    granted_twice = [
        determined,
        *repair("a1", "2024-05-06", "2024-05-20", True),
        *repair("a2", "2024-06-03", "2024-06-17", True),
    ]
    with pytest.raises(HistoryError, match="decided on 2024-06-17") as by_evaluate:
        ganzhou.evaluate(pharmacy, granted_twice, as_of=as_of)
    with pytest.raises(HistoryError) as by_outcomes:
        ganzhou.outcomes(pharmacy, granted_twice, as_of=as_of)
    assert str(by_outcomes.value) == str(by_evaluate.value)


def test_a_record_entered_before_force_and_corrected_after_is_outside_every_projection() -> None:
    """The disagreement that started this: through ``evaluate`` such a record gave a written
    warning while ``assessments`` raised. Non-retroactivity (docs/decisions/0007) puts both
    the record and its later correction outside the measures, for every projection alike."""
    engine = ENGINES["lianyungang-2007"]
    person = {"id": "p1", "kind": "insured_person"}
    events: list[dict[str, Any]] = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r0",
            "category": "lend_certificate",
            "date": "2007-09-20",
        },
        {
            "type": "record_corrected",
            "subject": "p1",
            "record": "r0",
            "action": "removed",
            "date": "2007-11-02",
        },
    ]
    as_of = dt.date(2008, 1, 1)
    evaluation = engine.evaluate([person], events, as_of=as_of)
    assert evaluation.decisions == () and evaluation.duties == ()
    assert engine.outcomes([person], events, as_of=as_of) == {}
    assert engine.assessments(person, events, as_of=as_of) == ()


# -- what is known when ----------------------------------------------------------------------


@settings(max_examples=80)
@given(cases(LIANYUNGANG), st.data())
def test_art13_a_correction_decided_after_as_of_changes_nothing(case: Case, data: Any) -> None:
    engine = ENGINES["lianyungang-2007"]
    # A record the case corrects already is left alone: once removed, a second correction
    # would be refused, not ignored.
    corrected = {e.__dict__["record"] for e in case.events if e.type == "record_corrected"}
    entered = [
        e
        for e in case.events
        if e.type == "dishonesty_entered"
        and e.date <= case.as_of
        and e.__dict__["record"] not in corrected
    ]
    if not entered:
        return
    target = data.draw(st.sampled_from(entered))
    later = data.draw(st.integers(min_value=1, max_value=400))
    correction = RecordCorrected(
        subject=target.subject,
        record=target.__dict__["record"],
        action=data.draw(st.sampled_from(["removed", "amended"])),
        date=target.date,
        decided_on=case.as_of + dt.timedelta(days=later),
    )
    before = engine.evaluate(case.subjects, case.events, as_of=case.as_of)
    after = engine.evaluate(case.subjects, [*case.events, correction], as_of=case.as_of)
    assert after.model_dump(mode="json") == before.model_dump(mode="json")
    # Once decided, it counts from the day it takes effect, as the ledger knows it today.
    known = engine.evaluate(
        case.subjects, [*case.events, correction], as_of=case.as_of, known_at=correction.decided_on
    )
    if correction.action == "removed":
        records = {d.trigger.key for d in known.decisions if d.trigger.type == "dishonesty_entered"}
        assert target.__dict__["record"] not in records


@settings(max_examples=60)
@given(cases(LIANYUNGANG), st.data())
def test_art13_a_correction_after_a_removal_is_refused_by_every_projection(
    case: Case, data: Any
) -> None:
    """Bad input is never silently accepted: a generated history with one record removed is
    evaluated as before, and adding any correction of that record decided on or after the
    removal makes ``evaluate``, ``outcomes`` and the columnar backend all refuse it."""
    engine = ENGINES["lianyungang-2007"]
    corrected = {e.__dict__["record"] for e in case.events if e.type == "record_corrected"}
    entered = [
        e
        for e in case.events
        if e.type == "dishonesty_entered"
        and LIANYUNGANG.in_force_from <= e.date <= case.as_of
        and e.__dict__["record"] not in corrected
    ]
    assume(entered)
    target = data.draw(st.sampled_from(entered))
    record = target.__dict__["record"]
    removed_on = target.date + dt.timedelta(days=data.draw(st.integers(0, 30)))
    removal = RecordCorrected(
        subject=target.subject, record=record, action="removed", date=removed_on
    )
    later = RecordCorrected(
        subject=target.subject,
        record=record,
        action=data.draw(st.sampled_from(["removed", "amended"])),
        date=removed_on + dt.timedelta(days=data.draw(st.integers(0, 30))),
    )
    as_of = max(case.as_of, later.date)
    accepted = [*case.events, removal]
    engine.evaluate(case.subjects, accepted, as_of=as_of)
    refused = [*accepted, later]
    with pytest.raises(HistoryError, match="a removed record has nothing left to correct"):
        engine.evaluate(case.subjects, refused, as_of=as_of)
    with pytest.raises(HistoryError, match="a removed record has nothing left to correct"):
        engine.outcomes(case.subjects, refused, as_of=as_of)
    with pytest.raises(HistoryError, match="a removed record has nothing left to correct"):
        COLUMNAR.evaluate(case.subjects, refused, as_of=as_of)


def test_art13_the_day_before_the_decision_the_record_still_counts() -> None:
    """r2 entered 2009-05-20 gives cash settlement; p2 objects to it on 2009-06-25, and its
    removal void from entry is decided on 2009-07-01. On 2009-06-30 no correction had been
    made, so cash settlement applied; from 2009-07-01 the record is gone from its entry day
    on, and the objector is told."""
    engine = ENGINES["lianyungang-2007"]
    person = {"id": "p2", "kind": "insured_person"}
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p2",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        },
        {
            "type": "dishonesty_entered",
            "subject": "p2",
            "record": "r2",
            "category": "resell_drugs",
            "date": "2009-05-20",
        },
        {
            "type": "objection_filed",
            "subject": "p2",
            "record": "r2",
            "ground": "inaccurate",
            "date": "2009-06-25",
        },
        {
            "type": "record_corrected",
            "subject": "p2",
            "record": "r2",
            "action": "removed",
            "date": "2009-05-20",
            "decided_on": "2009-07-01",
        },
    ]
    day_before = engine.evaluate([person], events, as_of=dt.date(2009, 6, 30))
    assert day_before.outcomes("p2") == {"cash_settlement", "audit_flag"}
    assert not day_before.duties or all(d.on <= dt.date(2009, 6, 30) for d in day_before.duties)
    on_the_day = engine.evaluate([person], events, as_of=dt.date(2009, 7, 1))
    assert on_the_day.outcomes("p2") == frozenset()
    assert "cash_settlement" not in {d.outcome for d in on_the_day.decisions}
    assert any(d.name == "notify_objection_result" for d in on_the_day.duties)


# -- causes are data -------------------------------------------------------------------------


def _answers(ledger: Ledger, engine: Engine, history: list[dict[str, Any]]) -> Any:
    person = ledger.subject("p1")
    why = explain(
        engine,
        [person],
        history,
        subject="p1",
        as_of=dt.date(2009, 6, 1),
        outcome="time_limited_reimbursement",
    )
    return (
        [
            (a.subject, a.action, a.due, a.concerns)
            for a in ledger.agenda(dt.date(2008, 1, 1), horizon=800)
        ],
        [(a.subject, a.action, a.due) for a in ledger.overdue(dt.date(2009, 9, 1))],
        ledger.status("p1", dt.date(2009, 6, 1)).outcomes("p1"),
        [(w.rule, w.first, w.last, w.active, [link.name for link in w.chain]) for w in why.why],
        [(w.rule, w.trigger, w.note) for w in why.why_not],
    )


def test_rewording_every_reason_changes_no_ledger_agenda_or_why_not_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history: list[dict[str, Any]] = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{n}",
            "category": "lend_certificate",
            "date": day,
        }
        for n, day in enumerate(("2008-03-10", "2009-05-20"))
    ]
    history.append(
        {
            "type": "objection_filed",
            "subject": "p1",
            "record": "r1",
            "ground": "inaccurate",
            "date": "2009-05-25",
        }
    )

    def build() -> Any:
        ledger = Ledger(LIANYUNGANG)
        ledger.add_subject({"id": "p1", "kind": "insured_person"})
        for event in history:
            ledger.record(event, recorded_at=dt.date.fromisoformat(event["date"]))
        return _answers(ledger, Engine(LIANYUNGANG), history)

    plain = build()

    def other_trigger(trigger: results.Trigger, named_zh: str = "") -> results.Reason:
        return results.Reason(
            name="trigger", value=f"<{trigger.date}> {trigger.type}", en="x", zh="y"
        )

    def other_fact(name: str, value: results.ReasonValue, zh: str, en: str) -> results.Reason:
        return results.Reason(name=name, value=value, en=f"[{en}]", zh=f"【{zh}】")

    monkeypatch.setattr(results, "trigger_reason", other_trigger)
    monkeypatch.setattr(results, "described", other_fact)
    reworded = build()
    assert reworded == plain
    # And the wording really did change where it is rendered.
    result = Engine(LIANYUNGANG).evaluate(
        [{"id": "p1", "kind": "insured_person"}], history, as_of=dt.date(2009, 6, 1)
    )
    assert result.decisions[0].because[0].en == "x"


def test_every_result_names_its_trigger_as_data() -> None:
    engine = ENGINES["lianyungang-2007"]
    result = engine.evaluate(
        [{"id": "p2", "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": "p2",
                "record": "r1",
                "category": "lend_certificate",
                "date": "2008-03-10",
            },
            {
                "type": "dishonesty_entered",
                "subject": "p2",
                "record": "r2",
                "category": "resell_drugs",
                "date": "2009-05-20",
            },
        ],
        as_of=dt.date(2009, 6, 1),
    )
    cash = next(d for d in result.decisions if d.outcome == "cash_settlement")
    assert cash.trigger == results.Trigger("dishonesty_entered", "r2", dt.date(2009, 5, 20), 1)
    assert cash.provenance.facts == {"record_count": 2, "records_at_entry": 2}
    assert cash.provenance.parameters["settlement_change_term"].count == 1
    dumped = cash.model_dump(mode="json")
    assert dumped["trigger"] == {
        "type": "dishonesty_entered",
        "key": "r2",
        "date": "2009-05-20",
        "seq": 1,
    }
    assert dumped["provenance"]["parameters"]["settlement_change_term"] == "1 year"
    assert dumped["because"][0]["name"] == "trigger"


def test_an_engine_pickles_and_gives_the_same_answers() -> None:
    engine = ENGINES["ganzhou-2023"]
    copy = pickle.loads(pickle.dumps(engine))
    subject = {"id": "m1", "kind": "medical_institution"}
    events = [
        {
            "type": "evaluation_published",
            "subject": "m1",
            "evaluation": "e1",
            "year": 2024,
            "score": 95,
            "date": "2025-01-20",
        }
    ]
    as_of = dt.date(2025, 6, 1)
    assert copy.evaluate([subject], events, as_of=as_of) == engine.evaluate(
        [subject], events, as_of=as_of
    )


def test_a_trusted_evaluation_is_the_same_as_a_validated_one() -> None:
    """Evaluation.of skips validation for values the engine built; the object must be the
    one pydantic would build from the same values."""
    engine = ENGINES["lianyungang-2007"]
    fast = engine.evaluate([{"id": "p1", "kind": "insured_person"}], [], as_of=dt.date(2009, 1, 1))
    slow = results.Evaluation.model_validate(
        {
            "ruleset": fast.ruleset,
            "as_of": fast.as_of,
            "decisions": fast.decisions,
            "deadlines": fast.deadlines,
            "duties": fast.duties,
            "subjects": fast.subjects,
        }
    )
    assert fast.subjects == ("p1",)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
