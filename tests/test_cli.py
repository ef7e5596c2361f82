"""``credit-rules evaluate`` and ``credit-rules validate``, and the JSON contract they print.

The contract is ``../shared/contract/evaluation.schema.json``; a byte-identical copy lives in
``tests/contract/`` so the tests run where ``shared/`` is absent, and a test keeps the two equal
where it is present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from credit_rules import Engine, bundled, load_scenario
from credit_rules.cli.main import main
from credit_rules.explain import render_text

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = Path(__file__).resolve().parent / "contract" / "evaluation.schema.json"
SHARED_SCHEMA = ROOT.parent / "shared" / "contract" / "evaluation.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
EXAMPLE = (
    ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
)
# A scenario that expects its history to be refused (expect: error) has no result to look at.
SCENARIOS = sorted(
    path
    for path in ROOT.glob("rulesets/*/scenarios/*.scenario.yaml")
    if "\n  error:" not in path.read_text(encoding="utf-8")
)
RULESET_FILE = ROOT / "rulesets" / "lianyungang-2007.yaml"


def validate(document: Any) -> None:
    jsonschema.validate(
        document, SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    assert err.strip(), "nothing on stderr"
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"


# -- the contract -----------------------------------------------------------------------------


def test_schema_copy_matches_shared_contract_where_present() -> None:
    if SHARED_SCHEMA.exists():
        assert SHARED_SCHEMA.read_bytes() == SCHEMA_FILE.read_bytes(), (
            f"{SCHEMA_FILE} differs from {SHARED_SCHEMA}; copy it again"
        )
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_rejects_what_breaks_the_contract() -> None:
    # The checks below would pass vacuously if the schema accepted anything.
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {
                "ruleset": {"id": "x", "version": "1", "digest": "md5:0"},
                "as_of": "2009-06-01",
                "decisions": [],
                "deadlines": [],
            }
        )
    with pytest.raises(jsonschema.ValidationError):
        validate({"as_of": "2009-06-01", "decisions": [], "deadlines": []})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_evaluate_json_follows_the_contract(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", str(path), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document)
    assert document["as_of"] == load_scenario(path).as_of.isoformat()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_python_api_model_dump_follows_the_contract_and_equals_the_cli(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load_scenario(path)
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    dumped = evaluation.model_dump(mode="json")
    validate(dumped)
    _, out, _ = run(capsys, "evaluate", str(path), "--format", "json")
    assert json.loads(out) == dumped


#: Duties are not in the shared contract; they take the shape of its decisions and deadlines:
#: who, what, which rule, which trigger (as data), which articles, and why.
DUTY_SCHEMA = {
    "$defs": SCHEMA["$defs"],
    "type": "object",
    "required": [
        "subject",
        "name",
        "on",
        "provisional",
        "rule",
        "trigger",
        "cites",
        "because",
        "provenance",
    ],
    "properties": {
        "subject": {"type": "string"},
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "on": {"$ref": "#/$defs/date"},
        "provisional": {"type": "boolean"},
        "rule": {"type": "string"},
        "trigger": {"$ref": "#/$defs/trigger"},
        "cites": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/citation"}},
        "because": {"type": "array", "minItems": 1},
        "provenance": {"type": "object", "required": ["facts", "parameters"]},
    },
}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_duties_have_the_shape_of_the_contracts_results(path: Path) -> None:
    scenario = load_scenario(path)
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    dumped = evaluation.model_dump(mode="json")
    for duty in dumped["duties"]:
        jsonschema.validate(duty, DUTY_SCHEMA)
    for result in (*dumped["decisions"], *dumped["deadlines"]):
        assert {"facts", "parameters"} <= set(result["provenance"])


def test_json_ruleset_identity_is_the_file_digest(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "evaluate", str(EXAMPLE), "--format", "json")
    ruleset = json.loads(out)["ruleset"]
    assert ruleset["id"] == "lianyungang-2007"
    assert ruleset["version"] == bundled("lianyungang-2007").version
    assert ruleset["digest"] == "sha256:" + hashlib.sha256(RULESET_FILE.read_bytes()).hexdigest()


# -- the acceptance example -------------------------------------------------------------------


def test_acceptance_example_decisions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", str(EXAMPLE), "--format", "json")
    assert code == 0, err
    decisions = {d["outcome"]: d for d in json.loads(out)["decisions"]}
    assert set(decisions) == {"written_warning", "cash_settlement", "audit_flag"}
    cash, flag, warning = (
        decisions["cash_settlement"],
        decisions["audit_flag"],
        decisions["written_warning"],
    )
    assert (cash["from"], cash["until"], cash["active"]) == ("2009-05-20", "2010-05-20", True)
    assert (flag["from"], flag["active"]) == ("2009-05-20", True)
    assert {c["article"] for c in cash["cites"]} == {10}
    assert {c["article"] for c in flag["cites"]} == {10}
    assert {c["article"] for c in warning["cites"]} == {9}
    assert (warning["from"], warning["active"]) == ("2008-03-10", False)
    for decision in decisions.values():
        assert decision["subject"] == "p2"
        assert decision["because"], decision
        assert all(c["zh"] and c["en"] for c in decision["cites"])


def _example_in_both_languages(capsys: pytest.CaptureFixture[str]) -> tuple[Any, str, str]:
    """The bundled example's evaluation, and `credit-rules evaluate` of it in English and in
    Chinese."""
    scenario = load_scenario(EXAMPLE)
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    printed = []
    for lang in ("en", "zh"):
        code, out, err = run(capsys, "evaluate", str(EXAMPLE), "--lang", lang)
        assert code == 0, err
        printed.append(out)
    return evaluation, printed[0], printed[1]


def test_text_format_shows_every_reason_and_citation(capsys: pytest.CaptureFixture[str]) -> None:
    evaluation, out, zh_out = _example_in_both_languages(capsys)
    assert evaluation.decisions
    for decision in evaluation.decisions:
        assert decision.outcome in out
        assert decision.rule in out
        assert decision.from_.isoformat() in out
        for reason in decision.because:
            assert reason.en in out, reason
            assert reason.zh in zh_out, reason
        for citation in decision.cites:
            assert citation.zh in out and citation.en in out
            assert citation.zh in zh_out
    assert "Art 10(1)" in out and "Art 10(2)" in out and "Art 9" in out
    assert "第10条第1项" in zh_out and "第9条" in zh_out
    assert "2010-05-20" in out


def test_chinese_output_names_each_outcome_in_the_rulesets_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Chinese reader is shown 书面警告, not only the id written_warning: the table gives
    the ruleset's Chinese words, each detail line the words and the id (which scenarios and
    --outcome name); English output keeps the ids alone (its reasons carry the Chinese)."""
    evaluation, en_out, zh_out = _example_in_both_languages(capsys)
    words = {d.outcome: d.meaning.zh for d in evaluation.decisions}
    assert words["written_warning"] == "书面警告"
    table = zh_out.split("主体")[0]
    for outcome, zh in words.items():
        assert f"{zh}（{outcome}）：" in zh_out
        # The table folds long words at its width, never into the id, which it leaves out.
        assert zh[:4] in table and outcome not in table
        assert zh not in en_out.split("Subject")[0] and f"  {outcome}: " in en_out
    # So is the event that triggered each: its id stays in the English and the value.
    assert (
        "触发事件：2008年3月10日 失信信息录入 r1" in zh_out and "dishonesty_entered" not in zh_out
    )
    assert "Triggered by dishonesty_entered r1 on 2008-03-10" in en_out
    # Deadlines and duties are named the same way (Ganzhou Arts 12 and 20).
    gz = load_scenario(
        ROOT / "rulesets/ganzhou-2023/scenarios/art20-suspension-for-expert-review.scenario.yaml"
    )
    shown = render_text(
        Engine(gz.ruleset).evaluate(gz.subjects, gz.events, as_of=gz.as_of), lang="zh"
    )
    assert "异议期限届满（objection_window_closes）：自 2024年9月27日 起" in shown


def test_as_of_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "evaluate", str(EXAMPLE), "--format", "json", "--as-of", "2010-05-21"
    )
    assert code == 0, err
    document = json.loads(out)
    validate(document)
    assert document["as_of"] == "2010-05-21"
    assert not any(d["active"] for d in document["decisions"])
    code, out, _ = run(
        capsys, "evaluate", str(EXAMPLE), "--format", "json", "--as-of", "2009-05-19"
    )
    assert code == 0
    assert [d["outcome"] for d in json.loads(out)["decisions"]] == ["written_warning"]


def test_as_of_before_in_force_is_exit_2_naming_both_dates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "evaluate", str(EXAMPLE), "--as-of", "2007-09-30")
    assert code == 2
    assert out == ""
    assert_one_paragraph(err)
    assert "2007-09-30" in err and "2007-10-01" in err


def test_scenario_as_of_before_in_force_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "early.scenario.yaml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("as_of: 2009-06-01", "as_of: 2006-01-01"),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "evaluate", str(path))
    assert code == 2
    assert_one_paragraph(err)
    assert "2006-01-01" in err and "2007-10-01" in err


@pytest.mark.parametrize("argument", ["2009-13-01", "yesterday", "01/06/2009"])
def test_a_malformed_as_of_is_exit_2(argument: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["evaluate", str(EXAMPLE), "--as-of", argument])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert argument in err and "Traceback" not in err


# -- validate ---------------------------------------------------------------------------------


def test_validate_prints_ok_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(RULESET_FILE))
    assert code == 0, err
    ruleset = bundled("lianyungang-2007")
    assert out.startswith("ok")
    assert "lianyungang-2007" in out
    assert f"{len(ruleset.articles)} articles" in out
    assert f"{len(ruleset.rules)} rules" in out
    assert f"{len(ruleset.interpretations)} interpretations" in out


def test_validate_bad_ruleset_lists_every_error_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = RULESET_FILE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    version = next(i for i, row in enumerate(lines) if row.startswith("version:"))
    priority = next(i for i, row in enumerate(lines) if row.strip() == "priority: 2")
    lines[version] = lines[version] + "colour: blue\n"
    lines[priority] = lines[priority].replace("priority: 2", "priority: high")
    path = tmp_path / "broken.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert not out.startswith("ok")
    assert_one_paragraph(err)
    # The inserted line shifts everything after it by one.
    assert f"{path}:{version + 2}" in err and "colour" in err
    assert f"{path}:{priority + 2}" in err and "priority" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "no/such/ruleset.yaml"],
        ["evaluate", "no/such/scenario.yaml"],
    ],
)
def test_missing_files_are_exit_2_without_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_paragraph(err)
    assert argv[1] in err


@pytest.mark.parametrize("holds", [["a.yaml", "b.scenario.yaml"], []])
def test_a_folder_is_named_as_a_folder_with_its_rulesets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], holds: list[str]
) -> None:
    for name in holds:
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert_one_paragraph(err)
    assert "a folder, not a ruleset file" in err and "no such file" not in err
    if holds:
        assert str(tmp_path / "a.yaml") in err and "scenario" not in err
    else:
        assert "holds no .yaml file" in err


def test_not_yaml_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.scenario.yaml"
    path.write_text("ruleset: [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(path))
    assert code == 2
    assert_one_paragraph(err)
    assert str(path) in err


def test_no_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- the installed console script -------------------------------------------------------------


def console_script() -> str:
    found = shutil.which("credit-rules", path=str(Path(sys.executable).parent))
    assert found, f"the credit-rules console script is not installed next to {sys.executable}"
    return found


def test_console_script_evaluates_and_fails_cleanly() -> None:
    script = console_script()
    done = subprocess.run(
        [script, "evaluate", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    validate(document)
    assert {d["outcome"] for d in document["decisions"]} == {
        "written_warning",
        "cash_settlement",
        "audit_flag",
    }
    early = subprocess.run(
        [script, "evaluate", str(EXAMPLE), "--as-of", "2007-09-30"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert early.returncode == 2
    assert "Traceback" not in early.stderr
    assert "2007-09-30" in early.stderr and "2007-10-01" in early.stderr


def test_python_api_dump_for_a_generated_population_follows_the_contract() -> None:
    engine = Engine(bundled("lianyungang-2007"))
    subjects = [{"id": f"p{n}", "kind": "insured_person"} for n in range(20)]
    events = [
        {
            "type": "dishonesty_entered",
            "subject": f"p{n}",
            "record": f"r{k}",
            "category": "other_violation",
            "date": (dt.date(2008, 1, 1) + dt.timedelta(days=97 * n + 211 * k)).isoformat(),
        }
        for n in range(20)
        for k in range(n % 5)
    ]
    evaluation = engine.evaluate(subjects, events, as_of=dt.date(2010, 1, 1))
    validate(evaluation.model_dump(mode="json"))
    assert evaluation.decisions


NUMBER = "11010519491231002X"  # the GB 11643 standard's own example


@pytest.mark.parametrize("form", ["text", "json"])
def test_identity_numbers_are_masked_in_all_output_unless_asked_for(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A subject whose id is an identity number: masked in results (text and JSON) and in an
    error message; in clear only under --show-identity-numbers."""
    scenario = tmp_path / "number.scenario.yaml"
    scenario.write_text(EXAMPLE.read_text(encoding="utf-8").replace("p2", NUMBER), encoding="utf-8")
    code, out, err = run(capsys, "evaluate", str(scenario), "--format", form)
    assert code == 0, err
    assert NUMBER not in out + err and "1101**********002X" in out
    code, out, err = run(
        capsys, "evaluate", str(scenario), "--format", form, "--show-identity-numbers"
    )
    assert code == 0 and NUMBER in out
    broken = tmp_path / "broken.scenario.yaml"
    broken.write_text(
        scenario.read_text(encoding="utf-8").replace(
            f"subject: {NUMBER}", "subject: " + NUMBER[:-1] + "9", 1
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "evaluate", str(broken))
    assert code == 2 and NUMBER[:-1] + "9" not in out + err and "1101**********0029" in err
