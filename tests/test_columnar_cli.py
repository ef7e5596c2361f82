"""``credit-rules batch``: Parquet or CSV in, one result table out, nothing partial on error."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest

pl = pytest.importorskip("polars")

from credit_rules.cli.main import EXIT_BAD_INPUT, EXIT_OK, main  # noqa: E402

EVENTS = pl.DataFrame(
    {
        "type": ["dishonesty_entered", "dishonesty_entered"],
        "subject": ["p2", "p2"],
        "record": ["r1", "r2"],
        "category": ["lend_certificate", "resell_drugs"],
        "date": [dt.date(2008, 3, 10), dt.date(2009, 5, 20)],
    }
)


def test_batch_writes_parquet_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    out = tmp_path / "outcomes.parquet"
    args = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    assert main([*args, "-o", str(out), "--table", "outcomes"]) == EXIT_OK
    assert sorted(pl.read_parquet(out).iter_rows()) == [
        ("p2", "audit_flag"),
        ("p2", "cash_settlement"),
    ]
    assert "cash_settlement 1" in capsys.readouterr().out
    csv = tmp_path / "decisions.csv"
    assert main([*args, "-o", str(csv)]) == EXIT_OK
    assert pl.read_csv(csv)["outcome"].to_list() == [
        "written_warning",
        "cash_settlement",
        "audit_flag",
    ]


def test_bad_input_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.with_columns(pl.lit("2009-02-30").alias("date")).write_parquet(source)
    out = tmp_path / "out.parquet"
    code = main(
        [
            "batch",
            "lianyungang-2007",
            "--events",
            str(source),
            "--as-of",
            "2009-06-01",
            "-o",
            str(out),
        ]
    )
    assert code == EXIT_BAD_INPUT
    assert "events.parquet[0].date" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [source]


def test_the_summary_line_counts_outcomes_and_says_how_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    out = tmp_path / "decisions.parquet"
    args = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    assert main([*args, "-o", str(out), "--events-per-part", "1"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == "", "no progress display when stderr is not a terminal"
    line = captured.out.strip()
    assert "\n" not in line
    assert line.startswith(f"decisions: 3 rows to {out}; on 2009-06-01 1 subject under measures")
    assert "(audit_flag 1, cash_settlement 1)" in line
    assert re.search(r"; 2 events in \d+\.\d\d s \([\d,]+ events/s\)$", line), line


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_terminal_shows_progress(tmp_path: Path) -> None:
    from test_rich_output import _on_a_terminal

    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    out = tmp_path / "decisions.parquet"
    argv = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    code, shown = _on_a_terminal([*argv, "-o", str(out), "--events-per-part", "1"], {})
    assert code == 0, shown
    assert "decisions: events" in shown and "2/2" in shown, shown
    assert "cash_settlement 1" in shown


# -- the conventions every command keeps (issue 14) --------------------------------------------

OUTPUT_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "cli-output.schema.json").read_text("utf-8")
)


def test_batch_help_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["batch", "--help", "--lang", "zh"], environ={})
    out = capsys.readouterr().out
    assert exited.value.code == 0 and "用法：credit-rules batch" in out
    assert "事件表" in out and "标准输出" in out and "Evaluate a population" not in out


def test_batch_reads_stdin_writes_stdout_and_speaks_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "events.csv"
    EVENTS.write_csv(source)
    args = ("batch", "lianyungang-2007", "--as-of", "2009-06-01", "--table", "outcomes")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes())))
    code = main([*args, "--events", "-", "-o", "-"], environ={})
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(pl.read_csv(io.StringIO(out)).iter_rows()) == [
        ("p2", "audit_flag"),
        ("p2", "cash_settlement"),
    ]
    assert "outcomes: 2 rows to standard output" in err
    target = tmp_path / "outcomes.csv"
    code = main([*args, "--events", str(source), "-o", str(target), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(
        document,
        {**OUTPUT_SCHEMA, "$ref": "#/$defs/Batch"},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    assert document["ruleset"]["id"] == "lianyungang-2007" and document["rows"] == 2
    assert document["outcomes"] == {"audit_flag": 1, "cash_settlement": 1}


def test_batch_in_chinese_and_its_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    args = ("batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01")
    code = main([*args, "-o", str(tmp_path / "d.parquet"), "--lang", "zh"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2009年6月1日" in out and "个主体" in out
    # Each outcome in the ruleset's Chinese words, then its id, as the other commands do.
    assert "改变医疗保险结算方式为现金结算（cash_settlement） 1" in out, out
    code = main([*args, "-o", str(tmp_path / "d.txt"), "--lang", "zh"])
    assert code == 2 and "输出文件必须以 .parquet 或 .csv 结尾" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["batch", "lianyungang-2007", "--as-of", "2009-06-01"])
    assert exited.value.code == 2


def test_batch_writes_the_deadlines_counted_on_the_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_columnar_partitions import GANZHOU_AS_OF, GANZHOU_ENGINE, institutions

    frame, subjects = institutions(12)
    frame.write_parquet(tmp_path / "events.parquet")
    subjects.write_parquet(tmp_path / "subjects.parquet")
    want = GANZHOU_ENGINE.evaluate(frame, subjects, as_of=GANZHOU_AS_OF).deadlines
    assert want.height > 5 and want["excluded"].list.len().max() > 0  # some suspended
    args = [
        "batch",
        "ganzhou-2023",
        "--events",
        str(tmp_path / "events.parquet"),
        "--subjects",
        str(tmp_path / "subjects.parquet"),
        "--as-of",
        GANZHOU_AS_OF.isoformat(),
        "--table",
        "deadlines",
        "--events-per-part",
        "200",
    ]
    out = tmp_path / "deadlines.parquet"
    assert main([*args, "-o", str(out)]) == EXIT_OK
    assert f"deadlines: {want.height} rows" in capsys.readouterr().out
    assert pl.read_parquet(out).equals(want)
    # CSV holds plain values: the excluded periods are written as JSON text.
    csv = tmp_path / "deadlines.csv"
    assert main([*args, "-o", str(csv)]) == EXIT_OK
    written = pl.read_csv(csv, infer_schema=False)
    assert written["due"].to_list() == [str(day) for day in want["due"]]
    assert [json.loads(text) for text in written["excluded"]] == [
        [{key: str(value) for key, value in period.items()} for period in periods]
        for periods in want["excluded"].to_list()
    ]


def test_batch_imports_only_what_it_needs(tmp_path: Path) -> None:
    """A fresh `credit-rules batch` builds its own parser only, and loads neither the other
    commands, the scenario and ruleset-file machinery, nor rich when nothing is drawn."""
    import subprocess

    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    words = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    words += ["-o", str(tmp_path / "out.parquet")]
    child = (
        "import sys\n"
        "from credit_rules.cli.entry import main\n"
        f"assert main({words!r}) == 0\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.splitlines()[-1].split())
    assert "credit_rules.cli.commands.batch" in loaded
    for module in (
        "credit_rules.cli.commands.evaluate",
        "credit_rules.cli.commands.check",
        "credit_rules.scenario",
        "credit_rules.ruleset.loader",
        "rich",
        "pyarrow",
    ):
        assert module not in loaded, module


@pytest.mark.parametrize("where", ["no such folder", "a folder"])
def test_batch_refuses_an_output_path_it_cannot_write_before_it_works(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing folder or a folder in the file's place raised FileNotFoundError or
    IsADirectoryError after the whole evaluation, with a traceback and exit code 1."""
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    if where == "a folder":
        output = tmp_path / "taken.parquet"
        output.mkdir()
        said = "is a folder, not a file"
    else:
        output = tmp_path / "missing" / "d.parquet"
        said = "no such folder"
    args = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    code = main([*args, "-o", str(output)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "Traceback" not in err and f"[-o] {output if where == 'a folder' else ''}" in err
    assert said in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["events.parquet", *(["taken.parquet"] if where == "a folder" else [])]
    )


@pytest.mark.parametrize("named", ["--events", "--subjects"])
def test_batch_refuses_to_write_over_one_of_its_inputs(
    named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o naming an input replaced the night's source data with its results, and said
    nothing. It is refused before anything is read, and the input is left as it was."""
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    subjects = tmp_path / "subjects.parquet"
    pl.DataFrame({"id": ["p2"], "kind": ["insured_person"]}).write_parquet(subjects)
    before = {path: path.read_bytes() for path in (source, subjects)}
    target = source if named == "--events" else subjects
    args = ["batch", "lianyungang-2007", "--events", str(source), "--subjects", str(subjects)]
    code = main([*args, "--as-of", "2009-06-01", "-o", str(target)])
    assert code == EXIT_BAD_INPUT
    assert "is an input of this run; write the results elsewhere" in capsys.readouterr().err
    assert {path: path.read_bytes() for path in before} == before


def test_ctrl_c_is_one_line_and_exit_code_130(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a long run printed a traceback from inside Polars."""
    from credit_rules.cli.commands import batch

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "evaluate", interrupted)
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    out = tmp_path / "out.parquet"
    args = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    assert main([*args, "-o", str(out)]) == 130
    assert capsys.readouterr().err == "credit-rules: interrupted\n"
    assert main([*args, "-o", str(out), "--lang", "zh"]) == 130
    assert capsys.readouterr().err == "credit-rules: 已中断\n"
    assert not out.exists()


def test_problems_of_standard_input_call_it_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """They named the temporary file standard input was read through, gone by then."""
    bad = (
        "type,subject,record,category,date\ndishonesty_entered,p1,r1,lend_certificate,2008-02-30\n"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(bad.encode())))
    args = ("batch", "lianyungang-2007", "--as-of", "2009-06-01", "--events", "-", "-o", "-")
    assert main(list(args), environ={}) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "credit-rules: <stdin>:2: [date] not a date (value '2008-02-30')" in err
    assert "credit-rules-batch-" not in err
