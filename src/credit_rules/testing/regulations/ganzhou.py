"""Ganzhou 2023 as testing knows it: hypothesis histories of credit subjects of every kind,
and a long, deterministic history of one medical institution.

Histories respect the procedures of the measures:

- Arts 12–20: an evaluation is published, an objection names it, a suspension (Art 20) names
  the objection and ends after it starts, the decision follows the filing.
- Arts 22–25: a repair application names a determined record, then acceptance, at most the
  ruleset's number of extensions within its cap (Art 25: one, of at most 15 working days), then
  the decision.
- Art 15: an agreement is terminated, and qualification applications follow.
- Arts 5–9: information collected with its kind and source; commitments, some breached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Final

from credit_rules.calendar import WorkingCalendar
from credit_rules.i18n import Message
from credit_rules.model import ganzhou as gz
from credit_rules.model.events import Event
from credit_rules.model.subjects import SUBJECT_CLASSES
from credit_rules.ruleset import ir
from credit_rules.testing._draws import (
    FALSE_FIRST,
    MOSTLY_TRUE,
    TRUE_FIRST,
    History,
    TestingPack,
    days,
    first_events,
    offset,
    some,
)
from credit_rules.testing._hypothesis import st

__all__ = [
    "GANZHOU_CATEGORIES",
    "GANZHOU_IN_FORCE",
    "PACK",
    "ganzhou_histories",
    "ganzhou_history",
]

GANZHOU_IN_FORCE: Final = dt.date(2024, 1, 13)
"""Art 30: the measures take effect on 13 January 2024."""
GANZHOU_CATEGORIES: Final = ("false_billing", "drug_resale", "fraudulent_claims")
"""Categories of dishonest conduct used in generated determinations. The measures name none;
``category`` is only the key of "the same type" (Art 23(二)), so three suffice to have both
recurrences of the same type and of another."""

_INFORMATION_KIND: Final = st.sampled_from(tuple(gz.InformationKind))
_SOURCE: Final = st.sampled_from(tuple(gz.CollectionSource))
_SEVERITY: Final = st.sampled_from(tuple(gz.Severity))
_GZ_GROUND: Final = st.sampled_from(tuple(gz.ObjectionGround))
_REASON: Final = st.sampled_from(tuple(gz.SuspensionReason))
_GZ_CATEGORY: Final = st.sampled_from(GANZHOU_CATEGORIES)
# None (not recorded) first; "city" is the department that evaluates and determines.
_DEPARTMENT: Final = st.sampled_from((None, "city", "city", "county"))
_OWN_DEPARTMENT: Final = st.sampled_from((None, "city"))
_MATERIALS: Final = st.sampled_from(
    (
        tuple(gz.RepairMaterial),
        (gz.RepairMaterial.application_and_commitment,),
        (gz.RepairMaterial.rectification_evidence,),
        (),
    )
)
_SCORE: Final = st.integers(0, 110)
_ADJUSTED_SCORE: Final = st.integers(0, 100)


#: Each subject kind of Ganzhou Art 2, designated institutions first (Art 15 applies to them).
_GANZHOU_KINDS: Final[tuple[str, ...]] = (
    "medical_institution",
    "retail_pharmacy",
    "insurance_agency",
    "pharma_supplier",
    "insured_person",
    "other_unit",
    "other_individual",
)


def _filed(draw: st.DrawFn, *, met: tuple[str, ...], found: tuple[str, ...] = ()) -> dict[str, Any]:
    """How a filing with a department stands when examined: in writing or not, the department
    it went to, each condition it must meet (mostly met) and each fault the department may find
    (mostly not found). Everything shrinks to the filing that goes through."""
    return {
        "written": draw(TRUE_FIRST),
        "department": draw(_DEPARTMENT),
        **{name: draw(MOSTLY_TRUE) for name in met},
        **{name: not draw(MOSTLY_TRUE) for name in found},
    }


def _draw_repair(
    draw: st.DrawFn,
    subject: str,
    number: int,
    record: str,
    determined: dt.date,
    extensions: st.SearchStrategy[int],
    extension_cap: int,
) -> list[Event]:
    """Arts 22–25: application → acceptance → extension(s) → decision, each step optional
    after the application and each after the one before."""
    application = f"a{number}"
    applied = determined + draw(offset(0, 200))
    events: list[Event] = [
        gz.RepairApplied(
            subject=subject,
            application=application,
            record=record,
            materials=draw(_MATERIALS),
            # Arts 22 and 24: the department's findings, mostly favourable.
            **_filed(
                draw,
                met=("corrected", "obligations_performed", "impact_eliminated"),
                found=("false_materials", "untrue_commitment"),
            ),
            date=applied,
        )
    ]
    if not draw(st.booleans()):
        return events
    accepted = applied + draw(offset(0, 10))
    events.append(gz.RepairAccepted(subject=subject, application=application, date=accepted))
    # Art 25: extended "by no more than 15 working days"; the ruleset says how often and by how
    # much, and a history beyond that would be an error, not a case.
    left = extension_cap
    for _ in range(draw(extensions)):
        if left < 1:
            break
        days = draw(st.integers(1, left))
        left -= days
        events.append(
            gz.RepairExtended(
                subject=subject,
                application=application,
                working_days=days,
                date=accepted + draw(offset(0, 20)),
            )
        )
    if draw(st.booleans()):
        events.append(
            gz.RepairDecided(
                subject=subject,
                application=application,
                record=record,
                granted=draw(TRUE_FIRST),
                date=accepted + draw(offset(1, 40)),
            )
        )
    return events


def _draw_objection(
    draw: st.DrawFn, subject: str, name: str, evaluation: str | None, published: dt.date
) -> list[Event]:
    """Arts 17–20: filing → suspension(s) for inspection, testing, appraisal or expert review
    (not counted) → decision."""
    filed = published + draw(offset(0, 40))
    events: list[Event] = [
        gz.ObjectionFiled(
            subject=subject,
            objection=name,
            evaluation=evaluation,
            ground=draw(_GZ_GROUND),
            # Arts 19-20: reasons, materials and the department, mostly as required.
            **_filed(draw, met=("reasons_given", "evidence_supplied")),
            date=filed,
        )
    ]
    for _ in range(draw(some(2))):
        first = filed + draw(offset(0, 20))
        events.append(
            gz.ObjectionSuspended(
                subject=subject,
                objection=name,
                reason=draw(_REASON),
                date=first,
                until=first + draw(offset(0, 10)),
            )
        )
    if draw(st.booleans()):
        upheld = draw(st.booleans())
        events.append(
            gz.ObjectionDecided(
                subject=subject,
                objection=name,
                evaluation=draw(st.sampled_from((evaluation, None))),
                result=gz.ObjectionResult.upheld if upheld else gz.ObjectionResult.rejected,
                adjusted_score=draw(_ADJUSTED_SCORE) if upheld else None,
                date=filed + draw(offset(1, 40)),
            )
        )
    return events


def ganzhou_histories(
    *,
    kinds: Sequence[str] = _GANZHOU_KINDS,
    start: dt.date = GANZHOU_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
    max_records: int = 3,
    max_evaluations: int = 2,
    max_objections: int = 2,
    extension_cap: int = 15,
    max_extensions: int = 1,
    calendar: WorkingCalendar | None = None,
) -> st.SearchStrategy[History]:
    """One Ganzhou credit subject of one of ``kinds`` (Art 2) and its history, every procedure
    in its order (see the module docstring). Days of publication, filing and acceptance are
    often near rest days and adjusted workdays, where working-day counts are tested hardest.

    ``extension_cap`` and ``max_extensions`` are the Art 25 limits of the ruleset in use (for a
    variant, read them from it), so that no history breaks them.
    """
    unknown = [kind for kind in kinds if kind not in SUBJECT_CLASSES]
    if unknown or not kinds:
        raise ValueError(
            Message(
                "unknown subject kind(s) {unknown}; known: {SUBJECT_CLASSES}",
                unknown=unknown,
                SUBJECT_CLASSES=", ".join(SUBJECT_CLASSES),
            )
        )
    kind_of = st.sampled_from(tuple(kinds))
    day = days(start, end, calendar)
    records, evaluations = some(max_records), some(max_evaluations)
    objections = some(max_objections)
    extensions = some(max_extensions if extension_cap > 0 else 0)
    qualification_offset = offset(-60, 1200)

    @st.composite
    def histories(draw: st.DrawFn) -> History:
        kind = draw(kind_of)
        subject = SUBJECT_CLASSES[kind](id="s1", kind=kind)
        s = subject.id
        events: list[Event] = []
        # Arts 5–6: information, with its kind and channel.
        if draw(st.booleans()):
            events.append(
                gz.InformationCollected(
                    subject=s,
                    information="i1",
                    kind=draw(_INFORMATION_KIND),
                    source=draw(_SOURCE),
                    date=draw(day),
                )
            )
        # Arts 7–9: a commitment, perhaps breached later (it is then dishonesty information).
        if draw(st.booleans()):
            made = draw(day)
            events.append(gz.CommitmentMade(subject=s, commitment="c1", date=made))
            if draw(st.booleans()):
                breached = made + draw(offset(0, 90))
                events.append(gz.CommitmentBreached(subject=s, commitment="c1", date=breached))
        # Arts 13–14 and 22–25: determinations, and repair of some of them.
        for number in range(1, draw(records) + 1):
            record = f"d{number}"
            determined = draw(day)
            events.append(
                gz.DishonestyDetermined(
                    subject=s,
                    record=record,
                    category=draw(_GZ_CATEGORY),
                    severity=draw(_SEVERITY),
                    crime_suspected=draw(FALSE_FIRST),
                    repairable=draw(TRUE_FIRST),
                    department=draw(_OWN_DEPARTMENT),
                    date=determined,
                )
            )
            if draw(st.booleans()):
                events.extend(
                    _draw_repair(draw, s, number, record, determined, extensions, extension_cap)
                )
        # Arts 12–13 and 17–20: evaluations published, objections to them or to information.
        for j in range(1, draw(evaluations) + 1):
            published = draw(day)
            evaluation = f"e{j}"
            events.append(
                gz.EvaluationPublished(
                    subject=s,
                    evaluation=evaluation,
                    year=published.year,
                    score=draw(_SCORE),
                    risk_found=draw(st.booleans()),
                    department=draw(_OWN_DEPARTMENT),
                    date=published,
                )
            )
            for k in range(1, draw(objections) + 1):
                target = evaluation if draw(TRUE_FIRST) else None
                events.extend(_draw_objection(draw, s, f"o{j}{k}", target, published))
        # Art 15: termination of the agreement, and qualification applications around it.
        if draw(st.booleans()):
            terminated = draw(day)
            events.append(gz.AgreementTerminated(subject=s, date=terminated))
            for _ in range(draw(some(2))):
                applied = terminated + draw(qualification_offset)
                events.append(gz.QualificationApplied(subject=s, date=applied))
        return History(subject, tuple(events))

    return histories()


# -- the pack ----------------------------------------------------------------------------------


def _extension_limits(ruleset: ir.Ruleset) -> tuple[int, int]:
    """The tightest Art 25-style limits any deadline rule of ``ruleset`` sets on extensions.
    Where no rule limits their number (Ganzhou Art 25 caps only the total length), up to three
    are drawn, enough to reach the cap in several steps."""
    cap, times = 15, 3
    for rule in ruleset.rules:
        if rule.extended_by is None:
            continue
        value = ruleset.parameter(rule.extended_by.cap).value
        if isinstance(value, int) and not isinstance(value, bool):
            cap = min(cap, value)
        if rule.extended_by.max_times is not None:
            times = min(times, rule.extended_by.max_times)
    return cap, times


def _histories(ruleset: ir.Ruleset, start: dt.date, end: dt.date) -> st.SearchStrategy[History]:
    cap, times = _extension_limits(ruleset)
    kinds: list[str] = [k for k in _GANZHOU_KINDS if k in ruleset.subject_kinds]
    kinds = kinds or list(ruleset.subject_kinds)
    return ganzhou_histories(
        kinds=kinds, start=start, end=end, extension_cap=cap, max_extensions=times
    )


def _before_in_force(
    draw: st.DrawFn, ruleset: ir.Ruleset, subject: str, day: dt.date
) -> list[Event]:
    entering = {register.entered_by for register in ruleset.registers}
    if "dishonesty_determined" not in entering:
        return []
    return [
        gz.DishonestyDetermined(
            subject=subject,
            record="b1",
            category=GANZHOU_CATEGORIES[0],
            severity=draw(_SEVERITY),
            date=day,
        )
    ]


# -- a long history ----------------------------------------------------------------------------


def ganzhou_history(n: int, subject: str = "m1") -> list[dict[str, Any]]:
    """``n`` events of one medical institution from 2025 on, year after year: the evaluation
    is published and objected to (one objection suspended, both decided, one upheld with an
    adjusted score); six determinations of dishonesty a month (one in ten severe), most
    followed by a repair application that is accepted, extended and decided (Ganzhou Arts 12,
    20, 21–25); now and then information collected and a commitment made (Arts 5–9). About
    290 events a year, so 10,000 events reach the 2060s: count working days on a calendar
    that reaches that far (``WorkingCalendar(last_year=2100)``)."""
    return first_events(_ganzhou(subject), n)


def _ganzhou(subject: str) -> Iterator[dict[str, Any]]:
    year = 2025
    serial = 0
    while True:
        start = dt.date(year, 1, 20)
        evaluation = f"e{year}"
        yield {
            "type": "evaluation_published",
            "subject": subject,
            "evaluation": evaluation,
            "year": year - 1,
            "score": 55 + (year * 7) % 45,
            "date": start,
        }
        for number, (filed, decided) in enumerate(((12, 40), (15, 50))):
            objection = f"o{year}_{number}"
            yield {
                "type": "objection_filed",
                "subject": subject,
                "objection": objection,
                "evaluation": evaluation,
                "ground": "evaluation_result_disputed",
                "date": start + dt.timedelta(days=filed),
            }
            if number == 1:
                yield {
                    "type": "objection_suspended",
                    "subject": subject,
                    "objection": objection,
                    "until": start + dt.timedelta(days=filed + 6),
                    "reason": "appraisal",
                    "date": start + dt.timedelta(days=filed + 2),
                }
            decision: dict[str, Any] = {
                "type": "objection_decided",
                "subject": subject,
                "objection": objection,
                "evaluation": evaluation,
                "result": "upheld" if number == 0 else "rejected",
                "date": start + dt.timedelta(days=decided),
            }
            if number == 0:
                decision["adjusted_score"] = 60 + (year * 11) % 40
            yield decision
        for month, slot in ((m, s) for m in range(1, 12) for s in range(6)):
            serial += 1
            record = f"d{serial}"
            determined = dt.date(year, month, 2 + 4 * slot)
            yield {
                "type": "dishonesty_determined",
                "subject": subject,
                "record": record,
                "category": f"c{serial % 3}",
                "severity": "severe" if serial % 10 == 0 else "general",
                "date": determined,
            }
            if month % 4 == 0 and slot == 0:
                yield {
                    "type": "information_collected",
                    "subject": subject,
                    "information": f"i{serial}",
                    "kind": "agreement_performance",
                    "source": "supervision",
                    "date": determined + dt.timedelta(days=1),
                }
            if month % 6 == 0 and slot == 1:
                yield {
                    "type": "commitment_made",
                    "subject": subject,
                    "commitment": f"k{serial}",
                    "date": determined + dt.timedelta(days=2),
                }
            if month > 8:
                continue  # repaired in a later year's applications, or never
            application = f"a{serial}"
            applied = determined + dt.timedelta(days=100)
            yield {
                "type": "repair_applied",
                "subject": subject,
                "application": application,
                "record": record,
                "materials": ["application_and_commitment", "rectification_evidence"],
                "date": applied,
            }
            yield {
                "type": "repair_accepted",
                "subject": subject,
                "application": application,
                "date": applied + dt.timedelta(days=2),
            }
            yield {
                "type": "repair_extended",
                "subject": subject,
                "application": application,
                "working_days": 5,
                "date": applied + dt.timedelta(days=10),
            }
            yield {
                "type": "repair_decided",
                "subject": subject,
                "application": application,
                "record": record,
                "granted": serial % 3 != 0,
                "date": applied + dt.timedelta(days=20),
            }
        year += 1


PACK: Final = TestingPack(
    vocabulary="ganzhou-2023",
    histories=_histories,
    before_in_force=_before_in_force,
    long_history=ganzhou_history,
)
