"""Why an expression is refused, in the writer's words and language: Python's parser and AST
names ("invalid syntax", "subscript", "binop") reached analysts untranslated, and as names
of Python's internals."""

from __future__ import annotations

import pytest

from credit_rules.i18n import render
from credit_rules.ruleset.expressions import ExpressionError, parse

NAMES = {"record_count": "count", "warning_records": "count"}

CASES = [
    ("record_count >= ", "the syntax is not valid", "语法不正确"),
    ("(record_count > 1", "'(' is opened and never closed", "'(' 打开后没有闭合"),
    ("record_count > 1)", "')' closes nothing that was opened", "')' 没有可闭合的开括号"),
    ("2x > 1", "a name cannot start with a digit", "名称不能以数字开头"),
    ("record_count > 'a", "a quoted text is not closed", "引号中的文本没有闭合"),
    ("record_count[0] > 1", "indexing (x[...]) is not allowed", "下标（x[...]）"),
    ("record_count * 2 > 1", "multiplication (*) is not allowed", "乘法（*）"),
    ("record_count & 1", "the operator & (write 'and')", "运算符 &（请写 'and'）"),
    ("(lambda: 1) > 0", "a lambda is not allowed", "lambda 表达式"),
    ("record_count >= -1", "a sign before a value (-1, +x) is not allowed", "值前的正负号"),
    ("record_count is 1", "'is' is not a comparison here; use == or !=", "'is' 在此不是比较运算"),
    ("record_count is not 1", "'is not' is not a comparison here", "请用 == 或 !="),
    (
        "foo(1) > 0",
        "(known: end_of_year, next_day, working_day_on_or_after, year_of)",
        "（已有：end_of_year",
    ),
]


@pytest.mark.parametrize(("text", "en", "zh"), CASES)
def test_a_refused_expression_is_said_in_the_writers_words(text: str, en: str, zh: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, NAMES)
    message = caught.value.args[0]
    assert en in render(message, "en")
    said = render(message, "zh")
    assert zh in said
    for python in (
        "invalid syntax",
        "was never closed",
        "unmatched",
        "subscript",
        "binop",
        "unaryop",
        "Is ",
    ):
        assert python not in said and python not in render(message, "en")
    assert "known:" not in said
