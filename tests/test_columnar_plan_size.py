"""The columnar plans of the bundled rulesets stay small expressions.

A Polars expression that names a subexpression twice is evaluated twice, and one built from
another that does so grows with each level. That is how Ganzhou's last day to object, a roll
of a count of working days, became 92,000 characters of expression and doubled the time of
the whole Ganzhou evaluation without changing any answer, so no differential test saw it.
Every condition, value, start, end and overflow check compiled for a bundled ruleset is held
here to a size a reader could still follow; the largest are about 1,300 characters.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pl = pytest.importorskip("polars")

from credit_rules import bundled, bundled_ids  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402

#: Characters of an expression's text; a few times the largest bundled one.
LARGEST = 5_000


def _compiled(engine: ColumnarEngine) -> Iterator[tuple[str, pl.Expr]]:
    for name, fact in engine._facts.items():
        for part in ("where", "value", "overflow"):
            expr = getattr(fact, part)
            if expr is not None:
                yield f"fact {name}: {part}", expr
    for rule in engine._rules:
        for part in ("when", "start", "stop", "reach", "when_overflow", "span_overflow"):
            expr = getattr(rule, part)
            if expr is not None:
                yield f"rule {rule.rule.id}: {part}", expr


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_every_compiled_expression_stays_small(ruleset_id: str) -> None:
    compiled = dict(_compiled(ColumnarEngine(bundled(ruleset_id))))
    assert len(compiled) > 20  # the plans were found, not an empty walk
    sizes = {where: len(str(expr)) for where, expr in compiled.items()}
    too_large = {where: size for where, size in sizes.items() if size > LARGEST}
    assert not too_large, too_large
