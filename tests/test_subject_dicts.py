"""Subjects given as dicts of just an id and a kind skip the models (the front door checks
them itself, for a small request's sake); they must be accepted and refused exactly as the
models accept and refuse them."""

from __future__ import annotations

from typing import Any

import pytest

from credit_rules import Engine, bundled
from credit_rules.engine.inputs import FrontDoor
from credit_rules.errors import ScenarioError

LIANYUNGANG = FrontDoor(bundled("lianyungang-2007"))
GANZHOU = FrontDoor(bundled("ganzhou-2023"))
PERSON = {"id": "p1", "kind": "insured_person"}

CASES: list[tuple[FrontDoor, list[Any]]] = [
    (LIANYUNGANG, []),
    (LIANYUNGANG, [PERSON]),
    (LIANYUNGANG, [PERSON, {"id": "p2", "kind": "insured_person"}]),
    (LIANYUNGANG, [PERSON, dict(PERSON)]),  # the same id twice
    (LIANYUNGANG, [{"id": "", "kind": "insured_person"}]),
    (LIANYUNGANG, [{"id": 7, "kind": "insured_person"}]),
    (LIANYUNGANG, [{"id": "p1", "kind": "medical_institution"}]),  # not a Lianyungang kind
    (LIANYUNGANG, [{"id": "p1", "kind": "Insured Person"}]),
    (LIANYUNGANG, [{"id": "p1", "kind": ["insured_person"]}]),
    (LIANYUNGANG, [{"id": "p1"}]),
    (LIANYUNGANG, [{"kind": "insured_person", "name": "张三"}]),
    (LIANYUNGANG, [{"id": "p1", "kind": "insured_person", "name": "张三"}]),
    (LIANYUNGANG, [{"id": "p1", "kind": "insured_person", "colour": "red"}]),
    (LIANYUNGANG, [PERSON, "p2"]),
    (
        GANZHOU,
        [
            {"id": "m1", "kind": "medical_institution"},
            {"id": "r1", "kind": "retail_pharmacy"},
            {"id": "p1", "kind": "insured_person"},
        ],
    ),
    (
        GANZHOU,
        [{"id": "m1", "kind": "medical_institution"}, {"id": "m1", "kind": "retail_pharmacy"}],
    ),
    (GANZHOU, [{"id": "m1", "kind": "medical_institution", "unified_social_credit_code": "x"}]),
]


def _through_models(door: FrontDoor, given: list[Any]) -> Any:
    try:
        return {s.id: s.kind for s in door.subjects(given)}
    except ScenarioError as error:
        return [(str(p.message), p.field) for p in error.problems]


def _through_the_door(door: FrontDoor, given: list[Any]) -> Any:
    try:
        return dict(door.subject_kinds(given))
    except ScenarioError as error:
        return [(str(p.message), p.field) for p in error.problems]


@pytest.mark.parametrize(("door", "given"), CASES)
def test_dicts_are_accepted_and_refused_as_the_models_do(door: FrontDoor, given: list[Any]) -> None:
    want = _through_models(door, given)
    got = _through_the_door(door, given)
    assert got == want
    if isinstance(got, dict):
        assert list(got) == list(want)  # in the order given


def test_the_short_cut_is_taken_only_for_dicts_of_an_id_and_a_kind() -> None:
    assert LIANYUNGANG.bare_kinds == {"insured_person"}
    assert LIANYUNGANG._bare_subjects([PERSON]) == {"p1": "insured_person"}
    assert LIANYUNGANG._bare_subjects([{**PERSON, "name": "张三"}]) is None
    assert LIANYUNGANG._bare_subjects([PERSON, dict(PERSON)]) is None


def test_an_evaluation_from_dicts_is_the_one_from_models() -> None:
    ruleset = bundled("lianyungang-2007")
    entered = (("r1", "lend_certificate", "2008-03-10"), ("r2", "resell_drugs", "2008-05-20"))
    events = [
        {"type": "dishonesty_entered", "subject": "p1", "record": r, "category": c, "date": d}
        for r, c, d in entered
    ]
    engine = Engine(ruleset)
    models = LIANYUNGANG.subjects([PERSON])
    assert engine.evaluate([PERSON], events, as_of="2008-06-01") == engine.evaluate(
        models, events, as_of="2008-06-01"
    )
    assert engine.outcomes([PERSON], events, as_of="2008-06-01") == {
        "p1": frozenset({"cash_settlement", "audit_flag"})
    }
