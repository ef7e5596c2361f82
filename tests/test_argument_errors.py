"""A call given the wrong kind of argument gets a typed error that says what it takes.

An engine built on a ruleset's id instead of the ruleset, an unknown backend, a ruleset path
that is a number, a ruleset text that is None: each used to raise a bare ``AttributeError``,
``TypeError`` or ``ValueError`` from deep inside. Each is now an ``ArgumentError`` (a
``ValueError`` too, as the unknown backend always was), in English and Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from credit_rules import Engine, bundled, load_ruleset, loads_ruleset
from credit_rules.errors import ArgumentError, CreditRulesError, LedgerArgumentError

CALLS: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: Engine(bundled("lianyungang-2007"), backend="nope"), "unknown backend", "未知的后端"),
    (
        lambda: Engine("lianyungang-2007"),
        "an engine needs a loaded ruleset",
        "引擎需要已加载的规则集",
    ),
    (lambda: loads_ruleset(None), "a ruleset's text is str or bytes", "规则集的文本"),
    (lambda: load_ruleset(3), "a ruleset's path is text or a path", "规则集的路径"),
]


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
