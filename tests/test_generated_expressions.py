"""Expressions compiled to generated Python give exactly what the nested closures give.

The closures (``compile_expr(..., generated=False)``) are the reference semantics of the
condition language; the generated functions are what the engine runs. Generated expressions of
every node type are evaluated both ways on generated environments (missing values included),
and must agree on the value, its type (``1`` is not ``True``), and on the error when one is
raised. An expression deeper than Python compiles falls back to the closures, and no name a
ruleset writes can become code.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_rules.calendar import default_calendar
from credit_rules.engine.closures import _add_period, _functions, compile_expr
from credit_rules.engine.generated import Source
from credit_rules.periods import Period
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
)

PARAMETERS: dict[str, Any] = {
    "two": 2,
    "strict": True,
    "term": Period(1, "years"),
    "grace": Period(3, "working_days"),
    "severe": ("forge", "resell"),
}

COUNTS = st.sampled_from(
    [Ref("a", "count"), Ref("b", "count"), Ref("two", "count"), Const(0, "count")]
)
FLAGS = st.sampled_from(
    [Ref("known", "flag"), Ref("maybe", "flag"), Ref("strict", "flag"), Const(False, "flag")]
)
DATES = st.sampled_from(
    [
        Ref("trigger_date", "date"),
        Ref("latest", "date"),
        Field("trigger", "decided", "date"),
        Arith("+", Ref("latest", "date"), Ref("term", "period"), "date"),
        Arith("+", Ref("trigger_date", "date"), Ref("grace", "period"), "date"),
        Call("next_day", Ref("latest", "date"), "date"),
        Call("end_of_year", Ref("trigger_date", "date"), "date"),
        Call("working_day_on_or_after", Ref("latest", "date"), "date"),
        Call(
            "working_day_on_or_after",
            Arith("+", Ref("trigger_date", "date"), Ref("term", "period"), "date"),
            "date",
        ),
    ]
)
TEXTS = st.sampled_from(
    [
        Field("trigger", "category", "text"),
        Field("trigger", "class", "text"),
        Const("forge", "text"),
    ]
)
SUMS = st.builds(Arith, st.sampled_from(["+", "-"]), COUNTS, COUNTS, st.just("count"))
ORDERS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
LEAVES = st.one_of(
    FLAGS,
    st.builds(Compare, ORDERS, st.one_of(COUNTS, SUMS), st.one_of(COUNTS, SUMS)),
    st.builds(Compare, ORDERS, DATES, DATES),
    st.builds(Compare, st.sampled_from(["==", "!="]), TEXTS, TEXTS),
    st.builds(Compare, st.sampled_from(["in", "not in"]), TEXTS, st.just(Ref("severe", "list"))),
    st.builds(Compare, ORDERS, st.just(Call("year_of", Ref("latest", "date"), "count")), COUNTS),
)


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Not, inner),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(inner, inner)),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(inner, inner, inner)),
        st.builds(Conditional, inner, inner, inner, st.just("flag")),
        st.builds(Conditional, inner, COUNTS, SUMS, st.just("count")),
    )


#: Conditions, and values of every type (what ``from``, ``until`` and facts' filters compile).
EXPRESSIONS = st.one_of(
    st.recursive(LEAVES, _extend, max_leaves=12),
    # Shallow ones too, where a missing flag or count reaches the result itself.
    st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(FLAGS, FLAGS)),
    st.builds(Conditional, FLAGS, COUNTS, SUMS, st.just("count")),
    COUNTS,
    SUMS,
    DATES,
    TEXTS,
)
DAYS = st.none() | st.dates(dt.date(2007, 1, 1), dt.date(2030, 12, 31))
ENVIRONMENTS = st.builds(
    lambda a, b, known, maybe, latest, day, decided, category: {
        "a": a,
        "b": b,
        "known": known,
        "maybe": maybe,
        "latest": latest,
        "trigger_date": day,
        "trigger": SimpleNamespace(decided=decided, category=category, **{"class": category}),
    },
    a=st.integers(0, 4),
    b=st.none() | st.integers(0, 4),
    known=st.booleans(),
    maybe=st.none() | st.booleans(),
    latest=DAYS,
    day=st.dates(dt.date(2007, 1, 1), dt.date(2030, 12, 31)),
    decided=DAYS,
    category=st.sampled_from([None, "forge", "resell", "other"]),
)


def outcome(compiled: Any, env: dict[str, Any]) -> tuple[str, Any]:
    """The value with its type, or the error's type and text."""
    try:
        value = compiled(env)
    except Exception as error:  # the two must fail alike, whatever the error
        return ("error", (type(error), str(error)))
    return ("value", (type(value), value))


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(expr=EXPRESSIONS, environments=st.lists(ENVIRONMENTS, min_size=1, max_size=5))
def test_generated_functions_give_what_the_closures_give(
    expr: Expr, environments: list[dict[str, Any]]
) -> None:
    generated = compile_expr(expr, PARAMETERS)
    closures = compile_expr(expr, PARAMETERS, generated=False)
    assert generated.__name__ == "_expression"  # this expression was generated, not fallen back
    for env in environments:
        assert outcome(generated, env) == outcome(closures, env), expr


MAYBE, B = Ref("maybe", "flag"), Ref("b", "count")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # and/or give a flag, never the missing value itself.
        (BoolOp("and", (MAYBE, Ref("known", "flag"))), False),
        (BoolOp("or", (MAYBE, MAYBE)), False),
        (Not(MAYBE), True),
        # A comparison with a missing value is false, whichever side it is on.
        (Compare(">=", B, Const(0, "count")), False),
        (Compare("<", Const(0, "count"), B), False),
        (Compare("!=", B, B), False),
        # Arithmetic with a missing value has no value.
        (Arith("+", B, Const(1, "count"), "count"), None),
        (Conditional(MAYBE, Const(1, "count"), B, "count"), None),
    ],
)
def test_missing_values_behave_as_the_closures_say(expr: Expr, expected: object) -> None:
    env = {"maybe": None, "known": True, "b": None}
    for generated in (True, False):
        value = compile_expr(expr, PARAMETERS, generated=generated)(env)
        assert value is expected, (generated, value)


def test_both_sides_of_a_comparison_are_evaluated_as_the_closures_do() -> None:
    # A working-day count past the calendar raises even where the other side has no value:
    # the closures evaluate both sides first, so the generated function must too.
    past = Arith("+", Ref("trigger_date", "date"), Ref("grace", "period"), "date")
    expr = Compare("<", Ref("latest", "date"), past)
    env = {"latest": None, "trigger_date": dt.date(2099, 12, 31)}
    generated = outcome(compile_expr(expr, PARAMETERS), env)
    assert generated == outcome(compile_expr(expr, PARAMETERS, generated=False), env)
    assert generated[0] == "error"


def test_an_expression_deeper_than_python_compiles_falls_back_to_the_closures() -> None:
    expr: Expr = Ref("known", "flag")
    # 250 levels of parentheses; Python's parser stops at 200 (the loader's default limit on
    # an expression's depth is 50, but a caller may raise it).
    for _ in range(250):
        expr = Not(expr)
    compiled = compile_expr(expr, PARAMETERS)
    assert compiled.__name__ != "_expression"
    assert compiled({"known": True}) is True


@pytest.mark.parametrize(
    "name", ["a'] or __import__('os') or env['", 'x") or print("y', "a\nb", "class"]
)
def test_a_name_never_becomes_code(name: str) -> None:
    """Names go into the source as string literals: whatever a name holds, it is only a key."""
    compiled = compile_expr(Compare("==", Ref(name, "count"), Const(1, "count")), {})
    assert compiled({name: 1}) is True
    assert compiled({name: 2}) is False
    field = compile_expr(Field("trigger", name, "text"), {})
    assert field({"trigger": SimpleNamespace(**{name: "v"})}) == "v"


@pytest.mark.parametrize("period", ["term", "grace"])
def test_a_remembered_period_sum_gives_the_closures_answer_every_time(period: str) -> None:
    """A fixed period's sum is remembered by start day (generated.py); asked again, on days
    in any order, it still gives what the closures compute afresh, and a sum past the
    calendar fails every time it is asked, never remembered as an answer."""
    expr = Arith("+", Ref("trigger_date", "date"), Ref(period, "period"), "date")
    generated = compile_expr(expr, PARAMETERS)
    closures = compile_expr(expr, PARAMETERS, generated=False)
    days = [dt.date(2024, 2, 29), dt.date(2023, 12, 29), dt.date(2099, 12, 31)]
    for day in [*days, *reversed(days), *days]:
        env = {"trigger_date": day}
        assert outcome(generated, env) == outcome(closures, env), day
    past = outcome(generated, {"trigger_date": dt.date(2099, 12, 31)})
    assert past[0] == ("error" if period == "grace" else "value")


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(st.recursive(LEAVES, _extend, max_leaves=6), min_size=1, max_size=6),
    environments=st.lists(ENVIRONMENTS, min_size=1, max_size=4),
)
def test_one_firing_function_gives_what_the_conditions_give_one_by_one(
    conditions: list[Expr], environments: list[dict[str, Any]]
) -> None:
    """A trigger kind's conditions generated as one function (ClosureMatcher) name exactly
    the conditions the closures find true, in order, and fail as the first failing one
    does."""
    numbered = [(number * 3 + 1, expr) for number, expr in enumerate(conditions)]
    calendar = default_calendar()
    source = Source(dict(PARAMETERS), _functions(calendar), _add_period, calendar)
    together = source.firing(numbered)
    alone = [(n, compile_expr(expr, PARAMETERS, generated=False)) for n, expr in numbered]
    for env in environments:
        expected = outcome(lambda e: [n for n, condition in alone if condition(e)], env)
        assert outcome(together, env) == expected, conditions


def test_working_day_on_or_after_keeps_a_working_day_and_rolls_a_rest_day() -> None:
    """Civil Code Art 203 on the PRC calendar: 2025-10-02 lies in the National Day rest
    (10-01..10-08), so it moves to 2025-10-09; Saturday 2025-10-11 is an adjusted working
    day and stays; a missing day stays missing. Both compilers agree."""
    expr = Call("working_day_on_or_after", Ref("latest", "date"), "date")
    for generated in (True, False):
        rolled = compile_expr(expr, PARAMETERS, generated=generated)
        assert rolled({"latest": dt.date(2025, 10, 2)}) == dt.date(2025, 10, 9)
        assert rolled({"latest": dt.date(2025, 10, 11)}) == dt.date(2025, 10, 11)
        assert rolled({"latest": dt.date(2025, 10, 12)}) == dt.date(2025, 10, 13)
        assert rolled({"latest": None}) is None


def test_a_chained_comparison_means_each_pair_joined_by_and() -> None:
    """docs/rulesets.md: ``a <= x < b`` is ``a <= x and x < b``, as in Python and the law's
    "not less than… and less than…"."""
    from credit_rules.ruleset.expressions import parse

    chained = parse("two <= a < b", {"two": "count", "a": "count", "b": "count"})
    assert chained == parse("two <= a and a < b", {"two": "count", "a": "count", "b": "count"})
    check = compile_expr(chained, PARAMETERS)
    for a, b, expected in ((2, 3, True), (1, 3, False), (3, 3, False), (4, 9, True)):
        assert outcome(check, {"a": a, "b": b}) == ("value", (bool, expected))
