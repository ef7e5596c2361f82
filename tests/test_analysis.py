"""The one analysis library of the IR: printer, dependency walk, folding, normal form, positions.

Lint, docs, diffs and the backends all read conditions through these functions, so each is
pinned here on the bundled rulesets: every expression prints to text that parses back to the
same tree, folding prunes what a parameter switches off, and the walk follows facts down to
registers and their where-clauses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from credit_rules import bundled, with_parameters
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import (
    Requirement,
    TooComplex,
    depends_on,
    derivation_reads,
    dnf,
    expression_text,
    fold,
    names_read,
    rule_reads,
    uses,
)
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Conditional,
    Const,
    Expr,
    Field,
    Not,
    Ref,
    Type,
    nodes,
    parse,
)

ROOT = Path(__file__).resolve().parents[1]
RULESET_IDS = ("lianyungang-2007", "ganzhou-2023")


def expressions(ruleset: ir.Ruleset) -> Iterator[Expr]:
    """Every expression a ruleset holds: facts, register removals, and rules."""
    for fact in ruleset.facts:
        derivation = fact.derivation
        if isinstance(derivation, ir.Computed):
            yield derivation.expr
        elif isinstance(derivation, ir.EventQuery):
            yield from (e for e in (derivation.where, derivation.value) if e is not None)
        elif derivation.where is not None:
            yield derivation.where
    for register in ruleset.registers:
        if register.removed_by_where is not None:
            yield register.removed_by_where
    for rule in ruleset.rules:
        yield from (e for e in (rule.when, rule.from_, rule.until) if e is not None)
        for extra in (rule.excluding, rule.extended_by):
            if extra is not None and extra.where is not None:
                yield extra.where


def reparse(expr: Expr) -> Expr:
    """Parse the printed text with exactly the names and event fields ``expr`` reads."""
    names: dict[str, Type] = {n.name: n.type for n in nodes(expr) if isinstance(n, Ref)}
    scopes: dict[str, dict[str, Type]] = {}
    for node in nodes(expr):
        if isinstance(node, Field):
            scopes.setdefault(node.scope, {})[node.name] = node.type
    return parse(expression_text(expr), names, scopes)


# -- the printer --------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset_id", RULESET_IDS)
def test_every_bundled_expression_prints_to_text_that_parses_back_to_it(ruleset_id: str) -> None:
    found = list(expressions(bundled(ruleset_id)))
    assert len(found) > 20
    for expr in found:
        assert reparse(expr) == expr, expression_text(expr)


X, Y, Z = Ref("x", "flag"), Ref("y", "flag"), Ref("z", "flag")
N, M = Ref("n", "count"), Ref("m", "count")
ONE = Const(1, "count")


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        # `and` binds tighter than `or`: no parentheses are needed, none are written.
        (BoolOp("or", (X, BoolOp("and", (Y, Z)))), "x or y and z"),
        (BoolOp("and", (X, BoolOp("or", (Y, Z)))), "x and (y or z)"),
        # Python flattens `x or y or z`; a nested `or` keeps its parentheses to stay nested.
        (BoolOp("or", (BoolOp("or", (X, Y)), Z)), "(x or y) or z"),
        (Not(BoolOp("and", (X, Y))), "not (x and y)"),
        (Not(Not(X)), "not not x"),
        (Compare("==", Not(X), Y), "(not x) == y"),
        # A comparison inside a comparison would read as a chain.
        (Compare("==", Compare("<", N, M), X), "(n < m) == x"),
        (Arith("-", N, Arith("+", M, ONE, "count"), "count"), "n - (m + 1)"),
        (Arith("+", Arith("-", N, M, "count"), ONE, "count"), "n - m + 1"),
        (Conditional(X, N, Conditional(Y, M, ONE, "count"), "count"), "n if x else m if y else 1"),
        (Conditional(Conditional(X, Y, Z, "flag"), N, M, "count"), "n if (y if x else z) else m"),
        (
            Conditional(X, Conditional(Y, N, M, "count"), ONE, "count"),
            "(n if y else m) if x else 1",
        ),
        (Compare("==", Ref("t", "text"), Const("it's", "text")), 't == "it\'s"'),
        (Call("year_of", Ref("d", "date"), "count"), "year_of(d)"),
        (BoolOp("and", (Const(True, "flag"), Const(False, "flag"))), "true and false"),
    ],
)
def test_parentheses_are_the_ones_the_grammar_needs(expr: Expr, text: str) -> None:
    assert expression_text(expr) == text
    assert reparse(expr) == expr


# -- the dependency walk ------------------------------------------------------------------------


def test_names_read_leaves_out_built_ins() -> None:
    expr = Compare("<", Ref("trigger_date", "date"), Ref("latest", "date"))
    assert names_read(expr) == ("latest",)


def test_a_counted_fact_reads_its_registers_validity() -> None:
    ruleset = bundled("lianyungang-2007")
    assert derivation_reads(ruleset, ruleset.fact("records_at_entry")) == ("record_validity",)
    assert derivation_reads(ruleset, ruleset.fact("record_count")) == (
        "measure_ends_when_older_record_expires",
        "records_in_force",
        "records_at_entry",
    )


def test_a_rule_reads_its_condition_dates_and_shown_facts() -> None:
    ruleset = bundled("lianyungang-2007")
    rule = next(r for r in ruleset.rules if r.id == "art10_cash_settlement")
    read = rule_reads(rule)
    assert {"record_count", "settlement_change_records", "time_limited_records"} <= set(read)
    assert not set(read) & set(ir.BUILTINS)


def test_depends_on_follows_computed_facts_down_to_the_register() -> None:
    ruleset = bundled("lianyungang-2007")
    assert depends_on(ruleset, ["record_count"]) == {
        "record_count",
        "records_in_force",
        "records_at_entry",
        "measure_ends_when_older_record_expires",
        "dishonesty_records",
        "record_validity",
    }
    # Built-ins and unknown names are not part of the ruleset.
    assert depends_on(ruleset, ["trigger_date"]) == frozenset()


def test_a_register_removal_condition_is_a_dependency() -> None:
    ruleset = bundled("lianyungang-2007")
    # A removal that only counts when a parameter allows it (not in the bundled file).
    where = Compare(">=", Ref("warning_records", "count"), ONE)
    registers = tuple(dataclasses.replace(r, removed_by_where=where) for r in ruleset.registers)
    changed = dataclasses.replace(ruleset, registers=registers)
    assert "warning_records" in depends_on(changed, ["records_at_entry"])
    assert "warning_records" not in depends_on(ruleset, ["records_at_entry"])


def test_rules_use_the_registers_that_trigger_them() -> None:
    ruleset = bundled("lianyungang-2007")
    triggered = [r for r in ruleset.rules if r.on_register]
    assert triggered
    assert {r.on for r in triggered} <= uses(ruleset, triggered).registers


# -- folding ------------------------------------------------------------------------------------


def test_record_count_folds_to_the_count_at_entry_by_default() -> None:
    ruleset = bundled("lianyungang-2007")
    expr = ruleset.fact("record_count").derivation
    assert isinstance(expr, ir.Computed)
    folded = fold(expr.expr, ruleset.parameter_values())
    assert folded == Ref("records_at_entry", "count")
    assert names_read(folded) == ("records_at_entry",)
    switched = with_parameters(ruleset, {"measure_ends_when_older_record_expires": True})
    assert fold(expr.expr, switched.parameter_values()) == Ref("records_in_force", "count")


@pytest.mark.parametrize(
    ("expr", "folded"),
    [
        (BoolOp("and", (Const(True, "flag"), X)), X),
        (BoolOp("or", (X, Ref("p", "flag"))), Const(True, "flag")),
        (BoolOp("and", (X, Ref("q", "flag"), Y)), Const(False, "flag")),
        (Not(Ref("p", "flag")), Const(False, "flag")),
        (Compare(">=", Ref("two", "count"), ONE), Const(True, "flag")),
        (
            Compare(">=", N, Arith("+", Ref("two", "count"), ONE, "count")),
            Compare(">=", N, Const(3, "count")),
        ),
        (Conditional(Ref("q", "flag"), N, M, "count"), M),
        (
            Conditional(X, N, Ref("two", "count"), "count"),
            Conditional(X, N, Const(2, "count"), "count"),
        ),
        # A period has no constant form; it stays a name.
        (Ref("term", "period"), Ref("term", "period")),
    ],
)
def test_fold_computes_what_the_parameters_make_constant(expr: Expr, folded: Expr) -> None:
    parameters = {"p": True, "q": False, "two": 2, "term": Period.parse("1 year")}
    assert fold(expr, parameters) == folded


# -- the normal form ----------------------------------------------------------------------------


def test_a_contradiction_has_no_way_to_hold() -> None:
    assert (
        dnf(
            BoolOp("and", (Compare(">=", N, Const(2, "count")), Compare("<", N, Const(2, "count"))))
        )
        == []
    )


def test_negations_both_hold_when_the_value_is_missing() -> None:
    both = BoolOp(
        "and",
        (Not(Compare(">=", N, Const(2, "count"))), Not(Compare("<", N, Const(2, "count")))),
    )
    [clause] = dnf(both)
    assert all(not requirement.strict for requirement in clause)


def test_not_is_pushed_down_and_or_expanded() -> None:
    expr = Not(BoolOp("and", (Compare(">=", N, Const(2, "count")), X)))
    less = Compare("<", N, Const(2, "count"))
    assert dnf(expr) == [(Requirement(less, True, False),), (Requirement(X, False, False),)]


def test_a_condition_beyond_the_limit_is_too_complex() -> None:
    pairs = tuple(BoolOp("or", (Ref(f"a{i}", "flag"), Ref(f"b{i}", "flag"))) for i in range(6))
    assert len(dnf(BoolOp("and", pairs))) == 64
    with pytest.raises(TooComplex):
        dnf(BoolOp("and", pairs), limit=32)


# -- positions ----------------------------------------------------------------------------------


def _line_of(text: str, section: str, needle: str) -> int:
    """The line of ``needle`` in a section (ids may repeat across sections)."""
    lines = text.splitlines()
    start = lines.index(f"{section}:")
    return next(i for i in range(start, len(lines)) if lines[i].strip() == needle) + 1


def test_every_entry_knows_its_line_in_the_file() -> None:
    ruleset = bundled("lianyungang-2007")
    text = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
    entries: list[tuple[str, str, int | None]] = [
        *(("parameters", p.id, p.line) for p in ruleset.parameters),
        *(("registers", r.id, r.line) for r in ruleset.registers),
        *(("facts", f.id, f.line) for f in ruleset.facts),
        *(("outcomes", o.id, o.line) for o in ruleset.outcomes),
        *(("rules", r.id, r.line) for r in ruleset.rules),
        *(("interpretations", i.id, i.line) for i in ruleset.interpretations),
    ]
    for section, name, line in entries:
        assert line == _line_of(text, section, f"- id: {name}"), (section, name)
    article = ruleset.articles[0]
    assert (
        article.line is not None
        and f"number: {article.number}" in text.splitlines()[article.line - 1]
    )
    for rule in ruleset.rules:
        assert text.splitlines()[rule.lines["when"] - 1].strip().startswith("when:"), rule.id


def test_positions_are_not_part_of_an_entrys_meaning() -> None:
    fact = bundled("lianyungang-2007").facts[0]
    moved = dataclasses.replace(fact, line=1, lines={})
    assert moved == fact
