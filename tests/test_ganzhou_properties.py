"""Invariants of the Ganzhou measures (赣市府办发〔2023〕15号), checked on generated histories.

Each property names what it protects. The histories follow the procedures of the measures: an
objection names a published evaluation (or none, Art 17), a suspension names an objection
(Art 20), a repair names a determined record (Arts 22–25) with at most one extension of at
most 15 working days (Art 25).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from credit_rules import Engine, Evaluation, bundled, loads_ruleset, with_parameters
from credit_rules.calendar import default_calendar

RULESET = bundled("ganzhou-2023")
ENGINE = Engine(RULESET)
# A second engine on a separately loaded copy of the file, for determinism.
OTHER_ENGINE = Engine(bundled("ganzhou-2023"))
B_IS_GOOD = Engine(with_parameters(RULESET, {"grade_b_is_good": True}))
FROM_PUBLICITY_END = Engine(with_parameters(RULESET, {"objection_window_from_publicity_end": True}))
EMPTY_LAYER = Engine(loads_ruleset("extends: ganzhou-2023\nid: jiangxi-empty\n"))
CALENDAR = default_calendar()

IN_FORCE = dt.date(2024, 1, 13)
LAST_START = dt.date(2026, 10, 31)
ONE_DAY = dt.timedelta(days=1)

KINDS = (
    "medical_institution",
    "retail_pharmacy",
    "insurance_agency",
    "pharma_supplier",
    "insured_person",
    "other_unit",
    "other_individual",
)
CATEGORIES = ("false_billing", "drug_resale", "fraudulent_claims")
MATERIALS = ("application_and_commitment", "rectification_evidence")
REASONS = ("inspection", "testing", "appraisal", "expert_review")
GROUNDS = (
    "record_error_or_omission",
    "evaluation_result_disputed",
    "unlawful_collection",
    "overdue_use",
    "corrected_violation",
    "other_statutory",
)

# Art 14's three tiers of supervision, lightest first, and Art 11's grades, best first.
SUPERVISION = {"reduced_supervision": 0, "general_supervision": 1, "intensified_supervision": 2}
GRADES = {"A": 0, "B": 1, "C": 2, "D": 3}

SETTINGS = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- strategies -------------------------------------------------------------------------------

MOSTLY_TRUE = st.sampled_from([True, True, True, False])


def days(start: dt.date = IN_FORCE, end: dt.date = LAST_START) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=start, max_value=end)


def offset(low: int, high: int) -> st.SearchStrategy[dt.timedelta]:
    return st.integers(low, high).map(lambda n: dt.timedelta(days=n))


@st.composite
def histories(draw: st.DrawFn, *, art15: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """A subject kind and its events (dicts without ``subject``), in no particular order."""
    kind = draw(st.sampled_from(KINDS))
    events: list[dict[str, Any]] = []
    records = []
    for i in range(draw(st.integers(0, 3))):
        on = draw(days())
        records.append((f"d{i}", on))
        events.append(
            {
                "type": "dishonesty_determined",
                "record": f"d{i}",
                "category": draw(st.sampled_from(CATEGORIES)),
                "severity": draw(st.sampled_from(["general", "general", "serious", "severe"])),
                "crime_suspected": draw(st.booleans()),
                "date": on,
            }
        )
    for j in range(draw(st.integers(0, 2))):
        published = draw(days())
        events.append(
            {
                "type": "evaluation_published",
                "evaluation": f"e{j}",
                "year": published.year,
                "score": draw(st.integers(40, 100)),
                "date": published,
            }
        )
        for k in range(draw(st.integers(0, 2))):
            name = f"o{j}{k}"
            filed = published + draw(offset(0, 40))
            events.append(
                {
                    "type": "objection_filed",
                    "objection": name,
                    "evaluation": f"e{j}",
                    "ground": draw(st.sampled_from(GROUNDS)),
                    "written": draw(MOSTLY_TRUE),
                    "date": filed,
                }
            )
            if draw(st.booleans()):
                first = filed + draw(offset(0, 20))
                events.append(
                    {
                        "type": "objection_suspended",
                        "objection": name,
                        "reason": draw(st.sampled_from(REASONS)),
                        "date": first,
                        "until": first + draw(offset(0, 10)),
                    }
                )
            if draw(st.booleans()):
                upheld = draw(st.booleans())
                events.append(
                    {
                        "type": "objection_decided",
                        "objection": name,
                        "evaluation": f"e{j}",
                        "result": "upheld" if upheld else "rejected",
                        "adjusted_score": draw(st.integers(0, 100)) if upheld else None,
                        "date": filed + draw(offset(1, 40)),
                    }
                )
    for i, (record, determined_on) in enumerate(records):
        if not draw(st.booleans()):
            continue
        application = f"a{i}"
        on = determined_on + draw(offset(0, 300))
        events.append(
            {
                "type": "repair_applied",
                "application": application,
                "record": record,
                "materials": draw(
                    st.one_of(
                        st.just(list(MATERIALS)), st.lists(st.sampled_from(MATERIALS), unique=True)
                    )
                ),
                "written": draw(MOSTLY_TRUE),
                "date": on,
            }
        )
        if draw(st.booleans()):
            accepted = on + draw(offset(0, 10))
            events.append({"type": "repair_accepted", "application": application, "date": accepted})
            if draw(st.booleans()):
                events.append(
                    {
                        "type": "repair_extended",
                        "application": application,
                        "working_days": draw(st.integers(1, 15)),
                        "date": accepted + draw(offset(0, 20)),
                    }
                )
            if draw(st.booleans()):
                events.append(
                    {
                        "type": "repair_decided",
                        "application": application,
                        "record": record,
                        "granted": draw(st.booleans()),
                        "date": accepted + draw(offset(1, 40)),
                    }
                )
    if art15 and draw(st.booleans()):
        events.append({"type": "agreement_terminated", "date": draw(days())})
        for _ in range(draw(st.integers(0, 2))):
            events.append({"type": "qualification_applied", "date": draw(days())})
    if draw(st.booleans()):
        events.append(
            {
                "type": "information_collected",
                "information": "i1",
                "kind": "agreement_performance",
                "source": "supervision",
                "date": draw(days()),
            }
        )
    if draw(st.booleans()):
        made = draw(days())
        events.append({"type": "commitment_made", "commitment": "c1", "date": made})
        if draw(st.booleans()):
            events.append(
                {
                    "type": "commitment_breached",
                    "commitment": "c1",
                    "date": made + draw(offset(0, 90)),
                }
            )
    return kind, events


@st.composite
def histories_with_as_of(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], dt.date]:
    kind, events = draw(histories())
    latest = max((e["date"] for e in events), default=IN_FORCE)
    as_of = draw(days(IN_FORCE, latest + dt.timedelta(days=60)))
    return kind, events, as_of


# -- helpers ----------------------------------------------------------------------------------


def run(
    kind: str, events: Sequence[dict[str, Any]], as_of: dt.date, engine: Engine = ENGINE
) -> Evaluation:
    return engine.evaluate(
        [{"id": "s1", "kind": kind}], [{"subject": "s1", **e} for e in events], as_of=as_of
    )


def as_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.model_dump(mode="json"), ensure_ascii=False)


def comparable(evaluation: Evaluation) -> dict[str, Any]:
    dumped = evaluation.model_dump(mode="json")
    return {key: dumped[key] for key in ("as_of", "decisions", "deadlines", "duties")}


def supervision_and_grade(evaluation: Evaluation, subject: str) -> tuple[int, int]:
    # Art 14: exactly one tier of supervision applies to an evaluated subject on any day.
    active = [d for d in evaluation.active(subject) if d.outcome in SUPERVISION]
    assert len(active) == 1, [(d.outcome, d.from_, d.until) for d in evaluation.decisions]
    (decision,) = active
    grade = next(r.value for r in decision.because if r.name == "grade")
    return SUPERVISION[decision.outcome], GRADES[str(grade)]


def objection_outcome(
    published: dt.date, filed: dt.date, engine: Engine = ENGINE
) -> tuple[bool, dt.date]:
    """Whether a written objection filed on ``filed`` is admitted, and the window's last day."""
    events = [
        {
            "type": "evaluation_published",
            "evaluation": "e1",
            "year": published.year,
            "score": 70,
            "date": published,
        },
        {
            "type": "objection_filed",
            "objection": "o1",
            "evaluation": "e1",
            "ground": "evaluation_result_disputed",
            "written": True,
            "date": filed,
        },
    ]
    result = run("retail_pharmacy", events, filed, engine)
    outcomes = {d.outcome for d in result.decisions if d.from_ == filed}
    assert len(outcomes & {"objection_admitted", "objection_late"}) == 1, outcomes
    (window,) = [d for d in result.deadlines if d.name == "objection_window_closes"]
    return "objection_admitted" in outcomes, window.due


def decision_due(filed: dt.date, pauses: Sequence[tuple[dt.date, dt.date, str]]) -> Any:
    events: list[dict[str, Any]] = [
        {
            "type": "objection_filed",
            "objection": "o1",
            "ground": "record_error_or_omission",
            "written": True,
            "date": filed,
        },
    ]
    events += [
        {
            "type": "objection_suspended",
            "objection": "o1",
            "reason": reason,
            "date": first,
            "until": last,
        }
        for first, last, reason in pauses
    ]
    as_of = max([filed, *(first for first, _, _ in pauses)])
    (due,) = [
        d
        for d in run("insured_person", events, as_of).deadlines
        if d.name == "objection_decision_due"
    ]
    return due


# -- Arts 11 and 14 ---------------------------------------------------------------------------


@SETTINGS
@given(
    low=st.integers(0, 100),
    gap=st.integers(1, 100),
    published=days(),
    later=st.integers(0, 400),
    severe=st.booleans(),
    b_is_good=st.booleans(),
)
def test_a_lower_score_never_gives_a_better_grade_or_lighter_supervision(
    low: int, gap: int, published: dt.date, later: int, severe: bool, b_is_good: bool
) -> None:
    high = min(low + gap, 100)
    assume(low < high)
    engine = B_IS_GOOD if b_is_good else ENGINE
    subjects = [{"id": "low", "kind": "retail_pharmacy"}, {"id": "high", "kind": "retail_pharmacy"}]
    events: list[dict[str, Any]] = []
    for subject, score in (("low", low), ("high", high)):
        events.append(
            {
                "type": "evaluation_published",
                "subject": subject,
                "evaluation": "e1",
                "year": published.year,
                "score": score,
                "date": published,
            }
        )
        if severe:
            events.append(
                {
                    "type": "dishonesty_determined",
                    "subject": subject,
                    "record": "d1",
                    "category": "false_billing",
                    "severity": "severe",
                    "date": IN_FORCE,
                }
            )
    result = engine.evaluate(subjects, events, as_of=published + dt.timedelta(days=later))
    low_tier, low_grade = supervision_and_grade(result, "low")
    high_tier, high_grade = supervision_and_grade(result, "high")
    assert low_grade >= high_grade, (low, high)
    assert low_tier >= high_tier, (low, high)


# -- Art 20: objections -----------------------------------------------------------------------


@SETTINGS
@given(
    published=days(),
    first=st.integers(0, 45),
    gap=st.integers(1, 30),
    from_publicity_end=st.booleans(),
)
def test_an_objection_filed_later_than_a_late_one_is_never_admitted(
    published: dt.date, first: int, gap: int, from_publicity_end: bool
) -> None:
    # Equivalently: if the later of two objections on one publication is admitted, so was the
    # earlier one; and an objection is admitted exactly when filed by the window's last day.
    engine = FROM_PUBLICITY_END if from_publicity_end else ENGINE
    earlier = published + dt.timedelta(days=first)
    later = earlier + dt.timedelta(days=gap)
    earlier_admitted, window = objection_outcome(published, earlier, engine)
    later_admitted, same_window = objection_outcome(published, later, engine)
    assert window == same_window
    if later_admitted:
        assert earlier_admitted
    assert earlier_admitted == (earlier <= window)
    assert later_admitted == (later <= window)


pauses = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 10), st.sampled_from(REASONS)), max_size=3
)


@SETTINGS
@given(filed=days(), drawn=pauses)
def test_excluded_periods_never_make_objection_decision_due_earlier(
    filed: dt.date, drawn: list[tuple[int, int, str]]
) -> None:
    periods = [
        (filed + dt.timedelta(days=start), filed + dt.timedelta(days=start + length), reason)
        for start, length, reason in drawn
    ]
    plain = decision_due(filed, []).due
    previous = plain
    for count in range(1, len(periods) + 1):
        due = decision_due(filed, periods[:count]).due
        assert due >= previous, (periods[:count], due, previous)
        previous = due
    assert previous >= plain


@SETTINGS
@given(filed=days(), drawn=pauses)
def test_objection_decision_due_is_the_15th_working_day_not_excluded(
    filed: dt.date, drawn: list[tuple[int, int, str]]
) -> None:
    # Art 20: 15 working days from receipt (the receipt day not counted), and the time for
    # inspection, testing, appraisal or expert review is not counted.
    periods = [
        (filed + dt.timedelta(days=start), filed + dt.timedelta(days=start + length), reason)
        for start, length, reason in drawn
    ]
    due = decision_due(filed, periods).due

    def counted(day: dt.date) -> bool:
        return CALENDAR.is_working_day(day, strict=False) and not any(
            first <= day <= last for first, last, _ in periods
        )

    assert counted(due)
    span = (due - filed).days
    assert sum(counted(filed + dt.timedelta(days=n)) for n in range(1, span + 1)) == 15


@SETTINGS
@given(accepted=days(), extension=st.integers(1, 15))
def test_an_extension_adds_exactly_its_working_days_to_the_repair_decision(
    accepted: dt.date, extension: int
) -> None:
    determined = accepted - dt.timedelta(days=200)
    base = [
        {
            "type": "dishonesty_determined",
            "record": "d1",
            "category": "false_billing",
            "date": max(determined, IN_FORCE),
        },
        {
            "type": "repair_applied",
            "application": "a1",
            "record": "d1",
            "materials": list(MATERIALS),
            "date": accepted,
        },
        {"type": "repair_accepted", "application": "a1", "date": accepted},
    ]
    extended = [
        *base,
        {
            "type": "repair_extended",
            "application": "a1",
            "working_days": extension,
            "date": accepted,
        },
    ]
    (plain,) = [
        d
        for d in run("retail_pharmacy", base, accepted).deadlines
        if d.name == "repair_decision_due"
    ]
    (longer,) = [
        d
        for d in run("retail_pharmacy", extended, accepted).deadlines
        if d.name == "repair_decision_due"
    ]
    assert longer.extended_by == extension
    assert CALENDAR.working_days_between(plain.due, longer.due, strict=False) == extension
    assert CALENDAR.working_days_between(accepted, plain.due, strict=False) == 15


# -- any history ------------------------------------------------------------------------------


@SETTINGS
@given(case=histories_with_as_of())
def test_working_day_deadlines_always_land_on_working_days(
    case: tuple[str, list[dict[str, Any]], dt.date],
) -> None:
    kind, events, as_of = case
    for deadline in run(kind, events, as_of).deadlines:
        assert deadline.unit == "working_days"
        assert deadline.due > deadline.start
        assert CALENDAR.is_working_day(deadline.due, strict=False), deadline


@SETTINGS
@given(case=histories_with_as_of())
def test_layering_with_an_empty_override_changes_nothing(
    case: tuple[str, list[dict[str, Any]], dt.date],
) -> None:
    kind, events, as_of = case
    assert comparable(run(kind, events, as_of, EMPTY_LAYER)) == comparable(run(kind, events, as_of))


@SETTINGS
@given(case=histories_with_as_of(), extra=histories(), follow_ups=st.booleans())
def test_events_after_as_of_change_nothing(
    case: tuple[str, list[dict[str, Any]], dt.date],
    extra: tuple[str, list[dict[str, Any]]],
    follow_ups: bool,
) -> None:
    kind, events, as_of = case
    shift = as_of + ONE_DAY - IN_FORCE
    later: list[dict[str, Any]] = []
    for event in extra[1]:
        moved = {
            key: (
                f"late_{value}"
                if key
                in ("record", "evaluation", "objection", "application", "commitment", "information")
                and value
                else value
            )
            for key, value in event.items()
        }
        moved["date"] = event["date"] + shift
        if "until" in event:
            moved["until"] = event["until"] + shift
        later.append(moved)
    if follow_ups:
        # Steps that would change the present if they leaked into it: decisions on pending
        # objections and repairs, suspensions, extensions (a second one would be an error).
        tomorrow = as_of + ONE_DAY
        # An objection is decided once (a second decision of one is refused, whatever day).
        decided = {e["objection"] for e in events if e["type"] == "objection_decided"}
        for event in events:
            # Only what is pending on as_of: a step dated tomorrow cannot act on an
            # objection or application made later (Event.refers_to).
            if event["date"] > as_of:
                continue
            if event["type"] == "objection_filed" and event["objection"] not in decided:
                later.append(
                    {
                        "type": "objection_decided",
                        "objection": event["objection"],
                        "evaluation": event["evaluation"],
                        "result": "upheld",
                        "adjusted_score": 100,
                        "date": tomorrow,
                    }
                )
                later.append(
                    {
                        "type": "objection_suspended",
                        "objection": event["objection"],
                        "reason": "testing",
                        "date": tomorrow,
                        "until": tomorrow + dt.timedelta(days=30),
                    }
                )
            if event["type"] == "repair_accepted":
                later.append(
                    {
                        "type": "repair_extended",
                        "application": event["application"],
                        "working_days": 15,
                        "date": tomorrow,
                    }
                )
            if event["type"] == "dishonesty_determined":
                later.append(
                    {
                        "type": "repair_applied",
                        "application": f"late_{event['record']}",
                        "record": event["record"],
                        "materials": ["application_and_commitment", "rectification_evidence"],
                        "date": tomorrow,
                    }
                )
                later.append(
                    {
                        "type": "repair_decided",
                        "application": f"late_{event['record']}",
                        "record": event["record"],
                        "granted": True,
                        "date": tomorrow,
                    }
                )
    before = run(kind, events, as_of)
    after = run(kind, [*events, *later], as_of)
    assert as_json(after) == as_json(before)


@SETTINGS
@given(case=histories_with_as_of())
def test_evaluation_is_deterministic_to_the_byte(
    case: tuple[str, list[dict[str, Any]], dt.date],
) -> None:
    kind, events, as_of = case
    first = as_json(run(kind, events, as_of))
    assert as_json(run(kind, events, as_of)) == first
    assert as_json(run(kind, events, as_of, OTHER_ENGINE)) == first


@SETTINGS
@given(case=histories_with_as_of())
def test_the_report_is_never_formed_while_an_objection_may_be_filed_or_is_pending(
    case: tuple[str, list[dict[str, Any]], dt.date],
) -> None:
    # Art 12: the report is formed once the publicised content meets no objection; Art 20:
    # only an objection not filed in writing within the window counts as none, and a timely
    # written one is handled first.
    kind, events, as_of = case
    result = run(kind, events, as_of)
    trigger = {
        "evaluation_published " + e["evaluation"] + " on " + e["date"].isoformat(): e
        for e in events
        if e["type"] == "evaluation_published"
    }
    windows = {
        next(r.value for r in d.because if r.name == "trigger"): d.due
        for d in result.deadlines
        if d.name == "objection_window_closes"
    }
    for report in (d for d in result.decisions if d.outcome == "report_formed"):
        key = next(r.value for r in report.because if r.name == "trigger")
        evaluation = trigger[key]["evaluation"]
        assert report.from_ > windows[key], (report.from_, windows[key])
        # Only what had happened by as_of is known (time locality): a report dated after as_of
        # is what follows if nothing else happens, and a later objection is not yet known.
        for event in (e for e in events if e["date"] <= as_of):
            if (
                event["type"] == "objection_filed"
                and event["evaluation"] == evaluation
                and event["written"]
                and event["date"] <= windows[key]
            ):
                answered = [
                    e["date"]
                    for e in events
                    if e["type"] == "objection_decided"
                    and e["objection"] == event["objection"]
                    and e["date"] <= as_of
                ]
                assert answered and min(answered) < report.from_, (event, report.from_)
