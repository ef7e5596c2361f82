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
from typing import Any, NamedTuple, Protocol, TypeVar, get_args

from credit_rules.i18n import Message
from credit_rules.model._base import Event


class Extension(Protocol):
    """A layer's knowledge of one regulation: whatever else it holds, it names its vocabulary."""

    @property
    def vocabulary(self) -> str: ...


class Agreement(NamedTuple):
    """An event type's first reference (``field`` naming an id that ``source`` introduced),
    and the fields it must repeat from that event where it sets them."""

    field: str
    source: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RegulationPack:
    """One regulation as the vocabulary layer knows it: its vocabulary id and the discriminated
    union of its event models, and, read off those models once, the tables the layers above
    ask (see :class:`~credit_rules.model._base.Event`): for each event type, the field naming
    what it concerns (``key_fields``), the field holding its decision day where that differs
    from the day it takes effect (``decision_day_fields``), the field grading it
    (``severity_fields``) and the field classifying it (``category_fields``); and the types
    whose key names one event only, with that key's field (``one_per_key_fields``): an
    evaluation, an objection, an application is published, filed, made once. ``references``
    holds, by (event type, field), the type that must have introduced the id the field names
    (``Event.refers_to``) by the day in the field ``reference_days`` gives by referring type
    (``Event.refers_by``), and ``agreements``, by event type, its first reference with the
    fields that must repeat what the referred event says (``Event.agrees_with``).
    """

    vocabulary: str
    events: Any
    key_fields: Mapping[str, str] = field(init=False)
    decision_day_fields: Mapping[str, str] = field(init=False)
    severity_fields: Mapping[str, str] = field(init=False)
    category_fields: Mapping[str, str] = field(init=False)
    one_per_key_fields: Mapping[str, str] = field(init=False)
    references: Mapping[tuple[str, str], str] = field(init=False)
    agreements: Mapping[str, Agreement] = field(init=False)
    reference_days: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        classes = self.event_classes()
        for table in _TABLES:
            found: dict[str, str] = {}
            for event_type, cls in classes.items():
                name = getattr(cls, table)
                if name is None:
                    continue
                self._check_field(cls.__name__, table, name, cls, event_type)
                found[event_type] = name
            object.__setattr__(self, f"{table}s", types.MappingProxyType(found))
        once: dict[str, str] = {}
        for event_type, cls in classes.items():
            if not cls.one_per_key:
                continue
            if cls.key_field is None:
                raise ValueError(
                    Message(
                        "{vocabulary}: {name} is one per key but names no key_field",
                        vocabulary=self.vocabulary,
                        name=cls.__name__,
                    )
                )
            once[event_type] = cls.key_field
        object.__setattr__(self, "one_per_key_fields", types.MappingProxyType(once))
        references: dict[tuple[str, str], str] = {}
        agreements: dict[str, Agreement] = {}
        days: dict[str, str] = {}
        for event_type, cls in classes.items():
            if cls.refers_to:
                self._check_field(cls.__name__, "refers_by", cls.refers_by, cls, event_type)
                days[event_type] = cls.refers_by
            for name, source in cls.refers_to:
                self._check_field(cls.__name__, "refers_to", name, cls, event_type)
                if source not in classes:
                    raise ValueError(
                        Message(
                            "{vocabulary}: {name}.refers_to names event type {source!r}, which "
                            "the vocabulary does not have",
                            vocabulary=self.vocabulary,
                            name=cls.__name__,
                            source=source,
                        )
                    )
                self._check_field(cls.__name__, "refers_to", name, classes[source], source)
                references[event_type, name] = source
            if cls.agrees_with:
                if not cls.refers_to:
                    raise ValueError(
                        Message(
                            "{vocabulary}: {name}.agrees_with needs a reference (refers_to)",
                            vocabulary=self.vocabulary,
                            name=cls.__name__,
                        )
                    )
                name, source = cls.refers_to[0]
                for agreeing in cls.agrees_with:
                    for checked, checked_type in ((cls, event_type), (classes[source], source)):
                        self._check_field(
                            cls.__name__, "agrees_with", agreeing, checked, checked_type
                        )
                agreements[event_type] = Agreement(name, source, cls.agrees_with)
        object.__setattr__(self, "references", types.MappingProxyType(references))
        object.__setattr__(self, "agreements", types.MappingProxyType(agreements))
        object.__setattr__(self, "reference_days", types.MappingProxyType(days))

    def _check_field(
        self, owner: str, table: str, name: str, cls: type[Event], event_type: str
    ) -> None:
        """Refuse a table of class ``owner`` naming ``name`` unless ``event_type`` has it."""
        if name not in cls.model_fields:
            raise ValueError(
                Message(
                    "{vocabulary}: {name}.{table} names {name2!r}, which is not a field of "
                    "{event_type}",
                    vocabulary=self.vocabulary,
                    name=owner,
                    table=table,
                    name2=name,
                    event_type=event_type,
                )
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


#: The class variables of an event that name one of its fields, each a table of the pack.
_TABLES = ("key_field", "decision_day_field", "severity_field", "category_field")

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
            raise ValueError(
                Message(
                    "{layer}: the vocabulary {vocabulary!r} is registered twice",
                    layer=layer,
                    vocabulary=pack.vocabulary,
                )
            )
        if allowed is not None and pack.vocabulary not in allowed:
            raise ValueError(
                Message(
                    "{layer}: no regulation pack for the vocabulary {vocabulary!r}",
                    layer=layer,
                    vocabulary=pack.vocabulary,
                )
            )
        found[pack.vocabulary] = pack
    return types.MappingProxyType(found)
