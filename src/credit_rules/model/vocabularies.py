"""Which events each ruleset vocabulary understands, and bulk validation of event lists.

Two regulations may use the same event name with different fields (both have an
``objection_filed``), so events are always parsed within one vocabulary, named by the ruleset.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from functools import cache
from typing import Any, Literal, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from credit_rules.errors import (
    ArgumentError,
    Problem,
    ScenarioError,
    mask_identities,
    require,
    shown,
    suggestion,
    validation_message,
)
from credit_rules.i18n import Message
from credit_rules.model import ganzhou, lianyungang
from credit_rules.model._base import Event
from credit_rules.model.pack import RegulationPack, register
from credit_rules.yaml_source import plain

#: The one registry of the vocabulary layer: each regulation's pack, by the id rulesets name.
PACKS: Mapping[str, RegulationPack] = register("model", (lianyungang.PACK, ganzhou.PACK))


def pack(vocabulary: str) -> RegulationPack:
    """The regulation a ruleset's vocabulary names (a ``KeyError`` for an unknown one, which
    the ruleset loader refuses before anything asks)."""
    return PACKS[vocabulary]


@cache
def pack_of(event_class: type[Event]) -> RegulationPack:
    """The regulation an event model belongs to, for code that holds an event but not the
    ruleset it was parsed for (a ``KeyError`` for a class no pack declares)."""
    for candidate in PACKS.values():
        if event_class in candidate.event_classes().values():
            return candidate
    raise KeyError(event_class.__name__)


FieldTable = Literal["key_fields", "decision_day_fields", "severity_fields", "category_fields"]


def field_of(event: Event, table: FieldTable) -> str | None:
    """The field an event's regulation names for it in one of its pack's tables
    (``"key_fields"``, ``"decision_day_fields"``, ``"severity_fields"``, ``"category_fields"``),
    or None where the table has no row for the event's type or no pack knows the event."""
    try:
        found = pack_of(type(event))
    except KeyError:
        return None
    fields: Mapping[str, str] = getattr(found, table)
    return fields.get(event.type)


def key_fields(vocabulary: str) -> Mapping[str, str]:
    """For each event type, the field naming what the event concerns (record, objection…)."""
    return PACKS[vocabulary].key_fields


def one_per_key_fields(vocabulary: str) -> Mapping[str, str]:
    """Event types whose key names one event only (an evaluation is published once), and
    that key's field: a second one naming the same key for the same subject is refused."""
    return PACKS[vocabulary].one_per_key_fields


def decision_day_fields(vocabulary: str) -> Mapping[str, str]:
    """Event types decided on a day other than the one they take effect, and the field that
    holds the decision day: such an event does not exist before it is decided."""
    return PACKS[vocabulary].decision_day_fields


FieldType = Literal["count", "flag", "date", "text", "list"]


@cache
def _adapter(vocabulary: str) -> TypeAdapter[Any]:
    union = PACKS[vocabulary].events
    return TypeAdapter(list[union])  # type: ignore[valid-type]


def vocabularies() -> tuple[str, ...]:
    return tuple(sorted(PACKS))


@cache
def event_classes(vocabulary: str) -> Mapping[str, type[Event]]:
    """Each event type of a vocabulary and the model class that validates it."""
    return PACKS[vocabulary].event_classes()


def event_types(vocabulary: str) -> frozenset[str]:
    return frozenset(event_classes(vocabulary))


@cache
def event_fields(vocabulary: str, event_type: str) -> Mapping[str, FieldType]:
    """The fields of an event type as the condition language types them; a field whose type
    the language cannot compare is left out (and so cannot be named in a ruleset)."""
    cls = event_classes(vocabulary)[event_type]
    found: dict[str, FieldType] = {}
    for name, info in cls.model_fields.items():
        kind = _field_type(info.annotation)
        if kind is not None:
            found[name] = kind
    return types.MappingProxyType(found)


@cache
def field_choices(vocabulary: str, event_type: str) -> Mapping[str, frozenset[str]]:
    """The texts each enumerated field of an event type allows (a list field: its items'),
    read from the model itself, so that a ruleset comparing a field with a text it can never
    hold is refused when it is loaded, not run as a condition that is silently false."""
    cls = event_classes(vocabulary)[event_type]
    found = {
        name: allowed
        for name, info in cls.model_fields.items()
        if name != "type" and (allowed := allowed_values(info.annotation)) is not None
    }
    return types.MappingProxyType(found)


def allowed_values(annotation: Any) -> frozenset[str] | None:
    """The texts a field's annotation allows: a ``Literal``'s or an ``Enum``'s values, also
    when optional or the items of a list; None when any text will do (or it is no text)."""
    annotation = _bare(annotation)
    origin = get_origin(annotation)
    if origin in (tuple, list, frozenset):
        items = [a for a in get_args(annotation) if a is not Ellipsis]
        return allowed_values(items[0]) if len(items) == 1 else None
    if origin is Literal:
        return frozenset(str(a) for a in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return frozenset(str(member.value) for member in annotation)
    return None


@cache
def tie_fields(vocabulary: str) -> tuple[str, ...]:
    """The fields that order events of one subject, day, type and id among themselves, in
    the order they are compared: every field of the vocabulary's event types but ``type``,
    ``subject`` and ``date``, in the order the types and their fields are declared (a value
    absent first; a list item by item). The per-subject front door and the columnar backend
    both sort by it, so the same events get the same sequence numbers from either, however
    they were listed."""
    found: dict[str, None] = {}
    for cls in event_classes(vocabulary).values():
        for name in cls.model_fields:
            if name not in ("type", "subject", "date"):
                found.setdefault(name, None)
    return tuple(found)


def _bare(annotation: Any) -> Any:
    """The annotation without ``Annotated`` and without ``| None``; None for a union of
    several types, which the condition language has no type for."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _bare(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return _bare(options[0]) if len(options) == 1 else None
    return annotation


def _field_type(annotation: Any) -> FieldType | None:
    annotation = _bare(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return "text"
    if origin in (tuple, list, frozenset):
        return "list"
    if annotation is bool:
        return "flag"
    if annotation is int:
        return "count"
    if annotation is dt.date:
        return "date"
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return "text"
    return None


def unvalidated(items: Sequence[Any], labels: Sequence[str] | None = None) -> list[Problem]:
    """A problem for each model among ``items`` that lacks a required field, placed by
    ``labels`` (``events[i]`` by default). Only a model built without validation
    (pydantic's ``model_construct``) can lack one, and every reader of events takes its
    fields as there: such a model is refused by its place and fields, not met by an
    ``AttributeError`` deep in an evaluation. Asked where a model is taken on trust only
    when reading it failed, or where one event costs far more than the look."""
    problems = []
    for index, item in enumerate(items):
        if not isinstance(item, Event):
            continue
        lacking = [
            name
            for name, info in type(item).model_fields.items()
            if info.is_required() and name not in item.__dict__
        ]
        if lacking:
            problems.append(
                Problem(
                    Message(
                        "this {type} lacks {fields}: a model built without validation "
                        "(model_construct) is not taken; build it with model_validate, or "
                        "give a dict",
                        type=type(item).__name__,
                        fields=", ".join(lacking),
                    ),
                    f"events[{index}]" if labels is None else labels[index],
                )
            )
    return problems


def raw_events(items: Iterable[Any]) -> list[Any]:
    """What :func:`parse_events` reads: each dict as given, each model as its dict. A dict is
    told by its exact type first: the instance check against a model class goes through
    pydantic's ABC machinery, which costs more than the rest of a small request's item."""
    return [
        item if type(item) is dict else item.model_dump() if isinstance(item, Event) else item
        for item in items
    ]


def parse_events(
    vocabulary: str,
    raw: Sequence[Mapping[str, Any]] | Iterable[Any],
    *,
    source: str | None = None,
    lines: Mapping[int, int] | None = None,
) -> list[Event]:
    """Validate a whole list of raw events at once, reporting every problem with its index."""
    # A ruleset given for its vocabulary's name is a likely slip: refused by name, not with
    # the TypeError of a dict lookup of an unhashable model.
    require(vocabulary, str, "vocabulary")
    if vocabulary not in PACKS:
        raise ArgumentError(
            Message(
                "no vocabulary {name}; the vocabularies are {names}",
                name=shown(vocabulary),
                names=", ".join(vocabularies()),
            )
        )
    try:
        # The adapter's core validator itself: TypeAdapter.validate_python only checks its
        # keyword arguments and calls it, a tenth of validating a small request's events.
        parsed: list[Event] = _adapter(vocabulary).validator.validate_python(list(raw))
    except ValidationError as error:
        tags = event_types(vocabulary)
        problems = []
        for item in error.errors():
            loc = item["loc"]
            index = loc[0] if loc and isinstance(loc[0], int) else None
            # pydantic puts the discriminator's value into the location
            # ("events.0.dishonesty_entered.date"); analysts think of the field path only.
            rest = [str(part) for part in loc[1:] if not (isinstance(part, str) and part in tags)]
            field = f"events[{index}]" + "".join(f".{part}" for part in rest)
            line = lines.get(index) if (lines is not None and index is not None) else None
            problems.append(Problem(_plain(item, vocabulary), field=field, line=line))
        raise ScenarioError(source, problems) from None
    return parsed


def events_from_json(vocabulary: str, text: str | bytes) -> list[Event]:
    """Events from a JSON array of rows this library wrote and validated before (a ledger's
    journal): one call into pydantic's JSON parser, without the per-event Python dicts."""
    parsed: list[Event] = _adapter(vocabulary).validate_json(text)
    return parsed


def _plain(item: Mapping[str, Any], vocabulary: str) -> str:
    if item["type"] == "union_tag_invalid":
        expected = str(item.get("ctx", {}).get("expected_tags", ""))
        found = item["input"].get("type") if isinstance(item["input"], Mapping) else None
        names = re.findall(r"'([^']*)'", expected)
        hint = suggestion(str(found), names)
        if hint:
            return Message("unknown event type {found}{hint}", found=found, hint=hint)
        return Message(
            "unknown event type {found}; the types are {names}", found=found, names=", ".join(names)
        )
    if item["type"] == "union_tag_not_found":
        return Message("the event has no 'type'")
    if item["type"] == "extra_forbidden":
        # The event's type is the tag pydantic put in the location: its fields are the
        # names a misspelt one was meant to be.
        loc = item["loc"]
        classes = event_classes(vocabulary)
        tag = next((part for part in loc if isinstance(part, str) and part in classes), None)
        known = () if tag is None else (*classes[tag].model_fields, "type")
        hint = suggestion(str(loc[-1]), known) if known else ""
        return Message("unknown field (check its spelling)") + hint
    message = validation_message(item)
    if "input" not in item or item["type"] == "missing":
        # A missing field's "input" is the whole event: the field's path says enough.
        return message
    return Message(
        "{message} (got {value})", message=message, value=mask_identities(plain(item["input"]))
    )
