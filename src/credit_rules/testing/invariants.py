"""Invariants: properties every ruleset must keep, each checked on one case at a time.

Each invariant is a function ``(engine, case) -> None`` that raises :class:`InvariantViolation`
with the counterexample, rendered as a scenario file, when the property does not hold. Use them
in your own property tests:

    >>> from hypothesis import given
    >>> from credit_rules import Engine, bundled, with_parameters
    >>> from credit_rules.testing import invariants, strategies as crs
    >>> ruleset = with_parameters(bundled("lianyungang-2007"), {"record_validity": "3 years"})
    >>> engine = Engine(ruleset)
    >>> @given(crs.cases(ruleset))
    ... def test_one_more_record_is_never_milder(case: crs.Case) -> None:
    ...     invariants.monotonicity(engine, case)

or run all of those that apply to a ruleset with :func:`check_ruleset` (which is what
``credit-rules check RULESET.yaml`` does).

===================== ==========================================================================
invariant             protects
===================== ==========================================================================
determinism           equal treatment (Lianyungang Art 5, Ganzhou Art 3: 客观、公正)
time_locality         only what had happened by ``as_of`` counts (Lianyungang Art 8, Ganzhou
                      Art 14 "实时"; docs/semantics.md, Time)
monotonicity          Lianyungang Arts 9–11: more records, never a milder measure; Ganzhou
                      Arts 11 and 14: graver conduct, never a better grade
expiry                Lianyungang Art 14 (valid 5 years); Ganzhou Art 18(4) (not used beyond
                      its time limit)
deadline_sanity       Civil Code Arts 201–203; Ganzhou Arts 12, 20 (excluded time) and 25
backend_agreement     docs/decisions/0001: the closures are the reference semantics
layering_neutrality   Ganzhou Art 28: higher-level rules laid over the city's change only what
                      they say
===================== ==========================================================================

An invariant that needs something a ruleset lacks (a register, a ladder of measures, a deadline)
has nothing to check there: :meth:`Invariant.not_applicable` says why, and :func:`check_ruleset`
reports it as not applicable instead of passing it silently.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from credit_rules.engine.engine import Backend, Engine
from credit_rules.errors import (
    ArgumentError,
    BackendUnavailable,
    CalendarRangeError,
    CreditRulesError,
    InvariantViolation,
    RulesetError,
)
from credit_rules.i18n import Message, Quantity, listing
from credit_rules.model.events import Event
from credit_rules.model.results import Deadline, Decision, Evaluation
from credit_rules.model.vocabularies import field_of
from credit_rules.ruleset import ir
from credit_rules.ruleset.render import cite_text
from credit_rules.scenario import Expectation
from credit_rules.testing import _support as support
from credit_rules.testing._suite import InvariantResult, Report, Status, run_suite
from credit_rules.testing.cases import Case, render_scenario

__all__ = [
    "ALL_INVARIANTS",
    "INVARIANTS",
    "ORDER_INDEPENDENCE",
    "Invariant",
    "InvariantResult",
    "InvariantViolation",
    "Report",
    "Status",
    "applicable",
    "backend_agreement",
    "by_name",
    "check_ruleset",
    "deadline_sanity",
    "determinism",
    "expiry",
    "layering_neutrality",
    "monotonicity",
    "order_independence",
    "time_locality",
]

_ONE_DAY: Final = dt.timedelta(days=1)


def _violation(
    name: str,
    cites: str,
    message: Message,
    engine: Engine,
    case: Case,
    *,
    expect: Mapping[str, Any] | None = None,
    comments: Sequence[str] = (),
) -> InvariantViolation:
    scenario = render_scenario(
        engine.ruleset,
        case,
        expect=expect,
        comments=(f"Counterexample to invariant {name} ({cites}):", message, *comments),
    )
    return InvariantViolation(name, message, cites=cites, counterexample=case, scenario=scenario)


def _expected(decisions: Iterable[Decision]) -> list[dict[str, Any]]:
    return [
        {
            "subject": d.subject,
            "outcome": d.outcome,
            "from": d.from_,
            "until": d.until,
            "active": d.active,
        }
        for d in decisions
    ]


# -- determinism -----------------------------------------------------------------------------

_DETERMINISM = Message("Lianyungang Art 5, Ganzhou Art 3 (客观、公正)")


def determinism(engine: Engine, case: Case) -> None:
    """The same case always gives the same result, to the byte: evaluated twice, by a freshly
    compiled engine, and with the events listed in another order.

    An objective and fair administration (Lianyungang Art 5, Ganzhou Art 3) treats one history
    one way; a result that depends on a cache, on which engine instance ran, or on the order a
    service happened to list the events in, is not a decision anyone could audit. The events
    are listed latest day first and, within a day, by type in reverse; only same-day events of
    one type keep their relative order (see :func:`order_independence` for them).
    """
    name = "determinism"
    run = support.engine_for(engine, case)
    first = support.outcome_text(run, case)
    second = support.outcome_text(run, case)
    if second != first:
        raise _violation(
            name,
            _DETERMINISM,
            Message(
                "evaluating the same case twice gave different results: {difference}",
                difference=support.first_difference(first, second),
            ),
            engine,
            case,
        )
    fresh = support.outcome_text(support.sibling(run, run.ruleset), case)
    if fresh != first:
        raise _violation(
            name,
            _DETERMINISM,
            Message(
                "a freshly compiled engine on the same ruleset gave a different result: "
                "{difference}",
                difference=support.first_difference(first, fresh),
            ),
            engine,
            case,
        )
    # sorted(reverse=True) is stable: same-day events of one type keep their order.
    reordered = tuple(sorted(case.events, key=lambda e: (e.date, e.type), reverse=True))
    if reordered == case.events:
        return
    if not _same_when_reordered(run, case, reordered):
        raise _violation(
            name,
            _DETERMINISM,
            Message(
                "listing the events latest day first (and each day's types in reverse) "
                "changed the result"
            ),
            engine,
            case,
            comments=(
                "The same events, listed latest day first, give another result; this "
                "scenario lists them in the order that was generated.",
            ),
        )


def _same_when_reordered(run: Engine, case: Case, reordered: tuple[Event, ...]) -> bool:
    """Whether listing the case's events as ``reordered`` gives the same result (or the same
    refusal: an error either way counts as one answer)."""
    try:
        listed = support.canonical(support.evaluate(run, case))
    except CreditRulesError:
        listed = None
    try:
        other = support.canonical(support.evaluate(run, case, reordered))
    except CreditRulesError:
        other = None
    return listed == other


def order_independence(engine: Engine, case: Case) -> None:
    """Stricter than :func:`determinism`: the events listed in exactly the reverse order,
    same-day events included, give the same result.

    A history is a set of dated events; two services listing the same events differently should
    get the same decisions. The engine puts same-day events in a canonical order (type, then
    the id they name); events of one type naming the same id on the same day (two suspensions
    of one objection, Ganzhou Art 20) still follow the order given, so this is not in
    :data:`INVARIANTS`. Run it to find where a result depends on that order.
    """
    run = support.engine_for(engine, case)
    reordered = tuple(reversed(case.events))
    if not _same_when_reordered(run, case, reordered):
        raise _violation(
            "order_independence",
            _DETERMINISM,
            Message(
                "listing the same events in reverse order (same-day events too) changed the result"
            ),
            engine,
            case,
            comments=("Reverse the order of the events to see the other result.",),
        )


# -- time locality ---------------------------------------------------------------------------

_TIME_LOCALITY = Message("Lianyungang Art 8, Ganzhou Art 14 (实时)")


def time_locality(engine: Engine, case: Case) -> None:
    """Events dated after ``as_of`` change nothing: not a decision, a deadline, a duty or an
    explanation.

    A record counts from its entry (Lianyungang Art 8(四)); supervision follows the evaluation
    result as it stands (Ganzhou Art 14, 实时). A result as of a day that moved when something
    happened later would rewrite what an agency could have known and decided on that day.
    Cases without events after ``as_of`` pass trivially; :func:`credit_rules.testing.
    strategies.cases` puts some there.
    """
    later = [e for e in case.events if e.date > case.as_of]
    if not later:
        return
    run = support.engine_for(engine, case)
    everything = support.outcome_text(run, case)
    known = support.outcome_text(run, case, case.known())
    if everything == known:
        return
    expect: dict[str, Any] | None = None
    try:
        expect = {
            "decisions": _expected(support.evaluate(run, case, case.known()).decisions),
            "exactly": True,
        }
    except CreditRulesError:
        expect = None
    days = listing(sorted({e.date.isoformat() for e in later}))
    raise _violation(
        "time_locality",
        _TIME_LOCALITY,
        Message(
            "{count} event(s) dated after {as_of} (on {days}) changed the result: {difference}",
            count=len(later),
            as_of=case.as_of,
            days=days,
            difference=support.first_difference(known, everything),
        ),
        engine,
        case,
        expect=expect,
        comments=(
            "expect: the decisions of the same scenario without the events after as_of "
            "(deadlines and duties must not change either).",
        ),
    )


# -- monotonicity ----------------------------------------------------------------------------

_MONOTONICITY = Message("Lianyungang Arts 9–11, Ganzhou Arts 11 and 14")


def _more_severe(record: Event) -> tuple[Event, Message] | None:
    """``record`` at the gravest severity its vocabulary knows, if it is not there already, and
    how its severity changed."""
    field = field_of(record, "severity_fields")
    value = getattr(record, field, None) if field is not None else None
    if field is None or not isinstance(value, Enum):
        return None
    levels = list(type(value))
    if value == levels[-1]:
        return None
    change = Message("from {value} to {graver}", value=str(value), graver=str(levels[-1]))
    return record.model_copy(update={field: levels[-1]}), change


def _milder_on(
    fewer: Evaluation, more: Evaluation, day: dt.date, ladder: Mapping[str, tuple[str, int]]
) -> tuple[tuple[str, str], Decision, Decision | None] | None:
    base = support.severity_on(fewer, day, ladder)
    grown = support.severity_on(more, day, ladder)
    for key, (priority, decision) in sorted(base.items()):
        found = grown.get(key)
        if found is None or found[0] < priority:
            return key, decision, None if found is None else found[1]
    return None


def _check_not_milder(
    engine: Engine,
    run: Engine,
    case: Case,
    ladder: Mapping[str, tuple[str, int]],
    fewer_events: Sequence[Event],
    more_events: Sequence[Event],
    since: dt.date,
    what: Message,
) -> None:
    fewer = support.evaluate(run, case, fewer_events)
    more = support.evaluate(run, case, more_events)
    for day in support.change_days((fewer, more), since, case.as_of, ladder):
        if _milder_on(fewer, more, day, ladder) is None:
            continue
        # Confirm on that day itself: the days were read off one evaluation as of a later
        # day, and the claim is about the evaluation a person would get on this one.
        confirmed = _milder_on(
            support.evaluate(run, case, fewer_events, as_of=day),
            support.evaluate(run, case, more_events, as_of=day),
            day,
            ladder,
        )
        if confirmed is None:
            continue
        (subject, group), stricter, milder = confirmed
        rung = ladder[stricter.rule][1]
        got = (
            Message(
                "{outcome} (rule {rule}, priority {priority})",
                outcome=milder.outcome,
                rule=milder.rule,
                priority=ladder[milder.rule][1],
            )
            if milder is not None
            else Message("no measure of that group")
        )
        shown = case.with_events([e for e in more_events if e.date <= day], as_of=day)
        raise _violation(
            "monotonicity",
            _MONOTONICITY,
            Message(
                "{what} made {subject}'s {group!r} measure milder on {day}: without it "
                "{outcome} (rule {rule}, priority {priority}) applies, with it {got}",
                what=what,
                subject=subject,
                group=group,
                day=day,
                outcome=stricter.outcome,
                rule=stricter.rule,
                priority=rung,
                got=got,
            ),
            engine,
            shown,
            expect={
                "decisions": [{"subject": subject, "outcome": stricter.outcome, "active": True}]
            },
            comments=(
                f"expect: {stricter.outcome}, or a measure of group {group!r} with a priority "
                f"above {rung}, active on as_of.",
            ),
        )


def monotonicity(engine: Engine, case: Case) -> None:
    """One more record, or a graver one, never gives a milder measure on any later day.

    Severity is read from the ruleset: within a ``group`` of measures (a ladder such as
    Lianyungang Arts 9–11), a rule of higher ``priority`` is more severe, and any measure is
    more severe than none. For each record of a register in the case, the history without it
    (and without the steps that name it) is compared with the history, day by day from its
    entry to ``as_of``; a record with a ``severity`` (Ganzhou) is also compared at the gravest
    severity. Measures outside any group are not ordered, so they are not compared.
    """
    run = support.engine_for(engine, case)
    ladder = support.ladders(run.ruleset)
    if not ladder:
        return
    for register, record in support.records(run.ruleset, case):
        key = support.record_key(register, record)
        _check_not_milder(
            engine,
            run,
            case,
            ladder,
            support.without_record(case.events, register, record),
            case.events,
            record.date,
            Message("entering record {key} on {day}", key=key, day=record.date),
        )
        raised = _more_severe(record)
        if raised is not None:
            graver, change = raised
            events = [graver if e is record else e for e in case.events]
            _check_not_milder(
                engine,
                run,
                case,
                ladder,
                case.events,
                events,
                record.date,
                Message("raising record {key}'s severity {change}", key=key, change=change),
            )


# -- expiry ----------------------------------------------------------------------------------

_EXPIRY = Message("Lianyungang Art 14, Ganzhou Art 18(4) (超期限使用)")


def _active(evaluation: Evaluation, day: dt.date, rules: Iterable[str]) -> set[tuple[str, str]]:
    wanted = frozenset(rules)
    return {
        (d.subject, d.outcome)
        for d in evaluation.decisions
        if d.rule in wanted and support.covers(d, day)
    }


def expiry(engine: Engine, case: Case) -> None:
    """A record past its validity never counts: once it has expired and every measure it could
    have helped to set (while still valid) has run its term, the history with it and without it
    give the same measures.

    Lianyungang Art 14 makes a record valid for 5 years; Ganzhou Art 18(4) lets a subject
    object to adverse information used beyond its time limit. Measures that ran out are
    compared (rules with an ``until``): from the day after the record's last valid day plus the
    longest term any such rule adds to its start, through ``as_of``. Open-ended measures are
    not compared, because one decided while the record was valid may rightly last.
    """
    run = support.engine_for(engine, case)
    ruleset = run.ruleset
    bounded = support.bounded_measures(ruleset)
    if not bounded:
        return
    full: Evaluation | None = None
    for register, record in support.records(ruleset, case):
        if register.validity is None:
            continue
        validity = ruleset.parameter(register.validity).value
        assert not isinstance(validity, bool | int)
        last_valid = support.after_periods(record.date, [validity], run.calendar)
        if last_valid is None:
            continue
        ends = [
            support.after_periods(last_valid, terms, run.calendar) for terms in bounded.values()
        ]
        if any(end is None for end in ends):
            continue
        free_from = max(end for end in ends if end is not None) + _ONE_DAY
        if free_from > case.as_of:
            continue
        full = full if full is not None else support.evaluate(run, case)
        fewer_events = support.without_record(case.events, register, record)
        fewer = support.evaluate(run, case, fewer_events)
        for day in support.change_days((full, fewer), free_from, case.as_of, bounded):
            if _active(full, day, bounded) == _active(fewer, day, bounded):
                continue
            with_it = _active(support.evaluate(run, case, as_of=day), day, bounded)
            without = _active(support.evaluate(run, case, fewer_events, as_of=day), day, bounded)
            if with_it == without:
                continue
            key = support.record_key(register, record)
            extra, missing = sorted(with_it - without), sorted(without - with_it)
            shown = case.with_events([e for e in case.events if e.date <= day], as_of=day)
            expect: dict[str, Any] = {}
            if missing:
                expect["decisions"] = [
                    {"subject": s, "outcome": o, "active": True} for s, o in missing
                ]
            if extra:
                expect["absent"] = sorted({o for _, o in extra})
            raise _violation(
                "expiry",
                _EXPIRY,
                Message(
                    "record {key}, entered {entered}, was valid through {last_valid} "
                    "({parameter} = {validity}); every measure it could help set had ended by "
                    "{ended}, yet on {day} it still counts: with it {with_it}, without it "
                    "{without}",
                    key=key,
                    entered=record.date,
                    last_valid=last_valid,
                    parameter=register.validity,
                    validity=validity,
                    ended=free_from - _ONE_DAY,
                    day=day,
                    with_it=_measures(with_it),
                    without=_measures(without),
                ),
                engine,
                shown,
                expect=expect,
            )


def _measures(active: set[tuple[str, str]]) -> Message:
    outcomes = [outcome for _, outcome in sorted(active)]
    return listing(outcomes) if outcomes else Message("no measure")


# -- deadline sanity -------------------------------------------------------------------------

_DEADLINES = Message("Civil Code Arts 201–203, Ganzhou Arts 12, 20 and 25")
_WORKING_DAYS = "工作日"


def _cited_texts(ruleset: ir.Ruleset, cites: Iterable[ir.Cite]) -> list[tuple[str, str]]:
    texts = []
    for cite in cites:
        article = ruleset.article(cite.article)
        item = article.item(cite.item) if cite.item is not None else None
        texts.append((cite_text(cite), item.zh if item is not None else article.zh))
    return texts


def _counted(deadline: Deadline, day: dt.date, engine: Engine) -> bool:
    excluded = any(p.first <= day <= p.last for p in deadline.excluded)
    return not excluded and engine.calendar.is_working_day(day, strict=False)


def _nth_counted(deadline: Deadline, run: Engine) -> dt.date | None:
    """The day an independent count gives: the Nth working day after the start that no
    excluded period covers, N being the count plus extensions (Civil Code Art 201: the start
    day itself is not counted)."""
    wanted = deadline.count + deadline.extended_by
    day, found = deadline.start, 0
    for _ in range(wanted * 7 + 400):
        if found == wanted:
            return day
        day += _ONE_DAY
        found += _counted(deadline, day, run)
    return None


def _deadline_problem(
    ruleset: ir.Ruleset, deadline: Deadline, run: Engine
) -> tuple[Message, dt.date | None] | None:
    """What is wrong with ``deadline``, and the due date the law gives instead (if known)."""
    rule = next((r for r in ruleset.rules if r.id == deadline.rule), None)
    if rule is None or rule.period is None:
        return None
    parameter = ruleset.parameter(rule.period)
    what = Message(
        "deadline {name} (rule {rule}) from {start}",
        name=deadline.name,
        rule=deadline.rule,
        start=deadline.start,
    )
    if deadline.unit != "working_days":
        for where, text in _cited_texts(ruleset, parameter.cites or rule.cites):
            if _WORKING_DAYS in text:
                expected = _nth_counted(deadline, run)
                return (
                    Message(
                        "{what} counts {period} ({parameter} = {value}), but {where}, which it "
                        "cites, counts working days ({words}): due {due} instead of {expected}",
                        what=what,
                        period=Quantity(deadline.count, deadline.unit),
                        parameter=rule.period,
                        value=parameter.value,
                        where=where,
                        words=_WORKING_DAYS,
                        due=deadline.due,
                        expected=expected if expected else Message("later"),
                    ),
                    expected,
                )
    if deadline.due < deadline.start:
        return Message("{what} is due {due}, before it starts", what=what, due=deadline.due), None
    if not run.calendar.is_working_day(deadline.due, strict=False):
        return (
            Message(
                "{what} is due {due}, which is not a working day (Civil Code Art 203 moves "
                "the last day of an act past rest days)",
                what=what,
                due=deadline.due,
            ),
            run.calendar.roll_forward(deadline.due, strict=False),
        )
    if deadline.unit == "working_days":
        expected = _nth_counted(deadline, run)
        if expected != deadline.due:
            return (
                Message(
                    "{what} is due {due}, but {count} working days plus {extended} of "
                    "extension, not counting {excluded} excluded period(s), end on {expected}",
                    what=what,
                    due=deadline.due,
                    count=deadline.count,
                    extended=deadline.extended_by,
                    excluded=len(deadline.excluded),
                    expected=expected if expected else Message("a later day"),
                ),
                expected,
            )
    return None


def _deadline_expect(deadline: Deadline, due: dt.date | None) -> dict[str, Any] | None:
    # Scenario files state deadlines only where the installed format knows them.
    if due is None or "deadlines" not in Expectation.model_fields:
        return None
    expected = {"subject": deadline.subject, "name": deadline.name}
    return {"deadlines": [{**expected, "start": deadline.start, "due": due}]}


def deadline_sanity(engine: Engine, case: Case) -> None:
    """Deadlines count what the law counts: a deadline whose article says N working days
    (工作日) counts working days; it ends on the Nth working day after its start, not counting
    excluded time, plus any extension (Ganzhou Arts 12, 20, 25); every act deadline is due on a
    working day (Civil Code Art 203); and excluded periods and extensions never make a deadline
    earlier than it would be without them.

    Each deadline is checked against the calendar day by day (an independent count, not the
    engine's arithmetic), and the case is evaluated again without its suspensions and
    extensions to compare the due dates.
    """
    name = "deadline_sanity"
    run = support.engine_for(engine, case)
    ruleset = run.ruleset
    evaluation = support.evaluate(run, case)
    for deadline in evaluation.deadlines:
        try:
            problem = _deadline_problem(ruleset, deadline, run)
        except CalendarRangeError:
            continue
        if problem is not None:
            message, due = problem
            expect = _deadline_expect(deadline, due)
            raise _violation(
                name,
                _DEADLINES,
                message,
                engine,
                case,
                expect=expect,
                comments=() if expect else ("expect: see the message above.",),
            )
    affected = [d for d in evaluation.deadlines if d.excluded or d.extended_by]
    if not affected:
        return
    lengthening: set[str] = set()
    for rule in ruleset.rules:
        if rule.excluding is not None:
            lengthening.add(rule.excluding.event_type)
        if rule.extended_by is not None:
            lengthening.add(rule.extended_by.event_type)
    plain_events = [e for e in case.events if e.type not in lengthening]
    plain = {
        (d.subject, d.rule, d.start): d for d in support.evaluate(run, case, plain_events).deadlines
    }
    for deadline in affected:
        without = plain.get((deadline.subject, deadline.rule, deadline.start))
        if without is not None and deadline.due < without.due:
            raise _violation(
                name,
                _DEADLINES,
                Message(
                    "deadline {name} (rule {rule}) from {start} is due {due} with {excluded} "
                    "excluded period(s) and {extended} working days of extension, earlier than "
                    "{earlier} without them",
                    name=deadline.name,
                    rule=deadline.rule,
                    start=deadline.start,
                    due=deadline.due,
                    excluded=len(deadline.excluded),
                    extended=deadline.extended_by,
                    earlier=without.due,
                ),
                engine,
                case,
            )


# -- backend agreement -----------------------------------------------------------------------

_BACKENDS = Message("docs/decisions/0001 (the closures are the reference semantics)")


def _other_backend(run: Engine) -> Engine:
    other: Backend = "durable" if run.backend == "closures" else "closures"
    return support.derived(
        run, ("backend", other), lambda: support.sibling(run, run.ruleset, other)
    )


def backend_agreement(engine: Engine, case: Case) -> None:
    """The durable-rules backend gives exactly the closures' result, to the byte.

    The closures are the reference semantics (docs/decisions/0001); any other backend is only
    an implementation of them. Raises :class:`credit_rules.BackendUnavailable` when the
    ``durable`` extra is not installed (or cannot run on this Python): in a pytest suite, skip
    with ``pytest.importorskip("durable")``; :func:`check_ruleset` reports it as skipped.
    """
    run = support.engine_for(engine, case)
    other = _other_backend(run)
    mine, theirs = support.outcome_text(run, case), support.outcome_text(other, case)
    if mine == theirs:
        return
    reference = run if run.backend == "closures" else other
    expect: dict[str, Any] | None = None
    try:
        expect = {
            "decisions": _expected(support.evaluate(reference, case).decisions),
            "exactly": True,
        }
    except CreditRulesError:
        expect = None
    raise _violation(
        "backend_agreement",
        _BACKENDS,
        Message(
            "the {other} backend disagrees with the {backend} backend: {difference}",
            other=other.backend,
            backend=run.backend,
            difference=support.first_difference(mine, theirs),
        ),
        engine,
        case,
        expect=expect,
        comments=(
            "expect: the closures' decisions; run it with "
            "`credit-rules evaluate FILE --backend durable` to see the other answer.",
        ),
    )


def _backend_skip(engine: Engine) -> str | None:
    try:
        _other_backend(engine)
    except BackendUnavailable as error:
        first = error.args[0] if error.args else None
        return first if isinstance(first, Message) else str(error)
    return None


# -- layering neutrality ---------------------------------------------------------------------

_LAYERING = Message("Ganzhou Art 28 (higher-level rules prevail)")
_LAYERS: weakref.WeakKeyDictionary[Engine, Engine | RulesetError] = weakref.WeakKeyDictionary()


def _layered(run: Engine) -> Engine | RulesetError:
    found = _LAYERS.get(run)
    if found is None:
        try:
            found = support.sibling(run, support.empty_layer(run.ruleset))
        except RulesetError as error:
            found = error
        _LAYERS[run] = found
    return found


def _first_problem(error: RulesetError) -> Message:
    first = error.problems[0].render(error.source) if error.problems else str(error)
    more = len(error.problems) - 1
    if more > 0:
        return Message("{first} (and {more} more problems)", first=first, more=more)
    return Message.raw(first)


def _content(evaluation: Evaluation) -> dict[str, Any]:
    dumped = evaluation.model_dump(mode="json")
    dumped.pop("ruleset")  # the layer has its own id, version and digest, as it must
    return dumped


def layering_neutrality(engine: Engine, case: Case) -> None:
    """An empty layer over a ruleset changes nothing: ``extends: <this ruleset>`` with no
    entries gives the same decisions, deadlines, duties and explanations.

    Layers carry a higher level's rules over the city's (Ganzhou Art 28). If merely layering
    changed a result, every national or provincial override would change more than it says.
    The layer is built over the ruleset's own file (or bundled id), with the same parameter
    changes if the engine runs a :func:`credit_rules.with_parameters` variant. Does nothing for
    a ruleset that was not loaded from a file.
    """
    name = "layering_neutrality"
    run = support.engine_for(engine, case)
    if support.layer_base(run.ruleset) is None:
        return
    layered = _layered(run)
    if isinstance(layered, RulesetError):
        raise _violation(
            name,
            _LAYERING,
            Message(
                "an empty layer over {source} does not load: {problem}",
                source=run.ruleset.source,
                problem=_first_problem(layered),
            ),
            engine,
            case,
            comments=("Any scenario shows it: the layer itself cannot be loaded.",),
        )
    base = support.outcome_text(run, case)
    try:
        same = _content(support.evaluate(run, case)) == _content(support.evaluate(layered, case))
    except CreditRulesError:
        same = base == support.outcome_text(layered, case)
    if same:
        return
    expect: dict[str, Any] | None = None
    try:
        expect = {"decisions": _expected(support.evaluate(run, case).decisions), "exactly": True}
    except CreditRulesError:
        expect = None
    raise _violation(
        name,
        _LAYERING,
        Message(
            "an empty layer over the ruleset changed the result: {difference}",
            difference=support.first_difference(base, support.outcome_text(layered, case)),
        ),
        engine,
        case,
        expect=expect,
        comments=("expect: the ruleset's own decisions; evaluate it with an empty layer over it.",),
    )


# -- the suite -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invariant:
    """A named invariant: the check, the article it protects, and when it applies.

    Calling an ``Invariant`` calls its check: ``invariants.by_name("expiry")(engine, case)``.
    """

    name: str
    check: Callable[[Engine, Case], None]
    protects: str
    summary: str
    needs: Callable[[ir.Ruleset], str | None] = lambda ruleset: None
    skip: Callable[[Engine], str | None] = lambda engine: None

    def __call__(self, engine: Engine, case: Case) -> None:
        self.check(engine, case)

    def not_applicable(self, ruleset: ir.Ruleset) -> str | None:
        """Why this invariant has nothing to check in ``ruleset``, or None if it applies."""
        return self.needs(ruleset)


def _needs_ladder(ruleset: ir.Ruleset) -> str | None:
    if not ruleset.registers:
        return Message("the ruleset has no register of records")
    if not support.ladders(ruleset):
        return Message("no measure rule has a group, so the ruleset orders no measures by severity")
    return None


def _needs_validity(ruleset: ir.Ruleset) -> str | None:
    if not any(register.validity is not None for register in ruleset.registers):
        return Message("no register has a validity: records count until removed")
    if not support.bounded_measures(ruleset):
        return Message("no measure rule has an until, so there is no term to run out")
    return None


def _needs_deadlines(ruleset: ir.Ruleset) -> str | None:
    if any(rule.outcome_kind == "deadline" for rule in ruleset.rules):
        return None
    return Message("the ruleset has no deadline rules")


def _needs_file(ruleset: ir.Ruleset) -> str | None:
    if support.layer_base(ruleset) is None:
        return Message(
            "the ruleset was not loaded from a file ({source}), so nothing can extend it",
            source=ruleset.source,
        )
    return None


INVARIANTS: Final[tuple[Invariant, ...]] = (
    Invariant(
        "determinism",
        determinism,
        _DETERMINISM,
        "same case, same result: twice, on a fresh engine, events listed in another order",
    ),
    Invariant(
        "time_locality",
        time_locality,
        _TIME_LOCALITY,
        "events after as_of change nothing",
    ),
    Invariant(
        "monotonicity",
        monotonicity,
        _MONOTONICITY,
        "one more (or a graver) record never gives a milder measure on a later day",
        needs=_needs_ladder,
    ),
    Invariant(
        "expiry",
        expiry,
        _EXPIRY,
        "a record past its validity never counts",
        needs=_needs_validity,
    ),
    Invariant(
        "deadline_sanity",
        deadline_sanity,
        _DEADLINES,
        "working-day deadlines land on working days; excluded time never makes them earlier",
        needs=_needs_deadlines,
    ),
    Invariant(
        "backend_agreement",
        backend_agreement,
        _BACKENDS,
        "the durable-rules backend gives the closures' result",
        skip=_backend_skip,
    ),
    Invariant(
        "layering_neutrality",
        layering_neutrality,
        _LAYERING,
        "an empty layer changes nothing",
        needs=_needs_file,
    ),
)
"""Every invariant of the default suite, in the order :func:`check_ruleset` runs them."""

ORDER_INDEPENDENCE: Final = Invariant(
    "order_independence",
    order_independence,
    _DETERMINISM,
    "events listed in reverse order, same-day events too, give the same result",
)
"""Not in the default suite (see :func:`order_independence`); select it by name."""

ALL_INVARIANTS: Final[tuple[Invariant, ...]] = (*INVARIANTS, ORDER_INDEPENDENCE)
"""The default suite and the stricter extras, which :func:`by_name` finds."""


def by_name(name: str) -> Invariant:
    """The invariant called ``name``; ``ValueError`` listing the names if there is none."""
    for invariant in ALL_INVARIANTS:
        if invariant.name == name:
            return invariant
    known = ", ".join(i.name for i in ALL_INVARIANTS)
    raise ArgumentError(Message("no invariant {name!r}; known: {known}", name=name, known=known))


def applicable(ruleset: ir.Ruleset) -> tuple[Invariant, ...]:
    """The invariants that have something to check in ``ruleset``."""
    return tuple(i for i in INVARIANTS if i.not_applicable(ruleset) is None)


def check_ruleset(
    ruleset: ir.Ruleset,
    *,
    profile: str = "dev",
    max_examples: int | None = None,
    invariants: Iterable[str | Invariant] | None = None,
    vary_parameters: bool = False,
    engine_factory: Callable[[ir.Ruleset], Engine] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the invariant suite against ``ruleset`` and report on each invariant.

    Each applicable invariant is checked on ``max_examples`` cases drawn by
    :func:`credit_rules.testing.strategies.cases` (default: the profile's number, see
    :mod:`credit_rules.testing.profiles`), under the hypothesis ``profile`` (``"ci"``:
    derandomised, the same cases every run; ``"dev"``: random). A violated invariant comes back
    with its shrunk counterexample as a scenario file (:attr:`InvariantResult.scenario`);
    :meth:`Report.save_counterexamples` writes them out.

    ``invariants`` selects some by name; ``vary_parameters`` also varies the ruleset's
    parameters within their bounds; ``engine_factory`` builds the engine under test (default
    :class:`credit_rules.Engine`), so a suite can check its own engine or a deliberately broken
    one. ``progress`` is called with each invariant's name as it starts. Nothing is written
    to disk (no hypothesis example database). Do not call it from inside a hypothesis test.

    Raises ``ValueError`` for a ruleset whose vocabulary has no history strategy.
    """
    chosen = (
        INVARIANTS
        if invariants is None
        else tuple(i if isinstance(i, Invariant) else by_name(i) for i in invariants)
    )
    factory: Callable[[ir.Ruleset], Engine] = engine_factory or Engine
    return run_suite(
        ruleset,
        [
            (i.name, i.check, i.protects, i.summary, i.not_applicable(ruleset), i.skip)
            for i in chosen
        ],
        profile=profile,
        max_examples=max_examples,
        vary_parameters=vary_parameters,
        engine_factory=factory,
        progress=progress,
    )
