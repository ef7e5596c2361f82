"""A subject's history, reduced once to what the rules need: records and triggers.

Records are built in a single pass over the subject's events: when each record entered, the
last day it is valid (Civil Code period from the entry, not counting the entry day), and the
day a correction removed it. Events after ``as_of`` are never looked at, so a result depends
only on what had happened by then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from credit_rules.errors import HistoryError, Problem
from credit_rules.model.events import Event
from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir


@dataclass(frozen=True, slots=True)
class Record:
    """One entry in a register, with the days it counts."""

    register: str
    key: str
    entered: dt.date
    last_valid: dt.date
    removed_from: dt.date | None
    event: Event

    def present_on(self, day: dt.date) -> bool:
        """Entered by ``day`` and not removed by then (expired records are still present)."""
        return self.entered <= day and (self.removed_from is None or day < self.removed_from)

    def valid_on(self, day: dt.date) -> bool:
        return self.entered <= day <= self.last_valid


@dataclass(frozen=True, slots=True)
class Trigger:
    """An occasion to assess rules: a record entering a register, or an event of a type."""

    on: str
    date: dt.date
    key: str
    record: Record | None
    event: Event


def build_records(
    register: ir.Register,
    validity: Period | None,
    events: Sequence[tuple[int, Event]],
    removal_where: Callable[[Mapping[str, Any]], Any] | None = None,
) -> list[Record]:
    """The register's records for one subject, from that subject's (index, event) pairs.

    A record id entered twice, or a correction of a record that was never entered (or entered
    only later), contradicts itself; it is reported with the event's index rather than guessed.
    """
    entered: dict[str, tuple[int, Event]] = {}
    removed: dict[str, dt.date] = {}
    problems: list[Problem] = []
    for index, event in events:
        if event.type == register.entered_by:
            key = _key(event, register.key)
            if key in entered:
                first = entered[key][0]
                problems.append(
                    Problem(
                        f"record {key!r} of subject {event.subject!r} is entered twice "
                        f"(first at events[{first}])",
                        field=f"events[{index}].record",
                    )
                )
            else:
                entered[key] = (index, event)
    for index, event in events:
        if event.type != register.removed_by_event:
            continue
        key = _key(event, register.key)
        decided = getattr(event, "decided_on", None)
        if (
            key in entered
            and entered[key][1].date <= event.date
            and isinstance(decided, dt.date)
            and decided < entered[key][1].date
        ):
            problems.append(
                Problem(
                    f"correction of record {key!r} decided on {decided.isoformat()}, before the "
                    f"record was entered on {entered[key][1].date.isoformat()}",
                    field=f"events[{index}].decided_on",
                )
            )
            continue
        if key not in entered or entered[key][1].date > event.date:
            problems.append(
                Problem(
                    f"correction of record {key!r}, which subject {event.subject!r} has no "
                    f"entry for on or before {event.date.isoformat()}",
                    field=f"events[{index}].record",
                )
            )
            continue
        action_matches = (
            register.removed_by_action is None
            or getattr(event, "action", None) == register.removed_by_action
        )
        if action_matches and (removal_where is None or removal_where({"event": event})):
            removed[key] = min(event.date, removed.get(key, event.date))
    if problems:
        raise HistoryError(None, problems)
    return [
        Record(
            register=register.id,
            key=key,
            entered=event.date,
            last_valid=dt.date.max
            if validity is None
            else last_day_of_period(event.date, validity),
            removed_from=removed.get(key),
            event=event,
        )
        for key, (_, event) in sorted(entered.items(), key=lambda kv: (kv[1][1].date, kv[0]))
    ]


def _key(event: Event, field: str) -> str:
    key = getattr(event, field, None)
    if not isinstance(key, str):
        raise HistoryError(None, [Problem(f"a {event.type} event needs a {field!r} id")])
    return key
