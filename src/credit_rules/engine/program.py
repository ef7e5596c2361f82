"""A ruleset compiled once for one engine: rules, fact plans and explanations, ready to run.

Everything here is fixed when the engine is built, so evaluating a subject does no work that
depends only on the ruleset. Every expression is compiled with the engine's calendar; nothing
that counts working days can reach evaluation without one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from types import MappingProxyType
from typing import Any, Literal

from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.closures import Compiled
from credit_rules.engine.deadlines import CompiledDeadline
from credit_rules.engine.facts import Compiler, FactPlan
from credit_rules.engine.history import Occasion, last_valid_memo
from credit_rules.engine.provenance import (
    citations,
    facts_behind,
    read_by,
    rule_reads,
    rule_text,
)
from credit_rules.model.results import Provenance, RuleText, new_tuple
from credit_rules.model.vocabularies import decision_day_fields, key_fields
from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import CountedDays, counted_days
from credit_rules.ruleset.expressions import Arith, Expr, Field, Ref, nodes

Kind = Literal["measure", "duty", "deadline"]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule: its condition is the matcher's; the rest is here."""

    index: int
    id: str
    on: str
    kind: Kind
    outcome: str
    group: str | None
    priority: int
    start: Compiled
    stop: Compiled | None
    #: The last day the rule can cover for a trigger, from the trigger alone; None when that
    #: depends on facts (or the measure is open-ended), so no day is known to be its last.
    reach: Compiled | None
    text: RuleText
    deadline: CompiledDeadline | None
    #: When the rule's last day is the trigger's day plus a fixed period (Lianyungang: entry +
    #: 1 year), that period: then the earliest trigger that can reach a day is known at once.
    reach_period: Period | None = None
    #: Where its decisions rest on counts of working days (analysis.counted_days), and the
    #: places of the counted dates among its provenance's values; None where nothing counts.
    counted: CountedDays | None = None
    counted_places: tuple[int, ...] = ()
    #: The values of ``text.fact_names`` from an assessment's facts: a getter made once per
    #: rule, from its text (every result of the rule reads them).
    values_of: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "values_of", values_getter(self.text.fact_names))


def values_getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of ``names`` in a mapping, as a tuple in their order."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        (name,) = names
        return lambda env: (env[name],)
    return lambda env: ()


class SharedProvenances:
    """One provenance per rule and distinct fact values, within one evaluation.

    A population's results read few distinct values (a count of one, two or three records),
    and every provenance object kept alive is one more the garbage collector visits on each
    full collection, which a million results bring on: sharing them keeps a million results
    from holding a million more objects. Equal provenances are equal tuples, so sharing one
    changes no answer. Made per call, never shared between calls or engines.
    """

    __slots__ = ("made",)

    def __init__(self) -> None:
        #: The provenances made, by rule index and values (read directly by the engine's
        #: loop over a subject's results, which :meth:`of` would cost two calls per result).
        self.made: dict[tuple[int, tuple[Any, ...]], Provenance] = {}

    def of(self, rule: CompiledRule, env: Mapping[str, Any]) -> Provenance:
        values = rule.values_of(env)
        key = (rule.index, values)
        try:
            found = self.made.get(key)
        except TypeError:  # a value that cannot be a key is not shared
            return Provenance(values, rule.text)
        if found is None:
            # Made as the tuple it is: a NamedTuple's own __new__ is a Python function.
            found = self.made[key] = new_tuple(Provenance, (values, rule.text))
        return found


@dataclass(frozen=True, slots=True)
class RegisterSpec:
    register: ir.Register
    validity: Period | None
    removal: Compiled | None
    decided_field: str | None = None
    #: The validity's last day from an entry day, remembered (history.last_valid_memo).
    last_valid_of: Callable[[dt.date], dt.date] | None = None
    #: Whether the vocabulary's key of the entering event is the register's key, so that a
    #: history in canonical order lists the entries in entry order (build_records).
    in_entry_order: bool = False


class Program:
    """The compiled form of one ruleset on one calendar."""

    def __init__(self, ruleset: ir.Ruleset, calendar: WorkingCalendar) -> None:
        parameters = ruleset.parameter_values()
        compiler = Compiler(parameters, calendar)
        facts = {fact.id: fact for fact in ruleset.facts}
        self.rules = tuple(
            _compile_rule(index, ruleset, rule, compiler, facts, calendar)
            for index, rule in enumerate(ruleset.rules)
        )
        self.by_on: dict[str, tuple[CompiledRule, ...]] = {}
        for compiled in self.rules:
            self.by_on[compiled.on] = (*self.by_on.get(compiled.on, ()), compiled)
        # A register no rule is on still enters records (facts may count them); its records
        # are occasions on which nothing is assessed.
        for register in ruleset.registers:
            self.by_on.setdefault(register.id, ())
        #: Per trigger kind, the rules that give pieces of days, and whether any counts a
        #: deadline (those are counted once, as of as_of).
        self.producing = {
            on: tuple(r for r in rules if r.kind != "deadline") for on, rules in self.by_on.items()
        }
        self.counts_deadlines = {
            on: any(r.kind == "deadline" for r in rules) for on, rules in self.by_on.items()
        }
        self.plans = {
            on: FactPlan(
                [
                    compiler.step(fact)
                    for fact in ruleset.facts
                    if fact.for_each in (None, on) and fact.id in _needed(rules, facts, parameters)
                ]
            )
            for on, rules in self.by_on.items()
        }
        self.registers = tuple(
            RegisterSpec(
                register,
                validity := (
                    _period(parameters[register.validity])
                    if register.validity is not None
                    else None
                ),
                compiler.expr(condition)
                if (condition := register.removal_condition()) is not None
                else None,
                decision_day_fields(ruleset.vocabulary).get(register.removed_by_event or ""),
                last_valid_memo(validity),
                key_fields(ruleset.vocabulary).get(register.entered_by) == register.key,
            )
            for register in ruleset.registers
        )
        self.event_triggers = frozenset(r.on for r in ruleset.rules if not r.on_register)
        self.key_fields = key_fields(ruleset.vocabulary)
        priorities: dict[str, set[int]] = {}
        for compiled in self.rules:
            if compiled.group is not None:
                priorities.setdefault(compiled.group, set()).add(compiled.priority)
        self._earliest = functools.lru_cache(maxsize=4096)(self._earliest_reaching)
        self._reaching = functools.lru_cache(maxsize=256)(self._reaching_on)
        #: Each group's priorities, for the covers of docs/decisions/0003's precedence.
        self.group_priorities = {group: tuple(sorted(p)) for group, p in priorities.items()}

    def trigger_types(self, on: str) -> tuple[str, ...]:
        """The event types whose events are occasions of kind ``on``."""
        for spec in self.registers:
            if spec.register.id == on:
                return (spec.register.entered_by,)
        return (on,) if on in self.event_triggers else ()

    def earliest_reaching(self, on: str, day: dt.date) -> dt.date | None:
        """The earliest trigger day from which some measure on ``on`` can still cover ``day``;
        None when that depends on more than the trigger's day (so every trigger may).
        A pure function of its arguments, remembered for the last few thousand days asked
        (a service asks about the same as_of over and over)."""
        return self._earliest(on, day)

    def reaching(self, day: dt.date) -> tuple[Mapping[str, dt.date | None], Mapping[str, dt.date]]:
        """For ``day``: by trigger kind, the earliest trigger day that can reach it
        (:meth:`earliest_reaching`), and by event type, the first day of an event that can be
        such a trigger (``date.min`` where any may). Remembered for the last few hundred days
        asked; callers must not change what they get."""
        return self._reaching(day)

    def _reaching_on(
        self, day: dt.date
    ) -> tuple[Mapping[str, dt.date | None], Mapping[str, dt.date]]:
        earliest = {on: self.earliest_reaching(on, day) for on in self.by_on}
        by_type: dict[str, dt.date] = {}
        for on, first in earliest.items():
            for event_type in self.trigger_types(on):
                floor = dt.date.min if first is None else first
                by_type[event_type] = min(floor, by_type.get(event_type, dt.date.max))
        return MappingProxyType(earliest), MappingProxyType(by_type)

    def _earliest_reaching(self, on: str, day: dt.date) -> dt.date | None:
        found: dt.date | None = None
        for rule in self.by_on.get(on, ()):
            if rule.kind != "measure":
                continue
            if rule.reach_period is None:
                return None
            first = _earliest_start(rule.reach_period, day)
            found = first if found is None else min(found, first)
        return dt.date.max if found is None else found

    def reach(self, rule: CompiledRule, occasion: Occasion) -> dt.date:
        """The last day ``rule`` can cover for ``occasion`` (``date.max`` if unknown)."""
        if rule.reach is None:
            return dt.date.max
        day: dt.date | None = rule.reach({"trigger_date": occasion.date, "trigger": occasion.event})
        if day is None:
            return dt.date.max
        # A duty owed before its trigger's day is owed from the trigger's first assessment
        # (a correction decided before the day it takes effect, Lianyungang Art 13).
        return max(day, occasion.date) if rule.kind == "duty" else day


def _compile_rule(
    index: int,
    ruleset: ir.Ruleset,
    rule: ir.Rule,
    compiler: Compiler,
    facts: Mapping[str, ir.Fact],
    calendar: WorkingCalendar,
) -> CompiledRule:
    parameters = compiler.parameters
    end = rule.from_ if rule.outcome_kind == "duty" else rule.until
    fixed_end = (
        end is not None and rule.outcome_kind != "deadline" and reads_trigger_only(end, parameters)
    )
    text = rule_text(
        ruleset, rule, rule_reads(rule, facts, parameters), citations(ruleset, rule.cites)
    )
    counted = (
        counted_days(ruleset, rule, text.fact_names) if rule.outcome_kind != "deadline" else None
    )
    return CompiledRule(
        index=index,
        id=rule.id,
        on=rule.on,
        kind=rule.outcome_kind,
        outcome=rule.outcome,
        group=rule.group,
        priority=rule.priority,
        start=compiler.expr(rule.from_),
        stop=compiler.expr(rule.until) if rule.until is not None else None,
        reach=compiler.expr(end) if fixed_end and end is not None else None,
        text=text,
        deadline=CompiledDeadline(rule, parameters, calendar)
        if rule.outcome_kind == "deadline"
        else None,
        reach_period=_fixed_period(end, parameters) if rule.outcome_kind == "measure" else None,
        counted=counted or None,
        counted_places=tuple(
            place
            for place, name in enumerate(text.fact_names)
            if counted is not None and name in counted.dates
        ),
    )


def _fixed_period(end: Expr | None, parameters: Mapping[str, ir.ParameterValue]) -> Period | None:
    """``end`` as a period after the trigger's day, if it is ``trigger_date`` or
    ``trigger_date + <period parameter>`` in calendar units; None otherwise."""
    if isinstance(end, Ref) and end.name == "trigger_date":
        return Period(0, "days")
    if (
        isinstance(end, Arith)
        and end.op == "+"
        and isinstance(end.left, Ref)
        and end.left.name == "trigger_date"
        and isinstance(end.right, Ref)
    ):
        value = parameters.get(end.right.name)
        if isinstance(value, Period) and value.unit != "working_days":
            return value
    return None


def _earliest_start(period: Period, day: dt.date) -> dt.date:
    """The earliest start whose period still covers ``day``: Civil Code periods only grow with
    their start, so a bisection over the few days around ``day - period`` finds it."""
    low = day.toordinal() - (last_day_of_period(day, period) - day).days - 4
    high = day.toordinal()
    while low < high:
        middle = (low + high) // 2
        if last_day_of_period(dt.date.fromordinal(middle), period) >= day:
            high = middle
        else:
            low = middle + 1
    return dt.date.fromordinal(low)


def reads_trigger_only(expr: Expr, parameters: Mapping[str, ir.ParameterValue]) -> bool:
    """Whether ``expr`` is known from its trigger alone (its fields, its day, parameters)."""
    for node in nodes(expr):
        if isinstance(node, Field) and node.scope != "trigger":
            return False
        if isinstance(node, Ref) and node.name != "trigger_date" and node.name not in parameters:
            return False
    return True


def _needed(
    rules: Sequence[CompiledRule],
    facts: Mapping[str, ir.Fact],
    parameters: Mapping[str, ir.ParameterValue],
) -> frozenset[str]:
    """Every fact the rules on one trigger kind read, their deadlines' filters read, or those
    facts are derived from, under the ruleset's parameters."""
    wanted: list[str] = []
    for compiled in rules:
        wanted.extend(compiled.text.fact_names)
        spec = compiled.deadline.rule if compiled.deadline is not None else None
        if spec is not None:
            for part in (spec.excluding, spec.extended_by):
                if part is not None:
                    wanted.extend(read_by(part.where, parameters))
            wanted.extend(read_by(spec.when, parameters))
            wanted.extend(read_by(spec.from_, parameters))
    return facts_behind(wanted, facts, parameters)


def _period(value: ir.ParameterValue) -> Period:
    assert isinstance(value, Period)
    return value
