"""The columnar input refuses exactly the events pydantic refuses.

The per-subject front door validates each event with its pydantic model; the columnar input
checks the same things as filters over columns (:mod:`credit_rules.columnar.inputs`). An event
one path accepts and the other refuses would make the two backends answer differently for the
same bureau's table, or let a ledger's table load write rows its own journal cannot read back.
So every event type of both vocabularies is generated with values on both sides of each
constraint (allowed values, empty text, patterns, bounds of whole numbers, the last day the
library counts, dates out of order, fields missing or foreign to the type), and the two
verdicts must agree, row by row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from credit_rules import bundled  # noqa: E402
from credit_rules.columnar import read_inputs  # noqa: E402
from credit_rules.columnar.schema import FieldSpec, vocabulary_schema  # noqa: E402
from credit_rules.errors import CreditRulesError, TableError  # noqa: E402
from credit_rules.limits import LAST_DAY  # noqa: E402
from credit_rules.model.vocabularies import parse_events  # noqa: E402

RULESETS = {name: bundled(name) for name in ("lianyungang-2007", "ganzhou-2023")}
_POLARS = {
    "text": pl.String,
    "date": pl.Date,
    "count": pl.Int64,
    "flag": pl.Boolean,
    "list": pl.List(pl.String),
}
_DAYS = st.sampled_from(
    [
        dt.date(2024, 2, 28),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        LAST_DAY,
        LAST_DAY + dt.timedelta(days=1),
    ]
)
_COUNTS = st.sampled_from([-1, 0, 1, 999, 1000, 1001, 1999, 2000, 2024, 2200, 2201])
_TEXTS = st.sampled_from(["", "a", "x_1", "Abc", "1a", "a-b", "lend_certificate", "记录"])


def _value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "text":
        if spec.allowed is not None:
            return st.sampled_from(sorted(spec.allowed)) | _TEXTS
        return _TEXTS
    if spec.kind == "date":
        return _DAYS
    if spec.kind == "count":
        return _COUNTS
    if spec.kind == "flag":
        return st.booleans()
    return st.lists(_TEXTS, max_size=2)


@st.composite
def _row(draw: st.DrawFn, vocabulary: str) -> dict[str, Any]:
    """One event of some type: each of its fields given, left out, or (rarely) a field of
    another type given to it."""
    schema = vocabulary_schema(vocabulary)
    event_type = draw(st.sampled_from(sorted(schema.fields)))
    row: dict[str, Any] = {"type": event_type, "subject": "s1", "date": draw(_DAYS)}
    for name, spec in schema.fields[event_type].items():
        if draw(st.integers(0, 9)) > 0:
            row[name] = draw(_value(spec))
    foreign = sorted(set(schema.columns) - set(schema.fields[event_type]))
    if foreign and draw(st.integers(0, 9)) == 0:
        name = draw(st.sampled_from(foreign))
        row[name] = draw(_value(FieldSpec(name, schema.columns[name], False, None, False)))
    return row


def _pydantic_accepts(vocabulary: str, row: dict[str, Any]) -> bool:
    try:
        parse_events(vocabulary, [row])
    except CreditRulesError:
        return False
    return True


def _columnar_accepts(name: str, row: dict[str, Any]) -> bool:
    ruleset = RULESETS[name]
    columns = vocabulary_schema(ruleset.vocabulary).columns
    schema = {"type": pl.String, "subject": pl.String, "date": pl.Date}
    schema |= {c: _POLARS[columns[c]] for c in row if c in columns}
    table = pl.DataFrame([row], schema=schema)
    kind = sorted(ruleset.subject_kinds)[0]
    subjects = pl.DataFrame({"id": ["s1"], "kind": [kind]})
    try:
        read_inputs(ruleset, table, subjects)
    except TableError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(RULESETS))
@given(data=st.data())
def test_columnar_input_refuses_exactly_what_pydantic_refuses(
    name: str, data: st.DataObject
) -> None:
    row = data.draw(_row(RULESETS[name].vocabulary))
    assert _columnar_accepts(name, row) == _pydantic_accepts(RULESETS[name].vocabulary, row), row


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"year": 2201, "score": 900}, "year"),
        ({"year": 2024, "score": -1}, "score"),
        ({"year": 1999, "score": 900}, "year"),
    ],
)
def test_a_whole_number_out_of_bounds_is_named(row: dict[str, Any], column: str) -> None:
    event = {"type": "evaluation_published", "subject": "s1", "date": dt.date(2025, 3, 1)}
    event |= {"evaluation": "e1", **row}
    assert not _pydantic_accepts("ganzhou-2023", event)
    with pytest.raises(TableError, match=rf"\[events\[0\]\.{column}\]"):
        _read_one_institution_event(event)


def _read_one_institution_event(event: dict[str, Any]) -> None:
    read_inputs(
        RULESETS["ganzhou-2023"],
        pl.DataFrame([event]),
        pl.DataFrame({"id": ["s1"], "kind": ["medical_institution"]}),
    )


def test_a_suspension_ending_before_it_starts_is_refused_in_columns_too() -> None:
    event = {
        "type": "objection_suspended",
        "subject": "s1",
        "date": dt.date(2025, 3, 10),
        "objection": "o1",
        "until": dt.date(2025, 3, 9),
        "reason": "inspection",  # valid: the order of the days is the one fault
    }
    assert not _pydantic_accepts("ganzhou-2023", event)
    assert _pydantic_accepts("ganzhou-2023", {**event, "until": event["date"]})
    with pytest.raises(TableError, match=r"until\] must not be before its date"):
        _read_one_institution_event(event)
