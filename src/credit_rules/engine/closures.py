"""The default backend: each expression becomes a plain Python closure, compiled once.

Parameters are folded in as constants at compile time, so evaluating a rule touches only the
facts of the assessment at hand. This backend is the reference semantics; every other backend
is tested against it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from typing import Any

from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Compare,
    Const,
    Expr,
    Not,
    Ref,
)

Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compile_expr(expr: Expr, parameters: Mapping[str, ir.ParameterValue]) -> Compiled:
    """Turn an expression into a function of the assessment's facts."""
    if isinstance(expr, Const):
        value = expr.value
        return lambda env: value
    if isinstance(expr, Ref):
        if expr.name in parameters:
            constant = parameters[expr.name]
            return lambda env: constant
        name = expr.name
        return lambda env: env[name]
    if isinstance(expr, Not):
        inner = compile_expr(expr.operand, parameters)
        return lambda env: not inner(env)
    if isinstance(expr, BoolOp):
        parts = tuple(compile_expr(o, parameters) for o in expr.operands)
        if expr.op == "and":
            return lambda env: all(part(env) for part in parts)
        return lambda env: any(part(env) for part in parts)
    if isinstance(expr, Compare):
        left, right = compile_expr(expr.left, parameters), compile_expr(expr.right, parameters)
        compare = _COMPARE[expr.op]

        def compared(env: Env) -> bool:
            # A fact with no value (no record counted) makes every comparison false, as in SQL:
            # a rule must never fire on a value that does not exist.
            a, b = left(env), right(env)
            return a is not None and b is not None and compare(a, b)

        return compared
    if isinstance(expr, Arith):
        left, right = compile_expr(expr.left, parameters), compile_expr(expr.right, parameters)
        if expr.type == "date":
            return lambda env: _add_period(left(env), right(env))
        if expr.op == "+":
            return lambda env: left(env) + right(env)
        return lambda env: left(env) - right(env)
    test = compile_expr(expr.test, parameters)
    then = compile_expr(expr.then, parameters)
    otherwise = compile_expr(expr.otherwise, parameters)
    return lambda env: then(env) if test(env) else otherwise(env)


def _add_period(start: dt.date | None, period: Period) -> dt.date | None:
    # A fact like "latest entry" has no value when nothing is counted; the sum has none either.
    return None if start is None else last_day_of_period(start, period)


def compile_conditions(ruleset: ir.Ruleset) -> dict[str, Compiled]:
    """One closure per rule's ``when``, keyed by rule id."""
    parameters = ruleset.parameter_values()
    return {rule.id: compile_expr(rule.when, parameters) for rule in ruleset.rules}


class ClosureMatcher:
    """Decides which rules fire for one assessment, by calling their compiled conditions."""

    name = "closures"

    def __init__(self, ruleset: ir.Ruleset) -> None:
        conditions = compile_conditions(ruleset)
        self._by_trigger: dict[str, tuple[tuple[int, Compiled], ...]] = {}
        for index, rule in enumerate(ruleset.rules):
            entry = (index, conditions[rule.id])
            self._by_trigger[rule.on] = (*self._by_trigger.get(rule.on, ()), entry)

    def firing(self, on: str, env: Env) -> list[int]:
        """Indexes (into ``ruleset.rules``) of the rules on ``on`` whose condition holds."""
        return [index for index, condition in self._by_trigger.get(on, ()) if condition(env)]

    def close(self) -> None:
        """Nothing to release; present so every matcher can be closed the same way."""
