"""Expressions written back in the ruleset's condition language, for people to read.

The IR keeps expressions as syntax trees, not as the text the analyst wrote, so that nothing
downstream depends on spacing or quoting. Lint findings, diffs, generated pages and
explanations still have to show a condition to a person; they all print it here, so one
condition reads the same everywhere. The text parses back to the same tree
(:func:`credit_rules.ruleset.expressions.parse`), with only the parentheses the grammar needs.
"""

from __future__ import annotations

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
)

# Binding strength, loosest first, as in the grammar of credit_rules.ruleset.expressions
# (Python's own, since expressions are parsed with ``ast``).
_CONDITIONAL, _OR, _AND, _NOT, _COMPARE, _SUM, _ATOM = range(7)


def expression_text(expr: Expr) -> str:
    """``expr`` as it would be written in a ruleset file."""
    return _text(expr)[0]


def _text(expr: Expr) -> tuple[str, int]:
    """The text and how tightly it binds, so the caller knows whether to parenthesise it."""
    if isinstance(expr, Const):
        if isinstance(expr.value, bool):
            return ("true" if expr.value else "false"), _ATOM
        return (repr(expr.value) if isinstance(expr.value, str) else str(expr.value)), _ATOM
    if isinstance(expr, Ref):
        return expr.name, _ATOM
    if isinstance(expr, Field):
        return f"{expr.scope}.{expr.name}", _ATOM
    if isinstance(expr, Call):
        return f"{expr.function}({expression_text(expr.argument)})", _ATOM
    if isinstance(expr, Not):
        return f"not {_operand(expr.operand, _NOT)}", _NOT
    if isinstance(expr, BoolOp):
        strength = _OR if expr.op == "or" else _AND
        # One step tighter than itself: Python flattens `a or b or c` into one operation, so
        # a nested `or` must keep its parentheses to parse back to the same tree.
        joined = f" {expr.op} ".join(_operand(o, strength + 1) for o in expr.operands)
        return joined, strength
    if isinstance(expr, Compare):
        # Sides tighter than a comparison: `a < b < c` would parse as a chain (an `and`).
        left, right = _operand(expr.left, _SUM), _operand(expr.right, _SUM)
        return f"{left} {expr.op} {right}", _COMPARE
    if isinstance(expr, Arith):
        # Left-associative: a - (b + c) keeps its parentheses, (a - b) + c loses them.
        left, right = _operand(expr.left, _SUM), _operand(expr.right, _ATOM)
        return f"{left} {expr.op} {right}", _SUM
    then, test = _operand(expr.then, _OR), _operand(expr.test, _OR)
    otherwise = _operand(expr.otherwise, _CONDITIONAL)
    return f"{then} if {test} else {otherwise}", _CONDITIONAL


def _operand(expr: Expr, needed: int) -> str:
    text, strength = _text(expr)
    return text if strength >= needed else f"({text})"
