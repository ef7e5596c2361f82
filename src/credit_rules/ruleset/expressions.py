"""The condition language of rulesets: small, safe, and checked before anything runs.

An expression is parsed with Python's own grammar (``ast.parse``, never ``eval``) and then
translated node by node into the plain syntax tree below. Anything outside the whitelist
(calls, attributes, subscripts, lambdas, comprehensions…) is rejected with its column, so a
ruleset can never run code. Names are resolved and types checked at load time.

Grammar, informally::

    expr   := expr 'if' expr 'else' expr | expr 'or' expr | expr 'and' expr | 'not' expr
            | sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)*
    sum    := atom (('+' | '-') atom)*
    atom   := NAME | INTEGER | 'true' | 'false' | 'STRING' | '(' expr ')'

Types: ``count`` (whole numbers), ``flag`` (true/false), ``date``, ``period`` and ``text``.
``date + period`` is the last day of that period counted from the date (Civil Code Art 201–202).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Type = Literal["count", "flag", "date", "period", "text"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]

_COMPARE_OPS: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


@dataclass(frozen=True)
class Const:
    value: int | bool | str
    type: Type


@dataclass(frozen=True)
class Ref:
    name: str
    type: Type


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Arith:
    op: Literal["+", "-"]
    left: Expr
    right: Expr
    type: Type


@dataclass(frozen=True)
class Conditional:
    test: Expr
    then: Expr
    otherwise: Expr
    type: Type


Expr = Const | Ref | Not | BoolOp | Compare | Arith | Conditional


class ExpressionError(Exception):
    """A problem in one expression, with its 1-based column inside the expression text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message)


def type_of(expr: Expr) -> Type:
    if isinstance(expr, Const | Ref | Arith | Conditional):
        return expr.type
    return "flag"


def names_in(expr: Expr) -> tuple[str, ...]:
    """Every name an expression reads, in order of first use (for explanations and lint)."""
    seen: dict[str, None] = {}

    def walk(node: Expr) -> None:
        if isinstance(node, Ref):
            seen.setdefault(node.name, None)
        elif isinstance(node, Not):
            walk(node.operand)
        elif isinstance(node, BoolOp):
            for operand in node.operands:
                walk(operand)
        elif isinstance(node, Compare | Arith):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, Conditional):
            walk(node.test)
            walk(node.then)
            walk(node.otherwise)

    walk(expr)
    return tuple(seen)


def parse(text: str, names: Mapping[str, Type]) -> Expr:
    """Parse and type-check ``text``; ``names`` gives every name in scope and its type."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse {text!r}: {error.msg}", error.offset) from None
    return _Translator(names).translate(tree.body)


class _Translator:
    def __init__(self, names: Mapping[str, Type]) -> None:
        self.names = names

    def translate(self, node: ast.expr) -> Expr:
        column = getattr(node, "col_offset", 0) + 1
        if isinstance(node, ast.Name):
            return self._name(node.id, column)
        if isinstance(node, ast.Constant):
            return self._constant(node.value, column)
        if isinstance(node, ast.BoolOp):
            operands = tuple(self._flag(value) for value in node.values)
            return BoolOp("and" if isinstance(node.op, ast.And) else "or", operands)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self._flag(node.operand))
        if isinstance(node, ast.Compare):
            return self._compare(node, column)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            return self._arith(node, column)
        if isinstance(node, ast.IfExp):
            test = self._flag(node.test)
            then, otherwise = self.translate(node.body), self.translate(node.orelse)
            if type_of(then) != type_of(otherwise):
                raise ExpressionError(
                    f"both branches of 'if … else' must have one type, not "
                    f"{type_of(then)} and {type_of(otherwise)}",
                    column,
                )
            return Conditional(test, then, otherwise, type_of(then))
        raise ExpressionError(
            f"{type(node).__name__.lower()} is not allowed in a ruleset expression; use names, "
            "numbers, comparisons, and/or/not, + and -, and 'x if test else y'",
            column,
        )

    def _name(self, name: str, column: int) -> Ref | Const:
        if name in ("true", "True"):
            return Const(True, "flag")
        if name in ("false", "False"):
            return Const(False, "flag")
        if name not in self.names:
            known = ", ".join(sorted(self.names))
            raise ExpressionError(
                f"{name!r} is not a fact, parameter or built-in name of this ruleset "
                f"(known: {known})",
                column,
            )
        return Ref(name, self.names[name])

    @staticmethod
    def _constant(value: object, column: int) -> Const:
        if isinstance(value, bool):
            return Const(value, "flag")
        if isinstance(value, int) and value >= 0:
            return Const(value, "count")
        if isinstance(value, str):
            return Const(value, "text")
        raise ExpressionError(
            f"the literal {value!r} is not allowed; use whole numbers, true/false or 'text', "
            "and put periods and dates in parameters",
            column,
        )

    def _flag(self, node: ast.expr) -> Expr:
        expr = self.translate(node)
        if type_of(expr) != "flag":
            raise ExpressionError(
                f"expected true/false here, found a {type_of(expr)}", node.col_offset + 1
            )
        return expr

    def _compare(self, node: ast.Compare, column: int) -> Expr:
        parts: list[Expr] = []
        left = self.translate(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.translate(comparator)
            symbol = _COMPARE_OPS.get(type(op))
            if symbol is None:
                raise ExpressionError(f"{type(op).__name__} is not a comparison here", column)
            if type_of(left) != type_of(right):
                raise ExpressionError(
                    f"cannot compare a {type_of(left)} with a {type_of(right)}", column
                )
            if symbol not in ("==", "!=") and type_of(left) not in ("count", "date"):
                raise ExpressionError(f"{symbol} compares counts or dates only", column)
            parts.append(Compare(symbol, left, right))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def _arith(self, node: ast.BinOp, column: int) -> Arith:
        left, right = self.translate(node.left), self.translate(node.right)
        op: Literal["+", "-"] = "+" if isinstance(node.op, ast.Add) else "-"
        types = (type_of(left), type_of(right))
        if types == ("count", "count"):
            return Arith(op, left, right, "count")
        if types == ("date", "period") and op == "+":
            return Arith(op, left, right, "date")
        raise ExpressionError(
            f"'{type_of(left)} {op} {type_of(right)}' is not defined; "
            "use count ± count or date + period",
            column,
        )
