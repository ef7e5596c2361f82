"""The optional durable-rules backend: rule conditions matched by durable_rules' Rete engine.

The closure backend (:mod:`credit_rules.engine.closures`) is the reference semantics. This
backend exists to run the same ruleset IR on a second, independent engine, and it must never
give a different answer. Everything below is shaped by what was measured about
durable-rules 2.0.28 (``durable-rules-findings.md``, cited as *findings*); it uses only the
part of the engine that proved safe.

How a rule's condition becomes durable rules
--------------------------------------------
* Parameters are constants: they are folded in when the matcher is built, as the closure
  compiler does. A comparison whose sides are both constant is decided then and there.
  Folding and the normal form below are :mod:`credit_rules.ruleset.analysis`, the ones lint
  reasons with, so a condition lint proved unreachable is the condition this backend runs.
* A condition is put in disjunctive normal form. ``not`` is pushed down with De Morgan, and
  ``or`` is expanded, so that each conjunct is a plain ``$and`` of tests on **one** fact
  (findings: joins read past a buffer, and a nested ``$or`` with joins returns wrong matches).
  Each conjunct becomes its own durable rule; the conjuncts of a rule may fire together and
  are counted once.
* Each test compares one value of the assessment with a constant. The values are handed to
  the engine as one flat fact per assessment, with an explicit type field (``t``), the trigger
  kind (``on``), a unique ``id`` and ``sid`` (findings: facts without an id are de-duplicated
  by content) and **only integers**: counts as they are, flags as 0/1, dates as their
  proleptic ordinal, texts as codes interned at compile time (an unknown text gets a code no
  constant has). No string ever meets a number, so durable's coercion (``11 > "10"`` is true)
  cannot happen, and no value needs escaping.
* A value that may be missing (``None``: "latest entry" when nothing is counted) travels with
  an explicit presence flag. Every comparison on it also requires the flag, so a comparison
  with ``None`` is false, exactly as in the closures; its negation is "absent, or the negated
  comparison". The engine's own rules about missing attributes (``$ex`` is true for null,
  ``$neq`` is false when missing) are never relied on, because every attribute is always sent.

What stays with the closures
----------------------------
A rule whose condition cannot be expressed that way is evaluated by its closure instead, and
listed with the reason in :attr:`DurableMatcher.fallbacks`. That covers comparisons of two
facts (durable would need a join or a self-reference, outside the proven subset), arithmetic
or function calls on facts, list membership (``in``), ``x if test else y`` whose test is not
a constant, and anything the IR may grow later. It also covers rules beyond the engine's
structural limits, which were measured on 2.0.28 and which the engine would otherwise hit at
run time:

* more than about 64 alpha nodes matching one fact at once fails with error 303
  (ERR_MAX_STACK_SIZE), so the tests under one trigger kind are capped (:data:`MAX_TESTS`);
* a node with 512 or more children makes ``assert_fact`` loop forever, so the trigger kinds
  and conjuncts stay far below that;
* a fact with more than 254 properties fails with error 302, which the cap also prevents.

How the engine is driven
------------------------
The stock ``durable.engine.Host`` is not used: it starts two timer threads that never stop,
swallows exceptions raised in actions, and runs a batch's actions later on a background thread
(findings). Instead the matcher calls the C module ``durable_rules_engine`` synchronously:
``create_ruleset`` once, under a name unique to the instance, then for each assessment
``assert_fact`` → ``start_action_for_state`` → ``complete_and_start_action`` until no action is
left → ``delete_state``. Nothing runs on another thread, no timer is ever started, and the
"actions" are this module's own loop, so an error in them propagates to the caller.

Each assessment is one session (``sid``), deleted as soon as its actions are drained, so at
most one session is alive per matcher (findings: the 1,025th live session raises
``MemoryError``). A sentinel rule matches every assessment fact; the session is deleted only
after it has fired, because ``delete_state`` on a session where no rule ever fired can free an
uninitialised pointer (findings). If anything fails half-way through a session, the engine
ruleset is abandoned (leaked, never touched again) and a fresh one is created for the next
assessment, rather than deleting state of unknown shape. Numeric engine error codes become a
:class:`DurableEngineError` whose message names the rule(s) involved.

The C code never releases the GIL (findings), so a lock per matcher serialises sessions at no
cost in parallelism and keeps one matcher safe to share between threads.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import itertools
import json
import re
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from credit_rules.engine.closures import Compiled, WorkingDays, compile_conditions
from credit_rules.errors import BackendUnavailable, CreditRulesError
from credit_rules.i18n import Message
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import Requirement, TooComplex, dnf, fold
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Compare,
    Conditional,
    Const,
    Expr,
    Field,
    Not,
    Ref,
    Type,
    nodes,
)

Env = Mapping[str, Any]

#: The version the findings were measured on; the extra pins it.
SUPPORTED_VERSION: Final = "2.0.28"

#: Alpha tests (plus one per conjunct) allowed under one trigger kind. Measured on 2.0.28 for
#: this module (the findings do not cover it): 64 distinct tests matching one fact work, 65
#: fail with error 303. Staying well below also keeps every fact far under the 254-property
#: limit (error 302). Identical tests share one node, so the count is an upper bound.
MAX_TESTS: Final = 48

#: Conjuncts one rule may expand to; beyond this the DNF is not worth it and the closure runs.
MAX_CONJUNCTS: Final = 32

#: Trigger kinds with durable rules; each is a child of the type node, and a node with 512
#: children makes assert_fact loop forever (measured on 2.0.28).
MAX_TRIGGERS: Final = 256

_TYPE: Final = "assessment"
_SENTINEL: Final = "sentinel"

#: Codes from ``src/rules/rules.h`` of jruizgit/rules (the C core of durable-rules).
_ENGINE_ERRORS: Final[Mapping[int, tuple[str, str]]] = {
    1: ("ERR_EVENT_NOT_HANDLED", "no rule matched the fact"),
    2: ("ERR_EVENT_OBSERVED", "a fact with the same id was already asserted"),
    101: ("ERR_OUT_OF_MEMORY", "out of memory"),
    102: ("ERR_UNEXPECTED_TYPE", "a value of an unexpected type"),
    103: ("ERR_IDENTIFIER_LENGTH", "an identifier is too long"),
    104: ("ERR_UNEXPECTED_VALUE", "an unexpected value"),
    105: ("ERR_UNEXPECTED_NAME", "an unexpected name"),
    106: ("ERR_RULE_LIMIT_EXCEEDED", "too many rules"),
    107: ("ERR_RULE_EXISTS_LIMIT_EXCEEDED", "too many existence tests"),
    108: ("ERR_RULE_BETA_LIMIT_EXCEEDED", "too many joins"),
    109: ("ERR_RULE_WITHOUT_QUALIFIER", "a rule without all/any"),
    110: ("ERR_SETTING_NOT_FOUND", "an unknown setting"),
    111: ("ERR_INVALID_HANDLE", "the ruleset handle is not valid"),
    112: ("ERR_HANDLE_LIMIT_EXCEEDED", "too many rulesets"),
    113: ("ERR_EXPRESSION_LIMIT_EXCEEDED", "an expression is too large"),
    201: ("ERR_PARSE_VALUE", "a JSON value could not be parsed"),
    202: ("ERR_PARSE_STRING", "a JSON string or rule could not be parsed"),
    203: ("ERR_PARSE_NUMBER", "a JSON number could not be parsed"),
    204: ("ERR_PARSE_OBJECT", "a JSON object could not be parsed"),
    205: ("ERR_PARSE_ARRAY", "a JSON array could not be parsed"),
    302: ("ERR_EVENT_MAX_PROPERTIES", "the fact has too many properties"),
    303: ("ERR_MAX_STACK_SIZE", "too many tests match one fact at once"),
    304: ("ERR_MAX_MESSAGES_IN_FRAME", "too many facts in one match"),
    305: ("ERR_MESSAGE_NOT_FOUND", "a fact was not found"),
    306: ("ERR_LOCATION_NOT_FOUND", "a match location was not found"),
    307: ("ERR_NODE_DELETED", "a node was deleted"),
    308: ("ERR_NODE_DISPATCHING", "a node is being dispatched"),
    309: ("ERR_SID_NOT_FOUND", "the session was not found"),
    310: ("ERR_NO_ACTION_AVAILABLE", "no action is available"),
    311: ("ERR_PROPERTY_NOT_FOUND", "a property was not found"),
    312: ("ERR_OPERATION_NOT_SUPPORTED", "the operation is not supported"),
    501: ("ERR_PARSE_REGEX", "a regular expression could not be parsed"),
}
_ERROR_CODE = re.compile(r"error code: (\d+)")

#: The canonical comparisons of the normal form, required false.
_NEGATED: Final[Mapping[str, str]] = {"==": "!=", "<": ">="}
_SWAPPED: Final[Mapping[str, str]] = {
    "==": "==",
    "!=": "!=",
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
}
_DURABLE_OP: Final[Mapping[str, str]] = {
    "!=": "$neq",
    "<": "$lt",
    "<=": "$lte",
    ">": "$gt",
    ">=": "$gte",
}
#: Built-in names that always have a value (``Trigger.date``, the subject's kind).
_NEVER_NONE: Final = frozenset({"trigger_date", "subject_kind"})

_instances = itertools.count(1)


class DurableEngineError(CreditRulesError):
    """durable-rules failed; the message names the rule(s) involved and the engine's error."""

    def __init__(self, message: str, *, rules: Sequence[str] = (), code: int | None = None):
        self.rules = tuple(rules)
        self.code = code
        super().__init__(message)


def load_engine() -> Any:
    """The C module of durable-rules, or :class:`BackendUnavailable` saying how to get it.

    Imported on demand, never at import time of credit_rules, so the default backend works
    where durable-rules does not (findings: on Python 3.13 the import fails with
    ``undefined symbol: PyEval_CallObject``).
    """
    hint = (
        "install it with pip install 'credit-rules[durable]' on Python 3.11 or 3.12 "
        "(durable-rules is unmaintained, ships only as C source, and does not import on "
        "Python 3.13); the default backend 'closures' needs nothing extra"
    )
    try:
        module = importlib.import_module("durable_rules_engine")
    except (ImportError, OSError) as error:
        raise BackendUnavailable(
            Message(
                "the durable-rules backend needs durable-rules=={version}, which cannot be "
                "imported here ({error}); {hint}",
                version=SUPPORTED_VERSION,
                error=error,
                hint=hint,
            )
        ) from error
    try:
        version: str | None = importlib.metadata.version("durable-rules")
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version is not None and version != SUPPORTED_VERSION:
        # The safe subset below was established on one version; another may differ.
        raise BackendUnavailable(
            Message(
                "the durable-rules backend is verified against durable-rules=={supported}, but "
                "{version} is installed; {hint}",
                supported=SUPPORTED_VERSION,
                version=version,
                hint=hint,
            )
        )
    return module


# -- compiling conditions -------------------------------------------------------------------


class _Unsupported(Exception):
    """A condition outside the subset durable-rules runs safely; the closure runs it instead."""


@dataclass(frozen=True)
class _Source:
    """One value of the assessment that durable tests: a fact, a built-in, or a trigger field."""

    label: str
    type: Type
    nullable: bool
    read: Callable[[Env], Any]


class _Test(NamedTuple):
    """``source op value`` on the integer encoding, or ``present``/``absent`` of a source."""

    source: int
    op: str
    value: int = 0


Conjunct = frozenset[_Test]
Dnf = list[Conjunct]


def _true() -> Dnf:
    """The DNF that always holds: one conjunct with no tests (a fresh list every time)."""
    return [frozenset()]


class _Compiler:
    """Turns conditions into DNF over :class:`_Test`, collecting the sources they read."""

    def __init__(self, ruleset: ir.Ruleset) -> None:
        self.parameters = ruleset.parameter_values()
        # One id may be declared for several trigger kinds (``for_each``); any may be used.
        self.facts: dict[str, list[ir.Fact]] = {}
        for fact in ruleset.facts:
            self.facts.setdefault(fact.id, []).append(fact)
        self.sources: list[_Source] = []
        self._source_index: dict[tuple[str, ...], int] = {}
        self.texts: dict[str, int] = {}
        self._nullable: dict[str, bool] = {}
        # In file order, where each fact reads only facts above it (the loader's scope), so
        # each is answered from those already known: asked first for the end of a long chain
        # of facts, the question would recurse once per link, past Python's recursion limit.
        for fact in ruleset.facts:
            self.fact_nullable(fact.id)

    # -- values ---------------------------------------------------------------------------

    def fact_nullable(self, name: str) -> bool:
        """Whether a fact can be ``None``, following the closures' semantics exactly."""
        if name in self._nullable:
            return self._nullable[name]
        self._nullable[name] = True  # a cycle (not allowed by the loader) stays conservative
        declared = self.facts.get(name)
        result = not declared or any(self._derived_nullable(f.derivation) for f in declared)
        self._nullable[name] = result
        return result

    def _derived_nullable(self, derivation: ir.Derivation) -> bool:
        if isinstance(derivation, ir.CountOf):
            return False  # len(...) of the valid records
        if isinstance(derivation, ir.EventQuery):
            return derivation.pick != "count"
        if isinstance(derivation, ir.Computed):
            return self.expr_nullable(derivation.expr)
        return True  # the latest entry of no records, and whatever the IR grows

    def expr_nullable(self, expr: Expr) -> bool:
        if isinstance(expr, Const):
            return False
        if isinstance(expr, Ref):
            if expr.name in self.parameters or expr.name in _NEVER_NONE:
                return False
            return self.fact_nullable(expr.name)
        if isinstance(expr, Not | BoolOp | Compare):
            return False
        if isinstance(expr, Arith):
            return self.expr_nullable(expr.left) or self.expr_nullable(expr.right)
        if isinstance(expr, Conditional):
            return self.expr_nullable(expr.then) or self.expr_nullable(expr.otherwise)
        return True  # event fields, function results, and whatever the IR grows

    def source(self, expr: Ref | Field) -> int:
        if isinstance(expr, Ref):
            key: tuple[str, ...] = ("ref", expr.name)
            label = expr.name
            nullable = self.expr_nullable(expr)
            read = _reader(expr.name)
        else:
            if expr.scope != "trigger":
                raise _Unsupported(f"reads {expr.scope}.{expr.name}, which rules do not have")
            key = ("field", expr.scope, expr.name)
            label = f"{expr.scope}.{expr.name}"
            nullable = True
            read = _field_reader(expr.scope, expr.name)
        if expr.type not in ("count", "flag", "date", "text"):
            raise _Unsupported(f"{label} is a {expr.type}, which durable cannot compare")
        index = self._source_index.get(key)
        if index is None:
            index = len(self.sources)
            self._source_index[key] = index
            self.sources.append(_Source(label, expr.type, nullable, read))
        return index

    def encode_constant(self, source: int, value: Any, op: str) -> int:
        kind = self.sources[source].type
        if kind == "text" and op not in ("==", "!="):
            raise _Unsupported("orders texts, whose codes have no order")
        if kind == "count" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "flag" and isinstance(value, bool):
            return int(value)
        if kind == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.toordinal()
        if kind == "text" and isinstance(value, str):
            return self.texts.setdefault(value, len(self.texts))
        raise _Unsupported(f"compares a {kind} with {value!r}")

    # -- conditions -----------------------------------------------------------------------

    def expand(self, expr: Expr) -> Dnf:
        """The conjuncts whose union holds exactly when ``expr`` holds.

        The expansion is the one lint reasons about (:func:`credit_rules.ruleset.analysis.dnf`,
        after :func:`~credit_rules.ruleset.analysis.fold`); here each requirement becomes
        tests on the integer encoding, with the presence flags that carry ``None``.
        """
        folded = fold(expr, self.parameters)
        if any(isinstance(node, Conditional) for node in nodes(folded)):
            # Folding removed every conditional with a constant test; what is left needs one.
            raise _Unsupported("'x if test else y' whose test is not a constant")
        try:
            clauses = dnf(folded, limit=MAX_CONJUNCTS)
        except TooComplex:
            raise _Unsupported(f"expands to more than {MAX_CONJUNCTS} conjuncts") from None
        result = _simplify(
            conjunct
            for clause in clauses
            for conjunct in self._conjoin(self._tests(r) for r in clause)
        )
        if len(result) > MAX_CONJUNCTS:
            raise _Unsupported(f"expands to more than {MAX_CONJUNCTS} conjuncts")
        return result

    def _tests(self, requirement: Requirement) -> Dnf:
        """One requirement as tests: it needs its value known when strict, and otherwise also
        holds when the value is unknown (a comparison with ``None`` is false, as in the
        closures, so its negation is true)."""
        atom = requirement.atom
        if isinstance(atom, Compare):
            source, op, value = self._comparison(atom, requirement.truth)
        elif isinstance(atom, Ref | Field):
            # A flag fact used as a condition: truthy exactly when it is known and true.
            if atom.type != "flag":
                raise _Unsupported(f"uses a {atom.type} as a condition")
            source, op, value = self.source(atom), "==" if requirement.truth else "!=", 1
        else:
            raise _Unsupported(f"{type(atom).__name__.lower()} in a condition")
        present = self._presence(source)
        test = present | {_Test(source, op, value)}
        if requirement.strict or not present:
            return [test]
        return [frozenset({_Test(source, "absent")}), test]

    def _comparison(self, atom: Compare, truth: bool) -> tuple[int, str, int]:
        """``source op constant`` for a canonical comparison required ``truth``."""
        left_is_source, left = self._operand(atom.left)
        right_is_source, right = self._operand(atom.right)
        if left_is_source and right_is_source:
            raise _Unsupported(
                f"compares two values of the assessment ({self.sources[left].label} "
                f"{atom.op} {self.sources[right].label}); that needs a join"
            )
        if atom.op == "in":
            # No value of the IR is a constant list yet; a list field would need a join.
            raise _Unsupported("'in' (list membership)")
        if not (left_is_source or right_is_source):
            raise _Unsupported("compares two constants that folding left apart")
        op = atom.op if truth else _NEGATED[atom.op]
        if not left_is_source:
            op, left, right = _SWAPPED[op], right, left
        return left, op, self.encode_constant(left, right, op)

    def _operand(self, expr: Expr) -> tuple[bool, Any]:
        """(True, source index) for a value of the assessment, (False, value) for a constant."""
        if isinstance(expr, Const):
            return False, expr.value
        if isinstance(expr, Ref | Field):
            return True, self.source(expr)
        raise _Unsupported(f"compares the result of {type(expr).__name__.lower()} on a fact")

    def _presence(self, source: int) -> Conjunct:
        if self.sources[source].nullable:
            return frozenset({_Test(source, "present")})
        return frozenset()

    def _conjoin(self, parts: Iterable[Dnf]) -> Dnf:
        result = _true()
        for part in parts:
            combined = (a | b for a in result for b in part)
            result = _simplify(c for c in combined if _consistent(c))
            if len(result) > MAX_CONJUNCTS:
                raise _Unsupported(f"expands to more than {MAX_CONJUNCTS} conjuncts")
        return result


def _simplify(conjuncts: Iterable[Conjunct]) -> Dnf:
    unique = list(dict.fromkeys(conjuncts))
    return _true() if frozenset() in unique else unique


def _consistent(conjunct: Conjunct) -> bool:
    """False for a conjunct that can never hold because it wants a value known and unknown."""
    absent = {t.source for t in conjunct if t.op == "absent"}
    return not any(t.source in absent for t in conjunct if t.op != "absent")


def _reader(name: str) -> Callable[[Env], Any]:
    return lambda env: env[name]


def _field_reader(scope: str, name: str) -> Callable[[Env], Any]:
    return lambda env: getattr(env[scope], name)


def _encoder(kind: Type, texts: Mapping[str, int]) -> Callable[[Any], int]:
    """How a value of ``kind`` becomes the integer durable compares (see the module docstring)."""
    if kind == "count":

        def count(value: Any) -> int:
            if type(value) is not int:
                raise TypeError(Message("expected a whole number, got {value!r}", value=value))
            return value

        return count
    if kind == "flag":

        def flag(value: Any) -> int:
            if type(value) is not bool:
                raise TypeError(Message("expected true or false, got {value!r}", value=value))
            return int(value)

        return flag
    if kind == "date":

        def date(value: Any) -> int:
            if type(value) is not dt.date:
                raise TypeError(Message("expected a date, got {value!r}", value=value))
            return value.toordinal()

        return date
    unknown = -1  # equal to no constant, so == is false and != is true, as in Python

    def text(value: Any) -> int:
        return texts.get(value, unknown)

    return text


def _render(test: _Test, source: _Source, texts: Mapping[str, int]) -> str:
    if test.op == "present":
        return f"{source.label} is known"
    if test.op == "absent":
        return f"{source.label} is unknown"
    shown: object = test.value
    if source.type == "flag":
        shown = "true" if test.value else "false"
    elif source.type == "date":
        shown = dt.date.fromordinal(test.value).isoformat()
    elif source.type == "text":
        shown = repr(next(text for text, code in texts.items() if code == test.value))
    return f"{source.label} {test.op} {shown}"


def _term(test: _Test) -> dict[str, Any]:
    if test.op in ("present", "absent"):
        return {f"p{test.source}": 1 if test.op == "present" else 0}
    if test.op == "==":
        return {f"v{test.source}": test.value}
    return {_DURABLE_OP[test.op]: {f"v{test.source}": test.value}}


def _order(test: _Test) -> tuple[int, int, str, int]:
    return (test.source, 0 if test.op in ("present", "absent") else 1, test.op, test.value)


# -- the matcher ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What one trigger kind needs: its code, how to build its fact, and its closure rules."""

    code: int
    durable: bool
    rules: tuple[str, ...]
    closures: tuple[tuple[int, Compiled], ...]
    reads: tuple[tuple[str, str | None, Callable[[Env], Any], Callable[[Any], int], str], ...]


class DurableMatcher:
    """Decides which rules fire for one assessment by asserting its facts into durable-rules.

    Build one per ruleset (``Engine(ruleset, backend="durable")`` does), share it between
    threads, and :meth:`close` it when done. :attr:`fallbacks` lists the rules evaluated by
    their closures instead, with the reason; :attr:`conjuncts` shows each other rule's DNF.
    """

    name = "durable"

    def __init__(
        self,
        ruleset: ir.Ruleset,
        *,
        max_tests: int = MAX_TESTS,
        calendar: WorkingDays | None = None,
    ) -> None:
        self._engine = load_engine()
        self.ruleset_id = ruleset.id
        safe_id = re.sub(r"[^A-Za-z0-9_]", "_", ruleset.id)
        self.ruleset_name = f"credit_rules_{safe_id}_{next(_instances)}_{uuid.uuid4().hex[:12]}"
        compiler = _Compiler(ruleset)
        # The closures that stand in for rules outside the safe subset count working days
        # on the engine's calendar, as every other backend does.
        conditions = compile_conditions(ruleset, calendar)
        self._rule_ids = tuple(rule.id for rule in ruleset.rules)
        self.fallbacks: dict[str, str] = {}
        compiled: dict[str, list[tuple[int, Dnf]]] = {}
        budget: dict[str, int] = {}
        for index, rule in enumerate(ruleset.rules):
            try:
                dnf = compiler.expand(rule.when)
            except _Unsupported as reason:
                self.fallbacks[rule.id] = str(reason)
                continue
            cost = sum(len(conjunct) + 1 for conjunct in dnf)
            if rule.on not in budget and len(budget) >= MAX_TRIGGERS:
                self.fallbacks[rule.id] = f"more than {MAX_TRIGGERS} trigger kinds"
                continue
            if budget.get(rule.on, 0) + cost > max_tests:
                self.fallbacks[rule.id] = (
                    f"its {cost} tests would take trigger {rule.on!r} over {max_tests}, beyond "
                    "which durable-rules fails (error 303) when they match together"
                )
                continue
            budget[rule.on] = budget.get(rule.on, 0) + cost
            compiled.setdefault(rule.on, []).append((index, dnf))
        self._sources = tuple(compiler.sources)
        self._texts = dict(compiler.texts)
        self.conjuncts: dict[str, tuple[str, ...]] = {}
        self._rule_of: dict[str, int] = {}
        self.spec: dict[str, Any] = {_SENTINEL: {"all": [{"m": {"t": _TYPE}}]}}
        triggers = sorted({rule.on for rule in ruleset.rules})
        codes = {on: code for code, on in enumerate(sorted(compiled))}
        self._plans: dict[str, _Plan] = {}
        for on in triggers:
            entries = compiled.get(on, [])
            used: set[int] = set()
            for index, dnf in entries:
                self.conjuncts[self._rule_ids[index]] = tuple(
                    " and ".join(
                        _render(t, self._sources[t.source], self._texts)
                        for t in sorted(conjunct, key=_order)
                    )
                    or "true"
                    for conjunct in dnf
                )
                for number, conjunct in enumerate(dnf):
                    name = f"r{index}_{number}"
                    terms = [{"t": _TYPE}, {"on": codes[on]}]
                    terms += [_term(t) for t in sorted(conjunct, key=_order)]
                    self.spec[name] = {"all": [{"m": {"$and": terms}}]}
                    self._rule_of[name] = index
                    used.update(t.source for t in conjunct)
            self._plans[on] = _Plan(
                code=codes.get(on, -1),
                durable=bool(entries),
                rules=tuple(self._rule_ids[index] for index, _ in entries),
                closures=tuple(
                    (index, conditions[rule.id])
                    for index, rule in enumerate(ruleset.rules)
                    if rule.on == on and rule.id in self.fallbacks
                ),
                reads=tuple(self._read(source) for source in sorted(used)),
            )
        self._lock = threading.Lock()
        self._serial = 0
        self._closed = False
        self._handle: int | None = None
        self._finalizer: weakref.finalize[Any, DurableMatcher] | None = None
        self._generation = 0
        self._open()

    def _read(
        self, index: int
    ) -> tuple[str, str | None, Callable[[Env], Any], Callable[[Any], int], str]:
        source = self._sources[index]
        presence = f',"p{index}":' if source.nullable else None
        return (
            f',"v{index}":',
            presence,
            source.read,
            _encoder(source.type, self._texts),
            source.label,
        )

    # -- public -----------------------------------------------------------------------------

    def firing(self, on: str, env: Env) -> list[int]:
        """Indexes (into ``ruleset.rules``) of the rules on ``on`` whose condition holds."""
        if self._closed:
            raise CreditRulesError(
                Message("the durable-rules matcher {name} is closed", name=self.ruleset_name)
            )
        plan = self._plans.get(on)
        if plan is None:
            return []
        fired = {index for index, condition in plan.closures if condition(env)}
        if plan.durable:
            fired |= self._match(plan, env)
        return sorted(fired)

    def close(self) -> None:
        """Delete the engine's ruleset and everything it holds. Closing twice is harmless."""
        with self._lock:
            self._closed = True
            if self._finalizer is not None:
                self._finalizer()
                self._finalizer = None
            self._handle = None

    # -- engine -----------------------------------------------------------------------------

    def _open(self) -> None:
        """Create the engine ruleset (again, after one was abandoned), under a unique name."""
        name = (
            self.ruleset_name
            if self._generation == 0
            else f"{self.ruleset_name}_{self._generation}"
        )
        engine = self._engine
        try:
            handle = engine.create_ruleset(name, json.dumps(self.spec))
        except (engine.error, MemoryError) as error:
            raise self._create_error(error) from error
        self._handle = handle
        self._finalizer = weakref.finalize(self, engine.delete_ruleset, handle)

    def _abandon(self) -> None:
        """Leave a ruleset whose session is in an unknown state; never touch it again."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        self._handle = None
        self._generation += 1

    def _match(self, plan: _Plan, env: Env) -> set[int]:
        engine = self._engine
        with self._lock:
            if self._closed:
                raise CreditRulesError(
                    Message("the durable-rules matcher {name} is closed", name=self.ruleset_name)
                )
            if self._handle is None:
                self._open()
            handle = self._handle
            self._serial += 1
            serial = self._serial
            fact = self._fact(plan, env, serial)
            sid = str(serial)
            try:
                result = engine.assert_fact(handle, fact)
            except (engine.error, MemoryError) as error:
                self._abandon()
                raise self._error(error, "asserting the facts", plan.rules) from error
            if result[0] != 0:
                self._abandon()
                raise self._error(None, "asserting the facts", plan.rules, code=result[0])
            offset = result[1]
            fired: set[int] = set()
            sentinel = 0
            current: str | None = None
            try:
                started = engine.start_action_for_state(handle, offset)
                messages: str | None = None if started is None else started[1]
                while messages is not None:
                    current = _action_name(messages)
                    if current == _SENTINEL:
                        sentinel += 1
                    else:
                        fired.add(self._rule_of[current])
                    messages = engine.complete_and_start_action(handle, offset)
            except (engine.error, MemoryError) as error:
                self._abandon()
                rules = plan.rules if current is None else (self._rule_label(current),)
                raise self._error(error, "running the actions", rules) from error
            except BaseException as error:
                # Our own action failed: propagate it (the stock Host would have swallowed it).
                self._abandon()
                if current is not None:
                    error.add_note(f"while durable-rules fired {self._rule_label(current)!r}")
                raise
            if sentinel != 1:
                # Without the sentinel the session may hold an uninitialised pointer (findings).
                self._abandon()
                raise DurableEngineError(
                    f"durable-rules did not run the sentinel rule for trigger rules "
                    f"{', '.join(plan.rules)} (it ran {sentinel} times); the engine ruleset "
                    "was abandoned",
                    rules=plan.rules,
                )
            try:
                engine.delete_state(handle, sid)
            except (engine.error, MemoryError) as error:
                self._abandon()
                raise self._error(error, "deleting the session", plan.rules) from error
            return fired

    def _fact(self, plan: _Plan, env: Env, serial: int) -> str:
        # Only integers and fixed ASCII names: nothing to escape, nothing to coerce.
        parts = [f'{{"id":{serial},"sid":"{serial}","t":"{_TYPE}","on":{plan.code}']
        for key, presence, read, encode, label in plan.reads:
            value = read(env)
            if value is None:
                if presence is None:
                    raise DurableEngineError(
                        f"{label} has no value, which the ruleset says cannot happen",
                        rules=plan.rules,
                    )
                parts += (key, "0", presence, "0")
                continue
            try:
                encoded = encode(value)
            except TypeError as error:
                raise DurableEngineError(f"{label}: {error}", rules=plan.rules) from None
            parts += (key, str(encoded))
            if presence is not None:
                parts += (presence, "1")
        parts.append("}")
        return "".join(parts)

    # -- errors -----------------------------------------------------------------------------

    def _rule_label(self, name: str) -> str:
        index = self._rule_of.get(name)
        return name if index is None else self._rule_ids[index]

    def _error(
        self,
        error: BaseException | None,
        doing: str,
        rules: Sequence[str],
        code: int | None = None,
    ) -> DurableEngineError:
        if error is not None:
            code, described = _describe(error)
        else:
            described = _describe_code(code)
        listed = ", ".join(dict.fromkeys(rules)) or "(none)"
        return DurableEngineError(
            f"durable-rules failed {doing} for {self.ruleset_id}: {described}; rule(s) "
            f"involved: {listed}. The engine ruleset was abandoned; the next assessment starts "
            "a fresh one",
            rules=tuple(dict.fromkeys(rules)),
            code=code,
        )

    def _create_error(self, error: BaseException) -> DurableEngineError:
        """Name the rule the engine rejected, by compiling each rule alone."""
        code, described = _describe(error)
        engine = self._engine
        culprits: list[str] = []
        for name, definition in self.spec.items():
            if name == _SENTINEL:
                continue
            probe = f"{self.ruleset_name}_probe_{uuid.uuid4().hex[:8]}"
            try:
                handle = engine.create_ruleset(probe, json.dumps({name: definition}))
            except (engine.error, MemoryError):
                culprits.append(self._rule_label(name))
                continue
            engine.delete_ruleset(handle)
        rules = tuple(dict.fromkeys(culprits))
        which = ", ".join(rules) if rules else "none alone; the ruleset as a whole"
        return DurableEngineError(
            f"durable-rules cannot compile the rules of {self.ruleset_id} (rejected: {which}): "
            f"{described}",
            rules=rules,
            code=code,
        )


def _action_name(messages: str) -> str:
    """The rule an action message is for: ``{"<rule>":{"m":{...the fact...}}}``.

    One action is one rule (the stock engine also reads only the first key). Our rule names
    are plain ASCII, so the name is read off the front instead of parsing the whole JSON,
    which cost more than the engine's own work; anything unexpected is parsed properly.
    """
    if messages.startswith('{"'):
        end = messages.find('"', 2)
        if end > 2 and messages.startswith('":', end):
            return messages[2:end]
    return str(next(iter(json.loads(messages))))


def _describe(error: BaseException) -> tuple[int | None, str]:
    if isinstance(error, MemoryError):
        return None, (
            "out of memory, or more than 1,024 live sessions in one ruleset (MemoryError)"
        )
    match = _ERROR_CODE.search(str(error))
    if match is None:
        return None, str(error)
    code = int(match.group(1))
    return code, _describe_code(code)


def _describe_code(code: int | None) -> str:
    if code is None:
        return "unknown error"
    name, meaning = _ENGINE_ERRORS.get(code, ("unknown code", "not documented by durable-rules"))
    return f"error {code} ({name}: {meaning})"
