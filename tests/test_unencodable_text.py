"""Text no UTF-8 journal can hold, and blank ids, are refused before anything is taken in.

``json.loads('"\\ud800"')`` gives a string with a lone surrogate: a service receives such text
from any client that sends an escaped half of a UTF-16 pair. A model field refuses it; text
that reaches the journal without a model (event ids, metadata, notification ids, the bulk
loader's fast path for subjects) once passed, was taken into memory, and then failed the
journal write: the event was lost on reopening and the ledger stopped for every caller.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from credit_rules import Engine, Ledger, bundled
from credit_rules.errors import CreditRulesError

LONE = json.loads('"\\ud800"')
RULESET = bundled("lianyungang-2007")
EVENT = {
    "type": "dishonesty_entered",
    "subject": "p2",
    "record": "r1",
    "category": "lend_certificate",
    "date": "2008-03-10",
}
DAY = dt.date(2008, 3, 10)

REFUSED: dict[str, Callable[[Ledger], Any]] = {
    "event_id": lambda ledger: ledger.record(EVENT, recorded_at=DAY, event_id=LONE),
    "event_id key": lambda ledger: ledger.record({**EVENT, "event_id": LONE}, recorded_at=DAY),
    "blank event_id": lambda ledger: ledger.record(EVENT, recorded_at=DAY, event_id=" "),
    "empty event_id": lambda ledger: ledger.record(EVENT, recorded_at=DAY, event_id=""),
    "metadata value": lambda ledger: ledger.record(EVENT, recorded_at=DAY, metadata={"k": LONE}),
    "metadata key": lambda ledger: ledger.record(EVENT, recorded_at=DAY, metadata={LONE: "v"}),
    "event field": lambda ledger: ledger.record({**EVENT, "record": LONE}, recorded_at=DAY),
    "subject name": lambda ledger: ledger.add_subject(
        {"id": "p3", "kind": "insured_person", "name": LONE}
    ),
    "subject id": lambda ledger: ledger.add_subject({"id": LONE, "kind": "insured_person"}),
    "blank subject id": lambda ledger: ledger.add_subject({"id": "  ", "kind": "insured_person"}),
    "bulk subject id": lambda ledger: ledger.bulk_load(
        [{"id": LONE, "kind": "insured_person"}], []
    ),
    "bulk blank subject id": lambda ledger: ledger.bulk_load(
        [{"id": " ", "kind": "insured_person"}], []
    ),
    "notification id": lambda ledger: ledger.acknowledge([LONE]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_journaled_ledger_refuses_and_keeps_working(tmp_path: Path, case: str) -> None:
    path = tmp_path / "journal.db"
    ledger = Ledger.open(path, RULESET)
    ledger.add_subject({"id": "p2", "kind": "insured_person"})
    with pytest.raises(CreditRulesError) as refused:
        REFUSED[case](ledger)
    str(refused.value).encode("utf-8")  # the message itself can be logged
    assert len(ledger) == 0 and ledger.subject_ids() == ("p2",)
    # Nothing stopped: the next good call is taken and journaled.
    ledger.record(EVENT, recorded_at=DAY, event_id="e1", metadata={"offset": "1"})
    ledger.close()
    reopened = Ledger.open(path, RULESET)
    assert len(reopened) == 1
    assert [entry.event.record for entry in reopened.history("p2")] == ["r1"]
    assert reopened.subject_ids() == ("p2",)
    reopened.close()


@pytest.mark.parametrize("subject_id", [LONE, "p" + LONE, " ", "\t"])
@pytest.mark.parametrize("question", ["evaluate", "outcomes"])
def test_the_engine_refuses_the_same_ids_from_dicts_as_from_models(
    subject_id: str, question: str
) -> None:
    engine = Engine(RULESET)
    with pytest.raises(CreditRulesError) as refused:
        getattr(engine, question)([{"id": subject_id, "kind": "insured_person"}], [], as_of=DAY)
    assert "subjects[0].id" in str(refused.value)
    str(refused.value).encode("utf-8")


def test_ids_in_chinese_are_still_taken() -> None:
    engine = Engine(RULESET)
    events = [{**EVENT, "subject": "张三"}]
    got = engine.outcomes([{"id": "张三", "kind": "insured_person"}], events, as_of=DAY)
    assert got == {"张三": frozenset({"written_warning"})}
    ledger = Ledger(RULESET)
    assert ledger.bulk_load([{"id": "李四", "kind": "insured_person"}], []) == 0
    assert ledger.subject_ids() == ("李四",)
