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

from credit_rules.i18n import OR, Lang, Message, join, listing
from credit_rules.model.vocabularies import event_classes, pack


def render_vocabulary(vocabulary: str, heading: str = "##", lang: Lang = "en") -> list[str]:
    """Markdown lines: a section per event type, with its docstring and a table of fields.
    In Chinese the frame is Chinese; the docstrings, which the models have in English only,
    stay as they are."""
    lines = [
        *_anchor(f"events-of-{vocabulary}", lang),
        f"{heading} " + Message("Events of `{vocabulary}`", vocabulary=vocabulary).render(lang),
        "",
        Message(
            "Every event has `type`, `subject` (the subject's id) and `date` (YYYY-MM-DD). A "
            "field that is not required may be left out. Values of the kind *one of* are "
            "written exactly as listed."
        ).render(lang),
        "",
    ]
    header = Message("| Field | Value | Required |").render(lang)
    for name, cls in sorted(event_classes(vocabulary).items()):
        lines += [f"{heading}# `{name}`", ""]
        doc = " ".join((cls.__doc__ or "").split()).replace("``", "`")
        if doc:
            lines += [doc, ""]
        lines += [header, "|---|---|---|"]
        for field, info in cls.model_fields.items():
            if field == "type":
                continue
            key = info.alias or field
            required = Message("yes") if info.is_required() else Message("no")
            kind = _kind(info.annotation).render(lang)
            lines.append(f"| `{key}` | {kind} | {required.render(lang)} |")
        lines.append("")
        lines += _references(vocabulary, name, lang)
    return lines


def _references(vocabulary: str, event_type: str, lang: Lang) -> list[str]:
    """What an event of ``event_type`` must name, said beside its fields: a history whose
    step names what no event gave is refused (docs/semantics.md), and an analyst writing a
    scenario should read so before the refusal does."""
    links = pack(vocabulary)
    said = []
    for (referring, name), source in sorted(links.references.items()):
        if referring != event_type:
            continue
        said.append(
            Message(
                "`{field}` must have been given by an event `{source}` of the same subject, on "
                "or before this event's `{day}`.",
                field=name,
                source=source,
                day=links.reference_days[event_type],
            )
        )
    agreement = links.agreements.get(event_type)
    if agreement is not None:
        for name in agreement.fields:
            said.append(
                Message(
                    "`{field}`, where given, must be what that `{source}` event gives.",
                    field=name,
                    source=agreement.source,
                )
            )
    return [line for message in said for line in (message.render(lang), "")]


def _anchor(name: str, lang: Lang) -> list[str]:
    """An explicit anchor before a heading whose words are not English: links name the
    English heading's anchor (``#art-9``), which a Chinese heading would not make."""
    return [] if lang == "en" else [f'<a id="{name}"></a>', ""]


def _kind(annotation: Any) -> Message:
    """How a person writes a value of this field in a scenario file."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return join(OR, kinds)
    if origin is typing.Literal:
        values = [f"`{v}`" for v in typing.get_args(annotation)]
        return Message("one of {values}", values=listing(values))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = [f"`{m.value}`" for m in annotation]
        return Message("one of {values}", values=listing(values))
    if annotation is bool:
        return Message("true or false")
    if annotation is int:
        return Message("a whole number")
    if annotation is dt.date:
        return Message("a date")
    if annotation is str:
        return Message("text")
    if origin in (tuple, list):
        return Message("a list of {kind}", kind=_kind(typing.get_args(annotation)[0]))
    return Message.raw(f"`{getattr(annotation, '__name__', annotation)}`")
