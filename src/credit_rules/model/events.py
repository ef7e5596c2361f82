"""Events: what happened to a subject, and when it took effect.

Each ruleset names the vocabulary of events it understands. An event list is parsed as a
discriminated union on ``type``, so a typo in a type or a field is rejected with the event's
index and field rather than silently ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from credit_rules.errors import Problem, ScenarioError
from credit_rules.model._base import Frozen


class Event(Frozen):
    """What every event has: the subject it concerns and the day it takes effect."""

    type: str
    subject: str = Field(min_length=1)
    date: dt.date


class DishonestyCategory(StrEnum):
    """Lianyungang Art 7, items (一)–(五)."""

    lend_certificate = "lend_certificate"
    use_others_certificate = "use_others_certificate"
    forge_documents = "forge_documents"
    resell_drugs = "resell_drugs"
    other_violation = "other_violation"


class ObjectionGround(StrEnum):
    """Lianyungang Art 13: 不准确、不完整、不相关或者已经过时."""

    inaccurate = "inaccurate"
    incomplete = "incomplete"
    irrelevant = "irrelevant"
    outdated = "outdated"


class CorrectionAction(StrEnum):
    """Lianyungang Art 13 更正: a record is either taken out or amended in place."""

    removed = "removed"
    amended = "amended"


class _RecordStage(Event):
    """One step of the Art 8 procedure for one dishonesty record."""

    record: str = Field(min_length=1)
    category: DishonestyCategory


class DishonestyCollected(_RecordStage):
    """Art 8(一) 失信信息采集; ``source`` is the Art 6 origin of the information."""

    type: Literal["dishonesty_collected"] = "dishonesty_collected"
    source: str | None = None


class DishonestyVerified(_RecordStage):
    """Art 8(二) 失信信息核实."""

    type: Literal["dishonesty_verified"] = "dishonesty_verified"


class DishonestyDetermined(_RecordStage):
    """Art 8(三) 失信信息认定."""

    type: Literal["dishonesty_determined"] = "dishonesty_determined"


class DishonestyEntered(_RecordStage):
    """Art 8(四) 失信信息录入: the only stage after which a record counts."""

    type: Literal["dishonesty_entered"] = "dishonesty_entered"


class ObjectionFiled(Event):
    """Art 13: the subject disputes a record on one of four grounds."""

    type: Literal["objection_filed"] = "objection_filed"
    record: str = Field(min_length=1)
    ground: ObjectionGround


class RecordCorrected(Event):
    """Art 13: the agency's correction after verifying an objection. ``date`` is the day the
    correction takes effect; a record void from the start is removed on its entry date."""

    type: Literal["record_corrected"] = "record_corrected"
    record: str = Field(min_length=1)
    action: CorrectionAction
    category: DishonestyCategory | None = None


class QueryRequested(Event):
    """Art 12: the subject asks for their own record."""

    type: Literal["query_requested"] = "query_requested"


LianyungangEvent = Annotated[
    DishonestyCollected
    | DishonestyVerified
    | DishonestyDetermined
    | DishonestyEntered
    | ObjectionFiled
    | RecordCorrected
    | QueryRequested,
    Field(discriminator="type"),
]

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "lianyungang-2007": TypeAdapter(list[LianyungangEvent]),
}


def vocabularies() -> tuple[str, ...]:
    """The event vocabularies a ruleset may name."""
    return tuple(sorted(_ADAPTERS))


def event_types(vocabulary: str) -> frozenset[str]:
    """The ``type`` values a vocabulary accepts."""
    schema = _ADAPTERS[vocabulary].json_schema()
    mapping = schema["items"]["discriminator"]["mapping"]
    return frozenset(mapping)


def parse_events(
    vocabulary: str,
    raw: Sequence[Mapping[str, Any]] | Iterable[Any],
    *,
    source: str | None = None,
    lines: Mapping[int, int] | None = None,
) -> list[Event]:
    """Validate a whole list of raw events at once (one pydantic call, not one per event).

    Every problem is reported with the event's index, its field and the reason; ``lines`` maps an
    event's index to the line it starts on when the list came from a file.
    """
    adapter = _ADAPTERS[vocabulary]
    try:
        parsed: list[Event] = adapter.validate_python(list(raw))
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = item["loc"]
            index = loc[0] if loc and isinstance(loc[0], int) else None
            rest = [str(part) for part in loc[1:] if not _is_union_tag(part)]
            field = f"events[{index}]" + "".join(f".{part}" for part in rest)
            line = lines.get(index) if (lines is not None and index is not None) else None
            problems.append(Problem(_plain(item), field=field, line=line))
        raise ScenarioError(source, problems) from None
    return parsed


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator's value into the location
    # ("events.0.dishonesty_entered.date"); analysts think of the field path only.
    return isinstance(part, str) and part in _ALL_TYPES


def _plain(item: Mapping[str, Any]) -> str:
    message = str(item["msg"])
    if item["type"] == "union_tag_invalid":
        expected = item.get("ctx", {}).get("expected_tags", "")
        return f"unknown event type {item['input'].get('type')!r}; expected one of {expected}"
    if item["type"] == "union_tag_not_found":
        return "the event has no 'type'"
    if item["type"] == "extra_forbidden":
        return "unknown field (check its spelling)"
    return f"{message} (got {item['input']!r})" if "input" in item else message


_ALL_TYPES = frozenset().union(*(event_types(name) for name in _ADAPTERS))
