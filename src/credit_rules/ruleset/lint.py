"""Static checks of a ruleset beyond its schema: what ``credit-rules validate --strict`` reports.

A ruleset can load cleanly and still say something the analyst did not mean: two measures that
both apply where the regulation gives one, a rule no history can ever fire, a ladder of counts
with a rung missing, a parameter nothing reads, a rule that cites a preamble as if it were law
to execute. Each finding names its line and suggests a fix.

Conditions are reasoned about after folding the parameters in, as the engine compiles them: a
condition becomes a disjunction of conjunctions of atoms, and a conjunction is impossible when
it asks one atom to be true and false, one text to equal two values, or a count to lie outside
every interval its comparisons allow. A comparison with a fact that has no value is false
whichever way it is written (see ``closures.py``), which the reasoning respects: ``not (x >= 2)``
also holds when ``x`` has no value, so it excludes ``x >= 2`` but not ``not (x < 2)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Call,
    Compare,
    CompareOp,
    Conditional,
    Const,
    Expr,
    Field,
    Not,
    Ref,
    fields_in,
    names_in,
)
from credit_rules.ruleset.yaml_source import SourceMap, YamlSyntaxError, read_yaml

Check = Literal[
    "conflict",
    "unreachable",
    "ladder-gap",
    "unused-parameter",
    "unused-fact",
    "unused-register",
    "context-citation",
]


@dataclass(frozen=True)
class Finding:
    """One thing the analyst should look at, where it is, and what would fix it."""

    check: Check
    subject: str
    message: str
    fix: str
    source: str
    line: int | None = None

    def render(self) -> str:
        where = self.source + (f":{self.line}" if self.line is not None else "")
        return f"{where}: [{self.check}] {self.message}\n    fix: {self.fix}"


def lint(ruleset: ir.Ruleset, text: str | None = None) -> tuple[Finding, ...]:
    """Every finding of every check, in the order of the file. ``text`` is the ruleset's
    YAML, used for line numbers; without it the file named by ``ruleset.source`` is read."""
    where = _Locator(ruleset, text)
    findings = [
        *_context_citations(ruleset, where),
        *_unused(ruleset, where),
        *_unreachable(ruleset, where),
        *_ladder_gaps(ruleset, where),
        *_conflicts(ruleset, where),
    ]
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.check, f.subject)))


# -- what reads what ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Uses:
    """The facts, parameters and registers some rules depend on, directly or through facts."""

    facts: frozenset[str] = frozenset()
    parameters: frozenset[str] = frozenset()
    registers: frozenset[str] = frozenset()


def derivation_names(ruleset: ir.Ruleset, fact: ir.Fact) -> tuple[str, ...]:
    """The facts and parameters a fact is derived from (a count also reads its register's
    validity), in order of first use; built-in names are left out."""
    derivation = fact.derivation
    names: tuple[str, ...] = ()
    if isinstance(derivation, ir.Computed):
        names = names_in(derivation.expr)
    elif isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        names = names_in(derivation.where) if derivation.where is not None else ()
        register = _register(ruleset, derivation.register)
        if register is not None and register.validity is not None:
            names += (register.validity,)
    else:
        for expr in (derivation.where, derivation.value):
            if expr is not None:
                names += names_in(expr)
    return tuple(name for name in dict.fromkeys(names) if name not in ir.BUILTINS)


def rule_names(rule: ir.Rule) -> tuple[str, ...]:
    """Every fact and parameter name a rule reads itself (condition, dates, shown facts,
    deadline period, exclusions and extensions)."""
    names: tuple[str, ...] = (*names_in(rule.when), *names_in(rule.from_), *rule.reads)
    if rule.until is not None:
        names += names_in(rule.until)
    if rule.period is not None:
        names += (rule.period,)
    if rule.excluding is not None and rule.excluding.where is not None:
        names += names_in(rule.excluding.where)
    if rule.extended_by is not None:
        names += (rule.extended_by.cap,)
        if rule.extended_by.where is not None:
            names += names_in(rule.extended_by.where)
    return tuple(name for name in dict.fromkeys(names) if name not in ir.BUILTINS)


def uses(ruleset: ir.Ruleset, rules: Iterable[ir.Rule]) -> Uses:
    """What ``rules`` depend on, following facts down to parameters and registers."""
    facts = {f.id: f for f in ruleset.facts}
    parameters = {p.id for p in ruleset.parameters}
    found_facts: set[str] = set()
    found_parameters: set[str] = set()
    found_registers: set[str] = set()
    pending: list[str] = []
    for rule in rules:
        pending.extend(rule_names(rule))
        if rule.on_register:
            found_registers.add(rule.on)
    while pending:
        name = pending.pop()
        if name in parameters:
            found_parameters.add(name)
        elif name in facts and name not in found_facts:
            found_facts.add(name)
            pending.extend(derivation_names(ruleset, facts[name]))
            derivation = facts[name].derivation
            if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
                found_registers.add(derivation.register)
    if ruleset.before_in_force is not None:
        # Which early events are kept changes what every fact sees.
        found_parameters.add(ruleset.before_in_force.when)
    for register_id in found_registers:
        register = _register(ruleset, register_id)
        if register is not None and register.removed_by_where is not None:
            found_parameters.update(
                n for n in names_in(register.removed_by_where) if n in parameters
            )
        if register is not None and register.validity is not None:
            found_parameters.add(register.validity)
    return Uses(frozenset(found_facts), frozenset(found_parameters), frozenset(found_registers))


def _register(ruleset: ir.Ruleset, register_id: str) -> ir.Register | None:
    return next((r for r in ruleset.registers if r.id == register_id), None)


# -- expressions as text ------------------------------------------------------------------------

_PRECEDENCE = {"or": 1, "and": 2}


def expression_text(expr: Expr) -> str:
    """An expression written back in the ruleset's condition language."""
    return _text(expr, 0)


def _text(expr: Expr, outer: int) -> str:
    if isinstance(expr, Const):
        if isinstance(expr.value, bool):
            return "true" if expr.value else "false"
        return f"'{expr.value}'" if isinstance(expr.value, str) else str(expr.value)
    if isinstance(expr, Ref):
        return expr.name
    if isinstance(expr, Field):
        return f"{expr.scope}.{expr.name}"
    if isinstance(expr, Call):
        return f"{expr.function}({_text(expr.argument, 0)})"
    if isinstance(expr, Not):
        return _wrap(3, outer, f"not {_text(expr.operand, 3)}")
    if isinstance(expr, BoolOp):
        own = _PRECEDENCE[expr.op]
        return _wrap(own, outer, f" {expr.op} ".join(_text(o, own) for o in expr.operands))
    if isinstance(expr, Compare):
        return _wrap(4, outer, f"{_text(expr.left, 5)} {expr.op} {_text(expr.right, 5)}")
    if isinstance(expr, Arith):
        return _wrap(5, outer, f"{_text(expr.left, 5)} {expr.op} {_text(expr.right, 6)}")
    then, test, otherwise = _text(expr.then, 1), _text(expr.test, 1), _text(expr.otherwise, 0)
    return _wrap(0, outer, f"{then} if {test} else {otherwise}")


def _wrap(own: int, outer: int, text: str) -> str:
    return f"({text})" if own < outer else text


# -- folding and reasoning ----------------------------------------------------------------------


def fold(expr: Expr, values: Mapping[str, ir.ParameterValue]) -> Expr:
    """``expr`` with count and flag parameters replaced by their values and constant parts
    computed, as the closure backend compiles it."""
    if isinstance(expr, Ref):
        value = values.get(expr.name)
        if isinstance(value, bool):
            return Const(value, "flag")
        if isinstance(value, int):
            return Const(value, "count")
        return expr
    if isinstance(expr, Not):
        inner = fold(expr.operand, values)
        return Const(not inner.value, "flag") if isinstance(inner, Const) else Not(inner)
    if isinstance(expr, BoolOp):
        return _fold_boolop(expr, values)
    if isinstance(expr, Compare):
        left, right = fold(expr.left, values), fold(expr.right, values)
        if isinstance(left, Const) and isinstance(right, Const) and expr.op not in ("in", "not in"):
            return Const(_OPS[expr.op](left.value, right.value), "flag")
        return Compare(expr.op, left, right)
    if isinstance(expr, Arith):
        left, right = fold(expr.left, values), fold(expr.right, values)
        if isinstance(left, Const) and isinstance(right, Const) and expr.type == "count":
            a, b = int(left.value), int(right.value)
            return Const(a + b if expr.op == "+" else a - b, "count")
        return Arith(expr.op, left, right, expr.type)
    if isinstance(expr, Conditional):
        test = fold(expr.test, values)
        if isinstance(test, Const):
            return fold(expr.then if test.value else expr.otherwise, values)
        return Conditional(test, fold(expr.then, values), fold(expr.otherwise, values), expr.type)
    if isinstance(expr, Call):
        return Call(expr.function, fold(expr.argument, values), expr.type)
    return expr


_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _fold_boolop(expr: BoolOp, values: Mapping[str, ir.ParameterValue]) -> Expr:
    neutral = expr.op == "and"  # and: true drops out, false decides; or: the reverse
    kept: list[Expr] = []
    for operand in expr.operands:
        folded = fold(operand, values)
        if isinstance(folded, Const):
            if bool(folded.value) != neutral:
                return Const(not neutral, "flag")
            continue
        kept.append(folded)
    if not kept:
        return Const(neutral, "flag")
    return kept[0] if len(kept) == 1 else BoolOp(expr.op, tuple(kept))


@dataclass(frozen=True)
class _Literal:
    """An atom required true or false. ``strict`` is set when the atom was written as it
    stands (not under ``not``): a comparison then needs its values to exist."""

    atom: Expr
    truth: bool
    strict: bool


Clause = tuple[_Literal, ...]
_MAX_CLAUSES = 512


class _TooComplex(Exception):
    """A condition whose disjunctive form is too large to reason about; assume anything."""


def _canonical(expr: Compare) -> tuple[Compare, bool]:
    """One atom for each comparison and its negation: ``a >= b`` is ``not (a < b)``."""
    left, right = expr.left, expr.right
    match expr.op:
        case "==":
            return Compare("==", left, right), True
        case "!=":
            return Compare("==", left, right), False
        case "<":
            return Compare("<", left, right), True
        case ">=":
            return Compare("<", left, right), False
        case ">":
            return Compare("<", right, left), True
        case "<=":
            return Compare("<", right, left), False
        case "in":
            return Compare("in", left, right), True
        case _:
            return Compare("in", left, right), False


def _dnf(expr: Expr, negated: bool = False) -> list[Clause]:
    """The ways ``expr`` (or its negation) can hold, each a conjunction of literals."""
    if isinstance(expr, Const):
        return [()] if bool(expr.value) != negated else []
    if isinstance(expr, Not):
        return _dnf(expr.operand, not negated)
    if isinstance(expr, Conditional):
        either = BoolOp(
            "or",
            (
                BoolOp("and", (expr.test, expr.then)),
                BoolOp("and", (Not(expr.test), expr.otherwise)),
            ),
        )
        return _dnf(either, negated)
    if isinstance(expr, BoolOp):
        parts = [_dnf(operand, negated) for operand in expr.operands]
        if (expr.op == "and") != negated:
            clauses: list[Clause] = [()]
            for part in parts:
                clauses = [c + p for c in clauses for p in part if _consistent(c + p)]
                if len(clauses) > _MAX_CLAUSES:
                    raise _TooComplex
            return clauses
        joined = [clause for part in parts for clause in part]
        if len(joined) > _MAX_CLAUSES:
            raise _TooComplex
        return joined
    if isinstance(expr, Compare):
        atom, truth = _canonical(expr)
        return [(_Literal(atom, truth != negated, not negated),)]
    # A flag fact or event field: two-valued, a missing value counts as false.
    return [(_Literal(expr, not negated, True),)]


def _consistent(clause: Clause) -> bool:
    by_atom: dict[Expr, list[_Literal]] = {}
    for literal in clause:
        by_atom.setdefault(literal.atom, []).append(literal)
    for literals in by_atom.values():
        for a, b in itertools.combinations(literals, 2):
            if a.truth != b.truth and (a.strict or b.strict):
                return False
    return all(bounds.feasible() for bounds in _bounds(clause).values())


@dataclass
class _Bounds:
    """What a conjunction asks of one variable compared with constants."""

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


def _bounds(clause: Clause) -> dict[Expr, _Bounds]:
    """Constraints on each variable that some literal compares with a constant. A variable
    only compared under ``not`` may have no value, which satisfies all of those."""
    found: dict[Expr, list[tuple[str, object, bool, bool]]] = {}
    variable: Expr
    value: object
    for literal in clause:
        atom = literal.atom
        if not isinstance(atom, Compare) or atom.op == "in":
            continue
        if isinstance(atom.right, Const) and not isinstance(atom.left, Const):
            variable, value, variable_left = atom.left, atom.right.value, True
        elif isinstance(atom.left, Const) and not isinstance(atom.right, Const):
            variable, value, variable_left = atom.right, atom.left.value, False
        else:
            continue
        found.setdefault(variable, []).append((atom.op, value, literal.truth, variable_left))
    strict_variables = {
        side
        for literal in clause
        if literal.strict and isinstance(literal.atom, Compare)
        for side in (literal.atom.left, literal.atom.right)
        if not isinstance(side, Const)
    }
    result: dict[Expr, _Bounds] = {}
    for variable, constraints in found.items():
        if variable not in strict_variables:
            continue
        bounds = result.setdefault(variable, _Bounds())
        for op, value, truth, variable_left in constraints:
            _constrain(bounds, op, value, truth, variable_left)
    return result


def _constrain(bounds: _Bounds, op: str, value: object, truth: bool, variable_left: bool) -> None:
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


def _narrow(bounds: _Bounds, low: int | None, high: int | None) -> None:
    if low is not None:
        bounds.low = low if bounds.low is None else max(bounds.low, low)
    if high is not None:
        bounds.high = high if bounds.high is None else min(bounds.high, high)


_OPPOSITE: dict[str, CompareOp] = {"==": "!=", "<": ">=", "in": "not in"}


def _clause_text(clause: Clause) -> str:
    """A conjunction as the analyst would write it: ``x >= 2`` rather than ``not x < 2``."""
    parts = []
    for literal in clause:
        atom = literal.atom
        if literal.truth:
            parts.append(expression_text(atom))
        elif literal.strict and isinstance(atom, Compare):
            parts.append(expression_text(Compare(_OPPOSITE[atom.op], atom.left, atom.right)))
        else:
            parts.append(f"not ({expression_text(atom)})")
    return " and ".join(dict.fromkeys(parts)) or "always"


# -- the checks ---------------------------------------------------------------------------------


class _Locator:
    """Lines of entries in the ruleset file: rules carry theirs, the rest are looked up."""

    def __init__(self, ruleset: ir.Ruleset, text: str | None) -> None:
        self.source = ruleset.source
        self.map = SourceMap()
        self.index: dict[tuple[str, object], int] = {}
        text = text if text is not None else _source_text(ruleset.source)
        if text is None:
            return
        try:
            document, self.map = read_yaml(text)
        except YamlSyntaxError:
            return
        if not isinstance(document, dict):
            return
        for section in ("parameters", "registers", "facts", "outcomes", "rules", "articles"):
            for position, entry in enumerate(document.get(section) or ()):
                if isinstance(entry, dict):
                    key = entry.get("number" if section == "articles" else "id")
                    self.index[(section, key)] = position

    def line(self, section: str, key: object, *path: str | int) -> int | None:
        position = self.index.get((section, key))
        if position is None:
            return None
        return self.map.locate((section, position, *path))[0]

    def rule(self, rule: ir.Rule, *path: str) -> int | None:
        return self.line("rules", rule.id, *path) or rule.line


def _source_text(source: str) -> str | None:
    prefix = "<bundled>/"
    try:
        if source.startswith(prefix):
            resource = resources.files("credit_rules._rulesets") / source[len(prefix) :]
            return resource.read_text(encoding="utf-8")
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _context_citations(ruleset: ir.Ruleset, where: _Locator) -> list[Finding]:
    """Rules, parameters, facts, registers and outcomes are executed; citing a context article
    (a purpose, a principle, a division of duties) for them claims the article says more than
    it does. Terms may cite context articles: a definition is context."""
    context = {a.number: a for a in ruleset.articles if a.role == "context"}
    entries: list[tuple[str, str, tuple[ir.Cite, ...]]] = [
        ("in_force_cites", "in_force_from", ruleset.in_force_cites),
        *(("parameters", p.id, p.cites) for p in ruleset.parameters),
        *(("registers", r.id, r.cites) for r in ruleset.registers),
        *(("facts", f.id, f.cites) for f in ruleset.facts),
        *(("outcomes", o.id, o.cites) for o in ruleset.outcomes),
        *(("rules", r.id, r.cites) for r in ruleset.rules),
    ]
    found = []
    for section, name, cites in entries:
        for cite in cites:
            article = context.get(cite.article)
            if article is None:
                continue
            line = (
                where.map.locate(("in_force_cites",))[0]
                if section == "in_force_cites"
                else where.line(section, name, "cites")
            )
            found.append(
                Finding(
                    "context-citation",
                    name,
                    f"{section[:-1] if section.endswith('s') else section} {name} cites Art "
                    f"{article.number}, which is context only ({article.why_context})",
                    f"cite the executable article that sets this, or, if Art {article.number} "
                    "does set it, change its role to executable and say what it executes",
                    where.source,
                    line,
                )
            )
    return found


def _unused(ruleset: ir.Ruleset, where: _Locator) -> list[Finding]:
    used = uses(ruleset, ruleset.rules)
    found = []
    for parameter in ruleset.parameters:
        if parameter.id not in used.parameters:
            found.append(
                Finding(
                    "unused-parameter",
                    parameter.id,
                    f"parameter {parameter.id} is read by no rule, fact or register",
                    "use it in the rule it was meant for, or remove it (an interpretation that "
                    "names it does not make it used)",
                    where.source,
                    where.line("parameters", parameter.id),
                )
            )
    for fact in ruleset.facts:
        if fact.id not in used.facts:
            found.append(
                Finding(
                    "unused-fact",
                    fact.id,
                    f"fact {fact.id} is read by no rule (nor by a fact a rule reads)",
                    "use it in a rule's condition or 'shows', or remove it",
                    where.source,
                    where.line("facts", fact.id),
                )
            )
    for register in ruleset.registers:
        if register.id not in used.registers:
            found.append(
                Finding(
                    "unused-register",
                    register.id,
                    f"register {register.id} is counted by no fact and triggers no rule",
                    "count it in a fact a rule reads, or remove it",
                    where.source,
                    where.line("registers", register.id),
                )
            )
    return found


def _conditions(ruleset: ir.Ruleset) -> dict[str, list[Clause] | None]:
    """Each rule's folded condition in disjunctive form (None if too complex to expand)."""
    values = ruleset.parameter_values()
    result: dict[str, list[Clause] | None] = {}
    for rule in ruleset.rules:
        try:
            result[rule.id] = [c for c in _dnf(fold(rule.when, values)) if _consistent(c)]
        except _TooComplex:
            result[rule.id] = None
    return result


def _unreachable(ruleset: ir.Ruleset, where: _Locator) -> list[Finding]:
    """A condition with no consistent way to hold, once the parameters are folded in."""
    found = []
    values = ruleset.parameter_values()
    conditions = _conditions(ruleset)
    for rule in ruleset.rules:
        if conditions[rule.id] != []:
            continue
        read = [n for n in names_in(rule.when) if n in values]
        shown = ", ".join(f"{n} = {_shown(values[n])}" for n in read) or "no parameters"
        found.append(
            Finding(
                "unreachable",
                rule.id,
                f"rule {rule.id} can never fire: its condition "
                f"{expression_text(rule.when)!r} is false whatever the history ({shown})",
                "check the comparisons against the parameters' values; a rule kept for another "
                "reading of the text belongs under 'interpretations' with its parameter",
                where.source,
                where.rule(rule, "when"),
            )
        )
    return found


def _shown(value: ir.ParameterValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, Period) else f"'{value}'"


def _ladder_gaps(ruleset: ir.Ruleset, where: _Locator) -> list[Finding]:
    """Measures on one trigger that split a count into ranges (1 record, 2, 3 or more) must
    leave no count between the lowest and the highest rung without a rule."""
    conditions = _conditions(ruleset)
    ladders: dict[tuple[str, str | None], list[ir.Rule]] = {}
    for rule in ruleset.rules:
        if rule.outcome_kind == "measure":
            ladders.setdefault((rule.on, rule.group), []).append(rule)
    found = []
    for (on, group), rules in ladders.items():
        spans: dict[Expr, list[tuple[ir.Rule, list[tuple[int | None, int | None]]]]] = {}
        for rule in rules:
            clauses = conditions[rule.id]
            if not clauses:
                continue
            for variable, ranges in _ranges(clauses).items():
                spans.setdefault(variable, []).append((rule, ranges))
        for variable, rungs in spans.items():
            if len(rungs) < 2:
                continue
            gap = _gap([r for _, ranges in rungs for r in ranges])
            if gap is None:
                continue
            name = expression_text(variable)
            first = rungs[0][0]
            ladder = ", ".join(
                f"{rule.id} ({' or '.join(_range_text(name, r) for r in ranges)})"
                for rule, ranges in rungs
            )
            label = f"group {group}" if group else f"the measures on {on}"
            found.append(
                Finding(
                    "ladder-gap",
                    first.id,
                    f"{label} is a ladder on {name} with a hole: no rule covers "
                    f"{_range_text(name, gap)} (rungs: {ladder})",
                    f"extend a neighbouring rung to cover {_range_text(name, gap)} (for example "
                    "'>=' for the top rung), or add a rule for it",
                    where.source,
                    where.rule(first),
                )
            )
    return found


def _ranges(clauses: list[Clause]) -> dict[Expr, list[tuple[int | None, int | None]]]:
    """For each count variable that every clause bounds, the ranges the clauses allow."""
    per_clause = [
        {
            v: (b.low, b.high)
            for v, b in _bounds(c).items()
            if b.low is not None or b.high is not None
        }
        for c in clauses
    ]
    common = set(per_clause[0]).intersection(*per_clause[1:]) if per_clause else set()
    return {v: [bounds[v] for bounds in per_clause] for v in common}


def _gap(ranges: list[tuple[int | None, int | None]]) -> tuple[int | None, int | None] | None:
    """The first values between the lowest rung and the top that no range covers."""
    lows = [low if low is not None else -(10**9) for low, _ in ranges]
    ordered = sorted(zip(lows, (high for _, high in ranges), strict=True))
    reach = ordered[0][1]
    for low, high in ordered[1:]:
        if reach is None:
            return None
        if low > reach + 1:
            return (reach + 1, low - 1)
        reach = None if high is None else max(reach, high)
    return None if reach is None else (reach + 1, None)


def _range_text(name: str, span: tuple[int | None, int | None]) -> str:
    low, high = span
    if low is not None and high is not None:
        return f"{name} = {low}" if low == high else f"{name} from {low} to {high}"
    if low is not None:
        return f"{name} >= {low}"
    return f"{name} <= {high}" if high is not None else f"any {name}"


def _conflicts(ruleset: ir.Ruleset, where: _Locator) -> list[Finding]:
    """Two measures on the same trigger that answer the same question (their conditions read
    a common fact) and can both hold, unless a group says which wins. Rules in two different
    groups are declared separate matters (the Art 10(2) flag beside the Art 10(1) settlement)."""
    conditions = _conditions(ruleset)
    values = ruleset.parameter_values()
    found = []
    measures = [r for r in ruleset.rules if r.outcome_kind == "measure"]
    for a, b in itertools.combinations(measures, 2):
        if a.on != b.on or a.outcome == b.outcome:
            continue
        if a.group is not None and b.group is not None and a.group != b.group:
            continue
        if a.group is not None and a.group == b.group and a.priority != b.priority:
            continue
        if not _read(fold(a.when, values)) & _read(fold(b.when, values)):
            continue
        left, right = conditions[a.id], conditions[b.id]
        if left is None or right is None:
            continue
        both = next((x + y for x in left for y in right if _consistent(x + y)), None)
        if both is None:
            continue
        tie = a.group is not None and a.group == b.group
        found.append(
            Finding(
                "conflict",
                b.id,
                f"rules {a.id} ({a.outcome}) and {b.id} ({b.outcome}) can fire together on "
                f"one {a.on}, for example when {_clause_text(both)}"
                + (
                    f"; both have priority {a.priority} in group {a.group}"
                    if tie
                    else "; no group says which wins"
                ),
                (
                    f"give {a.id} and {b.id} different priorities in group {a.group}"
                    if tie
                    else "put both in one group with the winner at the higher priority, make "
                    "the conditions exclude each other, or, if the law gives both together, "
                    "give each its own group"
                ),
                where.source,
                where.rule(b),
            )
        )
    return found


def _read(expr: Expr) -> set[str]:
    return set(names_in(expr)) | {f"{scope}.{name}" for scope, name in fields_in(expr)}
