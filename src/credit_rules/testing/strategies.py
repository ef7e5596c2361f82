"""Hypothesis strategies for credit histories, days, and variants of a ruleset.

    >>> from hypothesis import given
    >>> from credit_rules import bundled
    >>> from credit_rules.testing import strategies as crs
    >>> @given(crs.cases(bundled("ganzhou-2023")))
    ... def test_something(case: crs.Case) -> None:
    ...     ...

Histories respect the procedures of the regulations, because a property checked on histories
that could not happen proves nothing and fails for the wrong reason:

- Lianyungang Art 8: a record is collected, verified, determined and entered, and only entered
  records count; objections and corrections (Art 13) refer to entered records.
- Ganzhou Arts 12–20: an evaluation is published, an objection names it, a suspension
  (Art 20) names the objection and ends after it starts, the decision follows the filing.
- Ganzhou Arts 22–25: a repair application names a determined record, then acceptance, at most
  the ruleset's number of extensions within its cap (Art 25: one, of at most 15 working days),
  then the decision.
- Ganzhou Art 15: an agreement is terminated, and qualification applications follow.
- Ganzhou Arts 5–9: information collected with its kind and source; commitments, some breached.

Subjects of every kind, with valid and deliberately invalid identity numbers and unified social
credit codes, come from :mod:`credit_rules.testing.subjects` and are re-exported here
(:func:`subjects`, :func:`subject_mappings`, :func:`resident_identity_numbers`,
:func:`unified_social_credit_codes`); importing this module registers them, so
``st.from_type(InsuredPerson)`` works.

Everything shrinks towards a small, readable counterexample: few events, ids like ``r1``,
``e1``, ``o11``, the first category and the mildest severity, and each date towards the day
the ruleset took effect or towards the event it follows (offsets shrink to zero).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.errors import CalendarRangeError
from credit_rules.model import ganzhou as gz
from credit_rules.model.events import (
    CorrectionAction,
    DishonestyCategory,
    DishonestyCollected,
    DishonestyDetermined,
    DishonestyEntered,
    DishonestyVerified,
    Event,
    ObjectionFiled,
    ObjectionGround,
    QueryRequested,
    RecordCorrected,
)
from credit_rules.model.subjects import SUBJECT_CLASSES, InsuredPerson, Subject
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.loader import with_parameters
from credit_rules.testing._hypothesis import st
from credit_rules.testing.cases import Case, ParameterOverride

# Importing the subject strategies registers them with st.from_type (InsuredPerson, Subject...),
# so `from credit_rules.testing import strategies` is all a suite needs.
from credit_rules.testing.subjects import (
    register_type_strategies,
    representatives,
    resident_identity_numbers,
    subject_mappings,
    subjects,
    unified_social_credit_codes,
)

__all__ = [
    "GANZHOU_CATEGORIES",
    "GANZHOU_IN_FORCE",
    "HISTORY_VOCABULARIES",
    "LIANYUNGANG_IN_FORCE",
    "Case",
    "History",
    "cases",
    "dates",
    "dates_around",
    "days_between",
    "ganzhou_histories",
    "in_force_dates",
    "insured_persons",
    "lianyungang_entries",
    "lianyungang_histories",
    "near_rest_days",
    "parameter_overrides",
    "parameter_variants",
    "register_type_strategies",
    "representatives",
    "resident_identity_numbers",
    "span_end",
    "subject_mappings",
    "subjects",
    "unified_social_credit_codes",
]

LIANYUNGANG_IN_FORCE: Final = dt.date(2007, 10, 1)
"""Lianyungang Art 15: the measures take effect on 1 October 2007."""
GANZHOU_IN_FORCE: Final = dt.date(2024, 1, 13)
"""Ganzhou Art 30: the measures take effect on 13 January 2024."""
GANZHOU_CATEGORIES: Final = ("false_billing", "drug_resale", "fraudulent_claims")
"""Categories of dishonest conduct used in generated Ganzhou determinations. The measures name
none; ``category`` is only the key of "the same type" (Art 23(二)), so three suffice to have
both recurrences of the same type and of another."""

_T = TypeVar("_T")
_ONE_DAY: Final = dt.timedelta(days=1)
#: How far before a ruleset took effect generated events may lie (non-retroactivity).
_BEFORE_IN_FORCE: Final = 90

# Strategies are built once, here and in the cached helpers below, never inside a draw: a fresh
# strategy object costs hypothesis a validation on every example, which made drawing a case
# some ten times slower than evaluating it.
_CATEGORY: Final = st.sampled_from(tuple(DishonestyCategory))
_GROUND: Final = st.sampled_from(tuple(ObjectionGround))
_ACTION: Final = st.sampled_from(tuple(CorrectionAction))
_INFORMATION_KIND: Final = st.sampled_from(tuple(gz.InformationKind))
_SOURCE: Final = st.sampled_from(tuple(gz.CollectionSource))
_SEVERITY: Final = st.sampled_from(tuple(gz.Severity))
_GZ_GROUND: Final = st.sampled_from(tuple(gz.ObjectionGround))
_REASON: Final = st.sampled_from(tuple(gz.SuspensionReason))
_GZ_CATEGORY: Final = st.sampled_from(GANZHOU_CATEGORIES)
#: Shrinks to the plain case: written, repairable, granted (True first), no crime (False first).
_TRUE_FIRST: Final = st.sampled_from((True, False))
_MOSTLY_TRUE: Final = st.sampled_from((True, True, True, False))
# None (not recorded) first; "city" is the department that evaluates and determines.
_DEPARTMENT: Final = st.sampled_from((None, "city", "city", "county"))
_OWN_DEPARTMENT: Final = st.sampled_from((None, "city"))
_FALSE_FIRST: Final = st.sampled_from((False, True))
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


@dataclass(frozen=True)
class History:
    """One subject and its events, ready for ``engine.evaluate([subject], events, as_of=...)``."""

    subject: Subject
    events: tuple[Event, ...]


# -- days ------------------------------------------------------------------------------------


def dates(
    start: dt.date = LIANYUNGANG_IN_FORCE, end: dt.date = dt.date(2026, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Days in [start, end]; shrinks towards 2000-01-01 as far as the range allows (hypothesis'
    own date strategy). New code should prefer :func:`days_between`, which shrinks to ``start``."""
    return st.dates(min_value=start, max_value=end)


@functools.lru_cache(maxsize=512)
def days_between(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    """Days in [start, end], drawn as an offset from ``start``, so they shrink to ``start``."""
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    span = (end - start).days
    return st.integers(0, span).map(lambda n: start + dt.timedelta(days=n))


@functools.lru_cache(maxsize=128)
def _offset(low: int, high: int) -> st.SearchStrategy[dt.timedelta]:
    # Shrinks towards zero (or the bound nearest to it): a follow-up step on the same day, or
    # the next day where the procedure needs a later one.
    return st.integers(low, high).map(lambda n: dt.timedelta(days=n))


@functools.lru_cache(maxsize=64)
def _some(most: int) -> st.SearchStrategy[int]:
    """How many times a procedure happens: 0..most, at least once about five times in six, so
    that short runs still meet every procedure, yet shrinking to none."""
    if most < 1:
        return st.just(0)
    return st.integers(0, most) | st.integers(1, most)


@functools.lru_cache(maxsize=64)
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def span_end(ruleset: ir.Ruleset, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """The last day generated histories reach for ``ruleset``.

    Long enough for a record to expire and the measures it set to run out (twice the longest
    validity of a register, plus a year; at least three years), never past ``in_force_until``,
    and inside the calendar's years, so that every working-day deadline can be counted.
    """
    years = 3
    for register in ruleset.registers:
        if register.validity is None:
            continue
        validity = ruleset.parameter(register.validity).value
        if isinstance(validity, Period):
            length = {"years": validity.count, "months": -(-validity.count // 12)}.get(
                validity.unit, 1
            )
            years = max(years, 2 * length + 1)
    end = _shift_years(ruleset.in_force_from, min(years, 12))
    if ruleset.in_force_until is not None:
        end = min(end, ruleset.in_force_until)
    last_year = (calendar or default_calendar()).last_year
    return min(end, dt.date(last_year - 2, 12, 31))


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def in_force_dates(
    ruleset: ir.Ruleset, *, end: dt.date | None = None
) -> st.SearchStrategy[dt.date]:
    """Days on which ``ruleset`` may be evaluated: from ``in_force_from`` to ``end`` (default
    :func:`span_end`); shrinks to the day it took effect."""
    return days_between(ruleset.in_force_from, end or span_end(ruleset))


def dates_around(
    ruleset: ir.Ruleset,
    *,
    before: int = _BEFORE_IN_FORCE,
    after: int = _BEFORE_IN_FORCE,
    end: dt.date | None = None,
) -> st.SearchStrategy[dt.date]:
    """Days inside and around ``ruleset``'s in-force period: up to ``before`` days before it
    took effect (events the engine must ignore: non-retroactivity, Legislation Law Art 104),
    the period itself to ``end`` (default :func:`span_end`), and, for a ruleset with an
    ``in_force_until``, up to ``after`` days beyond it. Shrinks to ``in_force_from``."""
    inside = in_force_dates(ruleset, end=end)
    first, last = ruleset.in_force_from, ruleset.in_force_until
    options = [inside]
    if before > 0:
        options.append(days_between(first - dt.timedelta(days=before), first - _ONE_DAY))
    if last is not None and after > 0:
        options.append(days_between(last + _ONE_DAY, last + dt.timedelta(days=after)))
    return st.one_of(options)


def _landmarks(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> tuple[dt.date, ...]:
    found: list[dt.date] = []
    for year in range(start.year, end.year + 1):
        try:
            schedule = calendar.schedule(year)
        except CalendarRangeError:
            continue
        found.extend(day for day, _ in schedule.holidays)
        found.extend(day for day, _ in schedule.workdays)
    return tuple(sorted(day for day in set(found) if start <= day <= end))


def near_rest_days(
    start: dt.date,
    end: dt.date,
    *,
    within: int = 3,
    calendar: WorkingCalendar | None = None,
) -> st.SearchStrategy[dt.date]:
    """Days in [start, end] at most ``within`` days from a statutory rest day or an adjusted
    workday (调休上班日) of the PRC calendar: where working-day counts (Ganzhou Arts 12, 20, 25)
    and Civil Code Art 203's move past rest days go wrong if anything does.

    Shrinks towards the earliest such day. Falls back to any day in range when the calendar has
    no holidays there.
    """
    return _near_rest_days(start, end, within, calendar or default_calendar())


@functools.lru_cache(maxsize=64)
def _near_rest_days(
    start: dt.date, end: dt.date, within: int, calendar: WorkingCalendar
) -> st.SearchStrategy[dt.date]:
    landmarks = _landmarks(start, end, calendar)
    if not landmarks:
        return days_between(start, end)
    return st.builds(
        lambda day, shift: min(max(day + dt.timedelta(days=shift), start), end),
        st.sampled_from(landmarks),
        st.integers(-within, within),
    )


@functools.lru_cache(maxsize=64)
def _days(
    start: dt.date, end: dt.date, calendar: WorkingCalendar | None
) -> st.SearchStrategy[dt.date]:
    # Plain days first (they shrink to start), days near rest days second.
    return days_between(start, end) | near_rest_days(start, end, calendar=calendar)


# -- parameters --------------------------------------------------------------------------------


def _bounds(parameter: ir.Parameter) -> tuple[int, int]:
    value = parameter.value
    number = value.count if isinstance(value, Period) else int(value)
    # Where the file declares no bound, stay between half and twice the file's value, so that
    # a variant remains a plausible reading of the text rather than an arbitrary number.
    low = parameter.min if parameter.min is not None else number // 2
    high = parameter.max if parameter.max is not None else max(number * 2, number + 2, low)
    return low, max(high, low)


def _parameter_values(parameter: ir.Parameter) -> st.SearchStrategy[ParameterOverride]:
    if parameter.type == "flag":
        return st.booleans()
    low, high = _bounds(parameter)
    if parameter.type == "count":
        return st.integers(low, high)
    value = parameter.value
    assert isinstance(value, Period)
    unit = value.unit
    return st.integers(low, high).map(lambda n: str(Period(n, unit)))


def parameter_overrides(
    ruleset: ir.Ruleset,
    *,
    names: Iterable[str] | None = None,
    max_changes: int | None = None,
) -> st.SearchStrategy[dict[str, ParameterOverride]]:
    """Changes to some of ``ruleset``'s parameters, each within its declared ``min``/``max``
    (where a bound is not declared: half to twice the file's value), as the mapping
    :func:`credit_rules.with_parameters` takes.

    ``names`` limits which parameters change. Shrinks to no change at all, then to the fewest
    parameters changed. Every interpretation's alternatives are one parameter value away, so
    this is how a property is checked under every reading of the text.
    """
    chosen = set(names) if names is not None else None
    if chosen is not None:
        unknown = chosen - {p.id for p in ruleset.parameters}
        if unknown:
            raise ValueError(f"{ruleset.id} has no parameter {sorted(unknown)[0]!r}")
    candidates = [p for p in ruleset.parameters if chosen is None or p.id in chosen]
    if not candidates:
        return st.just({})
    limit = len(candidates) if max_changes is None else max_changes
    # One "change it?" per parameter, in the file's order, so that shrinking drops each change
    # on its own (a list of picks would shift every later draw). About one in four changes.
    change = st.sampled_from((False, False, False, True))
    values = [(p.id, _parameter_values(p)) for p in candidates]

    @st.composite
    def overrides(draw: st.DrawFn) -> dict[str, ParameterOverride]:
        found: dict[str, ParameterOverride] = {}
        for name, value in values:
            if len(found) < limit and draw(change):
                found[name] = draw(value)
        return found

    return overrides()


@dataclass(frozen=True, repr=False, eq=False)
class _Variant(ir.Ruleset):
    """A ruleset drawn by :func:`parameter_variants`; it only prints shorter, so that a failing
    example reads ``<ruleset lianyungang-2007 1.0.0+record_validity=3 years>`` rather than
    every article of the regulation."""

    def __repr__(self) -> str:
        return f"<ruleset {self.id} {self.version}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ir.Ruleset) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)


def _variant(ruleset: ir.Ruleset, overrides: dict[str, ParameterOverride]) -> ir.Ruleset:
    if not overrides:
        return ruleset
    changed = with_parameters(ruleset, overrides)
    fields = {f.name: getattr(changed, f.name) for f in dataclasses.fields(changed) if f.init}
    return _Variant(**fields)


def parameter_variants(
    ruleset: ir.Ruleset,
    *,
    names: Iterable[str] | None = None,
    max_changes: int | None = None,
) -> st.SearchStrategy[ir.Ruleset]:
    """``with_parameters(ruleset, {...})`` for the changes :func:`parameter_overrides` draws:
    the ruleset under another admissible reading. Shrinks to ``ruleset`` itself."""
    return parameter_overrides(ruleset, names=names, max_changes=max_changes).map(
        lambda overrides: _variant(ruleset, overrides)
    )


# -- Lianyungang -------------------------------------------------------------------------------


def insured_persons(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[InsuredPerson]:
    """Valid Lianyungang subjects."""
    return st.builds(
        InsuredPerson, id=ids if ids is not None else st.sampled_from(["p1", "p2", "p3"])
    )


_EARLIER_STAGES: Final = (DishonestyCollected, DishonestyVerified, DishonestyDetermined)
_STAGE_COUNT: Final = st.integers(0, len(_EARLIER_STAGES))
_P1: Final = insured_persons(st.just("p1"))


def _draw_stages(
    draw: st.DrawFn, subject: str, record: str, category: DishonestyCategory, last: dt.date
) -> list[Event]:
    """Art 8(一)–(三) for one record: some of collection, verification and determination, in
    that order, on or before ``last``."""
    count = draw(_STAGE_COUNT)
    day = last
    stages: list[Event] = []
    for stage in reversed(_EARLIER_STAGES[:count]):
        day = day - draw(_offset(0, 30))
        stages.append(stage(subject=subject, record=record, category=category, date=day))
    return stages[::-1]


def lianyungang_histories(
    *,
    max_records: int = 6,
    start: dt.date = LIANYUNGANG_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
    corrections: bool = True,
    queries: bool = True,
    stages: bool = False,
) -> st.SearchStrategy[History]:
    """One insured person with 0..max_records entered records, and perhaps objections,
    corrections (removals and amendments) and queries that refer to those records.

    With ``stages``, records also go through the earlier steps of Art 8 (collected, verified,
    determined) before entry, and one record may stop before entry (it must not count).
    """
    counts, days = _some(max_records), dates(start, end)
    queried = st.lists(days, max_size=2)

    @st.composite
    def histories(draw: st.DrawFn) -> History:
        person = draw(_P1)
        events: list[Event] = []
        entered: list[DishonestyEntered] = []
        for number in range(draw(counts)):
            record = DishonestyEntered(
                subject=person.id,
                record=f"r{number + 1}",
                category=draw(_CATEGORY),
                date=draw(days),
            )
            if stages:
                events.extend(
                    _draw_stages(draw, person.id, record.record, record.category, record.date)
                )
            entered.append(record)
            events.append(record)
        if stages and draw(st.booleans()):
            category = draw(_CATEGORY)
            events.extend(_draw_stages(draw, person.id, "n1", category, draw(days)))
        if corrections and entered:
            objected = draw(st.lists(_index(len(entered)), max_size=2, unique=True))
            for record in (entered[i] for i in objected):
                filed = draw(dates(record.date, end))
                events.append(
                    ObjectionFiled(
                        subject=person.id, record=record.record, ground=draw(_GROUND), date=filed
                    )
                )
                events.append(
                    RecordCorrected(
                        subject=person.id,
                        record=record.record,
                        action=draw(_ACTION),
                        date=draw(dates(filed, end)),
                    )
                )
        if queries:
            events.extend(QueryRequested(subject=person.id, date=day) for day in draw(queried))
        return History(person, tuple(events))

    return histories()


def lianyungang_entries(
    subject: str = "p1",
    *,
    start: dt.date = LIANYUNGANG_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
) -> st.SearchStrategy[DishonestyEntered]:
    """A single entered record for ``subject`` (its id is chosen to be fresh by callers)."""
    return st.builds(
        DishonestyEntered,
        subject=st.just(subject),
        record=st.just("extra"),
        category=_CATEGORY,
        date=dates(start, end),
    )


# -- Ganzhou -----------------------------------------------------------------------------------

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
    applied = determined + draw(_offset(0, 200))
    events: list[Event] = [
        gz.RepairApplied(
            subject=subject,
            application=application,
            record=record,
            materials=draw(_MATERIALS),
            written=draw(_TRUE_FIRST),
            # Arts 22 and 24: the department's findings, mostly favourable.
            department=draw(_DEPARTMENT),
            corrected=draw(_MOSTLY_TRUE),
            obligations_performed=draw(_MOSTLY_TRUE),
            impact_eliminated=draw(_MOSTLY_TRUE),
            false_materials=not draw(_MOSTLY_TRUE),
            untrue_commitment=not draw(_MOSTLY_TRUE),
            date=applied,
        )
    ]
    if not draw(st.booleans()):
        return events
    accepted = applied + draw(_offset(0, 10))
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
                date=accepted + draw(_offset(0, 20)),
            )
        )
    if draw(st.booleans()):
        events.append(
            gz.RepairDecided(
                subject=subject,
                application=application,
                record=record,
                granted=draw(_TRUE_FIRST),
                date=accepted + draw(_offset(1, 40)),
            )
        )
    return events


def _draw_objection(
    draw: st.DrawFn, subject: str, name: str, evaluation: str | None, published: dt.date
) -> list[Event]:
    """Arts 17–20: filing → suspension(s) for inspection, testing, appraisal or expert review
    (not counted) → decision."""
    filed = published + draw(_offset(0, 40))
    events: list[Event] = [
        gz.ObjectionFiled(
            subject=subject,
            objection=name,
            evaluation=evaluation,
            ground=draw(_GZ_GROUND),
            written=draw(_TRUE_FIRST),
            # Arts 19-20: reasons, materials and the department, mostly as required.
            reasons_given=draw(_MOSTLY_TRUE),
            evidence_supplied=draw(_MOSTLY_TRUE),
            department=draw(_DEPARTMENT),
            date=filed,
        )
    ]
    for _ in range(draw(_some(2))):
        first = filed + draw(_offset(0, 20))
        events.append(
            gz.ObjectionSuspended(
                subject=subject,
                objection=name,
                reason=draw(_REASON),
                date=first,
                until=first + draw(_offset(0, 10)),
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
                date=filed + draw(_offset(1, 40)),
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
        raise ValueError(f"unknown subject kind(s) {unknown}; known: {', '.join(SUBJECT_CLASSES)}")
    kind_of = st.sampled_from(tuple(kinds))
    day = _days(start, end, calendar)
    records, evaluations = _some(max_records), _some(max_evaluations)
    objections = _some(max_objections)
    extensions = _some(max_extensions if extension_cap > 0 else 0)
    qualification_offset = _offset(-60, 1200)

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
                breached = made + draw(_offset(0, 90))
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
                    crime_suspected=draw(_FALSE_FIRST),
                    repairable=draw(_TRUE_FIRST),
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
                target = evaluation if draw(_TRUE_FIRST) else None
                events.extend(_draw_objection(draw, s, f"o{j}{k}", target, published))
        # Art 15: termination of the agreement, and qualification applications around it.
        if draw(st.booleans()):
            terminated = draw(day)
            events.append(gz.AgreementTerminated(subject=s, date=terminated))
            for _ in range(draw(_some(2))):
                applied = terminated + draw(qualification_offset)
                events.append(gz.QualificationApplied(subject=s, date=applied))
        return History(subject, tuple(events))

    return histories()


# -- any ruleset -------------------------------------------------------------------------------


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


def _draw_before_in_force(draw: st.DrawFn, ruleset: ir.Ruleset, subject: str) -> list[Event]:
    """Perhaps a record entered shortly before the ruleset took effect, which must never count.
    It gets no follow-ups: a correction after the date would name a record the ruleset never
    saw."""
    if not draw(st.booleans()):
        return []
    first = ruleset.in_force_from
    day = draw(days_between(first - dt.timedelta(days=_BEFORE_IN_FORCE), first - _ONE_DAY))
    entering = {register.entered_by for register in ruleset.registers}
    if ruleset.vocabulary == "lianyungang-2007" and "dishonesty_entered" in entering:
        category = draw(_CATEGORY)
        return [DishonestyEntered(subject=subject, record="b1", category=category, date=day)]
    if ruleset.vocabulary == "ganzhou-2023" and "dishonesty_determined" in entering:
        return [
            gz.DishonestyDetermined(
                subject=subject,
                record="b1",
                category=GANZHOU_CATEGORIES[0],
                severity=draw(_SEVERITY),
                date=day,
            )
        ]
    return []


_HistoryFactory = Callable[[ir.Ruleset, dt.date, dt.date], st.SearchStrategy[History]]


def _lianyungang(ruleset: ir.Ruleset, start: dt.date, end: dt.date) -> st.SearchStrategy[History]:
    return lianyungang_histories(max_records=5, start=start, end=end, stages=True)


def _ganzhou(ruleset: ir.Ruleset, start: dt.date, end: dt.date) -> st.SearchStrategy[History]:
    cap, times = _extension_limits(ruleset)
    kinds: list[str] = [k for k in _GANZHOU_KINDS if k in ruleset.subject_kinds]
    kinds = kinds or list(ruleset.subject_kinds)
    return ganzhou_histories(
        kinds=kinds, start=start, end=end, extension_cap=cap, max_extensions=times
    )


_HISTORIES: Final[dict[str, _HistoryFactory]] = {
    "lianyungang-2007": _lianyungang,
    "ganzhou-2023": _ganzhou,
}
HISTORY_VOCABULARIES: Final = tuple(sorted(_HISTORIES))
"""The event vocabularies :func:`cases` can draw histories for."""

_AFTER_LAST: Final = _offset(0, 400)
_AROUND: Final = _offset(-20, 20)


def _draw_as_of(
    draw: st.DrawFn, ruleset: ir.Ruleset, events: Sequence[Event], end: dt.date
) -> dt.date:
    first = ruleset.in_force_from
    last = ruleset.in_force_until or dt.date.max
    known = sorted({e.date for e in events if e.date >= first})
    # Usually after the last event (shrinking to its day); otherwise among the events, so that
    # some lie after as_of (time locality).
    if not known or draw(_TRUE_FIRST):
        chosen = (known[-1] if known else first) + draw(_AFTER_LAST)
    else:
        chosen = known[draw(_index(len(known)))] + draw(_AROUND)
    return min(max(chosen, first), last, end + dt.timedelta(days=400))


def cases(
    ruleset: ir.Ruleset,
    *,
    vary_parameters: bool = False,
    parameters: Iterable[str] | None = None,
) -> st.SearchStrategy[Case]:
    """A case for any ruleset whose vocabulary has a history strategy (``lianyungang-2007``,
    ``ganzhou-2023``): one subject of a kind the ruleset declares, its history from before the
    ruleset took effect to :func:`span_end`, and a day to evaluate on, usually after the last
    event, sometimes among them (so that some events are in the future).

    With ``vary_parameters`` the case also changes some parameters within their bounds
    (:func:`parameter_overrides`, limited to ``parameters`` if given), and the history respects
    the changed ruleset (an Art 25 cap of 0 allows no extension). Raises ``ValueError`` for a
    vocabulary without a history strategy.
    """
    factory = _HISTORIES.get(ruleset.vocabulary)
    if factory is None:
        known = ", ".join(HISTORY_VOCABULARIES)
        raise ValueError(
            f"no history strategy for vocabulary {ruleset.vocabulary!r} (known: {known})"
        )
    start, end = ruleset.in_force_from, span_end(ruleset)
    plain = factory(ruleset, start, end)
    changes = parameter_overrides(ruleset, names=parameters) if vary_parameters else None
    varied: dict[tuple[tuple[str, Any], ...], st.SearchStrategy[History]] = {}

    def histories_for(key: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[History]:
        if not key:
            return plain
        if key not in varied:
            if len(varied) > 256:
                varied.clear()
            varied[key] = factory(with_parameters(ruleset, dict(key)), start, end)
        return varied[key]

    @st.composite
    def drawn(draw: st.DrawFn) -> Case:
        key: tuple[tuple[str, Any], ...] = ()
        if changes is not None:
            key = tuple(sorted(draw(changes).items()))
        history = draw(histories_for(key))
        earlier = _draw_before_in_force(draw, ruleset, history.subject.id)
        events = (*earlier, *history.events)
        as_of = _draw_as_of(draw, ruleset, events, end)
        return Case((history.subject,), events, as_of, key)

    return drawn()
