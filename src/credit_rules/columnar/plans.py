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
from credit_rules.engine.provenance import citations, fact_reads, read_by, rule_reads, rule_text
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


def reads_subject_kind(ruleset: ir.Ruleset) -> bool:
    exprs: list[Expr] = [rule.when for rule in ruleset.rules]
    exprs += [rule.from_ for rule in ruleset.rules]
    exprs += [rule.until for rule in ruleset.rules if rule.until is not None]
    for fact in ruleset.facts:
        derivation = fact.derivation
        if isinstance(derivation, ir.Computed):
            exprs.append(derivation.expr)
        elif isinstance(derivation, ir.EventQuery):
            exprs.extend(e for e in (derivation.where, derivation.value) if e is not None)
        elif derivation.where is not None:
            exprs.append(derivation.where)
    return any(
        isinstance(node, Ref) and node.name == "subject_kind" for e in exprs for node in nodes(e)
    )


def fields_used(ruleset: ir.Ruleset) -> dict[str, tuple[str, ...]]:
    """The event fields each scope's expressions read: only those columns travel through the
    joins (``date`` is a column of its own, not a field column)."""
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
    used: dict[str, dict[str, None]] = {"trigger": {}, "event": {}, "record": {}}
    for expr in exprs:
        for node in nodes(expr):
            if isinstance(node, Field) and node.scope in used:
                used[node.scope][node.name] = None
    return {scope: tuple(names) for scope, names in used.items()}


def fact_plan(fact: ir.Fact, compiler: ExprCompiler) -> FactPlan:
    derivation = fact.derivation
    if isinstance(derivation, ir.Computed):
        return FactPlan(fact, None, compiler.compile(derivation.expr))
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        where = compiler.condition(derivation.where) if derivation.where is not None else None
        return FactPlan(fact, where, None)
    if derivation.pick == "collect":
        raise Refused("an event query that collects a list of values (pick collect)")
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
    if rule.outcome_kind == "deadline":
        raise Refused("a deadline (working-day counting, excluded periods, extensions)")
    if rule.excluding is not None or rule.extended_by is not None:
        raise Refused("excluded periods or extensions")
    text = rule_text(
        ruleset, rule, rule_reads(rule, facts, parameters), citations(ruleset, rule.cites)
    )
    return RulePlan(
        index,
        rule,
        compiler.condition(rule.when),
        compiler.compile(rule.from_),
        compiler.compile(rule.until) if rule.until is not None else None,
        text.fact_names,
        compiler.compile(rule.until)
        if rule.until is not None and reads_trigger_only(rule.until, parameters)
        else None,
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
    found: set[str] = set()
    while wanted:
        name = wanted.pop()
        fact = by_id.get(name)
        if name in found or fact is None:
            continue
        found.add(name)
        wanted.extend(fact_reads(fact, parameters))
    on = rules[0].rule.on
    return tuple(
        fact.id for fact in ruleset.facts if fact.id in found and fact.for_each in (None, on)
    )
