"""A model built without validation and lacking a required field is refused by its place.

pydantic's ``model_construct`` builds a model from whatever it is given, and skips the
checks: ``DishonestyEntered.model_construct(subject="p1", record="r2", ...)`` has no ``date``
at all. The engine takes its vocabulary's models on trust (validating a population's models
again would cost more than evaluating them), so such an event used to fail deep inside with
``AttributeError: 'DishonestyEntered' object has no attribute 'date'`` on the closures and
``KeyError: 'date'`` on the columnar backend. It is now a ``ScenarioError`` naming the event's
place and the fields it lacks, in English and Chinese, on every question and backend; the
ledger, for which a look at one event's fields is nothing beside recording it, refuses it
before anything is written.
"""

from __future__ import annotations

from typing import Any

import pytest

from credit_rules import Engine, Ledger, bundled
from credit_rules.errors import EventRejected, ScenarioError
from credit_rules.model.lianyungang import DishonestyEntered

RULESET = bundled("lianyungang-2007")
PERSON = {"id": "p1", "kind": "insured_person"}
ENTERED = DishonestyEntered.model_validate(
    {
        "type": "dishonesty_entered",
        "subject": "p1",
        "record": "r1",
        "category": "forge_documents",
        "date": "2020-01-10",
    }
)
UNDATED = DishonestyEntered.model_construct(subject="p1", record="r2", category="forge_documents")


def _backends() -> list[str]:
    try:
        import polars  # noqa: F401
    except ImportError:
        return ["closures"]
    return ["closures", "columnar"]


def _said(error: ScenarioError | EventRejected, place: str) -> None:
    assert f"[{place}]" in str(error)
    assert "DishonestyEntered lacks date" in str(error)
    assert "model_construct" in str(error)
    assert "缺少 date" in error.render("zh")


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("question", ["evaluate", "outcomes"])
def test_a_population_question_names_the_event_and_the_field_it_lacks(
    backend: str, question: str
) -> None:
    engine = Engine(RULESET, backend=backend)
    ask: Any = getattr(engine, question)
    with pytest.raises(ScenarioError) as caught:
        ask([PERSON], [ENTERED, UNDATED], as_of="2020-01-10")
    _said(caught.value, "events[1]")
    # The same question without it is answered: nothing was left half done.
    answer = ask([PERSON], [ENTERED], as_of="2020-01-10")
    active = answer.outcomes("p1") if question == "evaluate" else answer["p1"]
    assert active == {"written_warning"}


def test_assessments_name_it_too() -> None:
    with pytest.raises(ScenarioError) as caught:
        Engine(RULESET).assessments(PERSON, [UNDATED, ENTERED], as_of="2020-01-10")
    _said(caught.value, "events[0]")


def test_a_validated_model_is_not_suspected() -> None:
    """Only a failure sends the engine looking: a whole model passes as before."""
    found = Engine(RULESET).evaluate([PERSON], [ENTERED], as_of="2020-01-10")
    assert found.outcomes("p1") == {"written_warning"}


def test_the_ledger_refuses_it_before_writing_anything() -> None:
    ledger = Ledger(RULESET)
    ledger.add_subject(PERSON)
    ledger.record(ENTERED, recorded_at="2020-01-10")
    with pytest.raises(EventRejected) as caught:
        ledger.record(UNDATED, recorded_at="2020-01-11")
    _said(caught.value, "event")
    with pytest.raises(EventRejected) as batch:
        ledger.record_many([ENTERED.model_copy(update={"record": "r3"}), UNDATED])
    _said(batch.value, "batch[1]")
    assert [entry.event for entry in ledger.history("p1")] == [ENTERED]
