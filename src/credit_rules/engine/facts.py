"""Derive the facts of one assessment from an indexed history, and say when they can change.

Each trigger kind has a plan: the facts its rules read (after the ruleset's parameters are folded
in, so a branch the parameters rule out is not computed), in declaration order. Every fact can
answer two questions about a history as of a day: its value, and the first later day on which
that value may differ. The second is what lets the engine assess a trigger again only when
something it depends on has changed, instead of on every day anything happens.

An event query's ``where`` is split once, at compile time, into an index key (``event.F ==
<expr>`` or ``event.F in <expr>``), a fixed filter on the event alone, and the rest; the history
keeps the matching events by key, so a query costs a bisection, not a scan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol

from credit_rules.engine.closures import Compiled, WorkingDays, compile_expr
from credit_rules.engine.history import EventTest, History, Occasion, Series
from credit_rules.model.events import Event
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import fold
from credit_rules.ruleset.expressions import BoolOp, Compare, Const, Expr, Field, Ref, nodes

Env = dict[str, Any]
_ONE_DAY = dt.timedelta(days=1)
Span = tuple[dt.date | None, dt.date | None]
"""Days an event may fall on: after the first (excluded; None for no lower bound) and up to
the second (included; None for no upper bound)."""
Window = Callable[[Env], Span]
_NOTHING: Span = (None, dt.date.min)


class Step(Protocol):
    """One fact of a plan."""

    name: str

    def value(self, env: Env, history: History, occasion: Occasion, day: dt.date) -> Any: ...

    def next_change(
        self, env: Env, history: History, occasion: Occasion, day: dt.date
    ) -> dt.date | None: ...


def earliest(*days: dt.date | None) -> dt.date | None:
    found = [day for day in days if day is not None]
    return min(found) if found else None


class FactPlan:
    """The facts for one trigger kind, computed in declaration order."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        self.names = tuple(step.name for step in steps)
        # A computed fact is its compiled expression of the facts before it: called as that,
        # without the step's own frame around it (every assessment derives every fact). For
        # :meth:`assess`, a register's count says when it next changes from the view it has
        # just read, and a computed fact changes only with the facts it reads; the other
        # steps are asked once every fact is known.
        self._assessed = tuple(
            (
                step.name,
                step.function if isinstance(step, ComputedStep) else None,
                step if isinstance(step, RegisterStep) else None,
                step,
            )
            for step in steps
        )
        self._asked_after = tuple(
            step for step in steps if not isinstance(step, ComputedStep | RegisterStep)
        )

    def environment(self, history: History, occasion: Occasion, day: dt.date) -> Env:
        """Every fact as of ``day``: what the rules on ``occasion`` see on that day."""
        env: Env = {
            "trigger_date": occasion.date,
            "subject_kind": history.kind,
            "trigger": occasion.event,
        }
        for name, computed, _, step in self._assessed:
            env[name] = (
                computed(env) if computed is not None else step.value(env, history, occasion, day)
            )
        return env

    def assess(
        self, history: History, occasion: Occasion, day: dt.date
    ) -> tuple[Env, dt.date | None]:
        """:meth:`environment`, and the first day after ``day`` on which any fact of the plan
        may take another value (None: none after it), at once: a register's view is looked
        up once for both (a small request's walk asks little else)."""
        env: Env = {
            "trigger_date": occasion.date,
            "subject_kind": history.kind,
            "trigger": occasion.event,
        }
        found: dt.date | None = None
        for name, computed, register, step in self._assessed:
            if computed is not None:
                env[name] = computed(env)
            elif register is not None:
                env[name], change = register.value_and_change(env, history, occasion, day)
                if change is not None and (found is None or change < found):
                    found = change
            else:
                env[name] = step.value(env, history, occasion, day)
        for step in self._asked_after:
            change = step.next_change(env, history, occasion, day)
            if change is not None and (found is None or change < found):
                found = change
        return env, found


# -- compiling ---------------------------------------------------------------------------------


def static_in(expr: Expr, scope: str, parameters: Mapping[str, ir.ParameterValue]) -> bool:
    """Whether ``expr`` reads only fields of ``scope`` and parameters: a fixed filter."""
    for node in nodes(expr):
        if isinstance(node, Field) and node.scope != scope:
            return False
        if isinstance(node, Ref) and node.name not in parameters:
            return False
    return True


def conjuncts(expr: Expr | None) -> list[Expr]:
    if expr is None or (isinstance(expr, Const) and expr.value is True):
        return []
    if isinstance(expr, BoolOp) and expr.op == "and":
        return [part for operand in expr.operands for part in conjuncts(operand)]
    return [expr]


def disjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, BoolOp) and expr.op == "or":
        return [part for operand in expr.operands for part in disjuncts(operand)]
    return [expr]


def conjunction(parts: Sequence[Compiled]) -> Compiled | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return lambda env: all(part(env) for part in parts)


class Compiler:
    """Compiles derivations, filters and selectors with one ruleset's parameters and calendar."""

    def __init__(
        self, parameters: Mapping[str, ir.ParameterValue], calendar: WorkingDays | None
    ) -> None:
        self.parameters = parameters
        self.calendar = calendar

    def expr(self, expr: Expr) -> Compiled:
        return compile_expr(expr, self.parameters, self.calendar)

    def event_test(self, parts: Sequence[Expr], scope: str) -> EventTest | None:
        compiled = conjunction([self.expr(part) for part in parts])
        if compiled is None:
            return None
        test = compiled
        return lambda event: bool(test({scope: event}))

    def selector(self, event_type: str, where: Expr | None, name: Hashable) -> EventSelector:
        """Split ``where`` into index key, fixed filter and the rest (see the module doc)."""
        key: tuple[str, str, Compiled] | None = None
        fixed: list[Expr] = []
        rest: list[Expr] = []
        bounds: list[Window] = []
        # Parameters first: a branch they rule out must not hide an index key or a bound.
        folded = fold(where, self.parameters) if where is not None else None
        for part in conjuncts(folded):
            found = None if key is not None else _index_key(part)
            if found is not None:
                field_name, op, other = found
                key = (field_name, op, self.expr(other))
            elif static_in(part, "event", self.parameters):
                fixed.append(part)
            else:
                rest.append(part)
                bound = self._window(part)
                if bound is not None:
                    bounds.append(bound)
        residual = conjunction([self.expr(part) for part in rest])
        return EventSelector(
            event_type, name, self.event_test(fixed, "event"), key, residual, tuple(bounds)
        )

    def _window(self, part: Expr) -> Window | None:
        """The days a conjunct lets ``event.date`` fall on, where it says: ``event.date <= X``
        and the like, or an ``or`` of upper bounds and conditions not about the event (Ganzhou
        Art 23(二): "before the application, or before the decision while there is none").
        Only events within it need looking at, and none past its end can change an answer."""
        simple = _date_comparison(part)
        if simple is not None:
            op, compiled = simple[0], self.expr(simple[1])
            return lambda env: _one_window(op, compiled(env))
        if not (isinstance(part, BoolOp) and part.op == "or"):
            return None
        uppers: list[tuple[str, Compiled]] = []
        conditions: list[Compiled] = []
        for option in disjuncts(part):
            found = _date_comparison(option)
            if found is not None and found[0] in ("<", "<="):
                uppers.append((found[0], self.expr(found[1])))
            elif not _reads_event(option):
                conditions.append(self.expr(option))
            else:
                return None

        def window(env: Env) -> Span:
            if any(condition(env) for condition in conditions):
                return None, None
            ends = [_one_window(op, bound(env))[1] for op, bound in uppers]
            found = [end for end in ends if end is not None]
            return (None, max(found)) if found else _NOTHING

        return window

    def step(self, fact: ir.Fact) -> Step:
        derivation = fact.derivation
        if isinstance(derivation, ir.Computed):
            return ComputedStep(fact.id, self.expr(derivation.expr))
        if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
            where = fold(derivation.where, self.parameters) if derivation.where else None
            fixed = where is None or static_in(where, "record", self.parameters)
            return RegisterStep(
                fact.id,
                derivation.register,
                on_trigger=derivation.valid_on == "trigger",
                counting=isinstance(derivation, ir.CountOf),
                keep=self.event_test(conjuncts(where), "record") if fixed else None,
                where=None if fixed or where is None else self.expr(where),
            )
        value = self.expr(derivation.value) if derivation.value is not None else None
        selector = self.selector(derivation.event_type, derivation.where, fact.id)
        return QueryStep(fact.id, selector, derivation.pick, value)


def _date_comparison(part: Expr) -> tuple[str, Expr] | None:
    """``(op, X)`` for ``event.date <op> X`` comparing by order, X not reading the event."""
    if (
        isinstance(part, Compare)
        and part.op in ("<=", "<", ">", ">=")
        and isinstance(part.left, Field)
        and part.left.scope == "event"
        and part.left.name == "date"
        and not _reads_event(part.right)
    ):
        return part.op, part.right
    return None


def _reads_event(expr: Expr) -> bool:
    return any(isinstance(n, Field) and n.scope == "event" for n in nodes(expr))


def _one_window(op: str, value: dt.date | None) -> Span:
    if value is None:
        return _NOTHING  # a comparison with a missing value never holds
    if op == "<=":
        return None, value
    if op == "<":
        return None, value - _ONE_DAY
    return (value, None) if op == ">" else (value - _ONE_DAY, None)


def _index_key(part: Expr) -> tuple[str, str, Expr] | None:
    """``(F, op, X)`` for a conjunct ``event.F == X``, ``X == event.F`` or ``event.F in X``
    where X does not read the event itself."""
    if not isinstance(part, Compare) or part.op not in ("==", "in"):
        return None
    sides = [(part.left, part.right)]
    if part.op == "==":
        sides.append((part.right, part.left))
    for field, other in sides:
        if isinstance(field, Field) and field.scope == "event" and not _reads_event(other):
            return field.name, part.op, other
    return None


# -- events ------------------------------------------------------------------------------------


class EventSelector:
    """The events of one type that match a ``where``, as known on a day."""

    def __init__(
        self,
        event_type: str,
        name: Hashable,
        keep: EventTest | None,
        key: tuple[str, str, Compiled] | None,
        residual: Compiled | None,
        bounds: tuple[Window, ...] = (),
    ) -> None:
        self.event_type = event_type
        self.name = name
        self.keep = keep
        self.key = key
        self.residual = residual
        self.bounds = bounds

    def _series(self, env: Env, history: History) -> list[Series]:
        if self.key is None:
            return [history.series(self.event_type, self.name, self.keep)]
        field_name, op, other = self.key
        wanted = other(env)
        if wanted is None:
            return []  # a comparison with a missing value never holds
        keyed = history.keyed(self.event_type, self.name, self.keep, field_name)
        if op == "==":
            found = keyed.get(wanted)
            return [] if found is None else [found]
        return [keyed[k] for k in dict.fromkeys(wanted) if k in keyed]

    def select(self, env: Env, history: History, day: dt.date) -> list[Event]:
        """The matching events that had happened by ``day``, in the history's order."""
        parts = self._series(env, history)
        if not parts:
            return []
        low, high = self._window(env, day)
        if len(parts) == 1:
            known = parts[0].between(low, high)
        else:
            known = sorted((e for s in parts for e in s.between(low, high)), key=history.seq_of)
        history.inspected += len(known)
        residual = self.residual
        if residual is None or not known:
            return known
        matched = []
        for event in known:
            env["event"] = event
            if residual(env):
                matched.append(event)
        env.pop("event", None)
        return matched

    def _window(self, env: Env, day: dt.date) -> tuple[dt.date | None, dt.date]:
        """The days (after the first, up to the last) the bounds on ``event.date`` allow, as
        known on ``day``."""
        low: dt.date | None = None
        high: dt.date = day
        for bound in self.bounds:
            after, last = bound(env)
            if last is not None:
                high = min(high, last)
            if after is not None:
                low = after if low is None else max(low, after)
        return low, high

    def next_change(self, env: Env, history: History, day: dt.date) -> dt.date | None:
        """The first day after ``day`` on which a matching event may happen."""
        found = earliest(*(series.next_day(day) for series in self._series(env, history)))
        if found is None:
            return None
        for bound in self.bounds:
            last = bound(env)[1]
            if last is not None and found > last:
                return None  # events come in date order: none later can match either
        return found


class ComputedStep:
    def __init__(self, name: str, function: Compiled) -> None:
        self.name = name
        self.function = function

    def value(self, env: Env, history: History, occasion: Occasion, day: dt.date) -> Any:
        return self.function(env)

    def next_change(
        self, env: Env, history: History, occasion: Occasion, day: dt.date
    ) -> dt.date | None:
        return None  # it changes only when the facts it is computed from do


class QueryStep:
    def __init__(
        self, name: str, selector: EventSelector, pick: str, value: Compiled | None
    ) -> None:
        self.name = name
        self.selector = selector
        self.pick = pick
        self.function = value

    def value(self, env: Env, history: History, occasion: Occasion, day: dt.date) -> Any:
        matches = self.selector.select(env, history, day)
        if self.pick == "count":
            return len(matches)
        if self.pick == "collect":
            return tuple(self._value_of(env, match) for match in matches)
        if not matches:
            return None
        match = matches[0] if self.pick == "first" else matches[-1]
        return match.date if self.function is None else self._value_of(env, match)

    def _value_of(self, env: Env, event: Event) -> Any:
        assert self.function is not None  # the loader requires a value to collect
        env["event"] = event
        try:
            return self.function(env)
        finally:
            env.pop("event", None)

    def next_change(
        self, env: Env, history: History, occasion: Occasion, day: dt.date
    ) -> dt.date | None:
        return self.selector.next_change(env, history, day)


class RegisterStep:
    """How many records are valid, or the latest entry among them, on the trigger's day or on
    the day assessed (Lianyungang Arts 10, 11 and 14)."""

    def __init__(
        self,
        name: str,
        register: str,
        *,
        on_trigger: bool,
        counting: bool,
        keep: EventTest | None,
        where: Compiled | None,
    ) -> None:
        self.name = name
        self.register = register
        self.on_trigger = on_trigger
        self.counting = counting
        self.keep = keep
        self.where = where

    def value(self, env: Env, history: History, occasion: Occasion, day: dt.date) -> Any:
        view = history.register(self.register, self.name, self.keep)
        if self.where is not None:
            return self._scanned(env, history, view.records, occasion, day)
        if self.on_trigger:
            if self.counting:
                return view.count_valid_at(occasion.date, day)
            return view.latest_valid_at(occasion.date, day)
        return view.count_on(day) if self.counting else view.latest_on(day)

    def value_and_change(
        self, env: Env, history: History, occasion: Occasion, day: dt.date
    ) -> tuple[Any, dt.date | None]:
        """:meth:`value` and :meth:`next_change`, from one look-up of the view."""
        view = history.register(self.register, self.name, self.keep)
        if self.where is not None:
            return self._scanned(env, history, view.records, occasion, day), view.next_change(day)
        if self.on_trigger:
            # The count on the trigger's day, as known on ``day``: only a removal changes it.
            if self.counting:
                return view.count_valid_and_next_removal(occasion.date, day)
            return view.latest_valid_at(occasion.date, day), view.next_removal(day)
        found = view.count_on(day) if self.counting else view.latest_on(day)
        return found, view.next_change(day)

    def _scanned(
        self, env: Env, history: History, records: Sequence[Any], occasion: Occasion, day: dt.date
    ) -> Any:
        """The general case: a ``where`` that reads other facts, checked record by record."""
        valid_on = occasion.date if self.on_trigger else day
        entries = []
        where = self.where
        assert where is not None
        history.inspected += len(records)
        for record in records:
            if not (record.present_on(day) and record.entered <= valid_on <= record.last_valid):
                continue
            env["record"] = record.event
            if where(env):
                entries.append(record.entered)
        env.pop("record", None)
        if self.counting:
            return len(entries)
        return max(entries) if entries else None

    def next_change(
        self, env: Env, history: History, occasion: Occasion, day: dt.date
    ) -> dt.date | None:
        view = history.register(self.register, self.name, self.keep)
        if self.on_trigger and self.where is None:
            return view.next_removal(day)
        return view.next_change(day)
