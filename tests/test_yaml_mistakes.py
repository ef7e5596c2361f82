"""Two mistakes of an analyst editing YAML on a Chinese keyboard, located where they are.

A key typed with a full-width colon (``value： 5 years``) is no key to YAML: the parser
complained of "a line that is not 'key: value'" on the line after, and said nothing of the
character. A file saved in GBK instead of UTF-8 was refused with no line at all. Both now
name the line and column of the culprit, in English and Chinese; a ``：`` inside text (every
zh description has some) is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from credit_rules import load_ruleset
from credit_rules.errors import InputError, RulesetError, ScenarioError
from credit_rules.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RULESET = ROOT / "rulesets" / "lianyungang-2007.yaml"
SCENARIO = next((ROOT / "rulesets" / "lianyungang-2007" / "scenarios").glob("*.scenario.yaml"))


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _one_problem(tmp_path: Path, after: str, old: str, new: str) -> RulesetError:
    """The bundled ruleset loaded with the first ``old`` after ``after`` replaced by ``new``:
    the error, held to one problem on the line ``old`` was on."""
    text = RULESET.read_text(encoding="utf-8")
    at = text.index(old, text.index(after))
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    [problem] = caught.value.problems
    assert problem.line == text[:at].count("\n") + 1
    return caught.value


def test_the_bundled_ruleset_has_full_width_colons_in_its_text_and_loads() -> None:
    text = RULESET.read_text(encoding="utf-8")
    assert "：" in text
    assert load_ruleset(RULESET).rules


@pytest.mark.parametrize("key", ["    value: 5 years", "version: "])
def test_a_key_with_a_full_width_colon_is_named_at_its_line(tmp_path: Path, key: str) -> None:
    text = RULESET.read_text(encoding="utf-8")
    line = _line_of(text, key)
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text.replace(key, key.replace(":", "："), 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (line, key.index(":") + 1)
    assert "full-width colon" in str(caught.value)
    assert "全角冒号" in caught.value.render("zh")


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [("[{article：15}]", "article: 15"), ("[{article ：15, item: 1}]", "article: 15")],
)
def test_a_full_width_colon_inside_braces_is_one_problem_at_the_colon(
    tmp_path: Path, typed: str, fixed: str
) -> None:
    """Inside braces YAML reads ``article：15`` as one key with no value, so the file used to
    get three problems (a missing field, an unknown key, a list "with fewer than 1 items")
    and none named the character."""
    text = RULESET.read_text(encoding="utf-8")
    original = "in_force_cites: [{article: 15}]"
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text.replace(original, f"in_force_cites: {typed}", 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    (problem,) = caught.value.problems
    column = len("in_force_cites: ") + typed.index("：") + 1
    assert (problem.line, problem.column) == (_line_of(text, original), column)
    assert problem.field == "in_force_cites[0]"
    assert f"a key needs ':' and a space ('{fixed}')" in str(caught.value)
    assert "全角冒号" in caught.value.render("zh")


@pytest.mark.parametrize(
    ("key", "named", "fixed"),
    [
        ("    value: 5 years", "value：5 years", "value: 5 years"),
        ("in_force_from: 2007", "in_force_from：2007-10-01", "in_force_from: 2007-10-01"),
    ],
)
def test_a_block_key_with_a_full_width_colon_is_named_with_its_fix(
    tmp_path: Path, key: str, named: str, fixed: str
) -> None:
    """Written without a space, as a Chinese keyboard gives it, a block key is told like one
    inside braces: the key as typed, and how to write it."""
    text = RULESET.read_text(encoding="utf-8")
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text.replace(key, key.replace(": ", "："), 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (_line_of(text, key), key.index(":") + 1)
    assert f"'：' in '{named}' is a full-width colon; a key needs ':' and a space ('{fixed}')" in (
        str(caught.value)
    )
    assert f"'{named}' 中的 '：' 是全角冒号" in caught.value.render("zh")


@pytest.mark.parametrize(
    "typed", ["in_force_cites:\n  - article：15", "in_force_cites: [article：15]"]
)
def test_a_list_item_with_a_full_width_colon_is_one_problem_naming_the_fix(
    tmp_path: Path, typed: str
) -> None:
    """A list item ``- article：15`` is one piece of text to YAML, where a mapping is wanted:
    it was "expected a mapping of keys to values (got article：15)", silent on the colon."""
    text = RULESET.read_text(encoding="utf-8")
    original = "in_force_cites: [{article: 15}]"
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text.replace(original, typed, 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    (problem,) = caught.value.problems
    line = _line_of(text, original) + typed.count("\n")
    assert (problem.field, problem.line) == ("in_force_cites[0]", line)
    assert problem.column == typed.split("\n")[-1].index("a") + 1
    assert "'：' in 'article：15' is a full-width colon; a key needs ':' and a space " in str(
        caught.value
    )
    assert "('article: 15')" in str(caught.value)
    assert "'article：15' 中的 '：' 是全角冒号" in caught.value.render("zh")
    assert "（'article: 15'）" in caught.value.render("zh")


def test_a_quoted_key_with_a_full_width_colon_is_what_the_writer_meant(tmp_path: Path) -> None:
    """Quoted, it is a key like any other: unknown here, and said once, with the field that is
    missing; the list is not also said to be too short, since its item is there."""
    text = RULESET.read_text(encoding="utf-8")
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(
        text.replace("in_force_cites: [{article: 15}]", 'in_force_cites: [{"article：15": 1}]', 1),
        encoding="utf-8",
    )
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    assert [p.field for p in caught.value.problems] == [
        "in_force_cites[0].article",
        "in_force_cites[0].article：15",
    ]


EXPR = 'expr: "records_in_force if measure_ends_when_older_record_expires else records_at_entry'


@pytest.mark.parametrize(
    ("original", "broken", "quote", "column"),
    [
        ("    value: 5 years\n", '    value: "5 years\n', '"', 12),
        ("    value: 5 years\n", "    value: '5 years\n", "'", 12),
        (EXPR + '"', EXPR, '"', 11),
    ],
)
def test_a_quote_left_open_is_named_where_it_opens(
    tmp_path: Path, original: str, broken: str, quote: str, column: int
) -> None:
    """YAML reads a quoted value on over the lines below, to the next quote, and fails far
    from the mistake (70 lines below, "the indentation is off")."""
    text = RULESET.read_text(encoding="utf-8")
    assert original in text
    edited = tmp_path / "ruleset.yaml"
    edited.write_text(text.replace(original, broken, 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(edited)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (_line_of(text, original), column)
    assert f"the quote {quote} opened here is not closed on its line" in str(caught.value)
    assert "引号" in caught.value.render("zh")


def test_a_value_quoted_over_several_lines_is_still_read() -> None:
    from credit_rules.yaml_source import read_yaml

    data, _ = read_yaml('a: "one\n  two"\nb: 1\n')
    assert data == {"a": "one two", "b": 1}


def test_a_scenario_key_with_a_full_width_colon_is_named_too(tmp_path: Path) -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    edited = tmp_path / "copy.scenario.yaml"
    edited.write_text(text.replace("as_of:", "as_of：", 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(edited)
    assert caught.value.problems[0].line == _line_of(text, "as_of:")
    assert "full-width colon" in str(caught.value)


@pytest.mark.parametrize(
    ("original", "loader"), [(RULESET, load_ruleset), (SCENARIO, load_scenario)]
)
def test_a_byte_that_is_not_utf8_is_named_at_its_line_and_column(
    tmp_path: Path, original: Path, loader: object
) -> None:
    raw = original.read_bytes()
    at = raw.index(b"\n", len(raw) // 2) + 1 + 4  # the fifth byte of a line in the middle
    edited = tmp_path / original.name
    edited.write_bytes(raw[:at] + "服".encode("gbk") + raw[at:])
    with pytest.raises(InputError) as caught:
        loader(edited)  # type: ignore[operator]
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (raw.count(b"\n", 0, at) + 1, 5)
    assert "not UTF-8" in str(caught.value)


@pytest.mark.parametrize(
    ("original", "mistake", "advice"),
    [
        # A key indented more than the key above it reads as the value's continuation.
        ("    value: 5 years", "      value: 5 years", "indented more than the key above it"),
        # A tab at the start of a line: the general advice ("put the value in quotes") is wrong.
        ("    value: 5 years", "\tvalue: 5 years", "a tab: YAML is indented with spaces only"),
    ],
)
def test_an_indentation_mistake_gets_indentation_advice(
    tmp_path: Path, original: str, mistake: str, advice: str
) -> None:
    error = _one_problem(tmp_path, "", original, mistake)
    assert advice in str(error)
    assert "put the value in quotes" not in str(error)


def test_a_refused_flag_value_is_reported_once(tmp_path: Path) -> None:
    """The interpretation whose default names the flag is not checked against the stand-in
    value the refused parameter keeps (it once said "the parameter is no")."""
    error = _one_problem(tmp_path, "  - id: audit_flag_beyond_two\n", "value: true", "value: 1")
    assert "expected true or false" in str(error)


@pytest.mark.parametrize("section", ["rules", "facts"])
def test_a_misspelt_for_each_gets_the_closest_name(tmp_path: Path, section: str) -> None:
    error = _one_problem(
        tmp_path, f"\n{section}:\n", "for_each: objection_filed", "for_each: objection_filled"
    )
    assert "did you mean objection_filed or objection_dismissed?" in str(error)


@pytest.mark.parametrize(
    ("load", "given", "error", "says"),
    [
        (load_ruleset, SCENARIO, RulesetError, "this is a scenario file, not a ruleset"),
        (load_scenario, RULESET, ScenarioError, "this is a ruleset file, not a scenario"),
    ],
)
def test_a_file_of_the_other_kind_is_one_problem_that_says_so(
    load: Any, given: Path, error: type[InputError], says: str
) -> None:
    with pytest.raises(error) as caught:
        load(given)
    [problem] = caught.value.problems
    assert problem.line == 1
    assert says in str(caught.value)
