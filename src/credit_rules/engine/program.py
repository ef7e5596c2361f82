"""A ruleset compiled once for one engine: rules, fact plans and explanations, ready to run.

Everything here is fixed when the engine is built, so evaluating a subject does no work that
depends only on the ruleset. Every expression is compiled with the engine's calendar; nothing
that counts working days can reach evaluation without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.closures import Compiled
from credit_rules.engine.deadlines import CompiledDeadline
from credit_rules.engine.facts import Compiler, FactPlan
from credit_rules.engine.history import Occasion
from credit_rules.engine.provenance import citations, fact_reads, read_by, rule_reads, rule_text
from credit_rules.model.results import RuleText
from credit_rules.model.vocabularies import key_fields
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import Expr, Field, Ref, nodes

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

    def provenance_values(self, env: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(env[name] for name in self.text.fact_names)


@dataclass(frozen=True, slots=True)
class RegisterSpec:
    register: ir.Register
    validity: Period | None
    removal: Compiled | None


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
                _period(parameters[register.validity]) if register.validity is not None else None,
                compiler.expr(register.removed_by_where)
                if register.removed_by_where is not None
                else None,
            )
            for register in ruleset.registers
        )
        self.event_triggers = frozenset(r.on for r in ruleset.rules if not r.on_register)
        self.key_fields = key_fields(ruleset.vocabulary)
        priorities: dict[str, set[int]] = {}
        for compiled in self.rules:
            if compiled.group is not None:
                priorities.setdefault(compiled.group, set()).add(compiled.priority)
        #: Each group's priorities, for the covers of docs/decisions/0003's precedence.
        self.group_priorities = {group: tuple(sorted(p)) for group, p in priorities.items()}

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
        end is not None and rule.outcome_kind != "deadline" and _reads_trigger_only(end, parameters)
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
        text=rule_text(
            ruleset, rule, rule_reads(rule, facts, parameters), citations(ruleset, rule.cites)
        ),
        deadline=CompiledDeadline(rule, parameters, calendar)
        if rule.outcome_kind == "deadline"
        else None,
    )


def _reads_trigger_only(expr: Expr, parameters: Mapping[str, ir.ParameterValue]) -> bool:
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
    found: set[str] = set()
    while wanted:
        name = wanted.pop()
        fact = facts.get(name)
        if name in found or fact is None:
            continue
        found.add(name)
        wanted.extend(fact_reads(fact, parameters))
    return frozenset(found)


def _period(value: ir.ParameterValue) -> Period:
    assert isinstance(value, Period)
    return value
