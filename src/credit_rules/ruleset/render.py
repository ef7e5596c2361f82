"""The IR back in the words of the ruleset file: expressions, citations and values as text.

The IR keeps expressions as syntax trees, not as the text the analyst wrote, so that nothing
downstream can depend on spacing or quoting. A diff or a generated page still has to show a
condition to a person, so this module writes the tree back out in the file's own notation
(``record_count >= warning_records and ...``), with only the parentheses the grammar needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    Field,
    Not,
    Ref,
    names_in,
)

# Binding strength, loosest first, as in the grammar of credit_rules.ruleset.expressions.
_CONDITIONAL, _OR, _AND, _NOT, _COMPARE, _SUM, _ATOM = range(7)


def expr_text(expr: Expr) -> str:
    """``expr`` as it would be written in a ruleset file."""
    return _text(expr)[0]


def _text(expr: Expr) -> tuple[str, int]:
    if isinstance(expr, Const):
        if isinstance(expr.value, bool):
            return ("true" if expr.value else "false"), _ATOM
        if isinstance(expr.value, str):
            return repr(expr.value), _ATOM
        return str(expr.value), _ATOM
    if isinstance(expr, Ref):
        return expr.name, _ATOM
    if isinstance(expr, Field):
        return f"{expr.scope}.{expr.name}", _ATOM
    if isinstance(expr, Call):
        return f"{expr.function}({expr_text(expr.argument)})", _ATOM
    if isinstance(expr, Not):
        return f"not {_wrap(expr.operand, _NOT)}", _NOT
    if isinstance(expr, BoolOp):
        strength = _OR if expr.op == "or" else _AND
        # An `and` inside an `or` needs no parentheses, but a reader should not have to know.
        needed = _NOT if expr.op == "or" else strength + 1
        joined = f" {expr.op} ".join(_wrap(o, needed) for o in expr.operands)
        return joined, strength
    if isinstance(expr, Compare):
        left, right = _wrap(expr.left, _SUM), _wrap(expr.right, _SUM)
        return f"{left} {expr.op} {right}", _COMPARE
    if isinstance(expr, Arith):
        # Left-associative: a - (b + c) keeps its parentheses, (a - b) + c loses them.
        left, right = _wrap(expr.left, _SUM), _wrap(expr.right, _ATOM)
        return f"{left} {expr.op} {right}", _SUM
    test = _wrap(expr.test, _OR)
    then = _wrap(expr.then, _OR)
    otherwise = _wrap(expr.otherwise, _CONDITIONAL)
    return f"{then} if {test} else {otherwise}", _CONDITIONAL


def _wrap(expr: Expr, needed: int) -> str:
    text, strength = _text(expr)
    return text if strength >= needed else f"({text})"


def cite_text(cite: ir.Cite) -> str:
    """``Art 10(1)``: the way citations are written in every output of the library."""
    return f"Art {cite.article}" + (f"({cite.item})" if cite.item is not None else "")


def cites_text(cites: Iterable[ir.Cite]) -> str:
    return ", ".join(cite_text(c) for c in cites)


def value_text(value: ir.ParameterValue | str | None) -> str:
    """A parameter value as the file writes it: ``5 years``, ``true``, ``3``."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dependencies(ruleset: ir.Ruleset, rule: ir.Rule) -> frozenset[str]:
    """Every entry a rule's result can depend on, as ``"<section>.<id>"`` keys.

    The rule itself, its outcome, and, followed to the bottom, the facts it reads, the facts
    and parameters those are computed from, and the registers (with their validity and
    removal) that counted facts count. A change to any of these can change what the rule
    decides; a change to nothing here cannot.
    """
    facts = {f.id: f for f in ruleset.facts}
    parameters = {p.id for p in ruleset.parameters}
    registers = {r.id: r for r in ruleset.registers}
    found: set[str] = {f"rules.{rule.id}", f"outcomes.{rule.outcome}"}
    pending: list[str] = []

    def read(expr: Expr | None) -> None:
        if expr is not None:
            pending.extend(names_in(expr))

    def register(name: str) -> None:
        entry = registers.get(name)
        if entry is None or f"registers.{name}" in found:
            return
        found.add(f"registers.{name}")
        if entry.validity is not None:
            pending.append(entry.validity)
        read(entry.removed_by_where)

    for expr in (rule.when, rule.from_, rule.until):
        read(expr)
    pending.extend(rule.reads)
    if rule.period is not None:
        pending.append(rule.period)
    if rule.excluding is not None:
        read(rule.excluding.where)
    if rule.extended_by is not None:
        read(rule.extended_by.where)
        pending.append(rule.extended_by.cap)
    if rule.on_register:
        register(rule.on)
    while pending:
        name = pending.pop()
        if name in parameters:
            found.add(f"parameters.{name}")
            continue
        fact = facts.get(name)
        if fact is None or f"facts.{name}" in found:
            continue
        found.add(f"facts.{name}")
        derivation = fact.derivation
        if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
            register(derivation.register)
            read(derivation.where)
        elif isinstance(derivation, ir.EventQuery):
            read(derivation.where)
            read(derivation.value)
        else:
            read(derivation.expr)
    return frozenset(found)
