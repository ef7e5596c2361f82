"""The IR back in the words of the ruleset file: citations and values as text.

Expressions are printed by :mod:`credit_rules.ruleset.printer` (through
:mod:`credit_rules.ruleset.analysis`), the one printer every output shares.
"""

from __future__ import annotations

from collections.abc import Iterable

from credit_rules.i18n import Message, listing
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import expression_text, uses

#: The printer under the name docs and diffs have long used; there is only one.
expr_text = expression_text


def cite_text(cite: ir.Cite) -> str:
    """``Art 10(1)``: the way citations are written in every output of the library (a
    :class:`~credit_rules.i18n.Message`: 第10条第1项 in Chinese)."""
    if cite.item is None:
        return Message("Art {article}", article=cite.article)
    return Message("Art {article}({item})", article=cite.article, item=cite.item)


def cites_text(cites: Iterable[ir.Cite]) -> str:
    """``Art 9, Art 10(1)``; 第9条、第10条第1项 in Chinese."""
    return listing(cite_text(c) for c in cites)


def value_text(value: ir.ParameterValue | str | None) -> str:
    """A parameter value as the file writes it: ``5 years``, ``true``, ``3``."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dependencies(ruleset: ir.Ruleset, rule: ir.Rule) -> frozenset[str]:
    """Every entry a rule's result can depend on, as ``"<section>.<id>"`` keys.

    The rule itself, its outcome, and, followed to the bottom, the facts it reads, the facts
    and parameters those are computed from, and the registers (with their validity and
    removal) that counted facts count. A change to any of these can change what the rule
    decides; a change to nothing here cannot.
    """
    used = uses(ruleset, [rule])
    return frozenset(
        {
            f"rules.{rule.id}",
            f"outcomes.{rule.outcome}",
            *(f"facts.{name}" for name in used.facts),
            *(f"parameters.{name}" for name in used.parameters),
            *(f"registers.{name}" for name in used.registers),
        }
    )
