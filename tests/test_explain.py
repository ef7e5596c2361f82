"""Explain and why-not: why an outcome applies, why it does not, and when that could change.

Each expected answer is read off the articles: Lianyungang Art 9-11 (one record warns, two
change the settlement for a year, three or more limit reimbursement for a year, all from the
latest entry), Art 14 (records valid 5 years); Ganzhou Art 12 and 20 (7 and 15 working days),
Art 15 (three-year ban) and Art 23 (no repair within three months of the determination).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from credit_rules import Engine, ScenarioError, bundled, load_scenario, with_parameters
from credit_rules.cli.main import main
from credit_rules.explain import Explanation, NextChange, explain, next_change
from credit_rules.explain.whynot import Link

ROOT = Path(__file__).resolve().parents[1]
LIANYUNGANG = ROOT / "rulesets" / "lianyungang-2007" / "scenarios"
GANZHOU = ROOT / "rulesets" / "ganzhou-2023" / "scenarios"
# A scenario that expects its history to be refused (expect: error) has no result to look at.
SCENARIOS = sorted(
    path
    for path in ROOT.glob("rulesets/*/scenarios/*.scenario.yaml")
    if "\n  error:" not in path.read_text(encoding="utf-8")
)
ENGINE = Engine(bundled("lianyungang-2007"))
PERSON = {"id": "p1", "kind": "insured_person"}


def entries(*dates: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{index}",
            "category": "lend_certificate",
            "date": date,
        }
        for index, date in enumerate(dates, 1)
    ]


def about(path: Path, outcome: str | None = None, subject: str | None = None) -> Explanation:
    scenario = load_scenario(path)
    who = subject or str(scenario.subjects[0]["id"])
    with Engine(scenario.ruleset) as engine:
        return explain(
            engine,
            scenario.subjects,
            scenario.events,
            subject=who,
            as_of=scenario.as_of,
            outcome=outcome,
        )


def named(links: tuple[Link, ...], name: str) -> Link:
    return next(link for link in links if link.name == name)


# -- why ----------------------------------------------------------------------------------------


def test_art10_why_cash_settlement_applies_shows_facts_parameters_and_articles() -> None:
    found = about(LIANYUNGANG / "art10-measure-last-day.scenario.yaml", "cash_settlement")
    assert found.active == ("audit_flag", "cash_settlement")
    (why,) = found.why
    assert (why.rule, why.first, why.last, why.active) == (
        "art10_cash_settlement",
        dt.date(2009, 5, 20),
        dt.date(2010, 5, 20),
        True,
    )
    assert why.line is not None
    assert why.chain[0].value == "dishonesty_entered r2 on 2009-05-20"
    count = named(why.chain, "record_count")
    assert (count.kind, count.value) == ("fact", 2)
    # The chain goes down to the counted records and the Art 14 validity they were counted with.
    at_entry = named(count.parts, "records_at_entry")
    assert at_entry.value == 2
    validity = named(at_entry.parts, "record_validity")
    assert (validity.kind, validity.value) == ("parameter", "5 years")
    assert [(c.article, c.item) for c in validity.cites] == [(14, None)]
    threshold = named(why.chain, "settlement_change_records")
    assert (threshold.kind, threshold.value) == ("parameter", 2)
    assert named(why.chain, "settlement_change_term").value == "1 year"
    assert [(c.article, c.item) for c in why.cites] == [(10, 1)]
    assert found.why_not == ()


def test_without_an_outcome_every_active_outcome_is_explained() -> None:
    found = about(LIANYUNGANG / "art10-measure-last-day.scenario.yaml")
    assert found.outcome is None
    assert sorted(w.outcome for w in found.why) == ["audit_flag", "cash_settlement"]


def test_duties_and_deadlines_are_explained_too() -> None:
    duty = about(LIANYUNGANG / "art10-measure-last-day.scenario.yaml", "notify_entry")
    assert [(w.kind, w.first) for w in duty.why] == [
        ("duty", dt.date(2008, 3, 10)),
        ("duty", dt.date(2009, 5, 20)),
    ]
    deadline = about(GANZHOU / "art12-publicity-last-day.scenario.yaml", "publicity_ends")
    (why,) = deadline.why
    assert (why.kind, why.last) == ("deadline", dt.date(2024, 10, 12))
    assert named(why.chain, "publicity_period").value == "7 working days"


# -- why not ------------------------------------------------------------------------------------


def test_art11_why_not_gives_the_failed_comparison_and_the_values_it_saw() -> None:
    found = about(
        LIANYUNGANG / "art10-measure-last-day.scenario.yaml", "time_limited_reimbursement"
    )
    assert found.why == ()
    # Both records are assessed on the last stretch of days; each saw its own count at entry.
    seen = {item.trigger: item for item in found.why_not}
    assert set(seen) == {
        "dishonesty_entered r1 on 2008-03-10",
        "dishonesty_entered r2 on 2009-05-20",
    }
    item = seen["dishonesty_entered r2 on 2009-05-20"]
    assert item.rule == "art11_time_limited_reimbursement"
    assert item.failed is not None
    assert item.failed.condition == "record_count >= time_limited_records"
    values = {link.name: link.value for link in item.failed.seen}
    assert values == {"record_count": 2, "time_limited_records": 3}


def test_art10_why_not_walks_down_to_the_first_false_part_of_an_and() -> None:
    # Three records: "at least two" holds, "fewer than three" is what fails.
    events = entries("2008-03-10", "2009-01-05", "2009-05-20")
    found = explain(
        ENGINE, [PERSON], events, subject="p1", as_of=dt.date(2009, 6, 1), outcome="cash_settlement"
    )
    third = next(w for w in found.why_not if w.trigger == "dishonesty_entered r3 on 2009-05-20")
    assert third.failed is not None
    assert third.failed.condition == "record_count < time_limited_records"
    assert {link.name: link.value for link in third.failed.seen} == {
        "record_count": 3,
        "time_limited_records": 3,
    }


def test_art10_why_not_names_the_higher_rung_that_wins() -> None:
    # On r2's entry two records were valid, so Art 10 holds for r2, but the Art 11 measure of
    # r3 (priority 3) takes precedence over it in the settlement ladder.
    events = entries("2008-03-10", "2009-01-05", "2009-05-20")
    found = explain(
        ENGINE, [PERSON], events, subject="p1", as_of=dt.date(2009, 6, 1), outcome="cash_settlement"
    )
    second = next(w for w in found.why_not if w.trigger == "dishonesty_entered r2 on 2009-01-05")
    assert second.failed is None
    assert "time_limited_reimbursement (rule art11_time_limited_reimbursement, priority 3)" in (
        second.note
    )
    assert "group settlement_measure" in second.note
    assert "it applied from 2009-01-05 until 2009-05-19" in second.note


def test_art9_why_not_says_a_one_off_warning_has_ended() -> None:
    found = about(
        LIANYUNGANG / "art09-warning-is-one-off-next-day.scenario.yaml", "written_warning"
    )
    (why,) = found.why
    assert not why.active
    (item,) = found.why_not
    assert item.failed is None
    assert "has ended" in item.note


def test_art12_why_not_says_when_the_report_will_form() -> None:
    found = about(GANZHOU / "art12-publicity-last-day.scenario.yaml", "report_formed")
    notes = {item.rule: item for item in found.why_not}
    assert "starts on 2024-10-24" in notes["art12_report_formed_without_objection"].note
    # The other way to a report needs an objection, and there is none.
    after = notes["art12_report_formed_after_objections"]
    assert after.failed is not None
    assert after.failed.condition == "timely_written_objections > 0"


def test_why_not_without_anything_to_assess() -> None:
    query = [{"type": "query_requested", "subject": "p1", "date": "2009-01-12"}]
    found = explain(
        ENGINE, [PERSON], query, subject="p1", as_of=dt.date(2009, 2, 1), outcome="cash_settlement"
    )
    (item,) = found.why_not
    assert item.trigger is None
    assert "no record in dishonesty_records" in item.note


def test_art23_why_not_admissible_points_at_the_three_month_wait() -> None:
    found = about(
        GANZHOU / "art23-repair-three-months-minus-a-day.scenario.yaml", "repair_admissible"
    )
    (item,) = found.why_not
    assert item.failed is not None
    assert item.failed.condition == "not applied_too_soon"
    too_soon = named(item.failed.seen, "applied_too_soon")
    assert too_soon.value is True
    assert {part.name for part in too_soon.parts} == {"wait_last_day"}


# -- when could it change -----------------------------------------------------------------------


def test_art10_measures_end_the_day_after_their_last_day() -> None:
    found = about(LIANYUNGANG / "art10-measure-last-day.scenario.yaml")
    assert found.next_change == NextChange(
        on=dt.date(2010, 5, 21),
        ends=("audit_flag", "cash_settlement"),
        starts=(),
        causes=(
            "audit_flag ends: it applied until 2010-05-20 (rule art10_audit_flag)",
            "cash_settlement ends: it applied until 2010-05-20 (rule art10_cash_settlement)",
        ),
    )


def test_art15_ban_lifts_after_three_years() -> None:
    change = about(GANZHOU / "art15-pharmacy-ban-last-day.scenario.yaml").next_change
    assert change is not None
    assert change.on == dt.date(2027, 3, 16)
    assert "application_ban" in change.ends


def test_art12_a_report_that_has_not_formed_yet_starts() -> None:
    change = about(GANZHOU / "art12-publicity-last-day.scenario.yaml").next_change
    assert change is not None
    assert (change.on, change.starts, change.ends) == (
        dt.date(2024, 10, 24),
        ("report_formed",),
        (),
    )


def test_art14_an_expiring_record_changes_the_measure_when_it_ends_early() -> None:
    # Under the ends_early reading of interpretation measure_runs_full_term, r1 (entered
    # 2008-03-10, valid through 2013-03-10) stops counting on 2013-03-11, and the third-record
    # measure falls back to the second rung that day.
    engine = Engine(
        with_parameters(
            bundled("lianyungang-2007"), {"measure_ends_when_older_record_expires": True}
        )
    )
    events = entries("2008-03-10", "2012-06-01", "2013-01-10")
    change = next_change(engine, [PERSON], events, subject="p1", as_of=dt.date(2013, 2, 1))
    assert change is not None
    assert change.on == dt.date(2013, 3, 11)
    assert change.ends == ("time_limited_reimbursement",)
    assert change.starts == ("cash_settlement",)
    assert any("record r1 of dishonesty_records expires" in cause for cause in change.causes)
    assert any("ends early" in cause for cause in change.causes)


def test_nothing_changes_unless_something_happens() -> None:
    # One record: the Art 9 warning was given on the day; its expiry changes no outcome. An
    # entry dated after as_of has not happened yet and does not count.
    events = entries("2008-03-10", "2009-07-01")
    assert next_change(ENGINE, [PERSON], events, subject="p1", as_of=dt.date(2009, 6, 1)) is None


def test_unknown_subject_and_outcome_are_input_errors() -> None:
    with pytest.raises(ScenarioError, match="no subject 'p9'"):
        explain(ENGINE, [PERSON], [], subject="p9", as_of=dt.date(2009, 6, 1))
    with pytest.raises(ScenarioError, match="'cash_setlement' is not an outcome"):
        explain(
            ENGINE, [PERSON], [], subject="p1", as_of=dt.date(2009, 6, 1), outcome="cash_setlement"
        )


# -- the engine's assessments -------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_assessments_agree_with_evaluate(path: Path) -> None:
    """Engine.assessments repeats the walk of evaluate: every result of evaluate comes from a
    rule that fired on an assessment of its trigger, and each trigger's stretches of days
    follow one another with only its last one open."""
    scenario = load_scenario(path)
    engine = Engine(scenario.ruleset)
    evaluation = engine.evaluate(scenario.subjects, scenario.events, as_of=scenario.as_of)
    for subject in scenario.subjects:
        assessed = engine.assessments(subject, scenario.events, as_of=scenario.as_of)
        firing = {(rule, a.trigger) for a in assessed for rule in a.firing}
        fired_rules = {rule for rule, _ in firing}
        results = [
            *(d for d in evaluation.decisions if d.subject == subject["id"]),
            *(d for d in evaluation.duties if d.subject == subject["id"]),
            *(d for d in evaluation.deadlines if d.subject == subject["id"]),
        ]
        assert {r.rule for r in results} <= fired_rules
        assert {(r.rule, r.trigger) for r in results} <= firing
        assert all(a.first <= scenario.as_of for a in assessed)
        by_trigger: dict[object, list[object]] = {}
        for a in assessed:
            by_trigger.setdefault(a.trigger, []).append(a)
        for stretches in by_trigger.values():
            stretches.sort(key=lambda a: a.first)  # type: ignore[attr-defined]
            for before, after in itertools.pairwise(stretches):
                assert before.last + dt.timedelta(days=1) == after.first  # type: ignore[attr-defined]
            assert stretches[-1].last is None or stretches[-1].last < scenario.as_of  # type: ignore[attr-defined]


def test_assessments_skip_other_subjects_events() -> None:
    other = {**entries("2008-04-01")[0], "subject": "p2", "record": "x1"}
    events = [*entries("2008-03-10"), other]
    assessed = ENGINE.assessments(PERSON, events, as_of=dt.date(2009, 1, 1))
    assert {a.trigger.key for a in assessed} == {"r1"}


# -- the command --------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_explains_why_and_when(capsys: pytest.CaptureFixture[str]) -> None:
    path = LIANYUNGANG / "art10-measure-last-day.scenario.yaml"
    code, out, _ = cli(
        capsys, "explain", str(path), "--subject", "p1", "--outcome", "cash_settlement"
    )
    assert code == 0
    assert "Outcomes that apply: audit_flag, cash_settlement" in out
    assert "Why cash_settlement from 2009-05-20 until 2010-05-20 (applies)" in out
    assert "record_count = 2" in out
    assert "record_validity = 5 years" in out
    assert "Art 10(1)" in out
    assert "When could it change: 2010-05-21" in out
    assert "\x1b[" not in out


def test_cli_explains_why_not(capsys: pytest.CaptureFixture[str]) -> None:
    path = LIANYUNGANG / "art10-measure-last-day.scenario.yaml"
    code, out, _ = cli(
        capsys, "explain", str(path), "--subject", "p1", "--outcome", "time_limited_reimbursement"
    )
    assert code == 0
    assert "Why time_limited_reimbursement does not apply" in out
    assert "first condition that failed: record_count >= time_limited_records" in out
    assert "time_limited_records = 3" in out


def test_cli_as_of_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = LIANYUNGANG / "art10-measure-last-day.scenario.yaml"
    code, out, _ = cli(
        capsys, "explain", str(path), "--subject", "p1", "--as-of", "2010-05-21", "--format", "json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["as_of"] == "2010-05-21"
    assert document["active"] == []
    assert document["next_change"] is None


def test_cli_bad_subject_outcome_and_file_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = str(LIANYUNGANG / "art10-measure-last-day.scenario.yaml")
    code, _, err = cli(capsys, "explain", path, "--subject", "p9")
    assert code == 2 and "no subject 'p9'" in err
    code, _, err = cli(capsys, "explain", path, "--subject", "p1", "--outcome", "nothing")
    assert code == 2 and "'nothing' is not an outcome of lianyungang-2007" in err
    code, _, err = cli(capsys, "explain", str(tmp_path / "none.yaml"), "--subject", "p1")
    assert code == 2 and "cannot read the file" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", path])
    assert exit_info.value.code == 2
    assert "--subject" in capsys.readouterr().err


def _why_not_for(dates: tuple[str, ...], as_of: dt.date, record: str) -> str:
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{index}",
            "category": "lend_certificate",
            "date": day,
        }
        for index, day in enumerate(dates, start=1)
    ]
    found = explain(ENGINE, [PERSON], events, subject="p1", as_of=as_of, outcome="cash_settlement")
    (item,) = [w for w in found.why_not if w.trigger is not None and f" {record} " in w.trigger]
    return str(item.note)


def test_a_measure_that_ran_its_term_has_ended_whatever_applies_today() -> None:
    """r2's cash settlement ran 2008-06-02 to 2009-06-02 and ended. On 2014-01-20 an entry of
    that day brings a warning: the explanation blamed it ('written_warning, priority 1, takes
    precedence' over priority 2), a reason that is false on both counts."""
    note = _why_not_for(("2008-01-15", "2008-06-02", "2014-01-20"), dt.date(2014, 1, 20), "r2")
    assert note == (
        "the condition holds, but it applied from 2008-06-02 until 2009-06-02 and has ended"
    )


def test_a_measure_cut_short_by_a_higher_one_is_said_to_be_outranked() -> None:
    """r3 (the third record in a year) brings time-limited reimbursement from 2008-09-01,
    which outranks r2's cash settlement from that day on (Arts 10-11)."""
    note = _why_not_for(("2008-01-15", "2008-06-02", "2008-09-01"), dt.date(2008, 10, 1), "r2")
    assert "but time_limited_reimbursement (rule art11_time_limited_reimbursement" in note
    assert "takes precedence in group settlement_measure" in note
    assert note.endswith("it applied from 2008-06-02 until 2008-08-31")
