"""Events: what happened to a subject, and when it took effect.

Each ruleset names the vocabulary of events it understands. An event list is parsed as a
discriminated union on ``type``, so a typo in a type or a field is rejected with the event's
index and field rather than silently ignored.

This module is the import path for events: the base class, bulk parsing and the vocabularies
(from :mod:`credit_rules.model.vocabularies`), and Lianyungang's event classes, which services
have always imported from here. Each regulation's events live in a module of their own
(:mod:`credit_rules.model.lianyungang`, :mod:`credit_rules.model.ganzhou`) on top of the base in
:mod:`credit_rules.model._base`, so the registry can import them all and this module can import
the registry without a cycle.
"""

from __future__ import annotations

from credit_rules.model._base import Event
from credit_rules.model.lianyungang import (
    CorrectionAction,
    DishonestyCategory,
    DishonestyCollected,
    DishonestyDetermined,
    DishonestyEntered,
    DishonestyVerified,
    LianyungangEvent,
    ObjectionDismissed,
    ObjectionFiled,
    ObjectionGround,
    QueryRequested,
    RecordCorrected,
)
from credit_rules.model.vocabularies import event_types, parse_events, raw_events, vocabularies

__all__ = [
    "CorrectionAction",
    "DishonestyCategory",
    "DishonestyCollected",
    "DishonestyDetermined",
    "DishonestyEntered",
    "DishonestyVerified",
    "Event",
    "LianyungangEvent",
    "ObjectionDismissed",
    "ObjectionFiled",
    "ObjectionGround",
    "QueryRequested",
    "RecordCorrected",
    "event_types",
    "parse_events",
    "raw_events",
    "vocabularies",
]
