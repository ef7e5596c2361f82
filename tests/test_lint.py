"""``credit-rules validate --strict``: static checks beyond the schema.

Each check is shown to find a defect planted in a copy of the Lianyungang ruleset (a ladder
with a missing rung or ranked the wrong way, a rule no history can fire, two measures with
nothing to say which wins, an unused parameter or fact, a preamble cited as law), with its
line and a suggested fix, and to stay quiet on the bundled rulesets, whose conditions it must
prove exclusive to do so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from credit_rules import bundled, loads_ruleset, with_parameters
from credit_rules.cli.main import main
from credit_rules.i18n import Message
from credit_rules.ruleset.lint import Finding, lint

ROOT = Path(__file__).resolve().parents[1]
LIANYUNGANG = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")

ART10_WHEN = (
    'when: "record_count >= settlement_change_records and record_count < time_limited_records"'
)
ART11_WHEN = 'when: "record_count >= time_limited_records"'
ART11_GROUP = "    group: settlement_measure\n    priority: 3\n"
#: Why the bundled file says Art 5 is context: the ruleset's own English, quoted as it is.
ARTICLE_5_WHY = next(a.why_context for a in bundled("lianyungang-2007").articles if a.number == 5)


def planted(*edits: tuple[str, str]) -> str:
    text = LIANYUNGANG
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def findings(text: str) -> list[Finding]:
    return list(lint(loads_ruleset(text, source="planted.yaml"), text))


def line_of(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def only(found: list[Finding], check: str) -> Finding:
    matching = [f for f in found if f.check == check]
    assert len(matching) == 1, found
    return matching[0]


# -- the bundled rulesets pass ------------------------------------------------------------------


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_bundled_rulesets_have_no_findings(ruleset_id: str) -> None:
    assert lint(bundled(ruleset_id)) == ()


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_validate_strict_passes_the_bundled_files(
    ruleset_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "--strict", str(ROOT / "rulesets" / f"{ruleset_id}.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"ok: {ruleset_id}")
    assert "strict: no findings" in out


# -- ladders ------------------------------------------------------------------------------------


def test_art11_rung_moved_up_leaves_three_records_without_a_measure() -> None:
    text = planted((ART11_WHEN, 'when: "record_count >= time_limited_records + 1"'))
    finding = only(findings(text), "ladder-gap")
    assert "group settlement_measure is a ladder on record_count" in finding.message
    assert "no rule covers record_count = 3" in finding.message
    assert "art11_time_limited_reimbursement (record_count >= 4)" in finding.message
    assert finding.line == line_of(text, "- id: art9_written_warning")
    assert "record_count = 3" in finding.fix


def test_art11_top_rung_with_equality_leaves_four_or_more_uncovered() -> None:
    text = planted((ART11_WHEN, 'when: "record_count == time_limited_records"'))
    finding = only(findings(text), "ladder-gap")
    assert "no rule covers record_count >= 4" in finding.message


def test_art11_ranked_below_art10_is_a_ladder_inversion() -> None:
    """One more record must never give a milder measure (Arts 10-11): the rung for three or
    more records ranked below the rung for two is found without running a case, at the
    higher rung's line, in both languages."""
    text = planted((ART11_GROUP, "    group: settlement_measure\n    priority: 1\n"))
    finding = only(findings(text), "ladder-inversion")
    assert finding.subject == "art11_time_limited_reimbursement"
    assert finding.message == (
        "in group settlement_measure, art11_time_limited_reimbursement (record_count >= 3) "
        "needs more than art10_cash_settlement (record_count = 2) but ranks below it "
        "(priority 1 < 2): one more record would give the milder measure"
    )
    assert finding.line == line_of(text, "- id: art11_time_limited_reimbursement")
    assert "多一条记录反而得到较轻的措施" in Message.render(finding.message, "zh")  # type: ignore[arg-type]
    # Equal priorities rank nothing: the written warning (one record) and Art 11 share 1.
    assert "art9_written_warning" not in finding.message


def test_the_broken_ruleset_of_the_check_command_is_caught_statically(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = ROOT / "tests" / "broken_rulesets" / "lianyungang-third-record-milder.yaml"
    assert main(["validate", "--strict", str(path)]) == 1
    assert f"{path}:9: ladder-inversion: in group settlement_measure" in capsys.readouterr().out


# -- unreachable --------------------------------------------------------------------------------


def test_art10_condition_that_contradicts_itself_is_unreachable() -> None:
    text = planted(
        (
            ART10_WHEN,
            'when: "record_count >= settlement_change_records and record_count < '
            'settlement_change_records"',
        )
    )
    found = findings(text)
    finding = only(found, "unreachable")
    assert finding.subject == "art10_cash_settlement"
    assert "can never fire" in finding.message
    assert "settlement_change_records = 2" in finding.message
    assert finding.line == line_of(text, "when:", after="- id: art10_cash_settlement")
    # Without its rung the ladder has a hole at two records.
    assert "no rule covers record_count = 2" in only(found, "ladder-gap").message


SETTLEMENT_TERM = "    from: trigger_date\n    until: trigger_date + settlement_change_term"


@pytest.mark.parametrize(
    ("term", "empty"),
    [
        ("    from: trigger_date + settlement_change_term\n    until: trigger_date", True),
        (
            "    from: trigger_date + settlement_change_term\n"
            "    until: trigger_date + settlement_change_term",
            False,
        ),
        ("    from: trigger_date\n    until: trigger_date", False),
        ("    from: trigger_date + warning_term\n    until: trigger_date", False),
    ],
)
def test_an_until_always_before_its_from_is_an_empty_term(term: str, empty: bool) -> None:
    """Art 10's term with from and until swapped: the rule fires and applies on no day, which
    no check of its condition sees. A term of one day, or a zero period, is not empty."""
    text = planted((SETTLEMENT_TERM, term))
    found = [f for f in findings(text) if f.check == "empty-term"]
    if not empty:
        assert found == []
        return
    (finding,) = found
    assert finding.subject == "art10_cash_settlement"
    assert finding.line == text[: text.index(term)].count("\n") + 2  # the until line


def test_parameters_are_folded_before_reachability_is_judged() -> None:
    # Thresholds 3 and 3: "at least three and fewer than three" can never hold.
    ruleset = with_parameters(
        bundled("lianyungang-2007"), {"settlement_change_records": 3, "time_limited_records": 3}
    )
    found = list(lint(ruleset))
    assert [f.subject for f in found if f.check == "unreachable"] == ["art10_cash_settlement"]
    assert all(f.line is not None for f in found)


def test_a_fact_that_may_have_no_value_is_not_taken_for_a_contradiction() -> None:
    # Both negations hold when the count has no value, so this is not provably unreachable.
    text = planted(
        (ART11_WHEN, 'when: "not (record_count >= 3) and not (record_count < 3)"'),
    )
    assert not [f for f in findings(text) if f.check == "unreachable"]


# -- conflicts ----------------------------------------------------------------------------------


def test_art10_and_art11_without_a_group_conflict_at_three_records() -> None:
    text = planted(
        (ART10_WHEN, 'when: "record_count >= settlement_change_records"'),
        (ART11_GROUP, ""),
    )
    conflicts = [f for f in findings(text) if f.check == "conflict"]
    # Art 11 now has no group, so neither the Art 10(1) settlement nor the Art 10(2) flag (in
    # its own group) is told how it stands beside it.
    assert len(conflicts) == 2
    assert "art10_audit_flag (audit_flag)" in conflicts[1].message
    finding = conflicts[0]
    assert "art10_cash_settlement (cash_settlement)" in finding.message
    assert "art11_time_limited_reimbursement (time_limited_reimbursement)" in finding.message
    assert "record_count >= 3" in finding.message
    assert "no group says which wins" in finding.message
    assert finding.line == line_of(text, "- id: art11_time_limited_reimbursement")
    assert "one group" in finding.fix


def test_equal_priorities_in_one_group_conflict() -> None:
    text = planted(
        (ART10_WHEN, 'when: "record_count >= settlement_change_records"'),
        (ART11_GROUP, "    group: settlement_measure\n    priority: 2\n"),
    )
    finding = only(findings(text), "conflict")
    assert "both have priority 2 in group settlement_measure" in finding.message
    assert "different priorities" in finding.fix


def test_measures_in_separate_groups_do_not_conflict() -> None:
    # Art 10(1) and 10(2) apply together by law: the flag has its own group, audit_flag.
    ruleset = bundled("lianyungang-2007")
    groups = {r.id: r.group for r in ruleset.rules}
    assert groups["art10_cash_settlement"] != groups["art10_audit_flag"]
    assert not [f for f in lint(ruleset) if f.check == "conflict"]


# -- unused and context -------------------------------------------------------------------------


def test_unused_parameter_and_fact_are_reported_at_their_lines() -> None:
    text = planted(
        (
            "parameters:\n",
            "parameters:\n"
            "  - id: spare_threshold\n"
            "    type: count\n"
            "    value: 4\n"
            "    cites: [{article: 11}]\n"
            "    description: {zh: 备用, en: Spare}\n",
        ),
        (
            "facts:\n",
            "facts:\n"
            "  - id: spare_count\n"
            "    description: {zh: 备用, en: Spare}\n"
            "    count: {of: dishonesty_records, valid_on: trigger}\n"
            "    cites: [{article: 14}]\n",
        ),
    )
    found = findings(text)
    parameter = only(found, "unused-parameter")
    assert parameter.subject == "spare_threshold"
    assert parameter.line == line_of(text, "- id: spare_threshold")
    fact = only(found, "unused-fact")
    assert fact.subject == "spare_count"
    assert fact.line == line_of(text, "- id: spare_count")
    assert "remove it" in fact.fix


def test_a_rule_citing_a_context_article_is_reported() -> None:
    # Art 5 states a principle of objectivity; it sets nothing a rule could execute.
    old = "    cites: [{article: 9}]\n    for_each: dishonesty_records\n"
    text = planted((old, old.replace("{article: 9}", "{article: 9}, {article: 5}")))
    finding = only(findings(text), "context-citation")
    assert finding.subject == "art9_written_warning"
    assert "cites Art 5, which is context only" in finding.message
    assert finding.line == line_of(text, "cites:", after="- id: art9_written_warning")
    assert finding.render().startswith(f"planted.yaml:{finding.line}: [context-citation]")
    assert "\n    fix: " in finding.render()


# -- the command --------------------------------------------------------------------------------


def test_validate_strict_exits_1_with_lines_and_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = planted((ART11_WHEN, 'when: "record_count >= time_limited_records + 1"'))
    path = tmp_path / "planted.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    code = main(["validate", "--strict", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    line = line_of(text, "- id: art9_written_warning")
    assert f"{path}:{line}: ladder-gap: group settlement_measure" in out
    assert "suggested fix" in out
    assert "1 findings" in out
    assert "\x1b[" not in out


def test_validate_strict_on_a_broken_file_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        LIANYUNGANG.replace("record_count >= time_limited_records", "record_cnt"), "utf-8"
    )
    code = main(["validate", "--strict", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "record_cnt is not a fact, parameter or built-in name" in err
    assert "did you mean record_count" in err


# -- in Chinese ---------------------------------------------------------------------------------

#: Words of the findings' English templates; a Chinese finding has none of them (ids,
#: expressions and the ruleset's own English, such as why an article is context, stay).
ENGLISH_WORDS = re.compile(
    r"\b(rule|rules|group|ladder|hole|covers|cites|context only|never|fire|whatever|applies|"
    r"falls|before|parameter|fact|register|read|counted|triggers|together|example|priority|"
    r"says|wins|extend|neighbouring|remove|check|give|put|different|swapped|from \d|to \d)\b"
)


def every_check_planted() -> str:
    """The Lianyungang file with a defect for most checks at once."""
    old = "    cites: [{article: 9}]\n    for_each: dishonesty_records\n"
    return planted(
        (ART11_WHEN, 'when: "record_count >= time_limited_records + 1"'),
        (ART10_WHEN, f'{ART10_WHEN[:-1]} and record_count < 1"'),
        (
            SETTLEMENT_TERM,
            "    from: trigger_date + settlement_change_term\n    until: trigger_date",
        ),
        (old, old.replace("{article: 9}", "{article: 9}, {article: 5}")),
        (
            "parameters:\n",
            "parameters:\n  - id: spare_threshold\n    type: count\n    value: 4\n"
            "    cites: [{article: 11}]\n    description: {zh: 备用, en: Spare}\n",
        ),
    )


#: Planted files between them giving every kind of finding but unused facts and registers.
IN_CHINESE = {
    "most checks": every_check_planted(),
    "no group": planted(
        (ART10_WHEN, 'when: "record_count >= settlement_change_records"'), (ART11_GROUP, "")
    ),
    "equal priorities": planted(
        (ART10_WHEN, 'when: "record_count >= settlement_change_records"'),
        (ART11_GROUP, "    group: settlement_measure\n    priority: 2\n"),
    ),
}


@pytest.mark.parametrize("planting", IN_CHINESE)
def test_every_finding_reads_in_chinese(planting: str) -> None:
    found = findings(IN_CHINESE[planting])
    assert found
    for finding in found:
        for said in (finding.message, finding.fix):
            assert isinstance(said, Message), finding
            chinese = said.render("zh")
            assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
            # The ruleset's own English (why an article is context) is quoted, not ours.
            ours = chinese.replace(str(ARTICLE_5_WHY), "")
            assert not ENGLISH_WORDS.search(ours), chinese
        assert "修改建议" in finding.render("zh")


def test_the_plantings_give_every_kind_of_finding_they_claim() -> None:
    kinds = {f.check for text in IN_CHINESE.values() for f in findings(text)}
    assert kinds == {
        "ladder-gap",
        "unreachable",
        "empty-term",
        "context-citation",
        "unused-parameter",
        "conflict",
    }
    ladder = only(findings(IN_CHINESE["most checks"]), "ladder-gap").message.render("zh")
    assert "没有规则覆盖 record_count 从 2 到 3" in ladder
    assert "art9_written_warning（record_count = 1）、" in ladder


def test_validate_strict_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "planted.yaml"
    path.write_text(every_check_planted(), encoding="utf-8")
    code = main(["validate", "--strict", str(path), "--lang", "zh"], environ={})
    out = capsys.readouterr().out
    assert code == 1
    assert "永远不会触发" in out and "中间有缺口" in out and "引用了第5条" in out
    code = main(["validate", "--strict", str(path), "--lang", "zh", "--format", "json"], environ={})
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    messages = [f["message"] for f in document["findings"]]
    assert any(m.startswith("规则 art10_cash_settlement 永远不会触发") for m in messages)
    assert all(re.search(r"[\u4e00-\u9fff]", f["fix"]) for f in document["findings"])
