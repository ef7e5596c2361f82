"""The column schema of a vocabulary's events, read from the event models once.

The per-subject front door validates events with pydantic, one object at a time. The columnar
path must check the same things without building an object per event, so it needs the same
facts about each field as data: its column type, whether a type requires it, and the values an
enumerated field allows. They come from the models themselves, so the two paths cannot drift.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Literal, get_args, get_origin

from credit_rules.model.pack import Agreement
from credit_rules.model.vocabularies import (
    allowed_values,
    decision_day_fields,
    event_classes,
    key_fields,
    one_per_key_fields,
    pack,
)

ColumnKind = Literal["text", "date", "count", "flag", "list"]
#: Columns every event table has; ``type`` may come from the table's name instead.
BASE = ("type", "subject", "date")
#: The engine every lazy plan of the backend is collected on. Polars' default ("auto")
#: runs them on its streaming engine, which pays for its pipelines on every plan: on the
#: backend's many plans over frames already in memory it cost about 1.5x (Ganzhou).
ENGINE: Literal["in-memory"] = "in-memory"


@dataclass(frozen=True)
class FieldSpec:
    """One field of one event type."""

    name: str
    kind: ColumnKind
    required: bool
    #: The values an enumerated text field, or each item of a list, allows (None: any text).
    allowed: frozenset[str] | None
    #: Text that must not be empty (pydantic ``min_length=1``).
    non_empty: bool
    #: What a null in the column means for this type: the model's default (None: no value).
    default: str | bool | int | tuple[str, ...] | None = None
    #: The bounds of a whole number (pydantic ``ge``/``le``), and the pattern text must
    #: match (pydantic ``pattern``; both use Rust's regex syntax).
    ge: int | None = None
    le: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class VocabularySchema:
    vocabulary: str
    #: Each event type's own fields (not ``type``, ``subject``, ``date``).
    fields: Mapping[str, Mapping[str, FieldSpec]]
    #: Every field column of the vocabulary and its kind.
    columns: Mapping[str, ColumnKind]
    keys: Mapping[str, str]
    decided: Mapping[str, str]
    #: Each event type's pairs of date columns ``(field, earlier)`` that must be in order
    #: (:attr:`credit_rules.model.events.Event.not_before`).
    not_before: Mapping[str, tuple[tuple[str, str], ...]]
    #: Event types whose key names one event, and that key's field
    #: (:attr:`credit_rules.model.events.Event.one_per_key`).
    once: Mapping[str, str]
    #: (event type, field) -> the event type that gives the id it names, by the day in the
    #: field ``reference_days`` names; and the fields a referring type repeats from the event
    #: it names (:attr:`credit_rules.model.pack.RegulationPack.references`).
    references: Mapping[tuple[str, str], str]
    reference_days: Mapping[str, str]
    agreements: Mapping[str, Agreement]


def _kind(annotation: Any) -> tuple[ColumnKind, frozenset[str] | None]:
    """The column kind of a field, and the texts it allows (the model's own reading,
    :func:`~credit_rules.model.vocabularies.allowed_values`)."""
    return _column_kind(annotation), allowed_values(annotation)


def _column_kind(annotation: Any) -> ColumnKind:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return _column_kind(options[0]) if len(options) == 1 else "text"
    if origin in (tuple, list, frozenset):
        return "list"
    if annotation is bool:
        return "flag"
    if annotation is int:
        return "count"
    if annotation is dt.date:
        return "date"
    return "text"


@cache
def vocabulary_schema(vocabulary: str) -> VocabularySchema:
    links = pack(vocabulary)
    fields: dict[str, dict[str, FieldSpec]] = {}
    columns: dict[str, ColumnKind] = {}
    for event_type, cls in event_classes(vocabulary).items():
        own: dict[str, FieldSpec] = {}
        for name, info in cls.model_fields.items():
            if name in BASE:
                continue
            kind, allowed = _kind(info.annotation)
            non_empty = any(getattr(m, "min_length", None) == 1 for m in info.metadata)
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if isinstance(default, Enum):
                default = str(default.value)
            own[name] = FieldSpec(
                name,
                kind,
                info.is_required(),
                allowed,
                non_empty,
                default,
                ge=_constraint(info.metadata, "ge"),
                le=_constraint(info.metadata, "le"),
                pattern=_constraint(info.metadata, "pattern"),
            )
            columns.setdefault(name, kind)
        fields[event_type] = own
    return VocabularySchema(
        vocabulary,
        fields,
        columns,
        dict(key_fields(vocabulary)),
        dict(decision_day_fields(vocabulary)),
        {event_type: cls.not_before for event_type, cls in event_classes(vocabulary).items()},
        dict(one_per_key_fields(vocabulary)),
        dict(links.references),
        dict(links.reference_days),
        dict(links.agreements),
    )


def _constraint(metadata: list[Any], name: str) -> Any:
    """A constraint of a field's metadata (annotated-types' ``Ge``/``Le``, pydantic's
    pattern), or None."""
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None
