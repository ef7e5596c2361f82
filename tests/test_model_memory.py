"""Frozen models share one set of the fields given per combination of fields, instead of one
set each (:meth:`credit_rules.model._base.Frozen.model_post_init`): the sharing must never show.
Each model still says which fields it was given, a copy with an update gets a set of its own,
nothing reached through the public API can change another model's set, and a model that is not
frozen keeps its own."""

from __future__ import annotations

import datetime as dt
import pickle

import pydantic
import pytest

from credit_rules import parse_events
from credit_rules.model._base import Event
from credit_rules.model.subjects import InsuredPerson

ENTRY = {
    "type": "dishonesty_entered",
    "subject": "p1",
    "record": "r1",
    "category": "resell_drugs",
    "date": "2012-03-04",
}


def test_models_given_the_same_fields_share_one_set_and_others_do_not() -> None:
    first, second = parse_events("lianyungang-2007", [ENTRY, {**ENTRY, "record": "r2"}])
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    assert first.model_fields_set == {"type", "subject", "record", "category", "date"}
    person = InsuredPerson(id="p1")
    named = InsuredPerson(id="p2", name="张三")
    assert person.model_fields_set == {"id"}
    assert named.model_fields_set == {"id", "name"}
    assert person.__pydantic_fields_set__ is InsuredPerson(id="p3").__pydantic_fields_set__
    assert person.__pydantic_fields_set__ is not named.__pydantic_fields_set__
    # What pydantic reads the set for still works: only the fields given are dumped.
    assert named.model_dump(exclude_unset=True) == {"id": "p2", "name": "张三"}


def test_the_set_reached_through_the_api_is_a_copy() -> None:
    first, second = parse_events("lianyungang-2007", [ENTRY, {**ENTRY, "record": "r2"}])
    given = first.model_fields_set
    given.add("action")
    assert "action" not in first.model_fields_set
    assert "action" not in second.model_fields_set


def test_a_set_handed_to_model_construct_is_not_the_one_shared() -> None:
    # Fields no other test gives together, so that this model is the first of its shape.
    mine = {"id", "kind", "contact"}
    built = InsuredPerson.model_construct(mine, id="p1", kind="insured_person", contact="x")
    mine.add("name")
    assert built.model_fields_set == {"id", "kind", "contact"}
    later = InsuredPerson(id="p2", kind="insured_person", contact="y")
    assert later.model_fields_set == {"id", "kind", "contact"}
    assert later.model_dump(exclude_unset=True) == {
        "id": "p2",
        "kind": "insured_person",
        "contact": "y",
    }
    assert built.__pydantic_fields_set__ is not mine


def test_the_deprecated_name_of_the_set_gives_a_copy_too() -> None:
    person, other = InsuredPerson(id="p1"), InsuredPerson(id="p2")
    with pytest.warns(DeprecationWarning):
        given = person.__fields_set__
    given.add("name")
    assert other.model_fields_set == {"id"}


def test_a_copy_with_an_update_has_a_set_of_its_own() -> None:
    person, other = InsuredPerson(id="p1"), InsuredPerson(id="p2")
    renamed = person.model_copy(update={"name": "李四"})
    assert renamed.model_fields_set == {"id", "name"}
    assert person.model_fields_set == {"id"}
    assert other.model_fields_set == {"id"}
    assert person.__pydantic_fields_set__ == {"id"}


def test_assignment_is_refused_and_changes_no_set() -> None:
    person, other = InsuredPerson(id="p1"), InsuredPerson(id="p2")
    with pytest.raises(pydantic.ValidationError):
        person.name = "王五"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        del person.id
    assert person.model_fields_set == {"id"}
    assert other.model_fields_set == {"id"}


def test_pickled_models_keep_their_fields_and_equality() -> None:
    events = parse_events("lianyungang-2007", [ENTRY, {**ENTRY, "record": "r2"}])
    again = pickle.loads(pickle.dumps(events))
    assert again == events
    assert [e.model_fields_set for e in again] == [e.model_fields_set for e in events]


class _Draft(Event):
    """A model a regulation pack might declare mutable, against the library's convention."""

    model_config = pydantic.ConfigDict(frozen=False)
    type: str = "draft"
    note: str | None = None


def test_a_model_that_is_not_frozen_keeps_a_set_of_its_own() -> None:
    first = _Draft(subject="p1", date=dt.date(2012, 3, 4))
    second = _Draft(subject="p2", date=dt.date(2012, 3, 4))
    assert first.__pydantic_fields_set__ is not second.__pydantic_fields_set__
    first.note = "changed"
    assert first.model_fields_set == {"subject", "date", "note"}
    assert second.model_fields_set == {"subject", "date"}
