"""The events a ruleset reads, as Markdown: every event type with every field.

An analyst writing a scenario needs the vocabulary more than anything else, and the only
complete statement of it is the pydantic models of :mod:`credit_rules.model`. This page is
rendered from those models, so it lists exactly what a scenario file may say, and it cannot
fall behind them.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any

from credit_rules.model.vocabularies import event_classes


def render_vocabulary(vocabulary: str, heading: str = "##") -> list[str]:
    """Markdown lines: a section per event type, with its docstring and a table of fields."""
    lines = [
        f"{heading} Events of `{vocabulary}`",
        "",
        "Every event has `type`, `subject` (the subject's id) and `date` (YYYY-MM-DD). A field "
        "that is not required may be left out. Values of the kind *one of* are written exactly "
        "as listed.",
        "",
    ]
    for name, cls in sorted(event_classes(vocabulary).items()):
        lines += [f"{heading}# `{name}`", ""]
        doc = " ".join((cls.__doc__ or "").split()).replace("``", "`")
        if doc:
            lines += [doc, ""]
        lines += ["| Field | Value | Required |", "|---|---|---|"]
        for field, info in cls.model_fields.items():
            if field == "type":
                continue
            key = info.alias or field
            required = "yes" if info.is_required() else "no"
            lines.append(f"| `{key}` | {_kind(info.annotation)} | {required} |")
        lines.append("")
    return lines


def _kind(annotation: Any) -> str:
    """How a person writes a value of this field in a scenario file."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(kinds)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number"
    if annotation is dt.date:
        return "a date"
    if annotation is str:
        return "text"
    if origin in (tuple, list):
        return "a list of " + _kind(typing.get_args(annotation)[0])
    return f"`{getattr(annotation, '__name__', annotation)}`"
