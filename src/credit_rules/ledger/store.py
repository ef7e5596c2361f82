"""What the ledger holds: subjects and their events, append-only, with what it derived.

Events are never edited or deleted. A correction is itself an event (Lianyungang Art 13,
Ganzhou Art 20), so the history stays auditable and every earlier answer can be given again
(see :mod:`credit_rules.ledger.timeline`). What the ledger derives from a subject's events (its
measures' intervals, the actions owed) is a cache, replaced whole when an event is recorded.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from credit_rules._masking import mask_text
from credit_rules.ledger.agenda import CachedAction
from credit_rules.ledger.codec import minimal_json, subject_json
from credit_rules.ledger.timeline import Interval
from credit_rules.model.events import Event
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.model.vocabularies import events_from_json


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One recorded event: its place in the ledger (``seq``, from 1, in recording order) and the
    day the ledger learned of it (``recorded_at``, transaction time; ``event.date`` is valid
    time). A plain slotted dataclass: one is made for every event recorded."""

    seq: int
    recorded_at: dt.date
    event: Event

    def __repr__(self) -> str:
        return mask_text(
            f"LedgerEntry(seq={self.seq}, recorded_at={self.recorded_at.isoformat()}, "
            f"event={self.event!r})"
        )


T = TypeVar("T")


class Answer(tuple[T, ...]):
    """A tuple answer (an agenda, a list of subjects, a history) that also says which history
    it reflects: ``seq``, the ledger's last event when it was given. It compares as the tuple
    it is, so code that ignores ``seq`` is unaffected."""

    seq: int

    def __new__(cls, items: Iterable[T], seq: int) -> Answer[T]:
        made = super().__new__(cls, items)
        made.seq = seq
        return made

    def __repr__(self) -> str:
        return mask_text(f"Answer({tuple.__repr__(self)}, seq={self.seq})")


class Codec:
    """Turns what a :class:`SubjectState` keeps (text) back into models, on demand.

    One per ledger, shared by its states: a state keeps its events as the JSON rows the journal
    holds and its subject as a kind (or a JSON row), not as pydantic models. A model costs
    about 1 KB and is tracked by the garbage collector; a row costs a fifth of that and is not,
    so a million-subject ledger fits in a few hundred megabytes and a full collection has
    next to nothing to walk (docs/decisions/0017). Models are made again when an evaluation or
    an answer needs them: a few microseconds per event, against the engine's milliseconds.
    """

    __slots__ = ("_kinds", "_last", "_vocabulary")

    def __init__(self, vocabulary: str) -> None:
        self._vocabulary = vocabulary
        self._kinds: dict[str, str] = {}
        # The rows last made into models, and the models: recording one event reads its
        # subject's history several times (references, the plan, the outbox), each time the
        # same tuple of rows. Held here, the tuple cannot be freed and its id reused.
        self._last: tuple[tuple[str, ...], tuple[Event, ...]] = ((), ())

    def source(self, subject: Subject) -> str:
        """What a state keeps of ``subject``: its kind alone when it has no other field (one
        shared string for a million persons), else its JSON row."""
        if subject.model_fields_set <= {"id", "kind"} or subject_json(subject) == minimal_json(
            subject.id, subject.kind
        ):
            return self.kind(subject.kind)
        return subject_json(subject)

    def kind(self, kind: str) -> str:
        return self._kinds.setdefault(kind, kind)

    def subject(self, subject_id: str, source: str) -> Subject:
        if source.startswith("{"):
            raw: dict[str, Any] = json.loads(source)
        else:
            raw = {"id": subject_id, "kind": source}
        model = SUBJECT_CLASSES.get(str(raw.get("kind")), Subject)
        return model.model_validate(raw)

    def bare(self, subject_id: str, source: str) -> Subject | dict[str, str]:
        """What the engine reads of a subject, its id and kind: for a subject with no other
        field (most of them), the two in a dict, which the engine's front door checks without
        building the model (as it does a service's dicts); a model costs a tenth of the rest
        of a ledger's evaluation of one subject. Else the model, which carries the fields."""
        if source.startswith("{"):
            return self.subject(subject_id, source)
        return {"id": subject_id, "kind": source}

    def events(self, bodies: Sequence[str]) -> list[Event]:
        """The models of ``bodies`` (a new list each call; the models are frozen)."""
        if not bodies:
            return []
        last = self._last  # one read: another thread may replace it meanwhile
        if last[0] is bodies:
            return list(last[1])
        events = events_from_json(self._vocabulary, "[" + ",".join(bodies) + "]")
        if type(bodies) is tuple:
            self._last = (bodies, tuple(events))
        return events

    def appended(self, before: tuple[str, ...], after: tuple[str, ...], event: Event) -> None:
        """``after`` is ``before`` and the row of ``event``, just recorded. If the models of
        ``before`` are the last made (the plan read them), those of ``after`` are they and
        ``event``: the outbox reads the history next, and need not decode it all again."""
        last = self._last
        if not before:
            self._last = (after, (event,))
        elif last[0] is before:
            self._last = (after, (*last[1], event))


_NONE: tuple[()] = ()
_NOTHING: frozenset[str] = frozenset()
_INT64 = struct.Struct("=q")


class SubjectState(msgspec.Struct, eq=False, gc=False):
    """One subject, its events in recording order, and the cache derived from them.

    Compact on purpose (see :class:`Codec`): the events are kept as a tuple of their JSON rows,
    their seqs and recording days (as ordinals) as packed 64-bit integers in ``bytes``, none of
    which the garbage collector tracks (an ``array`` it would). ``events`` and ``subject``
    make models on each call.

    The state itself is not tracked either (``gc=False``, as results are, decision 23): each
    subject that gets its first event while a ledger serves would otherwise add one object to
    every later full collection, which walked 300,000 of them in over 100 ms. A state can
    never be part of a reference cycle: it holds text, bytes, dates, tuples and frozensets of
    them, and the ledger's codec, which refers to no state. ``eq=False``: two states are the
    same state only if they are one object, as before.
    """

    id: str
    source: str
    _codec: Codec
    # Shared empty values until the first event.
    bodies: tuple[str, ...] = _NONE
    _seqs: bytes = b""
    _ordinals: bytes = b""  # recorded_at, as date ordinals
    #: The latest valid-time date among the events (None without events).
    latest: dt.date | None = None
    #: Measures from the evaluation as of ``horizon``; exact for every day up to it.
    timeline: tuple[Interval, ...] = ()
    actions: tuple[CachedAction, ...] = ()
    horizon: dt.date | None = None
    #: What applies on the ledger's today.
    outcomes: frozenset[str] = _NOTHING
    #: The next day on which ``outcomes`` may change (None: never, as far as is known).
    wake: dt.date | None = None

    def __repr__(self) -> str:
        return mask_text(f"SubjectState(id={self.id!r}, events={len(self.bodies)})")

    @property
    def subject(self) -> Subject:
        return self._codec.subject(self.id, self.source)

    @property
    def bare(self) -> Subject | dict[str, str]:
        """The subject as the engine is given it (:meth:`Codec.bare`)."""
        return self._codec.bare(self.id, self.source)

    @property
    def events(self) -> list[Event]:
        return self._codec.events(self.bodies)

    @property
    def seqs(self) -> Sequence[int]:
        return memoryview(self._seqs).cast("q")

    @property
    def ordinals(self) -> Sequence[int]:
        return memoryview(self._ordinals).cast("q")

    @property
    def recorded(self) -> list[dt.date]:
        return [dt.date.fromordinal(o) for o in self.ordinals]

    def append(self, seq: int, recorded_at: int, body: str, date: dt.date) -> None:
        """Add an event: its seq, recording day (an ordinal), JSON row and valid-time date."""
        self.bodies = (*self.bodies, body)
        self._seqs += _INT64.pack(seq)
        self._ordinals += _INT64.pack(recorded_at)
        if self.latest is None or date > self.latest:
            self.latest = date

    def extend(
        self, seqs: Sequence[int], recorded: Sequence[int], bodies: Sequence[str], latest: dt.date
    ) -> None:
        """:meth:`append` of several events at once; ``latest`` is the latest of their dates."""
        self.bodies = (*self.bodies, *bodies)
        self._seqs += struct.pack(f"={len(seqs)}q", *seqs)
        self._ordinals += struct.pack(f"={len(recorded)}q", *recorded)
        if self.latest is None or latest > self.latest:
            self.latest = latest

    def known(self, known_at: dt.date | None) -> int:
        """How many of the events (in recording order) were recorded by ``known_at``."""
        if known_at is None:
            return len(self.bodies)
        return bisect.bisect_right(self.ordinals, known_at.toordinal())

    def entries(self, count: int | None = None) -> tuple[LedgerEntry, ...]:
        end = len(self.bodies) if count is None else count
        events = self._codec.events(self.bodies[:end])
        seqs, ordinals = self.seqs, self.ordinals
        return tuple(
            LedgerEntry(seqs[i], dt.date.fromordinal(ordinals[i]), event)
            for i, event in enumerate(events)
        )

    def entry(self, seq: int) -> LedgerEntry:
        index = bisect.bisect_left(self.seqs, seq)
        (event,) = self._codec.events(self.bodies[index : index + 1])
        return LedgerEntry(seq, dt.date.fromordinal(self.ordinals[index]), event)
