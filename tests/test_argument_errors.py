"""A call given the wrong kind of argument gets a typed error that says what it takes.

An engine built on a ruleset's id instead of the ruleset, an unknown backend, a ruleset path
that is a number, a ruleset text that is None: each used to raise a bare ``AttributeError``,
``TypeError`` or ``ValueError`` from deep inside. Each is now an ``ArgumentError`` (a
``ValueError`` too, as the unknown backend always was), in English and Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from credit_rules import (
    Engine,
    Ledger,
    Limits,
    bundled,
    load_ruleset,
    load_scenario,
    loads_ruleset,
    select_ruleset,
    with_parameters,
)
from credit_rules.errors import ArgumentError, CreditRulesError, LedgerArgumentError
from credit_rules.model.vocabularies import parse_events

_RULESET = bundled("lianyungang-2007")
_EVALUATION = Engine(_RULESET).evaluate(
    [{"id": "p2", "kind": "insured_person"}], [], as_of="2009-01-01"
)

CALLS: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: Engine(bundled("lianyungang-2007"), backend="nope"), "unknown backend", "未知的后端"),
    (
        lambda: Engine("lianyungang-2007"),
        "an engine needs a loaded ruleset",
        "引擎需要已加载的规则集",
    ),
    (lambda: loads_ruleset(None), "a ruleset's text is str or bytes", "规则集的文本"),
    (lambda: load_ruleset(3), "a ruleset's path is text or a path", "规则集的路径"),
    # Public calls that once let a bare TypeError, AttributeError or KeyError escape.
    (
        lambda: select_ruleset("cn-js-lianyungang", "2009-01-01"),  # type: ignore[arg-type]
        "argument on must be date",
        "参数 on 必须是 date",
    ),
    (
        lambda: select_ruleset("cn-js-lianyungang", dt.date(2009, 1, 1), candidates=[None]),  # type: ignore[list-item]
        "argument candidates[...] must be Ruleset",
        "参数 candidates[...] 必须是 Ruleset",
    ),
    (lambda: with_parameters(_RULESET, None), "argument values must be Mapping", "参数 values"),  # type: ignore[arg-type]
    (lambda: with_parameters(None, {}), "argument ruleset must be Ruleset", "参数 ruleset"),  # type: ignore[arg-type]
    (lambda: parse_events("nope", []), "no vocabulary 'nope'", "没有词汇表 'nope'"),
    (lambda: parse_events(_RULESET, []), "argument vocabulary must be str", "参数 vocabulary"),  # type: ignore[arg-type]
    (lambda: bundled(["x"]), "argument ruleset_id must be str", "参数 ruleset_id"),  # type: ignore[arg-type]
    (lambda: _EVALUATION.outcomes(["p2"]), "argument subject must be str", "参数 subject"),  # type: ignore[arg-type]
    (lambda: _EVALUATION.active(["p2"]), "argument subject must be str", "参数 subject"),  # type: ignore[arg-type]
    (lambda: load_scenario(None), "argument path must be str or PathLike", "参数 path"),  # type: ignore[arg-type]
    (lambda: Ledger.open(None, _RULESET), "argument journal must be str", "参数 journal"),  # type: ignore[arg-type]
    (lambda: Ledger.restore(None, _RULESET), "argument path must be str", "参数 path"),  # type: ignore[arg-type]
    (lambda: loads_ruleset("a: 1", limits="x"), "argument limits must be Limits", "参数 limits"),  # type: ignore[arg-type]
    (
        lambda: Limits(max_bytes="5"),
        "Limits(max_bytes=...) must be a whole number",
        "Limits(max_bytes=...)",
    ),  # type: ignore[arg-type]
    (lambda: Limits(max_nodes=None), "must be a whole number of at least 1", "至少为 1 的整数"),  # type: ignore[arg-type]
    (lambda: Limits(max_bytes=float("nan")), "must be a whole number", "至少为 1 的整数"),  # type: ignore[arg-type]
    (lambda: Limits(max_depth=0), "must be a whole number", "至少为 1 的整数"),
]


def test_active_refuses_a_subject_never_evaluated_as_outcomes_does() -> None:
    from credit_rules.errors import NotEvaluated

    assert _EVALUATION.active("p2") == ()
    with pytest.raises(NotEvaluated):
        _EVALUATION.active("p3")
    with pytest.raises(NotEvaluated):
        _EVALUATION.outcomes("p3")


def test_a_snapshot_into_a_folder_is_refused(tmp_path: Any) -> None:
    ledger = Ledger(_RULESET)
    with pytest.raises(LedgerArgumentError, match="is a folder"):
        ledger.snapshot(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_snapshot_nested_past_the_recursion_limit_is_corrupt(tmp_path: Any) -> None:
    from credit_rules.errors import SnapshotCorrupt

    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(SnapshotCorrupt, match="nested too deeply"):
        Ledger.restore(path, _RULESET)


@pytest.mark.parametrize(("call", "english", "chinese"), CALLS)
def test_a_wrong_argument_is_an_argument_error_in_both_languages(
    call: Callable[[], Any], english: str, chinese: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        call()
    error = caught.value
    assert isinstance(error, CreditRulesError) and isinstance(error, ValueError)
    assert english in str(error)
    assert chinese in error.render("zh")


def test_the_ledger_s_argument_errors_are_argument_errors_too() -> None:
    assert issubclass(LedgerArgumentError, ArgumentError)


def test_assessments_of_a_list_is_said_of_its_one_subject() -> None:
    """``assessments`` takes one subject; a list of them was refused as
    ``[subjects[0]] a subject must be a mapping``, naming an argument it does not have."""
    from credit_rules import Engine, bundled
    from credit_rules.errors import ArgumentError

    engine = Engine(bundled("lianyungang-2007"))
    person = {"id": "p1", "kind": "insured_person"}
    with pytest.raises(ArgumentError, match=r"assessments takes one subject .*, got \[\{"):
        engine.assessments([person], [], as_of="2009-01-01")
    assert engine.assessments(person, [], as_of="2009-01-01") == ()
