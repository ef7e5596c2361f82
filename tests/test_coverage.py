"""``credit-rules test --coverage``: what the scenarios exercise, article by article.

The acceptance criterion of the analyst's toolkit is here: every executable article of both
bundled rulesets is exercised by the bundled scenarios.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from credit_rules import Engine, load_scenario
from credit_rules.cli.main import main
from credit_rules.testing.coverage import measure

ROOT = Path(__file__).resolve().parents[1]
RULESETS = ROOT / "rulesets"
LIANYUNGANG = RULESETS / "lianyungang-2007" / "scenarios"


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, Any]]:
    """One coverage run over every bundled scenario, shared by the tests below."""
    report = tmp_path_factory.mktemp("coverage") / "coverage.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["test", "--coverage", str(RULESETS), "--json", str(report)])
    return code, printed.getvalue(), json.loads(report.read_text(encoding="utf-8"))


def ruleset(document: dict[str, Any], ruleset_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in document["coverage"]["rulesets"] if r["id"] == ruleset_id
    )
    return found


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_every_executable_article_of_the_bundled_rulesets_is_covered(
    bundled_report: tuple[int, str, dict[str, Any]], ruleset_id: str
) -> None:
    code, _, document = bundled_report
    assert code == 0
    report = ruleset(document, ruleset_id)
    assert report["uncovered_executable_articles"] == []
    executable = [a for a in report["articles"] if a["role"] == "executable"]
    assert executable, "no executable articles in the report"
    for article in executable:
        assert article["covered"] and article["scenarios"] > 0, article
    assert document["coverage"]["complete"] is True


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_every_bundled_rule_fires_and_every_parameter_is_read(
    bundled_report: tuple[int, str, dict[str, Any]], ruleset_id: str
) -> None:
    report = ruleset(bundled_report[2], ruleset_id)
    assert report["rules_never_fired"] == []
    assert report["parameters_never_read"] == []


def test_the_report_lists_rules_by_article_and_counts_scenarios(
    bundled_report: tuple[int, str, dict[str, Any]],
) -> None:
    report = ruleset(bundled_report[2], "lianyungang-2007")
    by_number = {a["article"]: a for a in report["articles"]}
    assert by_number[10]["rules"] == ["art10_cash_settlement", "art10_audit_flag"]
    # Art 12: of its three scenarios, the query without a record fires no rule (a person with
    # no record has nothing to see), so two exercise the article.
    assert len(list(LIANYUNGANG.glob("art12-*.scenario.yaml"))) == 3
    assert by_number[12]["scenarios"] == 2
    assert "rule" in by_number[12]["via"]
    # Art 14 sets the validity: exercised through the register and its parameter, no rule.
    assert by_number[14]["rules"] == [] and "parameter" in by_number[14]["via"]
    assert by_number[1]["role"] == "context" and by_number[1]["scenarios"] == 0
    # Ganzhou's example has no expect: and so covers nothing; nor does a history it expects
    # to be refused (Art 25, extensions over the cap; dangling or contradicting references),
    # which fires no rule.
    ganzhou = ruleset(bundled_report[2], "ganzhou-2023")
    files = list((RULESETS / "ganzhou-2023" / "scenarios").glob("*.scenario.yaml"))
    refused = [f for f in files if "\n  error:" in f.read_text(encoding="utf-8")]
    assert sorted(f.name.split(".")[0] for f in refused) == [
        "art20-decision-of-an-objection-never-filed-is-refused",
        "art25-extensions-over-the-cap",
        "art25-grant-for-another-record-than-its-application-is-refused",
    ]
    assert ganzhou["scenarios"] == len(files) - 1 - len(refused)


def test_the_table_is_printed(bundled_report: tuple[int, str, dict[str, Any]]) -> None:
    _, out, _ = bundled_report
    assert "Article coverage: lianyungang-2007 1.0.0" in out
    assert "Article coverage: ganzhou-2023 1.0.0" in out
    assert out.count("Executable articles with no scenario: none") == 2
    assert "art11_time_limited_reimbursement" in out


def test_an_article_without_a_scenario_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the first-record case: nothing reaches Arts 10-13, so they are reported.
    only = LIANYUNGANG / "art09-first-record-warning-on-entry-day.scenario.yaml"
    report = tmp_path / "coverage.json"
    code = main(["test", "--coverage", str(only), "--json", str(report)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Executable articles with no scenario: Art 10, Art 11, Art 12, Art 13" in out
    document = ruleset(json.loads(report.read_text(encoding="utf-8")), "lianyungang-2007")
    assert document["uncovered_executable_articles"] == [10, 11, 12, 13]
    assert "art11_time_limited_reimbursement" in document["rules_never_fired"]
    by_number = {a["article"]: a for a in document["articles"]}
    assert by_number[11]["rules_never_fired"] == ["art11_time_limited_reimbursement"]
    assert by_number[11]["parameters_never_read"] == [
        "time_limited_records",
        "time_limited_term",
        "audit_flag_beyond_two",
    ]
    # Art 10's threshold was read to decide that one record is not two; that does not exercise
    # Art 10's measures, so the article stays uncovered although the evidence is listed.
    assert by_number[10]["scenarios"] == 0 and "parameter" in by_number[10]["via"]
    assert by_number[9]["covered"] and by_number[9]["rules_never_fired"] == []


def test_the_coverage_table_names_its_evidence_in_the_readers_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    only = LIANYUNGANG / "art09-first-record-warning-on-entry-day.scenario.yaml"
    assert main(["test", "--coverage", str(only), "--lang", "zh"]) == 1
    row = next(
        line for line in capsys.readouterr().out.splitlines() if "art9_written_warning" in line
    )
    assert "规则、事实、参数、结果" in row and "rule" not in row.replace("art9_written_warning", "")
    assert main(["test", "--coverage", str(only)]) == 1
    row = next(
        line for line in capsys.readouterr().out.splitlines() if "art9_written_warning" in line
    )
    assert "rule, fact, parameter, outcome" in row


def test_coverage_api_counts_only_scenarios_with_expectations() -> None:
    example = load_scenario(RULESETS / "ganzhou-2023" / "scenarios" / "example.scenario.yaml")
    tested = load_scenario(LIANYUNGANG / "art10-measure-last-day.scenario.yaml")
    coverage = measure([(example, Engine(example.ruleset)), (tested, Engine(tested.ruleset))])
    (only,) = coverage.rulesets
    assert (only.id, only.scenarios) == ("lianyungang-2007", 1)
    assert not coverage.complete
    # Two records reach Arts 9-10 only: no third record (Art 11), no query (Art 12), no
    # objection or correction (Art 13).
    assert coverage.to_json()["rulesets"][0]["uncovered_executable_articles"] == [11, 12, 13]


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_the_coverage_table_and_the_ruleset_page_agree_article_by_article(
    tmp_path: Path, ruleset_id: str
) -> None:
    """``test --coverage`` and ``docs`` once counted differently (7 of 15 Lianyungang articles
    and 12 of 30 Ganzhou articles disagreed); both now count with one definition."""
    scenarios = RULESETS / ruleset_id / "scenarios"
    report = tmp_path / "coverage.json"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["test", "--coverage", str(scenarios), "--json", str(report)])
        assert main(["docs", str(RULESETS / f"{ruleset_id}.yaml"), "-o", str(tmp_path)]) == 0
    assert code == 0
    table = ruleset(json.loads(report.read_text(encoding="utf-8")), ruleset_id)
    page = (tmp_path / f"{ruleset_id}.md").read_text(encoding="utf-8")
    listed = _page_scenarios(page)
    executable = [a for a in table["articles"] if a["role"] == "executable"]
    assert sorted(listed) == [a["article"] for a in executable]
    for article in executable:
        names = sorted(Path(p).name for p in article["exercised_by"])
        assert listed[article["article"]] == names, article["article"]
        assert len(names) == article["scenarios"]
    # Scenarios without expect: count on neither side; every article is covered on both.
    assert table["uncovered_executable_articles"] == []
    assert "Executable articles no scenario covers" not in page
    assert f"{table['scenarios']} scenarios with `expect:`" in page


def _page_scenarios(page: str) -> dict[int, list[str]]:
    """Article -> the scenario files its section of a generated page lists."""
    found: dict[int, list[str]] = {}
    for number, body in re.findall(r"^## Art (\d+)\n(.*?)(?=^## Art |\Z)", page, re.M | re.S):
        if "**Scenarios**" not in body:
            continue
        section = body[body.index("**Scenarios**") :].split("\n## ")[0]
        # Each scenario is linked to its entry in the page's index of scenarios.
        linked = re.findall(r"\[([^\]]+)\]\(#\1\)", section)
        found[int(number)] = sorted(f"{name}.scenario.yaml" for name in linked)
    return found
