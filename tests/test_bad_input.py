"""Bad rulesets, bad scenarios and bad events: each is refused with a typed error that says where.

Broken rulesets are small edits of the real Lianyungang file, written to ``tmp_path``; every test
asserts the file, the line the error was put on, and the field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from credit_rules import (
    CreditRulesError,
    Engine,
    HistoryError,
    InputError,
    RulesetError,
    ScenarioError,
    bundled,
    load_ruleset,
    load_scenario,
    with_parameters,
)
from credit_rules.cli.main import main
from credit_rules.i18n import render

ROOT = Path(__file__).resolve().parents[1]
RULESET_FILE = ROOT / "rulesets" / "lianyungang-2007.yaml"
ORIGINAL = RULESET_FILE.read_text(encoding="utf-8")
RULESET = bundled("lianyungang-2007")
RULE = {rule.id: index for index, rule in enumerate(RULESET.rules)}
PARAMETER = {p.id: index for index, p in enumerate(RULESET.parameters)}
INTERPRETATION = {i.id: index for index, i in enumerate(RULESET.interpretations)}


# -- editing the real ruleset -----------------------------------------------------------------


def line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def block_of(rule_or_item_id: str) -> int:
    """Where the list item ``- id: <id>`` starts in the original file."""
    return ORIGINAL.index(f"  - id: {rule_or_item_id}\n")


def replaced(
    tmp_path: Path, old: str, new: str, *, after: int = 0, name: str = "broken.yaml"
) -> tuple[Path, int]:
    """The ruleset with the first ``old`` at or after ``after`` replaced by ``new``; returns the
    file and the line where ``old`` started (where the error now is)."""
    position = ORIGINAL.index(old, after)
    text = ORIGINAL[:position] + new + ORIGINAL[position + len(old) :]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, line_at(ORIGINAL, position)


def inserted_after(
    tmp_path: Path, anchor: str, new_line: str, *, after: int = 0
) -> tuple[Path, int]:
    """The ruleset with ``new_line`` added after the line that contains ``anchor``; returns the
    file and the new line's number."""
    position = ORIGINAL.index(anchor, after)
    end = ORIGINAL.index("\n", position) + 1
    text = ORIGINAL[:end] + new_line + "\n" + ORIGINAL[end:]
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line_at(ORIGINAL, position) + 1


def _field_matches(actual: str, expected: str) -> bool:
    return actual == expected or actual.startswith((expected + ".", expected + "["))


def assert_located(error: InputError, path: Path | str, line: int, field: str) -> None:
    """One of the problems is at ``line`` and names ``field``, and the message says so with the
    file's name."""
    message = str(error)
    assert str(path) in message, message
    found = [p for p in error.problems if p.line == line and _field_matches(p.field, field)]
    assert found, f"no problem at line {line} naming {field!r}; got: " + "; ".join(
        f"line {p.line} field {p.field!r}: {p.message}" for p in error.problems
    )
    rendered = [row for row in message.splitlines() if f"{path}:{line}" in row]
    assert rendered and any(field in row for row in rendered), message


def refused(path: Path) -> RulesetError:
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path)
    return raised.value


def test_the_unedited_ruleset_loads() -> None:
    assert load_ruleset(RULESET_FILE).id == "lianyungang-2007"


# -- rulesets: schema -------------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path, line = inserted_after(tmp_path, 'version: "1.0.0"', "colour: blue")
    error = refused(path)
    assert_located(error, path, line, "colour")
    assert "unknown key" in str(error)


def test_unknown_key_with_a_block_value_points_at_the_key(tmp_path: Path) -> None:
    # The misspelt key is the error, so its line is the key's, not that of the list below it.
    path, line = replaced(tmp_path, "\nregisters:\n", "\nregistres:\n")
    assert_located(refused(path), path, line + 1, "registres")


def test_unknown_key_in_a_rule(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = inserted_after(tmp_path, "    priority: 2", "    priorty: 2", after=start)
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].priorty")


def test_wrong_type_of_a_rule_priority(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(tmp_path, "priority: 2", "priority: high", after=start)
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].priority")


def test_an_empty_until_is_refused_not_read_as_no_end(tmp_path: Path) -> None:
    """``until: ""`` was accepted and read as no ``until`` at all: Art 10's measure of one
    year became a measure without end. ``when`` and ``from`` already refused an empty text."""
    start = block_of("art10_cash_settlement")
    path, line = replaced(
        tmp_path, "until: trigger_date + settlement_change_term", 'until: ""', after=start
    )
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].until")


def test_wrong_type_of_in_force_from(tmp_path: Path) -> None:
    path, line = replaced(tmp_path, "in_force_from: 2007-10-01", "in_force_from: soon")
    assert_located(refused(path), path, line, "in_force_from")


def test_impossible_calendar_date(tmp_path: Path) -> None:
    # 2007-02-30 looks like a YAML date but is none; it must be a located RulesetError, not a
    # bare ValueError from the YAML library.
    path, line = replaced(tmp_path, "in_force_from: 2007-10-01", "in_force_from: 2007-02-30")
    assert_located(refused(path), path, line, "in_force_from")


def test_wrong_type_of_a_parameter_bound(tmp_path: Path) -> None:
    start = block_of("record_validity")
    path, line = replaced(tmp_path, "min: 1", "min: one", after=start)
    assert_located(refused(path), path, line, f"parameters[{PARAMETER['record_validity']}].min")


def test_parameter_value_that_is_not_a_period(tmp_path: Path) -> None:
    start = block_of("record_validity")
    path, line = replaced(tmp_path, "value: 5 years", "value: 5 fortnights", after=start)
    assert_located(refused(path), path, line, f"parameters[{PARAMETER['record_validity']}].value")


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (
            "null",
            "a value is required: a count parameter takes a whole number (got null)",
            "必须给出值：count 参数取整数（实际为 null）",
        ),
        (
            "[1, 2]",
            "a count parameter takes a whole number (got [1, 2])",
            "count 参数取整数（实际为 [1, 2]）",
        ),
        (
            "1.5",
            "a count parameter takes a whole number (got 1.5)",
            "count 参数取整数（实际为 1.5）",
        ),
    ],
)
def test_a_parameter_value_of_none_of_the_kinds_is_one_problem_naming_its_type(
    tmp_path: Path, value: str, en: str, zh: str
) -> None:
    """A parameter's value is a whole number, true or false, or text: one that is none of them
    is one problem at ``value``, not one per kind on pseudo-fields (``value.int``...), and it
    says what the parameter's own ``type`` takes; ``null`` is told a value is required."""
    start = block_of("warning_records")
    path, line = replaced(tmp_path, "value: 1\n", f"value: {value}\n", after=start)
    error = refused(path)
    field = f"parameters[{PARAMETER['warning_records']}].value"
    assert [(p.field, p.line) for p in error.problems] == [(field, line)]
    assert _rendered(error, "en") == [f"[{field}] {en}"]
    assert _rendered(error, "zh") == [f"[{field}] {zh}"]


def test_a_null_value_of_a_parameter_whose_type_is_wrong_lists_the_kinds(tmp_path: Path) -> None:
    """Without a known ``type`` there is no one kind to name: the union's kinds are listed,
    after "a value is required"."""
    start = block_of("warning_records")
    path, _ = replaced(
        tmp_path, "type: count\n    value: 1\n", "type: number\n    value: null\n", after=start
    )
    field = f"parameters[{PARAMETER['warning_records']}].value"
    rendered = _rendered(refused(path), "en")
    assert (
        f"[{field}] a value is required: expected one of: a whole number, true or false, text "
        "(got null)"
    ) in rendered
    assert any(
        line.startswith(f"[parameters[{PARAMETER['warning_records']}].type]") for line in rendered
    )


def test_missing_in_force_from(tmp_path: Path) -> None:
    path, _ = replaced(tmp_path, "in_force_from: 2007-10-01\n", "")
    # Nothing is left to point at, so the error points at the mapping that lacks the field.
    mapping_starts = line_at(ORIGINAL, ORIGINAL.index("id: lianyungang-2007"))
    error = refused(path)
    assert_located(error, path, mapping_starts, "in_force_from")
    assert "missing" in str(error)


# -- rulesets: names and citations ------------------------------------------------------------


def test_rule_referencing_an_undefined_fact(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(
        tmp_path, 'when: "record_count >=', 'when: "records_count >=', after=start
    )
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art10_cash_settlement']}].when")
    assert "records_count" in str(error)


FACT_IN_FORCE = """  - id: records_in_force
    description: {zh: 评估之日有效的失信记录数, en: Records valid on the day assessed}
    count: {of: dishonesty_records, valid_on: assessment}
    cites: [{article: 14}]
"""
FACT_COUNT_CITES = "    cites: [{article: 9}, {article: 10}, {article: 11}]\n"


def _rendered(error: InputError, lang: str) -> list[str]:
    return [f"[{p.field}] {render(p.message, lang)}" for p in error.problems]


def test_a_fact_reading_one_listed_below_is_told_to_move_it(tmp_path: Path) -> None:
    """records_in_force moved below record_count, which reads it: the one problem says where
    it is and what to do; the rules reading record_count are not told it does not exist."""
    assert ORIGINAL.count(FACT_IN_FORCE) == 1 and ORIGINAL.count(FACT_COUNT_CITES) == 1
    text = ORIGINAL.replace(FACT_IN_FORCE, "").replace(
        FACT_COUNT_CITES, FACT_COUNT_CITES + FACT_IN_FORCE
    )
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    error = refused(path)
    below = text.index("  - id: records_in_force")
    assert [p.field for p in error.problems] == ["facts[1].expr"]
    (problem,) = error.problems
    assert problem.line == line_at(text, text.index('expr: "records_in_force if'))
    assert _rendered(error, "en") == [
        f"[facts[1].expr] records_in_force is a fact listed further down (line "
        f"{line_at(text, below)}); a fact reads only the facts listed above it, so move "
        "records_in_force above this one (column 1 of the expression)"
    ]
    (zh,) = _rendered(error, "zh")
    assert "列在下方" in zh and "（表达式第 1 列）" in zh and "column" not in zh


def test_a_fact_reading_itself_is_told_so(tmp_path: Path) -> None:
    path, line = replaced(tmp_path, 'expr: "records_in_force if', 'expr: "record_count if', after=0)
    error = refused(path)
    assert [p.line for p in error.problems] == [line]
    assert _rendered(error, "en") == [
        "[facts[2].expr] record_count cannot be derived from itself (column 1 of the expression)"
    ]


def test_what_reads_a_fact_that_could_not_be_built_is_not_reported_again(
    tmp_path: Path,
) -> None:
    """The fact's own problem is the one to fix: the fact computed from it and the rules that
    read either (in when or shows) would otherwise each say the name does not exist."""
    path, line = replaced(
        tmp_path,
        "count: {of: dishonesty_records, valid_on: assessment}",
        "count: {of: dishonesty_recordz, valid_on: assessment}",
    )
    error = refused(path)
    assert [(p.field, p.line) for p in error.problems] == [("facts[1].count.of", line)]


def test_rule_referencing_an_undefined_parameter(tmp_path: Path) -> None:
    start = block_of("art9_written_warning")
    path, line = replaced(
        tmp_path, "record_count >= warning_records", "record_count >= warning_record", after=start
    )
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art9_written_warning']}].when")
    assert "warning_record" in str(error)


def test_rule_until_referencing_an_undefined_parameter(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(
        tmp_path,
        "until: trigger_date + settlement_change_term",
        "until: trigger_date + settlement_term",
        after=start,
    )
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].until")


def test_rule_whose_outcome_is_not_declared(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(tmp_path, "outcome: cash_settlement", "outcome: cash_only", after=start)
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].outcome")


def test_citation_of_an_article_the_file_does_not_contain(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(
        tmp_path, "cites: [{article: 10, item: 1}]", "cites: [{article: 16, item: 1}]", after=start
    )
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art10_cash_settlement']}].cites[0].article")
    assert "16" in str(error)


def test_citation_of_an_item_the_article_does_not_have(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(
        tmp_path, "cites: [{article: 10, item: 1}]", "cites: [{article: 10, item: 3}]", after=start
    )
    assert_located(
        refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].cites[0].item"
    )


def test_in_force_citation_of_a_missing_article(tmp_path: Path) -> None:
    path, line = replaced(
        tmp_path, "in_force_cites: [{article: 15}]", "in_force_cites: [{article: 16}]"
    )
    assert_located(refused(path), path, line, "in_force_cites[0].article")


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    path, line = replaced(tmp_path, "  - id: art10_audit_flag\n", "  - id: art10_cash_settlement\n")
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art10_audit_flag']}]")
    assert "duplicate" in str(error)


def test_duplicate_parameter_ids(tmp_path: Path) -> None:
    path, line = replaced(tmp_path, "  - id: warning_records\n", "  - id: record_validity\n")
    error = refused(path)
    assert_located(error, path, line, f"parameters[{PARAMETER['warning_records']}]")
    assert "duplicate" in str(error)


def test_interpretation_default_that_disagrees_with_its_parameter(tmp_path: Path) -> None:
    start = block_of("written_warning_is_one_off")
    path, line = replaced(tmp_path, "default: one_off", "default: while_record_valid", after=start)
    field = f"interpretations[{INTERPRETATION['written_warning_is_one_off']}].default"
    error = refused(path)
    assert_located(error, path, line, field)
    assert "warning_term" in str(error)


def test_parameter_changed_without_changing_its_interpretation(tmp_path: Path) -> None:
    # The file must run what its interpretation says it chose.
    start = block_of("warning_term")
    text_path, _ = replaced(tmp_path, "value: 0 days", "value: 5 years", after=start)
    default_line = line_at(
        ORIGINAL, ORIGINAL.index("default: one_off", block_of("written_warning_is_one_off"))
    )
    field = f"interpretations[{INTERPRETATION['written_warning_is_one_off']}].default"
    assert_located(refused(text_path), text_path, default_line, field)


# -- rulesets: groups and priorities ---------------------------------------------------------


def test_a_grouped_measure_without_a_priority_is_refused(tmp_path: Path) -> None:
    # Art 11 at a silent priority 0 would rank below Art 10's cash settlement (2), so three
    # records would bring the milder measure; validate --strict used to find nothing.
    start = block_of("art11_time_limited_reimbursement")
    path, line = replaced(
        tmp_path,
        "    group: settlement_measure\n    priority: 3\n",
        "    group: settlement_measure\n",
        after=start,
    )
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art11_time_limited_reimbursement']}].group")
    assert "'priority'" in str(error)
    assert main(["validate", "--strict", str(path)]) == 2


def test_a_priority_without_a_group_is_refused(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = replaced(tmp_path, "    group: settlement_measure\n", "", after=start)
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art10_cash_settlement']}].priority")
    assert "no 'group'" in str(error)


def test_a_duty_in_a_measure_group_is_refused(tmp_path: Path) -> None:
    # In the ladder at priority 9 the Art 8(4) notice outranked every measure: the written
    # warning disappeared and the cash settlement started a day late.
    start = block_of("art8_notify_entry")
    path, line = inserted_after(
        tmp_path,
        "    from: trigger_date",
        "    group: settlement_measure\n    priority: 9",
        after=start,
    )
    error = refused(path)
    rule = RULE["art8_notify_entry"]
    assert_located(error, path, line, f"rules[{rule}].group")
    assert_located(error, path, line + 1, f"rules[{rule}].priority")
    assert "does not apply to a duty" in str(error)


def test_a_duty_with_an_until_is_refused(tmp_path: Path) -> None:
    start = block_of("art8_notify_entry")
    path, line = inserted_after(
        tmp_path, "    from: trigger_date", "    until: trigger_date + warning_term", after=start
    )
    error = refused(path)
    assert_located(error, path, line, f"rules[{RULE['art8_notify_entry']}].until")
    assert "a duty is owed on its one day" in str(error)


def test_a_deadline_in_a_group_is_refused(tmp_path: Path) -> None:
    # The engine never ranked a deadline, so its group and priority were silently ignored.
    text = (ROOT / "rulesets" / "ganzhou-2023.yaml").read_text(encoding="utf-8")
    anchor = "    period: publicity_period\n"
    position = text.index(anchor) + len(anchor)
    path = tmp_path / "broken.yaml"
    path.write_text(
        text[:position] + "    group: supervision\n    priority: 9\n" + text[position:],
        encoding="utf-8",
    )
    rule = next(i for i, r in enumerate(bundled("ganzhou-2023").rules) if r.period)
    error = refused(path)
    line = line_at(text, position)
    assert_located(error, path, line, f"rules[{rule}].group")
    assert_located(error, path, line + 1, f"rules[{rule}].priority")
    assert "does not apply to a deadline" in str(error)


# -- rulesets: interpretations ---------------------------------------------------------------


def alternative_field(interpretation: str, index: int) -> str:
    return f"interpretations[{INTERPRETATION[interpretation]}].alternatives[{index}]"


@pytest.mark.parametrize(
    ("interpretation", "old", "new", "said"),
    [
        pytest.param(
            "written_warning_is_one_off",
            "value: 5 years}",
            "value: 5 yaer}",
            "not a period",
            id="period-misspelt",
        ),
        pytest.param(
            "audit_flag_beyond_two",
            "value: false}",
            "value: 7}",
            "expected true or false",
            id="count-for-a-flag",
        ),
    ],
)
def test_a_reading_that_is_not_the_default_has_its_value_checked(
    tmp_path: Path, interpretation: str, old: str, new: str, said: str
) -> None:
    # Choosing this reading means setting its value into the parameter; a value that cannot
    # be set used to pass validate --strict and fail only for whoever tried it.
    path, line = replaced(tmp_path, old, new, after=block_of(interpretation))
    error = refused(path)
    assert_located(error, path, line, alternative_field(interpretation, 1) + ".value")
    assert said in str(error)
    assert main(["validate", "--strict", str(path)]) == 2


def test_a_reading_outside_its_parameters_declared_bounds_is_refused(tmp_path: Path) -> None:
    # with_parameters refuses a value past min/max, so such a reading could never be chosen.
    start = block_of("audit_flag_term")
    bounded = ORIGINAL.replace(
        "    value: 1 year\n    cites: [{article: 10, item: 2}]\n",
        "    value: 1 year\n    max: 2\n    cites: [{article: 10, item: 2}]\n",
        1,
    )
    assert bounded != ORIGINAL and bounded.index("max: 2") > start
    path = tmp_path / "broken.yaml"
    path.write_text(bounded, encoding="utf-8")
    interpretation = bounded.index("  - id: audit_flag_term\n", bounded.index("max: 2"))
    line = line_at(bounded, bounded.index("value: 5 years}", interpretation))
    error = refused(path)
    assert_located(error, path, line, alternative_field("audit_flag_term", 1) + ".value")
    assert "above the declared maximum 2" in str(error)


def test_a_value_where_the_interpretation_names_no_parameter_is_refused(tmp_path: Path) -> None:
    start = block_of("removal_takes_effect_on_correction_date")
    old = "whatever the correction's date.\"}"
    path, line = replaced(tmp_path, old, old[:-1] + ", value: true}", after=start)
    error = refused(path)
    field = alternative_field("removal_takes_effect_on_correction_date", 1) + ".value"
    assert_located(error, path, line, field)
    assert "has none" in str(error)


def test_duplicate_alternative_ids(tmp_path: Path) -> None:
    # The later one used to win silently, default included.
    start = block_of("written_warning_is_one_off")
    path, line = replaced(
        tmp_path, "      - {id: while_record_valid,", "      - {id: one_off,", after=start
    )
    error = refused(path)
    assert_located(error, path, line, alternative_field("written_warning_is_one_off", 1))
    assert "duplicate id 'one_off'" in str(error)


# -- rulesets: safe YAML ----------------------------------------------------------------------


def test_yaml_python_tag_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path, line = replaced(
        tmp_path,
        "document_number: 连政办发〔2007〕154号",
        f'document_number: !!python/object/apply:os.system ["touch {marker}"]',
    )
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path)
    assert not marker.exists(), "a YAML tag ran a command"
    assert_located(raised.value, path, line, "document_number")


def test_duplicate_mapping_keys(tmp_path: Path) -> None:
    path, line = inserted_after(tmp_path, 'version: "1.0.0"', 'version: "2.0.0"')
    error = refused(path)
    assert_located(error, path, line, "version")
    assert "duplicate" in str(error)


def test_duplicate_keys_inside_a_rule(tmp_path: Path) -> None:
    start = block_of("art10_cash_settlement")
    path, line = inserted_after(tmp_path, "    priority: 2", '    when: "true"', after=start)
    assert_located(refused(path), path, line, f"rules[{RULE['art10_cash_settlement']}].when")


# -- rulesets: the condition language ---------------------------------------------------------


CONDITIONS = {
    "unparseable": '"record_count >= "',
    "unbalanced": '"(record_count >= 2"',
    "eval": "\"eval('record_count') >= 2\"",
    "attribute": '"record_count.real >= 2"',
    "call": "\"len('ab') >= 2\"",
    "import": "\"__import__('os').system('touch {marker}') == 0\"",
    "lambda": '"(lambda: true)()"',
    "subscript": '"record_count[0] >= 2"',
    "comprehension": '"[x for x in record_count]"',
    "wrong_type": '"record_count + 1"',
}


@pytest.mark.parametrize("kind", sorted(CONDITIONS))
def test_bad_condition_is_refused_with_its_rule_line_and_field(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "ran"
    condition = CONDITIONS[kind].replace("{marker}", str(marker))
    start = block_of("art10_cash_settlement")
    old = ORIGINAL[
        ORIGINAL.index("    when: ", start) : ORIGINAL.index(
            "\n", ORIGINAL.index("    when: ", start)
        )
    ]
    path, line = replaced(tmp_path, old, f"    when: {condition}", after=start)
    error = refused(path)
    assert not marker.exists()
    assert_located(error, path, line, f"rules[{RULE['art10_cash_settlement']}].when")


# -- scenarios and events ---------------------------------------------------------------------

SCENARIO = """\
# a valid scenario; each test breaks one line of it
ruleset: lianyungang-2007
as_of: 2009-06-01
subjects:
  - {id: p1, kind: insured_person}
events:
  - {type: dishonesty_entered, subject: p1, record: r1, category: other_violation, date: 2008-03-10}
  - {type: dishonesty_entered, subject: p1, record: r2, category: resell_drugs, date: 2009-05-20}
"""
SUBJECT_LINE = 5
EVENT_LINE = 8
GOOD_EVENT = SCENARIO.splitlines()[EVENT_LINE - 1]
GOOD_SUBJECT = SCENARIO.splitlines()[SUBJECT_LINE - 1]


def scenario_file(tmp_path: Path, old: str, new: str) -> Path:
    assert SCENARIO.count(old) == 1
    path = tmp_path / "bad.scenario.yaml"
    path.write_text(SCENARIO.replace(old, new), encoding="utf-8")
    return path


def test_the_unbroken_scenario_evaluates(tmp_path: Path) -> None:
    path = tmp_path / "good.scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    loaded = load_scenario(path)
    result = Engine(loaded.ruleset).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    assert result.outcomes("p1") == {"cash_settlement", "audit_flag"}


EVENT_BREAKS = {
    "unknown_event_type": ("type: dishonesty_entered", "type: dishonesty_enterd", "events[1]"),
    "missing_field": ("category: resell_drugs, ", "", "events[1].category"),
    "wrong_date": ("date: 2009-05-20", "date: 20-05-2009", "events[1].date"),
    "impossible_date": ("date: 2009-05-20", "date: 2009-02-30", "events[1].date"),
    "unknown_field": ("record: r2,", "record: r2, recrod: r3,", "events[1].recrod"),
    "unknown_category": ("resell_drugs", "resell_drug", "events[1].category"),
    "unknown_ground": (
        "dishonesty_entered, subject: p1, record: r2, category: resell_drugs",
        "objection_filed, subject: p1, record: r1, ground: unfair",
        "events[1].ground",
    ),
}


@pytest.mark.parametrize("case", sorted(EVENT_BREAKS))
def test_bad_event_in_a_file_names_file_line_index_and_field(tmp_path: Path, case: str) -> None:
    old, new, field = EVENT_BREAKS[case]
    broken_line = GOOD_EVENT.replace(old, new)
    path = scenario_file(tmp_path, GOOD_EVENT, broken_line)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert_located(raised.value, path, EVENT_LINE, field)


@pytest.mark.parametrize("case", sorted(EVENT_BREAKS))
def test_bad_event_in_a_file_is_exit_2_in_the_cli(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, field = EVENT_BREAKS[case]
    path = scenario_file(tmp_path, GOOD_EVENT, GOOD_EVENT.replace(old, new))
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{EVENT_LINE}" in err and field in err
    assert "Traceback" not in err


HISTORY_BREAKS = {
    # (old, new, exception, field)
    "unknown_subject": (
        "subject: p1, record: r2",
        "subject: p9, record: r2",
        HistoryError,
        "events[1].subject",
    ),
    "entered_twice": ("record: r2", "record: r1", HistoryError, "events[1].record"),
    "correction_of_never_entered": (
        "dishonesty_entered, subject: p1, record: r2, category: resell_drugs",
        "record_corrected, subject: p1, record: r7, action: removed",
        HistoryError,
        "events[1].record",
    ),
    "correction_before_entry": (
        "dishonesty_entered, subject: p1, record: r2, category: resell_drugs, date: 2009-05-20",
        "record_corrected, subject: p1, record: r1, action: removed, date: 2008-03-09",
        HistoryError,
        "events[1].record",
    ),
}


def _events_of(text: str) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in event.items()}
        for event in yaml.safe_load(text)["events"]
    ]


@pytest.mark.parametrize("case", sorted(HISTORY_BREAKS))
def test_contradictory_history_raises_a_typed_error_naming_index_and_field(case: str) -> None:
    old, new, exception, field = HISTORY_BREAKS[case]
    events = _events_of(SCENARIO.replace(GOOD_EVENT, GOOD_EVENT.replace(old, new)))
    with pytest.raises(exception) as raised:
        Engine(RULESET).evaluate(
            [{"id": "p1", "kind": "insured_person"}], events, as_of=dt.date(2009, 6, 1)
        )
    assert any(_field_matches(p.field, field) for p in raised.value.problems), raised.value
    assert field in str(raised.value)


@pytest.mark.parametrize("case", sorted(HISTORY_BREAKS))
def test_contradictory_history_in_a_file_names_the_file_and_line(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The issue: "each error message names the line and the field" — also when the problem
    # is only found by comparing events, as long as they came from a file.
    old, new, _, field = HISTORY_BREAKS[case]
    path = scenario_file(tmp_path, GOOD_EVENT, GOOD_EVENT.replace(old, new))
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert field in err, err
    assert f"{path}:{EVENT_LINE}" in err, err


def test_unknown_subject_kind_raises_scenario_error_naming_the_field() -> None:
    with pytest.raises(ScenarioError) as raised:
        Engine(RULESET).evaluate([{"id": "p1", "kind": "employer"}], [], as_of=dt.date(2009, 6, 1))
    assert any(p.field == "subjects[0].kind" for p in raised.value.problems)
    assert "employer" in str(raised.value)


def test_unknown_subject_kind_in_a_file_names_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, GOOD_SUBJECT, GOOD_SUBJECT.replace("insured_person", "employer"))
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "subjects[0].kind" in err and "Traceback" not in err
    assert f"{path}:{SUBJECT_LINE}" in err, err


def test_duplicate_subject_ids_are_refused() -> None:
    with pytest.raises(ScenarioError) as raised:
        Engine(RULESET).evaluate(
            [{"id": "p1", "kind": "insured_person"}, {"id": "p1", "kind": "insured_person"}],
            [],
            as_of=dt.date(2009, 6, 1),
        )
    assert any(p.field.startswith("subjects[1]") for p in raised.value.problems)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("as_of: 2009-06-01\n", "", 2, "as_of"),
        ("as_of: 2009-06-01", "as_of: someday", 3, "as_of"),
        ("ruleset: lianyungang-2007", "ruleset: lianyungang-2077", 2, "ruleset"),
        ("subjects:", "subjcts:", 4, "subjcts"),
    ],
)
def test_bad_scenario_keys_name_the_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    path = scenario_file(tmp_path, old, new)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert_located(raised.value, path, line, field)


def test_events_given_in_python_get_index_and_field() -> None:
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        },
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r2",
            "category": "lend_certificate",
            "date": "2008-13-01",
        },
    ]
    with pytest.raises(InputError) as raised:
        Engine(RULESET).evaluate(
            [{"id": "p1", "kind": "insured_person"}], events, as_of=dt.date(2009, 6, 1)
        )
    assert "events[1].date" in str(raised.value)
    assert isinstance(raised.value, CreditRulesError)


# -- the engine survives bad input ------------------------------------------------------------

GOOD_EVENTS = _events_of(SCENARIO)
PERSON = [{"id": "p1", "kind": "insured_person"}]
AS_OF = dt.date(2009, 6, 1)


def _bad_calls() -> list[Callable[[Engine], Any]]:
    entered_twice = [*GOOD_EVENTS, {**GOOD_EVENTS[1], "date": "2009-05-25"}]
    return [
        lambda e: e.evaluate(PERSON, [{**GOOD_EVENTS[0], "type": "nonsense"}], as_of=AS_OF),
        lambda e: e.evaluate(PERSON, [{**GOOD_EVENTS[0], "subject": "p9"}], as_of=AS_OF),
        lambda e: e.evaluate(PERSON, entered_twice, as_of=AS_OF),
        lambda e: e.evaluate([{"id": "p1", "kind": "employer"}], GOOD_EVENTS, as_of=AS_OF),
        lambda e: e.evaluate(PERSON, GOOD_EVENTS, as_of=dt.date(2007, 9, 30)),
        lambda e: e.evaluate(PERSON, GOOD_EVENTS, as_of="2009-6-1"),
        lambda e: e.evaluate(
            PERSON,
            [
                *GOOD_EVENTS,
                {
                    "type": "record_corrected",
                    "subject": "p1",
                    "record": "r9",
                    "action": "removed",
                    "date": "2009-05-01",
                },
            ],
            as_of=AS_OF,
        ),
    ]


def test_after_failing_evaluations_the_engine_gives_the_same_results() -> None:
    engine = Engine(RULESET)
    before = json.dumps(engine.evaluate(PERSON, GOOD_EVENTS, as_of=AS_OF).model_dump(mode="json"))
    for call in _bad_calls():
        with pytest.raises(CreditRulesError):
            call(engine)
        after = engine.evaluate(PERSON, GOOD_EVENTS, as_of=AS_OF).model_dump(mode="json")
        assert json.dumps(after) == before
    fresh = Engine(RULESET).evaluate(PERSON, GOOD_EVENTS, as_of=AS_OF).model_dump(mode="json")
    assert json.dumps(fresh) == before


def test_a_failed_load_leaves_the_bundled_ruleset_untouched(tmp_path: Path) -> None:
    path, _ = replaced(tmp_path, "priority: 2", "priority: high")
    with pytest.raises(RulesetError):
        load_ruleset(path)
    assert bundled("lianyungang-2007").digest == RULESET.digest


def test_a_register_validity_in_working_days_is_refused_where_it_is_written(
    tmp_path: Path,
) -> None:
    """A record's validity runs day to day like the Civil Code's periods; in working days it
    was accepted and every evaluation then failed with a bare ValueError."""
    path, _ = replaced(
        tmp_path, "value: 5 years", "value: 200 working days", after=block_of("record_validity")
    )
    error = refused(path)
    line = line_at(ORIGINAL, ORIGINAL.index("validity: record_validity"))
    assert_located(error, path, line, "registers[0].validity")
    assert "not in working days" in str(error)


def test_with_parameters_refuses_a_register_validity_in_working_days() -> None:
    with pytest.raises(RulesetError) as raised:
        with_parameters(RULESET, {"record_validity": "200 working days"})
    assert [p.field for p in raised.value.problems] == ["parameters.record_validity"]
    assert "not in working days" in str(raised.value)
    # Days, months and years stay open to a bureau.
    assert with_parameters(RULESET, {"record_validity": "1000 days"}).parameter_values()[
        "record_validity"
    ]
