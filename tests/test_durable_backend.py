"""The durable-rules backend gives exactly the closures' answers, and handles the engine safely.

The closure backend is the oracle: a differential property runs both backends on generated
Lianyungang histories (and on variants of the ruleset's parameters), and another one compares
the two matchers on generated conditions, which exercises the DNF expansion, ``None``
semantics and the closure fallback far beyond what the bundled ruleset needs. The unit tests
pin down what durable-rules-findings.md says can go wrong: the 1,024-session limit, numeric
error codes, swallowed errors, instances that share state, and threads left running.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_rules import (
    BackendUnavailable,
    CreditRulesError,
    Engine,
    Ruleset,
    bundled,
    with_parameters,
)
from credit_rules.engine.closures import ClosureMatcher
from credit_rules.engine.durable import DurableEngineError, DurableMatcher
from credit_rules.model.events import DishonestyCategory, DishonestyEntered
from credit_rules.model.subjects import InsuredPerson
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Compare,
    Conditional,
    Const,
    Expr,
    Not,
    Ref,
)
from credit_rules.testing.strategies import (
    LIANYUNGANG_IN_FORCE,
    History,
    dates,
    lianyungang_histories,
)

# Skip only when the optional extra is missing; everything below needs the real engine.
pytest.importorskip("durable")

RULESET = bundled("lianyungang-2007")
VARIANTS: Mapping[str, Ruleset] = {
    "bundled": RULESET,
    "ends_when_older_record_expires": with_parameters(
        RULESET, {"measure_ends_when_older_record_expires": True}
    ),
    "no_audit_flag_beyond_two": with_parameters(RULESET, {"audit_flag_beyond_two": False}),
    "both_changed": with_parameters(
        RULESET,
        {"measure_ends_when_older_record_expires": True, "audit_flag_beyond_two": False},
    ),
}
DIFFERENTIAL = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[str, tuple[Engine, Engine]]]:
    pairs = {
        name: (Engine(ruleset), Engine(ruleset, backend="durable"))
        for name, ruleset in VARIANTS.items()
    }
    yield pairs
    for _, durable in pairs.values():
        durable.close()


@st.composite
def as_of_dates(draw: st.DrawFn, history: History) -> dt.date:
    """Any day, or a day near an event (where decisions start, end and change)."""
    event_days = sorted({event.date for event in history.events})
    if not event_days or draw(st.booleans()):
        return draw(dates())
    day = draw(st.sampled_from(event_days)) + dt.timedelta(days=draw(st.integers(-3, 400)))
    return max(day, LIANYUNGANG_IN_FORCE)


# -- differential: the whole engine -----------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@DIFFERENTIAL
@given(data=st.data(), history=lianyungang_histories())
def test_durable_backend_gives_the_closures_results(
    engines: dict[str, tuple[Engine, Engine]], variant: str, data: st.DataObject, history: History
) -> None:
    closures, durable = engines[variant]
    as_of = data.draw(as_of_dates(history), label="as_of")
    expected = closures.evaluate([history.subject], history.events, as_of=as_of)
    actual = durable.evaluate([history.subject], history.events, as_of=as_of)
    assert actual.model_dump(mode="json") == expected.model_dump(mode="json")


def test_the_bundled_ruleset_runs_entirely_on_durable() -> None:
    # Every Lianyungang condition is within the safe subset; none needs the closure fallback.
    for ruleset in VARIANTS.values():
        with Engine(ruleset, backend="durable") as engine:
            matcher = engine._matcher
            assert isinstance(matcher, DurableMatcher)
            assert matcher.fallbacks == {}
            assert set(matcher.conjuncts) == {rule.id for rule in ruleset.rules}


# -- differential: the matcher on generated conditions ----------------------------------------

_NO_TEXT = ir.Text("", "")
#: Facts of every shape the compiler distinguishes: never None (a count, a computed flag) and
#: possibly None (an event query's value), of types count, flag and text.
FACTS = (
    ir.Fact("a", _NO_TEXT, "count", ir.CountOf("dishonesty_records", "assessment"), ()),
    ir.Fact("b", _NO_TEXT, "count", ir.EventQuery("last", "query_requested", None, None), ()),
    ir.Fact(
        "known",
        _NO_TEXT,
        "flag",
        ir.Computed(Compare(">=", Ref("a", "count"), Const(1, "count"))),
        (),
    ),
    ir.Fact("maybe", _NO_TEXT, "flag", ir.EventQuery("first", "query_requested", None, None), ()),
    ir.Fact("kind", _NO_TEXT, "text", ir.EventQuery("last", "query_requested", None, None), ()),
)
A, B = Ref("a", "count"), Ref("b", "count")
KNOWN, MAYBE, KIND = Ref("known", "flag"), Ref("maybe", "flag"), Ref("kind", "text")
ONE_PARAMETER = Ref("warning_records", "count")  # 1 in the bundled ruleset
FLAG_PARAMETER = Ref("audit_flag_beyond_two", "flag")  # true in the bundled ruleset
TRIGGERS = ("dishonesty_records", "query_requested")


def synthetic(*conditions: Expr, on: str = TRIGGERS[0], ruleset: Ruleset = RULESET) -> Ruleset:
    """The bundled ruleset with FACTS and one rule per condition (named r0, r1, …)."""
    template = ruleset.rules[1]
    rules = tuple(
        dataclasses.replace(template, id=f"r{i}", when=condition, on=on)
        for i, condition in enumerate(conditions)
    )
    return dataclasses.replace(ruleset, facts=FACTS, rules=rules)


def env(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "a": 0,
        "b": None,
        "known": False,
        "maybe": None,
        "kind": None,
        "trigger_date": dt.date(2020, 1, 1),
    }
    return base | values


COUNTS = st.sampled_from([A, B, ONE_PARAMETER, Const(0, "count"), Const(2, "count")])
COUNT_FACTS = st.sampled_from([A, B])
COUNT_CONSTANTS = st.sampled_from([ONE_PARAMETER, Const(0, "count"), Const(2, "count")])
FLAGS = st.sampled_from([KNOWN, MAYBE, FLAG_PARAMETER, Const(True, "flag"), Const(False, "flag")])
FLAG_FACTS = st.sampled_from([KNOWN, MAYBE])
FLAG_CONSTANTS = st.sampled_from([FLAG_PARAMETER, Const(True, "flag"), Const(False, "flag")])
TEXT_CONSTANTS = st.sampled_from([Const("x", "text"), Const("y", "text")])
COMPARISONS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
EQUALITIES = st.sampled_from(["==", "!="])
#: Conditions within the subset: one value of the assessment against a constant.
SAFE_LEAVES = st.one_of(
    FLAGS,
    st.builds(Compare, COMPARISONS, COUNT_FACTS, COUNT_CONSTANTS),
    st.builds(Compare, COMPARISONS, COUNT_CONSTANTS, COUNT_FACTS),
    st.builds(Compare, EQUALITIES, st.just(KIND), TEXT_CONSTANTS),
    st.builds(Compare, EQUALITIES, TEXT_CONSTANTS, st.just(KIND)),
    st.builds(Compare, EQUALITIES, FLAG_FACTS, FLAG_CONSTANTS),
)
#: Any comparison, including two facts (a join) and arithmetic: these fall back to closures.
ANY_LEAVES = st.one_of(
    st.builds(Compare, COMPARISONS, COUNTS, COUNTS),
    st.builds(Compare, EQUALITIES, FLAGS, FLAGS),
    st.builds(
        Compare,
        COMPARISONS,
        st.builds(Arith, st.just("+"), COUNTS, COUNTS, st.just("count")),
        COUNTS,
    ),
)
LEAVES = st.one_of(SAFE_LEAVES, SAFE_LEAVES, SAFE_LEAVES, ANY_LEAVES)


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Not, inner),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(inner, inner)),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(inner, inner, inner)),
        st.builds(Conditional, st.one_of(FLAG_CONSTANTS, inner), inner, inner, st.just("flag")),
    )


CONDITIONS = st.recursive(LEAVES, _extend, max_leaves=10)
ENVIRONMENTS = st.builds(
    env,
    a=st.integers(0, 3),
    b=st.none() | st.integers(0, 3),
    known=st.booleans(),
    maybe=st.none() | st.booleans(),
    kind=st.sampled_from([None, "x", "y", "neither"]),
)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(CONDITIONS, min_size=1, max_size=4),
    environments=st.lists(ENVIRONMENTS, min_size=1, max_size=6),
)
def test_generated_conditions_match_as_in_the_closures(
    conditions: list[Expr], environments: list[dict[str, Any]]
) -> None:
    ruleset = synthetic(*conditions)
    oracle = ClosureMatcher(ruleset)
    matcher = DurableMatcher(ruleset)
    try:
        for values in environments:
            for on in TRIGGERS:
                assert matcher.firing(on, values) == oracle.firing(on, values), (
                    matcher.conjuncts,
                    matcher.fallbacks,
                )
    finally:
        matcher.close()


# -- unit tests ------------------------------------------------------------------------------


def test_or_and_not_expand_to_one_durable_rule_per_conjunct() -> None:
    # not (a >= 2 and b < 3) or known  =  a < 2  or  b unknown  or  b >= 3  or  known
    condition = BoolOp(
        "or",
        (
            Not(
                BoolOp(
                    "and", (Compare(">=", A, Const(2, "count")), Compare("<", B, Const(3, "count")))
                )
            ),
            KNOWN,
        ),
    )
    ruleset = synthetic(condition)
    matcher = DurableMatcher(ruleset)
    try:
        assert sorted(matcher.conjuncts["r0"]) == [
            "a < 2",
            "b is known and b >= 3",
            "b is unknown",
            "known == true",
        ]
        assert sum(name.startswith("r0_") for name in matcher.spec) == 4
        oracle = ClosureMatcher(ruleset)
        cases = [
            env(a=a, b=b, known=known)
            for a in range(4)
            for b in (None, 0, 2, 3, 5)
            for known in (False, True)
        ]
        for values in cases:
            # Several conjuncts may fire for one assessment; the rule is reported once.
            assert matcher.firing(TRIGGERS[0], values) == oracle.firing(TRIGGERS[0], values)
    finally:
        matcher.close()


def test_parameters_are_folded_in_at_compile_time() -> None:
    # audit_flag_beyond_two is true: "a < 1 or audit_flag_beyond_two" is always true.
    condition = BoolOp("or", (Compare("<", A, Const(1, "count")), FLAG_PARAMETER))
    matcher = DurableMatcher(synthetic(condition, Compare(">=", A, ONE_PARAMETER)))
    try:
        assert matcher.conjuncts == {"r0": ("true",), "r1": ("a >= 1",)}
    finally:
        matcher.close()


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        (Compare("==", B, Const(0, "count")), False),
        (Compare("!=", B, Const(0, "count")), False),
        (Compare("<", B, Const(5, "count")), False),
        (Compare(">=", Const(5, "count"), B), False),
        (Not(Compare("<", B, Const(5, "count"))), True),
        (Compare("==", KIND, Const("x", "text")), False),
        (Compare("!=", KIND, Const("x", "text")), False),
        (Compare("==", MAYBE, Const(False, "flag")), False),
        (MAYBE, False),
        (Not(MAYBE), True),
    ],
)
def test_comparisons_with_a_missing_value_are_false(condition: Expr, fires: bool) -> None:
    ruleset = synthetic(condition)
    values = env(b=None, kind=None, maybe=None)
    matcher = DurableMatcher(ruleset)
    try:
        assert matcher.fallbacks == {}
        assert ClosureMatcher(ruleset).firing(TRIGGERS[0], values) == ([0] if fires else [])
        assert matcher.firing(TRIGGERS[0], values) == ([0] if fires else [])
    finally:
        matcher.close()


def test_conditions_outside_the_safe_subset_run_as_closures_and_are_listed() -> None:
    conditions = (
        Compare("<", A, B),  # two facts: a join
        Compare(">=", Arith("+", A, Const(1, "count"), "count"), Const(2, "count")),
        Conditional(KNOWN, Compare(">=", A, Const(1, "count")), MAYBE, "flag"),
        Compare(">=", A, Const(1, "count")),
    )
    ruleset = synthetic(*conditions)
    matcher = DurableMatcher(ruleset)
    try:
        assert set(matcher.fallbacks) == {"r0", "r1", "r2"}
        assert "join" in matcher.fallbacks["r0"]
        oracle = ClosureMatcher(ruleset)
        for values in (env(a=1, b=2, known=True), env(a=0, b=None, maybe=True), env(a=3, b=1)):
            assert matcher.firing(TRIGGERS[0], values) == oracle.firing(TRIGGERS[0], values)
    finally:
        matcher.close()


#: 80 distinct tests (durable shares identical ones) that all hold when a == 0.
ALL_HOLD = [Compare("<=", A, Const(k, "count")) for k in range(80)]


def test_rules_beyond_the_engine_limit_fall_back_and_answers_stay_equal() -> None:
    # 80 rules that all hold at once would overflow durable's match stack (error 303).
    ruleset = synthetic(*ALL_HOLD)
    matcher = DurableMatcher(ruleset)
    try:
        assert matcher.fallbacks
        assert "303" in next(iter(matcher.fallbacks.values()))
        assert matcher.firing(TRIGGERS[0], env(a=0)) == list(range(80))
    finally:
        matcher.close()


def test_an_engine_error_is_a_credit_rules_error_naming_the_rules() -> None:
    # Lift the budget on purpose so the engine itself fails: 80 tests match one fact.
    ruleset = synthetic(*ALL_HOLD)
    extra = dataclasses.replace(ruleset.rules[0], id="on_queries", on=TRIGGERS[1])
    ruleset = dataclasses.replace(ruleset, rules=(*ruleset.rules, extra))
    matcher = DurableMatcher(ruleset, max_tests=10_000)
    try:
        assert matcher.fallbacks == {}
        with pytest.raises(CreditRulesError) as raised:
            matcher.firing(TRIGGERS[0], env(a=0))
        error = raised.value
        assert isinstance(error, DurableEngineError)
        assert error.code == 303
        assert "ERR_MAX_STACK_SIZE" in str(error)
        assert "r0" in error.rules and "r0" in str(error)
        # The broken engine ruleset was abandoned; the next assessment gets a fresh one.
        assert matcher.firing(TRIGGERS[1], env(a=0)) == [80]
    finally:
        matcher.close()


def test_a_rule_the_engine_rejects_is_named() -> None:
    matcher = DurableMatcher(RULESET)
    try:
        # Swap in a definition the C parser rejects (error 202: an operator nested the wrong
        # way) and make the matcher build its engine ruleset again.
        matcher.spec["r1_0"] = {
            "all": [{"m": {"$and": [{"t": "assessment"}, {"v0": {"$gte": 1}}]}}]
        }
        matcher._abandon()
        with pytest.raises(DurableEngineError) as raised:
            matcher.firing("dishonesty_records", env(record_count=1))
        assert raised.value.code == 202
        assert raised.value.rules == ("art9_written_warning",)
        assert "art9_written_warning" in str(raised.value)
        assert "ERR_PARSE_STRING" in str(raised.value)
    finally:
        matcher.close()


def test_an_error_in_an_action_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = DurableMatcher(RULESET)
    try:
        values = env(record_count=1, records_in_force=1, records_at_entry=1)
        expected = ClosureMatcher(RULESET).firing("dishonesty_records", values)
        # Make the action that maps a durable rule to its index fail, as a bug would.
        monkeypatch.setattr(matcher, "_rule_of", {})
        with pytest.raises(KeyError) as raised:
            matcher.firing("dishonesty_records", values)
        assert any("while durable-rules fired" in note for note in raised.value.__notes__)
        monkeypatch.undo()
        assert matcher.firing("dishonesty_records", values) == expected
    finally:
        matcher.close()


def test_thousands_of_sequential_assessments_stay_under_the_session_limit() -> None:
    # Findings: the 1,025th live session of a ruleset raises MemoryError. Each assessment's
    # session is deleted, so 3,000 in a row never get near it.
    oracle = ClosureMatcher(RULESET)
    matcher = DurableMatcher(RULESET)
    try:
        for n in range(3000):
            values = env(
                record_count=n % 5,
                records_in_force=n % 4,
                records_at_entry=n % 5,
                objected_record_on_file=n % 2,
                objected_record_removed=n % 3,
            )
            on = ("dishonesty_records", "query_requested", "objection_filed")[n % 3]
            assert matcher.firing(on, values) == oracle.firing(on, values)
    finally:
        matcher.close()


def test_two_matchers_in_one_process_do_not_interfere() -> None:
    first_rules, second_rules = VARIANTS["bundled"], VARIANTS["both_changed"]
    first, second = DurableMatcher(first_rules), DurableMatcher(second_rules)
    try:
        assert first.ruleset_name != second.ruleset_name
        oracles = (ClosureMatcher(first_rules), ClosureMatcher(second_rules))
        for count in range(6):
            values = env(record_count=count, records_in_force=count, records_at_entry=count)
            for matcher, oracle in zip((first, second), oracles, strict=True):
                assert matcher.firing("dishonesty_records", values) == oracle.firing(
                    "dishonesty_records", values
                )
        # Four records: the audit flag stays in the bundled ruleset, not in the variant.
        values = env(record_count=4)
        assert 3 in first.firing("dishonesty_records", values)
        assert 3 not in second.firing("dishonesty_records", values)
        first.close()
        assert 3 not in second.firing("dishonesty_records", values)
    finally:
        first.close()
        second.close()


def test_one_matcher_is_safe_to_share_between_threads() -> None:
    oracle = ClosureMatcher(RULESET)
    matcher = DurableMatcher(RULESET)
    failures: list[str] = []

    def work(offset: int) -> None:
        for n in range(300):
            count = (n + offset) % 5
            values = env(record_count=count, records_in_force=count, records_at_entry=count)
            if matcher.firing("dishonesty_records", values) != oracle.firing(
                "dishonesty_records", values
            ):
                failures.append(f"{offset}/{n}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
    finally:
        matcher.close()


def test_the_matcher_starts_no_threads() -> None:
    # The stock durable Host starts two timer threads that never stop (findings).
    before = threading.active_count()
    with Engine(RULESET, backend="durable") as engine:
        entries = [
            DishonestyEntered(
                subject="p1",
                record=f"r{n}",
                category=DishonestyCategory.lend_certificate,
                date=dt.date(2009, 1, n),
            )
            for n in (1, 2, 3)
        ]
        result = engine.evaluate([InsuredPerson(id="p1")], entries, as_of=dt.date(2009, 6, 1))
        assert "time_limited_reimbursement" in result.outcomes("p1")
        assert threading.active_count() == before


def test_close_releases_the_engine_and_is_idempotent() -> None:
    engine = Engine(RULESET, backend="durable")
    matcher = engine._matcher
    assert isinstance(matcher, DurableMatcher)
    assert matcher.firing("dishonesty_records", env(record_count=1)) == [0, 1]
    engine.close()
    engine.close()
    with pytest.raises(CreditRulesError, match="closed"):
        matcher.firing("dishonesty_records", env(record_count=1))
    # A closed matcher's name is not reused, and new ones work.
    with Engine(RULESET, backend="durable") as again:
        assert again._matcher.firing("dishonesty_records", env(record_count=1)) == [0, 1]


def test_missing_engine_raises_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on Python 3.13 (undefined symbol) or without the extra: importing the C module fails.
    monkeypatch.setitem(sys.modules, "durable_rules_engine", None)
    with pytest.raises(
        BackendUnavailable, match=r"pip install 'credit-rules\[durable\]'"
    ) as raised:
        Engine(RULESET, backend="durable")
    assert "3.11" in str(raised.value) and "3.12" in str(raised.value)
