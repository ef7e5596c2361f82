"""Why an outcome applies to a subject, why it does not, and when that could change.

An evaluation says *what* applies; an analyst checking a case also asks *why not* ("he has two
records, why no time-limited reimbursement?") and *until when*. The answers come from the same
assessments the engine makes (:meth:`Engine.assessments`): the facts each rule saw on the last
stretch of days up to ``as_of``, and, for a rule that did not fire, the first part of its
condition that was false, with the values it compared. Nothing here re-implements the rules:
sub-conditions are compiled by the reference backend and run on the engine's own facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from credit_rules.engine.closures import compile_expr
from credit_rules.engine.engine import Assessed, Engine
from credit_rules.engine.provenance import citations, trigger_name
from credit_rules.errors import Problem, ScenarioError
from credit_rules.i18n import Message
from credit_rules.model.events import Event, parse_events, raw_events
from credit_rules.model.results import (
    Citation,
    Deadline,
    Decision,
    Duty,
    Evaluation,
    ReasonValue,
    Trigger,
    trigger_reason,
)
from credit_rules.model.subjects import Subject
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import BoolOp, Expr, fields_in, names_in
from credit_rules.ruleset.lint import derivation_names, expression_text

_ONE_DAY = dt.timedelta(days=1)
LinkKind = Literal["trigger", "fact", "parameter", "built-in"]


@dataclass(frozen=True)
class Link:
    """One fact, parameter or trigger behind a result, with its value and the articles it
    implements; ``parts`` are what a derived fact was computed from."""

    name: str
    kind: LinkKind
    value: ReasonValue
    en: str
    zh: str
    cites: tuple[Citation, ...] = ()
    parts: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Why:
    """A result that the subject has (a measure, a duty or a deadline), and the chain behind
    it. ``first``/``last`` are from/until of a measure, the day of a duty, start/due of a
    deadline."""

    outcome: str
    kind: Literal["measure", "duty", "deadline"]
    rule: str
    line: int | None
    first: dt.date
    last: dt.date | None
    active: bool
    chain: tuple[Link, ...]
    cites: tuple[Citation, ...]


@dataclass(frozen=True)
class Failed:
    """The first part of a rule's condition that was false, and what it saw."""

    condition: str
    seen: tuple[Link, ...]


@dataclass(frozen=True)
class WhyNot:
    """Why one rule that could give the outcome does not give it (for one trigger)."""

    rule: str
    line: int | None
    cites: tuple[Citation, ...]
    trigger: str | None
    failed: Failed | None
    note: str


@dataclass(frozen=True)
class NextChange:
    """The next day on which the subject's active outcomes differ, if nothing else happens."""

    on: dt.date
    ends: tuple[str, ...]
    starts: tuple[str, ...]
    causes: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Everything :func:`explain` found for one subject on one day."""

    ruleset: str
    subject: str
    as_of: dt.date
    outcome: str | None
    active: tuple[str, ...]
    why: tuple[Why, ...]
    why_not: tuple[WhyNot, ...]
    next_change: NextChange | None


def explain(
    engine: Engine,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[Event | Mapping[str, Any]],
    *,
    subject: str,
    as_of: dt.date,
    outcome: str | None = None,
) -> Explanation:
    """Why ``outcome`` (or, without one, each active outcome) applies to ``subject`` on
    ``as_of``; if it does not, why not, rule by rule; and the next day anything changes."""
    ruleset = engine.ruleset
    if outcome is not None and outcome not in {o.id for o in ruleset.outcomes}:
        known = ", ".join(o.id for o in ruleset.outcomes)
        raise ScenarioError(
            None,
            [
                Problem(
                    Message(
                        "{outcome!r} is not an outcome of {id} ({known})",
                        outcome=outcome,
                        id=ruleset.id,
                        known=known,
                    ),
                    "outcome",
                )
            ],
        )
    case = _Case(engine, subjects, events, subject, as_of)
    evaluation = case.evaluate(as_of)
    assessed = engine.assessments(case.subject, case.events, as_of=as_of)
    active = tuple(sorted(evaluation.outcomes(subject)))
    results = _results(evaluation, subject, outcome)
    why = tuple(_why(engine, result, assessed, as_of) for result in results)
    why_not: tuple[WhyNot, ...] = ()
    if outcome is not None and not any(w.active for w in why):
        why_not = tuple(_why_not(engine, outcome, assessed, evaluation, subject, as_of))
    return Explanation(
        ruleset=f"{ruleset.id} {ruleset.version}",
        subject=subject,
        as_of=as_of,
        outcome=outcome,
        active=active,
        why=why,
        why_not=why_not,
        next_change=_next_change(case, evaluation, assessed),
    )


def next_change(
    engine: Engine,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[Event | Mapping[str, Any]],
    *,
    subject: str,
    as_of: dt.date,
) -> NextChange | None:
    """The first day after ``as_of`` on which the subject's active outcomes change if no
    further event happens (a measure ends, a record expires, a ban lifts, a decision starts),
    or None if they never do."""
    case = _Case(engine, subjects, events, subject, as_of)
    evaluation = case.evaluate(as_of)
    return _next_change(
        case, evaluation, engine.assessments(case.subject, case.events, as_of=as_of)
    )


# -- the case -----------------------------------------------------------------------------------


class _Case:
    """One subject and its own events up to ``as_of``: "if nothing else happens" means that
    evaluating on a later day sees exactly these events."""

    def __init__(
        self,
        engine: Engine,
        subjects: Iterable[Subject | Mapping[str, Any]],
        events: Iterable[Event | Mapping[str, Any]],
        subject: str,
        as_of: dt.date,
    ) -> None:
        self.engine = engine
        self.id = subject
        found = [s for s in subjects if _subject_id(s) == subject]
        if not found:
            raise ScenarioError(
                None,
                [
                    Problem(
                        Message("there is no subject {subject!r} in the scenario", subject=subject),
                        "subject",
                    )
                ],
            )
        self.subject = found[0]
        items = list(events)
        if not all(isinstance(e, Event) for e in items):
            raw = raw_events(items)
            items = list(parse_events(engine.ruleset.vocabulary, raw))
        self.events: tuple[Event, ...] = tuple(
            e for e in items if isinstance(e, Event) and e.subject == subject and e.date <= as_of
        )

    def evaluate(self, day: dt.date) -> Evaluation:
        return self.engine.evaluate([self.subject], self.events, as_of=day)


def _subject_id(subject: Subject | Mapping[str, Any]) -> Any:
    return subject.id if isinstance(subject, Subject) else subject.get("id")


# -- why ----------------------------------------------------------------------------------------

_Result = Decision | Duty | Deadline


def _results(evaluation: Evaluation, subject: str, outcome: str | None) -> list[_Result]:
    found: list[_Result] = []
    if outcome is None:
        return list(evaluation.active(subject))
    found.extend(d for d in evaluation.decisions if d.subject == subject and d.outcome == outcome)
    found.extend(d for d in evaluation.duties if d.subject == subject and d.name == outcome)
    found.extend(d for d in evaluation.deadlines if d.subject == subject and d.name == outcome)
    return found


def _why(engine: Engine, result: _Result, assessed: Sequence[Assessed], as_of: dt.date) -> Why:
    ruleset = engine.ruleset
    rule = next(r for r in ruleset.rules if r.id == result.rule)
    if isinstance(result, Decision):
        first, last, active = result.from_, result.until, result.active
        kind: Literal["measure", "duty", "deadline"] = "measure"
        end = min(last, as_of) if last is not None else as_of
    elif isinstance(result, Duty):
        first, last, active, kind, end = result.on, result.on, result.on <= as_of, "duty", as_of
    else:
        first, last, active, kind, end = result.start, result.due, True, "deadline", as_of
    # The facts behind a result are those of the latest assessment of its trigger in which the
    # rule fired on or before the result's last day: a decision's pieces are joined, and the
    # joined decision carries the facts of its latest piece.
    candidates = [
        a
        for a in assessed
        if rule.id in a.firing and a.trigger == result.trigger and a.first <= end
    ]
    chain: tuple[Link, ...] = ()
    if candidates:
        latest = max(candidates, key=lambda a: a.first)
        chain = _chain(ruleset, rule, latest.env, latest.trigger)
    return Why(
        outcome=rule.outcome,
        kind=kind,
        rule=rule.id,
        line=rule.line,
        first=first,
        last=last,
        active=active,
        chain=chain,
        cites=result.cites,
    )


def _chain(
    ruleset: ir.Ruleset, rule: ir.Rule, env: Mapping[str, Any], trigger: Trigger
) -> tuple[Link, ...]:
    """The trigger, then each name the rule reads directly, each with what it derives from."""
    reason = trigger_reason(trigger, trigger_name(ruleset, rule).zh)
    links = [Link("trigger", "trigger", reason.value, reason.en, reason.zh)]
    direct = names_in(rule.when) + names_in(rule.from_)
    if rule.until is not None:
        direct += names_in(rule.until)
    if rule.period is not None:
        direct += (rule.period,)
    # What the rule reads beyond its expressions are the facts it 'shows'; the facts its
    # expressions depend on appear under them, not again at the top.
    below = _beneath(ruleset, direct)
    shown = [name for name in rule.reads if name not in below and _is_fact(ruleset, name)]
    for name in dict.fromkeys((*direct, *shown)):
        links.append(_link(ruleset, name, env))
    return tuple(links)


def _is_fact(ruleset: ir.Ruleset, name: str) -> bool:
    return any(f.id == name for f in ruleset.facts)


def _beneath(ruleset: ir.Ruleset, names: Iterable[str]) -> set[str]:
    """``names`` and everything they are derived from."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        if _is_fact(ruleset, name):
            pending.extend(derivation_names(ruleset, ruleset.fact(name)))
    return found


def _link(ruleset: ir.Ruleset, name: str, env: Mapping[str, Any]) -> Link:
    parameters = ruleset.parameter_values()
    if name in parameters:
        parameter = ruleset.parameter(name)
        return Link(
            name,
            "parameter",
            _value(parameters[name]),
            parameter.description.en,
            parameter.description.zh,
            citations(ruleset, parameter.cites),
        )
    if name in ir.BUILTINS:
        en = "Date of the trigger" if name == "trigger_date" else "Kind of subject"
        zh = "触发日期" if name == "trigger_date" else "信用主体类别"
        return Link(name, "built-in", _value(env.get(name)), en, zh)
    fact = ruleset.fact(name)
    # A fact the parameters rule out (a branch not taken) was not read, so it is not shown.
    parts = tuple(
        _link(ruleset, part, env)
        for part in derivation_names(ruleset, fact)
        if part in env or part in ruleset.parameter_values() or part in ir.BUILTINS
    )
    return Link(
        name,
        "fact",
        _value(env.get(name)),
        fact.description.en,
        fact.description.zh,
        citations(ruleset, fact.cites),
        parts,
    )


def _value(value: Any) -> ReasonValue:
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, bool | int | str | dt.date) or value is None:
        return value
    if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        return value
    return str(value)


# -- why not ------------------------------------------------------------------------------------


def _why_not(
    engine: Engine,
    outcome: str,
    assessed: Sequence[Assessed],
    evaluation: Evaluation,
    subject: str,
    as_of: dt.date,
) -> list[WhyNot]:
    """For each rule that could give ``outcome``, what it saw on the last stretch of days."""
    ruleset = engine.ruleset
    parameters = ruleset.parameter_values()
    # Each trigger's last stretch, the one that runs on past as_of.
    final = [a for a in assessed if a.last is None]
    found: list[WhyNot] = []
    for rule in (r for r in ruleset.rules if r.outcome == outcome):
        cites = citations(ruleset, rule.cites)
        mine = [a for a in final if a.on == rule.on]
        if not mine:
            found.append(
                WhyNot(rule.id, rule.line, cites, None, None, _nothing_to_assess(ruleset, rule))
            )
            continue
        for assessment in mine:
            trigger = assessment.trigger
            shown = Message("{what} on {day}", what=trigger.label(), day=trigger.date)
            if rule.id in assessment.firing:
                note = _held(ruleset, rule, trigger, evaluation, subject, as_of)
                found.append(WhyNot(rule.id, rule.line, cites, shown, None, note))
                continue
            failed = _first_failure(engine, parameters, rule.when, assessment.env)
            note = Message(
                "the condition did not hold: {condition} is false", condition=failed.condition
            )
            found.append(WhyNot(rule.id, rule.line, cites, shown, failed, note))
    return found


def _nothing_to_assess(ruleset: ir.Ruleset, rule: ir.Rule) -> str:
    if rule.on_register:
        register = next(r for r in ruleset.registers if r.id == rule.on)
        return Message(
            "nothing to assess it on: no record in {on} (entered by {entered_by}) "
            "is present on the last day assessed",
            on=rule.on,
            entered_by=register.entered_by,
        )
    return Message("nothing to assess it on: no {on} event by the day assessed", on=rule.on)


def _held(
    ruleset: ir.Ruleset,
    rule: ir.Rule,
    trigger: Trigger,
    evaluation: Evaluation,
    subject: str,
    as_of: dt.date,
) -> str:
    """The condition holds; say why the outcome still does not apply on ``as_of``."""
    mine = [
        d
        for d in evaluation.decisions
        if d.subject == subject and d.rule == rule.id and d.trigger == trigger
    ]
    future = [d for d in mine if d.from_ > as_of]
    if future:
        return Message("the condition holds; the outcome starts on {from_}", from_=future[0].from_)
    ended = [d for d in mine if d.until is not None and d.until < as_of]
    earlier = ""
    if ended:
        last = max(ended, key=lambda d: d.from_)
        earlier = Message(
            "it applied from {from_} until {day}", from_=last.from_, day=_day(last.until)
        )
    if rule.group is not None:
        ranks = {r.id: r.priority for r in ruleset.rules}
        groups = {r.id: r.group for r in ruleset.rules}
        winners = [
            d
            for d in evaluation.active(subject)
            if groups.get(d.rule) == rule.group and d.rule != rule.id
        ]
        if ended:
            # It did apply: a winner explains its end only if it took over the next day.
            # Otherwise its term ran out, whatever applies in the group today (an entry of
            # years later that brought a warning, say).
            resumed = last.until + _ONE_DAY if last.until is not None else None
            winners = [
                d
                for d in winners
                if resumed is not None
                and d.from_ <= resumed
                and (d.until is None or resumed <= d.until)
            ]
        if winners:
            winner = max(winners, key=lambda d: ranks[d.rule])
            return Message(
                "the condition holds, but {outcome} (rule {rule}, priority {ranks}) "
                "takes precedence in group {group} (priority {priority} here)",
                outcome=winner.outcome,
                rule=winner.rule,
                ranks=ranks[winner.rule],
                group=rule.group,
                priority=rule.priority,
            ) + (Message.raw("; ") + earlier if earlier else "")
    if earlier:
        return Message("the condition holds, but {earlier} and has ended", earlier=earlier)
    return Message("the condition holds, but the rule gives no day on which the outcome starts")


def _first_failure(
    engine: Engine, parameters: Mapping[str, ir.ParameterValue], expr: Expr, env: Mapping[str, Any]
) -> Failed:
    """Walk down the false ``and`` branches to the first false part; an ``or``, a ``not`` or a
    comparison is reported whole, since every part of it is what made it false."""

    def holds(part: Expr) -> bool:
        return bool(compile_expr(part, parameters, engine.calendar)(env))

    node = expr
    while isinstance(node, BoolOp) and node.op == "and":
        node = next((part for part in node.operands if not holds(part)), node.operands[-1])
    seen = [_link(engine.ruleset, name, env) for name in names_in(node)]
    for scope, field in fields_in(node):
        event = env.get(scope)
        value = _value(getattr(event, field, None))
        seen.append(Link(f"{scope}.{field}", "fact", value, f"{field} of the {scope}", field))
    return Failed(expression_text(node), tuple(seen))


# -- when could it change -----------------------------------------------------------------------


def _next_change(
    case: _Case, evaluation: Evaluation, assessed: Sequence[Assessed]
) -> NextChange | None:
    """Try each day on which something known could change the answer, in order, and return the
    first on which the active outcomes differ. The candidates are the day after a measure's
    last day, the first day of a measure that has not started, and the day after a record's
    last valid day; without a new event nothing else moves."""
    as_of = evaluation.as_of
    ruleset = case.engine.ruleset
    mine = [d for d in evaluation.decisions if d.subject == case.id]
    candidates: set[dt.date] = set()
    for decision in mine:
        if decision.until is not None and decision.until >= as_of:
            candidates.add(decision.until + _ONE_DAY)
        if decision.from_ > as_of:
            candidates.add(decision.from_)
    records = {a.record.key: a.record for a in assessed if a.record is not None}
    expiring: dict[dt.date, list[str]] = {}
    for record in records.values():
        if as_of <= record.last_valid < dt.date.max - _ONE_DAY:
            day = record.last_valid + _ONE_DAY
            candidates.add(day)
            expiring.setdefault(day, []).append(
                Message(
                    "record {key} of {register} expires after its last valid day {last_valid}",
                    key=record.key,
                    register=record.register,
                    last_valid=record.last_valid,
                )
            )
    until = ruleset.in_force_until
    # Named as the rest of a Chinese explanation names them: the ruleset's own words, the
    # id after them (书面警告（written_warning）); in English by the id.
    named = {
        o.id: Message.bilingual(o.id, f"{o.description.zh}（{o.id}）") for o in ruleset.outcomes
    }
    now = {d.outcome: d for d in evaluation.active(case.id)}
    for day in sorted(c for c in candidates if until is None or c <= until):
        later = case.evaluate(day)
        then = {d.outcome: d for d in later.active(case.id)}
        if set(then) == set(now):
            continue
        ends = tuple(sorted(set(now) - set(then)))
        starts = tuple(sorted(set(then) - set(now)))
        causes = [_ending(named.get(name, name), now[name], day) for name in ends]
        causes += [
            Message(
                "{name} starts: it applies from {from_} (rule {rule})",
                name=named.get(name, name),
                from_=then[name].from_,
                rule=then[name].rule,
            )
            for name in starts
        ]
        causes += expiring.get(day, [])
        return NextChange(day, ends, starts, tuple(causes))
    return None


def _ending(name: str, decision: Decision, day: dt.date) -> str:
    if decision.until is not None and decision.until + _ONE_DAY == day:
        return Message(
            "{name} ends: it applied until {day} (rule {rule})",
            name=name,
            day=_day(decision.until),
            rule=decision.rule,
        )
    # It was to run longer, but what it rested on changes that day (a record expires).
    return Message(
        "{name} ends early: the facts of rule {rule} change on {day} (it was to run until {day2})",
        name=name,
        rule=decision.rule,
        day=day,
        day2=_day(decision.until),
    )


def _day(day: dt.date | None) -> dt.date | str:
    """A day for a message (written in the reader's language when rendered)."""
    return day if day is not None else Message("open-ended")
