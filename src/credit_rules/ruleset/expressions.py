"""The condition language of rulesets: small, safe, and checked before anything runs.

An expression is parsed with Python's own grammar (``ast.parse``, never ``eval``) and then
translated node by node into the plain syntax tree below. Anything outside the whitelist
(calls, attributes, subscripts, lambdas, comprehensions…) is rejected with its column, so a
ruleset can never run code. Names are resolved and types checked at load time.

Grammar, informally::

    expr   := expr 'if' expr 'else' expr | expr 'or' expr | expr 'and' expr | 'not' expr
            | sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)*
    sum    := atom (('+' | '-') atom)*
    atom   := NAME | SCOPE '.' FIELD | FUNCTION '(' expr ')' | INTEGER | 'true' | 'false'
            | 'STRING' | '(' expr ')'

Types: ``count`` (whole numbers), ``flag`` (true/false), ``date``, ``period``, ``text`` and
``list`` (of texts, usable only on the right of ``in``). ``date + period`` is the last day of that
period counted from the date (Civil Code Art 201–202), or the Nth working day for a period in
working days. ``trigger.field``, ``event.field`` and ``record.field`` read a field of the event in
that scope; which scopes exist depends on where the expression stands.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from credit_rules.errors import shown, suggestion
from credit_rules.i18n import N_, Message
from credit_rules.limits import DEFAULT_LIMITS, Limits

Type = Literal["count", "flag", "date", "period", "text", "list"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
Scopes = Mapping[str, Mapping[str, Type]]

#: Functions a ruleset may call: name -> (argument type, result type).
FUNCTIONS: Mapping[str, tuple[Type, Type]] = {
    "end_of_year": ("date", "date"),
    "next_day": ("date", "date"),
    "working_day_on_or_after": ("date", "date"),
    "year_of": ("date", "count"),
}

#: Functions whose answer depends on the working-day calendar.
CALENDAR_FUNCTIONS: frozenset[str] = frozenset({"working_day_on_or_after"})

_COMPARE_OPS: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
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
class Field:
    """A field of the event in scope: ``trigger.year``, ``event.written``, ``record.category``."""

    scope: str
    name: str
    type: Type


@dataclass(frozen=True)
class Call:
    function: str
    argument: Expr
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


Expr = Const | Ref | Field | Call | Not | BoolOp | Compare | Arith | Conditional


class ExpressionError(Exception):
    """A problem in one expression, with its 1-based column inside the expression text."""

    def __init__(self, message: str, column: int | None = None, name: str | None = None) -> None:
        self.column = column
        #: The name that is not in scope, when that is the problem: the loader may know it
        #: as a fact listed further down, or one that could not be built.
        self.name = name
        super().__init__(message)


def type_of(expr: Expr) -> Type:
    if isinstance(expr, Const | Ref | Field | Call | Arith | Conditional):
        return expr.type
    return "flag"


def nodes(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression, depth first, left to right."""
    yield expr
    if isinstance(expr, Not):
        yield from nodes(expr.operand)
    elif isinstance(expr, Call):
        yield from nodes(expr.argument)
    elif isinstance(expr, BoolOp):
        for operand in expr.operands:
            yield from nodes(operand)
    elif isinstance(expr, Compare | Arith):
        yield from nodes(expr.left)
        yield from nodes(expr.right)
    elif isinstance(expr, Conditional):
        yield from nodes(expr.test)
        yield from nodes(expr.then)
        yield from nodes(expr.otherwise)


def names_in(expr: Expr) -> tuple[str, ...]:
    """Every name an expression reads, in order of first use (for explanations and lint)."""
    return tuple(dict.fromkeys(node.name for node in nodes(expr) if isinstance(node, Ref)))


def fields_in(expr: Expr) -> tuple[tuple[str, str], ...]:
    """Every (scope, field) an expression reads."""
    return tuple(
        dict.fromkeys((node.scope, node.name) for node in nodes(expr) if isinstance(node, Field))
    )


def _closest(name: str, known: Iterable[str]) -> str:
    """ "; did you mean X?" for the closest known names, else the list of them when it is short
    enough to read, so a typo gets a hint rather than every name of the ruleset."""
    names = sorted(known)
    hint = suggestion(name, names)
    if hint or len(names) > 8:
        return hint
    return Message(" (known: {names})", names=", ".join(names))


#: Python's words for why an expression does not parse, in the reader's language (the
#: expression is a line of a ruleset, not Python to its writer); any other is kept as it is.
_SYNTAX_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?"),
        N_("the syntax is not valid; to compare, write '==' instead of '='"),
    ),
    (
        re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"),
        N_("the syntax is not valid; perhaps a word or an operator is missing"),
    ),
    (re.compile(r"invalid syntax"), N_("the syntax is not valid")),
    (re.compile(r"'(?P<char>.)' was never closed"), N_("'{char}' is opened and never closed")),
    (re.compile(r"unmatched '(?P<char>.)'"), N_("'{char}' closes nothing that was opened")),
    (re.compile(r"unterminated string literal.*"), N_("a quoted text is not closed")),
    (
        re.compile(r"invalid decimal literal"),
        N_("a number runs into letters; a name cannot start with a digit"),
    ),
)


def _syntax_words(msg: str) -> str:
    for pattern, words in _SYNTAX_WORDS:
        found = pattern.fullmatch(msg)
        if found is not None:
            return Message(words, **found.groupdict())
    return msg


#: What a construct the expressions do not have is called, for a writer who may not know
#: Python's names for them (``Subscript``, ``BinOp``).
_CONSTRUCTS: Mapping[type[ast.AST], str] = {
    ast.Subscript: N_("indexing (x[...])"),
    ast.Lambda: N_("a lambda"),
    ast.Attribute: N_("a dotted name other than trigger.x, event.x or record.x"),
    ast.List: N_("a list ([...])"),
    ast.Tuple: N_("a tuple (a, b)"),
    ast.Set: N_("a set ({...})"),
    ast.Dict: N_("a mapping ({...: ...})"),
    ast.JoinedStr: N_("an f-string"),
    ast.NamedExpr: N_("an assignment (:=)"),
    ast.ListComp: N_("a comprehension"),
    ast.SetComp: N_("a comprehension"),
    ast.DictComp: N_("a comprehension"),
    ast.GeneratorExp: N_("a comprehension"),
    ast.Starred: N_("unpacking (*x)"),
}
#: Python's identity tests as written, for the message refusing them.
_IDENTITY_OPS: Mapping[type[ast.AST], str] = {ast.Is: "is", ast.IsNot: "is not"}

_OPERATORS: Mapping[type[ast.AST], str] = {
    ast.Mult: N_("multiplication (*)"),
    ast.Div: N_("division (/)"),
    ast.FloorDiv: N_("division (//)"),
    ast.Mod: N_("the remainder (%)"),
    ast.Pow: N_("a power (**)"),
    ast.MatMult: N_("the operator @"),
    ast.BitAnd: N_("the operator & (write 'and')"),
    ast.BitOr: N_("the operator | (write 'or')"),
    ast.BitXor: N_("the operator ^"),
    ast.LShift: N_("a shift (<<)"),
    ast.RShift: N_("a shift (>>)"),
}


def _construct(node: ast.AST) -> str:
    """A construct's name as a writer of rulesets would say it."""
    if isinstance(node, ast.BinOp):
        named = _OPERATORS.get(type(node.op))
    elif isinstance(node, ast.UnaryOp):
        named = (
            N_("the operator ~")
            if isinstance(node.op, ast.Invert)
            else N_("a sign before a value (-1, +x)")
        )
    else:
        named = _CONSTRUCTS.get(type(node))
    return Message(named) if named is not None else type(node).__name__.lower()


def parse(
    text: str,
    names: Mapping[str, Type],
    scopes: Scopes | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Expr:
    """Parse and type-check ``text``; ``names`` gives every name in scope and its type, and
    ``scopes`` the fields of each event in scope (``trigger``, ``event``, ``record``).

    Its length is checked before parsing and its nesting before translating (the translation
    recurses), against ``limits``; an identifier in anything but ASCII is refused, because
    Python's own parser would silently fold a full-width or mathematical letter (``tｒue``)
    into the ASCII name it resembles (NFKC)."""
    if len(text) > limits.max_expression_length:
        raise ExpressionError(
            Message(
                "the condition has {text:,} characters, over the limit "
                "max_expression_length={max_expression_length:,}; split it into facts",
                text=len(text),
                max_expression_length=limits.max_expression_length,
            )
        )
    _ascii_names(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(
            Message("cannot parse {text}: {msg}", text=shown(text), msg=_syntax_words(error.msg)),
            error.offset,
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            Message(
                "the condition is nested too deeply to parse (limit "
                "max_expression_depth={max_expression_depth})",
                max_expression_depth=limits.max_expression_depth,
            )
        ) from None
    depth = _depth(tree.body, limits.max_expression_depth)
    if depth > limits.max_expression_depth:
        raise ExpressionError(
            Message(
                "the condition is nested more than {max_expression_depth} deep, the "
                "limit max_expression_depth; split it into facts",
                max_expression_depth=limits.max_expression_depth,
            )
        )
    return _Translator(names, scopes or {}).translate(tree.body)


_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)


def _ascii_names(text: str) -> None:
    """Refuse any character outside ASCII except inside a quoted text."""
    if text.isascii():
        return
    position = 0
    for match in [*_STRING.finditer(text), None]:
        end = match.start() if match is not None else len(text)
        for offset, character in enumerate(text[position:end], start=position):
            if not character.isascii():
                raise ExpressionError(
                    Message(
                        "the character {character!r} (U+{ord:04X}) is not allowed outside "
                        "quotes: names and keywords are written in ASCII letters, digits and "
                        "'_' (a full-width or styled letter is not the same name)",
                        character=character,
                        ord=ord(character),
                    ),
                    offset + 1,
                )
        position = match.end() if match is not None else end


def _depth(root: ast.AST, cap: int) -> int:
    """The nesting of ``root``, counted without recursion and given up past ``cap``."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > cap:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


class _Translator:
    def __init__(self, names: Mapping[str, Type], scopes: Scopes) -> None:
        self.names = names
        self.scopes = scopes

    def translate(self, node: ast.expr) -> Expr:
        column = getattr(node, "col_offset", 0) + 1
        if isinstance(node, ast.Name):
            return self._name(node.id, column)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._field(node.value.id, node.attr, column)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node, node.func.id, column)
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
                    Message(
                        "both branches of 'if … else' must have one type, not {type_of} and "
                        "{type_of2}",
                        type_of=type_of(then),
                        type_of2=type_of(otherwise),
                    ),
                    column,
                )
            return Conditional(test, then, otherwise, type_of(then))
        raise ExpressionError(
            Message(
                "{lower} is not allowed in a ruleset expression; use names, numbers, "
                "comparisons, and/or/not, + and -, and 'x if test else y'",
                lower=_construct(node),
            ),
            column,
        )

    def _name(self, name: str, column: int) -> Ref | Const:
        if name in ("true", "True"):
            return Const(True, "flag")
        if name in ("false", "False"):
            return Const(False, "flag")
        if name not in self.names:
            raise ExpressionError(
                Message(
                    "{name} is not a fact, parameter or built-in name of this ruleset", name=name
                )
                + _closest(name, self.names),
                column,
                name,
            )
        return Ref(name, self.names[name])

    def _field(self, scope: str, name: str, column: int) -> Field:
        fields = self.scopes.get(scope)
        if fields is None:
            available = ", ".join(sorted(self.scopes)) or "none here"
            raise ExpressionError(
                Message(
                    "{scope} is not an event in scope (in scope: {available})",
                    scope=scope,
                    available=available,
                ),
                column,
            )
        if name not in fields:
            raise ExpressionError(
                Message("{scope} has no field {name}", scope=scope, name=name)
                + _closest(name, fields),
                column,
            )
        return Field(scope, name, fields[name])

    def _call(self, node: ast.Call, name: str, column: int) -> Call:
        signature = FUNCTIONS.get(name)
        if signature is None:
            raise ExpressionError(
                Message("{name} is not a function of rulesets", name=name)
                + _closest(name, FUNCTIONS),
                column,
            )
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError(Message("{name}() takes exactly one argument", name=name), column)
        argument = self.translate(node.args[0])
        if type_of(argument) != signature[0]:
            raise ExpressionError(
                Message(
                    "{name}() takes a {signature}, not a {type_of}",
                    name=name,
                    signature=signature[0],
                    type_of=type_of(argument),
                ),
                column,
            )
        return Call(name, argument, signature[1])

    @staticmethod
    def _constant(value: object, column: int) -> Const:
        if isinstance(value, bool):
            return Const(value, "flag")
        if isinstance(value, int) and value >= 0:
            return Const(value, "count")
        if isinstance(value, str):
            return Const(value, "text")
        raise ExpressionError(
            Message(
                "the literal {value!r} is not allowed; use whole numbers, true/false "
                "or 'text', and put periods and dates in parameters",
                value=value,
            ),
            column,
        )

    def _flag(self, node: ast.expr) -> Expr:
        expr = self.translate(node)
        if type_of(expr) != "flag":
            raise ExpressionError(
                Message("expected true/false here, found a {type_of}", type_of=type_of(expr)),
                node.col_offset + 1,
            )
        return expr

    def _compare(self, node: ast.Compare, column: int) -> Expr:
        parts: list[Expr] = []
        left = self.translate(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.translate(comparator)
            symbol = _COMPARE_OPS.get(type(op))
            if symbol is None:
                raise ExpressionError(
                    Message(
                        "{name!r} is not a comparison here; use == or !=",
                        name=_IDENTITY_OPS.get(type(op), type(op).__name__),
                    ),
                    column,
                )
            if symbol in ("in", "not in"):
                if type_of(left) != "text" or type_of(right) != "list":
                    raise ExpressionError(
                        Message(
                            "'{symbol}' tests a text against a list, not a {type_of} against a "
                            "{type_of2}",
                            symbol=symbol,
                            type_of=type_of(left),
                            type_of2=type_of(right),
                        ),
                        column,
                    )
                parts.append(Compare(symbol, left, right))
                left = right
                continue
            if type_of(left) != type_of(right):
                raise ExpressionError(
                    Message(
                        "cannot compare a {type_of} with a {type_of2}",
                        type_of=type_of(left),
                        type_of2=type_of(right),
                    ),
                    column,
                )
            if symbol not in ("==", "!=") and type_of(left) not in ("count", "date"):
                raise ExpressionError(
                    Message("{symbol} compares counts or dates only", symbol=symbol), column
                )
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
            Message(
                "'{type_of} {op} {type_of2}' is not defined; use count ± count or date + period",
                type_of=type_of(left),
                op=op,
                type_of2=type_of(right),
            ),
            column,
        )
