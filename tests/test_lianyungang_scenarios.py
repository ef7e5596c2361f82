"""The Lianyungang measures (连政办发〔2007〕154号), article by article.

Every ``*.scenario.yaml`` under ``rulesets/*/scenarios/`` is evaluated and checked against its
``expect:`` block; the named tests below restate the key cases in Python, including what a
scenario file cannot express (duties, citations, reasons, errors and parameter variants).

Each expectation comes from the article's words and the ruleset's ``interpretations``, not from
the engine's output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from credit_rules import (
    CreditRulesError,
    Engine,
    Evaluation,
    HistoryError,
    InputError,
    NotInForce,
    bundled,
    load_scenario,
    with_parameters,
)
from credit_rules.testing.expectations import Runner

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(ROOT.glob("rulesets/*/scenarios/*.scenario.yaml"))
LIANYUNGANG_SCENARIOS = ROOT / "rulesets" / "lianyungang-2007" / "scenarios"

RULESET = bundled("lianyungang-2007")
ENGINE = Engine(RULESET)
IN_FORCE = dt.date(2007, 10, 1)
PERSON = {"id": "p1", "kind": "insured_person"}


# -- helpers ----------------------------------------------------------------------------------


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def entered(record: str, date: str, category: str = "lend_certificate") -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": "p1",
        "record": record,
        "category": category,
        "date": date,
    }


def stage(kind: str, record: str, date: str, category: str = "lend_certificate") -> dict[str, Any]:
    return {"type": kind, "subject": "p1", "record": record, "category": category, "date": date}


def objection(record: str, date: str, ground: str = "inaccurate") -> dict[str, Any]:
    return {
        "type": "objection_filed",
        "subject": "p1",
        "record": record,
        "ground": ground,
        "date": date,
    }


def corrected(record: str, date: str, action: str) -> dict[str, Any]:
    return {
        "type": "record_corrected",
        "subject": "p1",
        "record": record,
        "action": action,
        "date": date,
    }


def query(date: str) -> dict[str, Any]:
    return {"type": "query_requested", "subject": "p1", "date": date}


def evaluate(
    events: Iterable[Mapping[str, Any]], as_of: str, engine: Engine = ENGINE
) -> Evaluation:
    return engine.evaluate([PERSON], list(events), as_of=day(as_of))


def spans(evaluation: Evaluation, outcome: str) -> list[tuple[str, str | None, bool]]:
    """(from, until, active) of every decision with ``outcome``, in date order."""
    return sorted(
        (d.from_.isoformat(), d.until.isoformat() if d.until else None, d.active)
        for d in evaluation.decisions
        if d.outcome == outcome
    )


def duties(evaluation: Evaluation, name: str) -> list[str]:
    return sorted(d.on.isoformat() for d in evaluation.duties if d.name == name)


def scenario(name: str) -> tuple[Any, Evaluation]:
    loaded = load_scenario(LIANYUNGANG_SCENARIOS / f"{name}.scenario.yaml")
    result = Engine(loaded.ruleset).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    return loaded, result


def cited(decision: Any) -> set[tuple[int, int | None]]:
    return {(c.article, c.item) for c in decision.cites}


# -- every scenario file ----------------------------------------------------------------------


def test_the_scenarios_are_collected() -> None:
    assert len(SCENARIOS) >= 30, SCENARIOS


# This is the one place the project's suite runs the bundled scenario files. Each case is
# marked scenario_file(path), so the credit_rules pytest plugin, which collects *.scenario.yaml
# wherever pytest looks, deselects its own copy when rulesets/ is collected too (`pytest .`).
RUNNER = Runner()


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.scenario_file(str(p))) for p in SCENARIOS],
    ids=[p.name for p in SCENARIOS],
)
def test_scenario_meets_its_expectations(path: Path) -> None:
    result = RUNNER.run(path)
    assert result.error is None, result.error
    if result.skipped:
        # `expect:` is optional in the format (an example may only show a result); such a
        # scenario must still evaluate. Every Lianyungang scenario has one (tested below).
        loaded = load_scenario(path)
        Engine(loaded.ruleset).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
        return
    # The same message as `credit-rules test` and the plugin: file:line, subject, outcome,
    # the differing field, and the rule and facts behind it.
    assert result.passed, result.render()


def test_every_executable_article_has_scenarios_named_after_it() -> None:
    executable = {a.number for a in RULESET.articles if a.role == "executable"}
    assert executable == {7, 8, 9, 10, 11, 12, 13, 14, 15}
    named = {
        int(match.group(1))
        for path in LIANYUNGANG_SCENARIOS.glob("*.scenario.yaml")
        if (match := re.match(r"art(\d+)-", path.name))
    }
    assert executable <= named, f"articles without a scenario: {sorted(executable - named)}"


OURS = sorted(LIANYUNGANG_SCENARIOS.glob("*.scenario.yaml"))


@pytest.mark.parametrize("path", OURS, ids=[p.name for p in OURS])
def test_lianyungang_scenario_says_what_it_tests_and_what_to_expect(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.description and len(loaded.description) > 40
    assert loaded.expect is not None, f"{path.name} has no expect: block"
    expect = loaded.expect
    # A history the regulation does not allow expects its refusal (``error:``) instead.
    assert expect.decisions or expect.absent or expect.exactly or expect.error


# -- the acceptance example of ARCHITECTURE.md ------------------------------------------------


def test_acceptance_example_art10_from_latest_entry_and_earlier_art9_warning() -> None:
    _, result = scenario("architecture-example")
    by_outcome = {d.outcome: d for d in result.decisions}
    assert sorted(by_outcome) == ["audit_flag", "cash_settlement", "written_warning"]
    cash, flag, warning = (
        by_outcome["cash_settlement"],
        by_outcome["audit_flag"],
        by_outcome["written_warning"],
    )
    assert (cash.from_, cash.until) == (day("2009-05-20"), day("2010-05-20"))
    assert flag.from_ == day("2009-05-20")
    assert {a for a, _ in cited(cash)} == {10} and {a for a, _ in cited(flag)} == {10}
    assert {a for a, _ in cited(warning)} == {9}
    assert warning.from_ == day("2008-03-10") and not warning.active


# -- Art 7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category",
    [
        "lend_certificate",
        "use_others_certificate",
        "forge_documents",
        "resell_drugs",
        "other_violation",
    ],
)
def test_art7_every_item_is_a_dishonesty_record(category: str) -> None:
    result = evaluate([entered("r1", "2010-04-01", category)], "2010-04-01")
    assert spans(result, "written_warning") == [("2010-04-01", "2010-04-01", True)]


def test_art7_an_unknown_category_is_not_a_record() -> None:
    with pytest.raises(InputError) as raised:
        evaluate([entered("r1", "2010-04-01", "jaywalking")], "2010-04-01")
    assert "events[0].category" in str(raised.value)


# -- Art 8 ------------------------------------------------------------------------------------


def test_art8_only_entered_records_count() -> None:
    steps = [
        stage("dishonesty_collected", "r1", "2008-03-01"),
        stage("dishonesty_verified", "r1", "2008-03-05"),
        stage("dishonesty_determined", "r1", "2008-03-07"),
    ]
    result = evaluate(steps, "2008-06-01")
    assert result.decisions == ()
    assert duties(result, "notify_entry") == []
    with_entry = evaluate([*steps, entered("r1", "2008-03-10")], "2008-06-01")
    assert spans(with_entry, "written_warning") == [("2008-03-10", "2008-03-10", False)]


def test_art8_nothing_applies_the_day_before_entry() -> None:
    _, before = scenario("art08-day-before-entry")
    _, on = scenario("art08-day-of-entry")
    assert before.decisions == () and before.duties == ()
    assert spans(on, "written_warning") == [("2008-03-10", "2008-03-10", True)]


def test_art8_the_person_is_told_of_each_entry_on_the_entry_day() -> None:
    _, result = scenario("art10-second-record-day-of-entry")
    notices = [d for d in result.duties if d.name == "notify_entry"]
    assert sorted(d.on.isoformat() for d in notices) == ["2008-03-10", "2009-05-20"]
    assert all(cited(d) == {(8, 4)} for d in notices)


def test_art8_a_determined_but_unentered_case_is_not_a_second_record() -> None:
    _, result = scenario("art08-determined-but-not-entered-does-not-add")
    assert spans(result, "cash_settlement") == []
    assert duties(result, "notify_entry") == ["2008-03-10"]


# -- Art 9 ------------------------------------------------------------------------------------


def test_art9_first_record_gets_a_written_warning_on_the_entry_day_only() -> None:
    events = [entered("r1", "2011-11-30", "other_violation")]
    on_the_day = evaluate(events, "2011-11-30")
    next_day = evaluate(events, "2011-12-01")
    assert spans(on_the_day, "written_warning") == [("2011-11-30", "2011-11-30", True)]
    assert spans(next_day, "written_warning") == [("2011-11-30", "2011-11-30", False)]
    assert next_day.outcomes("p1") == frozenset()
    (warning,) = on_the_day.decisions
    assert cited(warning) == {(9, None)}
    assert warning.rule == "art9_written_warning"


def test_art9_warning_explains_the_one_record_it_counted() -> None:
    result = evaluate([entered("r1", "2011-11-30")], "2011-11-30")
    (warning,) = result.decisions
    values = {reason.name: reason.value for reason in warning.because}
    assert values["record_count"] == 1
    assert "r1" in str(values["trigger"]) and "2011-11-30" in str(values["trigger"])


# -- Art 10 -----------------------------------------------------------------------------------


def test_art10_second_record_switches_to_cash_settlement_for_one_year() -> None:
    events = [entered("r1", "2008-03-10"), entered("r2", "2009-05-20", "resell_drugs")]
    assert evaluate(events, "2009-05-19").outcomes("p1") == frozenset()
    for as_of in ("2009-05-20", "2010-05-20"):
        result = evaluate(events, as_of)
        assert result.outcomes("p1") == {"cash_settlement", "audit_flag"}, as_of
        assert spans(result, "cash_settlement") == [("2009-05-20", "2010-05-20", True)]
        assert spans(result, "audit_flag") == [("2009-05-20", "2010-05-20", True)]
    assert evaluate(events, "2010-05-21").outcomes("p1") == frozenset()


def test_art10_settlement_cites_item_one_and_flag_cites_item_two() -> None:
    result = evaluate([entered("r1", "2008-03-10"), entered("r2", "2009-05-20")], "2009-06-01")
    by_outcome = {d.outcome: d for d in result.decisions}
    assert cited(by_outcome["cash_settlement"]) == {(10, 1)}
    assert cited(by_outcome["audit_flag"]) == {(10, 2)}
    cash = by_outcome["cash_settlement"]
    assert "最近一次失信信息录入之日起一年" in cash.cites[0].zh
    values = {reason.name: reason.value for reason in cash.because}
    assert values["record_count"] == 2
    assert values["settlement_change_term"] == "1 year"


def test_art10_a_year_from_29_february_ends_on_28_february() -> None:
    events = [entered("r1", "2011-06-01"), entered("r2", "2012-02-29")]
    assert spans(evaluate(events, "2013-02-28"), "cash_settlement") == [
        ("2012-02-29", "2013-02-28", True)
    ]
    assert evaluate(events, "2013-03-01").outcomes("p1") == frozenset()


def test_art10_measure_runs_full_term_when_older_record_expires() -> None:
    # Interpretation measure_runs_full_term: the tier is fixed on the day of the latest entry.
    events = [entered("r1", "2008-03-10"), entered("r2", "2013-01-15")]
    result = evaluate(events, "2013-06-01")
    assert spans(result, "cash_settlement") == [("2013-01-15", "2014-01-15", True)]
    assert result.outcomes("p1") == {"cash_settlement", "audit_flag"}


def test_art10_variant_measure_ends_when_older_record_expires() -> None:
    # The other alternative of measure_runs_full_term: r1 is valid through 2013-03-10 (Art 14),
    # so from 2013-03-11 only one record is valid and the Art 10 measures end on 2013-03-10.
    variant = Engine(with_parameters(RULESET, {"measure_ends_when_older_record_expires": True}))
    events = [entered("r1", "2008-03-10"), entered("r2", "2013-01-15")]
    last = evaluate(events, "2013-03-10", variant)
    assert last.outcomes("p1") == {"cash_settlement", "audit_flag"}
    after = evaluate(events, "2013-03-11", variant)
    assert after.outcomes("p1") == frozenset()
    assert spans(after, "cash_settlement") == [("2013-01-15", "2013-03-10", False)]
    assert spans(after, "audit_flag") == [("2013-01-15", "2013-03-10", False)]


def test_art10_a_later_entry_with_two_valid_records_restarts_the_year() -> None:
    events = [entered("r1", "2008-01-10"), entered("r2", "2012-06-01"), entered("r3", "2013-03-01")]
    result = evaluate(events, "2013-06-01")
    assert spans(result, "cash_settlement") == [
        ("2012-06-01", "2013-02-28", False),
        ("2013-03-01", "2014-03-01", True),
    ]
    assert spans(result, "time_limited_reimbursement") == []


# -- Art 11 -----------------------------------------------------------------------------------


THREE = [
    entered("r1", "2008-01-15"),
    entered("r2", "2008-06-02", "forge_documents"),
    entered("r3", "2009-01-05", "resell_drugs"),
]


def test_art11_third_record_brings_time_limited_reimbursement_for_one_year() -> None:
    assert evaluate(THREE, "2009-01-04").outcomes("p1") == {"cash_settlement", "audit_flag"}
    for as_of in ("2009-01-05", "2010-01-05"):
        result = evaluate(THREE, as_of)
        assert result.outcomes("p1") == {"time_limited_reimbursement", "audit_flag"}, as_of
        assert spans(result, "time_limited_reimbursement") == [("2009-01-05", "2010-01-05", True)]
    after = evaluate(THREE, "2010-01-06")
    assert after.outcomes("p1") == frozenset()
    (measure,) = [d for d in after.decisions if d.outcome == "time_limited_reimbursement"]
    assert cited(measure) == {(11, None)}


def test_art11_three_or_more_records_keep_the_audit_flag_a_fortiori() -> None:
    result = evaluate(THREE, "2009-06-10")
    assert spans(result, "audit_flag")[-1] == ("2009-01-05", "2010-01-05", True)


def test_art11_variant_exactly_two_gives_no_new_flag_for_three_records() -> None:
    variant = Engine(with_parameters(RULESET, {"audit_flag_beyond_two": False}))
    result = evaluate(THREE, "2009-06-10", variant)
    assert "time_limited_reimbursement" in result.outcomes("p1")
    assert not [
        d for d in result.decisions if d.outcome == "audit_flag" and d.from_ == day("2009-01-05")
    ]
    assert "audit_flag" not in evaluate(THREE, "2009-06-03", variant).outcomes("p1")


def test_art11_a_fourth_record_restarts_the_year() -> None:
    result = evaluate([*THREE, entered("r4", "2009-08-01")], "2010-03-01")
    assert spans(result, "time_limited_reimbursement") == [
        ("2009-01-05", "2009-07-31", False),
        ("2009-08-01", "2010-08-01", True),
    ]


def test_art11_the_most_severe_measure_wins_on_every_day() -> None:
    result = evaluate(THREE, "2009-03-01")
    ladder = [d for d in result.decisions if d.outcome != "audit_flag"]
    days = [
        ladder_day
        for d in ladder
        for ladder_day in (d.from_ + dt.timedelta(n) for n in range((d.until - d.from_).days + 1))
    ]
    assert len(days) == len(set(days)), "two measures of the Art 9–11 ladder on one day"


# -- Art 12 -----------------------------------------------------------------------------------


def test_art12_a_person_with_a_record_gets_the_record_report_on_the_day_asked() -> None:
    _, result = scenario("art12-query-with-valid-record")
    (report,) = [d for d in result.duties if d.name == "provide_record_report"]
    assert report.on == day("2009-01-12")
    assert cited(report) == {(12, None)}
    assert report.subject == "p1"


def test_art12_no_report_is_owed_to_a_person_without_a_record() -> None:
    _, result = scenario("art12-query-without-record")
    assert duties(result, "provide_record_report") == []
    assert result.decisions == ()


def test_art12_report_owed_on_the_last_valid_day_not_after_expiry() -> None:
    _, result = scenario("art12-query-at-end-of-validity")
    assert duties(result, "provide_record_report") == ["2013-03-10"]


def test_art12_a_query_changes_no_measure() -> None:
    events = [entered("r1", "2008-03-10"), entered("r2", "2009-05-20")]
    plain = evaluate(events, "2009-07-01")
    asked = evaluate([*events, query("2009-06-01")], "2009-07-01")
    assert asked.decisions == plain.decisions


# -- Art 13 -----------------------------------------------------------------------------------


def test_art13_an_objection_is_verified_and_the_result_notified() -> None:
    _, result = scenario("art13-amended-record-still-counts")
    assert duties(result, "verify_objection") == ["2009-06-01"]
    assert duties(result, "notify_objection_result") == ["2009-06-20"]
    for duty in result.duties:
        if duty.name in ("verify_objection", "notify_objection_result"):
            assert cited(duty) == {(13, None)}


def test_art13_an_amended_record_still_counts() -> None:
    _, result = scenario("art13-amended-record-still-counts")
    assert spans(result, "cash_settlement") == [("2009-05-20", "2010-05-20", True)]


def test_art13_a_record_void_from_the_start_never_counted() -> None:
    _, result = scenario("art13-second-record-void-from-start")
    assert spans(result, "cash_settlement") == []
    assert spans(result, "audit_flag") == []
    assert duties(result, "notify_entry") == ["2008-03-10"]
    _, first_void = scenario("art13-first-record-void-from-start")
    assert spans(first_void, "written_warning") == [("2009-05-20", "2009-05-20", True)]


def test_art13_the_objection_result_is_not_notified_before_the_objection() -> None:
    # Art 13: the agency verifies the objection, corrects, and then informs the objecting
    # person of the result (及时将异议处理结果告知提出异议的参保人员). A removal effective from
    # the entry date (void from the start) is decided after the objection, so that notice
    # cannot fall on a day before the objection was filed.
    for name, filed in (
        ("art13-second-record-void-from-start", "2009-06-01"),
        ("art13-first-record-void-from-start", "2008-03-20"),
    ):
        _, result = scenario(name)
        notices = duties(result, "notify_objection_result")
        assert notices, name
        assert all(on >= filed for on in notices), (name, notices, filed)


def test_art13_a_correction_nobody_objected_to_tells_no_objector() -> None:
    """Art 13 tells the result of an objection "提出异议的参保人员": a correction the agency
    makes of its own accord has no objector to tell. Objected to, it does."""
    entered = {
        "type": "dishonesty_entered",
        "subject": "p1",
        "record": "r1",
        "category": "lend_certificate",
        "date": "2008-03-10",
    }
    corrected = {
        "type": "record_corrected",
        "subject": "p1",
        "record": "r1",
        "action": "amended",
        "date": "2008-04-15",
    }
    objected = {
        "type": "objection_filed",
        "subject": "p1",
        "record": "r1",
        "ground": "outdated",
        "date": "2008-04-01",
    }
    person = [{"id": "p1", "kind": "insured_person"}]
    alone = ENGINE.evaluate(person, [entered, corrected], as_of=dt.date(2008, 5, 1))
    assert duties(alone, "notify_objection_result") == []
    answered = ENGINE.evaluate(person, [entered, objected, corrected], as_of=dt.date(2008, 5, 1))
    assert duties(answered, "notify_objection_result") == ["2008-04-15"]
    # A dismissal answers an objection filed on or before it, and is told; one that answers
    # no objection (none filed, or only later) contradicts the history and is refused.
    dismissed = {
        "type": "objection_dismissed",
        "subject": "p1",
        "record": "r1",
        "date": "2008-04-15",
    }
    result = ENGINE.evaluate(person, [entered, objected, dismissed], as_of=dt.date(2008, 5, 1))
    assert duties(result, "notify_objection_result") == ["2008-04-15"]
    later = {**objected, "date": "2008-04-20"}
    for events in ([entered, dismissed], [entered, dismissed, later]):
        with pytest.raises(HistoryError, match=r"events\[1\] names record 'r1', which no "):
            ENGINE.evaluate(person, events, as_of=dt.date(2008, 5, 1))


def test_art13_removed_part_way_ends_the_measure_the_day_before_the_correction() -> None:
    _, before = scenario("art13-day-before-removal")
    _, after = scenario("art13-removed-part-way-ends-measure")
    assert spans(before, "cash_settlement") == [("2009-05-20", "2010-05-20", True)]
    assert spans(after, "cash_settlement") == [("2009-05-20", "2009-08-31", False)]
    assert after.outcomes("p1") == frozenset()
    # Correcting is not annulling: the warning given on r1's entry stands.
    assert spans(after, "written_warning") == [("2008-03-10", "2008-03-10", False)]


def test_art13_removing_one_of_three_records_steps_down_to_art10() -> None:
    _, result = scenario("art13-removal-drops-three-records-to-two")
    assert result.outcomes("p1") == {"cash_settlement", "audit_flag"}
    assert spans(result, "time_limited_reimbursement") == [("2009-01-05", "2009-03-31", False)]


def test_art13_a_removal_after_as_of_changes_nothing_yet() -> None:
    events = [entered("r1", "2008-03-10"), entered("r2", "2009-05-20")]
    plain = evaluate(events, "2009-08-31")
    later = evaluate(
        [
            *events,
            objection("r1", "2009-08-01", "outdated"),
            corrected("r1", "2009-09-01", "removed"),
        ],
        "2009-08-31",
    )
    assert later.decisions == plain.decisions


# -- Art 14 -----------------------------------------------------------------------------------


def test_art14_record_counts_through_its_last_valid_day_and_not_after() -> None:
    on_last_day = evaluate([entered("r1", "2008-03-10"), entered("r2", "2013-03-10")], "2013-03-10")
    day_after = evaluate([entered("r1", "2008-03-10"), entered("r2", "2013-03-11")], "2013-03-11")
    assert on_last_day.outcomes("p1") == {"cash_settlement", "audit_flag"}
    assert day_after.outcomes("p1") == {"written_warning"}


def test_art14_an_expired_record_is_not_one_of_three() -> None:
    _, result = scenario("art14-expired-record-does-not-make-three")
    assert result.outcomes("p1") == {"cash_settlement", "audit_flag"}


# -- Art 15 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["2007-09-30", "2007-08-07", "1999-01-01"])
def test_art15_evaluating_before_2007_10_01_raises_not_in_force(as_of: str) -> None:
    with pytest.raises(NotInForce) as raised:
        evaluate([], as_of)
    message = str(raised.value)
    assert "2007-10-01" in message and as_of in message
    assert raised.value.as_of == day(as_of)
    assert raised.value.in_force_from == IN_FORCE


def test_art15_in_force_on_2007_10_01_itself() -> None:
    result = evaluate([entered("r1", "2007-10-01")], "2007-10-01")
    assert spans(result, "written_warning") == [("2007-10-01", "2007-10-01", True)]


def test_art15_no_measure_or_duty_is_dated_before_the_measures_took_effect() -> None:
    # 本办法自2007年10月1日起施行: nothing can be imposed under the measures before that day. An
    # entry dated before it is either refused as input or gives nothing dated before 2007-10-01.
    try:
        result = evaluate([entered("r1", "2007-09-20")], "2007-10-15")
    except CreditRulesError:
        return
    early = [(d.outcome, d.from_.isoformat()) for d in result.decisions if d.from_ < IN_FORCE] + [
        (d.name, d.on.isoformat()) for d in result.duties if d.on < IN_FORCE
    ]
    assert not early, f"dated before Art 15's 2007-10-01: {early}"


def test_art13_a_correction_decided_before_it_takes_effect_is_still_notified() -> None:
    # Art 13: the agency informs the objector of the result; a correction decided on
    # 2009-07-01 that takes effect on 2009-08-01 is notified when decided.
    from credit_rules import Engine, HistoryError, bundled

    engine = Engine(bundled("lianyungang-2007"))
    subjects = [{"id": "p1", "kind": "insured_person"}]
    events = [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2009-05-20",
        },
        {
            "type": "objection_filed",
            "subject": "p1",
            "record": "r1",
            "ground": "outdated",
            "date": "2009-06-10",
        },
        {
            "type": "record_corrected",
            "subject": "p1",
            "record": "r1",
            "action": "removed",
            "date": "2009-08-01",
            "decided_on": "2009-07-01",
        },
    ]
    result = engine.evaluate(subjects, events, as_of=dt.date(2009, 9, 1))
    notices = [d.on for d in result.duties if d.name == "notify_objection_result"]
    assert notices == [dt.date(2009, 7, 1)]
    # A correction decided before the record existed contradicts itself.
    events[2] = {**events[2], "decided_on": "2009-05-01"}
    with pytest.raises(HistoryError, match="decided on 2009-05-01, before the record"):
        engine.evaluate(subjects, events, as_of=dt.date(2009, 9, 1))
