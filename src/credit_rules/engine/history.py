"""One subject's history, indexed once so that every question about it costs a bisection.

The engine asks the same few questions of a history over and over, as of ever later days: how
many records of a register were valid on a day, which events of a type naming a given id had
happened by then, and on which day after this one the answer can next change. Each is answered
here from sorted arrays built once per subject (and per filter), so an assessment costs
O(log n) in the subject's n events instead of a scan, and a long history stays O(n log n). A
register of a few records (``SCAN_UP_TO``) is counted by looking at each instead: a bounded
scan, cheaper than building the arrays for the few records most subjects have.

Records are built in one pass: when each record entered, the last day it is valid (Civil Code
period from the entry, not counting the entry day), and the day a correction removed it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar, overload

from credit_rules.errors import HistoryError, Problem
from credit_rules.i18n import EventPlace, Message
from credit_rules.model.events import Event
from credit_rules.model.results import Trigger, new_tuple
from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir

_ONE_DAY = dt.timedelta(days=1)
_LAST = dt.date.max

EventTest = Callable[[Event], bool]
_T = TypeVar("_T")


class _once_per_view(Generic[_T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    access; a view is built per subject and read by one thread, and the value is a pure
    function of the view, so two threads computing it at once would store the same)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, view: None, owner: type | None = None) -> _once_per_view[_T]: ...
    @overload
    def __get__(self, view: object, owner: type | None = None) -> _T: ...
    def __get__(self, view: object | None, owner: type | None = None) -> Any:
        if view is None:
            return self
        value = self.compute(view)
        view.__dict__[self.name] = value
        return value


class Record(NamedTuple):
    """One entry in a register, with the days it counts.

    Immutable as a tuple is: a subject's records are made on every evaluation (a population's
    by the hundred thousand), and a tuple is made several times faster than a frozen
    dataclass, whose every field is set through ``object.__setattr__``."""

    register: str
    key: str
    entered: dt.date
    last_valid: dt.date
    removed_from: dt.date | None
    event: Event
    seq: int

    def present_on(self, day: dt.date) -> bool:
        """Entered by ``day`` and not removed by then (expired records are still present)."""
        return self.entered <= day and (self.removed_from is None or day < self.removed_from)

    @property
    def counts_until(self) -> dt.date:
        """The last day the record counts on the day assessed: valid and not yet removed."""
        if self.removed_from is None:
            return self.last_valid
        return min(self.last_valid, self.removed_from - _ONE_DAY)


class Occasion(NamedTuple):
    """An occasion to assess rules: a record entering a register, or an event of a type.

    ``on`` is what rules name in ``for_each`` (a register id or an event type); ``trigger`` is
    the same occasion as results name it, by the event's own type. A tuple, as
    :class:`Record` is, for the same reason.
    """

    on: str
    date: dt.date
    key: str | None
    record: Record | None
    event: Event
    trigger: Trigger


#: Up to how many records a view answers its counts by looking at each record: for a few,
#: that costs less than building the sorted arrays a bisection needs (most subjects have a
#: few records, and are asked one or two questions).
SCAN_UP_TO = 8


class RegisterView:
    """The records of one register that pass one fixed filter, as sorted arrays."""

    def __init__(self, records: Sequence[Record], scan_up_to: int = SCAN_UP_TO) -> None:
        # Records come in entry order from build_records; each array below is built the
        # first time a question needs it, since most subjects are asked one or two.
        # Read only: the caller's list is kept as it is (build_records made it for this view's
        # history), anything else made a list.
        self.records = records if type(records) is list else list(records)
        self.scanned = len(self.records) <= scan_up_to
        self._span: dt.timedelta | None = None
        self._unbounded = False

    @_once_per_view
    def starts(self) -> list[dt.date]:
        return [r.entered for r in self.records]

    @_once_per_view
    def ends(self) -> list[dt.date]:
        return sorted(r.counts_until for r in self.records)

    @_once_per_view
    def last_valid(self) -> list[dt.date]:
        return sorted(r.last_valid for r in self.records)

    @_once_per_view
    def removed_at(self) -> list[int]:
        """Positions (in entry order) of the records a correction removed, for counting the
        removed ones among those valid on a day without looking at all of them."""
        return [i for i, r in enumerate(self.records) if r.removed_from is not None]

    @_once_per_view
    def removals(self) -> list[dt.date]:
        # Unpacked: a named tuple's field read by name costs a lookup on its class.
        found = [removed for _, _, _, _, removed, _, _ in self.records if removed is not None]
        found.sort()
        return found

    @_once_per_view
    def changes(self) -> list[dt.date]:
        points = set(self.starts) | set(self.removals)
        points.update(r.last_valid + _ONE_DAY for r in self.records if r.last_valid < _LAST)
        return sorted(points)

    def count_on(self, day: dt.date) -> int:
        """Records valid on ``day`` and not removed by it."""
        if self.scanned:
            count = 0
            # Each record's fields unpacked at once (a named tuple's field read by name costs
            # a lookup on its class), and its Record.counts_until worked out in place.
            for _, _, entered, last_valid, removed, _, _ in self.records:
                if entered <= day and (
                    day <= last_valid if removed is None else day <= last_valid and day < removed
                ):
                    count += 1
            return count
        return bisect.bisect_right(self.starts, day) - bisect.bisect_left(self.ends, day)

    def latest_on(self, day: dt.date) -> dt.date | None:
        for index in range(bisect.bisect_right(self.starts, day) - 1, -1, -1):
            if self.records[index].counts_until >= day:
                return self.records[index].entered
        return None

    def count_valid_at(self, day: dt.date, known: dt.date) -> int:
        """Records valid on ``day`` that had not been removed by ``known`` (a later day)."""
        if self.scanned:
            count = 0
            # Unpacked: a named tuple's field read by name costs a lookup on its class.
            for _, _, entered, last_valid, removed, _, _ in self.records:
                if entered <= day <= last_valid and (removed is None or removed > known):
                    count += 1
            return count
        entered_by = bisect.bisect_right(self.starts, day)
        valid = entered_by - bisect.bisect_left(self.last_valid, day)
        if not self.removed_at:
            return valid
        # A record valid on ``day`` was entered on or before it and within its validity, so
        # only removed records entered within the longest validity before ``day`` can count.
        low = bisect.bisect_left(self.starts, self._earliest_valid(day))
        gone = 0
        for index in self.removed_at[
            bisect.bisect_left(self.removed_at, low) : bisect.bisect_left(
                self.removed_at, entered_by
            )
        ]:
            record = self.records[index]
            removed = record.removed_from
            if record.last_valid >= day and removed is not None and removed <= known:
                gone += 1
        return valid - gone

    def count_valid_and_next_removal(
        self, day: dt.date, known: dt.date
    ) -> tuple[int, dt.date | None]:
        """:meth:`count_valid_at` of ``day`` as known on ``known``, and the first removal
        after ``known`` (:meth:`next_removal`): a count on a trigger's day and the day it may
        next change, in one look at a few records."""
        if not self.scanned:
            return self.count_valid_at(day, known), self.next_removal(known)
        count = 0
        found: dt.date | None = None
        # Unpacked: a named tuple's field read by name costs a lookup on its class.
        for _, _, entered, last_valid, removed, _, _ in self.records:
            if removed is None or removed > known:
                if entered <= day <= last_valid:
                    count += 1
                if removed is not None and (found is None or removed < found):
                    found = removed
        return count, found

    def _earliest_valid(self, day: dt.date) -> dt.date:
        """The earliest entry day of a record that may still be valid on ``day``."""
        if self._span is None:
            spans = [r.last_valid - r.entered for r in self.records if r.last_valid < _LAST]
            unbounded = len(spans) < len(self.records)
            self._span = None if unbounded else max(spans, default=dt.timedelta(0))
            self._unbounded = unbounded
        if self._unbounded or self._span is None:
            return dt.date.min
        try:
            return day - self._span
        except OverflowError:
            return dt.date.min

    def latest_valid_at(self, day: dt.date, known: dt.date) -> dt.date | None:
        for index in range(bisect.bisect_right(self.starts, day) - 1, -1, -1):
            record = self.records[index]
            if record.last_valid >= day and (
                record.removed_from is None or record.removed_from > known
            ):
                return record.entered
        return None

    def next_change(self, after: dt.date) -> dt.date | None:
        """The first day after ``after`` on which a count on the day assessed may change."""
        index = bisect.bisect_right(self.changes, after)
        return self.changes[index] if index < len(self.changes) else None

    def next_removal(self, after: dt.date) -> dt.date | None:
        if self.scanned:
            # A few records: the earliest removal after ``after`` found by looking at each,
            # without sorting the removals for a bisection (most records have none).
            found: dt.date | None = None
            for _, _, _, _, removed, _, _ in self.records:
                if removed is not None and removed > after and (found is None or removed < found):
                    found = removed
            return found
        index = bisect.bisect_right(self.removals, after)
        return self.removals[index] if index < len(self.removals) else None


class Series:
    """Events in the history's order, with their days alongside for bisection."""

    __slots__ = ("days", "events")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.days: list[dt.date] = []

    def append(self, event: Event) -> None:
        self.events.append(event)
        self.days.append(event.date)

    def known(self, day: dt.date) -> int:
        """How many of the events had happened by ``day``."""
        return bisect.bisect_right(self.days, day)

    def between(self, after: dt.date | None, last: dt.date) -> list[Event]:
        """The events dated after ``after`` (None: from the first) and on or before ``last``."""
        first = 0 if after is None else bisect.bisect_right(self.days, after)
        return self.events[first : bisect.bisect_right(self.days, last)]

    def next_day(self, after: dt.date) -> dt.date | None:
        index = bisect.bisect_right(self.days, after)
        return self.days[index] if index < len(self.days) else None


_EMPTY = Series()


class History:
    """One subject's events in canonical order, with its records and lazily built indexes.

    ``seq`` of an event is its position in ``events``. Indexes are built on first use: most
    subjects are asked only a few of the questions a ruleset can ask. A plain class with
    slots: one is made for every subject walked, and a dataclass's ``__init__`` calls a
    factory for each of the three caches.
    """

    __slots__ = ("_seq", "_series", "_views", "events", "inspected", "kind", "records", "subject")

    def __init__(
        self,
        subject: str,
        kind: str,
        events: Sequence[Event],
        records: Mapping[str, Sequence[Record]],
    ) -> None:
        self.subject = subject
        self.kind = kind
        self.events = events
        self.records = records
        #: How many events and records the questions asked of this history looked at one
        #: by one (after bisection): what the complexity test counts instead of timing.
        self.inspected = 0
        # The places by event and the series are made when first asked (most histories are
        # asked neither: a register's count needs only its view).
        self._seq: dict[int, int] | None = None
        self._views: dict[Hashable, RegisterView] = {}
        self._series: dict[Hashable, Any] | None = None

    def __repr__(self) -> str:
        return f"History(subject={self.subject!r}, kind={self.kind!r}, events={len(self.events)})"

    def seq_of(self, event: Event) -> int:
        seq = self._seq
        if seq is None:
            seq = self._seq = {id(e): index for index, e in enumerate(self.events)}
        return seq[id(event)]

    def register(self, register: str, name: Hashable, keep: EventTest | None) -> RegisterView:
        """The register's records passing ``keep`` (a fixed filter named ``name``)."""
        view = self._views.get((register, name))
        if view is None:
            records = self.records.get(register, ())
            kept = records if keep is None else [r for r in records if keep(r.event)]
            view = self._views[(register, name)] = RegisterView(kept)
        return view

    def series(self, event_type: str, name: Hashable, keep: EventTest | None) -> Series:
        """Events of ``event_type`` passing ``keep``, in the history's order."""
        made = self._series
        if made is None:
            made = self._series = {}
        found: Series | None = made.get((event_type, name, None))
        if found is None:
            found = Series()
            for event in self.events:
                if event.type == event_type and (keep is None or keep(event)):
                    found.append(event)
            made[(event_type, name, None)] = found
        return found

    def keyed(
        self, event_type: str, name: Hashable, keep: EventTest | None, field_name: str
    ) -> Mapping[Any, Series]:
        """Events of ``event_type`` passing ``keep``, by the value of ``field_name``."""
        made = self._series
        if made is None:
            made = self._series = {}
        found = made.get((event_type, name, field_name))
        if found is None:
            found = {}
            for event in self.series(event_type, name, keep).events:
                value = event.__dict__.get(field_name)
                if value is not None:
                    series = found.get(value)
                    if series is None:
                        series = found[value] = Series()
                    series.append(event)
            made[(event_type, name, field_name)] = found
        return found

    def keyed_series(
        self, event_type: str, name: Hashable, keep: EventTest | None, field_name: str, key: Any
    ) -> Series:
        return self.keyed(event_type, name, keep, field_name).get(key, _EMPTY)


def build_records(
    register: ir.Register,
    validity: Period | None,
    events: Sequence[Event],
    positions: Sequence[int],
    removal_where: Callable[[Mapping[str, Any]], Any] | None = None,
    early: frozenset[int] = frozenset(),
    decided_field: str | None = None,
    last_valid_of: Callable[[dt.date], dt.date] | None = None,
    in_entry_order: bool = False,
) -> list[Record]:
    """The register's records for one subject, from its events in canonical order.

    A record id entered twice, or a correction of a record that was never entered (or entered
    only later), contradicts itself; it is reported with the event's place in the caller's
    input (``positions[i]`` for ``events[i]``) rather than guessed. Events at the places in
    ``early`` (before the ruleset came into force, kept for facts only) enter no record, and a
    correction of such a record removes nothing. ``removal_where`` says whether a
    ``removed_by`` event removes its record (the register's removal condition), and
    ``decided_field`` names the field holding the day such an event was decided, if its
    vocabulary has one; ``last_valid_of``, if given, is the validity's last day from an entry
    day, as ``validity`` gives it (a caller's remembered answers). ``in_entry_order`` says
    the events are in canonical order (:meth:`~credit_rules.engine.inputs.FrontDoor.canonical`:
    by day, then type, then the key the vocabulary names, which is the register's key), so
    the entries come by day and then id already and need no sorting.
    """
    if last_valid_of is None:
        last_valid_of = _last_valid_after(validity)
    entered: dict[str, tuple[int, Event]] = {}
    before: set[str] = set()
    removed: dict[str, dt.date] = {}
    problems: list[Problem] = []
    entered_by, key_field = register.entered_by, register.key
    removed_by = register.removed_by_event
    # The corrections' places, noted in the same pass: they are read once all entries are
    # known, and most histories have none.
    corrections: list[int] = []
    # Each record's accepted corrections (decided, effective, place, whether it removes), to
    # find those that come after the record's removal.
    corrected: dict[str, list[tuple[dt.date, dt.date, int, bool]]] = {}
    for index, event in enumerate(events):
        # The model's fields read from its dict, in one look-up through the model's class
        # (each field read by name costs one).
        values = event.__dict__
        event_type = values["type"]
        if event_type == removed_by:
            corrections.append(index)
        if early and index in early:
            if event_type == entered_by:
                before.add(_key(event, key_field))
            continue
        if event_type == entered_by:
            key = values.get(key_field)
            if not isinstance(key, str):
                key = _key(event, key_field)  # raises
            if key in entered:
                problems.append(
                    Problem(
                        Message(
                            "record {key!r} of subject {subject!r} is entered twice (first at "
                            "{first})",
                            key=key,
                            subject=event.subject,
                            first=EventPlace(positions[entered[key][0]]),
                        ),
                        field=f"events[{positions[index]}].{register.key}",
                    )
                )
            else:
                entered[key] = (index, event)
    for index in corrections:
        event = events[index]
        key = _key(event, key_field)
        if key in before and key not in entered:
            continue
        found = entered.get(key)
        decided = event.__dict__.get(decided_field) if decided_field is not None else None
        if (
            found is not None
            and found[1].date <= event.date
            and isinstance(decided, dt.date)
            and decided < found[1].date
        ):
            problems.append(
                Problem(
                    Message(
                        "correction of record {key!r} decided on {decided}, before the record "
                        "was entered on {entered}",
                        key=key,
                        decided=decided,
                        entered=found[1].date,
                    ),
                    field=f"events[{positions[index]}].{decided_field}",
                )
            )
            continue
        if found is None or found[1].date > event.date:
            problems.append(
                Problem(
                    Message(
                        "correction of record {key!r}, which subject {subject!r} has no entry "
                        "for on or before {day}",
                        key=key,
                        subject=event.subject,
                        day=event.date,
                    ),
                    field=f"events[{positions[index]}].{register.key}",
                )
            )
            continue
        removes = removal_where is None or bool(removal_where({"event": event}))
        if removes:
            removed[key] = min(event.date, removed.get(key, event.date))
        day = decided if isinstance(decided, dt.date) else event.date
        corrected.setdefault(key, []).append((day, event.date, index, removes))
    for key, found_corrections in corrected.items():
        if len(found_corrections) > 1:
            problems.extend(_after_removal(key, found_corrections, positions, register.key))
    if problems:
        raise HistoryError(None, problems)
    register_id = register.id
    ordered: Iterable[tuple[str, tuple[int, Event]]] = (
        entered.items() if in_entry_order else sorted(entered.items(), key=_entry_order)
    )
    return [
        # The tuple made directly: a NamedTuple's own __new__ is a Python function, which
        # costs more than the rest of the record (a population's records are a million).
        new_tuple(
            Record,
            (register_id, key, day, last_valid_of(day), removed.get(key), event, index),
        )
        for key, (index, event) in ordered
        for day in (event.date,)
    ]


def _after_removal(
    key: str,
    corrections: list[tuple[dt.date, dt.date, int, bool]],
    positions: Sequence[int],
    key_field: str,
) -> list[Problem]:
    """The corrections of one record decided on or after the day the record was removed
    (the removal decided first: by day of decision, then of effect, then place). A removed
    record is no longer in the register (Lianyungang Art 13 "予以更正"; Ganzhou Art 25: a
    repaired determination), so a second removal or a later amendment has nothing to correct:
    it is refused, never folded into the first."""
    removals = [c for c in corrections if c[3]]
    if not removals:
        return []
    first_day, _, first_index, _ = min(removals)
    return [
        Problem(
            Message(
                "correction of record {key!r} decided on {decided}, when the record had been "
                "removed by {first} decided on {removed}: a removed record has nothing "
                "left to correct",
                key=key,
                decided=day,
                first=EventPlace(positions[first_index]),
                removed=first_day,
            ),
            field=f"events[{positions[index]}].{key_field}",
        )
        for day, _, index, _ in corrections
        if index != first_index and day >= first_day
    ]


def _entry_order(item: tuple[str, tuple[int, Event]]) -> tuple[dt.date, str]:
    """Records in the order they entered, a day's by id."""
    return item[1][1].date, item[0]


def _last_valid_after(validity: Period | None) -> Callable[[dt.date], dt.date]:
    if validity is None:
        return lambda _: _LAST
    return lambda entered: last_day_of_period(entered, validity)


def last_valid_memo(validity: Period | None) -> Callable[[dt.date], dt.date]:
    """The validity's last day from an entry day, remembered for the last few thousand entry
    days asked (a population's records fall on a few thousand days). For one engine's
    registers: a pure function, kept with the engine, never shared between engines."""
    return functools.lru_cache(maxsize=8192)(_last_valid_after(validity))


def _key(event: Event, field_name: str) -> str:
    key = event.__dict__.get(field_name)
    if not isinstance(key, str):
        raise HistoryError(
            None,
            [
                Problem(
                    Message(
                        "a {type} event needs a {field!r} id", type=event.type, field=field_name
                    )
                )
            ],
        )
    return key
