"""The contract's JSON text, written straight from the results, says exactly what the dicts say.

``Evaluation.model_dump_json`` writes the text without building the dicts (a population's
evaluation would otherwise spend more time on them than on evaluating); it must never say
anything ``model_dump(mode="json")`` does not, on any history of either ruleset, with Chinese
text, periods, tuples of values and deadlines included.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import credit_rules.model.results as results
from credit_rules import Engine, bundled
from credit_rules.model import json_text
from credit_rules.testing.strategies import Case, cases

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
ENGINES = {"lianyungang-2007": Engine(LIANYUNGANG), "ganzhou-2023": Engine(GANZHOU)}


def _check_same(engine: Engine, case: Case) -> None:
    evaluation = engine.evaluate(case.subjects, case.events, as_of=case.as_of)
    written = evaluation.model_dump_json()
    assert json.loads(written) == evaluation.model_dump(mode="json")
    # Written twice (the second time from the rules' remembered fragments), the same text.
    assert evaluation.model_dump_json() == written
    # To a binary stream: the UTF-8 bytes of that text, whatever the pieces encoded once.
    binary = io.BytesIO()
    evaluation.write_json(binary)
    assert binary.getvalue() == written.encode("utf-8")


@settings(max_examples=60)
@given(cases(LIANYUNGANG))
def test_lianyungang_json_text_equals_the_dumped_dicts(case: Case) -> None:
    _check_same(ENGINES["lianyungang-2007"], case)


@settings(max_examples=60)
@given(cases(GANZHOU))
def test_ganzhou_json_text_equals_the_dumped_dicts(case: Case) -> None:
    _check_same(ENGINES["ganzhou-2023"], case)


def _two_records() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    subjects = [{"id": "p2", "kind": "insured_person"}]
    events = [
        {"type": "dishonesty_entered", "subject": "p2", "record": "r1",
         "category": "lend_certificate", "date": "2008-03-10"},
        {"type": "dishonesty_entered", "subject": "p2", "record": "r2",
         "category": "resell_drugs", "date": "2009-05-20"},
    ]  # fmt: skip
    return subjects, events


def test_the_text_is_compact_utf8_and_options_take_pydantics_path() -> None:
    subjects, events = _two_records()
    evaluation = ENGINES["lianyungang-2007"].evaluate(subjects, events, as_of=dt.date(2009, 6, 1))
    written = evaluation.model_dump_json()
    assert "书面警告" in written or "现金结算" in written  # Chinese as itself, not \\u escapes
    assert "\\u" not in written
    compact = json.dumps(json.loads(written), ensure_ascii=False, separators=(",", ":"))
    assert written == compact
    indented = evaluation.model_dump_json(indent=2)
    assert "\n  " in indented
    assert json.loads(indented) == json.loads(written)
    only_as_of = json.loads(evaluation.model_dump_json(include={"as_of"}))
    assert only_as_of == {"as_of": "2009-06-01"}


def test_a_rule_remembers_a_bounded_number_of_fragments() -> None:
    fragments = json_text.Fragments()
    calls: list[int] = []

    def write(n: int) -> str:
        calls.append(n)
        return str(n)

    for n in range(json_text.MEMO_LIMIT + 10):
        assert fragments.get(("n", n), write, n) == str(n)
    assert fragments.get(("n", 5), write, 5) == "5"  # forgotten when full: written again
    assert len(calls) == json_text.MEMO_LIMIT + 11
    assert fragments.get(("n", json_text.MEMO_LIMIT + 9), write, 0) == str(
        json_text.MEMO_LIMIT + 9
    )  # still remembered: not written again
    assert len(calls) == json_text.MEMO_LIMIT + 11
    assert fragments.get(["unhashable"], write, 7) == "7"  # a list key: written each time


def _rule_text(*facts: tuple[str, str, str], **parameters: object) -> results.RuleText:
    """Rule "r" reading ``facts`` (name, zh, en) in order, with ``parameters`` and no
    citation: the fixed texts of a rule built by hand."""
    return results.RuleText(
        rule="r",
        outcome="o",
        fact_names=tuple(name for name, _, _ in facts),
        fact_texts=tuple((zh, en) for _, zh, en in facts),
        fact_overrides=(None,) * len(facts),
        parameters=tuple(parameters.items()),
        steps=tuple(range(len(facts))),
        cites=(),
    )


def test_true_and_one_are_not_the_same_fragment() -> None:
    """``True == 1`` in Python; a rule's fact valued True, written first, must never be written
    again for a fact valued 1 (the memo keys on the value's type too)."""
    text = _rule_text(("f", "事实", "the fact"))
    trigger = results.Trigger("t", None, dt.date(2020, 1, 1), 0)

    def written(value: object) -> object:
        decision = results.Decision(
            "s", "o", dt.date(2020, 1, 1), None, True, "r", trigger,
            results.Provenance((value,), text),
        )  # fmt: skip
        document = json.loads(decision.json_text())
        assert document == decision.model_dump(mode="json")
        return document["because"][1]["value"]

    assert written(True) is True
    assert written(1) == 1 and written(1) is not True


def test_equal_values_of_other_shapes_are_written_each_their_own_way() -> None:
    """``(1,) == (True,)`` and ``1 == True``: a memo keyed on the values alone would write the
    first one's text for the other. Compared as text, since ``json.loads`` of ``[1]`` and of
    ``[true]`` are equal in Python too."""
    text = _rule_text(("items", "项", "the items"), ("flag", "标志", "the flag"))
    trigger = results.Trigger("t", None, dt.date(2020, 1, 1), 0)
    for values in (((1,), 1), ((True,), True), ((1,), True), ((True,), 1), ((1, True), 1)):
        decision = results.Decision(
            "s", "o", dt.date(2020, 1, 1), None, True, "r", trigger,
            results.Provenance(values, text),
        )  # fmt: skip
        expected = json.dumps(
            decision.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
        )
        assert decision.json_text() == expected


def test_results_of_one_rule_share_what_their_values_share_and_nothing_else() -> None:
    """The text after a result's trigger is written once per rule and set of fact values:
    results with the same values and other triggers, subjects or days, and results with
    other values, each still write their own document, in any order."""
    text = _rule_text(("count", "数", "the count"), ("flag", "标志", "the flag"), limit=2)
    made = [
        results.Decision(
            subject,
            "o",
            day,
            None,
            subject == "s1",
            "r",
            results.Trigger("entered", key, day, seq),
            results.Provenance(values, text),
        )
        for subject, key, day, seq, values in (
            ("s1", "k1", dt.date(2020, 1, 1), 0, (1, False)),
            ("s2", "k2", dt.date(2021, 2, 3), 4, (1, False)),
            ("s1", "k3", dt.date(2022, 5, 6), 1, (2, True)),
            ("s3", None, dt.date(2020, 1, 1), 0, (1, False)),
        )
    ]
    for order in (made, made[::-1]):
        triggers: dict[results.Trigger, tuple[str, str]] = {}
        for decision in order:
            assert json.loads(decision.json_text(triggers)) == decision.model_dump(mode="json")


def test_an_engine_still_pickles_with_its_fragments_in_use() -> None:
    subjects, events = _two_records()
    engine = ENGINES["lianyungang-2007"]
    before = engine.evaluate(subjects, events, as_of=dt.date(2009, 6, 1)).model_dump_json()
    copy = pickle.loads(pickle.dumps(engine))
    assert copy.evaluate(subjects, events, as_of=dt.date(2009, 6, 1)).model_dump_json() == before


def test_written_to_a_stream_in_pieces_it_is_the_same_text() -> None:
    subjects, events = _two_records()
    evaluation = ENGINES["lianyungang-2007"].evaluate(subjects, events, as_of=dt.date(2009, 6, 1))
    stream = io.StringIO()
    evaluation.write_json(stream)
    assert stream.getvalue() == evaluation.model_dump_json()
    empty = ENGINES["lianyungang-2007"].evaluate(subjects, [], as_of=dt.date(2009, 6, 1))
    assert json.loads(empty.model_dump_json())["decisions"] == []
    assert json.loads(empty.model_dump_json()) == empty.model_dump(mode="json")


class _Writes:
    """A text stream that keeps each write apart."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)


def test_a_document_of_many_results_goes_out_in_a_few_writes_of_the_same_text() -> None:
    """Several thousand pieces: ``write_json`` joins them into a few writes, across the
    boundaries of its batches, and the text is still exactly ``model_dump_json``'s."""
    subjects = [{"id": f"p{n:04d}", "kind": "insured_person"} for n in range(700)]
    events = [
        {"type": "dishonesty_entered", "subject": f"p{n:04d}", "record": f"r{k}",
         "category": "lend_certificate", "date": f"{2008 + k}-03-10"}
        for n in range(700) for k in range(2)
    ]  # fmt: skip
    evaluation = ENGINES["lianyungang-2007"].evaluate(subjects, events, as_of=dt.date(2011, 6, 1))
    written = len(evaluation.decisions) + len(evaluation.deadlines) + len(evaluation.duties)
    assert written > 2 * results._WRITE_RESULTS  # the batches' boundaries are crossed
    stream = _Writes()
    evaluation.write_json(stream)
    assert "".join(stream.calls) == evaluation.model_dump_json()
    # One write per batch of results of each list, one more for what closes the document.
    lists = (evaluation.decisions, evaluation.deadlines, evaluation.duties)
    assert len(stream.calls) == sum(-(-len(r) // results._WRITE_RESULTS) for r in lists) + 1


def test_a_binary_file_gets_the_utf8_bytes_of_the_text(tmp_path: Path) -> None:
    """A file opened ``"wb"``, buffered or not (``io.BufferedIOBase``, ``io.RawIOBase``),
    gets the document's UTF-8 bytes; a text file the text."""
    subjects, events = _two_records()
    evaluation = ENGINES["lianyungang-2007"].evaluate(subjects, events, as_of=dt.date(2009, 6, 1))
    text = evaluation.model_dump_json()
    assert "书面警告" in text or "现金结算" in text
    for buffering in (-1, 0):
        path = tmp_path / f"evaluation-{buffering}.json"
        with path.open("wb", buffering=buffering) as binary:
            evaluation.write_json(binary)
        assert path.read_bytes() == text.encode("utf-8")
    path = tmp_path / "evaluation.json"
    with path.open("w", encoding="utf-8") as textual:
        evaluation.write_json(textual)
    assert path.read_text(encoding="utf-8") == text


_AWKWARD = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from('"\\\n\t\x00\x1f'),
    max_size=12,
)


@given(
    _AWKWARD,
    st.none() | _AWKWARD,
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    st.none() | st.integers(0, 10**12),
    st.just("") | _AWKWARD,
)
def test_a_trigger_and_its_reason_are_written_as_their_dicts_encode(
    kind: str, key: str | None, day: dt.date, seq: int | None, named_zh: str
) -> None:
    """Triggers and their reasons are written straight to text; whatever their type, key
    and the event's Chinese name say (quotes, backslashes, control characters, Chinese,
    astral characters), the text is the one ``json.dumps`` writes for their dicts."""
    trigger = results.Trigger(kind, key, day, seq)
    written, reason = results._Document(results._as_text).trigger(trigger, named_zh)
    assert written == json_text.encode(trigger.dump("json"))
    made = results.trigger_reason(trigger, named_zh)
    assert reason == json_text.encode(made.model_dump(mode="json"))
    # The value and the English name the event by its type; the Chinese by its name.
    assert made.value.startswith(kind) and f"by {kind}" in made.en
    assert (named_zh or kind) in made.zh


@given(
    _AWKWARD,
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _AWKWARD
    | st.dates() | st.tuples(st.integers(), st.booleans()),
)  # fmt: skip
def test_a_reason_is_written_as_its_dict_encodes(name: str, value: object) -> None:
    reason = results.Reason(name, value, f"en {name}", f"中文 {name}")  # type: ignore[arg-type]
    assert results._reason_json(reason) == json_text.encode(reason.model_dump(mode="json"))


def test_one_trigger_dict_serves_results_of_two_rulesets() -> None:
    """A caller may keep one dict of trigger texts across results; the same trigger (type,
    key, day, place) under two rulesets is named in each one's Chinese words."""
    ganzhou = Engine(bundled("ganzhou-2023")).evaluate(
        [{"id": "s1", "kind": "retail_pharmacy"}],
        [
            {
                "type": "evaluation_published",
                "subject": "s1",
                "evaluation": "e1",
                "year": 2024,
                "score": 78,
                "date": "2024-03-01",
            },
            {
                "type": "objection_filed",
                "subject": "s1",
                "objection": "o1",
                "evaluation": "e1",
                "ground": "evaluation_result_disputed",
                "date": "2024-03-05",
            },
        ],
        as_of=dt.date(2024, 3, 6),
    )
    lianyungang = Engine(bundled("lianyungang-2007")).evaluate(
        [{"id": "s1", "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": "s1",
                "record": "o1",
                "category": "lend_certificate",
                "date": "2024-03-01",
            },
            {
                "type": "objection_filed",
                "subject": "s1",
                "record": "o1",
                "ground": "inaccurate",
                "date": "2024-03-05",
            },
        ],
        as_of=dt.date(2024, 3, 6),
    )
    first, second = (
        next(r for r in (*found.duties, *found.decisions) if r.trigger.type == "objection_filed")
        for found in (ganzhou, lianyungang)
    )
    assert first.trigger == second.trigger
    shared: results.TriggerTexts = {}
    for result in (first, second):
        written = json.loads(result.json_text(shared))
        assert written == result.model_dump(mode="json")
    assert "提出异议申请 o1" in json.loads(first.json_text(shared))["because"][0]["zh"]
    assert "提出异议 o1" in json.loads(second.json_text(shared))["because"][0]["zh"]
