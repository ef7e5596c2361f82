"""The default backend: each expression becomes a plain Python closure, compiled once.

Parameters are folded in as constants at compile time, so evaluating a rule touches only the
facts of the assessment at hand. This backend is the reference semantics; every other backend
is tested against it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from credit_rules.calendar import default_calendar
from credit_rules.engine.generated import Source, constant_of
from credit_rules.periods import Period, last_day_of_period
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

Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda item, items: item in items,
    "not in": lambda item, items: item not in items,
}


class WorkingDays(Protocol):
    """What expressions need of a calendar: the Nth working day after a date, and the
    first working day on or after one."""

    def add_working_days(self, start: dt.date, n: int) -> dt.date: ...

    def roll_forward(self, day: dt.date) -> dt.date: ...


def _end_of_year(day: dt.date | None) -> dt.date | None:
    return None if day is None else dt.date(day.year, 12, 31)


def _next_day(day: dt.date | None) -> dt.date | None:
    return None if day is None else day + dt.timedelta(days=1)


def _year_of(day: dt.date | None) -> int | None:
    return None if day is None else day.year


_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "end_of_year": _end_of_year,
    "next_day": _next_day,
    "year_of": _year_of,
}


def _functions(days: WorkingDays) -> dict[str, Callable[[Any], Any]]:
    """The functions of the language, those that read the calendar bound to ``days``."""

    def working_day_on_or_after(day: dt.date | None) -> dt.date | None:
        # Civil Code Art 203: a last day that is a rest day moves to the day the rest ends.
        return None if day is None else days.roll_forward(day)

    return {**_FUNCTIONS, "working_day_on_or_after": working_day_on_or_after}


def compile_expr(
    expr: Expr,
    parameters: Mapping[str, ir.ParameterValue],
    calendar: WorkingDays | None = None,
    *,
    generated: bool = True,
) -> Compiled:
    """Turn an expression into a function of the assessment's environment.

    The environment holds fact values by name, and the events in scope under ``trigger``,
    ``event`` and ``record``. ``calendar`` counts periods in working days; without one, the
    official PRC calendar does, so no expression can fail for want of a calendar.

    The function is generated Python (:mod:`credit_rules.engine.generated`), one call per
    expression; ``generated=False`` gives the nested closures it is held equal to, which also
    serve an expression too deep for Python's compiler.
    """
    days = calendar if calendar is not None else default_calendar()
    if generated:
        try:
            return Source(parameters, _functions(days), _add_period, days).function(expr)
        except (SyntaxError, RecursionError, MemoryError):
            pass  # nested deeper than Python compiles: the closures have no such limit
    return _Compiler(parameters, days).compile(expr)


class _Compiler:
    def __init__(self, parameters: Mapping[str, ir.ParameterValue], days: WorkingDays) -> None:
        self.parameters = parameters
        self.days = days
        self.functions = _functions(days)

    def compile(self, expr: Expr) -> Compiled:
        if isinstance(expr, Const):
            value = expr.value
            return lambda env: value
        if isinstance(expr, Ref):
            if expr.name in self.parameters:
                constant = self.parameters[expr.name]
                return lambda env: constant
            name = expr.name
            return lambda env: env[name]
        if isinstance(expr, Field):
            scope, field = expr.scope, expr.name
            return lambda env: getattr(env[scope], field)
        if isinstance(expr, Call):
            function = self.functions[expr.function]
            argument = self.compile(expr.argument)
            return lambda env: function(argument(env))
        if isinstance(expr, Not):
            inner = self.compile(expr.operand)
            return lambda env: not inner(env)
        if isinstance(expr, BoolOp):
            return _chain([self.compile(o) for o in expr.operands], expr.op == "and")
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Arith):
            return self._arith(expr)
        test, then, otherwise = (
            self.compile(expr.test),
            self.compile(expr.then),
            self.compile(expr.otherwise),
        )
        return lambda env: then(env) if test(env) else otherwise(env)

    def _compare(self, expr: Compare) -> Compiled:
        left, right = self.compile(expr.left), self.compile(expr.right)
        compare = _COMPARE[expr.op]
        constant = constant_of(expr.right, self.parameters)
        if constant is not None:
            # The common shape, a fact against a number (``record_count >= 2``): one call less.
            return lambda env: (a := left(env)) is not None and compare(a, constant)

        def compared(env: Env) -> bool:
            # A fact with no value (no record counted) makes every comparison false, as in SQL:
            # a rule must never fire on a value that does not exist.
            a, b = left(env), right(env)
            return a is not None and b is not None and compare(a, b)

        return compared

    def _arith(self, expr: Arith) -> Compiled:
        left, right = self.compile(expr.left), self.compile(expr.right)
        if expr.type == "date":
            days = self.days
            return lambda env: _add_period(left(env), right(env), days)
        if expr.op == "+":
            return lambda env: _none_or(left(env), right(env), operator.add)
        return lambda env: _none_or(left(env), right(env), operator.sub)


def _chain(parts: list[Compiled], conjunction: bool) -> Compiled:
    """``and``/``or`` of compiled parts as nested two-part closures (a generator per call
    costs more than the parts), giving a flag as ``all``/``any`` would."""
    if len(parts) == 1:
        only = parts[0]
        return lambda env: bool(only(env))
    first, rest = parts[0], _chain(parts[1:], conjunction)
    if conjunction:
        return lambda env: bool(first(env)) and rest(env)
    return lambda env: bool(first(env)) or rest(env)


def _none_or(a: Any, b: Any, combine: Callable[[Any, Any], Any]) -> Any:
    return None if a is None or b is None else combine(a, b)


def _add_period(start: dt.date | None, period: Period, days: WorkingDays) -> dt.date | None:
    # A fact like "latest entry" has no value when nothing is counted; the sum has none either.
    if start is None:
        return None
    if period.unit == "working_days":
        return days.add_working_days(start, period.count)
    return last_day_of_period(start, period)


def _one_by_one(conditions: list[tuple[int, Compiled]]) -> Callable[[Env], list[int]]:
    """The numbers of the conditions that hold, each called in turn."""
    return lambda env: [index for index, condition in conditions if condition(env)]


def compile_conditions(
    ruleset: ir.Ruleset, calendar: WorkingDays | None = None
) -> dict[str, Compiled]:
    """One closure per rule's ``when``, keyed by rule id."""
    parameters = ruleset.parameter_values()
    return {rule.id: compile_expr(rule.when, parameters, calendar) for rule in ruleset.rules}


def _none_firing(env: Env) -> list[int]:
    return []  # no rule is on this kind of trigger


class ClosureMatcher:
    """Decides which rules fire for one assessment, by calling their compiled conditions."""

    name = "closures"

    def __init__(self, ruleset: ir.Ruleset, calendar: WorkingDays | None = None) -> None:
        parameters = ruleset.parameter_values()
        days = calendar if calendar is not None else default_calendar()
        by_trigger: dict[str, list[tuple[int, ir.Rule]]] = {}
        for index, rule in enumerate(ruleset.rules):
            by_trigger.setdefault(rule.on, []).append((index, rule))
        self._by_trigger: dict[str, Callable[[Env], list[int]]] = {}
        for on, rules in by_trigger.items():
            try:
                found = Source(parameters, _functions(days), _add_period, days).firing(
                    [(index, rule.when) for index, rule in rules]
                )
            except (SyntaxError, RecursionError, MemoryError):
                # Too deep for Python's compiler: each condition on its own, as compile_expr
                # gives it (generated if it can be, closures if not).
                found = _one_by_one(
                    [(index, compile_expr(rule.when, parameters, days)) for index, rule in rules]
                )
            self._by_trigger[on] = found

    def firing(self, on: str, env: Env) -> list[int]:
        """Indexes (into ``ruleset.rules``) of the rules on ``on`` whose condition holds."""
        found = self._by_trigger.get(on)
        return [] if found is None else found(env)

    def firing_on(self, on: str) -> Callable[[Env], list[int]]:
        """:meth:`firing` for one ``on``, as a function of the facts alone (for a caller that
        asks about the same kind of trigger many times)."""
        return self._by_trigger.get(on, _none_firing)

    def close(self) -> None:
        """Nothing to release; present so every matcher can be closed the same way."""
