"""A count of working days past the calendar's years, at the command line: the library's
error advises a Python caller to build a wider WorkingCalendar, which no option of the
command line does; the command says what its user can do, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_rules.calendar import default_calendar
from credit_rules.cli.main import EXIT_BAD_INPUT, main

LAST = default_calendar().last_year
SCENARIO = f"""ruleset: ganzhou-2023
as_of: {LAST}-12-30
subjects:
  - {{id: ph1, kind: retail_pharmacy}}
events:
  - {{type: evaluation_published, subject: ph1, evaluation: e1, year: {LAST - 1}, score: 78,
     date: {LAST}-12-20}}
"""


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "that the working-day calendar covers; use dates within those years"),
        ("zh", "超出了工作日日历所涵盖的年份"),
    ],
)
def test_the_command_line_says_what_its_user_can_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    path = tmp_path / "late.scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    assert main(["--lang", lang, "evaluate", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"credit-rules: {path}: ")
    assert said in err
    assert f"{LAST + 1}" in err
    assert "WorkingCalendar" not in err and "first_year" not in err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_provisional_deadline_says_why_once_and_in_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """A count through a year whose holiday schedule is not published yet: in English the
    calendar's reason, which says "provisional" itself (it was said twice); in Chinese, no
    English sentence."""
    year = default_calendar().published_through + 2  # type: ignore[operator]
    path = tmp_path / "unpublished.scenario.yaml"
    path.write_text(
        SCENARIO.replace(f"{LAST}-12-", f"{year}-03-").replace(f"year: {LAST - 1}", "year: 2026"),
        encoding="utf-8",
    )
    assert main(["--lang", lang, "evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    reasons = [line.strip() for line in out.splitlines() if "holiday schedule" in line]
    if lang == "en":
        assert reasons and all(r.startswith("provisional: the count depends on") for r in reasons)
        assert "provisional: provisional" not in out
    else:
        assert not reasons
        said = [line.strip() for line in out.splitlines() if "国务院放假安排" in line]
        assert said and all(line.startswith("暂定：自 ") for line in said)


def test_the_test_command_gives_the_same_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "late.scenario.yaml"
    path.write_text(SCENARIO + "expect:\n  absent: [reduced_supervision]\n", encoding="utf-8")
    assert main(["--lang", "en", "test", str(tmp_path)]) != 0
    out = capsys.readouterr()
    said = out.out + out.err
    assert "cannot evaluate" in said and "use dates within those years" in said, said
    assert "WorkingCalendar" not in said and "first_year" not in said
