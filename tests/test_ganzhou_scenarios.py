"""The Ganzhou measures (赣市府办发〔2023〕15号), article by article.

The scenario files under ``rulesets/ganzhou-2023/scenarios/`` are run, with their ``expect:``
blocks, by ``tests/test_lianyungang_scenarios.py`` (it collects ``rulesets/*/scenarios``). The
tests here restate the key cases in Python and check what a scenario file cannot express:
deadlines (``due``, ``provisional``, ``excluded``, ``extended_by``), duties, citations, reasons,
errors, interpretation variants, the CLI, layering (Art 28) and the choice of ruleset.

Every date below was counted by hand on the State Council holiday notices (国办发明电〔2023〕7号
for 2024, 〔2024〕12号 for 2025) and the Civil Code's rules on periods; the calendar module is a
cross-check, never the source of an expectation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from credit_rules import (
    CreditRulesError,
    Deadline,
    Engine,
    Evaluation,
    NotInForce,
    bundled,
    load_ruleset,
    load_scenario,
    with_parameters,
)
from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.cli.main import main as cli_main
from credit_rules.errors import ExtensionOverCap, HistoryError, NoRulesetInForce
from credit_rules.explain import render_text
from credit_rules.model.ganzhou import ObjectionGround
from credit_rules.ruleset.catalog import select_ruleset
from credit_rules.testing.expectations import run_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "rulesets" / "ganzhou-2023" / "scenarios"
GANZHOU_SCENARIOS = sorted(SCENARIOS.glob("*.scenario.yaml"))
EXAMPLE = SCENARIOS / "example.scenario.yaml"

RULESET = bundled("ganzhou-2023")
ENGINE = Engine(RULESET)
IN_FORCE = dt.date(2024, 1, 13)
BOTH_MATERIALS = ["application_and_commitment", "rectification_evidence"]


# -- helpers ----------------------------------------------------------------------------------


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def evaluate(
    events: Iterable[Mapping[str, Any]],
    as_of: str,
    kind: str = "retail_pharmacy",
    engine: Engine = ENGINE,
    subject: str = "s1",
) -> Evaluation:
    return engine.evaluate(
        [{"id": subject, "kind": kind}],
        [{"subject": subject, **event} for event in events],
        as_of=day(as_of),
    )


def published(evaluation: str, date: str, score: int) -> dict[str, Any]:
    return {
        "type": "evaluation_published",
        "evaluation": evaluation,
        "year": int(date[:4]),
        "score": score,
        "date": date,
    }


def objection(
    name: str, date: str, evaluation: str | None = "e1", written: bool = True, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "objection_filed",
        "objection": name,
        "evaluation": evaluation,
        "ground": extra.pop("ground", "evaluation_result_disputed"),
        "written": written,
        "date": date,
        **extra,
    }


def suspended(name: str, first: str, last: str, reason: str = "expert_review") -> dict[str, Any]:
    return {
        "type": "objection_suspended",
        "objection": name,
        "reason": reason,
        "date": first,
        "until": last,
    }


def decided(name: str, date: str, result: str = "rejected", **extra: Any) -> dict[str, Any]:
    return {
        "type": "objection_decided",
        "objection": name,
        "evaluation": "e1",
        "result": result,
        "date": date,
        **extra,
    }


def determined(
    record: str, date: str, category: str = "false_billing", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "dishonesty_determined",
        "record": record,
        "category": category,
        "date": date,
        **extra,
    }


def applied(
    application: str, record: str, date: str, materials: Iterable[str] = BOTH_MATERIALS, **extra
) -> dict[str, Any]:
    return {
        "type": "repair_applied",
        "application": application,
        "record": record,
        "materials": list(materials),
        "date": date,
        **extra,
    }


def accepted(application: str, date: str) -> dict[str, Any]:
    return {"type": "repair_accepted", "application": application, "date": date}


def extended(application: str, date: str, working_days: int) -> dict[str, Any]:
    return {
        "type": "repair_extended",
        "application": application,
        "working_days": working_days,
        "date": date,
    }


def spans(evaluation: Evaluation, outcome: str) -> list[tuple[str, str | None, bool]]:
    """(from, until, active) of every decision with ``outcome``, in date order."""
    return sorted(
        (d.from_.isoformat(), d.until.isoformat() if d.until else None, d.active)
        for d in evaluation.decisions
        if d.outcome == outcome
    )


def duties(evaluation: Evaluation, name: str) -> list[str]:
    return sorted(d.on.isoformat() for d in evaluation.duties if d.name == name)


def deadline(evaluation: Evaluation, name: str, start: str | None = None) -> Deadline:
    found = [
        d
        for d in evaluation.deadlines
        if d.name == name and (start is None or d.start == day(start))
    ]
    assert len(found) == 1, (name, start, [(d.name, d.start, d.due) for d in evaluation.deadlines])
    return found[0]


def values(item: Any) -> dict[str, Any]:
    return {reason.name: reason.value for reason in item.because}


def cited(item: Any) -> set[tuple[int, int | None]]:
    return {(c.article, c.item) for c in item.cites}


def loaded_scenario(name: str) -> Any:
    return _loaded(name)


@functools.cache
def _loaded(name: str) -> Any:
    return load_scenario(SCENARIOS / f"{name}.scenario.yaml")


@functools.cache
def scenario(name: str) -> Evaluation:
    """The evaluation of a scenario file (evaluations are frozen, so one per file is shared)."""
    loaded = _loaded(name)
    engine = ENGINE if loaded.ruleset.digest == RULESET.digest else Engine(loaded.ruleset)
    return engine.evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)


def comparable(evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation without its ruleset reference (a layer has its own id and digest)."""
    dumped = evaluation.model_dump(mode="json")
    return {key: dumped[key] for key in ("as_of", "decisions", "deadlines", "duties")}


# -- the scenario files -----------------------------------------------------------------------


def test_the_ganzhou_scenarios_are_there() -> None:
    assert len(GANZHOU_SCENARIOS) >= 60, [p.name for p in GANZHOU_SCENARIOS]


def test_every_executable_article_has_scenarios_named_after_it() -> None:
    executable = {a.number for a in RULESET.articles if a.role == "executable"}
    assert executable == {
        2,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        17,
        18,
        19,
        20,
        21,
        22,
        23,
        24,
        25,
        30,
    }
    named = {
        int(match.group(1))
        for path in GANZHOU_SCENARIOS
        if (match := re.match(r"art(\d+)-", path.name))
    }
    assert executable <= named, f"articles without a scenario: {sorted(executable - named)}"


def test_every_article_scenario_says_what_it_tests_and_what_to_expect() -> None:
    # Read as plain YAML: the runs are in test_lianyungang_scenarios.py, which collects
    # rulesets/*/scenarios (and accepts a file without expect:, as the example is).
    lacking = []
    for path in GANZHOU_SCENARIOS:
        if not path.name.startswith("art"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("ruleset") != "ganzhou-2023" or len(data.get("description") or "") < 40:
            lacking.append(f"{path.name}: ruleset or description")
        if not isinstance(data.get("expect"), dict):
            lacking.append(f"{path.name}: no expect: block")
    assert not lacking, lacking


# -- Art 2: credit subjects -------------------------------------------------------------------


def test_art2_every_kind_the_article_names_is_a_subject_kind() -> None:
    assert set(RULESET.subject_kinds) == {
        "medical_institution",
        "retail_pharmacy",
        "insurance_agency",
        "pharma_supplier",
        "insured_person",
        "other_unit",
        "other_individual",
    }
    result = scenario("art02-every-kind-of-subject-is-a-credit-subject")
    assert {d.subject for d in result.decisions if d.outcome == "reduced_supervision"} == {
        "mi1",
        "ph1",
        "ag1",
        "su1",
        "p1",
        "u1",
        "i1",
    }


def test_art2_a_kind_the_article_does_not_name_is_refused() -> None:
    with pytest.raises(CreditRulesError) as raised:
        evaluate([published("e1", "2024-09-27", 90)], "2024-10-08", kind="hospital_ward")
    assert "hospital_ward" in str(raised.value) and "subjects[0].kind" in str(raised.value)


# -- Arts 5–6: information ------------------------------------------------------------------


def test_art5_each_kind_of_information_is_recorded_with_its_kind() -> None:
    result = scenario("art05-information-of-every-kind-is-recorded")
    records = [d for d in result.duties if d.name == "record_information"]
    assert sorted(d.on.isoformat() for d in records) == [
        "2024-02-01",
        "2024-02-02",
        "2024-02-04",
        "2024-02-05",
        "2024-02-06",
        "2024-02-06",
    ]
    assert {str(values(d)["information_kind"]) for d in records} == {
        "basic_info_legal_person",
        "basic_info_natural_person",
        "agreement_performance",
        "administrative_action",
        "industry_self_regulation",
        "other_information",
    }
    assert all(cited(d) == {(5, None), (6, None)} for d in records)
    assert result.decisions == ()


def test_art6_each_channel_is_recorded_with_the_information() -> None:
    result = scenario("art06-information-from-every-channel-is-recorded")
    records = sorted(
        (d for d in result.duties if d.name == "record_information"), key=lambda d: d.on
    )
    assert [(d.on.isoformat(), str(values(d)["information_source"])) for d in records] == [
        ("2024-03-04", "self_reported"),
        ("2024-03-05", "business_system"),
        ("2024-03-06", "supervision"),
        ("2024-03-07", "credit_platform"),
        ("2024-03-08", "other_channel"),
    ]


def test_art5_an_unknown_kind_of_information_is_refused() -> None:
    with pytest.raises(CreditRulesError) as raised:
        evaluate(
            [
                {
                    "type": "information_collected",
                    "information": "i1",
                    "kind": "gossip",
                    "source": "self_reported",
                    "date": "2024-03-01",
                }
            ],
            "2024-03-01",
        )
    assert "events[0].kind" in str(raised.value)


# -- Arts 7–9: commitments ------------------------------------------------------------------


def test_art7_a_commitment_is_recorded_on_the_day_it_is_made() -> None:
    result = scenario("art07-commitment-is-recorded")
    assert duties(result, "record_commitment") == ["2024-04-01"]
    assert result.decisions == ()


def test_art8_the_commitment_record_cites_the_articles_on_its_content() -> None:
    result = scenario("art08-commitment-content-is-recorded")
    (record,) = [d for d in result.duties if d.name == "record_commitment"]
    assert record.on == day("2024-04-02")
    assert {7, 8} <= {article for article, _ in cited(record)}


def test_art9_a_breached_commitment_is_recorded_as_dishonesty_information() -> None:
    result = scenario("art09-breached-commitment-is-recorded-as-dishonesty")
    breaches = [d for d in result.duties if d.name == "record_breach_as_dishonesty"]
    # c1 was made and breached; c2 was never made, so there is no commitment to have broken.
    assert [d.on.isoformat() for d in breaches] == ["2024-06-03"]
    assert cited(breaches[0]) == {(9, None), (24, None)}
    assert values(breaches[0])["commitments_on_record"] == 1
    assert result.decisions == ()


# -- Arts 11 and 14: grade and supervision ---------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade", "outcome"),
    [
        (100, "A", "reduced_supervision"),
        (90, "A", "reduced_supervision"),
        (89, "B", "general_supervision"),
        (80, "B", "general_supervision"),
        (79, "C", "general_supervision"),
        (65, "C", "general_supervision"),
        (64, "D", "intensified_supervision"),
        (0, "D", "intensified_supervision"),
    ],
)
def test_art11_grade_band_edges_decide_the_art14_supervision(
    score: int, grade: str, outcome: str
) -> None:
    result = evaluate([published("e1", "2024-09-27", score)], "2024-10-08")
    (supervision,) = [d for d in result.decisions if d.outcome.endswith("_supervision")]
    assert supervision.outcome == outcome
    assert (supervision.from_, supervision.until, supervision.active) == (
        day("2024-09-27"),
        None,
        True,
    )
    assert values(supervision)["grade"] == grade
    assert values(supervision)["score"] == score
    assert cited(supervision) == {(14, None)}


def test_art11_the_bureau_can_replace_the_table_without_python() -> None:
    # Art 11 delegates the table; an analyst raising the A band to 95 makes 92 a B.
    stricter = Engine(with_parameters(RULESET, {"grade_a_min": 95}))
    result = evaluate([published("e1", "2024-09-27", 92)], "2024-10-08", engine=stricter)
    (supervision,) = [d for d in result.decisions if d.outcome.endswith("_supervision")]
    assert supervision.outcome == "general_supervision"
    assert values(supervision)["grade"] == "B"
    assert values(supervision)["grade_a_min"] == 95


def test_art14_grade_b_is_good_under_the_other_reading_of_the_interpretation() -> None:
    variant = Engine(with_parameters(RULESET, {"grade_b_is_good": True}))
    result = evaluate([published("e1", "2024-09-27", 85)], "2024-10-08", engine=variant)
    assert "reduced_supervision" in result.outcomes("s1")
    default = evaluate([published("e1", "2024-09-27", 85)], "2024-10-08")
    assert "general_supervision" in default.outcomes("s1")


@pytest.mark.parametrize(
    ("score", "risk_found", "outcome"),
    [
        (92, True, "general_supervision"),
        (92, False, "reduced_supervision"),
        (70, True, "general_supervision"),
        (70, False, None),
        (50, True, "intensified_supervision"),
    ],
)
def test_art14_by_risk_finding_general_supervision_follows_the_finding(
    score: int, risk_found: bool, outcome: str | None
) -> None:
    # "对有违法失信风险的…进行一般性监管": under by_risk_finding the middle tier follows the
    # bureau's finding, not the grade; a poor grade (D) still intensifies supervision.
    variant = Engine(with_parameters(RULESET, {"general_supervision_on_risk_finding": True}))
    event = {**published("e1", "2024-09-27", score), "risk_found": risk_found}
    result = evaluate([event], "2024-10-08", engine=variant)
    found = [d.outcome for d in result.decisions if d.outcome.endswith("_supervision")]
    assert found == ([] if outcome is None else [outcome])
    assert scenario("art14-risk-finding-is-not-read-under-the-grade-reading").outcomes("ph1") >= {
        "reduced_supervision"
    }


def test_art14_a_severe_unremedied_determination_grades_d_and_says_why() -> None:
    result = scenario("art14-severe-determination-grades-d")
    (supervision,) = [d for d in result.decisions if d.outcome == "intensified_supervision"]
    reasons = values(supervision)
    assert reasons["grade"] == "D"
    assert reasons["score"] == 95
    assert reasons["severe_unremedied"] == 1


def test_art14_a_granted_repair_lifts_grade_d_and_a_refused_one_does_not() -> None:
    granted = scenario("art14-granted-repair-lifts-grade-d")
    refused = scenario("art14-refused-repair-keeps-grade-d")
    assert granted.outcomes("mi1") >= {"reduced_supervision"}
    assert "intensified_supervision" not in granted.outcomes("mi1")
    assert "intensified_supervision" in refused.outcomes("mi1")
    (lifted,) = [d for d in granted.decisions if d.outcome == "reduced_supervision"]
    assert values(lifted)["severe_unremedied"] == 0 and values(lifted)["grade"] == "A"


def test_art14_judicial_referral_only_where_a_crime_is_suspected() -> None:
    result = scenario("art14-judicial-referral-when-crime-suspected")
    assert spans(result, "judicial_referral") == [("2024-05-06", "2024-05-06", True)]
    (referral,) = [d for d in result.decisions if d.outcome == "judicial_referral"]
    assert cited(referral) == {(14, None)}
    assert "移送司法机关" in referral.cites[0].zh


def test_art13_a_later_result_supersedes_the_earlier_supervision() -> None:
    result = scenario("art13-later-evaluation-supersedes-earlier")
    assert spans(result, "intensified_supervision") == [("2024-09-27", "2025-09-25", False)]
    assert spans(result, "reduced_supervision") == [("2025-09-26", None, True)]
    assert result.outcomes("mi1") == {"reduced_supervision", "report_formed"}


def test_art13_an_unremedied_severe_record_is_scored_again_next_cycle() -> None:
    result = scenario("art13-unremedied-severe-determination-carries-into-next-cycle")
    current = [d for d in result.decisions if d.active and d.outcome.endswith("_supervision")]
    assert [(d.outcome, d.from_) for d in current] == [
        ("intensified_supervision", day("2025-09-26"))
    ]
    assert values(current[0])["grade"] == "D"


# -- Art 12 and Art 20: publicity and the objection window -----------------------------------


def test_art12_publicity_of_result_published_2024_09_27_ends_2024_10_12() -> None:
    # 09-29 (Sun, adjusted workday) 1, 09-30 2, rest 10-01..10-07, 10-08..10-11 3-6,
    # 10-12 (Sat, adjusted workday) 7.
    result = scenario("art12-publicity-last-day")
    publicity = deadline(result, "publicity_ends")
    assert (publicity.start, publicity.due) == (day("2024-09-27"), day("2024-10-12"))
    assert (publicity.count, publicity.unit) == (7, "working_days")
    assert not publicity.provisional and publicity.excluded == ()
    assert cited(publicity) == {(12, None)}
    # Cross-check on the calendar module (not the source of the expectation).
    assert default_calendar().add_working_days(day("2024-09-27"), 7) == day("2024-10-12")


def test_art12_the_day_after_publicity_the_deadline_is_the_same_and_no_report_yet() -> None:
    last, after = scenario("art12-publicity-last-day"), scenario("art12-publicity-day-after")
    assert deadline(after, "publicity_ends").due == day("2024-10-12")
    assert deadline(last, "publicity_ends") == deadline(after, "publicity_ends")
    assert "report_formed" not in after.outcomes("ph1")


def test_art20_objection_window_of_result_published_2024_09_27_closes_2024_10_23() -> None:
    result = scenario("art12-no-report-on-last-day-of-objection-window")
    window = deadline(result, "objection_window_closes")
    assert (window.start, window.due, window.count) == (day("2024-09-27"), day("2024-10-23"), 15)
    assert not window.provisional
    assert cited(window) == {(20, None)}


def test_art12_the_report_is_formed_the_day_after_the_window_not_on_its_last_day() -> None:
    last = scenario("art12-no-report-on-last-day-of-objection-window")
    after = scenario("art12-report-formed-day-after-objection-window")
    assert not [d for d in last.decisions if d.outcome == "report_formed" and d.from_ <= last.as_of]
    assert spans(after, "report_formed") == [("2024-10-24", None, True)]
    (report,) = [d for d in after.decisions if d.outcome == "report_formed"]
    assert {12, 20} <= {article for article, _ in cited(report)}
    assert values(report)["timely_written_objections"] == 0


@pytest.mark.parametrize(
    ("name", "published_on", "publicity_due", "window_due"),
    [
        # Spring Festival 2025: rest 01-28..02-04; adjusted workdays Sun 01-26, Sat 02-08.
        ("art12-spring-festival-2025-window-last-day", "2025-01-24", "2025-02-10", "2025-02-20"),
        # Spring Festival 2024: rest 02-10..02-17; adjusted workdays Sun 02-04, Sun 02-18.
        ("art12-spring-festival-2024-window-last-day", "2024-02-02", "2024-02-18", "2024-02-28"),
        # National Day + Mid-Autumn 2025: rest 10-01..10-08; adjusted Sun 09-28, Sat 10-11.
        ("art12-national-day-2025-window-last-day", "2025-09-26", "2025-10-13", "2025-10-23"),
    ],
)
def test_art12_publicity_and_art20_window_across_holidays(
    name: str, published_on: str, publicity_due: str, window_due: str
) -> None:
    result = scenario(name)
    publicity = deadline(result, "publicity_ends")
    window = deadline(result, "objection_window_closes")
    assert (publicity.start, publicity.due) == (day(published_on), day(publicity_due))
    assert (window.start, window.due) == (day(published_on), day(window_due))
    assert not publicity.provisional and not window.provisional
    assert "report_formed" not in {d.outcome for d in result.active()}


def test_art12_publicity_across_spring_festival_2024_ends_on_an_adjusted_sunday() -> None:
    due = deadline(scenario("art12-spring-festival-2024-window-last-day"), "publicity_ends").due
    assert due == day("2024-02-18") and due.weekday() == 6
    assert default_calendar().is_working_day(due)


def test_art20_window_counts_from_the_end_of_publicity_under_the_other_reading() -> None:
    # Interpretation objection_window_anchor, alternative from_publicity_end: 15 working days
    # from 2024-10-12: 10-14..10-18 1-5, 10-21..10-25 6-10, 10-28..11-01 11-15.
    variant = Engine(with_parameters(RULESET, {"objection_window_from_publicity_end": True}))
    events = [published("e1", "2024-09-27", 78)]
    result = evaluate([*events, objection("o1", "2024-11-01")], "2024-11-01", engine=variant)
    assert deadline(result, "objection_window_closes").due == day("2024-11-01")
    assert spans(result, "objection_admitted") == [("2024-11-01", "2024-11-01", True)]
    late = evaluate([*events, objection("o1", "2024-11-02")], "2024-11-02", engine=variant)
    assert spans(late, "objection_late") == [("2024-11-02", "2024-11-02", True)]
    # Under the default reading the same 2024-10-24 objection is late.
    default = evaluate([*events, objection("o1", "2024-10-24")], "2024-10-24")
    assert spans(default, "objection_late") == [("2024-10-24", "2024-10-24", True)]


def test_art20_a_window_in_calendar_days_ends_where_its_deadline_does() -> None:
    """Civil Code Art 203: a period whose last day is a statutory rest day ends on the day the
    rest ends. With the window set to 15 calendar days, a result published 2025-09-17 reaches
    its 15th day on 2025-10-02, inside the National Day rest (10-01..10-08), so the last day to
    object is 2025-10-09. The deadline said so, but the facts that judge an objection in time
    and form the report stopped at 2025-10-02: an objection on 10-09 was late, and without one
    the report formed on 10-03, while the window was still open."""
    calendar_days = Engine(with_parameters(RULESET, {"objection_window": "15 days"}))
    events = [published("e1", "2025-09-17", 78)]
    quiet = evaluate(events, "2025-10-10", engine=calendar_days)
    assert deadline(quiet, "objection_window_closes").due == day("2025-10-09")
    assert spans(quiet, "report_formed") == [("2025-10-10", None, True)]
    on_time = evaluate([*events, objection("o1", "2025-10-09")], "2025-10-09", engine=calendar_days)
    assert spans(on_time, "objection_admitted") == [("2025-10-09", "2025-10-09", True)]
    assert not spans(on_time, "objection_late")
    late = evaluate([*events, objection("o1", "2025-10-10")], "2025-10-10", engine=calendar_days)
    assert spans(late, "objection_late") == [("2025-10-10", "2025-10-10", True)]
    # A 15th day that is a working day is the last day, as before.
    plain = evaluate([published("e1", "2025-09-01", 78)], "2025-09-17", engine=calendar_days)
    assert deadline(plain, "objection_window_closes").due == day("2025-09-16")
    assert spans(plain, "report_formed") == [("2025-09-17", None, True)]
    assert not any(d.provisional for d in plain.decisions)
    # Whether a 15th day is a rest day is the holiday schedule's to say: with 2025 unpublished,
    # a window ending on 2025-01-04 gives a report that says it is provisional.
    unsure = Engine(
        with_parameters(RULESET, {"objection_window": "15 days"}),
        calendar=_with_unpublished(2025),
    )
    guessed = evaluate([published("e1", "2024-12-20", 78)], "2024-12-23", engine=unsure)
    (report,) = [d for d in guessed.decisions if d.outcome == "report_formed"]
    assert report.provisional


def test_art12_report_is_not_formed_before_the_objection_window_closes() -> None:
    # Art 20: until the 15 working days have run, anyone may still object in writing; only
    # "逾期未提出异议" counts as no objection, and Art 12 forms the report once there is none.
    # An objection decided on 2024-10-14 therefore cannot form the report before 2024-10-24.
    result = evaluate(
        [
            published("e1", "2024-09-27", 78),
            objection("o1", "2024-10-10"),
            decided("o1", "2024-10-14"),
        ],
        "2024-10-24",
    )
    assert duties(result, "notify_objection_result") == ["2024-10-14"]
    reports = spans(result, "report_formed")
    assert reports and all(start >= "2024-10-24" for start, _, _ in reports), reports


def test_art12_deciding_a_late_objection_does_not_form_the_report_while_a_timely_one_waits() -> (
    None
):
    # o1 is timely and undecided; o2 is late (deemed no objection) and answered on 2024-10-25.
    # The content still meets a pending objection, so no credit report yet (Art 12).
    result = evaluate(
        [
            published("e1", "2024-09-27", 78),
            objection("o1", "2024-10-10"),
            objection("o2", "2024-10-24"),
            decided("o2", "2024-10-25"),
        ],
        "2024-10-28",
    )
    assert spans(result, "objection_late") == [("2024-10-24", "2024-10-24", False)]
    assert spans(result, "report_formed") == []


def test_art12_answering_an_oral_objection_does_not_form_the_report() -> None:
    result = evaluate(
        [
            published("e1", "2024-09-27", 78),
            objection("o1", "2024-10-10"),
            objection("o2", "2024-10-11", written=False),
            decided("o2", "2024-10-14"),
        ],
        "2024-10-28",
    )
    assert spans(result, "report_formed") == []


# -- Arts 17–20: objections -------------------------------------------------------------------


def test_art17_an_objection_to_information_is_decided_within_15_working_days() -> None:
    # Filed Mon 2024-05-06: 05-07..05-10 1-4, Sat 05-11 (adjusted workday) 5, 05-13..05-17
    # 6-10, 05-20..05-24 11-15.
    result = scenario("art17-objection-to-credit-information")
    due = deadline(result, "objection_decision_due")
    assert (due.start, due.due, due.count) == (day("2024-05-06"), day("2024-05-24"), 15)
    assert not due.provisional and due.excluded == ()


def test_art18_every_ground_is_admitted_and_each_gets_its_decision_due() -> None:
    result = scenario("art18-every-ground-may-be-raised")
    admitted = [d for d in result.decisions if d.outcome == "objection_admitted"]
    assert len(admitted) == 6
    assert all({18, 19, 20} <= {a for a, _ in cited(d)} for d in admitted)
    dues = [d for d in result.deadlines if d.name == "objection_decision_due"]
    # 10-11 1, Sat 10-12 2, 10-14..10-18 3-7, 10-21..10-25 8-12, 10-28..10-30 13-15.
    assert [d.due for d in dues] == [day("2024-10-30")] * 6


def test_art18_an_unknown_ground_is_refused() -> None:
    with pytest.raises(CreditRulesError) as raised:
        evaluate([objection("o1", "2024-10-10", ground="dislike")], "2024-10-10")
    assert "events[0].ground" in str(raised.value)


def test_art19_an_objection_is_timed_against_the_evaluation_it_names() -> None:
    result = scenario("art19-objection-is-judged-against-the-evaluation-it-names")
    late = [d for d in result.decisions if d.outcome == "objection_late"]
    admitted = [d for d in result.decisions if d.outcome == "objection_admitted"]
    assert [values(d)["window_last_day_for_objection"] for d in late] == [day("2024-02-04")]
    assert [values(d)["window_last_day_for_objection"] for d in admitted] == [day("2024-10-23")]
    assert [d.start for d in result.deadlines if d.name == "objection_decision_due"] == [
        day("2024-10-10")
    ]


def test_art20_objection_on_the_last_day_is_admitted_and_the_day_after_is_late() -> None:
    last = scenario("art20-objection-on-last-day-of-window-is-admitted")
    after = scenario("art20-objection-day-after-window-is-late")
    assert spans(last, "objection_admitted") == [("2024-10-23", "2024-10-23", False)]
    assert spans(after, "objection_late") == [("2024-10-24", "2024-10-24", True)]
    (late,) = [d for d in after.decisions if d.outcome == "objection_late"]
    assert values(late)["window_last_day_for_objection"] == day("2024-10-23")
    assert cited(late) == {(20, None)}
    # A late objection is deemed none: nothing to decide, no decision due.
    assert [d for d in after.deadlines if d.name == "objection_decision_due"] == []
    # Filed 2024-10-23: 10-24, 10-25, 10-28..11-01, 11-04..11-08, 11-11..11-13 = 15.
    assert deadline(last, "objection_decision_due").due == day("2024-11-13")


def test_art20_an_objection_not_in_writing_counts_as_none() -> None:
    result = scenario("art20-objection-not-in-writing")
    assert spans(result, "objection_not_in_writing") == [("2024-10-10", "2024-10-10", False)]
    assert spans(result, "objection_admitted") == []
    assert [d for d in result.deadlines if d.name == "objection_decision_due"] == []
    assert spans(result, "report_formed") == [("2024-10-24", None, True)]


def test_art20_suspension_for_expert_review_is_not_counted() -> None:
    # Filed 2024-10-10; without a pause: 10-11 1, Sat 10-12 2, 10-14 3, ..., 10-30 15. The
    # expert review 10-15..10-18 holds 4 working days, so: 10-31, 11-01, 11-04, 11-05.
    result = scenario("art20-suspension-for-expert-review")
    due = deadline(result, "objection_decision_due")
    assert (due.start, due.due) == (day("2024-10-10"), day("2024-11-05"))
    assert [(p.first, p.last, p.reason) for p in due.excluded] == [
        (day("2024-10-15"), day("2024-10-18"), "expert_review")
    ]
    assert due.count == 15 and not due.provisional
    plain = evaluate(
        [published("e1", "2024-09-27", 78), objection("o1", "2024-10-10")], "2024-10-21"
    )
    assert deadline(plain, "objection_decision_due").due == day("2024-10-30")


@pytest.mark.parametrize("reason", ["inspection", "testing", "appraisal", "expert_review"])
def test_art20_each_reason_of_the_article_stops_the_clock(reason: str) -> None:
    events = [
        published("e1", "2024-09-27", 78),
        objection("o1", "2024-10-10"),
        suspended("o1", "2024-10-21", "2024-10-21", reason),  # one working day (a Monday)
    ]
    due = deadline(evaluate(events, "2024-10-21"), "objection_decision_due")
    assert due.due == day("2024-10-31")
    assert [p.reason for p in due.excluded] == [reason]


def test_art20_a_suspension_over_rest_days_only_moves_nothing() -> None:
    events = [
        published("e1", "2024-09-27", 78),
        objection("o1", "2024-10-10"),
        suspended("o1", "2024-10-19", "2024-10-20"),  # Sat–Sun, not working days
    ]
    assert deadline(evaluate(events, "2024-10-21"), "objection_decision_due").due == day(
        "2024-10-30"
    )


def test_art20_two_suspensions_add_up() -> None:
    # 10-15..10-16 (2 working days) and 10-22 (1): 10-30 + 3 = 10-31, 11-01, 11-04.
    events = [
        published("e1", "2024-09-27", 78),
        objection("o1", "2024-10-10"),
        suspended("o1", "2024-10-15", "2024-10-16", "testing"),
        suspended("o1", "2024-10-22", "2024-10-22", "appraisal"),
    ]
    due = deadline(evaluate(events, "2024-10-23"), "objection_decision_due")
    assert due.due == day("2024-11-04")
    assert len(due.excluded) == 2


def test_art20_the_suspension_of_another_objection_does_not_count() -> None:
    events = [
        published("e1", "2024-09-27", 78),
        objection("o1", "2024-10-10"),
        objection("o2", "2024-10-10", ground="record_error_or_omission"),
        suspended("o2", "2024-10-15", "2024-10-18"),
    ]
    result = evaluate(events, "2024-10-21")
    dues = {
        values(d)["trigger"]: d.due for d in result.deadlines if d.name == "objection_decision_due"
    }
    assert sorted(dues.values()) == [day("2024-10-30"), day("2024-11-05")]


def test_art20_decision_due_across_spring_festival_2025_is_2025_02_20() -> None:
    # Filed Fri 2025-01-24: Sun 01-26 1, 01-27 2, rest 01-28..02-04, 02-05..02-07 3-5,
    # Sat 02-08 6, 02-10..02-14 7-11, 02-17..02-20 12-15.
    result = scenario("art20-decision-due-across-spring-festival-2025")
    due = deadline(result, "objection_decision_due")
    assert (due.start, due.due) == (day("2025-01-24"), day("2025-02-20"))
    assert deadline(result, "objection_window_closes").due == day("2025-02-07")


def test_art20_an_upheld_objection_adjusts_the_result_from_the_decision() -> None:
    result = scenario("art20-upheld-objection-adjusts-the-score")
    assert spans(result, "general_supervision") == [("2024-09-27", "2024-10-29", False)]
    assert spans(result, "reduced_supervision") == [("2024-10-30", None, True)]
    (reduced,) = [d for d in result.decisions if d.outcome == "reduced_supervision"]
    assert values(reduced)["score"] == 91 and values(reduced)["grade"] == "A"
    assert duties(result, "notify_objection_result") == ["2024-10-30"]


# -- Art 15: severe cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "subject", "ban", "refused"),
    [
        ("art15-pharmacy-ban-last-day", "ph1", ("2024-03-15", "2027-03-15", True), True),
        ("art15-pharmacy-ban-day-after", "ph1", ("2024-03-15", "2027-03-15", False), False),
        ("art15-medical-institution-ban-last-day", "mi1", ("2024-02-29", "2027-02-28", True), True),
        (
            "art15-medical-institution-ban-day-after",
            "mi1",
            ("2024-02-29", "2027-02-28", False),
            False,
        ),
    ],
)
def test_art15_the_ban_lasts_three_years_to_its_last_day_inclusive(
    name: str, subject: str, ban: tuple[str, str, bool], refused: bool
) -> None:
    result = scenario(name)
    assert spans(result, "application_ban") == [ban]
    refusals = [d for d in result.decisions if d.outcome == "qualification_application_refused"]
    assert bool(refusals) == refused
    for decision in [*refusals, *(d for d in result.decisions if d.outcome == "application_ban")]:
        assert cited(decision) == {(15, None)}


def test_art15_the_supplier_follows_procurement_rules_and_the_explanation_says_so() -> None:
    result = scenario("art15-supplier-follows-procurement-rules")
    assert result.decisions == ()
    (duty,) = [d for d in result.duties if d.name == "apply_procurement_rules"]
    assert duty.on == day("2024-03-15") and cited(duty) == {(15, None)}
    # Issue 4 (6): the procurement rules lie outside this ruleset "and the explanation says so";
    # a person sees the duty's reasons and its line in the text output.
    explained = " ".join(r.en for r in duty.because) + "\n" + render_text(result)
    assert "outside this ruleset" in explained, explained


@pytest.mark.parametrize("kind", ["insured_person", "insurance_agency", "other_unit"])
def test_art15_the_ban_is_for_designated_institutions_only(kind: str) -> None:
    result = evaluate(
        [
            {"type": "agreement_terminated", "date": "2024-03-15"},
            {"type": "qualification_applied", "date": "2025-06-10"},
        ],
        "2025-06-10",
        kind=kind,
    )
    assert result.decisions == ()
    assert duties(result, "apply_procurement_rules") == []


def test_art15_an_application_before_the_termination_is_not_refused() -> None:
    result = scenario("art15-application-before-termination-is-not-refused")
    assert spans(result, "qualification_application_refused") == []


# -- Arts 21–25: repair ----------------------------------------------------------------------


def test_art21_a_granted_repair_stops_publication_on_the_day() -> None:
    result = scenario("art21-granted-repair-stops-publicity")
    (stop,) = [d for d in result.duties if d.name == "stop_dishonesty_publicity"]
    assert stop.on == day("2024-05-20")
    assert {21, 25} <= {a for a, _ in cited(stop)}


def test_art22_repair_of_a_record_never_determined_is_not_admissible() -> None:
    # Art 22: only "失信的信用主体" may apply, for a dishonesty the department determined. With
    # no determination of record zz there is nothing to repair: the engine must refuse the
    # input or the application, not find it admissible.
    try:
        result = evaluate([applied("a1", "zz", "2024-10-08")], "2024-10-08")
    except CreditRulesError:
        return
    assert spans(result, "repair_admissible") == []


def test_art22_a_written_complete_application_after_the_wait_is_admissible() -> None:
    result = scenario("art22-written-complete-application-is-admissible")
    (admissible,) = [d for d in result.decisions if d.outcome == "repair_admissible"]
    reasons = values(admissible)
    assert reasons["applied_too_soon"] is False
    assert reasons["wait_last_day"] == day("2024-04-15")
    assert reasons["same_category_recurrences"] == 0


@pytest.mark.parametrize(
    ("name", "applied_on", "outcome", "until"),
    [
        ("art23-repair-three-months-minus-a-day", "2024-09-02", "repair_refused", "2024-12-31"),
        ("art23-repair-on-last-day-of-three-months", "2024-09-03", "repair_refused", "2024-12-31"),
        ("art23-repair-day-after-three-months", "2024-09-04", "repair_admissible", "2024-09-04"),
    ],
)
def test_art23_1_three_months_from_2024_06_03_end_on_2024_09_03(
    name: str, applied_on: str, outcome: str, until: str
) -> None:
    result = scenario(name)
    assert [(d.outcome, d.from_, d.until) for d in result.decisions] == [
        (outcome, day(applied_on), day(until))
    ]
    (decision,) = result.decisions
    assert values(decision)["wait_last_day"] == day("2024-09-03")
    if outcome == "repair_refused":
        assert cited(decision) == {(23, 1)}
        assert values(decision)["applied_too_soon"] is True


def test_art23_the_refusal_lasts_to_31_december_and_not_after() -> None:
    last = scenario("art23-refusal-lasts-to-31-december")
    after = scenario("art23-refusal-over-in-the-new-year")
    assert spans(last, "repair_refused") == [("2024-09-03", "2024-12-31", True)]
    assert spans(after, "repair_refused") == [("2024-09-03", "2024-12-31", False)]
    assert spans(after, "repair_admissible") == [("2025-01-02", "2025-01-02", True)]


def test_art23_twelve_months_reading_refuses_for_a_year_from_the_application() -> None:
    variant = Engine(with_parameters(RULESET, {"repair_ban_to_year_end": False}))
    events = [determined("d1", "2024-06-03"), applied("a1", "d1", "2024-09-03")]
    result = evaluate(events, "2025-01-02", engine=variant)
    assert spans(result, "repair_refused") == [("2024-09-03", "2025-09-03", True)]


def test_art23_a_second_application_the_same_year_is_still_refused() -> None:
    result = scenario("art23-second-application-same-year-still-refused")
    assert spans(result, "repair_admissible") == []
    assert [d.from_ for d in result.decisions if d.outcome == "repair_refused"] == [
        day("2024-09-03"),
        day("2024-10-08"),
    ]


def test_art23_1_three_months_from_30_november_end_on_28_february() -> None:
    refused = scenario("art23-month-end-last-day-of-three-months")
    admitted = scenario("art23-month-end-day-after-three-months")
    assert spans(refused, "repair_refused") == [("2025-02-28", "2025-12-31", True)]
    assert spans(admitted, "repair_admissible") == [("2025-03-01", "2025-03-01", True)]


def test_art23_2_recurrence_of_the_same_category_is_cited_as_item_2() -> None:
    result = scenario("art23-recurrence-of-same-category")
    (refusal,) = [d for d in result.decisions if d.outcome == "repair_refused"]
    assert cited(refusal) == {(23, 2)}
    assert values(refusal)["same_category_recurrences"] == 1
    assert (refusal.from_, refusal.until) == (day("2024-05-06"), day("2024-12-31"))
    other = scenario("art23-recurrence-of-other-category-does-not-bar")
    assert spans(other, "repair_refused") == []


def test_art23_2_the_repair_period_runs_until_the_decision() -> None:
    undecided = scenario("art23-recurrence-after-application-before-decision-bars-repair")
    assert spans(undecided, "repair_refused") == [("2024-05-10", "2024-12-31", True)]
    before = scenario("art23-recurrence-the-day-before-the-decision-bars-repair")
    (refusal,) = [d for d in before.decisions if d.outcome == "repair_refused"]
    assert cited(refusal) == {(23, 2)} and values(refusal)["same_category_recurrences"] == 1
    for name in (
        "art23-recurrence-on-the-decision-day-is-not-counted",
        "art23-recurrence-after-the-decision-is-not-counted",
    ):
        assert spans(scenario(name), "repair_refused") == [], name


def test_art23_2_the_application_day_reading_stays_selectable() -> None:
    loaded = _loaded("art23-recurrence-the-day-before-the-decision-bars-repair")
    engine = Engine(with_parameters(RULESET, {"recurrence_counts_until_decision": False}))
    result = engine.evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    assert spans(result, "repair_refused") == []
    assert spans(result, "repair_admissible") == [("2024-05-06", "2024-05-06", False)]


@pytest.mark.parametrize(
    ("name", "has_form", "has_evidence"),
    [
        ("art24-missing-application-and-commitment", False, True),
        ("art24-missing-rectification-evidence", True, False),
        ("art24-no-materials", False, False),
    ],
)
def test_art24_the_refusal_names_the_missing_material(
    name: str, has_form: bool, has_evidence: bool
) -> None:
    result = scenario(name)
    (refusal,) = [d for d in result.decisions if d.outcome == "repair_refused"]
    reasons = values(refusal)
    assert reasons["has_application_and_commitment"] is has_form
    assert reasons["has_rectification_evidence"] is has_evidence
    assert 24 in {a for a, _ in cited(refusal)}
    assert (refusal.from_, refusal.until) == (day("2024-09-04"), day("2024-09-04"))


def test_art25_repair_decision_due_15_working_days_after_acceptance() -> None:
    # Accepted Thu 2024-09-05: 09-06 1, 09-09..09-13 2-6, Sat 09-14 7, rest 09-15..09-17,
    # 09-18..09-20 8-10, 09-23..09-27 11-15.
    due = deadline(scenario("art25-decision-due-15-working-days"), "repair_decision_due")
    assert (due.start, due.due, due.count, due.extended_by) == (
        day("2024-09-05"),
        day("2024-09-27"),
        15,
        0,
    )
    assert not due.provisional and cited(due) == {(25, None)}


def test_art25_one_extension_of_15_working_days_is_allowed() -> None:
    # From 09-27: Sun 09-29 1, 09-30 2, rest 10-01..10-07, 10-08..10-11 3-6, Sat 10-12 7,
    # 10-14..10-18 8-12, 10-21..10-23 13-15.
    result = scenario("art25-one-extension-of-15-working-days")
    due = deadline(result, "repair_decision_due")
    assert (due.due, due.count, due.extended_by) == (day("2024-10-23"), 15, 15)
    assert duties(result, "stop_dishonesty_publicity") == ["2024-10-23"]


def test_art25_the_extension_of_another_application_does_not_count() -> None:
    # a2, an application for another record, is not yet accepted: its extension moves no
    # due date, and a1's stays where it was.
    events = [
        determined("d1", "2024-06-03"),
        determined("d2", "2024-06-10"),
        applied("a1", "d1", "2024-09-04"),
        applied("a2", "d2", "2024-09-10"),
        accepted("a1", "2024-09-05"),
        extended("a2", "2024-09-20", 10),
    ]
    due = deadline(evaluate(events, "2024-09-27"), "repair_decision_due")
    assert (due.due, due.extended_by) == (day("2024-09-27"), 0)


def test_art25_an_extension_of_an_application_never_made_is_refused() -> None:
    events = [*REPAIR, extended("a2", "2024-09-20", 10)]
    with pytest.raises(HistoryError, match=r"names application 'a2', which no repair_applied"):
        evaluate(events, "2024-09-27")


REPAIR = [
    determined("d1", "2024-06-03"),
    applied("a1", "d1", "2024-09-04"),
    accepted("a1", "2024-09-05"),
]


def test_art25_limits_the_length_of_the_extensions_not_their_number() -> None:
    # "延长期限最多不超过 15 个工作日": 5 + 5 working days, 10 in all, within the cap.
    result = scenario("art25-two-extensions-within-the-cap")
    due = deadline(result, "repair_decision_due")
    assert (due.due, due.count, due.extended_by) == (day("2024-10-16"), 15, 10)
    three = [*REPAIR, *(extended("a1", d, 5) for d in ("2024-09-20", "2024-10-09", "2024-10-15"))]
    assert deadline(evaluate(three, "2024-10-23"), "repair_decision_due").extended_by == 15


def test_art25_extensions_over_the_cap_are_an_error() -> None:
    with pytest.raises(ExtensionOverCap) as raised:
        scenario("art25-extensions-over-the-cap")
    assert "20" in str(raised.value) and "15" in str(raised.value)


def test_art25_extension_over_15_is_an_error() -> None:
    with pytest.raises(CreditRulesError) as raised:
        evaluate([*REPAIR, extended("a1", "2024-09-20", 16)], "2024-10-08")
    assert "16" in str(raised.value) and "15" in str(raised.value)


def test_art25_a_refusal_is_told_in_writing() -> None:
    result = scenario("art25-refusal-is-told-in-writing")
    (notice,) = [d for d in result.duties if d.name == "notify_repair_refusal"]
    assert notice.on == day("2024-09-20") and cited(notice) == {(25, None)}
    assert duties(result, "stop_dishonesty_publicity") == []


# -- provisional deadlines ---------------------------------------------------------------------


def last_friday_of_december(year: int) -> dt.date:
    last = dt.date(year, 12, 31)
    return last - dt.timedelta(days=(last.weekday() - 4) % 7)


def test_a_deadline_reaching_an_unpublished_year_is_provisional() -> None:
    calendar = default_calendar()
    through = calendar.published_through
    assert through is not None
    start = last_friday_of_december(through)
    result = evaluate([published("e1", start.isoformat(), 90)], start.isoformat())
    publicity = deadline(result, "publicity_ends")
    # Seven working days from the last Friday of December always reach into January.
    assert publicity.due.year == through + 1
    assert publicity.provisional
    assert publicity.provisional_reason and str(through + 1) in publicity.provisional_reason
    assert deadline(result, "objection_window_closes").provisional


def test_a_deadline_inside_the_published_years_is_not_provisional() -> None:
    through = default_calendar().published_through
    assert through is not None
    result = evaluate([published("e1", f"{through}-06-01", 90)], f"{through}-06-01")
    assert not deadline(result, "publicity_ends").provisional
    assert deadline(result, "publicity_ends").provisional_reason is None


def test_art12_publicity_from_2026_12_25_ends_provisionally_on_2027_01_06() -> None:
    # With only the statutory New Year's Day (1 Jan 2027, a Friday) known for 2027:
    # 12-28..12-31 1-4, 01-04 5, 01-05 6, 01-06 7. 2027's notice is not in the data yet.
    if default_calendar().published_through != 2026:
        pytest.fail("the calendar now has 2027's notice: recount this case by hand")
    result = evaluate([published("e1", "2026-12-25", 90)], "2026-12-25")
    publicity = deadline(result, "publicity_ends")
    assert (publicity.due, publicity.provisional) == (day("2027-01-06"), True)


def _with_unpublished(year: int) -> WorkingCalendar:
    """The default calendar with ``year`` as if its State Council notice were not out yet:
    the same days, so only what is provisional can differ."""
    base = default_calendar()
    return WorkingCalendar.from_schedules(
        dataclasses.replace(base.schedule(y), published=False) if y == year else base.schedule(y)
        for y in range(base.first_year, base.last_year + 1)
    )


def test_a_report_formed_on_working_days_counted_into_an_unpublished_year_is_provisional() -> None:
    """Art 12/20: the report forms the day after the 15-working-day window. Published Fri
    2024-12-20, the window runs into 2025; with 2025 unpublished the report's day rests on
    a guessed holiday schedule and says so, like the window's deadline. The supervision of
    the same evaluation counts no working day and is not provisional."""
    events = [published("e1", "2024-12-20", 78)]
    unsure = Engine(RULESET, calendar=_with_unpublished(2025))
    result = evaluate(events, "2024-12-23", engine=unsure)
    (report,) = [d for d in result.decisions if d.outcome == "report_formed"]
    assert report.from_.year == 2025 and report.provisional
    assert deadline(result, "objection_window_closes").provisional
    (supervision,) = [d for d in result.decisions if d.outcome == "general_supervision"]
    assert not supervision.provisional
    assert '"provisional":true' in report.json_text()
    # The same days on the calendar with 2025 published: nothing is provisional.
    known = evaluate(events, "2024-12-23")
    assert [(d.outcome, d.from_) for d in known.decisions] == [
        (d.outcome, d.from_) for d in result.decisions
    ]
    assert not any(d.provisional for d in known.decisions)


#: A layer with a duty owed on the day the report forms (the day after the objection window of
#: 15 working days): a duty whose day is counted in working days, which no bundled rule has.
DUTY_LAYER = """id: gz-report-notice
version: "1.0.1"
extends: ganzhou-2023
outcomes:
  - id: tell_subject_of_report
    kind: duty
    cites: [{article: 12}]
    description: {zh: 告知信用报告已形成, en: Tell the subject its credit report is formed}
rules:
  - id: art12_tell_subject_of_report
    description: {zh: 报告形成之日告知, en: Tell the subject on the day the report forms}
    cites: [{article: 12}]
    for_each: evaluation_published
    when: "timely_written_objections == 0"
    outcome: tell_subject_of_report
    from: next_day(objection_window_last_day)
"""


@pytest.mark.parametrize("backend", ["closures", "columnar"])
def test_a_duty_owed_on_a_day_counted_into_an_unpublished_year_is_provisional(
    tmp_path: Path, backend: Literal["closures", "columnar"]
) -> None:
    """The duty owed the day the report forms (Art 12) rests on the same count as the report:
    published Fri 2024-12-20, both fall in 2025. With 2025 unpublished both say so, in the
    tuple and in the JSON; with it published neither does, on the same day."""
    path = tmp_path / "layer.yaml"
    path.write_text(DUTY_LAYER, encoding="utf-8")
    layer = load_ruleset(path)
    # Arts 5–6: information collected in 2025 is recorded on its own day, counting nothing.
    collected = {
        "type": "information_collected",
        "information": "i1",
        "kind": "other_information",
        "source": "self_reported",
        "date": "2025-01-20",
    }
    events = [published("e1", "2024-12-20", 78), collected]
    unsure = Engine(layer, calendar=_with_unpublished(2025), backend=backend)
    result = evaluate(events, "2025-02-01", engine=unsure)
    (duty,) = [d for d in result.duties if d.name == "tell_subject_of_report"]
    (report,) = [d for d in result.decisions if d.outcome == "report_formed"]
    assert duty.on == report.from_ and duty.on.year == 2025
    assert duty.provisional and report.provisional
    assert '"provisional":true' in duty.json_text()
    assert duty.model_dump(mode="json")["provisional"] is True
    (line,) = [x for x in render_text(result).splitlines() if "rule art12_tell_subject" in x]
    assert "PROVISIONAL" in line
    # A duty on an event's own day counts nothing and stays certain, in 2025 too.
    (recorded,) = [d for d in result.duties if d.name == "record_information"]
    assert (recorded.on, recorded.provisional) == (day("2025-01-20"), False)
    known = evaluate(events, "2025-02-01", engine=Engine(layer, backend=backend))
    (certain,) = [d for d in known.duties if d.name == "tell_subject_of_report"]
    assert (certain.on, certain.provisional) == (duty.on, False)


def test_an_objection_answered_on_an_unpublished_window_is_provisional() -> None:
    """Art 20: whether an objection of 2025-01-10 is in time depends on the window counted
    through January 2025; with 2025 unpublished the answer is provisional."""
    unsure = Engine(RULESET, calendar=_with_unpublished(2025))
    events = [
        published("e1", "2024-12-20", 78),
        objection("o1", "2025-01-10"),
    ]
    result = evaluate(events, "2025-01-10", engine=unsure)
    (answer,) = [d for d in result.decisions if d.outcome.startswith("objection")]
    assert answer.outcome == "objection_admitted" and answer.provisional


def test_no_lianyungang_rule_counts_working_days() -> None:
    """Lianyungang counts in years and days only: none of its decisions is ever provisional."""
    program = Engine(bundled("lianyungang-2007"))._program
    assert not any(rule.counted for rule in program.rules)
    assert any(rule.counted for rule in ENGINE._program.rules)


def test_a_day_that_is_an_events_own_is_not_provisional() -> None:
    """Only counted days make a decision provisional. With 2025 unpublished: a late
    objection filed in February 2025 against a window that closed in June 2024 is late for
    certain; a report that forms the day after an objection was decided in January 2025,
    on a window that closed in December 2024, forms on that day for certain."""
    unsure = Engine(RULESET, calendar=_with_unpublished(2025))
    late = evaluate(
        [
            published("e1", "2024-06-03", 78),
            objection("o1", "2025-02-10"),
        ],
        "2025-02-10",
        engine=unsure,
    )
    (answer,) = [d for d in late.decisions if d.outcome.startswith("objection")]
    assert (answer.outcome, answer.provisional) == ("objection_late", False)
    decided = evaluate(
        [
            published("e1", "2024-11-20", 78),
            objection("o1", "2024-11-25"),
            {
                "type": "objection_decided",
                "objection": "o1",
                "evaluation": "e1",
                "result": "rejected",
                "date": "2025-01-06",
            },
        ],
        "2025-01-10",
        engine=unsure,
    )
    (report,) = [d for d in decided.decisions if d.outcome == "report_formed"]
    assert (report.from_, report.provisional) == (day("2025-01-07"), False)
    assert not deadline(decided, "objection_window_closes").provisional


def test_a_strict_calendar_refuses_a_provisional_deadline() -> None:
    through = default_calendar().published_through
    assert through is not None
    strict = Engine(RULESET, calendar=default_calendar().with_strict())
    start = last_friday_of_december(through).isoformat()
    with pytest.raises(CreditRulesError):
        evaluate([published("e1", start, 90)], start, engine=strict)


# -- Art 30: in force -------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["2024-01-12", "2023-12-13", "2020-01-01"])
def test_art30_evaluating_before_2024_01_13_raises_not_in_force(as_of: str) -> None:
    with pytest.raises(NotInForce) as raised:
        evaluate([], as_of)
    assert raised.value.in_force_from == IN_FORCE and raised.value.as_of == day(as_of)
    assert "2024-01-13" in str(raised.value)


def test_art30_in_force_on_2024_01_13_itself() -> None:
    result = scenario("art30-in-force-day")
    assert spans(result, "reduced_supervision") == [("2024-01-13", None, True)]


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_text_output_of_the_bundled_example_reads_well(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_main(["evaluate", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Ruleset ganzhou-2023 1.0.0 (sha256:")
    assert lines[0].endswith("as of 2024-10-21")
    expected = [
        "Subject ph1",
        # Score 78 is grade C: general supervision from publication (Arts 11, 14).
        "  general_supervision: 2024-09-27 to open-ended [ACTIVE on 2024-10-21]",
        # Written, within 15 working days of 2024-09-27 (to 2024-10-23).
        "  objection_admitted: 2024-10-10 to 2024-10-10 [not active on 2024-10-21]",
        # 2024-09-03 is the last day of three months from 2024-06-03: too soon; to year end.
        "  repair_refused: 2024-09-03 to 2024-12-31 [ACTIVE on 2024-10-21]",
        "  deadline publicity_ends: 7 working days from 2024-09-27, due 2024-10-12",
        "  deadline objection_window_closes: 15 working days from 2024-09-27, due 2024-10-23",
        "  deadline objection_decision_due: 15 working days from 2024-10-10, due 2024-11-05",
        "    not counted: 2024-10-15 to 2024-10-18 (expert_review)",
    ]
    for line in expected:
        assert line in lines, f"missing line {line!r} in:\n{out}"
    assert any(
        line.strip().startswith("Art 23(1) 被认定为失信行为之日起，未满3个月的") for line in lines
    )
    assert "Credit grade: C / 信用等级：C" in out
    # Read by people: no Python reprs, no tracebacks, no unrendered placeholders.
    for leak in ("datetime.date(", "Enum", "<", "Traceback", "{", "None"):
        assert leak not in out, f"{leak!r} leaks into the text output"


def test_cli_json_output_of_the_example_is_the_evaluation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    assert cli_main(["evaluate", str(EXAMPLE), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(scenario("example").model_dump(mode="json")))
    assert printed["ruleset"]["id"] == "ganzhou-2023"


# -- Art 28: layering --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_layer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("layer") / "jiangxi-empty.yaml"
    path.write_text("extends: ganzhou-2023\nid: jiangxi-empty\n", encoding="utf-8")
    return load_ruleset(path)


@pytest.mark.parametrize(
    "name",
    [
        "example",
        "art13-later-evaluation-supersedes-earlier",
        "art20-suspension-for-expert-review",
        "art20-upheld-objection-adjusts-the-score",
        "art23-refusal-over-in-the-new-year",
        "art25-one-extension-of-15-working-days",
        "art14-granted-repair-lifts-grade-d",
        "art09-breached-commitment-is-recorded-as-dishonesty",
    ],
)
def test_art28_an_empty_layer_changes_nothing(name: str, empty_layer: Any) -> None:
    loaded = loaded_scenario(name)
    base = scenario(name)
    layered = Engine(empty_layer).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    assert comparable(layered) == comparable(base)
    assert empty_layer.overridden == {} and empty_layer.layers[0].extends == "ganzhou-2023"


SHORTER_WINDOW = """\
extends: ganzhou-2023
id: jiangxi-2025
parameters:
  - id: objection_window
    type: period
    value: 10 working days
    cites: [{article: 20}]
    description: {zh: 提出异议的期限（省级规定）, en: Time to file an objection (provincial rule)}
"""


def test_art28_a_parameter_override_changes_the_result_and_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "jiangxi-2025.yaml"
    path.write_text(SHORTER_WINDOW, encoding="utf-8")
    layer = load_ruleset(path)
    # 10 working days from 2024-09-27: 09-29, 09-30, 10-08..10-12, 10-14..10-16.
    events = [published("e1", "2024-09-27", 78), objection("o1", "2024-10-17")]
    base = evaluate(events, "2024-10-17")
    layered = evaluate(events, "2024-10-17", engine=Engine(layer))
    assert spans(base, "objection_admitted") == [("2024-10-17", "2024-10-17", True)]
    assert spans(layered, "objection_late") == [("2024-10-17", "2024-10-17", True)]
    assert deadline(layered, "objection_window_closes").due == day("2024-10-16")
    (late,) = [d for d in layered.decisions if d.outcome == "objection_late"]
    overrides = [r for r in late.because if r.name == "override"]
    assert overrides and "jiangxi-2025" in overrides[0].en and "objection_window" in overrides[0].en
    assert values(late)["objection_window"] == "10 working days"
    assert not [r for r in base.decisions[0].because if r.name == "override"]


# -- choosing a ruleset by place and date ------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "on", "expected"),
    [
        ("cn-jx-ganzhou", "2024-01-13", "ganzhou-2023"),
        ("cn-jx-ganzhou", "2025-06-01", "ganzhou-2023"),
        ("cn-js-lianyungang", "2007-10-01", "lianyungang-2007"),
        ("cn-js-lianyungang", "2010-05-20", "lianyungang-2007"),
    ],
)
def test_select_ruleset_picks_each_bundled_ruleset_for_its_region_and_date(
    region: str, on: str, expected: str
) -> None:
    assert select_ruleset(region, day(on)).id == expected


@pytest.mark.parametrize(
    ("region", "on"),
    [
        ("cn-jx-ganzhou", "2024-01-12"),
        ("cn-jx-ganzhou", "2023-12-13"),
        ("cn-js-lianyungang", "2007-09-30"),
        ("cn-bj", "2025-01-01"),
    ],
)
def test_select_ruleset_raises_where_none_is_in_force(region: str, on: str) -> None:
    with pytest.raises(NoRulesetInForce) as raised:
        select_ruleset(region, day(on))
    assert region in str(raised.value) and on in str(raised.value)
    assert isinstance(raised.value, CreditRulesError)


def test_select_ruleset_prefers_a_layer_over_its_base(tmp_path: Path) -> None:
    path = tmp_path / "jiangxi-2025.yaml"
    path.write_text(SHORTER_WINDOW, encoding="utf-8")
    layer = load_ruleset(path)
    chosen = select_ruleset("cn-jx-ganzhou", day("2025-06-01"), candidates=[RULESET, layer])
    assert chosen.id == "jiangxi-2025"


def test_a_scenario_expecting_a_refusal_fails_when_the_history_is_accepted(
    tmp_path: Path,
) -> None:
    text = (SCENARIOS / "art25-two-extensions-within-the-cap.scenario.yaml").read_text("utf-8")
    head = text.split("expect:")[0]
    accepted = tmp_path / "accepted.scenario.yaml"
    accepted.write_text(head + "expect:\n  error: over the cap\n", encoding="utf-8")
    result = run_scenario(accepted)
    assert not result.passed and "refused" in result.render()
    refused = tmp_path / "refused.scenario.yaml"
    over = (SCENARIOS / "art25-extensions-over-the-cap.scenario.yaml").read_text("utf-8")
    refused.write_text(over.replace("error: extensions add up", "error: nothing like"), "utf-8")
    assert "cannot evaluate" in (run_scenario(refused).error or "")


def test_art22_a_determination_before_in_force_can_be_repaired() -> None:
    assert RULESET.before_in_force is not None
    assert RULESET.before_in_force.types == ("dishonesty_determined",)
    result = run_scenario(
        SCENARIOS / "art22-determination-before-in-force-can-be-repaired.scenario.yaml"
    )
    assert result.passed, result.render()


def test_art30_outside_reading_keeps_an_earlier_determination_out_of_the_facts() -> None:
    """With interpretation events_before_in_force set to "outside", the same application has
    no determination to repair (Art 22) and the correction of it is ignored."""
    outside = with_parameters(RULESET, {RULESET.before_in_force.when: False})  # type: ignore[union-attr]
    scenario = load_scenario(
        SCENARIOS / "art22-determination-before-in-force-can-be-repaired.scenario.yaml"
    )
    result = Engine(outside).evaluate(scenario.subjects, scenario.events, as_of=scenario.as_of)
    assert [d.rule for d in result.decisions if d.outcome == "repair_refused"] == [
        "art22_repair_refused_no_such_record"
    ]
    assert not [d for d in result.duties if d.name == "stop_dishonesty_publicity"]


# -- Art 20: an objection to a result not yet published ----------------------------------------


def _objected_before_publication() -> list[dict[str, Any]]:
    return [
        {
            "type": "objection_filed",
            "subject": "ph1",
            "objection": "o1",
            "evaluation": "e2024",
            "ground": "evaluation_result_disputed",
            "written": True,
            "reasons_given": True,
            "evidence_supplied": True,
            "date": "2025-01-06",
        },
        {
            "type": "evaluation_published",
            "subject": "ph1",
            "evaluation": "e2024",
            "year": 2024,
            "score": 78,
            "date": "2025-01-10",
        },
    ]


@pytest.mark.parametrize("as_of", ["2025-01-06", "2025-01-10", "2025-03-03"])
def test_an_objection_before_publication_owes_no_decision_whatever_the_day(as_of: str) -> None:
    """Art 20: only a published result can be objected to. Whether the publication is known
    yet (on the filing day it is not) or later, the early objection is not made as required:
    no decision on it falls due, and it never holds back the report (Art 12)."""
    result = ENGINE.evaluate(
        [{"id": "ph1", "kind": "retail_pharmacy"}],
        _objected_before_publication(),
        as_of=dt.date.fromisoformat(as_of),
    )
    assert "objection_decision_due" not in {d.name for d in result.deadlines}
    assert [d.rule for d in result.decisions if d.outcome.startswith("objection")] == [
        "art20_objection_before_publication"
    ]


def test_a_bureau_may_handle_an_objection_filed_before_publication() -> None:
    """The other reading of interpretation objection_before_publication: the early objection
    is admitted and decided, and the report waits for the decision."""
    handled = Engine(with_parameters(RULESET, {"objection_before_publication_counts": True}))
    result = handled.evaluate(
        [{"id": "ph1", "kind": "retail_pharmacy"}],
        _objected_before_publication(),
        as_of=dt.date(2025, 3, 3),
    )
    assert "objection_admitted" in {d.outcome for d in result.decisions}
    assert "report_formed" not in {d.outcome for d in result.decisions}
    assert "objection_decision_due" in {d.name for d in result.deadlines}


#: Art 18's six grounds, as the event model knows them.
_GROUNDS = tuple(ground.value for ground in ObjectionGround)


def _objected_the_day_after_the_window(ground: str) -> list[dict[str, Any]]:
    """Result e2024 published Fri 2024-09-27, window closed Wed 2024-10-23; an objection on
    ``ground`` naming it is filed Thu 2024-10-24."""
    return [
        {
            "type": "evaluation_published",
            "subject": "ph1",
            "evaluation": "e2024",
            "year": 2024,
            "score": 70,
            "date": "2024-09-27",
        },
        {
            "type": "objection_filed",
            "subject": "ph1",
            "objection": "o1",
            "evaluation": "e2024",
            "ground": ground,
            "date": "2024-10-24",
        },
    ]


def _objection_answers(engine: Engine, events: list[dict[str, Any]], as_of: str) -> Any:
    return engine.evaluate(
        [{"id": "ph1", "kind": "retail_pharmacy"}], events, as_of=dt.date.fromisoformat(as_of)
    )


@pytest.mark.parametrize("ground", _GROUNDS)
def test_by_default_the_window_binds_an_objection_on_every_ground(ground: str) -> None:
    """Interpretation objection_window_grounds, every_ground: an objection naming a published
    result is late after the window whatever its Art 18 ground."""
    result = _objection_answers(ENGINE, _objected_the_day_after_the_window(ground), "2024-10-24")
    assert [d.outcome for d in result.decisions if d.outcome.startswith("objection")] == [
        "objection_late"
    ]
    assert "objection_decision_due" not in {d.name for d in result.deadlines}


@pytest.mark.parametrize("ground", _GROUNDS)
def test_a_bureau_may_bind_only_objections_to_the_result(ground: str) -> None:
    """result_disputes_only: an Art 18(2) objection after the window is still late; one on
    another ground is handled and decided, but filed after the window it holds back no
    report (Art 12): the report formed the day after the window all the same."""
    engine = Engine(with_parameters(RULESET, {"objection_window_binds_every_ground": False}))
    result = _objection_answers(engine, _objected_the_day_after_the_window(ground), "2024-10-24")
    disputes_the_result = ground == "evaluation_result_disputed"
    answers = [d.outcome for d in result.decisions if d.outcome.startswith("objection")]
    assert answers == ["objection_late" if disputes_the_result else "objection_admitted"]
    owed = {d.name for d in result.deadlines}
    assert ("objection_decision_due" in owed) is not disputes_the_result
    (report,) = [d for d in result.decisions if d.outcome == "report_formed"]
    assert report.from_ == dt.date(2024, 10, 24)


def test_only_objections_to_the_result_need_a_publication_under_the_other_reading() -> None:
    """result_disputes_only: a record-error objection filed before the result it names is
    published is handled (it disputes information, not a published result), while the
    report still forms the day after the window, since the early objection was never
    filed inside it."""
    engine = Engine(with_parameters(RULESET, {"objection_window_binds_every_ground": False}))
    events = _objected_before_publication()
    events[0] = {**events[0], "ground": "record_error_or_omission"}
    result = _objection_answers(engine, events, "2025-03-03")
    assert [d.rule for d in result.decisions if d.outcome.startswith("objection")] == [
        "art20_objection_admitted"
    ]
    (report,) = [d for d in result.decisions if d.outcome == "report_formed"]
    assert report.from_ == dt.date(2025, 2, 8)
    # The default reading refuses the same objection, whatever its ground.
    refused = _objection_answers(ENGINE, events, "2025-03-03")
    assert [d.rule for d in refused.decisions if d.outcome.startswith("objection")] == [
        "art20_objection_before_publication"
    ]
