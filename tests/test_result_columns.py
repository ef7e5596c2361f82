"""Result texts made in columns say, byte for byte, what the document writes for each result.

The columnar backend's evaluations keep the columns their results were made from, and a JSON
document of one takes each result's first piece (its fields and its trigger) and its
trigger's reason from them at once (credit_rules.columnar.result_texts). The words and the
layout come from the same functions as the document's own (model/trigger_text.py,
results.FIRST_TEMPLATES), read as templates; these tests hold the two writers equal on awkward
text, leave to the document only what needs escaping, and hold whole documents of both
rulesets equal to the per-subject engine's.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import pickle
from itertools import pairwise
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from credit_rules import Engine, bundled  # noqa: E402
from credit_rules.columnar import typed  # noqa: E402
from credit_rules.columnar.result_texts import ResultColumns  # noqa: E402
from credit_rules.model import json_text, results, trigger_text  # noqa: E402
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
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)) | st.dates(dt.date(2000, 1, 1)),
        st.none() | st.integers(0, 10**12),
    ),
    min_size=1,
    max_size=30,
)
#: Chinese names by type: one with none (its type shown), one needing escaping.
_NAMED = {"entered": "失信信息录入", "决定": "", 'with "quote"': "名", "plain": 'a "名"'}
_DUTY = st.tuples(
    st.sampled_from(["p1", "张三", 'p"2', "p\\3"]) | _AWKWARD,
    st.sampled_from(["notify_entry", "通知"]) | _AWKWARD,
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.booleans(),
    st.sampled_from(["art8_notify", 'r"1']),
)


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


def _rule_text(trigger_zh: str) -> results.RuleText:
    return results.RuleText(
        rule="r", outcome="o", fact_names=(), fact_texts=(), fact_overrides=(),
        parameters=(), steps=(), cites=(), trigger_zh=trigger_zh,
    )  # fmt: skip


def _check_duties(
    triggers: list[results.Trigger],
    named: dict[str, str | None],
    duties: list[tuple[str, str, dt.date, bool, str]],
    chosen: list[int],
    parts: int,
    utf8: bool,
) -> None:
    """Duties ``duties`` set off by ``triggers[chosen[i]]``, in ``parts`` parts: each first
    piece and reason the columns make is the document's own, and they leave to the document
    exactly the duties whose subject, name or rule, or whose trigger's type or key, needs
    escaping, or whose event has no single Chinese name."""
    columns = ResultColumns(named)
    cut = [len(duties) * k // parts for k in range(parts + 1)]
    for start, stop in pairwise(cut):
        # Each part holds the triggers its duties name, numbered within the part.
        mine = sorted(set(chosen[start:stop]))
        place = {at: number for number, at in enumerate(mine)}
        rows = pl.DataFrame(
            {
                "subject": [d[0] for d in duties[start:stop]],
                "name": [d[1] for d in duties[start:stop]],
                "on": [d[2] for d in duties[start:stop]],
                "provisional": [d[3] for d in duties[start:stop]],
                "rule": [d[4] for d in duties[start:stop]],
            },
            schema={"subject": pl.String, "name": pl.String, "on": pl.Date,
                    "provisional": pl.Boolean, "rule": pl.String},
        )  # fmt: skip
        numbers = pl.Series([place[at] for at in chosen[start:stop]], dtype=pl.UInt32)
        columns.add(_table([triggers[at] for at in mine]), {"duties": (rows, numbers)})
    written = columns.texts(utf8)
    if not duties:
        return
    made = written["duties"]
    assert made.size == len(duties)
    # In two ranges, as the document asks for them.
    middle = len(duties) // 2
    head, tail = made.pieces(0, middle), made.pieces(middle, len(duties))
    firsts, reasons = [*head[0], *tail[0]], [*head[1], *tail[1]]
    assert len(firsts) == len(reasons) == len(duties)
    out = results._AS_UTF8 if utf8 else results._as_text
    for (subject, name, on, provisional, rule), at, first, reason in zip(
        duties, chosen, firsts, reasons, strict=True
    ):
        trigger = triggers[at]
        plain = named[trigger.type] is not None and not any(
            map(_needs_escaping, (trigger.type, trigger.key, subject, name, rule))
        )
        assert (first is not None) == plain
        if first is None:
            continue
        provenance = results.Provenance((), _rule_text(named[trigger.type] or ""))
        duty = results.Duty(subject, name, on, rule, trigger, provenance, provisional)
        pieces = duty._pieces(results._Document(out), ",")
        assert (first, reason) == (pieces[0], pieces[2])


@settings(max_examples=150)
@given(_TRIGGERS, st.lists(_DUTY, max_size=20), st.data(), st.integers(1, 3), st.booleans())
def test_each_result_the_columns_write_is_written_as_the_document_writes_it(
    triggers: list[results.Trigger],
    duties: list[tuple[str, str, dt.date, bool, str]],
    data: st.DataObject,
    parts: int,
    utf8: bool,
) -> None:
    chosen = data.draw(st.lists(st.integers(0, len(triggers) - 1), min_size=len(duties),
                                max_size=len(duties)))  # fmt: skip
    named = {**_NAMED, "决定": None}  # two rules on 决定 disagree on its name
    _check_duties(triggers, named, duties, chosen, parts, utf8)


@pytest.mark.parametrize(
    "key", ["r1", "记录1", "😀", "a\\b", 'a"b', "a\nb", "a\x00b", "\x1f", "\x7f", "", None]
)
@pytest.mark.parametrize("kind", ["entered", 'with "quote"', "back\\slash", "tab\t"])
def test_every_character_json_escapes_leaves_the_result_to_the_document(
    kind: str, key: str | None
) -> None:
    """Each character JSON escapes, in a trigger's type or key or a result's own texts, on its
    own: the columns leave that result out; anything else (Chinese, astral, DEL, empty) they
    write as the document does."""
    trigger = results.Trigger(kind, key, dt.date(2024, 2, 29), 4)
    named = {kind: "录入"}
    for subject in ("p1", key or "p2"):
        duty = (subject, "notify_entry", dt.date(2024, 3, 1), False, "art8_notify")
        for utf8 in (True, False):
            _check_duties([trigger], {**_NAMED, **named}, [duty], [0], 1, utf8)


def test_no_results_give_no_texts() -> None:
    assert ResultColumns({}).texts(True) == {}


def test_days_centuries_apart_are_written_as_the_document_writes_them() -> None:
    """A few days across centuries take the lookup by value, not a list over the span."""
    triggers = [
        results.Trigger("entered", "r1", dt.date(1, 1, 1), 0),
        results.Trigger("entered", None, dt.date(9999, 12, 31), None),
        results.Trigger("entered", "r3", dt.date(2024, 2, 29), 3),
    ]
    duties = [
        ("p1", "notify", dt.date(1, 1, 2), True, "r"),
        ("p1", "notify", dt.date(9999, 12, 30), False, "r"),
        ("p2", "notify", dt.date(2024, 3, 1), False, "r"),
    ]
    _check_duties(triggers, {"entered": "录入"}, duties, [0, 1, 2], 1, True)


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


def test_a_text_with_a_nul_cannot_be_a_template() -> None:
    with pytest.raises(ValueError, match="NUL"):
        json_text.template("a\x00b")


COLUMNAR = {
    "lianyungang-2007": Engine(LIANYUNGANG, backend="columnar"),
    "ganzhou-2023": Engine(GANZHOU, backend="columnar"),
}
CLOSURES = {"lianyungang-2007": Engine(LIANYUNGANG), "ganzhou-2023": Engine(GANZHOU)}


def _check_documents(name: str, case: Case) -> None:
    """The columnar evaluation's document, written from its columns, as text and as bytes,
    is the per-subject engine's, with the population evaluated in one part and in parts of
    two events (several parts, each numbering its own triggers); and a copy, which writes
    everything itself, writes it too."""
    reference = CLOSURES[name].evaluate(case.subjects, case.events, as_of=case.as_of)
    expected = reference.model_dump_json()
    for events_per_part in (typed.EVENTS_PER_PART, 2):
        with mock.patch.object(typed, "EVENTS_PER_PART", events_per_part):
            evaluation = COLUMNAR[name].evaluate(case.subjects, case.events, as_of=case.as_of)
        assert evaluation._columns is not None
        assert evaluation.model_dump_json() == expected
        binary = io.BytesIO()
        evaluation.write_json(binary)
        assert binary.getvalue() == expected.encode("utf-8")
    assert evaluation.model_copy().model_dump_json() == expected


@settings(max_examples=60)
@given(cases(LIANYUNGANG))
def test_lianyungang_columnar_documents_equal_the_per_subject_engines(case: Case) -> None:
    _check_documents("lianyungang-2007", case)


@settings(max_examples=60)
@given(cases(GANZHOU))
def test_ganzhou_columnar_documents_equal_the_per_subject_engines(case: Case) -> None:
    _check_documents("ganzhou-2023", case)


def test_a_columnar_evaluation_takes_its_texts_from_its_columns() -> None:
    """The columns are really used (a document of the typed columnar path has them), and a
    result whose record id JSON must escape is left to the document, which escapes it."""
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(3)]
    events = [
        {"type": "dishonesty_entered", "subject": f"p{n}", "record": record,
         "category": "lend_certificate", "date": "2020-03-10"}
        for n, record in enumerate(["r1", 'r"2', "r\\3\n"])
    ]  # fmt: skip
    as_of = dt.date(2020, 6, 1)
    evaluation = COLUMNAR["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    made = evaluation._columns
    assert made is not None
    decisions = made.texts(False)["decisions"]
    firsts, _ = decisions.pieces(0, decisions.size)
    written = [f for f in firsts if f is not None]
    assert written and all('"key":"r1"' in f for f in written)
    assert len(written) < len(firsts)
    document = json.loads(evaluation.model_dump_json())
    keys = {d["trigger"]["key"] for d in document["decisions"]}
    assert keys == {"r1", 'r"2', "r\\3\n"}
    reference = CLOSURES["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    assert evaluation.model_dump_json() == reference.model_dump_json()


@pytest.mark.parametrize(
    ("column_results", "write_results"), [(5, 2), (4, 4), (1, 1), (7, 3), (64, 3)]
)
def test_ranges_of_rows_and_batches_meet_anywhere(
    monkeypatch: pytest.MonkeyPatch, column_results: int, write_results: int
) -> None:
    """The columns make their pieces a range of rows at a time and the document writes a
    batch at a time; wherever the two boundaries fall, with results the columns leave out
    among them, the document is the per-subject engine's."""
    monkeypatch.setattr(results, "_COLUMN_RESULTS", column_results)
    monkeypatch.setattr(results, "_WRITE_RESULTS", write_results)
    monkeypatch.setattr(typed, "EVENTS_PER_PART", 5)  # several parts, decisions and duties
    subjects = [{"id": f"p{n:02d}", "kind": "insured_person"} for n in range(12)]
    events = [
        {"type": "dishonesty_entered", "subject": f"p{n:02d}",
         "record": f'r"{k}' if n % 5 == 3 else f"r{k}", "category": "lend_certificate",
         "date": f"{2008 + k}-03-1{n % 10}"}
        for n in range(12) for k in range(1 + n % 3)
    ]  # fmt: skip
    as_of = dt.date(2010, 6, 1)
    evaluation = COLUMNAR["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    assert evaluation._columns is not None
    assert len(evaluation.decisions) > min(column_results, 30)
    expected = CLOSURES["lianyungang-2007"].evaluate(subjects, events, as_of=as_of)
    binary = io.BytesIO()
    evaluation.write_json(binary)
    assert binary.getvalue() == expected.model_dump_json().encode("utf-8")
    assert evaluation.model_dump_json() == expected.model_dump_json()


def test_a_pickled_or_copied_columnar_evaluation_writes_the_same_document() -> None:
    """A pickled evaluation (a worker sends one back, say) leaves its columns behind, so that
    it stays small and opens without polars, and writes the same document through the
    Python writer; so does one pickled before evaluations had columns. A deep copy keeps
    them."""
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(5)]
    events = [
        {"type": "dishonesty_entered", "subject": f"p{n}", "record": "r1",
         "category": "lend_certificate", "date": "2020-03-10"}
        for n in range(5)
    ]  # fmt: skip
    evaluation = COLUMNAR["lianyungang-2007"].evaluate(subjects, events, as_of=dt.date(2020, 6, 1))
    assert evaluation._columns is not None
    expected = evaluation.model_dump_json()
    pickled = pickle.loads(pickle.dumps(evaluation))
    assert pickled._columns is None and evaluation._columns is not None
    older = pickle.loads(pickle.dumps(evaluation))
    older.__pydantic_private__.pop("_columns")  # as a pickle of an older version holds it
    copied = copy.deepcopy(evaluation)
    assert copied._columns is not None
    for other in (pickled, older, copied):
        assert other == evaluation
        assert other.model_dump_json() == expected
