"""The conventions every ``credit-rules`` command keeps (issue 14): help with a description and
every option explained, ``-`` for standard input and output, ``--format json`` in one
vocabulary (checked against schemas/cli-output.schema.json), exit codes 0/1/2, ``--lang zh``,
``--version``, ``python -m credit_rules`` and shell completion; and the located errors with a
suggestion for the mistakes analysts make most."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from credit_rules._version import __version__
from credit_rules.cli.main import build_parser, chosen_language, main
from credit_rules.i18n import translator

ROOT = Path(__file__).resolve().parents[1]
LYG = ROOT / "rulesets" / "lianyungang-2007"
EXAMPLE = LYG / "scenarios" / "architecture-example.scenario.yaml"
OUTPUT_SCHEMA = json.loads((ROOT / "schemas" / "cli-output.schema.json").read_text("utf-8"))
COMMANDS = (
    "batch",
    "check",
    "completion",
    "diff",
    "docs",
    "evaluate",
    "explain",
    "schema",
    "test",
    "timeline",
    "validate",
)
CHINESE = "\u4e00"


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    try:
        code = main(list(argv), environ={})
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def conforms(document: Any, kind: str) -> None:
    schema = {**OUTPUT_SCHEMA, "$ref": f"#/$defs/{kind}"}
    jsonschema.validate(
        document, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def one_paragraph(err: str) -> str:
    text = err.strip()
    assert text and "Traceback" not in text
    assert "\n\n" not in text, text
    return text


#: A word of three or more Latin letters: a Chinese paragraph has none outside the names,
#: ids and paths it quotes.
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def chinese_paragraph(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    quoted: tuple[str, ...] = (),
) -> str:
    """The error paragraph of ``argv`` under ``--lang zh``, checked to be Chinese throughout
    but for the names in ``quoted`` (file paths, ids, fields) and anything in quotes."""
    code, _, err = run(capsys, monkeypatch, *argv, "--lang", "zh")
    assert code == 2
    text = one_paragraph(err)
    rest = text.removeprefix("credit-rules:")
    for name in sorted(quoted, key=len, reverse=True):
        rest = rest.replace(name, "")
    assert not ENGLISH.search(re.sub(r"'[^']*'", "", rest)), text
    return text


# -- help, version, module, completion --------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_command_and_option_has_help(command: str, lang: str) -> None:
    parser = build_parser(translator(lang))
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[attr-defined]
    assert sub.description, command
    for action in sub._actions:
        assert action.help, f"{command} {action.option_strings or action.dest} has no help"
    text = sub.format_help()
    if lang == "zh":
        assert any(CHINESE <= ch <= "\u9fff" for ch in sub.description)
        assert "用法：" in text and "选项" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_help_exits_0(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, command, "--help", "--lang", "zh")
    assert code == 0 and "用法：credit-rules " + command in out


def test_version_and_python_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "credit_rules", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == f"credit-rules {__version__}"


def test_version_does_not_build_the_command_line() -> None:
    """``--version`` answers before any command's parser (and the library behind it) is
    imported: it took about a second when the whole parser was built first."""
    probe = (
        "import sys\n"
        "from credit_rules.cli.entry import main\n"
        "assert main(['--lang', 'zh', '--version']) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('credit_rules.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    version, loaded = result.stdout.splitlines()
    assert version == f"credit-rules {__version__}"
    assert "credit_rules.cli.main" not in loaded and "credit_rules.ruleset" not in loaded


def test_the_language_follows_the_flag_then_the_locale() -> None:
    assert chosen_language(["evaluate", "--lang", "zh"], {}) == "zh"
    assert chosen_language(["--lang=en"], {"LANG": "zh_CN.UTF-8"}) == "en"
    assert chosen_language(["evaluate"], {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert chosen_language(["evaluate"], {}) == "en"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_offers_every_command(
    shell: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "completion", shell)
    assert code == 0
    for command in COMMANDS:
        assert command in out
    as_of, exit_code = (
        ("-l as-of", "-l exit-code") if shell == "fish" else ("--as-of", "--exit-code")
    )
    assert as_of in out and exit_code in out
    if shell != "fish":
        assert "complete -o filenames -F _credit_rules credit-rules" in out


def test_the_bash_completion_script_is_valid_bash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(capsys, monkeypatch, "completion", "bash")
    result = subprocess.run(["bash", "-n"], input=out, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_misspelt_command_suggests_the_closest(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "evalute", "x.yaml")
    assert code == 2 and "did you mean evaluate" in err
    code, _, err = run(capsys, monkeypatch, "--lang", "zh", "evalute", "x.yaml")
    assert code == 2 and "是否想写 evaluate" in err


# -- evaluate ---------------------------------------------------------------------------------


def test_evaluate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text("utf-8")
    code, out, err = run(capsys, monkeypatch, "evaluate", "-", "--format", "json", stdin=text)
    assert code == 0, err
    conforms(json.loads(out), "Evaluate")
    code, out, _ = run(capsys, monkeypatch, "evaluate", str(EXAMPLE), "--lang", "zh")
    assert code == 0 and "书面警告的持续期间：0日" in out and "改变结算方式的期限：1年" in out
    assert "0 days" not in out and ": no" not in out
    code, _, err = run(capsys, monkeypatch, "evaluate", str(EXAMPLE), "--as-of", "2011-02-30")
    assert code == 2 and "2011-02 has 28 days" in err
    code, _, err = run(
        capsys, monkeypatch, "evaluate", str(EXAMPLE), "--as-of", "2011-02-30", "--lang", "zh"
    )
    assert code == 2 and "2011年2月只有 28 天" in err


def _misspelt_scenario(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text("utf-8")
    assert "category:" in text
    broken = tmp_path / "misspelt.scenario.yaml"
    broken.write_text(text.replace("category:", "categry:", 1), encoding="utf-8")
    return broken


@pytest.mark.parametrize(
    ("command", "extra"),
    [("evaluate", ()), ("explain", ("--subject", "p2"))],
)
def test_a_refused_scenario_under_json_is_one_refused_document(
    command: str,
    extra: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A program reading stdout under --format json gets one document even when the input is
    refused: the Refused document with each problem located; the message still goes to
    stderr, in the reader's language, and the exit code is 2."""
    broken = _misspelt_scenario(tmp_path)
    for lang, required in (
        ("en", "the required field 'category' is missing"),
        ("zh", "缺少必填字段 'category'"),
    ):
        code, out, err = run(
            capsys, monkeypatch, command, str(broken), *extra, "--format", "json", "--lang", lang
        )
        assert code == 2
        document = json.loads(out)
        conforms(document, "Refused")
        assert document["command"] == command and document["total"] == 2
        fields = {error["field"]: error for error in document["errors"]}
        assert set(fields) == {"events[0].category", "events[0].categry"}
        missing = fields["events[0].category"]
        assert missing["file"] == str(broken) and missing["line"] is not None
        assert required in missing["message"] and required in err


def test_a_day_not_in_force_under_json_is_one_refused_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys, monkeypatch, "evaluate", str(EXAMPLE), "--as-of", "2006-01-01", "--format", "json"
    )
    assert code == 2
    document = json.loads(out)
    conforms(document, "Refused")
    [error] = document["errors"]
    assert error["file"] == str(EXAMPLE) and error["message"] in err


def test_a_refused_table_under_json_counts_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("polars")
    events = tmp_path / "events.csv"
    rows = "".join(f"dishonesty_entered,p{i},r1,lend_certificate,2008-02-30\n" for i in range(30))
    events.write_text("type,subject,record,category,date\n" + rows, encoding="utf-8")
    out_path = tmp_path / "out.parquet"
    code, out, _ = run(
        capsys,
        monkeypatch,
        *("batch", "lianyungang-2007", "--events", str(events), "--as-of", "2009-06-01"),
        *("-o", str(out_path), "--format", "json"),
    )
    assert code == 2 and not out_path.exists()
    document = json.loads(out)
    conforms(document, "Refused")
    assert document["total"] == 30 and len(document["errors"]) == 20


# -- explain ----------------------------------------------------------------------------------


def test_explain(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text("utf-8")
    code, out, err = run(
        capsys, monkeypatch, "explain", "-", "--subject", "p2", "--format", "json", stdin=text
    )
    assert code == 0, err
    document = json.loads(out)
    conforms(document, "Explain")
    code, out, _ = run(
        capsys, monkeypatch, "explain", str(EXAMPLE), "--subject", "p2", "--lang", "zh"
    )
    assert code == 0 and "适用的结果：audit_flag、cash_settlement" in out
    assert "record_validity = 5年  参数：失信信息有效期" in out and "5 years" not in out
    # Names and articles are listed with 、 and labels end in ：, as Chinese writes them.
    assert "[第9条、第10条、第11条]" in out and "条, 第" not in out and "参数: " not in out
    assert "为何 cash_settlement 自 2009年5月20日 至 2010年5月20日" in out
    code, _, err = run(
        capsys, monkeypatch, "explain", str(EXAMPLE), "--subject", "p2", "--outcome", "nope"
    )
    assert code == 2
    one_paragraph(err)


# -- validate ---------------------------------------------------------------------------------


def test_validate_takes_ids_files_and_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = []
    for argv, stdin in (
        (("lianyungang-2007",), None),
        ((str(ROOT / "rulesets" / "lianyungang-2007.yaml"),), None),
        (("-",), (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")),
    ):
        code, out, err = run(
            capsys, monkeypatch, "validate", *argv, "--format", "json", stdin=stdin
        )
        assert code == 0, err
        conforms(json.loads(out), "Validate")
        documents.append(json.loads(out))
    assert documents[0]["ruleset"] == documents[1]["ruleset"] == documents[2]["ruleset"]
    code, out, _ = run(capsys, monkeypatch, "validate", "ganzhou-2023", "--lang", "zh")
    assert code == 0 and out.startswith("通过：ganzhou-2023")


def test_validate_strict_finding_is_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = tmp_path / "unused.yaml"
    layer.write_text(
        "id: unused\nversion: '1'\nextends: lianyungang-2007\nfacts: []\nrules:\n" + "",
        encoding="utf-8",
    )
    # A lint finding: the bundled ruleset with a parameter nothing reads.
    source = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    marker = "parameters:\n"
    extra = (
        "parameters:\n  - id: spare_count\n    type: count\n    value: 1\n"
        "    description: {zh: 备用, en: Spare}\n    cites: [{article: 8}]\n"
    )
    broken = tmp_path / "lint.yaml"
    broken.write_text(source.replace(marker, extra, 1), encoding="utf-8")
    code, out, err = run(
        capsys, monkeypatch, "validate", str(broken), "--strict", "--format", "json"
    )
    assert code == 1, err
    document = json.loads(out)
    conforms(document, "Validate")
    assert any(f["check"] == "unused-parameter" for f in document["findings"])


def test_validate_json_of_a_refused_file_is_one_document_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program reading stdout gets the Validate document with the located errors; the
    message still goes to stderr and the exit code is 2."""
    source = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    broken = tmp_path / "period.yaml"
    broken.write_text(source.replace("value: 5 years", "value: 5 yaers", 1), encoding="utf-8")
    code, out, err = run(capsys, monkeypatch, "validate", str(broken), "--format", "json")
    assert code == 2
    document = json.loads(out)
    conforms(document, "Validate")
    assert document["ok"] is False and document["ruleset"] is None
    [error] = document["errors"]
    assert error["file"] == str(broken) and error["line"] is not None
    assert "5 yaers" in error["message"] and "5 yaers" in err


# -- the located errors of issue 14 ------------------------------------------------------------


def test_a_misspelt_layer_parameter_is_refused_by_plain_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = tmp_path / "layer.yaml"
    layer.write_text(
        "id: provincial\nversion: '1'\nextends: lianyungang-2007\nparameters:\n"
        "  - id: record_valdity\n    type: period\n    value: 3 years\n"
        "    description: {zh: 记录有效期, en: Validity}\n    cites: [{article: 8}]\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, monkeypatch, "validate", str(layer))
    assert code == 2
    text = one_paragraph(err)
    assert f"{layer}:5:" in text and "record_valdity" in text
    assert "did you mean record_validity?" in text
    names = (str(layer), "parameters", "record_valdity", "record_validity", "lianyungang-2007")
    text = chinese_paragraph(capsys, monkeypatch, "validate", str(layer), quoted=names)
    assert f"{layer}:5:" in text and "是否想写 record_validity？" in text


def test_a_parameter_of_the_wrong_shape_gives_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    assert "value: 5 years" in source
    broken = tmp_path / "shape.yaml"
    broken.write_text(source.replace("value: 5 years", "value: three years", 1), "utf-8")
    code, _, err = run(capsys, monkeypatch, "validate", str(broken))
    assert code == 2
    text = one_paragraph(err)
    assert text.count("\n") == 0, text
    assert "three years is not a period" in text.replace("'", "")
    assert "value]" in text


def test_a_misspelt_event_type_suggests_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "typo.scenario.yaml"
    scenario.write_text(
        "ruleset: lianyungang-2007\nas_of: 2009-06-01\nsubjects:\n"
        "  - {id: p2, kind: insured_person}\nevents:\n"
        "  - {type: dishonesty_enterd, subject: p2, record: r1, category: lend_certificate,"
        " date: 2008-03-10}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, monkeypatch, "evaluate", str(scenario))
    assert code == 2
    text = one_paragraph(err)
    assert f"{scenario}:6:" in text and "[events[0]]" in text
    assert "did you mean dishonesty_entered" in text
    assert "'" not in text.partition("unknown event type")[2]
    names = (str(scenario), "events", *re.findall(r"dishonesty_\w+", text))
    text = chinese_paragraph(capsys, monkeypatch, "evaluate", str(scenario), quoted=names)
    assert f"{scenario}:6:" in text and "未知的事件类型 dishonesty_enterd" in text
    assert "；是否想写 dishonesty_entered" in text


def test_bad_indentation_is_said_in_plain_words_with_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "indent.scenario.yaml"
    scenario.write_text(
        "ruleset: lianyungang-2007\nas_of: 2009-06-01\nsubjects:\n"
        "  - {id: p2, kind: insured_person}\nevents:\n"
        "  - type: dishonesty_entered\n    subject: p2\n   - record: r1\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, monkeypatch, "evaluate", str(scenario))
    assert code == 2
    text = one_paragraph(err)
    assert f"{scenario}:8:" in text and "indentation" in text and "(under 'events')" in text
    assert "<block" not in text
    names = (str(scenario), "YAML", "events")
    text = chinese_paragraph(capsys, monkeypatch, "evaluate", str(scenario), quoted=names)
    assert f"{scenario}:8:" in text and "缩进有误" in text and "（位于“events”之下）" in text


def test_an_impossible_date_in_a_file_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "date.scenario.yaml"
    scenario.write_text("ruleset: lianyungang-2007\nas_of: 2011-02-30\n", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "evaluate", str(scenario))
    assert code == 2
    text = one_paragraph(err)
    assert f"{scenario}:2:" in text and "[as_of]" in text and "2011-02 has 28 days" in text
    names = (str(scenario), "as_of")
    text = chinese_paragraph(capsys, monkeypatch, "evaluate", str(scenario), quoted=names)
    assert "不是真实的日期" in text and "2011-02 只有 28 天" in text


def test_an_impossible_date_given_to_the_api_says_why_in_the_reader_s_words() -> None:
    """The models say why a date is not one as the files do ("2023-02 has 28 days"), not in
    Python's words ("day is out of range for month"), which no Chinese reader gets."""
    from credit_rules import Engine, bundled
    from credit_rules.errors import CreditRulesError

    event = {"type": "dishonesty_entered", "subject": "p1", "record": "r1"}
    event |= {"category": "lend_certificate", "date": "2023-02-30"}
    with pytest.raises(CreditRulesError) as caught:
        Engine(bundled("lianyungang-2007")).evaluate(
            [{"id": "p1", "kind": "insured_person"}], [event], as_of="2024-01-01"
        )
    assert "2023-02 has 28 days" in str(caught.value)
    assert "out of range" not in str(caught.value)
    assert "2023-02 只有 28 天" in caught.value.render("zh")


@pytest.mark.parametrize("missing", [False, True])
def test_a_file_the_system_refuses_is_said_in_the_reader_s_language(
    missing: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system's reason (strerror) is in the machine's language; the common ones are
    said in the reader's."""
    path = tmp_path / "absent.yaml" if missing else tmp_path
    code, _, err = run(capsys, monkeypatch, "evaluate", str(path))
    assert code == 2
    said = "no such file or directory" if missing else "it is a directory"
    assert f"cannot read the file: {said}" in one_paragraph(err)
    text = chinese_paragraph(capsys, monkeypatch, "evaluate", str(path), quoted=(str(path),))
    assert ("没有这个文件或目录" if missing else "这是一个目录") in text


def test_a_key_typo_shows_no_python_repr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "repr.scenario.yaml"
    scenario.write_text(
        "ruleset: lianyungang-2007\nas_of: 2009-06-01\nsubjects:\n"
        "  - {id: p2, kind: insured_person}\nevents:\n"
        "  - {type: dishonesty_entered, subject: p2, record: r1, category: lend_certificate,"
        " dat: 2009-05-20}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, monkeypatch, "evaluate", str(scenario))
    assert code == 2
    assert "datetime.date" not in err and "Traceback" not in err
    # The misspelt field is named with the event type's field it was meant to be.
    assert "[events[0].dat] unknown field (check its spelling); did you mean date?" in err


def test_a_misspelt_event_field_given_to_the_api_suggests_the_closest() -> None:
    from credit_rules import Engine, bundled
    from credit_rules.errors import CreditRulesError

    event = {"type": "dishonesty_entered", "subjct": "p1", "subject": "p1", "record": "r1"}
    event |= {"category": "lend_certificate", "date": "2008-03-10"}
    with pytest.raises(CreditRulesError) as caught:
        Engine(bundled("lianyungang-2007")).evaluate(
            [{"id": "p1", "kind": "insured_person"}], [event], as_of="2009-01-01"
        )
    assert "[events[0].subjct] unknown field (check its spelling); did you mean subject?" in str(
        caught.value
    )
    assert "是否想写 subject" in caught.value.render("zh")


# -- test -------------------------------------------------------------------------------------


def test_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, "test", str(EXAMPLE), "--json", "-")
    assert code == 0, err
    conforms(json.loads(out), "Test")
    code, out, err = run(capsys, monkeypatch, "test", str(EXAMPLE), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["passed"] == 1
    failing = tmp_path / "fail.scenario.yaml"
    failing.write_text(
        EXAMPLE.read_text("utf-8").replace("until: 2010-05-20", "until: 2010-05-21", 1), "utf-8"
    )
    assert "until: 2010-05-21" in failing.read_text("utf-8")
    code, out, _ = run(capsys, monkeypatch, "test", str(failing), "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["failed"] == 1
    unknown = tmp_path / "unknown.scenario.yaml"
    unknown.write_text(
        "ruleset: lianyungang-2007\nas_of: 2009-06-01\nsubjects:\n"
        "  - {id: p2, kind: insured_person}\nexpect:\n  decisions:\n"
        "    - {subject: p2, outcome: cash_setlement}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, monkeypatch, "test", str(unknown))
    assert code == 2 and "did you mean cash_settlement?" in err and f"{unknown}:7:" in err
    code, out, _ = run(
        capsys, monkeypatch, "test", str(unknown), "--format", "json", "--lang", "zh"
    )
    (errored,) = json.loads(out)["scenarios"]
    assert code == 2 and "是否想写 cash_settlement" in errored["error"], errored
    code, out, _ = run(capsys, monkeypatch, "test", str(EXAMPLE), "--lang", "zh")
    assert code == 0 and "1 个情景文件：1 个通过，0 个失败" in out
    code, out, _ = run(capsys, monkeypatch, "test", str(failing), "--lang", "zh")
    assert code == 1 and "失败" in out and "预期" in out


# -- diff -------------------------------------------------------------------------------------


def test_diff_says_when_a_changed_ruleset_kept_its_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/analysts.md, step 2: a changed ruleset needs a new version, since every result
    names the version it came from; diff says so, and says nothing when nothing changed."""
    text = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace("value: 5 years", "value: 3 years", 1), encoding="utf-8")
    words = ("diff", "lianyungang-2007", str(edited), "--population", "20", "--format", "json")
    code, out, err = run(capsys, monkeypatch, *words)
    assert code == 0, err
    [note] = [n for n in json.loads(out)["notes"] if "version" in n]
    assert "lianyungang-2007 changed but its version is 1.0.0 in both" in note
    raised = tmp_path / "raised.yaml"
    raised.write_text(
        edited.read_text("utf-8").replace('version: "1.0.0"', 'version: "1.1.0"', 1),
        encoding="utf-8",
    )
    for new in (str(raised), "lianyungang-2007"):
        code, out, err = run(capsys, monkeypatch, *words[:2], new, *words[3:])
        assert code == 0, err
        assert not [n for n in json.loads(out)["notes"] if "version" in n]


def test_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    same = ("lianyungang-2007", str(ROOT / "rulesets" / "lianyungang-2007.yaml"))
    code, out, err = run(
        capsys, monkeypatch, "diff", *same, "--population", "0", "--format", "json", "--exit-code"
    )
    assert code == 0, err
    document = json.loads(out)
    conforms(document, "Diff")
    assert document["outcomes_differ"] is False
    layer = (
        "id: shorter\nversion: '2'\nextends: lianyungang-2007\nparameters:\n"
        "  - id: record_validity\n    type: period\n    value: 1 years\n"
        "    description: {zh: 记录有效期, en: Validity}\n    cites: [{article: 8}]\n"
    )
    code, out, err = run(
        capsys,
        monkeypatch,
        "diff",
        "lianyungang-2007",
        "-",
        "--population",
        "0",
        "--format",
        "json",
        "--exit-code",
        stdin=layer,
    )
    assert code == 1, err
    assert json.loads(out)["outcomes_differ"] is True
    code, out, err = run(
        capsys,
        monkeypatch,
        *("diff", "lianyungang-2007", "-", "--population", "0", "--lang", "zh"),
        stdin=layer,
    )
    assert code == 0, "without --exit-code a difference is not a failure"
    assert "结构差异" in out and "行为差异" in out and "修改" in out
    for english in ("Structural diff", "Behavioural diff", "subjects differ", "changed"):
        assert english not in out, out
    code, _, err = run(capsys, monkeypatch, "diff", "lianyungang-2007", "lianyungang-2070")
    assert code == 2 and "did you mean lianyungang-2007" in err
    code, out, _ = run(capsys, monkeypatch, "diff", *same, "--population", "0", "--lang", "zh")
    assert code == 0
    assert "结构差异" in out and "没有新增、删除或修改任何条目。" in out


# -- docs, schema, timeline -------------------------------------------------------------------


def test_docs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, "docs", "lianyungang-2007", "-o", "-")
    assert code == 0, err
    assert out.startswith("# ") and "Art 8" in out
    code, out, _ = run(
        capsys, monkeypatch, "docs", "lianyungang-2007", "-o", str(tmp_path), "--lang", "zh"
    )
    assert code == 0 and (tmp_path / "lianyungang-2007.md").is_file() and "已写入" in out
    code, _, err = run(capsys, monkeypatch, "docs", "nope-2000", "-o", str(tmp_path))
    assert code == 2
    one_paragraph(err)


def test_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, "schema", "ruleset", "-o", "-")
    assert code == 0, err
    jsonschema.Draft202012Validator.check_schema(json.loads(out))
    code, _, err = run(capsys, monkeypatch, "schema", "-o", "-")
    assert code == 2
    one_paragraph(err)
    code, out, _ = run(capsys, monkeypatch, "schema", "-o", str(tmp_path), "--lang", "zh")
    assert code == 0 and "已写入" in out and (tmp_path / "scenario.schema.json").is_file()


def test_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = EXAMPLE.read_text("utf-8")
    code, out, err = run(
        capsys, monkeypatch, "timeline", "-", "--subject", "p2", "-o", "-", stdin=text
    )
    assert code == 0, err
    assert out.lstrip().startswith("<svg") or out.lstrip().startswith("<?xml")
    code, _, err = run(capsys, monkeypatch, "timeline", str(EXAMPLE), "--subject", "p22", "-o", "-")
    assert code == 2 and "did you mean p2?" in err
    code, _, err = run(
        capsys, monkeypatch, "timeline", str(EXAMPLE), "--subject", "p22", "-o", "-", "--lang", "zh"
    )
    assert code == 2 and "是否想写 p2" in err
    code, out, err = run(
        capsys, monkeypatch, "timeline", str(EXAMPLE), "--subject", "p2", "-o", "-", "--lang", "zh"
    )
    assert code == 0, err
    tooltips = re.findall(r"<title>([^<]*)</title>", out)
    assert tooltips and any("2008年3月10日" in t for t in tooltips), tooltips
    for tooltip in tooltips:
        assert not re.search(r"\b(rule|to|on|due|starts|Art)\b|\d{4}-\d\d-\d\d", tooltip), tooltip


# -- check ------------------------------------------------------------------------------------


#: A check quick enough for a CLI test: one invariant, a few cases.
QUICK_CHECK = ("--profile", "ci", "--max-examples", "2", "--invariant", "determinism")


def test_check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hypothesis")
    code, out, err = run(
        capsys, monkeypatch, "check", "lianyungang-2007", *QUICK_CHECK, "--format", "json"
    )
    assert code == 0, err
    conforms(json.loads(out), "Check")
    code, out, err = run(
        capsys,
        monkeypatch,
        "check",
        "-",
        *QUICK_CHECK,
        "--format",
        "json",
        "--lang",
        "zh",
        stdin=(ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8"),
    )
    assert code == 0, err
    assert json.loads(out)["ruleset"]["id"] == "lianyungang-2007"
    code, _, err = run(capsys, monkeypatch, "check", "lianyungang-2007", "--max-examples", "0")
    assert code == 2 and "0 is less than 1" in err
    code, _, err = run(
        capsys, monkeypatch, "check", "lianyungang-2007", "--max-examples", "x", "--lang", "zh"
    )
    assert code == 2 and "x 不是整数" in err
    code, out, err = run(
        capsys, monkeypatch, "check", "lianyungang-2007", *QUICK_CHECK, "--lang", "zh"
    )
    assert code == 0, err
    assert "不变式" in out and "通过" in out and "所有不变式均成立" in out, out
    assert "连云港办法第5条" in out and "Lianyungang Art" not in out, out
    assert "invariants hold" not in out and "passed" not in out


def test_an_unknown_option_of_a_command_shows_that_command_s_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "evaluate", str(EXAMPLE), "--bogus")
    assert code == 2
    assert err.startswith("usage: credit-rules evaluate ")
    assert err.rstrip().endswith("credit-rules: error: unknown arguments: --bogus")


def test_chinese_help_and_errors_use_the_full_width_colon(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """用法：, 选项：, 命令：, 错误： alike (argparse writes its headings with an ASCII colon);
    the English help keeps options: and error:."""
    code, out, _ = run(capsys, monkeypatch, "--lang", "zh", "--help")
    assert code == 0
    assert "\n选项：\n" in out and "\n命令：\n" in out and "选项:" not in out
    code, _, err = run(capsys, monkeypatch, "--lang", "zh", "evaluate")
    assert code == 2 and "credit-rules: 错误：" in err
    code, out, _ = run(capsys, monkeypatch, "--help")
    assert "\noptions:\n" in out
    code, _, err = run(capsys, monkeypatch, "evaluate")
    assert "credit-rules: error: " in err


def test_the_chinese_catalogue_names_an_invariant_one_way() -> None:
    """不变式 throughout: the help said 不变性 where check's report said 不变式."""
    catalogue = ROOT / "src" / "credit_rules" / "locale" / "zh" / "LC_MESSAGES"
    text = (catalogue / "credit_rules.po").read_text("utf-8")
    assert "不变性" not in text and "不变式" in text


def test_chinese_explain_names_what_changes_in_the_ruleset_s_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines under 何时可能变化 named each outcome by its id where the rest of the Chinese
    explanation uses the ruleset's words; the English keeps the id."""
    words = ("explain", str(EXAMPLE), "--subject", "p2")
    code, out, _ = run(capsys, monkeypatch, *words, "--lang", "zh")
    assert code == 0
    changes = out[out.index("何时可能变化：") :]
    assert "改变医疗保险结算方式为现金结算（cash_settlement） 结束" in changes
    code, out, _ = run(capsys, monkeypatch, *words)
    assert "  - cash_settlement ends: it applied until 2010-05-20" in out


def test_diff_says_when_it_compared_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies outside the repository, no scenarios beside either and no population:
    'No subject's outcomes differ' alone read as a finding of a comparison never made."""
    text = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text("utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text, encoding="utf-8")
    new.write_text(text.replace("value: 5 years", "value: 3 years", 1), encoding="utf-8")
    words = ("diff", str(old), str(new), "--population", "0", "--format", "json")
    code, out, err = run(capsys, monkeypatch, *words)
    assert code == 0, err
    assert any(n.startswith("nothing was compared") for n in json.loads(out)["notes"])
    code, out, err = run(capsys, monkeypatch, "diff", "lianyungang-2007", str(new), *words[3:])
    assert not any(n.startswith("nothing was compared") for n in json.loads(out)["notes"])
