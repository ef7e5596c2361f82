"""Terminal output fit for people: tables and colour on a terminal, plain text otherwise.

Colour appears only on a terminal, never under NO_COLOR (no-color.org), and never when the
output is piped; long runs (a population diff) show a progress bar on a terminal only. The real
console script is run on a pseudo-terminal to check what a person at a terminal sees.
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from credit_rules import Engine, load_scenario
from credit_rules.cli.main import main
from credit_rules.explain import render_text
from credit_rules.explain.text import print_evaluation

ROOT = Path(__file__).resolve().parents[1]
LIANYUNGANG_EXAMPLE = (
    ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
)
GANZHOU_EXAMPLE = ROOT / "rulesets" / "ganzhou-2023" / "scenarios" / "example.scenario.yaml"
ESCAPE = "\x1b["
#: SGR colour codes: 30–37, 90–97 (foreground), 40–47, 100–107 (background), 38;/48; (extended).
COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:(?<=\[)|;)(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;|48;)")


def evaluation(path: Path = LIANYUNGANG_EXAMPLE):  # type: ignore[no-untyped-def]
    scenario = load_scenario(path)
    return Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )


def printed(console_kwargs: dict[str, object], path: Path = LIANYUNGANG_EXAMPLE) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, highlight=False, **console_kwargs)  # type: ignore[arg-type]
    print_evaluation(evaluation(path), console)
    return buffer.getvalue()


# -- the renderer ------------------------------------------------------------------------------


def test_on_a_terminal_the_evaluation_is_coloured() -> None:
    out = printed({"force_terminal": True, "color_system": "truecolor"})
    assert COLOUR.search(out), "no colour on a terminal"


def test_no_color_turns_colour_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = printed({"force_terminal": True, "color_system": "truecolor"})
    assert not COLOUR.search(out), repr(out[:400])


def test_written_to_a_file_there_are_no_escape_codes_at_all() -> None:
    out = printed({})
    assert ESCAPE not in out


def test_a_table_summarises_the_decisions_before_the_details() -> None:
    out = render_text(evaluation())
    lines = out.splitlines()
    assert lines[0].startswith("Ruleset lianyungang-2007 1.0.0 (sha256:")
    title = lines.index(next(line for line in lines if line.startswith("Decisions as of")))
    table = "\n".join(lines[title : title + 9])
    for cell in ("cash_settlement", "2009-05-20", "2010-05-20", "ACTIVE", "Art 10(1)", "Art 9"):
        assert cell in table, cell
    assert lines.index("Subject p2") > title


def test_render_text_never_wraps_a_detail_line() -> None:
    out = render_text(evaluation(GANZHOU_EXAMPLE))
    assert ESCAPE not in out
    long = [line for line in out.splitlines() if len(line) > 200]
    assert long, "the Art 14 citation is one long line, as in the ruleset"
    assert (
        "  general_supervision: 2024-09-27 to open-ended [ACTIVE on 2024-10-21]" in out.splitlines()
    )


def test_render_text_keeps_every_reason_and_citation() -> None:
    result = evaluation(GANZHOU_EXAMPLE)
    out = render_text(result)
    for decision in result.decisions:
        for reason in decision.because:
            assert f"      - {reason.en} / {reason.zh}" in out
        for citation in decision.cites:
            assert citation.en.splitlines()[0] in out
    for deadline in result.deadlines:
        assert f"due {deadline.due.isoformat()}" in out


# -- the command line --------------------------------------------------------------------------


def test_piped_cli_output_has_no_escape_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(GANZHOU_EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert ESCAPE not in out
    assert "Decisions as of 2024-10-21" in out and "Deadlines" in out


#: What rich draws tables with.
BOX = re.compile("[\u2500-\u257f]")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_piped_cli_tables_are_plain_columns_nothing_wrapped_or_cut(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """With rich installed, a pipe or a file still gets the plain stand-ins' columns: rich
    would draw boxes 80 columns wide, wrap the deadline table's headers ("Coun" / "ted") and
    cut long cells short with "…"."""
    assert main(["--lang", lang, "evaluate", str(GANZHOU_EXAMPLE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(BOX.search(line) for line in lines), lines
    # Only the ruleset's digest is shortened, on the first line.
    assert not any("…" in line for line in lines[1:]), lines
    heading = "Deadlines" if lang == "en" else "期限"
    at = next(i for i, line in enumerate(lines) if line.strip() == heading)
    header, rule, first = lines[at + 1], lines[at + 2], lines[at + 3]
    assert set(rule) <= {"-", " "} and rule.startswith("-")
    # Every header is whole on the one header line, and each row on one line.
    assert len(header.split()) == len(rule.split())
    assert "objection_decision_due" in first or "异议" in first
    assert ("15 working days" if lang == "en" else "15个工作日") in "\n".join(lines[at:])


def test_piped_check_report_keeps_every_article_it_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "ganzhou-2023", "--max-examples", "2", "--profile", "ci"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert not BOX.search(out), out
    assert "Lianyungang Art 5, Ganzhou Art 3" in out
    assert "Civil Code Arts 201–203, Ganzhou Arts 12, 20 and 25" in out


def _console_script() -> str:
    found = shutil.which("credit-rules", path=str(Path(sys.executable).parent))
    assert found, f"the credit-rules console script is not installed next to {sys.executable}"
    return found


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the console script with stdout and stderr on a pseudo-terminal; return all it wrote."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"COLUMNS": "120", "TERM": "xterm-256color", **env})
    process = subprocess.Popen(
        [_console_script(), *argv], stdout=follower, stderr=follower, env=environment
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_cli_colours_a_terminal_but_not_under_no_color() -> None:
    code, coloured = _on_a_terminal(["evaluate", str(LIANYUNGANG_EXAMPLE)], {})
    assert code == 0, coloured
    assert COLOUR.search(coloured), "no colour on a terminal"
    assert "cash_settlement" in coloured
    code, plain = _on_a_terminal(["evaluate", str(LIANYUNGANG_EXAMPLE)], {"NO_COLOR": "1"})
    assert code == 0, plain
    assert not COLOUR.search(plain)
    assert "cash_settlement" in plain


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_population_diff_shows_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ruleset = ROOT / "rulesets" / "lianyungang-2007.yaml"
    argv = ["diff", str(ruleset), "lianyungang-2007", "--population", "3000", "--seed", "2"]
    code, shown = _on_a_terminal(argv, {})
    assert code == 0, shown
    assert "population" in shown and "/3000" in shown, "no progress bar on a terminal"
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "/3000" not in captured.out
