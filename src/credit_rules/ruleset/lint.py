"""Static checks of a ruleset beyond its schema: what ``credit-rules validate --strict`` reports.

A ruleset can load cleanly and still say something the analyst did not mean: two measures that
both apply where the regulation gives one, a rule no history can ever fire, a ladder of counts
with a rung missing or a higher rung ranked milder, a parameter nothing reads, a rule that
cites a preamble as if it were law to execute. Each finding names its line and suggests a fix.

Conditions are reasoned about after folding the parameters in, in the normal form the
durable backend also runs (:mod:`credit_rules.ruleset.analysis`): a disjunction of conjunctions,
where a conjunction is impossible when it asks one atom to be true and false, one text to equal
two values, or a count to lie outside every interval its comparisons allow. Lines come from
the IR, where the loader put them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from credit_rules.i18n import N_, OR, Lang, Message, join, listing, render
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import (
    Clause,
    TooComplex,
    bounds_of,
    consistent,
    derivation_reads,
    dnf,
    expression_text,
    fold,
    uses,
)
from credit_rules.ruleset.expressions import (
    Arith,
    Compare,
    CompareOp,
    Conditional,
    Expr,
    Ref,
    fields_in,
    names_in,
)

__all__ = ["Check", "Finding", "derivation_names", "expression_text", "lint"]

#: The name explanations know the walk by (``explain.whynot`` imports it from here).
derivation_names = derivation_reads

Check = Literal[
    "conflict",
    "unreachable",
    "empty-term",
    "ladder-gap",
    "ladder-inversion",
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
    #: Both are :class:`~credit_rules.i18n.Message`: English as text, Chinese on render, so
    #: ``validate --strict --lang zh`` tells an analyst what to fix in the analyst's language.
    message: str
    fix: str
    source: str
    line: int | None = None

    def render(self, lang: Lang = "en") -> str:
        where = self.source + (f":{self.line}" if self.line is not None else "")
        return (
            f"{where}: [{self.check}] {render(self.message, lang)}\n"
            f"    {_FIX.render(lang)}: {render(self.fix, lang)}"
        )


#: The label of a finding's fix in :meth:`Finding.render`.
_FIX = Message.bilingual("fix", "修改建议")


def lint(ruleset: ir.Ruleset, text: str | None = None) -> tuple[Finding, ...]:
    """Every finding of every check, in the order of the file. Lines come from the IR, which
    the loader gives every entry; ``text`` is accepted for callers that still pass the YAML
    and is not read."""
    del text
    conditions = _conditions(ruleset)
    findings = [
        *_context_citations(ruleset),
        *_unused(ruleset),
        *_unreachable(ruleset, conditions),
        *_empty_terms(ruleset),
        *_ladder_gaps(ruleset, conditions),
        *_ladder_inversions(ruleset, conditions),
        *_conflicts(ruleset, conditions),
    ]
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.check, f.subject)))


# -- conditions ---------------------------------------------------------------------------------


def _conditions(ruleset: ir.Ruleset) -> dict[str, list[Clause] | None]:
    """Each rule's condition with the parameters folded in, in disjunctive form (None if too
    complex to expand), as the engine compiles it."""
    values = ruleset.parameter_values()
    result: dict[str, list[Clause] | None] = {}
    for rule in ruleset.rules:
        try:
            result[rule.id] = dnf(fold(rule.when, values))
        except TooComplex:
            result[rule.id] = None
    return result


_OPPOSITE: dict[str, CompareOp] = {"==": "!=", "<": ">=", "in": "not in"}


def _clause_text(clause: Clause) -> str:
    """A conjunction as the analyst would write it: ``x >= 2`` rather than ``not x < 2``
    (the condition language's own words, the same in every language)."""
    parts = []
    for requirement in clause:
        atom = requirement.atom
        if requirement.truth:
            parts.append(expression_text(atom))
        elif requirement.strict and isinstance(atom, Compare):
            parts.append(expression_text(Compare(_OPPOSITE[atom.op], atom.left, atom.right)))
        else:
            parts.append(f"not ({expression_text(atom)})")
    return " and ".join(dict.fromkeys(parts)) or "always"


# -- the checks ---------------------------------------------------------------------------------


def _context_citations(ruleset: ir.Ruleset) -> list[Finding]:
    """Rules, parameters, facts, registers and outcomes are executed; citing a context article
    (a purpose, a principle, a division of duties) for them claims the article says more than
    it does. Terms may cite context articles: a definition is context."""
    context = {a.number: a for a in ruleset.articles if a.role == "context"}
    entries: list[tuple[str, str, tuple[ir.Cite, ...], int | None]] = [
        (
            "in_force_cites",
            "in_force_from",
            ruleset.in_force_cites,
            ruleset.lines.get("in_force_cites"),
        ),
        *(("parameters", p.id, p.cites, _key_line(p, "cites")) for p in ruleset.parameters),
        *(("registers", r.id, r.cites, _key_line(r, "cites")) for r in ruleset.registers),
        *(("facts", f.id, f.cites, _key_line(f, "cites")) for f in ruleset.facts),
        *(("outcomes", o.id, o.cites, _key_line(o, "cites")) for o in ruleset.outcomes),
        *(("rules", r.id, r.cites, _key_line(r, "cites")) for r in ruleset.rules),
    ]
    found = []
    for section, name, cites, line in entries:
        for cite in cites:
            article = context.get(cite.article)
            if article is None:
                continue
            found.append(
                Finding(
                    "context-citation",
                    name,
                    Message(
                        "{section} {name} cites Art {article}, which is context only ({why})",
                        section=_SECTION[section],
                        name=name,
                        article=article.number,
                        why=Message.raw(article.why_context or ""),
                    ),
                    Message(
                        "cite the executable article that sets this, or, if Art {article} "
                        "does set it, change its role to executable and say what it executes",
                        article=article.number,
                    ),
                    ruleset.source,
                    line,
                )
            )
    return found


#: What a section's entry is called in a finding.
_SECTION: dict[str, Message] = {
    "in_force_cites": Message.bilingual("the in-force date", "生效日期"),
    "parameters": Message.bilingual("parameter", "参数"),
    "registers": Message.bilingual("register", "登记簿"),
    "facts": Message.bilingual("fact", "事实"),
    "outcomes": Message.bilingual("outcome", "结果"),
    "rules": Message.bilingual("rule", "规则"),
}


def _key_line(
    entry: ir.Parameter | ir.Register | ir.Fact | ir.Outcome | ir.Rule, key: str
) -> int | None:
    """The line of one key of an entry, or of the entry where the key is not written."""
    return entry.lines.get(key, entry.line)


#: A check, what it finds unused (its kind follows "unused-"), the ids in use, and what
#: the finding says and suggests.
_UnusedCheck = tuple[
    Check, Sequence[ir.Parameter | ir.Fact | ir.Register], frozenset[str], str, Message
]


def _unused(ruleset: ir.Ruleset) -> list[Finding]:
    used = uses(ruleset, ruleset.rules)
    checks: tuple[_UnusedCheck, ...] = (
        (
            "unused-parameter",
            ruleset.parameters,
            used.parameters,
            N_("parameter {id} is read by no rule, fact or register"),
            Message(
                "use it in the rule it was meant for, or remove it (an interpretation that "
                "names it does not make it used)"
            ),
        ),
        (
            "unused-fact",
            ruleset.facts,
            used.facts,
            N_("fact {id} is read by no rule (nor by a fact a rule reads)"),
            Message("use it in a rule's condition or 'shows', or remove it"),
        ),
        (
            "unused-register",
            ruleset.registers,
            used.registers,
            N_("register {id} is counted by no fact and triggers no rule"),
            Message("count it in a fact a rule reads, or remove it"),
        ),
    )
    return [
        Finding(check, e.id, Message(template, id=e.id), hint, ruleset.source, e.line)
        for check, elements, known, template, hint in checks
        for e in elements
        if e.id not in known
    ]


def _unreachable(ruleset: ir.Ruleset, conditions: dict[str, list[Clause] | None]) -> list[Finding]:
    """A condition with no consistent way to hold, once the parameters are folded in."""
    found = []
    values = ruleset.parameter_values()
    for rule in ruleset.rules:
        if conditions[rule.id] != []:
            continue
        read = [n for n in names_in(rule.when) if n in values]
        shown = (
            listing(Message.raw(f"{n} = {_shown(values[n])}") for n in read)
            if read
            else Message("no parameters")
        )
        found.append(
            Finding(
                "unreachable",
                rule.id,
                Message(
                    "rule {rule} can never fire: its condition {condition} is false whatever "
                    "the history ({parameters})",
                    rule=rule.id,
                    condition=_quoted(rule.when),
                    parameters=shown,
                ),
                Message(
                    "check the comparisons against the parameters' values; a rule kept for "
                    "another reading of the text belongs under 'interpretations' with its "
                    "parameter"
                ),
                ruleset.source,
                rule.lines.get("when", rule.line),
            )
        )
    return found


#: The fewest and the most calendar days a period can span (a working day is at least one
#: calendar day; a run of holidays can stretch one, so it has no useful upper bound).
_DAYS_PER: dict[str, tuple[int, int | None]] = {
    "days": (1, 1),
    "working_days": (1, None),
    "months": (28, 31),
    "years": (365, 366),
}


def _offset(
    expr: Expr, values: dict[str, ir.ParameterValue]
) -> tuple[Expr, int, int | None] | None:
    """``expr`` as a base day plus periods: the base, and the fewest and most days added
    (None: no bound); None if it adds anything but period parameters."""
    if isinstance(expr, Arith) and expr.type == "date":
        if expr.op != "+" or not isinstance(expr.right, Ref):
            return None
        period = values.get(expr.right.name)
        inner = _offset(expr.left, values)
        if not isinstance(period, Period) or inner is None:
            return None
        low, high = _DAYS_PER[period.unit]
        base, fewest, most = inner
        added = None if most is None or high is None else most + high * period.count
        return base, fewest + low * period.count, added
    return expr, 0, 0


def _empty_terms(ruleset: ir.Ruleset) -> list[Finding]:
    """A measure whose ``until`` always falls before its ``from``: both count from one day,
    and the most days ``until`` adds are fewer than the fewest ``from`` adds (``from:
    trigger_date + term``, ``until: trigger_date``, say, swapped by mistake). Such a rule
    fires and applies on no day at all, which no condition check sees."""
    values = ruleset.parameter_values()
    found = []
    for rule in ruleset.rules:
        if rule.until is None:
            continue
        start, stop = _offset(rule.from_, values), _offset(rule.until, values)
        if start is None or stop is None or start[0] != stop[0] or stop[2] is None:
            continue
        if stop[2] < start[1]:
            found.append(
                Finding(
                    "empty-term",
                    rule.id,
                    Message(
                        "rule {rule} applies on no day: its until {until} always falls before "
                        "its from {start}",
                        rule=rule.id,
                        until=_quoted(rule.until),
                        start=_quoted(rule.from_),
                    ),
                    Message("check that from and until are not swapped, and the periods they add"),
                    ruleset.source,
                    rule.lines.get("until", rule.line),
                )
            )
    return found


def _quoted(expr: Expr) -> Message:
    """An expression quoted as Python quotes text in English (what analysts have seen in
    findings so far) and in Chinese quotation marks in Chinese."""
    text = expression_text(expr)
    return Message.bilingual(repr(text), f"“{text}”")


def _shown(value: ir.ParameterValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, Period) else f"'{value}'"


Span = tuple[int | None, int | None]
Rungs = dict[Expr, list[tuple[ir.Rule, list[Span]]]]


def _ladders(
    ruleset: ir.Ruleset, conditions: dict[str, list[Clause] | None]
) -> dict[tuple[str, str | None], Rungs]:
    """The measures on each trigger and group, as rungs: for each count variable their
    conditions bound, each rule and the ranges it allows."""
    ladders: dict[tuple[str, str | None], Rungs] = {}
    for rule in ruleset.rules:
        clauses = conditions[rule.id]
        if rule.outcome_kind != "measure" or not clauses:
            continue
        spans = ladders.setdefault((rule.on, rule.group), {})
        for variable, ranges in _ranges(clauses).items():
            spans.setdefault(variable, []).append((rule, ranges))
    return ladders


def _ladder_gaps(ruleset: ir.Ruleset, conditions: dict[str, list[Clause] | None]) -> list[Finding]:
    """Measures on one trigger that split a count into ranges (1 record, 2, 3 or more) must
    leave no count between the lowest and the highest rung without a rule."""
    found = []
    for (on, group), spans in _ladders(ruleset, conditions).items():
        for variable, rungs in spans.items():
            if len(rungs) < 2:
                continue
            gap = _gap([r for _, ranges in rungs for r in ranges])
            if gap is None:
                continue
            name = expression_text(variable)
            first = rungs[0][0]
            ladder = listing(
                Message.raw(rule.id)
                + Message.bilingual(" (", "（")
                + join(OR, (_range_text(name, r) for r in ranges))
                + Message.bilingual(")", "）")
                for rule, ranges in rungs
            )
            label = (
                Message("group {group}", group=group)
                if group
                else Message("the measures on {on}", on=on)
            )
            found.append(
                Finding(
                    "ladder-gap",
                    first.id,
                    Message(
                        "{label} is a ladder on {name} with a hole: no rule covers {gap} "
                        "(rungs: {ladder})",
                        label=label,
                        name=name,
                        gap=_range_text(name, gap),
                        ladder=ladder,
                    ),
                    Message(
                        "extend a neighbouring rung to cover {gap} (for example '>=' for the top "
                        "rung), or add a rule for it",
                        gap=_range_text(name, gap),
                    ),
                    ruleset.source,
                    first.line,
                )
            )
    return found


def _ladder_inversions(
    ruleset: ir.Ruleset, conditions: dict[str, list[Clause] | None]
) -> list[Finding]:
    """In a group of measures, a rung that needs more records than another must not rank
    below it: the engine applies the higher priority, so one more record would give the
    milder measure (the monotonicity invariant's counterexample, found without running it).
    Only counts of records are read this way; a score may well rank the other way."""
    facts = {fact.id: fact for fact in ruleset.facts}
    found = []
    for (_, group), spans in _ladders(ruleset, conditions).items():
        if group is None:
            continue
        for variable, rungs in spans.items():
            if not _counts_records(variable, facts):
                continue
            for (higher, above), (lower, below) in itertools.permutations(rungs, 2):
                least = min(-(10**9) if low is None else low for low, _ in above)
                most = max(10**9 if high is None else high for _, high in below)
                if least <= most or higher.priority >= lower.priority:
                    continue
                name = expression_text(variable)
                found.append(
                    Finding(
                        "ladder-inversion",
                        higher.id,
                        Message(
                            "in group {group}, {higher} ({needs}) needs more than {lower} "
                            "({other}) but ranks below it (priority {priority} < "
                            "{lower_priority}): one more record would give the milder measure",
                            group=group,
                            higher=higher.id,
                            needs=join(OR, (_range_text(name, r) for r in above)),
                            lower=lower.id,
                            other=join(OR, (_range_text(name, r) for r in below)),
                            priority=higher.priority,
                            lower_priority=lower.priority,
                        ),
                        Message(
                            "give {higher} a priority above {lower_priority}, or check which "
                            "measure the article makes the graver",
                            higher=higher.id,
                            lower_priority=lower.priority,
                        ),
                        ruleset.source,
                        higher.line,
                    )
                )
    return found


def _counts_records(expr: Expr, facts: dict[str, ir.Fact]) -> bool:
    """Whether ``expr`` is a count of a register's records (a ``count`` fact, or a choice
    between such counts), which one more record can only raise."""
    if isinstance(expr, Conditional):
        return _counts_records(expr.then, facts) and _counts_records(expr.otherwise, facts)
    fact = facts.get(expr.name) if isinstance(expr, Ref) else None
    if fact is None:
        return False
    if isinstance(fact.derivation, ir.CountOf):
        return True
    return isinstance(fact.derivation, ir.Computed) and _counts_records(fact.derivation.expr, facts)


def _ranges(clauses: list[Clause]) -> dict[Expr, list[tuple[int | None, int | None]]]:
    """For each count variable that every clause bounds, the ranges the clauses allow."""
    per_clause = [
        {
            v: (b.low, b.high)
            for v, b in bounds_of(c).items()
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


def _range_text(name: str, span: tuple[int | None, int | None]) -> Message:
    low, high = span
    if low is not None and high is not None:
        if low == high:
            return Message.raw(f"{name} = {low}")
        return Message("{name} from {low} to {high}", name=name, low=low, high=high)
    if low is not None:
        return Message.raw(f"{name} >= {low}")
    if high is not None:
        return Message.raw(f"{name} <= {high}")
    return Message("any {name}", name=name)


def _conflicts(ruleset: ir.Ruleset, conditions: dict[str, list[Clause] | None]) -> list[Finding]:
    """Two measures on the same trigger that answer the same question (their conditions read
    a common fact) and can both hold, unless a group says which wins. Rules in two different
    groups are declared separate matters (the Art 10(2) flag beside the Art 10(1) settlement)."""
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
        both = next((x + y for x in left for y in right if consistent(x + y)), None)
        if both is None:
            continue
        tie = a.group is not None and a.group == b.group
        found.append(
            Finding(
                "conflict",
                b.id,
                Message(
                    "rules {a} ({a_outcome}) and {b} ({b_outcome}) can fire together on one "
                    "{on}, for example when {clause}",
                    a=a.id,
                    a_outcome=a.outcome,
                    b=b.id,
                    b_outcome=b.outcome,
                    on=a.on,
                    clause=_clause_text(both),
                )
                + (
                    Message(
                        "; both have priority {priority} in group {group}",
                        priority=a.priority,
                        group=a.group,
                    )
                    if tie
                    else Message("; no group says which wins")
                ),
                (
                    Message(
                        "give {a} and {b} different priorities in group {group}",
                        a=a.id,
                        b=b.id,
                        group=a.group,
                    )
                    if tie
                    else Message(
                        "put both in one group with the winner at the higher priority, make "
                        "the conditions exclude each other, or, if the law gives both together, "
                        "give each its own group"
                    )
                ),
                ruleset.source,
                b.line,
            )
        )
    return found


def _read(expr: Expr) -> set[str]:
    return set(names_in(expr)) | {f"{scope}.{name}" for scope, name in fields_in(expr)}
