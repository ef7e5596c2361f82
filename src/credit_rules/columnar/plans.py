"""What the columnar backend compiles once from a ruleset: each register, fact and rule as
Polars expressions, and which facts and event fields each trigger kind needs.

A construct that cannot be compiled raises :class:`~credit_rules.columnar.expressions.Refused`
here; the engine collects every refusal and names them all when it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from credit_rules.columnar.expressions import ExprCompiler, Refused
from credit_rules.engine.program import reads_trigger_only
from credit_rules.engine.provenance import (
    citations,
    facts_behind,
    read_by,
    rule_reads,
    rule_text,
)
from credit_rules.i18n import Message
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import Expr, Field, Ref, nodes


@dataclass(frozen=True)
class RegisterPlan:
    register: ir.Register
    validity: Period | None
    removal: pl.Expr | None


@dataclass(frozen=True)
class FactPlan:
    fact: ir.Fact
    where: pl.Expr | None
    value: pl.Expr | None
    #: For a computed fact that counts working days: true where a count ran past the calendar.
    overflow: pl.Expr | None = None


@dataclass(frozen=True)
class RulePlan:
    index: int
    rule: ir.Rule
    when: pl.Expr
    start: pl.Expr
    stop: pl.Expr | None
    facts: tuple[str, ...]
    #: The last day the rule can cover, from the trigger alone (None: it depends on facts).
    reach: pl.Expr | None = None
    deadline: DeadlinePlan | None = None
    #: True where a working-day count in ``when`` ran past the calendar (None: none counts),
    #: on every assessment; the walk raises CalendarRangeError there.
    when_overflow: pl.Expr | None = None
    #: The same for ``from`` and ``until``, which the walk counts where the rule fires.
    span_overflow: pl.Expr | None = None


@dataclass(frozen=True)
class DeadlinePlan:
    """A deadline rule's clock: its period, and the events that exclude days from it or
    extend it, each with its ``where`` compiled (None: every event of the type)."""

    period: Period
    excluding: ir.Exclusion | None
    excluded_where: pl.Expr | None
    extension: ir.Extension | None
    extended_where: pl.Expr | None
    cap: int | None


def _expressions(ruleset: ir.Ruleset) -> list[Expr]:
    """Every expression of the ruleset: registers' removals, facts, rules and deadlines."""
    exprs: list[Expr] = []
    for register in ruleset.registers:
        if register.removed_by_where is not None:
            exprs.append(register.removed_by_where)
    for fact in ruleset.facts:
        derivation = fact.derivation
        if isinstance(derivation, ir.Computed):
            exprs.append(derivation.expr)
        elif isinstance(derivation, ir.EventQuery):
            exprs.extend(e for e in (derivation.where, derivation.value) if e is not None)
        elif derivation.where is not None:
            exprs.append(derivation.where)
    for rule in ruleset.rules:
        exprs.extend(e for e in (rule.when, rule.from_, rule.until) if e is not None)
        for part in (rule.excluding, rule.extended_by):
            if part is not None and part.where is not None:
                exprs.append(part.where)
    return exprs


def reads_subject_kind(ruleset: ir.Ruleset) -> bool:
    return any(
        isinstance(node, Ref) and node.name == "subject_kind"
        for e in _expressions(ruleset)
        for node in nodes(e)
    )


def fields_used(ruleset: ir.Ruleset) -> dict[str, tuple[str, ...]]:
    """The event fields each scope's expressions read: only those columns travel through the
    joins (``date`` is a column of its own, not a field column)."""
    used: dict[str, dict[str, None]] = {"trigger": {}, "event": {}, "record": {}}
    for expr in _expressions(ruleset):
        for node in nodes(expr):
            if isinstance(node, Field) and node.scope in used:
                used[node.scope][node.name] = None
    return {scope: tuple(names) for scope, names in used.items()}


def fact_plan(fact: ir.Fact, compiler: ExprCompiler) -> FactPlan:
    derivation = fact.derivation
    if isinstance(derivation, ir.Computed):
        compiler.overflows.clear()
        computed = compiler.compile(derivation.expr)
        return FactPlan(fact, None, computed, _any_overflow(compiler))
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        where = compiler.condition(derivation.where) if derivation.where is not None else None
        return FactPlan(fact, where, None)
    where = compiler.condition(derivation.where) if derivation.where is not None else None
    value = compiler.compile(derivation.value) if derivation.value is not None else None
    return FactPlan(fact, where, value)


def rule_plan(
    index: int,
    rule: ir.Rule,
    compiler: ExprCompiler,
    ruleset: ir.Ruleset,
    facts: Mapping[str, ir.Fact],
    parameters: Mapping[str, ir.ParameterValue],
) -> RulePlan:
    deadline = (
        deadline_plan(rule, compiler, parameters) if rule.outcome_kind == "deadline" else None
    )
    text = rule_text(
        ruleset, rule, rule_reads(rule, facts, parameters), citations(ruleset, rule.cites)
    )
    compiler.overflows.clear()
    when = compiler.condition(rule.when)
    when_overflow = _any_overflow(compiler)
    start = compiler.compile(rule.from_)
    stop = compiler.compile(rule.until) if rule.until is not None else None
    span_overflow = _any_overflow(compiler)
    return RulePlan(
        index,
        rule,
        when,
        start,
        stop,
        text.fact_names,
        stop if rule.until is not None and reads_trigger_only(rule.until, parameters) else None,
        deadline,
        when_overflow,
        span_overflow,
    )


def _any_overflow(compiler: ExprCompiler) -> pl.Expr | None:
    """Whether a working-day count compiled since the last call ran past the calendar."""
    found = pl.any_horizontal(compiler.overflows) if compiler.overflows else None
    compiler.overflows.clear()
    return found


def deadline_plan(
    rule: ir.Rule, compiler: ExprCompiler, parameters: Mapping[str, ir.ParameterValue]
) -> DeadlinePlan:
    """What :class:`credit_rules.engine.deadlines.CompiledDeadline` reads, as expressions."""
    assert rule.period is not None  # the loader requires a period on deadline rules
    period = parameters[rule.period]
    assert isinstance(period, Period)
    if period.unit in ("months", "years") and rule.excluding is not None:
        raise Refused(
            Message("excluded periods on a deadline in {unit}", unit=Message.raw(period.unit))
        )
    excluding = rule.excluding
    extension = rule.extended_by
    cap = parameters[extension.cap] if extension is not None else None
    return DeadlinePlan(
        period,
        excluding,
        compiler.condition(excluding.where)
        if excluding is not None and excluding.where is not None
        else None,
        extension,
        compiler.condition(extension.where)
        if extension is not None and extension.where is not None
        else None,
        cap if isinstance(cap, int) and not isinstance(cap, bool) else None,
    )


def needed(
    rules: list[RulePlan], ruleset: ir.Ruleset, parameters: Mapping[str, ir.ParameterValue]
) -> tuple[str, ...]:
    """The facts the rules on one trigger kind read, with what they are derived from, in
    declaration order (a fact may read only facts declared before it)."""
    by_id = {fact.id: fact for fact in ruleset.facts}
    wanted = [name for plan in rules for name in plan.facts]
    for plan in rules:
        rule = plan.rule
        for expr in (rule.when, rule.from_, rule.until):
            if expr is not None:
                wanted.extend(read_by(expr, parameters))
        for part in (rule.excluding, rule.extended_by):
            if part is not None and part.where is not None:
                wanted.extend(read_by(part.where, parameters))
    found = facts_behind(wanted, by_id, parameters)
    on = rules[0].rule.on
    return tuple(
        fact.id for fact in ruleset.facts if fact.id in found and fact.for_each in (None, on)
    )
