"""Settling later: ``record`` acknowledged once the event is durable, its evaluation after.

A ledger opened with ``settle="later"`` acknowledges a single
:meth:`~credit_rules.ledger.Ledger.record` once the event's journal row has committed, after
the checks that need no evaluation: the event validates, its subject is held, its
``event_id`` is new or an exact replay, what it names is on record (settled or not), and the
clock allows its day. Everything the engine
derives from it (the subject's evaluation, the measures gained or lost, the actions due, the
notifications and the subscribers' callbacks) is *settled* afterwards, in seq order, exactly
as ``record`` would have done it on entry: by :meth:`~credit_rules.ledger.Ledger.settle`
(a worker calls it), or by the first question, ``record_many`` or ``advance`` that needs it.

An event the engine refuses at settlement (a record entered twice, an extension over its cap)
is **voided**: it keeps its seq and its journal row (the journal is append-only) but is
never part of its subject's history, the reason is kept
(:meth:`~credit_rules.ledger.Ledger.voided`), and the outbox says so (a ``refused``
notification naming the event's seq). That is the difference from settling on entry, where
the same event is refused by ``record`` itself: acknowledged means *durably received*.

What the journal keeps for this, in ``cr_meta``: ``unsettled_from``, a seq before which every
event is settled (absent: every event is, as in a journal never written so), and one
``void:SEQ`` row per voided event, with the reason. The mark never moves back, and never past an
event not settled: a receipt writes it only where there was none, settlement moves it to the
first event still waiting (or past the last), and an event settled on entry past it. Settlement
writes its notifications, voids, the ledger's today and the new ``unsettled_from`` in one
transaction, so a crash during it settles the same events again on reopening, with the same
notification ids: the outbox stays at least once and never doubles a fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from credit_rules.errors import (
    EventRejected,
    JournalError,
    LedgerArgumentError,
    MissingReference,
    shown,
)
from credit_rules.i18n import Message
from credit_rules.ledger.agenda import key_of
from credit_rules.ledger.codec import event_json
from credit_rules.ledger.entry import seq_label, unknown_subject_problems
from credit_rules.ledger.journal import Batch
from credit_rules.ledger.notifications import Change
from credit_rules.ledger.outbox import Notification, note_id
from credit_rules.ledger.references import check_references
from credit_rules.ledger.store import LedgerEntry
from credit_rules.model.events import Event

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger

Settle = Literal["on_record", "later"]
SETTLE_MODES: tuple[Settle, ...] = ("on_record", "later")

#: The journal's meta keys (see the module docstring).
UNSETTLED_FROM = "unsettled_from"
VOID_PREFIX = "void:"


def checked_mode(value: object) -> Settle:
    if value not in SETTLE_MODES:
        raise LedgerArgumentError(
            Message(
                "settle must be 'on_record' or 'later', got {value}",
                value=shown(value),
            )
        )
    return value


def journal_marks(where: str, header: Mapping[str, str]) -> tuple[int, dict[int, str]]:
    """From a journal's meta rows: its mark (0: none, every event is settled) and the
    voided seqs; a journal whose marks are not seqs is refused, not half read."""
    try:
        first = int(header.get(UNSETTLED_FROM, "0"))
        voids = {
            int(key[len(VOID_PREFIX) :]): value
            for key, value in header.items()
            if key.startswith(VOID_PREFIX)
        }
    except ValueError:
        raise JournalError(
            Message(
                "{where}: cr_meta's {key} and void:SEQ rows must name seqs",
                where=where,
                key=UNSETTLED_FROM,
            )
        ) from None
    return first, voids


def check_on_receipt(ledger: Ledger, events: list[Event], labels: list[str]) -> None:
    """What ``record`` checks of an event acknowledged before settlement: its subject is held
    and what it names is on record, settled or not (the engine's checks wait)."""
    held = ledger._held
    if not all(event.subject in held for event in events):
        raise EventRejected(None, unknown_subject_problems(held, events, labels))
    referring = ledger._referring
    for index, event in enumerate(events):
        if event.type not in referring:
            continue  # names nothing: no history to read
        subject = event.subject
        waiting = ledger._waiting.get(subject, ())
        earlier = ledger._codec.events([ledger._aside[seq][2] for seq in waiting])
        check_references(
            ledger._state(subject).events + earlier + events[:index],
            [event],
            [labels[index]],
            ledger.references,
        )


def receive(
    ledger: Ledger,
    events: list[Event],
    ids: list[str | None],
    recorded_at: dt.date,
    batch: Batch,
) -> tuple[LedgerEntry, ...]:
    """Log the events under their seqs, durable with ``batch``, to be settled later. What
    waits is held as the journal's row (subject, day, JSON), not as a model: a backlog of a
    hundred thousand events would otherwise hold as many pydantic models."""
    entries = []
    day = recorded_at.isoformat()
    ordinal = recorded_at.toordinal()
    if ledger._mark is None:
        # The journal has no mark (every event in it is settled): from this one on, maybe
        # not. Once there, the mark only moves on, at settlement and with each event settled
        # on entry, so a receipt never needs to write it again (its seq is past the mark).
        mark_at(ledger, batch, len(ledger._log_subject) + 1)
    for event, event_id in zip(events, ids, strict=True):
        # The subject's state (and the shared copy of its id the log holds) is made at
        # settlement: nothing on this path allocates what the collector must walk later.
        subject = event.subject
        ledger._log_subject.append(subject)
        ledger._log_recorded.append(ordinal)
        seq = len(ledger._log_subject)
        if event_id is not None:
            ledger._event_ids[event_id] = seq
        body = event_json(event)
        ledger._aside[seq] = (subject, ordinal, body)
        _wait(ledger, subject, seq, event.type in ledger._introducing)
        entries.append(LedgerEntry(seq, recorded_at, event))
        batch.events.append((seq, event_id, day, body))
    return tuple(entries)


def entry_aside(ledger: Ledger, seq: int) -> LedgerEntry | None:
    """The entry of an event held aside (waiting or voided), None if ``seq`` is not one."""
    aside = ledger._aside.get(seq)
    if aside is None:
        return None
    (event,) = ledger._codec.events((aside[2],))
    return LedgerEntry(seq, dt.date.fromordinal(aside[1]), event)


def settle_into(ledger: Ledger, batch: Batch, changes: list[Change], limit: int | None) -> int:
    """Settle up to ``limit`` unsettled events (all without one), oldest first, into
    ``batch``; return how many. Runs inside the ledger's write, memory changing."""
    count = 0
    unsettled = ledger._unsettled
    try:
        while unsettled and (limit is None or count < limit):
            seq = unsettled[0]
            subject = ledger._aside[seq][0]
            _settle_one(ledger, seq, batch, changes)
            _settled(ledger, subject, seq)
            count += 1
    finally:
        ledger._settling = None
    mark_at(ledger, batch, unsettled[0] if unsettled else len(ledger._log_subject) + 1)
    return count


def _wait(ledger: Ledger, subject: str, seq: int, introduces: bool) -> None:
    """``seq`` (of ``subject``) waits to be settled: in the ledger's queue and, if it
    introduces an id later events may name (``introduces``), in its subject's, where
    :func:`check_on_receipt` reads it rather than walk the whole queue."""
    ledger._unsettled.append(seq)
    if introduces:
        ledger._waiting.setdefault(subject, []).append(seq)


def _settled(ledger: Ledger, subject: str, seq: int) -> None:
    """The first waiting event, ``seq`` of ``subject``, is settled (or voided): off the
    queues, its log entry sharing the subject's id with the rest of the ledger."""
    ledger._unsettled.popleft()
    mine = ledger._waiting.get(subject)
    if mine is not None and mine[0] == seq:
        del mine[0]
        if not mine:
            del ledger._waiting[subject]
    state = ledger._states.get(subject)
    if state is not None:
        ledger._log_subject[seq - 1] = state.id


def mark_at(ledger: Ledger, batch: Batch, seq: int) -> None:
    """Write that every event before ``seq`` is settled (or voided)."""
    ledger._mark = seq
    batch.meta[UNSETTLED_FROM] = str(seq)


def _settle_one(ledger: Ledger, seq: int, batch: Batch, changes: list[Change]) -> None:
    """What ``record`` does on entry, for one acknowledged event: plan, then (if the engine
    accepts it) let time pass to its day, add it to its subject and derive what follows."""
    entry = entry_aside(ledger, seq)
    assert entry is not None  # every waiting event is held aside
    event, day = entry.event, entry.recorded_at
    ledger._settling = seq - 1  # time passing before it is told as of the events before it
    try:
        plans = ledger._plan_on(day, [event], [seq_label(seq)])
    except (EventRejected, MissingReference) as refusal:
        _void(ledger, entry, str(refusal), batch)
        return
    ledger._time_passes_to(day, batch, changes)
    state = ledger._live(event.subject)
    rows = state.bodies
    state.append(seq, day.toordinal(), ledger._aside.pop(seq)[2], event.date)
    ledger._codec.appended(rows, state.bodies, event)
    ledger._settling = seq
    ledger._derive(plans, day, seq, batch, changes)


def _void(ledger: Ledger, entry: LedgerEntry, reason: str, batch: Batch) -> None:
    seq = entry.seq
    ledger._voided[seq] = reason
    batch.meta[f"{VOID_PREFIX}{seq}"] = reason
    batch.notifications.append(refused_note(entry, ledger._noted_seq()))


def refused_note(entry: LedgerEntry, ledger_seq: int) -> tuple[str, str]:
    """The outbox row that says an acknowledged event was voided: its subject, recording day,
    type and key, and its seq (``trigger_seq``), which also makes the id its own."""
    event = entry.event
    trigger = (event.type, key_of(event))
    ident = note_id("refused", event.subject, entry.recorded_at, f"{event.type}#{entry.seq}", None)
    note = Notification.make(
        "refused",
        event.subject,
        entry.recorded_at,
        event.type,
        trigger,
        ledger_seq,
        entry.seq,
        ident=ident,
    )
    return ident, note.to_json()


def adopt_settled(ledger: Ledger, first_unsettled: int, voids: Mapping[int, str]) -> None:
    """Another writer has settled some of the events this ledger holds unsettled (those
    before ``first_unsettled``; all of them if it is 0): take them as it did, the voided ones
    aside and the others into their subjects' histories, to be evaluated when next needed
    (their notifications are that writer's)."""
    ledger._mark = first_unsettled or None
    unsettled = ledger._unsettled
    while unsettled and (first_unsettled == 0 or unsettled[0] < first_unsettled):
        seq = unsettled[0]
        subject = ledger._aside[seq][0]
        if seq in voids:
            _settled(ledger, subject, seq)
            ledger._voided[seq] = voids[seq]
            continue
        entry = entry_aside(ledger, seq)
        assert entry is not None
        state = ledger._live(subject)
        _, recorded_at, body = ledger._aside.pop(seq)
        state.append(seq, recorded_at, body, entry.event.date)
        _settled(ledger, subject, seq)
        if entry.event.type not in ledger._inert:
            state.horizon = None
            ledger._stale.add(state.id)


def hold_aside(
    ledger: Ledger,
    seq: int,
    subject: str,
    recorded_at: int,
    body: str,
    event_type: str,
    void: str | None,
) -> None:
    """A replayed event not settled yet, or voided: logged, never in its subject's history."""
    ledger._aside[seq] = (subject, recorded_at, body)
    if void is None:
        _wait(ledger, subject, seq, event_type in ledger._introducing)
    else:
        ledger._voided[seq] = void
