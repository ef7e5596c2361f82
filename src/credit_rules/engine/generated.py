"""Expressions as generated Python functions: one call per expression, not one per node.

A condition such as ``record_count >= 2 and trigger.category in severe`` compiled to nested
closures costs a Python call for every node, each assessment, and a small request runs a few
dozen of them. Written out as the source of one function and compiled once, it costs one call
and the comparisons themselves; that is a third of the time a small request spends in rules.

The source is generated from the parsed expression tree (:mod:`credit_rules.ruleset.expressions`),
never from text a ruleset wrote: names and field names go in as string literals (``repr``), and
every value (a constant, a parameter, a function, the calendar) is bound as a name of the
function's namespace, so nothing a ruleset says is ever spliced into code. The function gives
exactly what :class:`credit_rules.engine.closures._Compiler`'s closures give, value and type
alike, and evaluates the same parts in the same order (both sides of a comparison, then the
test for a missing value), so the closures stay the oracle it is tested against; an expression
too deep for Python's compiler falls back to them.
"""

from __future__ import annotations

import datetime as dt
import functools
import keyword
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from credit_rules.periods import Period
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
)

#: The comparisons of the condition language, which Python spells the same way.
_OPERATORS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})


def constant_of(expr: Expr, parameters: Mapping[str, ir.ParameterValue]) -> Any:
    """The value of a constant or a count/flag parameter, else None: the right side of a
    comparison that is never missing, which both compilers test for the left side alone."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Ref):
        value = parameters.get(expr.name)
        if isinstance(value, bool | int):
            return value
    return None


class Source:
    """The text of one expression as Python, and the values it names."""

    def __init__(
        self,
        parameters: Mapping[str, ir.ParameterValue],
        functions: Mapping[str, Callable[[Any], Any]],
        add_period: Callable[..., Any],
        days: object,
    ) -> None:
        self.parameters = parameters
        self.functions = functions
        self.namespace: dict[str, Any] = {"_add_period": add_period, "_days": days}
        self._temporaries = 0

    def function(self, expr: Expr) -> Callable[[Mapping[str, Any]], Any]:
        """``expr`` as a function of the assessment's environment. Raises ``SyntaxError``,
        ``RecursionError`` or ``MemoryError`` when Python cannot compile an expression that
        deep; the caller then builds closures instead."""
        body = self.text(expr)
        code = compile(f"def _expression(env):\n    return {body}\n", "<ruleset>", "exec")
        namespace = dict(self.namespace)
        # Source generated from the tree, every value bound by name (see the module doc).
        exec(code, namespace)
        found: Callable[[Mapping[str, Any]], Any] = namespace["_expression"]
        return found

    def firing(self, conditions: Sequence[tuple[int, Expr]]) -> Callable[[Mapping[str, Any]], Any]:
        """One function for all the conditions of one trigger kind, giving the numbers of
        those that hold, in order: what the closures' matcher gives by calling each
        condition, without a call per rule (a trigger kind has several rules, and every
        assessment asks them all). Raises as :meth:`function` does."""
        lines = ["def _firing(env):", "    found = []"]
        for number, expr in conditions:
            lines.append(f"    if {self.text(expr)}:")
            lines.append(f"        found.append({int(number)})")
        lines.append("    return found")
        code = compile("\n".join(lines) + "\n", "<ruleset>", "exec")
        namespace = dict(self.namespace)
        exec(code, namespace)
        found: Callable[[Mapping[str, Any]], Any] = namespace["_firing"]
        return found

    def text(self, expr: Expr) -> str:
        if isinstance(expr, Const):
            return self._bound(expr.value)
        if isinstance(expr, Ref):
            if expr.name in self.parameters:
                return self._bound(self.parameters[expr.name])
            return f"env[{expr.name!r}]"
        if isinstance(expr, Field):
            scope = f"env[{expr.scope!r}]"
            if expr.name.isidentifier() and not keyword.iskeyword(expr.name):
                return f"{scope}.{expr.name}"
            return f"getattr({scope}, {expr.name!r})"
        if isinstance(expr, Call):
            function = self._bound(self.functions[expr.function])
            return f"{function}({self.text(expr.argument)})"
        if isinstance(expr, Not):
            return f"(not {self.text(expr.operand)})"
        if isinstance(expr, BoolOp):
            # The closures give a flag, as bool() would, from every part.
            joined = f" {expr.op} ".join(f"(not not {self.text(o)})" for o in expr.operands)
            return f"({joined})"
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Arith):
            return self._arith(expr)
        test, then, otherwise = (
            self.text(expr.test),
            self.text(expr.then),
            self.text(expr.otherwise),
        )
        return f"({then} if {test} else {otherwise})"

    def _compare(self, expr: Compare) -> str:
        if expr.op not in _OPERATORS:
            raise SyntaxError(f"no such comparison: {expr.op!r}")  # the closures will say so
        operator = expr.op
        left = self._temporary()
        if constant_of(expr.right, self.parameters) is not None:
            # A fact against a number: the constant is never missing.
            right = self.text(expr.right)
            return f"(({left} := {self.text(expr.left)}) is not None and {left} {operator} {right})"
        right = self._temporary()
        # Both sides first, as the closures evaluate them, then the test for a missing value
        # (a fact with no value makes every comparison false, as in SQL).
        return (
            f"((({left} := {self.text(expr.left)}), ({right} := {self.text(expr.right)})) "
            f"and {left} is not None and {right} is not None and {left} {operator} {right})"
        )

    def _arith(self, expr: Arith) -> str:
        left, right = self.text(expr.left), self.text(expr.right)
        if expr.type == "date":
            period = self._period_of(expr.right)
            if period is not None:
                # A fixed period (``trigger_date + audit_flag_term``): its sum for each start
                # day is remembered, as the registers' validity is (history.last_valid_memo).
                shift = self._bound(self._shift(period))
                start = self._temporary()
                return f"(None if ({start} := {left}) is None else {shift}({start}))"
            return f"_add_period({left}, {right}, _days)"
        a, b = self._temporary(), self._temporary()
        return (
            f"(None if ((({a} := {left}), ({b} := {right})) and ({a} is None or {b} is None)) "
            f"else {a} {expr.op} {b})"
        )

    def _period_of(self, expr: Expr) -> Period | None:
        """The period ``expr`` always is (a constant or a parameter), else None."""
        value: object
        if isinstance(expr, Const):
            value = expr.value
        elif isinstance(expr, Ref):
            value = self.parameters.get(expr.name)
        else:
            return None
        return value if isinstance(value, Period) else None

    def _shift(self, period: Period) -> Callable[[dt.date], dt.date | None]:
        """A start day plus ``period``, remembered for the last few thousand start days: a
        pure function of one engine's compiled expression, never shared between engines. A
        population's triggers fall on a few thousand days, and a Civil Code sum is a dozen
        Python operations where a remembered one is a lookup."""
        add_period, days = self.namespace["_add_period"], self.namespace["_days"]

        def shifted(start: dt.date) -> dt.date | None:
            found: dt.date | None = add_period(start, period, days)
            return found

        return functools.lru_cache(maxsize=4096)(shifted)

    def _bound(self, value: object) -> str:
        name = f"_v{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _temporary(self) -> str:
        self._temporaries += 1
        return f"_t{self._temporaries}"
