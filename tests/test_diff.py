"""``credit-rules diff OLD NEW``: the structural diff, the behavioural diff and its causes.

The example the issue asks for: Lianyungang Art 14's validity shortened from 5 to 3 years, laid
over the bundled ruleset as a layer, reports how many subjects lose a measure and cites Art 14.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from credit_rules import Engine, bundled, load_ruleset, load_scenario, with_parameters
from credit_rules.cli.main import main
from credit_rules.explain.behaviour_diff import compare_behaviour
from credit_rules.explain.population import default_window, generate
from credit_rules.ruleset.diff import diff_rulesets

ROOT = Path(__file__).resolve().parents[1]
LIANYUNGANG = ROOT / "rulesets" / "lianyungang-2007.yaml"
GANZHOU = ROOT / "rulesets" / "ganzhou-2023.yaml"
LIANYUNGANG_SCENARIOS = ROOT / "rulesets" / "lianyungang-2007" / "scenarios"

THREE_YEARS = """\
# Art 14's validity shortened to 3 years, laid over the bundled ruleset.
id: lianyungang-2007-3y
extends: lianyungang-2007
version: "1.0.0-3y"
parameters:
  - id: record_validity
    type: period
    value: 3 years
    min: 1
    cites: [{article: 14}]
    description: {zh: 失信信息有效期, en: Validity of a dishonesty record}
"""


@pytest.fixture
def three_years(tmp_path: Path) -> Path:
    path = tmp_path / "lianyungang-3y.yaml"
    path.write_text(THREE_YEARS, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    assert err.strip(), "nothing on stderr"
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"


# -- the structural diff ----------------------------------------------------------------------


def test_art14_validity_change_is_one_parameter_change_citing_art14(three_years: Path) -> None:
    structural = diff_rulesets(bundled("lianyungang-2007"), load_ruleset(three_years))
    (parameter,) = structural.in_section("parameters")
    assert parameter.ref == "parameters.record_validity"
    assert parameter.kind == "changed"
    assert [(f.field, f.old, f.new) for f in parameter.fields] == [("value", "5 years", "3 years")]
    assert "Art 14" in parameter.label
    assert {c.section for c in structural.changes} == {"identity", "parameters"}


def test_a_ruleset_compared_with_itself_has_no_change() -> None:
    ruleset = bundled("ganzhou-2023")
    assert diff_rulesets(ruleset, ruleset).empty


def test_added_removed_and_changed_rules_and_articles_are_each_reported(tmp_path: Path) -> None:
    text = LIANYUNGANG.read_text(encoding="utf-8")
    edited = (
        text.replace("warns in writing an insured person", "warns in writing any insured person")
        .replace(
            'when: "record_count >= time_limited_records"',
            'when: "record_count >= time_limited_records + 1"',
        )
        .replace(
            "  - id: art12_record_report\n",
            "  - id: art12_record_report_renamed\n",
        )
    )
    assert edited.count("any insured person") == 1
    path = tmp_path / "edited.yaml"
    path.write_text(edited, encoding="utf-8")
    changes = {
        c.ref: c for c in diff_rulesets(bundled("lianyungang-2007"), load_ruleset(path)).changes
    }
    assert changes["articles.9"].kind == "changed"
    assert [f.field for f in changes["articles.9"].fields] == ["en"]
    rule = changes["rules.art11_time_limited_reimbursement"]
    assert rule.kind == "changed"
    assert [(f.field, f.new) for f in rule.fields] == [
        ("when", "record_count >= time_limited_records + 1")
    ]
    assert changes["rules.art12_record_report"].kind == "removed"
    assert changes["rules.art12_record_report_renamed"].kind == "added"


# -- the behavioural diff: the Art 14 example --------------------------------------------------


def test_art14_five_to_three_years_text_reports_subjects_losing_a_measure_and_cites_art14(
    three_years: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "diff", str(LIANYUNGANG), str(three_years), "--population", "400", "--seed", "3"
    )
    assert code == 0, err
    assert "record_validity (Art 14)" in out
    assert "value: 5 years → 3 years" in out
    assert "Cause: parameter record_validity (Art 14)" in out
    assert "lose a measure" in out
    assert "loses cash_settlement" in out
    # The scenario written for exactly this boundary now loses its Art 10 measure.
    assert "art14-last-valid-day-still-counts.scenario:p1" in out
    assert err == "", "no progress bar or notes on stderr when it is not a terminal"


def test_art14_five_to_three_years_json_counts_and_causes(
    three_years: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "diff",
        str(LIANYUNGANG),
        str(three_years),
        "--population",
        "400",
        "--seed",
        "3",
        "--format",
        "json",
    )
    assert code == 0, err
    document = json.loads(out)
    behaviour = document["behaviour"]
    assert behaviour["population"]["size"] == 400
    assert behaviour["lose_a_measure"] > 0
    assert behaviour["differing"] >= behaviour["lose_a_measure"]
    (group,) = behaviour["groups"]
    assert group["causes"] == ["parameters.record_validity"]
    assert group["subjects"] == behaviour["differing"]
    assert group["effects"]["loses cash_settlement"] > 0
    assert len(group["differences"]) == group["subjects"]
    names = {d["subject"] for d in group["differences"]}
    assert "art14-last-valid-day-still-counts.scenario:p1" in names
    assert any(name.startswith("population:") for name in names)
    (parameter,) = [c for c in document["changes"] if c["section"] == "parameters"]
    assert parameter["cites"] == [{"article": 14}]


def test_the_population_diff_is_reproducible_from_its_seed(
    three_years: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["diff", str(LIANYUNGANG), str(three_years), "--population", "300", "--format", "json"]
    first = json.loads(run(capsys, *argv, "--seed", "7")[1])
    again = json.loads(run(capsys, *argv, "--seed", "7")[1])
    other = json.loads(run(capsys, *argv, "--seed", "8")[1])
    assert first == again
    assert first["behaviour"]["groups"] != other["behaviour"]["groups"]


def test_every_lost_measure_is_one_the_old_version_decided_and_the_new_does_not() -> None:
    old = bundled("lianyungang-2007")
    new = with_parameters(old, {"record_validity": "3 years"})
    start, end = default_window(old.vocabulary, old.in_force_from)
    population = generate(old.vocabulary, 300, seed=11, start=start, end=end)
    behaviour = compare_behaviour(diff_rulesets(old, new), population=population)
    assert behaviour.differing
    subjects = {s["id"]: s for s in population.subjects}
    events = population.events_by_subject()
    for difference in behaviour.differing:
        history = events[difference.subject]
        before = Engine(old).evaluate([subjects[difference.subject]], history, as_of=end)
        after = Engine(new).evaluate([subjects[difference.subject]], history, as_of=end)
        for effect in difference.effects:
            if effect.change == "lost" and effect.kind == "measure":
                old_spans = {
                    f"{d.from_} to {d.until}"
                    for d in before.decisions
                    if d.outcome == effect.outcome
                }
                new_spans = {
                    f"{d.from_} to {d.until}"
                    for d in after.decisions
                    if d.outcome == effect.outcome
                }
                assert set(effect.old) <= old_spans - new_spans


def test_a_shorter_validity_never_adds_a_more_severe_measure() -> None:
    # Fewer valid records can only lower the Art 9-11 ladder: nobody gains time-limited
    # reimbursement, and everyone who gains a warning lost the settlement change.
    old = bundled("lianyungang-2007")
    new = with_parameters(old, {"record_validity": "3 years"})
    start, end = default_window(old.vocabulary, old.in_force_from)
    population = generate(old.vocabulary, 500, seed=5, start=start, end=end)
    behaviour = compare_behaviour(diff_rulesets(old, new), population=population)
    for difference in behaviour.differing:
        gained = {e.outcome for e in difference.effects if e.change == "gained"}
        assert "time_limited_reimbursement" not in gained


def test_progress_is_reported_for_every_population_subject() -> None:
    old = bundled("lianyungang-2007")
    new = with_parameters(old, {"record_validity": "3 years"})
    population = generate(
        old.vocabulary, 612, seed=1, start=old.in_force_from, end=dt.date(2015, 12, 31)
    )
    advanced: list[int] = []
    compare_behaviour(diff_rulesets(old, new), population=population, progress=advanced.append)
    assert sum(advanced) == 612
    assert len(advanced) > 1, "the bar moves more than once on a long run"


# -- causes ------------------------------------------------------------------------------------


def test_a_changed_rule_is_the_cause_of_what_it_changes(tmp_path: Path) -> None:
    text = LIANYUNGANG.read_text(encoding="utf-8").replace(
        'when: "record_count >= time_limited_records"',
        'when: "record_count >= time_limited_records + 1"',
    )
    path = tmp_path / "four-records.yaml"
    path.write_text(text, encoding="utf-8")
    scenarios = [load_scenario(p) for p in sorted(LIANYUNGANG_SCENARIOS.glob("art11-*.yaml"))]
    behaviour = compare_behaviour(
        diff_rulesets(bundled("lianyungang-2007"), load_ruleset(path)), scenarios=scenarios
    )
    assert behaviour.differing
    assert {g.causes for g in behaviour.groups} == {("rules.art11_time_limited_reimbursement",)}
    lost = {e.outcome for s in behaviour.differing for e in s.effects if e.change == "lost"}
    assert "time_limited_reimbursement" in lost


def test_a_scenario_is_compared_under_its_own_reading(three_years: Path, tmp_path: Path) -> None:
    """A scenario that sets the validity to 3 years itself sees no change from a version that
    sets it to 3 years; without the setting the same history loses a measure."""
    history = """\
ruleset: lianyungang-2007
as_of: 2013-03-10
subjects:
  - {id: p1, kind: insured_person}
events:
  - {type: dishonesty_entered, subject: p1, record: r1, category: lend_certificate,
     date: 2008-03-10}
  - {type: dishonesty_entered, subject: p1, record: r2, category: resell_drugs,
     date: 2013-03-10}
"""
    plain = tmp_path / "plain.scenario.yaml"
    plain.write_text(history, encoding="utf-8")
    read = tmp_path / "read.scenario.yaml"
    read.write_text(history + "parameters:\n  record_validity: 3 years\n", encoding="utf-8")
    diff = diff_rulesets(bundled("lianyungang-2007"), load_ruleset(three_years))
    assert compare_behaviour(diff, scenarios=[load_scenario(plain)]).differing
    behaviour = compare_behaviour(diff, scenarios=[load_scenario(read)])
    assert behaviour.scenarios == ("read.scenario.yaml",) and not behaviour.differing


def test_ganzhou_grade_threshold_change_is_traced_to_art11_on_scenarios_and_population(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = tmp_path / "strict.yaml"
    layer.write_text(
        "id: ganzhou-2023-strict\nextends: ganzhou-2023\nversion: '1.0.0-strict'\n"
        "parameters:\n  - id: grade_c_min\n    type: count\n    value: 70\n"
        "    cites: [{article: 11}]\n"
        "    description: {zh: C级最低分, en: Lowest score of grade C}\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "diff", str(GANZHOU), str(layer), "--population", "60", "--format", "json"
    )
    assert code == 0, err
    behaviour = json.loads(out)["behaviour"]
    assert behaviour["groups"], behaviour
    for group in behaviour["groups"]:
        assert group["causes"] == ["parameters.grade_c_min"]
    effects = behaviour["groups"][0]["effects"]
    assert effects.get("gains intensified_supervision", 0) > 0
    names = {d["subject"] for g in behaviour["groups"] for d in g["differences"]}
    assert "art11-grade-c-edge-65-and-64.scenario:ph1" in names


def test_bundled_ids_may_be_compared_and_identical_versions_differ_in_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "diff", "lianyungang-2007", str(LIANYUNGANG), "--population", "50")
    assert code == 0, err
    assert "No entry was added, removed or changed." in out
    assert "No subject's outcomes differ." in out


def test_rulesets_of_different_vocabularies_compare_structurally_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "diff", str(LIANYUNGANG), str(GANZHOU), "--population", "0")
    assert code == 0, err
    assert "the behaviour is not compared" in out
    assert "Behavioural diff" not in out


def test_population_generators_give_histories_the_engine_accepts() -> None:
    for ruleset_id in ("lianyungang-2007", "ganzhou-2023"):
        ruleset = bundled(ruleset_id)
        start, end = default_window(ruleset.vocabulary, ruleset.in_force_from)
        for seed in range(3):
            population = generate(ruleset.vocabulary, 150, seed=seed, start=start, end=end)
            assert all(start <= e["date"] <= end for e in population.events)
            result = Engine(ruleset).evaluate(population.subjects, population.events, as_of=end)
            assert result.decisions, ruleset_id


# -- bad input: exit 2, one paragraph, no traceback --------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "no/such/old.yaml", "lianyungang-2007"],
        ["diff", "lianyungang-2007", "no/such/new.yaml"],
        ["diff", "lianyungang-2007", "lianyungang-2007", "--scenarios", "no/such/dir"],
        ["diff", "lianyungang-2007", "lianyungang-2007", "--as-of", "2006-01-01"],
    ],
)
def test_bad_arguments_are_exit_2_in_one_paragraph(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_paragraph(err)


def test_a_broken_new_ruleset_is_exit_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(THREE_YEARS.replace("value: 3 years", "value: three years"), encoding="utf-8")
    code, out, err = run(capsys, "diff", str(LIANYUNGANG), str(broken))
    assert code == 2
    assert out == ""
    assert_one_paragraph(err)
    assert str(broken) in err and "three years" in err


def test_a_broken_scenario_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "bad.scenario.yaml").write_text(
        "ruleset: lianyungang-2007\nas_of: 2009-06-01\nevents:\n  - {type: dishonesty_enterd}\n",
        encoding="utf-8",
    )
    code, _, err = run(
        capsys, "diff", str(LIANYUNGANG), str(LIANYUNGANG), "--scenarios", str(folder)
    )
    assert code == 2
    assert_one_paragraph(err)
    assert "bad.scenario.yaml" in err


@pytest.mark.parametrize("value", ["-1", "many"])
def test_a_bad_population_size_is_exit_2(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["diff", str(LIANYUNGANG), str(LIANYUNGANG), "--population", value])
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
