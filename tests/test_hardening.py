"""Issue 15: every bad input found by the fuzzing campaign is refused with a typed, located error,
in bounded time and memory, and a refused call changes nothing.

One test (or one parametrised case) per finding of the issue, in its order. Resource cases assert
a time bound generous enough for a loaded CI machine; benchmarks/bench_resources.py measures
time and peak memory precisely.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from credit_rules import (
    CreditRulesError,
    Engine,
    EventRejected,
    HistoryError,
    Ledger,
    LimitExceeded,
    Limits,
    RulesetError,
    ScenarioError,
    SubjectRejected,
    bundled,
    load_ruleset,
    load_scenario,
    loads_ruleset,
)
from credit_rules.cli.main import main
from credit_rules.errors import LedgerArgumentError, SnapshotError, mask_identities, shown

ROOT = Path(__file__).resolve().parents[1]
LIANYUNGANG = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
LYG = bundled("lianyungang-2007")
GZ = bundled("ganzhou-2023")
PERSON = {"id": "p2", "kind": "insured_person"}
ENTRY = {
    "type": "dishonesty_entered",
    "subject": "p2",
    "record": "r1",
    "category": "lend_certificate",
    "date": "2008-03-10",
}
AS_OF = dt.date(2009, 6, 1)
ID_NUMBER = "110101199003074514"
MASKED = "1101**********4514"


def edited(old: str, new: str) -> str:
    assert old in LIANYUNGANG, old
    return LIANYUNGANG.replace(old, new, 1)


def refused_ruleset(text: str) -> RulesetError:
    with pytest.raises(RulesetError) as raised:
        loads_ruleset(text, source="edited.yaml")
    return raised.value


WHEN = 'when: "record_count >= warning_records and record_count < settlement_change_records"'


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# -- rulesets -------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x1b", "\x00", "\x7f", "\ufffe"])
def test_a_control_character_is_a_located_ruleset_error(character: str) -> None:
    text = edited("document_number:", f"document_number: a{character}b\nx_:")
    error = refused_ruleset(text)
    assert error.problems[0].line == line_of(LIANYUNGANG, "document_number:")
    assert f"U+{ord(character):04X}" in str(error) and "edited.yaml" in str(error)


@pytest.mark.parametrize(
    "written", ["2007-10-01T10:61:00", "2024-01-01T24:00:00", "2007-10-01 00:00:00+08:00"]
)
def test_a_timestamp_where_a_date_belongs_is_refused_with_its_line(written: str) -> None:
    error = refused_ruleset(edited("in_force_from: 2007-10-01", f"in_force_from: {written}"))
    assert error.problems[0].line == line_of(LIANYUNGANG, "in_force_from:")
    assert "YYYY-MM-DD" in str(error)


@pytest.mark.parametrize(
    "written", ["'2007-10-01T00:00:00+08:00'", "1191196800", "1191196800.0", "'20071001'", "true"]
)
def test_in_force_from_is_only_an_iso_date(written: str) -> None:
    error = refused_ruleset(edited("in_force_from: 2007-10-01", f"in_force_from: {written}"))
    assert error.problems[0].field == "in_force_from"


@pytest.mark.parametrize(
    "digits",
    [
        pytest.param("9" * 5000, id="5000-digits"),
        pytest.param("0x" + "f" * 5000, id="5000-hex-digits"),
        pytest.param("9" * 31, id="31-digits"),
    ],
)
def test_an_integer_over_the_digit_limit_is_refused_before_it_is_built(digits: str) -> None:
    text = edited("  - id: warning_records\n", "  - id: warning_records\n    x: " + digits + "\n")
    with pytest.raises(LimitExceeded) as raised:
        loads_ruleset(text, source="edited.yaml")
    assert raised.value.limit == "max_int_digits"
    assert raised.value.problems[0].line == line_of(LIANYUNGANG, "  - id: warning_records") + 1
    assert "max_int_digits=30" in str(raised.value)


def test_the_integer_limit_is_the_callers_to_raise() -> None:
    text = edited("in_force_cites: [{article: 15}]", f"in_force_cites: [{{article: 1{'0' * 40}}}]")
    with pytest.raises(LimitExceeded):
        loads_ruleset(text)
    with pytest.raises(RulesetError, match="does not contain") as raised:
        loads_ruleset(text, limits=Limits(max_int_digits=50))
    assert not isinstance(raised.value, LimitExceeded)


def test_every_truncation_of_a_ruleset_is_refused_or_runs() -> None:
    lines = LIANYUNGANG.splitlines(keepends=True)
    outcomes = {"refused": 0, "ran": 0}
    for cut in range(0, len(lines), max(1, len(lines) // 60)):
        try:
            ruleset = loads_ruleset("".join(lines[:cut]))
        except RulesetError:
            outcomes["refused"] += 1
            continue
        Engine(ruleset).evaluate([PERSON], [ENTRY], as_of=AS_OF)
        outcomes["ran"] += 1
    assert outcomes["refused"] > 0 and outcomes["ran"] > 0


def test_a_cite_of_article_true_is_refused() -> None:
    error = refused_ruleset(
        edited("in_force_cites: [{article: 15}]", "in_force_cites: [{article: true}]")
    )
    assert error.problems[0].field.startswith("in_force_cites")


@pytest.mark.parametrize(
    "name",
    ["tｒue", "ｒecord_count", "𝐫𝐞𝐜𝐨𝐫𝐝_𝐜𝐨𝐮𝐧𝐭", "record_count ａnd true"],
)
def test_identifiers_are_ascii_and_never_folded(name: str) -> None:
    old = WHEN
    error = refused_ruleset(edited(old, f'when: "{name} >= warning_records"'))
    assert "outside quotes" in str(error) and "U+" in str(error)


def test_non_ascii_text_inside_quotes_is_still_allowed() -> None:
    from credit_rules.ruleset.expressions import parse

    assert parse("'书面警告' == '书面警告'", {}).op == "=="  # type: ignore[union-attr]


def test_a_register_without_rules_loads_and_evaluates() -> None:
    text = edited(
        "facts:\n",
        "  - id: unused_records\n"
        "    description: {zh: 未用, en: Unused}\n"
        "    entered_by: dishonesty_entered\n"
        "    cites: [{article: 8}]\n\nfacts:\n",
    )
    ruleset = loads_ruleset(text)
    result = Engine(ruleset).evaluate([PERSON], [ENTRY], as_of=AS_OF)
    assert result.outcomes(PERSON["id"]) == Engine(ruleset).outcomes(
        [PERSON], [ENTRY], as_of=AS_OF
    ).get(PERSON["id"], frozenset())


# -- resources: each refused well under a second ---------------------------------------------


def quickly_refused(text: str, limit: str, **kwargs: Any) -> LimitExceeded:
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as raised:
        loads_ruleset(text, source="big.yaml", **kwargs)
    assert time.perf_counter() - started < 2.0
    assert raised.value.limit == limit and "big.yaml" in str(raised.value)
    return raised.value


def billion_laughs(levels: int = 9) -> str:
    rows = ['a0: &a0 "lol"']
    rows += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "\n".join(rows) + f"\nid: *a{levels - 1}\n"


def test_billion_laughs_is_refused_before_anything_is_built() -> None:
    error = quickly_refused(billion_laughs(), "max_nodes")
    assert error.problems[0].line is not None


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_deep_nesting_is_refused(depth: int, brackets: str) -> None:
    opening, closing = brackets
    key = "a: " if opening == "{" else ""
    text = "x: " + (opening + key) * depth + "1" + closing * depth + "\n"
    quickly_refused(text, "max_depth")


def test_a_million_keys_and_a_million_subject_kinds_are_refused() -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(300_000))
    quickly_refused(keys, "max_nodes", limits=Limits(max_bytes=10**8))
    kinds = "subject_kinds: [" + ", ".join(["insured_person"] * 150_000) + "]\n"
    quickly_refused(kinds, "max_list_length", limits=Limits(max_bytes=10**8, max_nodes=10**6))


def test_too_many_aliases_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 300) + "]\n"
    quickly_refused(text, "max_aliases")


def test_a_file_over_the_byte_limit_is_read_no_further(tmp_path: Path) -> None:
    path = tmp_path / "comments.yaml"
    path.write_bytes(b"# comment\n" * 500_000)
    with pytest.raises(LimitExceeded) as raised:
        load_ruleset(path)
    assert raised.value.limit == "max_bytes" and str(path) in str(raised.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_after_the_byte_limit() -> None:
    started = time.perf_counter()
    with pytest.raises(LimitExceeded):
        load_ruleset("/dev/zero")
    with pytest.raises(LimitExceeded):
        load_scenario("/dev/zero")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param("not " * 600 + "true", id="600-nots"),
        pytest.param("not " * 10_000 + "true", id="10000-nots"),
        pytest.param("(" * 300 + "true" + ")" * 300, id="300-parentheses"),
        pytest.param(" and ".join(["true"] * 200_000), id="1MB-and-chain"),
        pytest.param(" + ".join(["warning_records"] * 400) + " > 1", id="400-additions"),
    ],
)
def test_attacks_on_the_condition_language_are_refused_quickly(condition: str) -> None:
    started = time.perf_counter()
    error = refused_ruleset(edited(WHEN, f'when: "{condition}"'))
    assert time.perf_counter() - started < 2.0
    assert "max_expression" in str(error) or "nested" in str(error) or "cannot parse" in str(error)


def test_expression_limits_are_the_callers_to_raise() -> None:
    condition = "not " * 60 + "true"
    text = edited(WHEN, f'when: "{condition}"')
    refused_ruleset(text)
    loads_ruleset(text, limits=Limits(max_expression_depth=200))


def chained_facts(links: int) -> str:
    """Lianyungang with the facts f0 = record_count + 1, f1 = f0 + 1, … f{links - 1}, the last
    read by Art 9's condition. record_count is two facts deep, so f{n} is n + 3 deep."""
    facts = "".join(
        f"  - id: f{n}\n    description: {{zh: 链, en: chain}}\n"
        f'    expr: "{f"f{n - 1}" if n else "record_count"} + 1"\n'
        for n in range(links)
    )
    anchor = "  - id: objected_record_on_file\n"
    return edited(anchor, facts + anchor).replace(WHEN, f'{WHEN[:-1]} and f{links - 1} >= 1"')


def test_a_chain_of_a_thousand_facts_is_refused_naming_the_fact_and_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It used to end in a RecursionError traceback from the loader's dependency walk.
    text = chained_facts(1_000)
    first = Limits().max_fact_depth - 2  # f48: the first link past the limit
    error = quickly_refused(text, "max_fact_depth")
    problem = error.problems[0]
    assert problem.field == f"facts[{first + 3}].expr"
    assert problem.line == line_of(text, f'expr: "f{first - 1} + 1"')
    assert f"f{first}" in str(error) and "max_fact_depth=50" in str(error)
    path = tmp_path / "chain.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["closures", "durable", "columnar"])
def test_the_longest_chain_of_facts_the_limit_accepts_is_evaluated(backend: str) -> None:
    if backend != "closures":
        pytest.importorskip("durable" if backend == "durable" else "polars")
    links = Limits().max_fact_depth - 2
    ruleset = loads_ruleset(chained_facts(links))
    with Engine(ruleset, backend=backend) as engine:
        result = engine.evaluate([PERSON], [ENTRY], as_of=AS_OF)
    assert [d.outcome for d in result.decisions] == ["written_warning"]
    assert f'"f{links - 1}"' in result.model_dump_json()


def test_the_longest_chain_of_facts_the_limit_accepts_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Explanations walk the chain recursively (--format json deepest, failing past about
    # 250 facts): the limit is what keeps them inside Python's recursion limit.
    links = Limits().max_fact_depth - 2
    (tmp_path / "chain.yaml").write_text(chained_facts(links), encoding="utf-8")
    scenario = tmp_path / "chain.scenario.yaml"
    scenario.write_text(
        "ruleset: chain.yaml\nas_of: 2009-06-01\n"
        f"subjects: [{json.dumps(PERSON)}]\nevents: [{json.dumps(ENTRY)}]\n",
        encoding="utf-8",
    )
    argv = ["explain", str(scenario), "--subject", "p2", "--outcome", "written_warning"]
    for output in ("text", "json"):
        assert main([*argv, "--format", output]) == 0
        assert f"f{links - 1}" in capsys.readouterr().out


def test_the_loader_and_the_durable_compiler_walk_a_chain_without_recursing() -> None:
    # A caller may raise the limit: the loader's dependency walk and the durable backend's
    # compiler follow a chain with loops, so only the explanations' depth bounds it.
    lifted = Limits(max_fact_depth=2_000)
    ruleset = loads_ruleset(chained_facts(1_000), limits=lifted)
    art9 = next(rule for rule in ruleset.rules if rule.id == "art9_written_warning")
    assert {"f0", "f999", "records_at_entry"} <= set(art9.reads)
    pytest.importorskip("durable")
    # The compiler's walk used to recurse about five frames a link, failing from about 200.
    shorter = loads_ruleset(chained_facts(300), limits=lifted)
    with Engine(shorter, backend="durable") as engine:
        assert engine.outcomes([PERSON], [ENTRY], as_of=dt.date(2008, 3, 10)) == {
            "p2": frozenset({"written_warning"})
        }


def test_a_ruleset_that_extends_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "self.yaml"
    path.write_text("extends: self.yaml\nid: loop\n", encoding="utf-8")
    with pytest.raises(RulesetError, match="cycle"):
        load_ruleset(path)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nid: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nid: b\n", encoding="utf-8")
    with pytest.raises(RulesetError, match="cycle"):
        load_ruleset(tmp_path / "a.yaml")
    assert main(["validate", str(path)]) == 2


# -- scenarios and the Python API -------------------------------------------------------------


def scenario_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.scenario.yaml"
    path.write_text("ruleset: lianyungang-2007\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("as_of: 2009-06-01\nsubjects: null\n", "subjects"),
        ("as_of: 1704067200.0\n", "as_of"),
        ("as_of: 20090601\n", "as_of"),
        ("as_of: 2024-01-01T24:00:00\n", "as_of"),
        ("as_of: 2009-06-01\nexpect: {exactly: 1}\n", "expect.exactly"),
    ],
)
def test_scenario_fields_are_strict(tmp_path: Path, body: str, field: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario_file(tmp_path, body))
    assert raised.value.problems[0].field == field
    assert raised.value.problems[0].line is not None


@pytest.mark.parametrize("date", [0, 1704067200, "2024-01-01T24:00:00", "20080310", True, 2008.0])
def test_an_event_date_is_only_an_iso_date(date: object) -> None:
    with pytest.raises(ScenarioError) as raised:
        Engine(LYG).evaluate([PERSON], [{**ENTRY, "date": date}], as_of=AS_OF)
    assert raised.value.problems[0].field == "events[0].date"


@pytest.mark.parametrize(
    "as_of", [1704067200.0, "2009-6-1", "2009-06-01T00:00", dt.datetime(2009, 6, 1), None]
)
def test_as_of_is_only_a_date(as_of: object) -> None:
    """A date, or its ISO text exactly (``"2009-06-01"`` is accepted: test_i18n_errors.py)."""
    with pytest.raises(ScenarioError, match="as_of"):
        Engine(LYG).evaluate([PERSON], [ENTRY], as_of=as_of)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "score", [False, True, 500.0, "500", pytest.param(10**5000, id="5001-digits")]
)
def test_a_score_is_a_whole_number_never_a_boolean(score: object) -> None:
    event = {
        "type": "evaluation_published",
        "subject": "m1",
        "evaluation": "e1",
        "date": "2024-06-01",
        "year": 2024,
        "score": score,
    }
    with pytest.raises(ScenarioError) as raised:
        Engine(GZ).evaluate(
            [{"id": "m1", "kind": "medical_institution"}], [event], as_of=dt.date(2024, 7, 1)
        )
    assert raised.value.problems[0].field == "events[0].score"
    assert len(str(raised.value)) < 500


def test_the_same_record_entered_twice_is_refused_naming_both_places() -> None:
    with pytest.raises(HistoryError) as raised:
        Engine(LYG).evaluate([PERSON], [ENTRY, dict(ENTRY)], as_of=AS_OF)
    assert "events[1]" in str(raised.value) and "events[0]" in str(raised.value)
    with pytest.raises(HistoryError, match=r"events\[0\]"):
        Engine(GZ).evaluate(
            [{"id": "m1", "kind": "medical_institution"}],
            [
                {
                    "type": "dishonesty_determined",
                    "subject": "m1",
                    "record": "d1",
                    "category": "false_billing",
                    "date": "2024-03-01",
                }
            ]
            * 2,
            as_of=dt.date(2024, 7, 1),
        )


@pytest.mark.parametrize("argument", ["subjects", "events"])
def test_none_for_a_list_is_a_typed_error(argument: str) -> None:
    given: dict[str, Any] = {"subjects": [PERSON], "events": [ENTRY], argument: None}
    with pytest.raises(ScenarioError, match=argument):
        Engine(LYG).evaluate(given["subjects"], given["events"], as_of=AS_OF)


@pytest.mark.parametrize(
    ("events", "as_of"),
    [
        ([{**ENTRY, "date": "9998-03-10"}], dt.date(7999, 1, 1)),
        ([ENTRY], dt.date(9999, 1, 1)),
        ([ENTRY], dt.date.max),
    ],
)
def test_dates_near_the_end_of_the_calendar_are_refused_clearly(
    events: list[dict[str, Any]], as_of: dt.date
) -> None:
    with pytest.raises(ScenarioError, match="7999-12-31"):
        Engine(LYG).evaluate([PERSON], events, as_of=as_of)


def test_the_last_day_still_evaluates() -> None:
    late = {**ENTRY, "date": "7999-06-01"}
    assert Engine(LYG).evaluate([PERSON], [late], as_of=dt.date(7999, 12, 31)).decisions
    assert Engine(GZ).evaluate(
        [{"id": "m1", "kind": "medical_institution"}], [], as_of=dt.date(7999, 12, 31)
    )


def test_a_period_longer_than_1000_years_is_refused() -> None:
    error = refused_ruleset(edited("value: 5 years", "value: 9000 years"))
    assert "1,000 years" in str(error)


# -- the ledger: refused calls change nothing ---------------------------------------------------


@pytest.fixture
def ledger() -> Ledger:
    book = Ledger(LYG)
    book.add_subject(PERSON)
    book.record(ENTRY, recorded_at=dt.date(2008, 3, 11))
    return book


def test_a_refused_advance_does_not_move_today(ledger: Ledger) -> None:
    for day in (dt.date(9999, 12, 1), dt.date(9996, 4, 2), dt.date.max):
        with pytest.raises(CreditRulesError, match="7999-12-31"):
            ledger.advance(day)
        assert ledger.today == dt.date(2008, 3, 11)


def test_events_dated_near_the_end_are_refused_without_change(ledger: Ledger) -> None:
    late = {**ENTRY, "record": "r9", "date": "9996-01-01"}
    with pytest.raises(CreditRulesError):
        ledger.record(late, recorded_at=dt.date(2008, 4, 1))
    with pytest.raises(CreditRulesError):
        ledger.record({**ENTRY, "record": "r9"}, recorded_at=dt.date(9996, 1, 2))
    assert ledger.today == dt.date(2008, 3, 11) and len(ledger.history("p2")) == 1


def test_a_ledger_runs_to_the_last_day(ledger: Ledger) -> None:
    # A leap of millennia is made on purpose (a recorded_at that far ahead is refused as a
    # mistyped year); then the ledger runs on to the last day.
    ledger.advance(dt.date(7999, 6, 2))
    ledger.record({**ENTRY, "record": "r8", "date": "7999-06-01"}, recorded_at=dt.date(7999, 6, 2))
    ledger.advance(dt.date(7999, 12, 31))
    assert ledger.today == dt.date(7999, 12, 31)


@pytest.mark.parametrize("horizon", [10**7, -1, dt.timedelta(days=10**7), True, "30", 1.5])
def test_an_impossible_agenda_horizon_is_a_typed_error(ledger: Ledger, horizon: Any) -> None:
    with pytest.raises(LedgerArgumentError):
        ledger.agenda(AS_OF, horizon=horizon)


@pytest.mark.parametrize("batch", [None, "events", ENTRY, 5])
def test_record_many_needs_a_list(ledger: Ledger, batch: Any) -> None:
    with pytest.raises(EventRejected, match="batch"):
        ledger.record_many(batch, recorded_at=dt.date(2009, 1, 1))
    assert ledger.today == dt.date(2008, 3, 11)


# -- identity numbers are masked everywhere ----------------------------------------------------


@pytest.mark.parametrize(
    "subjects",
    [
        [ID_NUMBER],
        [[ID_NUMBER, ID_NUMBER]],
        [{"id": ID_NUMBER, "kind": "no_such_kind"}],
        [{"id": "p2", "kind": "insured_person", "identity_number": ID_NUMBER[:-1] + "0"}],
        [PERSON, {"id": "p3", "kind": "insured_person", "name": f"x{ID_NUMBER}"}, 5],
    ],
)
def test_identity_numbers_are_masked_in_scenario_errors(subjects: list[Any]) -> None:
    with pytest.raises(CreditRulesError) as raised:
        Engine(LYG).evaluate(subjects, [ENTRY], as_of=AS_OF)
    assert ID_NUMBER not in str(raised.value) and ID_NUMBER[:-1] not in str(raised.value)


def test_identity_numbers_are_masked_by_the_ledger_and_in_event_errors(ledger: Ledger) -> None:
    with pytest.raises(SubjectRejected) as raised:
        ledger.add_subject(ID_NUMBER)  # type: ignore[arg-type]
    assert ID_NUMBER not in str(raised.value) and MASKED in str(raised.value)
    with pytest.raises(EventRejected) as rejected:
        ledger.record({**ENTRY, "subject": ID_NUMBER}, recorded_at=dt.date(2009, 1, 1))
    assert ID_NUMBER not in str(rejected.value)
    assert all(ID_NUMBER not in p.message + p.field for p in rejected.value.problems)


def test_an_edited_snapshot_does_not_print_the_number(ledger: Ledger, tmp_path: Path) -> None:
    book = Ledger(GZ)
    book.add_subject({"id": "m1", "kind": "medical_institution"})
    path = tmp_path / "ledger.jsonl"
    book.snapshot(path)
    lines = path.read_bytes().splitlines(keepends=True)
    row = json.loads(lines[1])
    row["subject"]["kind"] = ID_NUMBER
    lines[1] = json.dumps(row).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(SnapshotError) as raised:
        Ledger.restore(path, GZ)
    assert ID_NUMBER not in str(raised.value)


def test_masking_keeps_four_characters_at_each_end_and_spares_other_numbers() -> None:
    assert mask_identities(f"id {ID_NUMBER}.") == f"id {MASKED}."
    assert mask_identities("sha256:ab12" + "3" * 20) == "sha256:ab12" + "3" * 20
    assert mask_identities("records 2024-01-01 and 12345") == "records 2024-01-01 and 12345"
    # A prefix glued to the number (an id), and a social credit code lower-cased.
    assert mask_identities(f"subject p{ID_NUMBER}:") == f"subject p{MASKED}:"
    assert mask_identities("org 91350100m000100y43") == "org 9135**********0y43"
    # Typed in full width on a Chinese keyboard, it is the same number.
    assert (
        mask_identities("身份证号１１０１０１１９９００３０７１２３Ｘ")
        == "身份证号１１０１**********１２３Ｘ"
    )
    # A digest the library writes is a longer run: never taken for a number.
    for digest in ("0123456789" * 3 + "ab", "a" + "1" * 31, "ab" + "3" * 62):
        assert mask_identities(f"id {digest}.") == f"id {digest}."
    assert shown(10**5000).startswith("<a int too large")


# -- the command line ---------------------------------------------------------------------------

SCENARIO = ROOT / "rulesets" / "lianyungang-2007" / "scenarios"
SCENARIO = SCENARIO / "architecture-example.scenario.yaml"


def test_cli_refuses_a_compact_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["evaluate", str(SCENARIO), "--as-of", "20090601"])
    assert raised.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err


def test_cli_not_in_force_names_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(SCENARIO), "--as-of", "2000-01-01"]) == 2
    err = capsys.readouterr().err
    assert str(SCENARIO) in err and "in force" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(billion_laughs(), id="billion-laughs"),
        pytest.param("x: " + "[" * 100_000 + "\n", id="deep"),
        pytest.param("extends: bomb.yaml\n", id="extends-itself"),
        pytest.param("a: 2024-01-01T24:00:00", id="timestamp"),
    ],
)
def test_cli_prints_one_paragraph_and_exits_2(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("credit-rules: ") and "Traceback" not in err and str(path) in err


def test_cli_ends_quietly_when_the_reader_goes_away() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "credit_rules.cli.main",
            "evaluate",
            str(SCENARIO),
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader exits before the first byte is written
    error = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in error and "BrokenPipe" not in error
    assert process.returncode in (0, 1)


# -- calendar overlays go through the same front door -------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("deep.json", "[" * 100_000 + "]" * 100_000, id="json-deep"),
        pytest.param("big.json", '{"year": ' + "9" * 5000 + "}", id="json-huge-int"),
        pytest.param("laughs.yaml", billion_laughs(), id="yaml-billion-laughs"),
    ],
)
def test_an_overlay_is_bounded_too(tmp_path: Path, name: str, content: str) -> None:
    from credit_rules.calendar import load_overlay

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CreditRulesError) as raised:
        load_overlay(path)
    assert str(path) in str(raised.value)


def test_a_huge_count_set_from_python_is_refused() -> None:
    from credit_rules import with_parameters

    with pytest.raises(RulesetError, match="larger than any count"):
        with_parameters(LYG, {"warning_records": 10**5000})


def test_a_condition_too_deep_for_pythons_compiler_still_decides_as_written() -> None:
    """250 nested ``not``s are past what Python compiles (200 parentheses), so neither the
    condition alone nor its trigger kind's one firing function can be generated; the
    engine falls back to the closures and decides exactly as with the plain condition."""
    plain = WHEN.removeprefix('when: "').removesuffix('"')
    deep_text = edited(WHEN, f'when: "{"not " * 250}({plain})"')
    deep = loads_ruleset(deep_text, limits=Limits(max_expression_depth=400))
    for day, expected in [
        (dt.date(2008, 3, 10), {"p2": frozenset({"written_warning"})}),
        (dt.date(2008, 3, 11), {}),
    ]:
        for ruleset in (deep, LYG):
            assert Engine(ruleset).outcomes([PERSON], [ENTRY], as_of=day) == expected
