"""The engine's fast model construction makes exactly what pydantic's model_construct makes."""

from __future__ import annotations

import datetime as dt

from credit_rules.model._fast import construct
from credit_rules.model.results import Citation, Decision, Reason


def test_fast_construct_equals_model_construct() -> None:
    cite = Citation.model_construct(article=10, item=1, zh="改变结算方式", en="Cash settlement")
    reason = Reason.model_construct(name="record_count", value=2, en="Records: 2", zh="记录：2")
    values = {
        "subject": "p1",
        "outcome": "cash_settlement",
        "from_": dt.date(2009, 5, 20),
        "until": dt.date(2010, 5, 20),
        "active": True,
        "rule": "art10_cash_settlement",
        "cites": (cite,),
        "because": (reason,),
    }
    fast, slow = construct(Decision, **values), Decision.model_construct(**values)
    assert fast == slow
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump(mode="json")["from"] == "2009-05-20"


def test_missing_fields_fall_back_to_model_construct() -> None:
    fast = construct(Citation, article=9, zh="警告", en="Warning")
    assert fast == Citation.model_construct(article=9, zh="警告", en="Warning")
    assert fast.item is None
