"""Conditions as a disjunction of conjunctions: the one normal form lint and backends share.

Lint asks whether a condition can hold at all and whether two can hold together; the
durable-rules backend needs each way a condition can hold as a flat list of tests. Both read
the same expansion, so a condition the backend runs is the condition lint reasoned about.

A comparison with a fact that has no value is false whichever way it is written (see
``engine/closures.py``). A :class:`Requirement` keeps that apart from plain negation: ``x >= 2``
needs ``x`` to have a value, ``not (x < 2)`` also holds when it has none. So ``x >= 2`` and
``x < 2`` exclude each other, but ``not (x >= 2)`` and ``not (x < 2)`` do not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from credit_rules.ruleset.expressions import BoolOp, Compare, Conditional, Const, Expr, Not


@dataclass(frozen=True)
class Requirement:
    """``atom`` required true (``truth``) or false. ``strict`` when it also needs its values to
    exist (the atom was written as it stands, not under ``not``); otherwise it also holds when
    a value it compares is missing. An atom is a comparison in canonical form (``==``, ``<``
    or ``in``, see :func:`canonical`) or a flag (a fact or an event field)."""

    atom: Expr
    truth: bool
    strict: bool


Clause = tuple[Requirement, ...]

#: Clauses a condition may expand to before the reasoning gives up on it.
MAX_CLAUSES = 512


class TooComplex(Exception):
    """A condition whose disjunctive form exceeds the limit; callers assume anything of it."""


def canonical(expr: Compare) -> tuple[Compare, bool]:
    """One atom for a comparison and its negation: ``a >= b`` is ``a < b`` required false."""
    left, right = expr.left, expr.right
    match expr.op:
        case "==" | "!=":
            return Compare("==", left, right), expr.op == "=="
        case "<" | ">=":
            return Compare("<", left, right), expr.op == "<"
        case ">" | "<=":
            return Compare("<", right, left), expr.op == ">"
        case _:
            return Compare("in", left, right), expr.op == "in"


def dnf(expr: Expr, *, limit: int = MAX_CLAUSES) -> list[Clause]:
    """The ways ``expr`` can hold, each a consistent conjunction of requirements, in order.
    ``[]`` means never, ``[()]`` always. Raises :class:`TooComplex` beyond ``limit`` clauses.

    Fold the parameters in first (:func:`credit_rules.ruleset.analysis.fold`), or a parameter
    is taken for a fact that may have any value."""
    return _expand(expr, False, limit)


def _expand(expr: Expr, negated: bool, limit: int) -> list[Clause]:
    if isinstance(expr, Const):
        return [()] if bool(expr.value) != negated else []
    if isinstance(expr, Not):
        return _expand(expr.operand, not negated, limit)
    if isinstance(expr, Conditional):
        either = BoolOp(
            "or",
            (
                BoolOp("and", (expr.test, expr.then)),
                BoolOp("and", (Not(expr.test), expr.otherwise)),
            ),
        )
        return _expand(either, negated, limit)
    if isinstance(expr, BoolOp):
        parts = [_expand(operand, negated, limit) for operand in expr.operands]
        # De Morgan: not (a and b) = not a or not b; not (a or b) = not a and not b.
        if (expr.op == "and") != negated:
            clauses: list[Clause] = [()]
            for part in parts:
                merged = (_merge(c, p) for c in clauses for p in part)
                clauses = _unique(m for m in merged if consistent(m))
                _check(clauses, limit)
            return clauses
        joined = _unique(clause for part in parts for clause in part)
        _check(joined, limit)
        return [()] if () in joined else joined
    if isinstance(expr, Compare):
        atom, truth = canonical(expr)
        return [(Requirement(atom, truth != negated, not negated),)]
    # A flag: a missing value counts as false, so `not flag` also holds when it is missing.
    return [(Requirement(expr, not negated, not negated),)]


def _merge(a: Clause, b: Clause) -> Clause:
    return tuple(dict.fromkeys((*a, *b)))


def _unique(clauses: Iterable[Clause]) -> list[Clause]:
    return list(dict.fromkeys(clauses))


def _check(clauses: list[Clause], limit: int) -> None:
    if len(clauses) > limit:
        raise TooComplex(f"expands to more than {limit} conjunctions")


def consistent(clause: Clause) -> bool:
    """Whether some values satisfy every requirement of ``clause`` together."""
    by_atom: dict[Expr, list[Requirement]] = {}
    for requirement in clause:
        by_atom.setdefault(requirement.atom, []).append(requirement)
    for requirements in by_atom.values():
        for a, b in itertools.combinations(requirements, 2):
            if a.truth != b.truth and (a.strict or b.strict):
                return False
    return all(bounds.feasible() for bounds in bounds_of(clause).values())


@dataclass
class Bounds:
    """What a conjunction asks of one value compared with constants."""

    low: int | None = None
    high: int | None = None
    equal: set[object] = field(default_factory=set)
    unequal: set[object] = field(default_factory=set)

    def feasible(self) -> bool:
        if self.low is not None and self.high is not None and self.low > self.high:
            return False
        if len(self.equal) > 1 or self.equal & self.unequal:
            return False
        return not (self.low is not None and self.low == self.high and self.low in self.unequal)


def bounds_of(clause: Clause) -> dict[Expr, Bounds]:
    """Constraints on each value that some requirement compares with a constant. A value
    compared only under ``not`` may be missing, which satisfies all of those, so it is left
    out."""
    found: dict[Expr, list[tuple[str, object, bool, bool]]] = {}
    variable: Expr
    value: object
    for requirement in clause:
        atom = requirement.atom
        if not isinstance(atom, Compare) or atom.op == "in":
            continue
        if isinstance(atom.right, Const) and not isinstance(atom.left, Const):
            variable, value, variable_left = atom.left, atom.right.value, True
        elif isinstance(atom.left, Const) and not isinstance(atom.right, Const):
            variable, value, variable_left = atom.right, atom.left.value, False
        else:
            continue
        found.setdefault(variable, []).append((atom.op, value, requirement.truth, variable_left))
    strict_variables = {
        side
        for requirement in clause
        if requirement.strict and isinstance(requirement.atom, Compare)
        for side in (requirement.atom.left, requirement.atom.right)
        if not isinstance(side, Const)
    }
    result: dict[Expr, Bounds] = {}
    for variable, constraints in found.items():
        if variable not in strict_variables:
            continue
        bounds = result.setdefault(variable, Bounds())
        for op, value, truth, variable_left in constraints:
            _constrain(bounds, op, value, truth, variable_left)
    return result


def _constrain(bounds: Bounds, op: str, value: object, truth: bool, variable_left: bool) -> None:
    if op == "==":
        (bounds.equal if truth else bounds.unequal).add(value)
        if truth and isinstance(value, int) and not isinstance(value, bool):
            _narrow(bounds, value, value)
        return
    if isinstance(value, bool) or not isinstance(value, int):
        return
    # op is "<": variable < value (variable_left) or value < variable.
    if variable_left:
        low, high = (None, value - 1) if truth else (value, None)
    else:
        low, high = (value + 1, None) if truth else (None, value)
    _narrow(bounds, low, high)


def _narrow(bounds: Bounds, low: int | None, high: int | None) -> None:
    if low is not None:
        bounds.low = low if bounds.low is None else max(bounds.low, low)
    if high is not None:
        bounds.high = high if bounds.high is None else min(bounds.high, high)
