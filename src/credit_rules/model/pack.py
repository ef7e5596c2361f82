"""What the vocabulary layer knows about one regulation, and how every layer registers its own.

Everything the Python code knows about one regulation lives in one module per regulation and
layer: its events and key fields here (:mod:`credit_rules.model.lianyungang`,
:mod:`credit_rules.model.ganzhou`); how the ledger sees a duty discharged, how explain draws a
population and how testing draws histories in the same-named modules of
``credit_rules.<layer>.regulations``. Each layer registers its modules once, against the
vocabulary id a ruleset names, and reads regulation knowledge only through that registry, so the
engine and the views above it name no event type or field (docs/decisions/0014).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, get_args

from credit_rules.model._base import Event


class Extension(Protocol):
    """A layer's knowledge of one regulation: whatever else it holds, it names its vocabulary."""

    @property
    def vocabulary(self) -> str: ...


@dataclass(frozen=True)
class RegulationPack:
    """One regulation as the vocabulary layer knows it.

    ``events`` is the discriminated union of its event models. ``key_fields``: for each event
    type, the field naming what it concerns (a record, an objection), which is the key of its
    trigger in results. ``decision_day_fields``: event types decided on a day other than the one
    they take effect, and the field holding that day; such an event does not exist before it is
    decided. ``severity_fields``: event types graded by an ordered enum, and that field, so a
    check can ask "what if it were graver" without naming a field. ``category_fields``: event
    types that classify what they concern (a record's kind of dishonesty), and that field.
    """

    vocabulary: str
    events: Any
    key_fields: Mapping[str, str]
    decision_day_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    severity_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    category_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        known = self.event_classes()
        for name, table in (
            ("key_fields", self.key_fields),
            ("decision_day_fields", self.decision_day_fields),
            ("severity_fields", self.severity_fields),
            ("category_fields", self.category_fields),
        ):
            for event_type, field_name in table.items():
                cls = known.get(event_type)
                if cls is None or field_name not in cls.model_fields:
                    raise ValueError(
                        f"{self.vocabulary}: {name} names {event_type}.{field_name}, "
                        "which is not a field of an event of this vocabulary"
                    )

    def event_classes(self) -> Mapping[str, type[Event]]:
        """Each event type and the model class that validates it, read off the union."""
        union = get_args(self.events)[0]
        classes: dict[str, type[Event]] = {}
        for cls in get_args(union):
            tag = get_args(cls.model_fields["type"].annotation)[0]
            classes[tag] = cls
        return types.MappingProxyType(classes)

    def words(self) -> frozenset[str]:
        """Every event type and field name of the regulation, besides the fields every event
        has (``type``, ``subject``, ``date``): the words code outside the pack must not spell."""
        found: set[str] = set()
        for event_type, cls in self.event_classes().items():
            found.add(event_type)
            found.update(name for name in cls.model_fields if name not in Event.model_fields)
        return frozenset(found)


_EMPTY: Mapping[str, str] = types.MappingProxyType({})

_E = TypeVar("_E", bound=Extension)


def register(
    layer: str, packs: Iterable[_E], known: Iterable[str] | None = None
) -> Mapping[str, _E]:
    """The one registry of a layer: its packs by vocabulary id, each id once and, above the
    vocabulary layer, each one a vocabulary the model knows (``known``)."""
    found: dict[str, _E] = {}
    allowed = None if known is None else frozenset(known)
    for pack in packs:
        if pack.vocabulary in found:
            raise ValueError(f"{layer}: the vocabulary {pack.vocabulary!r} is registered twice")
        if allowed is not None and pack.vocabulary not in allowed:
            raise ValueError(f"{layer}: no regulation pack for the vocabulary {pack.vocabulary!r}")
        found[pack.vocabulary] = pack
    return types.MappingProxyType(found)
