"""What the ledger holds: subjects and their events, append-only, with what it derived.

Events are never edited or deleted. A correction is itself an event (Lianyungang Art 13,
Ganzhou Art 20), so the history stays auditable and every earlier answer can be given again
(see :mod:`credit_rules.ledger.timeline`). What the ledger derives from a subject's events (its
measures' intervals, the actions owed) is a cache, replaced whole when an event is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from credit_rules._masking import mask_text
from credit_rules.ledger.agenda import CachedAction
from credit_rules.ledger.timeline import Interval
from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject


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


class SubjectState:
    """One subject, its events in recording order, and the cache derived from them.

    Events are kept in three parallel lists rather than one object each: a ledger of a million
    events would otherwise spend more memory on wrappers than on the events.
    """

    __slots__ = (
        "actions",
        "events",
        "horizon",
        "latest",
        "outcomes",
        "recorded",
        "seqs",
        "subject",
        "timeline",
        "wake",
    )

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        # Shared empty tuples until the first event: most of a bureau's subjects have none,
        # and three empty lists each would cost a million-subject ledger about 170 MB.
        self.events: Sequence[Event] = ()
        self.recorded: Sequence[dt.date] = ()
        self.seqs: Sequence[int] = ()
        #: The latest valid-time date among the events (None without events).
        self.latest: dt.date | None = None
        #: Measures from the evaluation as of ``horizon``; exact for every day up to it.
        self.timeline: tuple[Interval, ...] = ()
        self.actions: tuple[CachedAction, ...] = ()
        self.horizon: dt.date | None = None
        #: What applies on the ledger's today.
        self.outcomes: frozenset[str] = frozenset()
        #: The next day on which ``outcomes`` may change (None: never, as far as is known).
        self.wake: dt.date | None = None

    def append(self, seq: int, recorded_at: dt.date, event: Event) -> None:
        if not isinstance(self.events, list):
            self.events, self.recorded, self.seqs = [], [], []
        assert isinstance(self.recorded, list) and isinstance(self.seqs, list)
        self.events.append(event)
        self.recorded.append(recorded_at)
        self.seqs.append(seq)
        if self.latest is None or event.date > self.latest:
            self.latest = event.date

    def entries(self, count: int | None = None) -> tuple[LedgerEntry, ...]:
        end = len(self.events) if count is None else count
        return tuple(
            LedgerEntry(seq, at, event)
            for seq, at, event in zip(
                self.seqs[:end], self.recorded[:end], self.events[:end], strict=True
            )
        )
