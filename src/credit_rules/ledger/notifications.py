"""Telling a service when what applies to a subject changes.

What applies changes for two reasons: an event is recorded (an entry, a correction), or time
passes (a one-year measure ends, Lianyungang Arts 10–11; a three-year ban lifts, Ganzhou
Art 15). Both are reported the same way, as of the ledger's today, in date order.

Time passing is found without looking at every subject every day: each subject has a *wake*,
the next day on which its measures may change, and the ledger keeps the wakes in a heap. Only
subjects whose wake has come are looked at.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from credit_rules._masking import mask_text
from credit_rules.model.subjects import Subject

Callback = Callable[[Subject, frozenset[str], frozenset[str]], None]
"""``callback(subject, gained, lost)``: the outcomes that started and stopped applying."""

Cause = Literal["event", "time"]


@dataclass(frozen=True, slots=True)
class Change:
    """A change in what applies to a subject on day ``on``: an event recorded (``cause`` is
    ``"event"``, ``seq`` the last event of the call) or time passing (``"time"``)."""

    subject: str
    on: dt.date
    gained: frozenset[str]
    lost: frozenset[str]
    cause: Cause
    seq: int | None = None

    def __repr__(self) -> str:
        return mask_text(
            f"Change(subject={self.subject!r}, on={self.on.isoformat()}, "
            f"gained={sorted(self.gained)}, lost={sorted(self.lost)}, cause={self.cause!r}, "
            f"seq={self.seq})"
        )


class Subscribers:
    """The callbacks of one ledger, called in the order they subscribed."""

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []

    def add(self, callback: Callback) -> Callable[[], None]:
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def __bool__(self) -> bool:
        return bool(self._callbacks)

    def notify(self, subject: Subject, change: Change) -> list[Exception]:
        """Call every callback, even after one raises; return what they raised."""
        errors: list[Exception] = []
        # A copy, so a callback may unsubscribe itself while being called.
        for callback in list(self._callbacks):
            try:
                callback(subject, change.gained, change.lost)
            except Exception as error:  # a subscriber's failure must not cost others theirs
                errors.append(error)
        return errors


class Wakes:
    """Subjects by the next day their measures may change, earliest first.

    A subject's wake moves whenever it is re-evaluated; instead of searching the heap, the old
    entry is left in place and skipped when it surfaces (the subject's current wake differs).
    """

    def __init__(self) -> None:
        self._heap: list[tuple[dt.date, str]] = []

    def push(self, day: dt.date, subject_id: str) -> None:
        heapq.heappush(self._heap, (day, subject_id))

    def pop_until(self, day: dt.date) -> tuple[dt.date, str] | None:
        """The earliest wake on or before ``day``, or None."""
        if self._heap and self._heap[0][0] <= day:
            return heapq.heappop(self._heap)
        return None

    def __len__(self) -> int:
        return len(self._heap)
