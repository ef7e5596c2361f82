"""A layer's problems name the layer's own places.

A layer (``extends:``) is merged with its base and then checked as one ruleset, so a problem
used to carry the merged document's path: the layer's first rule was ``rules[8]`` (after the
base's eight), and a base rule broken by the layer's change was pointed at the nearest line
of the layer (its ``rules:`` key), which has nothing to do with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_rules import RulesetError, bundled, load_ruleset
from credit_rules.i18n import render

ROOT = Path(__file__).resolve().parents[1]

HEAD = 'id: lyg-layer\nversion: "1.0.1"\nextends: lianyungang-2007\n'
WARNING_RECORDS = """  - id: warning_records
    type: count
    value: {value}
    min: 1
    cites: [{{article: 9}}]
    description: {{zh: 书面警告所需失信记录数, en: Records that lead to a written warning}}
"""


def _refused(tmp_path: Path, body: str) -> RulesetError:
    path = tmp_path / "layer.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    return caught.value


def _line(body: str, needle: str) -> int:
    return (HEAD + body)[: (HEAD + body).index(needle)].count("\n") + 1


def test_a_new_entry_is_named_by_its_place_in_the_layer(tmp_path: Path) -> None:
    body = 'rules:\n  - id: a_new_rule\n    when: "record_count >= 1"\n'
    error = _refused(tmp_path, body)
    assert {p.field.split(".")[0] for p in error.problems} == {"rules[0]"}
    assert {p.line for p in error.problems} == {_line(body, "- id: a_new_rule")}


def test_a_replaced_entry_is_named_by_its_place_in_the_layer(tmp_path: Path) -> None:
    """warning_records is the base's second parameter and the layer's first."""
    body = "parameters:\n" + WARNING_RECORDS.format(value=0)
    (problem,) = _refused(tmp_path, body).problems
    assert (problem.field, problem.line) == ("parameters[0].value", _line(body, "value: 0"))
    assert "below the declared minimum 1" in render(problem.message, "en")


def test_a_base_entry_the_layer_breaks_is_named_as_the_bases(tmp_path: Path) -> None:
    """record_count made a flag: the base's rules comparing it with a count break. They are
    named as the base's entries, with no line of the layer."""
    body = (
        "facts:\n  - id: record_count\n"
        "    description: {zh: 据以确定措施的失信记录数, en: Records that set the measure}\n"
        '    expr: "measure_ends_when_older_record_expires"\n'
        "    cites: [{article: 9}]\n"
    )
    error = _refused(tmp_path, body)
    inherited = [p for p in error.problems if p.line is None]
    assert inherited and len(inherited) == len(error.problems)
    texts = [render(p.message, "en") for p in inherited]
    assert any("entry 'art10_cash_settlement' of lianyungang-2007" in t for t in texts), texts
    assert all("which this layer extends" in t for t in texts)
    # Where the base writes it, for the writer to read what the layer broke.
    line = bundled("lianyungang-2007").rules[2].line
    assert f"'art10_cash_settlement' of lianyungang-2007, lianyungang-2007.yaml:{line}," in (
        "\n".join(texts)
    )
    assert all("本层所扩展的 lianyungang-2007" in render(p.message, "zh") for p in inherited)


NEW_PARAMETER = """  - id: extra_records
    type: count
    value: {value}
    cites: [{{article: 9}}]
    description: {{zh: 附加记录数, en: Extra records}}
"""


def test_an_id_the_layer_gives_twice_names_the_other_by_its_place_in_the_layer(
    tmp_path: Path,
) -> None:
    """Both entries are the layer's (parameters[0] and [1]); the merged ruleset has the first
    after the base's ten, and the problem said "also parameters[10]"."""
    body = "parameters:\n" + NEW_PARAMETER.format(value=1) + NEW_PARAMETER.format(value=2)
    (problem,) = _refused(tmp_path, body).problems
    second = _line(body, "value: 2") - 2
    assert (problem.field, problem.line) == ("parameters[1]", second)
    assert render(problem.message, "en") == "duplicate id 'extra_records' (also parameters[0])"
    assert render(problem.message, "zh") == "重复的 id 'extra_records'（parameters[0] 也使用了）"


def test_an_id_the_layer_uses_in_another_section_names_the_layers_place(tmp_path: Path) -> None:
    """A new fact named like the layer's new parameter: "already used by parameters[0]", the
    layer's own index, not the merged ruleset's parameters[10]."""
    body = (
        "parameters:\n"
        + NEW_PARAMETER.format(value=1)
        + "facts:\n  - id: extra_records\n    description: {zh: x, en: x}\n"
        '    expr: "1"\n    cites: [{article: 9}]\n'
    )
    problems = _refused(tmp_path, body).problems
    assert [(p.field, p.line) for p in problems] == [
        ("facts[0]", _line(body, "- id: extra_records\n    description"))
    ]
    assert "already used by parameters[0]" in render(problems[0].message, "en")


def test_a_base_id_the_layer_replaces_twice_is_a_duplicate_not_the_last_one_kept(
    tmp_path: Path,
) -> None:
    """The second warning_records silently replaced the first: a layer giving one id twice is
    the same mistake as a single file doing so, named at the layer's second entry."""
    body = "parameters:\n" + WARNING_RECORDS.format(value=1) + WARNING_RECORDS.format(value=2)
    (problem,) = _refused(tmp_path, body).problems
    assert (problem.field, problem.line) == ("parameters[1]", _line(body, "value: 2") - 2)
    assert render(problem.message, "en") == "duplicate id 'warning_records' (also parameters[0])"


def test_a_replaced_fact_reading_a_base_fact_below_it_is_told_so_without_a_line(
    tmp_path: Path,
) -> None:
    """records_at_entry (the base's first fact) replaced to read record_count (its third):
    the problem said "listed further down (line None) ... so move record_count above this
    one", a line and an advice that do not exist for a fact the layer did not write."""
    body = (
        "facts:\n  - id: records_at_entry\n    description: {zh: x, en: x}\n"
        '    expr: "record_count"\n    cites: [{article: 9}]\n'
    )
    (problem,) = _refused(tmp_path, body).problems
    assert (problem.field, problem.line) == ("facts[0].expr", _line(body, "expr:"))
    en, zh = render(problem.message, "en"), render(problem.message, "zh")
    assert en.startswith(
        "record_count is a fact listed further down, in the ruleset this layer extends; a fact "
        "reads only the facts listed above it, and an entry a layer replaces keeps the place of "
        "the base's entry"
    )
    assert "None" not in en and "None" not in zh
    assert zh.startswith("record_count 是本层所扩展的规则集中列在下方的事实")


def _count_set_to(tmp_path: Path, value: str, *, keep_minimum: bool) -> Path:
    """The Lianyungang ruleset with its first count parameter set to ``value`` as written in
    YAML (and, without ``keep_minimum``, its declared minimum left out)."""
    text = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    at = text.index("type: count")
    start = text.index("value:", at)
    end = text.index("\n", start)
    rest = text[end:]
    if not keep_minimum:
        assert rest.startswith("\n    min: 1\n")
        rest = rest.removeprefix("\n    min: 1")
    path = tmp_path / "counts.yaml"
    path.write_text(text[:start] + f"value: {value}" + rest, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "keep_minimum", "said"),
    [
        ("-1", True, "-1 is below the declared minimum 1"),
        ("-1", False, "a count cannot be negative, got -1"),
        ("true", True, "expected a whole number, got true"),
        ("x", True, "expected a whole number, got 'x'"),
    ],
)
def test_a_count_parameter_refused_says_what_is_wrong_in_the_file_s_words(
    tmp_path: Path, value: str, keep_minimum: bool, said: str
) -> None:
    """-1 is a whole number, so "expected a whole number" would mislead; and the file says
    true, not Python's True."""
    path = _count_set_to(tmp_path, value, keep_minimum=keep_minimum)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    [problem] = caught.value.problems
    assert problem.field == "parameters[1].value" and problem.line is not None
    assert render(problem.message, "en") == said
    assert "True" not in render(problem.message, "zh")
