"""Dangling references between procedural events, found in the input as the front door reads it.

A Ganzhou ``objection_decided`` decides an objection that was filed (Art 20), a
``repair_decided`` an application that was made (Art 25); a Lianyungang
``objection_dismissed`` answers an objection (Art 13). The rules read such an event through
the id it names, so one naming an id that no event introduced, or introduced only later,
would be evaluated as if it were whole: it would silently decide nothing, or count a repair
against a record its application never named. The history is refused instead, as a record
corrected before it was entered is (:class:`~credit_rules.errors.HistoryError`).

Which field refers to which event type is data in the regulation's model pack
(``Event.refers_to`` and ``Event.agrees_with``, read into
:attr:`credit_rules.model.pack.RegulationPack.references`); the ledger refuses the same
events on entry, in the order they are recorded (:mod:`credit_rules.ledger.references`).
The columnar input checks the same in bulk (:mod:`credit_rules.columnar.known`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from typing import Any

from credit_rules.errors import Problem
from credit_rules.i18n import EventPlace, Message
from credit_rules.model.events import Event
from credit_rules.model.pack import Agreement, RegulationPack

#: (subject, introducing type, field, id) -> the place of the first event introducing it.
Introduced = dict[tuple[str, str, str, Any], int]
#: (event type, field) -> the event type that gives the id the field names.
References = Mapping[tuple[str, str], str]


def introduced(events: Iterable[Event], references: References) -> set[tuple[str, str]]:
    """The (event type, id) pairs ``events`` give, for the types ``references`` refers to,
    whatever their days: what a ledger has on record, or a history keeps."""
    sources = {(source, name) for (_, name), source in references.items()}
    found: set[tuple[str, str]] = set()
    for event in events:
        for source, name in sources:
            if event.type == source:
                value = getattr(event, name, None)
                if isinstance(value, str):
                    found.add((source, value))
    return found


def unknown_names(
    event: Event, references: References, known: Container[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """The (field, id) pairs ``event`` names that ``known`` (from :func:`introduced`) lacks."""
    for (event_type, name), source in references.items():
        if event.type != event_type:
            continue
        value = getattr(event, name, None)
        if isinstance(value, str) and (source, value) not in known:
            yield name, value


def dangling(
    events: Sequence[Event], places: Iterable[int], links: RegulationPack
) -> list[Problem]:
    """The problems of the events at ``places`` (those of a type that refers to or introduces
    an id) that name an id no event of the same subject introduced on or before their day
    (or the day ``links.reference_days`` names), or that contradict the event they name
    (``links.agreements``). Every event given is read, whatever the day it is evaluated on:
    a reference is right or wrong in the input itself."""
    places = list(places)
    references, agreements = links.references, links.agreements
    sources = {(source, name) for (_, name), source in references.items()}
    first: Introduced = {}
    for index in places:
        event = events[index]
        for source, name in sources:
            if event.type != source:
                continue
            value = event.__dict__.get(name)
            if value is None:
                continue
            key = (event.subject, source, name, value)
            earlier = first.get(key)
            if earlier is None or events[earlier].date > event.date:
                first[key] = index
    problems: list[Problem] = []
    for index in places:
        event = events[index]
        for (event_type, name), source in references.items():
            if event.type == event_type:
                by = event.__dict__[links.reference_days[event_type]]
                problems.extend(_unknown(events, index, name, source, by, first))
        agreement = agreements.get(event.type)
        if agreement is not None:
            by = event.__dict__[links.reference_days[event.type]]
            problems.extend(_disagreeing(events, index, agreement, by, first))
    return problems


def _unknown(
    events: Sequence[Event], index: int, name: str, source: str, by: dt.date, first: Introduced
) -> list[Problem]:
    event = events[index]
    value = event.__dict__.get(name)
    if value is None:
        return []
    found = first.get((event.subject, source, name, value))
    if found is not None and events[found].date <= by:
        return []
    return [
        Problem(
            Message(
                "{index} names {field} {value!r}, which no {source} of subject {subject!r} "
                "gave on or before {day}",
                index=EventPlace(index),
                field=name,
                value=value,
                source=source,
                subject=event.subject,
                day=by,
            ),
            field=f"events[{index}].{name}",
        )
    ]


def _disagreeing(
    events: Sequence[Event], index: int, agreement: Agreement, by: dt.date, first: Introduced
) -> list[Problem]:
    event = events[index]
    value = event.__dict__.get(agreement.field)
    found = first.get((event.subject, agreement.source, agreement.field, value))
    if found is None or events[found].date > by:
        return []  # the reference itself is refused
    problems = []
    for name in agreement.fields:
        mine = event.__dict__.get(name)
        theirs = events[found].__dict__.get(name)
        if mine is None or mine == theirs:
            continue
        problems.append(
            Problem(
                Message(
                    "{index} names {field} {mine!r}, but the {source} it names ({first}) gives "
                    "{theirs}",
                    index=EventPlace(index),
                    field=name,
                    mine=mine,
                    source=agreement.source,
                    first=EventPlace(found),
                    theirs=_given(name, theirs),
                ),
                field=f"events[{index}].{name}",
            )
        )
    return problems


def _given(name: str, value: object) -> Message:
    if value is None:
        return Message("no {field}", field=name)
    return Message("{field} {value!r}", field=name, value=value)
