"""Explanations: which rule, which facts with which values, which article, in zh and en.

The public names here are :func:`explain` and :func:`next_change` (why an outcome applies or
not, and when that could change), their results :class:`Explanation` and :class:`NextChange`,
and :func:`render_text` (an evaluation as plain text). The modules are internal.

They are imported on first use (PEP 562), like the top-level names: ``explain`` runs the
engine and ``render_text`` the console layer, and a service that only needs one of them (or
a submodule such as the coverage) pays for nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from credit_rules.i18n import Message

if TYPE_CHECKING:
    from credit_rules.explain.text import render_text
    from credit_rules.explain.whynot import Explanation, NextChange, explain, next_change

__all__ = ["Explanation", "NextChange", "explain", "next_change", "render_text"]

_LAZY: dict[str, str] = {
    "Explanation": "credit_rules.explain.whynot",
    "NextChange": "credit_rules.explain.whynot",
    "explain": "credit_rules.explain.whynot",
    "next_change": "credit_rules.explain.whynot",
    "render_text": "credit_rules.explain.text",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(
            Message("module {name!r} has no attribute {name2!r}", name=__name__, name2=name),
            name=name,
        )
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
