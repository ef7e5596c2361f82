"""Each analysis of the ruleset IR, written once: lint, docs, diffs and every backend use these.

Two copies of an analysis drift apart: a printer that parenthesises differently, a dependency
walk that forgets a register's where-clause, a simplifier that folds one more case than its
twin. Then lint proves something about a condition the engine does not run. So the IR has one
printer (:func:`expression_text`), one dependency walk (:func:`names_read` up to
:func:`depends_on`), one simplifier (:func:`fold`) and one normal form (:func:`dnf`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from credit_rules.model.vocabularies import event_types, one_per_key_fields
from credit_rules.periods import in_working_days
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import (
    CALENDAR_FUNCTIONS,
    Arith,
    BoolOp,
    Call,
    Compare,
    Conditional,
    Const,
    Expr,
    Not,
    Ref,
    names_in,
    nodes,
)
from credit_rules.ruleset.normal_form import (
    MAX_CLAUSES,
    Bounds,
    Clause,
    Requirement,
    TooComplex,
    bounds_of,
    canonical,
    consistent,
    dnf,
)
from credit_rules.ruleset.printer import expression_text

__all__ = [
    "MAX_CLAUSES",
    "Bounds",
    "Clause",
    "CountedDays",
    "Requirement",
    "TooComplex",
    "Uses",
    "bounds_of",
    "canonical",
    "closure",
    "consistent",
    "counted_days",
    "depends_on",
    "derivation_reads",
    "dnf",
    "expression_text",
    "fold",
    "names_read",
    "rule_reads",
    "uses",
]


# -- what reads what ----------------------------------------------------------------------------


def names_read(expr: Expr) -> tuple[str, ...]:
    """The facts and parameters ``expr`` reads, in order of first use. Built-in names
    (``trigger_date``, ``subject_kind``) are always at hand, so they are left out."""
    return tuple(name for name in names_in(expr) if name not in ir.BUILTINS)


def _read_all(*exprs: Expr | None) -> tuple[str, ...]:
    return tuple(name for expr in exprs if expr is not None for name in names_read(expr))


def derivation_exprs(derivation: ir.Derivation) -> tuple[Expr, ...]:
    """The expressions a fact's derivation reads other facts and parameters through."""
    if isinstance(derivation, ir.Computed):
        return (derivation.expr,)
    if isinstance(derivation, ir.EventQuery):
        return tuple(e for e in (derivation.where, derivation.value) if e is not None)
    return () if derivation.where is None else (derivation.where,)


def derivation_reads(ruleset: ir.Ruleset, fact: ir.Fact) -> tuple[str, ...]:
    """The facts and parameters a fact is derived from, in order of first use; a count also
    reads its register's validity."""
    derivation = fact.derivation
    names = _read_all(*derivation_exprs(derivation))
    if isinstance(derivation, ir.Computed):
        return names
    if isinstance(derivation, ir.EventQuery):
        return tuple(dict.fromkeys(names))
    register = next((r for r in ruleset.registers if r.id == derivation.register), None)
    if register is not None and register.validity is not None:
        names += (register.validity,)
    return tuple(dict.fromkeys(names))


def with_dependencies(
    names: Iterable[str],
    facts: Mapping[str, ir.Fact],
    read: Callable[[Expr], Iterable[str]] = names_in,
) -> tuple[str, ...]:
    """Names in order, each computed fact followed by what it is computed from (by ``read``,
    which may fold the expression first), so that an explanation shows the whole chain down to
    counted records and parameters. The loader records it as a rule's ``reads``; the engine
    follows it under the parameters in use."""
    ordered: dict[str, None] = {}
    # Depth first with a stack of what is left to read at each level, not recursion: a chain
    # of computed facts is as deep as the ruleset makes it (Limits.max_fact_depth bounds it).
    pending: list[Iterator[str]] = [iter(names)]
    while pending:
        name = next(pending[-1], None)
        if name is None:
            pending.pop()
            continue
        if name in ordered:
            continue
        ordered[name] = None
        fact = facts.get(name)
        if fact is not None and isinstance(fact.derivation, ir.Computed):
            pending.append(iter(read(fact.derivation.expr)))
    return tuple(ordered)


def rule_reads(rule: ir.Rule) -> tuple[str, ...]:
    """Every fact and parameter a rule reads itself: its condition, dates and shown facts, a
    deadline's period, exclusions and extensions (not what those facts are derived from)."""
    names = (*_read_all(rule.when, rule.from_, rule.until), *rule.reads)
    if rule.period is not None:
        names += (rule.period,)
    if rule.excluding is not None:
        names += _read_all(rule.excluding.where)
    if rule.extended_by is not None:
        names += (rule.extended_by.cap, *_read_all(rule.extended_by.where))
    return tuple(name for name in dict.fromkeys(names) if name not in ir.BUILTINS)


@dataclass(frozen=True)
class Uses:
    """Facts, parameters and registers something depends on, directly or through facts.

    Kept apart because a register may share its id with a fact or a parameter."""

    facts: frozenset[str] = frozenset()
    parameters: frozenset[str] = frozenset()
    registers: frozenset[str] = frozenset()

    def names(self) -> frozenset[str]:
        return self.facts | self.parameters | self.registers


def closure(ruleset: ir.Ruleset, names: Iterable[str], registers: Iterable[str] = ()) -> Uses:
    """``names`` (facts, parameters, registers) and ``registers``, with everything they need:
    what computed facts are computed from, the registers counted facts count, and each
    register's validity and removal condition, followed to the bottom."""
    facts: dict[str, list[ir.Fact]] = {}
    for fact in ruleset.facts:
        facts.setdefault(fact.id, []).append(fact)
    parameters = {p.id for p in ruleset.parameters}
    by_id = {r.id: r for r in ruleset.registers}
    found: dict[str, set[str]] = {"facts": set(), "parameters": set(), "registers": set()}
    pending: list[tuple[str | None, str]] = [(None, n) for n in names]
    pending += [("registers", r) for r in registers]
    while pending:
        section, name = pending.pop()
        if section is None:
            # Fact and parameter ids are unique across both; a register's may repeat one.
            section = (
                "parameters"
                if name in parameters
                else "facts"
                if name in facts
                else "registers"
                if name in by_id
                else None
            )
        if section is None or name in found[section]:
            continue
        found[section].add(name)
        if section == "facts":
            for fact in facts[name]:
                pending += [(None, n) for n in derivation_reads(ruleset, fact)]
                if isinstance(fact.derivation, ir.CountOf | ir.LatestEntryOf):
                    pending.append(("registers", fact.derivation.register))
        elif section == "registers" and name in by_id:
            register = by_id[name]
            validity = () if register.validity is None else (register.validity,)
            pending += [(None, n) for n in (*validity, *_read_all(register.removed_by_where))]
    return Uses(*(frozenset(found[s]) for s in ("facts", "parameters", "registers")))


@dataclass(frozen=True)
class CountedDays:
    """Where a rule's decisions rest on a count of working days, which can move once a year's
    holiday schedule is published (docs/calendar.md, decision 20).

    ``dates`` are the facts the rule's explanation shows whose own definition adds or
    subtracts a working-day period: their values are counted days. ``own`` says the rule's
    ``from`` or ``until`` counts itself. ``opaque`` says a count is read where no such date
    shows it (a where-clause, a register's validity, a fact that is not a date): then only
    the span from the trigger to the latest day the decision shows can be tested."""

    dates: frozenset[str] = frozenset()
    own: bool = False
    opaque: bool = False

    def __bool__(self) -> bool:
        return bool(self.dates) or self.own or self.opaque


def counted_days(ruleset: ir.Ruleset, rule: ir.Rule, shown: Iterable[str]) -> CountedDays:
    """Where ``rule``'s condition and days rest on a count of working days, as the ruleset's
    parameters fold its expressions; ``shown`` are the facts its explanation shows (its
    provenance). A count ends on the day it gives, so a decision is as provisional as the
    counted days it rests on."""
    parameters = ruleset.parameter_values()
    working = frozenset(name for name, value in parameters.items() if in_working_days(value))

    def counts(expr: Expr | None) -> bool:
        # A working-day period added, or a day moved to the next working day (the calendar
        # says which days are rest days, Civil Code Art 203).
        return expr is not None and any(
            (
                isinstance(node, Arith)
                and any(
                    isinstance(side, Ref) and side.name in working
                    for side in (node.left, node.right)
                )
            )
            or (isinstance(node, Call) and node.function in CALENDAR_FUNCTIONS)
            for node in nodes(fold(expr, parameters))
        )

    names = [
        name
        for expr in (rule.when, rule.from_, rule.until)
        if expr is not None
        for name in names_read(fold(expr, parameters))
    ]
    used = closure(ruleset, names)
    visible = frozenset(shown)
    dates: set[str] = set()
    opaque = any(
        register.id in used.registers and register.validity in working
        for register in ruleset.registers
    )
    for fact in ruleset.facts:
        if fact.id not in used.facts or not any(map(counts, derivation_exprs(fact.derivation))):
            continue
        if isinstance(fact.derivation, ir.Computed) and fact.type == "date" and fact.id in visible:
            dates.add(fact.id)
        else:
            opaque = True
    return CountedDays(frozenset(dates), counts(rule.from_) or counts(rule.until), opaque)


def depends_on(ruleset: ir.Ruleset, names: Iterable[str]) -> frozenset[str]:
    """The facts, parameters and registers that ``names`` need, ``names`` included, followed
    through computed facts, counted registers and their where-clauses. Unknown names (the
    built-ins) are left out."""
    return closure(ruleset, names).names()


def uses(ruleset: ir.Ruleset, rules: Iterable[ir.Rule]) -> Uses:
    """What ``rules`` depend on: what they read, followed down, and the registers whose
    entries trigger them."""
    chosen = tuple(rules)
    names = [name for rule in chosen for name in rule_reads(rule)]
    if ruleset.before_in_force is not None:
        # Which early events are kept changes what every fact sees.
        names.append(ruleset.before_in_force.when)
    return closure(ruleset, names, (rule.on for rule in chosen if rule.on_register))


# -- folding ------------------------------------------------------------------------------------

_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def fold(expr: Expr, parameters: Mapping[str, ir.ParameterValue]) -> Expr:
    """``expr`` with count and flag parameters replaced by their values and what is then
    constant computed, as a backend compiles it: ``x if false else y`` is ``y``, ``true and
    e`` is ``e``, ``2 >= 1`` is ``true``. Period parameters stay names (no constant holds a
    period), and nothing that reads a fact or an event is evaluated."""
    if isinstance(expr, Ref):
        value = parameters.get(expr.name)
        if isinstance(value, bool):
            return Const(value, "flag")
        if isinstance(value, int):
            return Const(value, "count")
        return expr
    if isinstance(expr, Not):
        inner = fold(expr.operand, parameters)
        return Const(not inner.value, "flag") if isinstance(inner, Const) else Not(inner)
    if isinstance(expr, BoolOp):
        return _fold_boolop(expr, parameters)
    if isinstance(expr, Compare):
        left, right = fold(expr.left, parameters), fold(expr.right, parameters)
        if isinstance(left, Const) and isinstance(right, Const) and expr.op in _COMPARE:
            return Const(_COMPARE[expr.op](left.value, right.value), "flag")
        return Compare(expr.op, left, right)
    if isinstance(expr, Arith):
        left, right = fold(expr.left, parameters), fold(expr.right, parameters)
        if isinstance(left, Const) and isinstance(right, Const) and expr.type == "count":
            a, b = int(left.value), int(right.value)
            return Const(a + b if expr.op == "+" else a - b, "count")
        return Arith(expr.op, left, right, expr.type)
    if isinstance(expr, Conditional):
        test = fold(expr.test, parameters)
        if isinstance(test, Const):
            return fold(expr.then if test.value else expr.otherwise, parameters)
        then, otherwise = fold(expr.then, parameters), fold(expr.otherwise, parameters)
        return Conditional(test, then, otherwise, expr.type)
    if isinstance(expr, Call):
        return Call(expr.function, fold(expr.argument, parameters), expr.type)
    return expr


def _fold_boolop(expr: BoolOp, parameters: Mapping[str, ir.ParameterValue]) -> Expr:
    neutral = expr.op == "and"  # and: true drops out, false decides; or: the reverse
    kept: list[Expr] = []
    for operand in expr.operands:
        folded = fold(operand, parameters)
        if isinstance(folded, Const):
            if bool(folded.value) != neutral:
                return Const(not neutral, "flag")
            continue
        kept.append(folded)
    if not kept:
        return Const(neutral, "flag")
    return kept[0] if len(kept) == 1 else BoolOp(expr.op, tuple(kept))


def event_types_read(ruleset: ir.Ruleset) -> frozenset[str]:
    """Event types some register, rule, fact, exclusion or extension of the ruleset reads."""
    read: set[str] = set()
    for register in ruleset.registers:
        read.add(register.entered_by)
        if register.removed_by_event is not None:
            read.add(register.removed_by_event)
    for rule in ruleset.rules:
        if not rule.on_register:
            read.add(rule.on)
        if rule.excluding is not None:
            read.add(rule.excluding.event_type)
        if rule.extended_by is not None:
            read.add(rule.extended_by.event_type)
    for fact in ruleset.facts:
        if isinstance(fact.derivation, ir.EventQuery):
            read.add(fact.derivation.event_type)
        if fact.for_each is not None:
            read.add(fact.for_each)
    return frozenset(read)


def inert_event_types(ruleset: ir.Ruleset) -> frozenset[str]:
    """Event types no register, rule, fact, exclusion or extension of the ruleset reads, and
    that are not one per key.

    Such an event (say Lianyungang's ``dishonesty_collected``, Art 8(一): only entered records
    count) is checked by pydantic alone: the engine has no history check for it, and adding it
    only splits a segment whose pieces the engine joins again, so no measure, duty or deadline
    changes. A ledger records one without an evaluation; the columnar backend leaves them out
    of a question that does not number events (outcomes). A type one per key is never inert:
    the engine refuses a second one naming the same key, read or not.
    """
    vocabulary = ruleset.vocabulary
    return frozenset(
        event_types(vocabulary) - event_types_read(ruleset) - set(one_per_key_fields(vocabulary))
    )
