"""``credit-rules timeline SCENARIO --subject ID -o FILE.svg``: a subject's history, drawn.

The picture itself was checked by eye (rendered to PNG); these tests hold what can be held
mechanically: a well-formed SVG is written, it names every outcome of the subject, and
working-day clocks shade the rest days they skip.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from credit_rules import Engine, load_scenario
from credit_rules.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
GANZHOU_EXAMPLE = ROOT / "rulesets" / "ganzhou-2023" / "scenarios" / "example.scenario.yaml"
LIANYUNGANG_EXAMPLE = (
    ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
)
# A scenario that expects its history to be refused (expect: error) has no result to look at.
SCENARIOS = sorted(
    path
    for path in ROOT.glob("rulesets/*/scenarios/*.scenario.yaml")
    if "\n  error:" not in path.read_text(encoding="utf-8")
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    assert err.strip(), "nothing on stderr"
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"


def draw(
    capsys: pytest.CaptureFixture[str], scenario: Path, subject: str, target: Path
) -> ET.Element:
    code, out, err = run(capsys, "timeline", str(scenario), "--subject", subject, "-o", str(target))
    assert code == 0, err
    assert str(target) in out
    root = ET.parse(target).getroot()  # raises if the file is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def titles(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}title")]


def outcomes_of(scenario: Path, subject: str) -> set[str]:
    loaded = load_scenario(scenario)
    result = Engine(loaded.ruleset).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    return (
        {d.outcome for d in result.decisions if d.subject == subject}
        | {d.name for d in result.duties if d.subject == subject}
        | {d.name for d in result.deadlines if d.subject == subject}
    )


def test_the_lianyungang_example_names_its_three_measures_and_the_duty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = draw(capsys, LIANYUNGANG_EXAMPLE, "p2", tmp_path / "p2.svg")
    labels = texts(root)
    for outcome in ("written_warning", "cash_settlement", "audit_flag", "notify_entry"):
        assert outcome in labels
    assert "2009-05-20 – 2010-05-20" in labels
    assert any(
        "cash_settlement: 2009-05-20 to 2010-05-20 (active on as_of)" in t for t in titles(root)
    )
    assert any(t.startswith("2008-03-10 dishonesty_entered r1") for t in labels)


def test_working_day_clocks_shade_rest_days_and_hatch_excluded_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = draw(capsys, GANZHOU_EXAMPLE, "ph1", tmp_path / "ph1.svg")
    hover = titles(root)
    # The publicity period of 2024-09-27 runs across the National Day holiday (10-01 to 10-07).
    assert "rest days 2024-10-01 to 2024-10-07: not counted" in hover
    # 2024-09-29 (a Sunday) was an adjusted workday: it counts and is not shaded.
    assert not any("2024-09-29" in t and t.startswith("rest") for t in hover)
    assert "not counted: 2024-10-15 to 2024-10-18 (expert_review)" in hover
    assert "due 2024-10-12" in texts(root)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_bundled_scenario_draws_every_outcome_of_every_subject(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load_scenario(path)
    for subject in (str(s["id"]) for s in scenario.subjects):
        root = draw(capsys, path, subject, tmp_path / f"{subject}.svg")
        labels = set(texts(root))
        missing = outcomes_of(path, subject) - labels
        assert not missing, f"{path.name} {subject}: {sorted(missing)} not drawn"


def test_as_of_override_moves_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "later.svg"
    code, _, err = run(
        capsys,
        "timeline",
        str(LIANYUNGANG_EXAMPLE),
        "--subject",
        "p2",
        "-o",
        str(target),
        "--as-of",
        "2010-06-01",
    )
    assert code == 0, err
    assert "as of 2010-06-01" in texts(ET.parse(target).getroot())


# -- bad input ---------------------------------------------------------------------------------


def test_an_unknown_subject_is_exit_2_listing_the_subjects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.svg"
    code, _, err = run(
        capsys, "timeline", str(LIANYUNGANG_EXAMPLE), "--subject", "p9", "-o", str(target)
    )
    assert code == 2
    assert_one_paragraph(err)
    assert "p9" in err and "p2" in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("scenario", "output"),
    [
        (str(LIANYUNGANG_EXAMPLE), "picture.png"),
        ("no/such/scenario.yaml", "x.svg"),
        (str(LIANYUNGANG_EXAMPLE), "no/such/dir/x.svg"),
    ],
)
def test_bad_input_is_exit_2_in_one_paragraph(
    scenario: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / output
    code, _, err = run(capsys, "timeline", scenario, "--subject", "p2", "-o", str(target))
    assert code == 2
    assert_one_paragraph(err)
    assert not target.exists()


def test_a_missing_subject_argument_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["timeline", str(LIANYUNGANG_EXAMPLE), "-o", "x.svg"])
    assert exited.value.code == 2
    assert "--subject" in capsys.readouterr().err
