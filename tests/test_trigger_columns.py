"""Trigger texts made in columns say, byte for byte, what the document writes for each trigger.

The columnar backend's evaluations keep their triggers' columns, and a JSON document of one
takes every trigger's JSON and reason from them at once (credit_rules.columnar.trigger_texts).
The words come from the same functions as the document's own (model/trigger_text.py), read as
templates; these tests hold the two writers equal on awkward text, leave to the document only
what needs escaping, and hold whole documents of both rulesets equal to the per-subject
engine's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from credit_rules import Engine, bundled  # noqa: E402
from credit_rules.columnar.trigger_texts import TriggerColumns  # noqa: E402
from credit_rules.model import results, trigger_text  # noqa: E402
from credit_rules.testing.strategies import Case, cases  # noqa: E402

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
ESCAPED = set('"\\') | {chr(code) for code in range(0x20)}

_AWKWARD = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from('"\\\n\t\x00\x1f'),
    max_size=12,
)
_TRIGGERS = st.lists(
    st.builds(
        results.Trigger,
        st.sampled_from(["entered", "决定", 'with "quote"', "plain"]),
        st.none() | _AWKWARD,
        st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
        st.none() | st.integers(0, 10**12),
    ),
    max_size=30,
)
#: Chinese names by type: one with none (its type shown), one the columns may not write
#: (two rules disagree), one needing escaping.
_NAMED = {"entered": "失信信息录入", "决定": "", 'with "quote"': "名", "plain": 'a "名"'}


def _table(triggers: list[results.Trigger]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "trigger_type": [t.type for t in triggers],
            "trigger_key": [t.key for t in triggers],
            "trigger_date": [t.date for t in triggers],
            "trigger_seq": [t.seq for t in triggers],
        },
        schema={
            "trigger_type": pl.String,
            "trigger_key": pl.String,
            "trigger_date": pl.Date,
            "trigger_seq": pl.Int64,
        },
    )


def _needs_escaping(text: str | None) -> bool:
    return text is not None and bool(ESCAPED & set(text))


@settings(max_examples=200)
@given(_TRIGGERS, st.booleans(), st.integers(0, 3))
def test_each_trigger_the_columns_write_is_written_as_the_document_writes_it(
    triggers: list[results.Trigger], utf8: bool, parts: int
) -> None:
    """In one part or several, as text or UTF-8 bytes: every trigger the columns give has the
    document's own JSON and reason, and they leave out exactly the triggers whose type or key
    needs escaping or whose event has no single Chinese name."""
    named = {**_NAMED, "决定": None}  # two rules on 决定 disagree on its name
    columns = TriggerColumns(named)
    cut = [len(triggers) * k // max(parts, 1) for k in range(max(parts, 1) + 1)]
    for start, stop in pairwise(cut):
        columns.add(triggers[start:stop], _table(triggers[start:stop]))
    given_triggers, written, reasons = columns.texts(utf8)
    out = results._AS_UTF8 if utf8 else results._as_text
    for trigger, json_text_, reason in zip(given_triggers, written, reasons, strict=True):
        document = results._Document(out)
        assert (json_text_, reason) == document.trigger(trigger, _NAMED[trigger.type])
    expected = [
        t
        for t in triggers
        if named[t.type] is not None and not _needs_escaping(t.type) and not _needs_escaping(t.key)
    ]
    assert list(map(id, given_triggers)) == list(map(id, expected))


@pytest.mark.parametrize(
    "key", ["r1", "记录1", "😀", "a\\b", 'a"b', "a\nb", "a\x00b", "\x1f", "\x7f", "", None]
)
@pytest.mark.parametrize("kind", ["entered", 'with "quote"', "back\\slash", "tab\t"])
def test_every_character_json_escapes_leaves_the_trigger_to_the_document(
    kind: str, key: str | None
) -> None:
    """Each character JSON escapes, in a type or a key, on its own: the columns leave that
    trigger out; anything else (Chinese, astral, DEL, empty) they write as the document does."""
    trigger = results.Trigger(kind, key, dt.date(2024, 2, 29), 4)
    columns = TriggerColumns({kind: "录入"})
    columns.add([trigger], _table([trigger]))
    found, written, reasons = columns.texts(True)
    if _needs_escaping(kind) or _needs_escaping(key):
        assert list(found) == []
    else:
        assert list(found) == [trigger]
        document = results._Document(results._AS_UTF8)
        assert (written[0], reasons[0]) == document.trigger(trigger, "录入")


def test_no_triggers_give_no_texts() -> None:
    assert TriggerColumns({}).texts(True) == ((), (), ())
    columns = TriggerColumns({"entered": "录入"})
    columns.add([], _table([]))
    assert [list(found) for found in columns.texts(False)] == [[], [], []]


def test_days_centuries_apart_are_written_as_the_document_writes_them() -> None:
    """A few days across centuries take the lookup by value, not a list over the span."""
    triggers = [
        results.Trigger("entered", "r1", dt.date(1, 1, 1), 0),
        results.Trigger("entered", None, dt.date(9999, 12, 31), None),
        results.Trigger("entered", "r3", dt.date(2024, 2, 29), 3),
    ]
    columns = TriggerColumns({"entered": "录入"})
    columns.add(triggers, _table(triggers))
    found, written, reasons = columns.texts(True)
    assert list(found) == triggers
    for trigger, text, reason in zip(found, written, reasons, strict=True):
        assert (text, reason) == results._Document(results._AS_UTF8).trigger(trigger, "录入")


def test_the_templates_are_the_wording_with_holes() -> None:
    """Filled in, each template is :func:`trigger_text.json_texts` of the same parts."""
    parts = {"kind": "entered", "named": "录入", "key": "r1", "day": "2020-03-04"}
    parts |= {"day_zh": "2020年3月4日", "seq": "7"}
    for keyed in (True, False):
        for numbered in (True, False):
            made = trigger_text.templates(keyed=keyed, numbered=numbered)
            filled = tuple(
                "".join(
                    item if isinstance(item, str) else parts[trigger_text.PARTS[item]]
                    for item in template.items
                )
                for template in made
            )
            key = parts["key"] if keyed else None
            assert filled == trigger_text.json_texts(
                parts["kind"],
                parts["named"],
                key,
                f'"{key}"' if keyed else "null",
                parts["day"],
                parts["day_zh"],
                parts["seq"] if numbered else None,
            )


COLUMNAR = {
    "lianyungang-2007": Engine(LIANYUNGANG, backend="columnar"),
    "ganzhou-2023": Engine(GANZHOU, backend="columnar"),
}
CLOSURES = {"lianyungang-2007": Engine(LIANYUNGANG), "ganzhou-2023": Engine(GANZHOU)}


def _check_documents(name: str, case: Case) -> None:
    """The columnar evaluation's document, written with its trigger columns, as text and as
    bytes, is the per-subject engine's, and its own written without them."""
    evaluation = COLUMNAR[name].evaluate(case.subjects, case.events, as_of=case.as_of)
    reference = CLOSURES[name].evaluate(case.subjects, case.events, as_of=case.as_of)
    expected = reference.model_dump_json()
    assert evaluation.model_dump_json() == expected
    binary = io.BytesIO()
    evaluation.write_json(binary)
    assert binary.getvalue() == expected.encode("utf-8")
    # A copy writes its triggers itself: the same text.
    assert evaluation.model_copy().model_dump_json() == expected


@settings(max_examples=60)
@given(cases(LIANYUNGANG))
def test_lianyungang_columnar_documents_equal_the_per_subject_engines(case: Case) -> None:
    _check_documents("lianyungang-2007", case)


@settings(max_examples=60)
@given(cases(GANZHOU))
def test_ganzhou_columnar_documents_equal_the_per_subject_engines(case: Case) -> None:
    _check_documents("ganzhou-2023", case)


def test_a_columnar_evaluation_takes_its_trigger_texts_from_its_columns() -> None:
    """The columns are really used (a document of the typed columnar path has them), and a
    record id JSON must escape is left to the document, which escapes it."""
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(3)]
    events = [
        {"type": "dishonesty_entered", "subject": f"p{n}", "record": record,
         "category": "lend_certificate", "date": "2020-03-10"}
        for n, record in enumerate(["r1", 'r"2', "r\\3\n"])
    ]  # fmt: skip
    as_of = dt.date(2020, 6, 1)
    evaluation = COLUMNAR["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    made = evaluation._trigger_columns
    assert made is not None
    found, _, _ = made.texts(False)
    assert [t.key for t in found] == ["r1"]
    document = json.loads(evaluation.model_dump_json())
    keys = {d["trigger"]["key"] for d in document["decisions"]}
    assert keys == {"r1", 'r"2', "r\\3\n"}
    reference = CLOSURES["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    assert evaluation.model_dump_json() == reference.model_dump_json()
