"""The credit ledger: what a service holds, asks and is told.

A service does not re-send a subject's whole history for every question. It adds subjects and
records events as they happen, asks what applies, and is told when something changes or falls
due. The :class:`Ledger` does that on top of the engine, and every answer it gives is, by
construction and by test, the answer ``engine.evaluate`` gives on the same history.

The rules the ledger keeps (docs/services.md explains them with an example):

- **Durable before acknowledged.** With a journal (:meth:`Ledger.open`, SQLite or PostgreSQL,
  :mod:`credit_rules.ledger.journal`), every call that changes the ledger is one journal
  transaction, committed before the call returns; the ledger in memory is a cache of it. If
  a write fails the ledger stops (:class:`~credit_rules.errors.JournalError`) rather than
  answer from a state that is not durable; reopening replays the journal.
- **Append-only.** Subjects are added once and events are recorded, never edited or deleted;
  a correction is itself an event (Lianyungang Art 13, Ganzhou Art 20).
- **Checked on entry, all or nothing.** Events are validated by pydantic, their references
  checked (:mod:`credit_rules.ledger.references`), and each concerned subject's would-be
  history evaluated, so the engine's history checks refuse a bad event before anything is
  stored. A batch is refused whole if any of its events is bad. (Or, with
  ``settle="later"``, a single event is acknowledged once durable and evaluated later; one the
  engine refuses then is voided: :mod:`credit_rules.ledger.settlement`.)
- **Idempotent.** An event may carry an ``event_id``; the same event again under the same id is
  acknowledged and not recorded twice, a different one is refused.
- **Transaction time from a clock** (:mod:`credit_rules.ledger.clock`): each call's
  ``recorded_at`` is stamped by the ledger's clock, which never goes back, so "what was known
  on Y" never changes after Y.
- **Notifications after durability** (:mod:`credit_rules.ledger.outbox`): what a call causes
  (measures gained or lost, actions due or overdue) is written to the outbox in the call's
  transaction; subscribers' callbacks run after the commit.
- **One subject at a time.** Recording an event re-evaluates only its subject, once, as of a
  horizon past its last event (see :mod:`credit_rules.ledger.timeline`).
- **Thread-safe.** One re-entrant lock per ledger serialises changes; long reads evaluate
  outside it on a consistent prefix of the (append-only) history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import threading
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from credit_rules._masking import mask_text
from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.engine import Backend, Engine
from credit_rules.errors import (
    BackendUnavailable,
    CreditRulesError,
    DuplicateEventId,
    EventRejected,
    JournalError,
    LedgerArgumentError,
    LedgerClockError,
    LedgerError,
    NotInForce,
    Problem,
    SubjectRejected,
    UnknownOutcome,
    UnknownSubject,
    shown,
)
from credit_rules.i18n import Message
from credit_rules.ledger import bulk, durability, settlement
from credit_rules.ledger.agenda import (
    Action,
    ActionView,
    Discharge,
    actions_of,
    can_be_overdue,
    discharged,
    due_on,
    owed,
    past_due,
    trigger_seqs,
)
from credit_rules.ledger.clock import Clock, ForwardClock
from credit_rules.ledger.codec import event_json, subject_json
from credit_rules.ledger.entry import (
    check_date,
    day_of,
    parse_subject,
    raise_first,
    relabel,
    seq_label,
    typed_events,
    unknown_subject_problems,
)
from credit_rules.ledger.journal import Batch, Journal
from credit_rules.ledger.notifications import Callback, Cause, Change, Subscribers, Wakes
from credit_rules.ledger.outbox import Notification, NotificationKind, note_id
from credit_rules.ledger.references import check_references
from credit_rules.ledger.regulations import discharges_for, references_for
from credit_rules.ledger.report import RecordReport, build_report
from credit_rules.ledger.settlement import Settle
from credit_rules.ledger.store import Answer, Codec, LedgerEntry, SubjectState
from credit_rules.ledger.timeline import (
    ONE_DAY,
    Interval,
    TriggerKey,
    default_lookahead,
    horizon,
    in_force_on,
    intervals_of,
    next_change,
    outcomes_on,
)
from credit_rules.limits import LAST_DAY
from credit_rules.model._base import holdable_text
from credit_rules.model.events import Event
from credit_rules.model.results import Evaluation
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import inert_event_types

_STATUS_CACHE_SIZE = 1024
#: How many notifications a ledger on a journal remembers having written (by what they say)
#: before it starts again. The journal keeps each notification once whatever is written twice
#: (its id is unique there), so this only spares re-writing one; unbounded, it grew by every
#: notification a long-running service ever wrote (about 130 bytes each). A ledger without a
#: journal remembers them all: its memory is the only record of what was acknowledged.
_NOTED_KEPT = 100_000
#: How many waiting events one settlement transaction takes (see Ledger._settle_all).
_SETTLE_CHUNK = 1000

_T = TypeVar("_T")


class _Call:
    """One ``record``/``record_many`` call on its way through a group commit."""

    __slots__ = (
        "caller",
        "changes",
        "deferred",
        "done",
        "entries",
        "error",
        "events",
        "ids",
        "labels",
        "made",
        "proposed",
        "replays",
    )

    def __init__(
        self,
        events: list[Event],
        ids: list[str | None],
        labels: list[str],
        proposed: dt.date | None,
        caller: dict[str, str],
        deferred: bool,
    ) -> None:
        self.events, self.ids, self.labels = events, ids, labels
        self.deferred = deferred  # acknowledged once durable, settled later
        self.proposed, self.caller = proposed, caller
        self.replays: dict[int, int] = {}
        self.changes: list[Change] = []
        self.made: tuple[LedgerEntry, ...] = ()
        self.entries: tuple[LedgerEntry, ...] = ()
        self.error: BaseException | None = None
        self.done = False


class _Held(NamedTuple):
    """A subject as the lock's holder saw it: what a reader evaluates once it has let go of
    the lock, while a writer may append to the subject (memory changes before the commit, so
    a reader must not look again)."""

    id: str
    source: str
    bodies: tuple[str, ...]
    seqs: Sequence[int]


def _held(state: SubjectState) -> _Held:
    # The bodies (a tuple) and the seqs (a view of bytes) are objects a write replaces and
    # never changes: holding them is a snapshot, taken without decoding anything.
    return _Held(state.id, state.source, state.bodies, state.seqs)


def _picked(items: list[_T], indices: list[int]) -> list[_T]:
    """``items`` at ``indices`` (ascending): ``items`` itself when that is all of them, as it
    is for almost every call (no event of it a replay)."""
    return items if len(indices) == len(items) else [items[i] for i in indices]


def _checked_metadata(metadata: object) -> dict[str, str]:
    """The caller's metadata, text to text, as the journal keeps it; anything else is refused
    before the call joins a group commit, where it would fail every call of the group."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(
        holdable_text(key) and holdable_text(value) for key, value in metadata.items()
    ):
        raise LedgerArgumentError(
            Message(
                "metadata must map text to text that UTF-8 can encode, got {value}",
                value=shown(metadata),
            )
        )
    return dict(metadata)


def _settle_calls(calls: Iterable[_Call], error: BaseException) -> None:
    for call in calls:
        call.error = error
        call.done = True


class Ledger:
    """An append-only store of one ruleset's subjects and events, in memory and (opened with
    :meth:`open`) in a journal, that answers questions about them, lists what the
    administration owes, and reports changes."""

    def __init__(
        self,
        ruleset: ir.Ruleset,
        *,
        backend: Backend = "closures",
        calendar: WorkingCalendar | None = None,
        discharges: Mapping[str, Discharge] | None = None,
        lookahead: dt.timedelta | None = None,
        clock: Clock | None = None,
        settle: Settle = "on_record",
    ) -> None:
        #: When a single ``record`` is settled: before it returns (``"on_record"``), or
        #: later, once it is durable (``"later"``; see :mod:`credit_rules.ledger.settlement`).
        self.settle_mode: Settle = settlement.checked_mode(settle)
        if lookahead is not None and lookahead < dt.timedelta(0):
            raise LedgerArgumentError(Message("lookahead must not be negative"))
        if backend == "columnar":
            # Every answer of a ledger is one subject's: Polars' fixed cost per plan would be
            # paid on each, for nothing.
            raise LedgerArgumentError(
                Message(
                    "a ledger evaluates one subject at a time, and the columnar backend is for "
                    "populations; use 'closures' or 'durable'"
                )
            )
        self.ruleset = ruleset
        self.backend: Backend = backend
        self._engine = Engine(ruleset, backend=backend, calendar=calendar)
        self.calendar = self._engine.calendar
        self.references = references_for(ruleset.vocabulary)
        #: The event types that name an earlier event (checked against the history), and
        #: those that introduce what they name.
        self._referring = frozenset(event_type for event_type, _ in self.references)
        self._introducing = frozenset(self.references.values())
        self.discharges: Mapping[str, Discharge] = MappingProxyType(
            dict(discharges_for(ruleset.vocabulary) if discharges is None else discharges)
        )
        # How far past its last event a subject is evaluated: see timeline.default_lookahead.
        self._lookahead = lookahead if lookahead is not None else default_lookahead(ruleset)
        self.clock: Clock = clock if clock is not None else ForwardClock()
        self._lock = threading.RLock()
        self._gate = threading.Lock()  # guards _queue only: calls waiting for a group commit
        self._queue: list[_Call] = []
        # Compact on purpose (docs/decisions/0017): every subject is an entry of _held, id ->
        # its kind (or JSON row); only subjects with events have a SubjectState. The log keeps
        # per seq (seq N at index N - 1) the subject's id and the recording day's ordinal.
        self._codec = Codec(ruleset.vocabulary)
        self._held: dict[str, str] = {}  # in the order added
        self._states: dict[str, SubjectState] = {}
        self._log_subject: list[str] = []
        self._log_recorded = array("l")
        self._event_ids: dict[str, int] = {}
        self._today: dt.date | None = None
        self._reporting: dt.date | None = None  # today as callbacks see it
        self._wakes = Wakes()
        self._dues = Wakes()  # days on which a subject's actions fall due or overdue
        self._subscribers = Subscribers()
        self._status_cache: OrderedDict[tuple[str, int, dt.date, dt.date | None], Evaluation] = (
            OrderedDict()
        )
        self._inert = inert_event_types(ruleset)
        self._measures = tuple(sorted(o.id for o in ruleset.outcomes if o.kind == "measure"))
        self._journal: Journal | None = None
        self._failed: BaseException | None = None
        #: Set by close(): a closed ledger answers from memory but takes nothing more.
        self._closed = False
        # Memory changed by a write whose transaction has not committed yet (_mutating).
        self._uncommitted = False
        self._stale: set[str] = set()  # subjects whose derived cache awaits an evaluation
        #: Loaded subjects whose history the engine refuses, held aside (see _freshen_all),
        #: with the refusal's text.
        self._refused: dict[str, str] = {}
        self._dirty: set[str] = set()  # subjects re-derived since the last compaction point
        #: What the notifications already written say (the facts their ids are made from).
        self._noted: set[tuple[str, str, dt.date, str, TriggerKey | None]] = set()
        self._seq_index: tuple[SubjectState | None, tuple[str, ...], dict[TriggerKey, int]] = (
            None,
            (),
            {},
        )
        self._outbox: OrderedDict[str, Notification] = OrderedDict()  # without a journal
        self._caller: dict[str, str] = {}  # the caller's metadata, without a journal
        # Settling later (settlement.py): the seqs acknowledged and not settled, in order;
        # their entries and those of voided events (never in a subject's history), by seq;
        # why each voided event was refused.
        self._unsettled: deque[int] = deque()
        self._waiting: dict[str, list[int]] = {}  # the same, per subject
        self._aside: dict[int, tuple[str, int, str]] = {}  # subject, day, JSON
        self._voided: dict[int, str] = {}
        #: The journal's mark (settlement.mark_at) as this ledger last read or wrote it.
        self._mark: int | None = None
        #: While settling later: the last event settled (what notifications reflect).
        self._settling: int | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        journal: str | os.PathLike[str] | Journal,
        ruleset: ir.Ruleset,
        *,
        freeze: bool = True,
        **options: Any,
    ) -> Ledger:
        """The ledger of ``journal`` (a SQLite path, a ``postgresql://`` URL or a
        :class:`~credit_rules.ledger.journal.Journal`), created if new, replayed if not.
        What the replay loads is then frozen out of the collector's reach (``freeze``, see
        :mod:`credit_rules.ledger.durability`).

        A journal written under another ruleset is refused
        (:class:`~credit_rules.errors.SnapshotMismatch`); replay it into a new journal with
        :func:`credit_rules.ledger.migrate.migrate`. Keyword options are those of the
        constructor."""
        ledger = cls(ruleset, **options)
        durability.attach(ledger, durability.open_journal(journal), freeze=freeze)
        return ledger

    def close(self) -> None:
        """Release the journal and what the backend holds. A closed ledger still answers
        from what it holds; whatever would change it is refused with a :class:`LedgerError`
        saying it is closed (an in-memory ledger took on recording as if nothing had
        happened, and one on a journal failed on the closed database). What waits to be
        settled is settled first; if that fails, the journal still holds it, and reopening
        settles it."""
        try:
            if self._failed is None and not self._closed:
                self._settle_all(None)
        finally:
            self._close()

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._journal is not None:
                self._journal.close()
        self._engine.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "in memory" if self._journal is None else repr(self._journal)
        return f"<Ledger {self.ruleset.id} seq {self.seq} {where}>"

    @property
    def today(self) -> dt.date | None:
        """The latest transaction or ``advance`` date; None before either. While a callback
        runs, the day of the change it is told of."""
        with self._lock:
            if self._reporting is not None:
                return self._reporting
            return self._last_day()

    def _reflected(self) -> int:
        """The seq an answer reflects: the last event settled (every event, settling on
        entry); an event acknowledged since, not settled yet, is not in it."""
        return self._unsettled[0] - 1 if self._unsettled else len(self._log_subject)

    @property
    def seq(self) -> int:
        """The last recorded event's seq (0 if none): the history every answer reflects."""
        with self._lock:
            return len(self._log_subject)

    @property
    def journal(self) -> Journal | None:
        return self._journal

    def __len__(self) -> int:
        """How many events are recorded."""
        with self._lock:
            return len(self._log_subject)

    def __contains__(self, subject_id: object) -> bool:
        if not isinstance(subject_id, str):
            return False  # ids are text: nothing else is held (and a list cannot be looked up)
        with self._lock:
            return subject_id in self._held

    def has_subject(self, subject_id: str) -> bool:
        return subject_id in self

    def subject_ids(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._held)

    def refused_subjects(self) -> dict[str, str]:
        """The subjects held aside, each with why: a bulk load without ``check`` (the default)
        or a replay may hold a history the engine refuses (one record entered twice, say).
        Such a subject is found when it is first evaluated, as time passes or a question
        needs every subject; from then on it has no outcomes and is in no answer of
        :meth:`subjects_with`, :meth:`agenda` or :meth:`overdue`, while every other subject
        goes on. :meth:`status` of it raises the engine's refusal. A later event for it is
        checked as any other: refused if the history is still refused, and if it makes the
        history one the engine accepts, the subject is back. Masked as every message is."""
        self._settle_all(None)
        with self._lock:
            self._usable()
            self._freshen_all()
            return dict(sorted(self._refused.items()))

    def subject(self, subject_id: str) -> Subject:
        with self._lock:
            return self._state(subject_id).subject

    def history(
        self, subject_id: str, *, known_at: dt.date | str | None = None
    ) -> tuple[LedgerEntry, ...]:
        """The subject's recorded events in recording order (those recorded by ``known_at``)."""
        known_at = day_of(known_at, "known_at", optional=True)
        self._settle_all(None)
        with self._lock:
            state = self._state(subject_id)
            return Answer(state.entries(state.known(known_at)), self._reflected())

    def metadata(self) -> dict[str, str]:
        """The caller's metadata as last committed with events (say, a consumer's offset)."""
        with self._lock:
            if self._journal is None:
                return dict(self._caller)
            return self._journal.caller_metadata()

    def refresh(self) -> int:
        """Read what other writers added to the journal since; returns the seq now reflected."""
        with self._lock:
            self._usable()
            if self._journal is not None:
                durability.catch_up(self)
            return len(self._log_subject)

    # -- entry ------------------------------------------------------------------------------

    def add_subject(self, subject: Subject | Mapping[str, Any]) -> Subject:
        """Add a subject; its id must be new and its kind one the ruleset knows."""
        typed = parse_subject(self.ruleset, subject)
        with self._lock, self._write():
            self._usable()
            self._begin_latest()
            if typed.id in self._held:
                self._abort()
                raise SubjectRejected(
                    None,
                    [
                        Problem(
                            Message("the ledger already holds subject {id!r}", id=typed.id),
                            "id",
                        )
                    ],
                )
            batch = Batch(subjects=[(typed.id, subject_json(typed))])
            before = len(self._held)
            source = self._codec.source(typed)
            self._mutating(lambda: self._held.__setitem__(typed.id, source))
            self._finish(batch, before)
        return typed

    def _live(self, subject_id: str) -> SubjectState:
        """The held subject's state, made and kept at its first event."""
        state = self._states.get(subject_id)
        if state is None:
            state = SubjectState(subject_id, self._held[subject_id], self._codec)
            self._states[subject_id] = state
        return state

    def record(
        self,
        event: Event | Mapping[str, Any],
        *,
        recorded_at: dt.date | str | None = None,
        event_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> LedgerEntry:
        """Record one event, learned of on ``recorded_at`` (as the clock stamps it); refused
        whole if anything is wrong. ``event_id`` (or an ``event_id`` key of a mapping) makes a
        replay harmless; ``metadata`` is committed with the event."""
        ids = [event_id]
        return self._record([event], recorded_at, ids, metadata, single=True)[0]

    def record_many(
        self,
        events: Iterable[Event | Mapping[str, Any]],
        *,
        recorded_at: dt.date | str | None = None,
        event_ids: Sequence[str | None] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> tuple[LedgerEntry, ...]:
        """Record a batch, all or nothing: if one event is refused, none is recorded."""
        if not isinstance(events, Iterable) or isinstance(events, str | bytes | Mapping | Event):
            problem = Problem(
                Message("a batch must be a list of events, got {events}", events=shown(events)),
                "batch",
            )
            raise EventRejected(None, [problem])
        raw = list(events)
        if event_ids is not None and (
            not isinstance(event_ids, Sequence) or isinstance(event_ids, str | bytes)
        ):
            raise LedgerArgumentError(
                Message(
                    "event_ids must be a list of ids (or None), one per event, got {value}",
                    value=shown(event_ids),
                )
            )
        ids: list[str | None] = list(event_ids) if event_ids is not None else [None] * len(raw)
        if len(ids) != len(raw):
            raise LedgerArgumentError(Message("event_ids must name one id (or None) per event"))
        return self._record(raw, recorded_at, ids, metadata, single=False)

    def _record(
        self,
        raw: Sequence[Event | Mapping[str, Any]],
        proposed: dt.date | str | None,
        ids: list[str | None],
        metadata: Mapping[str, str] | None,
        *,
        single: bool,
    ) -> tuple[LedgerEntry, ...]:
        proposed = day_of(proposed, "recorded_at", optional=True)
        caller = _checked_metadata(metadata)
        labels = ["event"] if single else [f"batch[{i}]" for i in range(len(raw))]
        raw, ids = durability.split_ids(raw, ids)
        events = typed_events(self.ruleset, raw, labels)
        deferred = single and self.settle_mode == "later"
        if not deferred:
            self._settle_all(None)  # in chunks; what arrives meanwhile, in the call's own
        call = _Call(events, ids, labels, proposed, caller, deferred)
        with self._gate:
            self._queue.append(call)
        with self._lock:
            if not call.done:
                self._group()
        if call.error is not None:
            raise call.error
        return call.entries

    def _group(self) -> None:
        """Group commit: every call queued by now, planned one after another and written in
        ONE journal transaction; each is acknowledged (returns) only after that commit.

        Callers on other threads queue their call (validated) while the lock is held by the
        one committing, so under load a commit carries many calls, and its cost (the fsync,
        with ``synchronous=full``) is shared. The lock is held from the first plan to the
        commit: no reader sees an event before it is durable. A call refused (bad event,
        clock) is refused alone; a failed write fails every call of the group and stops the
        ledger, as before."""
        with self._gate:
            calls, self._queue = self._queue, []
        try:
            with self._write():
                self._commit_group(calls)
        except BaseException as error:
            # What escaped (an interrupt between two steps) answers every call not answered.
            _settle_calls([c for c in calls if not c.done], error)

    def _commit_group(self, calls: list[_Call]) -> None:
        """Plan, apply and commit the group inside :meth:`_group`'s guard, which answers
        every call not answered by what escapes (a journal that cannot begin, a failed
        write, an interrupt); only a call refused on its own is answered here."""
        self._usable()
        self._begin_latest()
        batch = Batch()
        before = len(self._held)
        written: list[_Call] = []
        settled: list[Change] = []
        for call in calls:
            if not call.deferred and self._unsettled:
                # A call settled on entry plans on a settled ledger: what was acknowledged
                # before it (by this ledger or another writer) is settled first, in its
                # transaction, and the subscribers told of it before the calls' changes.
                self._mutating(lambda: settlement.settle_into(self, batch, settled, None))
            try:
                if call.deferred:
                    recorded_at, fresh = self._prepare_receipt(call)
                    plans: dict[str, Evaluation | None] = {}
                else:
                    recorded_at, fresh, plans = self._prepare(call)
            except BaseException as error:
                _settle_calls([call], error)  # refused alone: nothing of it was changed
                continue
            batch.caller.update(call.caller)
            call.made = self._mutating(
                lambda: self._apply(call, recorded_at, fresh, plans, batch)  # noqa: B023
            )
            written.append(call)
        self._finish(batch, before)
        if written:
            written[0].changes[:0] = settled
        else:
            self._deliver(settled)  # every call refused: nobody to raise a callback's error to
        for call in written:
            made = iter(call.made)
            call.entries = tuple(
                next(made) if (seq := call.replays.get(index)) is None else self._entry(seq)
                for index in range(len(call.events))
            )
            errors = self._deliver(call.changes)
            call.error = errors[0] if errors else None
            if len(errors) > 1:
                errors[0].add_note(f"{len(errors) - 1} more exception(s) from ledger callbacks")
            call.done = True

    def _prepare(self, call: _Call) -> tuple[dt.date, list[int], dict[str, Evaluation | None]]:
        """Deduplicate, stamp and plan one call; raises, changing nothing, if it is refused.

        A call that only replays events already recorded is acknowledged whatever day it
        proposes: the day it was first recorded stands, nothing moves the ledger's today,
        and a redelivered message (yesterday's day, a mistyped year) is still a replay."""
        fresh, call.replays = self._dedupe(call.events, call.ids, call.labels)
        if not fresh and self._today is not None:
            return self._today, fresh, {}
        recorded_at = self._stamp(call, self._last_day())
        plans = (
            self._plan_on(recorded_at, _picked(call.events, fresh), _picked(call.labels, fresh))
            if fresh
            else {}
        )
        return recorded_at, fresh, plans

    def _plan_on(
        self, day: dt.date, events: Sequence[Event], labels: Sequence[str]
    ) -> dict[str, Evaluation | None]:
        """:meth:`_plan` of events recorded on ``day``. If time passes before them
        (:meth:`_time_passes_to`), the subjects a bulk load left for later are evaluated
        first, as advance() does before it changes anything, so that one whose loaded
        history the engine refuses refuses this call, and does not fail it halfway and stop
        the ledger."""
        if self._today is None or day > self._today:
            self._freshen_all()
        return self._plan(events, labels, day)

    def _time_passes_to(self, day: dt.date, batch: Batch, changes: list[Change]) -> None:
        """Before events recorded on a later day: report what time passing brings first."""
        if self._today is None or day > self._today:
            self._advance(day, batch, changes)

    def _prepare_receipt(self, call: _Call) -> tuple[dt.date, list[int]]:
        """:meth:`_prepare` of a call settled later: the checks that need no evaluation."""
        fresh, call.replays = self._dedupe(call.events, call.ids, call.labels)
        floor = self._last_day()
        if not fresh and floor is not None:
            return floor, fresh
        recorded_at = self._stamp(call, floor)
        settlement.check_on_receipt(self, _picked(call.events, fresh), _picked(call.labels, fresh))
        return recorded_at, fresh

    def _last_day(self) -> dt.date | None:
        """The latest day of the ledger: its today, or a later day an event acknowledged
        but not settled (or voided) was recorded on. The clock never goes behind it."""
        log = self._log_recorded
        if not log:
            return self._today
        last = dt.date.fromordinal(log[-1])
        return last if self._today is None or last > self._today else self._today

    def _stamp(self, call: _Call, floor: dt.date | None) -> dt.date:
        """The call's transaction day from the clock, never before ``floor``."""
        recorded_at = self.clock.stamp(call.proposed, floor)
        if recorded_at is not call.proposed and recorded_at is not floor:
            check_date(recorded_at, "recorded_at")  # the clock's own day (both others are)
        if floor is not None and recorded_at < floor:
            raise LedgerClockError(Message("recorded_at"), recorded_at, floor)
        return recorded_at

    def _apply(
        self,
        call: _Call,
        recorded_at: dt.date,
        fresh: list[int],
        plans: Mapping[str, Evaluation | None],
        batch: Batch,
    ) -> tuple[LedgerEntry, ...]:
        if not fresh:
            return ()  # a replay: only the caller's metadata is written
        if call.deferred:
            return settlement.receive(
                self, _picked(call.events, fresh), _picked(call.ids, fresh), recorded_at, batch
            )
        self._time_passes_to(recorded_at, batch, call.changes)
        return self._commit(
            _picked(call.events, fresh),
            _picked(call.ids, fresh),
            plans,
            recorded_at,
            batch,
            call.changes,
        )

    def _dedupe(
        self, events: Sequence[Event], ids: Sequence[str | None], labels: Sequence[str]
    ) -> tuple[list[int], dict[int, int]]:
        """Which events are new, and which replay an event recorded under the same id."""
        if all(event_id is None for event_id in ids):
            return list(range(len(events))), {}  # no ids: every event is new
        fresh: list[int] = []
        replays: dict[int, int] = {}
        seen: dict[str, int] = {}
        for index, (event, event_id) in enumerate(zip(events, ids, strict=True)):
            if event_id is None:
                fresh.append(index)
                continue
            seq = self._event_ids.get(event_id)
            if seq is not None:
                if self._entry(seq).event != event:
                    raise DuplicateEventId(event_id, seq, labels[index])
                replays[index] = seq
            elif event_id in seen:
                raise EventRejected(
                    None,
                    [
                        Problem(
                            Message("event_id {event_id!r} twice in one batch", event_id=event_id),
                            labels[index],
                        )
                    ],
                )
            else:
                seen[event_id] = index
                fresh.append(index)
        return fresh, replays

    def _entry(self, seq: int) -> LedgerEntry:
        aside = settlement.entry_aside(self, seq)
        if aside is not None:
            return aside  # not settled yet, or voided
        return self._states[self._log_subject[seq - 1]].entry(seq)

    def _plan(
        self, events: Sequence[Event], labels: Sequence[str], recorded_at: dt.date
    ) -> dict[str, Evaluation | None]:
        """Evaluate each concerned subject's would-be history; raise if any is refused.

        Returns, per subject, the evaluation to cache, or None where only inert events are
        added (the cache stays exact, see :func:`~credit_rules.ruleset.analysis.inert_event_types`).
        """
        problems = unknown_subject_problems(self._held, events, labels)
        grouped: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            grouped.setdefault(event.subject, []).append(index)
        if problems:
            raise EventRejected(None, problems)
        for subject_id, indices in grouped.items():
            if not self.references:
                break  # nothing in this regulation names an earlier event
            check_references(
                self._state(subject_id).events,
                [events[i] for i in indices],
                [labels[i] for i in indices],
                self.references,
            )
        for subject_id in grouped:
            if subject_id in self._stale:
                # Held aside if refused: the events added are then checked on their own
                # merits below, and may be what makes the history one the engine accepts.
                self._freshen(subject_id)
        today = recorded_at if self._today is None else max(self._today, recorded_at)
        plans: dict[str, Evaluation | None] = {}
        for subject_id, indices in grouped.items():
            state = self._state(subject_id)
            added = [events[i] for i in indices]
            if all(e.type in self._inert for e in added):
                plans[subject_id] = None
                continue
            history = [*state.events, *added]
            latest = max(today, *(e.date for e in added))
            if state.latest is not None and state.latest > latest:
                latest = state.latest
            try:
                plans[subject_id] = self._engine.evaluate(
                    [state.bare],
                    history,
                    as_of=horizon(self.ruleset, latest, self._lookahead),
                )
            except CreditRulesError as error:
                names = [*map(seq_label, state.seqs), *(labels[i] for i in indices)]
                problems.extend(relabel(error, names, [labels[i] for i in indices]))
        if problems:
            raise EventRejected(None, problems)
        return plans

    def _commit(
        self,
        events: Sequence[Event],
        ids: Sequence[str | None],
        plans: Mapping[str, Evaluation | None],
        recorded_at: dt.date,
        batch: Batch,
        changes: list[Change],
    ) -> tuple[LedgerEntry, ...]:
        """Store the events in memory and in the batch, and bring every concerned subject up
        to date, collecting what changes for the outbox and the subscribers."""
        entries = []
        day = recorded_at.isoformat()
        ordinal = recorded_at.toordinal()
        for event, event_id in zip(events, ids, strict=True):
            state = self._live(event.subject)
            body = event_json(event)
            self._log_subject.append(state.id)
            self._log_recorded.append(ordinal)
            seq = len(self._log_subject)
            if event_id is not None:
                self._event_ids[event_id] = seq
            rows = state.bodies
            state.append(seq, ordinal, body, event.date)
            self._codec.appended(rows, state.bodies, event)
            entries.append(LedgerEntry(seq, recorded_at, event))
            batch.events.append((seq, event_id, day, body))
        if self._mark is not None:
            # Settled on entry, past the journal's mark: moved on, or reopening would
            # settle these again.
            settlement.mark_at(self, batch, len(self._log_subject) + 1)
        self._derive(plans, recorded_at, entries[-1].seq if entries else None, batch, changes)
        return tuple(entries)

    def _derive(
        self,
        plans: Mapping[str, Evaluation | None],
        recorded_at: dt.date,
        last_seq: int | None,
        batch: Batch,
        changes: list[Change],
    ) -> None:
        """Bring every planned subject up to date with the events just added to it, writing
        what changes to the outbox and collecting it for the subscribers."""
        if self._today != recorded_at:
            # The journal holds the ledger's today already (every change of it is written
            # with the call that makes it): writing it again would rewrite cr_meta's page on
            # every commit, for nothing.
            batch.meta["today"] = recorded_at.isoformat()
        self._today = recorded_at
        for subject_id in sorted(plans):
            evaluation = plans[subject_id]
            if evaluation is None:
                continue  # inert events: nothing derived changes
            state = self._states[subject_id]
            before = state.timeline
            self._cache(state, evaluation, late=True)
            self._stale.discard(subject_id)
            self._refused.pop(subject_id, None)  # its history is accepted again
            change = self._settle(state, recorded_at, "event", last_seq)
            if change is not None:
                changes.append(change)
                self._note_change(change, before, batch)
        self._note_dues(recorded_at, batch)

    # -- the journal ------------------------------------------------------------------------

    def _usable(self) -> None:
        if self._closed:
            raise LedgerError(
                Message(
                    "the ledger {where} is closed: open it again (Ledger.open) to change it",
                    where=self._where(),
                )
            )
        if self._failed is None:
            return
        if self._journal is None:
            # Nothing to reopen from: only a new ledger is sure to be whole.
            raise JournalError(
                Message(
                    "the ledger stopped after a failed write ({failed}); it has no journal to "
                    "reopen from, and its memory may be half changed: build a new ledger",
                    failed=self._failed,
                )
            )
        raise JournalError(
            Message(
                "the ledger stopped after a failed journal write ({failed}); reopen it "
                "from its journal",
                failed=self._failed,
            )
        )

    def _begin(self) -> bool:
        """Open the call's journal transaction; False after catching up with another writer."""
        if self._journal is None:
            return True
        if self._journal.begin((len(self._held), len(self._log_subject))):
            return True
        durability.catch_up(self)
        return False

    def _begin_latest(self) -> None:
        """:meth:`_begin`, again after each catching up, until the transaction is open."""
        while not self._begin():
            pass

    def _abort(self) -> None:
        if self._journal is not None:
            self._journal.abort()

    def _mutating(self, work: Callable[[], Any]) -> Any:
        """Run ``work``, which changes memory; if it fails half done, the ledger stops."""
        self._uncommitted = True
        try:
            return work()
        except BaseException as error:
            self._stop_write(error)
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """Around one write, from before its BEGIN to after its COMMIT: whatever escapes it
        rolls the transaction back (a rollback with none open does nothing), and stops the
        ledger if memory had changed. An interrupt can land between any two steps, even
        just after BEGIN returns, outside every narrower guard; this one is entered before
        BEGIN, so no write leaves a transaction open or memory ahead of its journal."""
        try:
            yield
        except BaseException as error:
            self._stop_write(error)
            raise

    def _stop_write(self, error: BaseException) -> None:
        """Roll back the open transaction, if any; if memory changed under it, the ledger
        stops (the first failure is the one it reports)."""
        self._abort()
        if self._uncommitted:
            self._uncommitted = False
            if self._failed is None:
                self._failed = error

    def _finish(self, batch: Batch, subjects_before: int) -> None:
        """Commit the call's transaction: only then is the call acknowledged. A failed
        commit leaves unknown what the journal holds, so it stops the ledger whatever
        memory holds."""
        if self._journal is None:
            for note_id, body in batch.notifications:
                self._outbox.setdefault(note_id, Notification.from_json(body))
            self._caller.update(batch.caller)
        else:
            try:
                self._journal.flush(batch, subjects_before)
                self._journal.commit()
            except BaseException as error:
                self._uncommitted = True
                self._stop_write(error)
                raise
        self._uncommitted = False

    # -- time -------------------------------------------------------------------------------

    def advance(self, to_date: dt.date | str) -> tuple[Change, ...]:
        """Move today forward to ``to_date``, reporting, in date order, every change that time
        passing brings (a measure ends, a ban lifts, a measure recorded ahead starts), and
        writing to the outbox what falls due or overdue meanwhile."""
        to_date = day_of(to_date, "advance to")
        self._settle_all(None)  # in chunks; what arrives meanwhile, in the call's own
        with self._lock, self._write():
            self._usable()
            self._freshen_all()
            self._begin_latest()
            floor = self._last_day()
            if floor is not None and to_date < floor:
                self._abort()
                raise LedgerClockError(Message("advance to"), to_date, floor)
            batch = Batch()
            changes: list[Change] = []
            before = len(self._held)
            if self._unsettled:
                self._mutating(lambda: settlement.settle_into(self, batch, changes, None))
            self._mutating(lambda: self._advance(to_date, batch, changes))
            self._finish(batch, before)
            raise_first(self._deliver(changes))
            return tuple(changes)

    def _advance(self, to_date: dt.date, batch: Batch, changes: list[Change]) -> None:
        self._freshen_all()
        while (item := self._wakes.pop_until(to_date)) is not None:
            day, subject_id = item
            state = self._states[subject_id]
            if state.wake != day:
                continue  # superseded by a later re-evaluation
            self._note_dues(day, batch)
            self._today = day if self._today is None else max(self._today, day)
            assert state.horizon is not None  # only evaluated subjects have wakes
            before = state.timeline
            if day > state.horizon:
                self._cache(state, self._evaluate_at_horizon(state, day), late=False)
            change = self._settle(state, day, "time", None)
            if change is not None:
                changes.append(change)
                self._note_change(change, before, batch)
        self._note_dues(to_date, batch)
        self._today = to_date
        batch.meta["today"] = to_date.isoformat()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(subject, gained, lost)`` whenever what applies to a subject on the
        ledger's today changes, by an event or by ``advance``. Returns a function that
        unsubscribes.

        Callbacks run after the change is durable (committed to the journal), in date order,
        while the ledger is locked: they may read the ledger (``ledger.today`` is the day of
        the change) but should be quick and must not wait for other threads that use it. An
        exception from a callback undoes nothing: every subscriber is still called for every
        change, and the first exception is raised to the caller once the call's work is done.
        A consumer that must not miss a notification across a crash reads the outbox
        (:meth:`pending`, :meth:`acknowledge`) instead.
        """
        if not callable(callback):
            raise LedgerArgumentError(
                Message("a subscriber must be callable, got {value}", value=shown(callback))
            )
        with self._lock:
            return self._subscribers.add(callback)

    def _deliver(self, changes: Sequence[Change]) -> list[BaseException]:
        """Tell the subscribers; return their exceptions (the caller raises the first)."""
        errors: list[BaseException] = []
        if not self._subscribers or not changes:
            return errors
        try:
            for change in changes:
                self._reporting = change.on
                subject = self._states[change.subject].subject
                errors.extend(self._subscribers.notify(subject, change))
        finally:
            self._reporting = None
        return errors

    # -- the outbox -------------------------------------------------------------------------

    def pending(self, limit: int = 1000) -> tuple[Notification, ...]:
        """Notifications not yet acknowledged, oldest first: delivered at least once."""
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise LedgerArgumentError(
                Message("limit must be a whole number, 0 or more, got {value}", value=shown(limit))
            )
        self._settle_all(None)
        with self._lock:
            if self._journal is None:
                return tuple(list(self._outbox.values())[:limit])
            return tuple(Notification.from_json(b) for b in self._journal.pending(limit))

    def acknowledge(self, ids: Iterable[str]) -> None:
        """Mark notifications handled; they are not delivered again."""
        if not isinstance(ids, Iterable) or isinstance(ids, str | bytes):
            raise LedgerArgumentError(
                Message("ids must be a list of notification ids, got {value}", value=shown(ids))
            )
        chosen = list(ids)
        if not all(holdable_text(note_id) for note_id in chosen):
            raise LedgerArgumentError(Message("a notification id is text that UTF-8 can encode"))
        with self._lock:
            self._usable()
            if self._journal is None:
                for note_id in chosen:
                    self._outbox.pop(note_id, None)
            else:
                self._journal.acknowledge(chosen)

    # -- settling later ---------------------------------------------------------------------

    def settle(self, limit: int | None = None) -> int:
        """Settle the events acknowledged but not settled yet (``settle="later"``), oldest
        first, at most ``limit`` of them: evaluate their subjects, write what follows to the
        outbox, tell the subscribers. Returns how many were settled (voided ones included).
        A worker calls it in a loop beside the producers; any question settles everything
        first by itself. Nothing to do returns 0 at once."""
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 1
        ):
            raise LedgerArgumentError(
                Message("limit must be a whole number, 1 or more, got {value}", value=shown(limit))
            )
        return self._settle_all(limit)

    @property
    def unsettled(self) -> int:
        """How many acknowledged events wait to be settled."""
        with self._lock:
            return len(self._unsettled)

    def voided(self) -> dict[int, str]:
        """The acknowledged events the engine refused at settlement, seq -> why (masked as
        every message is): kept in the journal, never in a history. Settles first."""
        self._settle_all(None)
        with self._lock:
            return {seq: mask_text(reason) for seq, reason in sorted(self._voided.items())}

    def _settle_all(self, limit: int | None) -> int:
        """Settle what waits (at most ``limit`` events), :data:`_SETTLE_CHUNK` events to a
        transaction, letting go of the lock between them: a backlog of a hundred thousand
        events settled in one would hold its notifications in memory at once (hundreds of
        megabytes) and the lock for seconds. Callbacks' errors are raised at the end."""
        total = 0
        errors: list[BaseException] = []
        while self._unsettled and (limit is None or total < limit):
            step = _SETTLE_CHUNK if limit is None else min(_SETTLE_CHUNK, limit - total)
            with self._lock, self._write():
                self._usable()
                self._begin_latest()
                batch = Batch()
                changes: list[Change] = []
                before = len(self._held)
                count = self._mutating(
                    lambda: settlement.settle_into(self, batch, changes, step)  # noqa: B023
                )
                self._finish(batch, before)
                errors.extend(self._deliver(changes))
            total += int(count)
        raise_first(errors)
        return total

    def _note(
        self,
        batch: Batch,
        kind: NotificationKind,
        state: SubjectState,
        day: dt.date,
        name: str,
        trigger: TriggerKey | None,
    ) -> None:
        """Write a notification to the outbox once. The same fact is found again and again
        (every event re-caches its subject's actions, and each is looked at again): it is
        known by what it says, before its id (a hash) or anything else is made of it."""
        fact = (kind, state.id, day, name, trigger)
        if fact in self._noted:
            return
        if self._journal is not None and len(self._noted) >= _NOTED_KEPT:
            self._noted.clear()
        self._noted.add(fact)
        ident = note_id(kind, state.id, day, name, trigger)
        seq = self._trigger_seqs(state).get(trigger) if trigger else None
        note = Notification.make(
            kind, state.id, day, name, trigger, self._noted_seq(), seq, ident=ident
        )
        batch.notifications.append((ident, note.to_json()))

    def _noted_seq(self) -> int:
        """The seq a notification written now reflects: the last event recorded, or, while
        settling later, the last event settled (as if each were settled on entry)."""
        settling = self._settling
        return len(self._log_subject) if settling is None else settling

    def _trigger_seqs(self, state: SubjectState) -> dict[TriggerKey, int]:
        """The seqs of ``state``'s triggers (:func:`~credit_rules.ledger.agenda.trigger_seqs`),
        found once for the notifications of one call, which each name a trigger of the same
        subject. Kept for the last subject asked about, with its events' tuple: an event
        recorded replaces the tuple, so an index of older events is never read."""
        last = self._seq_index
        if last[0] is not state or last[1] is not state.bodies:
            last = (state, state.bodies, trigger_seqs(state.events, state.seqs))
            self._seq_index = last
        return last[2]

    def _note_change(self, change: Change, before: Sequence[Interval], batch: Batch) -> None:
        state = self._states[change.subject]
        for kind, names, intervals, on in (
            ("gained", change.gained, state.timeline, change.on),
            ("lost", change.lost, [*before, *state.timeline], change.on - ONE_DAY),
        ):
            for name in sorted(names):
                trigger = next(
                    (
                        t
                        for o, first, last, t in intervals
                        if o == name and first <= on and (last is None or on <= last)
                    ),
                    None,
                )
                self._note(batch, kind, state, change.on, name, trigger)  # type: ignore[arg-type]

    def _note_dues(self, today: dt.date, batch: Batch) -> None:
        """Write what falls due or overdue by ``today`` for the subjects woken by then."""
        previous = None
        while (item := self._dues.pop_until(today)) is not None:
            if item == previous:
                # Woken again on the same day (each of its actions wakes it, twice when past
                # due): nothing changed since, so a second look would find only what is noted.
                continue
            previous = item
            day, subject_id = item
            state = self._states[subject_id]
            events = state.events
            view: ActionView = (subject_id, events, state.seqs, state.timeline, state.actions)
            for cached in state.actions:
                discharge = self.discharges.get(cached[1])
                name = discharge.action if discharge is not None else cached[1]
                due = due_on(cached, discharge, day, view, self.discharges)
                if due > day:
                    self._dues.push(due, subject_id)
                    continue
                if discharged(discharge, cached[8], day, events, state.timeline):
                    continue
                self._note(batch, "due", state, due, name, cached[8])
                if can_be_overdue(discharge) and due < day:
                    self._note(batch, "overdue", state, due + ONE_DAY, name, cached[8])

    # -- derived state ----------------------------------------------------------------------

    def _evaluate_at_horizon(self, state: SubjectState, day: dt.date) -> Evaluation:
        latest = day if state.latest is None else max(day, state.latest)
        return self._engine.evaluate(
            [state.bare], state.events, as_of=horizon(self.ruleset, latest, self._lookahead)
        )

    def _cache(self, state: SubjectState, evaluation: Evaluation, *, late: bool) -> None:
        self._apply_cache(
            state, evaluation.as_of, intervals_of(evaluation), actions_of(evaluation), late=late
        )

    def _apply_cache(
        self,
        state: SubjectState,
        horizon_day: dt.date,
        timeline: tuple[Interval, ...],
        actions: tuple[Any, ...],
        *,
        late: bool,
    ) -> None:
        """Install a subject's derived state and schedule its actions' notifications: from
        today on, or (``late``, an event just recorded) also those already past."""
        state.timeline = timeline
        state.actions = actions
        state.horizon = horizon_day
        self._dirty.add(state.id)
        today = self._today
        past = False
        for cached in actions:
            due = cached[2]
            for day in (due, due + ONE_DAY):
                if today is None or day > today:
                    self._dues.push(day, state.id)
                else:
                    past = True
        if late and past and today is not None:
            # One look today sees every action already past (_note_dues reads them all):
            # once, not once per action and day, each a push and a pop of the whole heap.
            self._dues.push(today, state.id)

    def _freshen_all(self) -> None:
        """Evaluate the subjects loaded without an evaluation (bulk load, replay). One whose
        history the engine refuses is held aside (:meth:`refused_subjects`): it keeps no
        derived state, so every question that walks the subjects passes it by. Refusing the
        call instead would refuse every later call that lets time pass, for good: the
        journal is append-only, and no event can take back a record entered twice."""
        for subject_id in sorted(self._stale):
            self._freshen(subject_id)
        self._stale.clear()

    def _freshen(self, subject_id: str) -> None:
        """Evaluate one stale subject, or hold it aside if the engine refuses its history
        (see :meth:`_freshen_all`); it is no longer stale either way."""
        state = self._states[subject_id]
        self._stale.discard(subject_id)
        try:
            durability.freshen(self, state)
        except EventRejected as refusal:
            # Nothing derived from an earlier history may answer for this one.
            state.timeline, state.actions, state.horizon = (), (), None
            state.outcomes, state.wake = frozenset(), None
            self._refused[subject_id] = str(refusal)
        else:
            self._refused.pop(subject_id, None)

    def _outcomes(self, state: SubjectState, day: dt.date) -> frozenset[str]:
        if state.horizon is None or not in_force_on(self.ruleset, day):
            return frozenset()
        assert day <= state.horizon
        return outcomes_on(state.timeline, day)

    def _settle(
        self, state: SubjectState, day: dt.date, cause: Cause, seq: int | None
    ) -> Change | None:
        """Bring ``state.outcomes`` to ``day`` and schedule its next wake; return any change."""
        now = self._outcomes(state, day)
        change = None
        if now != state.outcomes:
            change = Change(state.id, day, now - state.outcomes, state.outcomes - now, cause, seq)
            state.outcomes = now
        state.wake = self._next_wake(state, day)
        if state.wake is not None:
            self._wakes.push(state.wake, state.id)
        return change

    def _next_wake(self, state: SubjectState, day: dt.date) -> dt.date | None:
        if state.horizon is None:
            return None
        candidates = [state.horizon + ONE_DAY]
        found = next_change(state.timeline, day)
        if found is not None:
            candidates.append(found)
        until = self.ruleset.in_force_until
        if until is not None:
            if state.horizon >= until:
                candidates.remove(state.horizon + ONE_DAY)  # nothing to refresh past the end
            if day <= until:
                candidates.append(until + ONE_DAY)  # everything stops applying
        later = [c for c in candidates if c > day]
        return min(later) if later else None

    # -- questions --------------------------------------------------------------------------

    def status(
        self, subject_id: str, as_of: dt.date | str, *, known_at: dt.date | str | None = None
    ) -> Evaluation:
        """The evaluation of one subject as of ``as_of``, on the events recorded by ``known_at``
        (all of them without it): exactly ``engine.evaluate`` on that history."""
        return self.status_at(subject_id, as_of, known_at=known_at)[0]

    def status_at(
        self, subject_id: str, as_of: dt.date | str, *, known_at: dt.date | str | None = None
    ) -> tuple[Evaluation, int]:
        """:meth:`status` with the ledger seq it reflects (the last event recorded then)."""
        as_of = day_of(as_of, "as_of")
        known_at = day_of(known_at, "known_at", optional=True)
        self._settle_all(None)
        with self._lock:
            state = self._state(subject_id)
            seq = self._reflected()
            count = state.known(known_at)
            # known_at also says which corrections are decided yet (decided_on), not only
            # which events were recorded: two known_at with the same events may differ.
            key = (subject_id, count, as_of, known_at)
            cached = self._status_cache.get(key)
            if cached is not None:
                self._status_cache.move_to_end(key)
                return cached, seq
            bodies = state.bodies[:count]
        # The ledger answers with what it knows by known_at (everything, without one): a
        # correction decided since as_of voids a record from its entry (Art 13).
        knowledge = dt.date.max if known_at is None else known_at
        events = self._codec.events(bodies)
        evaluation = self._engine.evaluate([state.bare], events, as_of=as_of, known_at=knowledge)
        with self._lock:
            self._status_cache[key] = evaluation
            if len(self._status_cache) > _STATUS_CACHE_SIZE:
                self._status_cache.popitem(last=False)
        return evaluation, seq

    def report(
        self,
        subject_id: str,
        as_of: dt.date | str,
        *,
        known_at: dt.date | str | None = None,
        clear: bool = False,
    ) -> RecordReport:
        """The subject's own record report (Lianyungang Art 12; Ganzhou Art 12 credit report),
        with personal identity numbers masked wherever they sit (the subject's id, often one,
        is on every event and result); ``clear=True`` leaves all but the identity field as
        they are, for a caller who asks for clear values."""
        evaluation = self.status(subject_id, as_of, known_at=known_at)
        known = day_of(known_at, "known_at", optional=True)
        with self._lock:
            state = self._state(subject_id)
            entries = state.entries(state.known(known))
        return build_report(
            self.ruleset, self.calendar, state.subject, entries, evaluation, clear=clear
        )

    def subjects_with(self, outcome: str, as_of: dt.date | str) -> tuple[str, ...]:
        """The ids of the subjects to whom ``outcome`` (a measure) applies on ``as_of``."""
        if outcome not in self._measures:
            raise UnknownOutcome(outcome, self.ruleset.id, self._measures)
        as_of = self._check_in_force(as_of)
        found: list[str] = []
        pending: list[_Held] = []
        self._settle_all(None)
        with self._lock:
            self._freshen_all()
            seq = self._reflected()
            for state in self._states.values():
                if state.horizon is None:
                    continue
                if as_of <= state.horizon:
                    if outcome in outcomes_on(state.timeline, as_of):
                        found.append(state.id)
                else:
                    pending.append(_held(state))
        for held in pending:
            subject = self._codec.bare(held.id, held.source)
            events = self._codec.events(held.bodies)
            if outcome in self._engine.evaluate(
                [subject], events, as_of=as_of, known_at=dt.date.max
            ).outcomes(held.id):
                found.append(held.id)
        return Answer(sorted(found), seq)

    # -- agenda -----------------------------------------------------------------------------

    def agenda(self, as_of: dt.date | str, *, horizon: int | dt.timedelta) -> tuple[Action, ...]:
        """What the administration owes from ``as_of`` through ``as_of + horizon`` (inclusive),
        sorted by due day: duties on their day, deadlines on their last day (after what they
        wait for), less what the history shows already done (see
        :mod:`credit_rules.ledger.agenda`). The answer's ``seq`` is the history it reflects."""
        if isinstance(horizon, bool) or not isinstance(horizon, int | dt.timedelta):
            raise LedgerArgumentError(
                Message(
                    "the agenda's horizon is a number of days or a timedelta, not {horizon}",
                    horizon=shown(horizon),
                )
            )
        as_of = day_of(as_of, "as_of")
        days = horizon.days if isinstance(horizon, dt.timedelta) else horizon
        if days < 0:
            raise LedgerArgumentError(Message("the agenda's horizon must not be negative"))
        if days > (LAST_DAY - as_of).days:
            raise LedgerArgumentError(
                Message(
                    "the agenda's horizon of {days:,} days from {as_of} runs past "
                    "{LAST_DAY}, the last day the library counts",
                    days=days,
                    as_of=as_of,
                    LAST_DAY=LAST_DAY,
                )
            )
        as_of = self._check_in_force(as_of)
        end = as_of + dt.timedelta(days=days)
        views, seq = self._action_views(end)
        return Answer(owed(views, as_of, end, self.discharges), seq)

    def overdue(self, as_of: dt.date | str) -> tuple[Action, ...]:
        """Actions due before ``as_of`` that the history does not show done by ``as_of``.

        Only actions that a recorded event or outcome can discharge are ever overdue (duties
        are not: no event records them done).
        """
        as_of = self._check_in_force(as_of)
        views, seq = self._action_views(as_of)
        return Answer(past_due(views, as_of, self.discharges), seq)

    def _action_views(self, day: dt.date) -> tuple[list[ActionView], int]:
        """Per subject: events, seqs, measures and actions of an evaluation as of ``day``.

        A subject's cached evaluation serves when all its events are dated by ``day`` and its
        horizon reaches ``day``; otherwise it is evaluated afresh, outside the lock.
        """
        until = self.ruleset.in_force_until
        day = day if until is None or day <= until else until
        views: list[ActionView] = []
        pending: list[_Held] = []
        self._settle_all(None)
        with self._lock:
            self._freshen_all()
            seq = self._reflected()
            for state in self._states.values():
                if state.horizon is None:
                    continue
                assert state.latest is not None
                if state.latest <= day <= state.horizon:
                    views.append(
                        (
                            state.id,
                            state.events,
                            list(state.seqs),
                            state.timeline,
                            state.actions,
                        )
                    )
                else:
                    pending.append(_held(state))
        for held in pending:
            subject = self._codec.bare(held.id, held.source)
            events = self._codec.events(held.bodies)
            evaluation = self._engine.evaluate([subject], events, as_of=day, known_at=dt.date.max)
            views.append(
                (held.id, events, list(held.seqs), intervals_of(evaluation), actions_of(evaluation))
            )
        return views, seq

    # -- durability -------------------------------------------------------------------------

    def snapshot(self, path: str | os.PathLike[str] | None = None) -> int | None:
        """With a journal and no ``path``: write a compaction point, incrementally (only the
        subjects re-derived since the last one), so reopening need not evaluate them again.
        With ``path``: bring the JSON Lines export there up to date, by appending a sealed
        segment of what is new since it was written (a new file, written atomically, if it is
        not this ledger's past; see :mod:`credit_rules.ledger.snapshot`): never a rewrite of
        the whole ledger on each call. Returns how many subjects (compaction point) or lines
        (export) it wrote."""
        self._settle_all(None)
        if path is None:
            return durability.checkpoint(self)
        return durability.export(self, path)

    checkpoint = snapshot

    @classmethod
    def restore(
        cls,
        path: str | os.PathLike[str],
        ruleset: ir.Ruleset,
        **options: Any,
    ) -> Ledger:
        """A ledger read back from an exported snapshot, after verifying it whole; no
        callbacks fire and nothing is written to any outbox."""
        ledger = cls(ruleset, **options)
        durability.import_snapshot(ledger, path)
        return ledger

    def bulk_load(
        self,
        subjects: Iterable[Subject | Mapping[str, Any]],
        events: Iterable[
            tuple[dt.date, Event | Mapping[str, Any]]
            | tuple[dt.date, Event | Mapping[str, Any], str | None]
        ],
        *,
        freeze: bool = True,
        check: bool = False,
    ) -> int:
        """Load many subjects and (recorded_at, event) pairs fast, in one transaction; see
        :mod:`credit_rules.ledger.bulk`. Both may be generators. Returns the seq reached."""
        return self._loading(lambda: bulk.bulk_load(self, subjects, events, check=check), freeze)

    def bulk_load_tables(
        self,
        events: Any,
        subjects: Any = None,
        *,
        recorded_at: dt.date | str | None = None,
        freeze: bool = True,
        check: bool = False,
    ) -> int:
        """:meth:`bulk_load` from columns: events as one long table or one table per type
        (Arrow, Polars or Parquet, as the columnar backend takes them), with optional
        ``recorded_at`` and ``event_id`` columns, and a subjects table of ``id``, ``kind`` and
        any other subject field; ``recorded_at=`` is the recording day of events without
        one. Checked on whole columns, one :class:`~credit_rules.errors.TableError` for bad
        cells; see :mod:`credit_rules.ledger.bulk_tables`. Needs the ``columnar`` extra.
        Returns the seq reached."""
        recorded_at = day_of(recorded_at, "recorded_at", optional=True)
        try:
            from credit_rules.ledger import bulk_tables
        except ImportError as error:
            raise BackendUnavailable(
                Message(
                    "loading a ledger from tables needs the columnar extra ({name} is "
                    "missing): pip install 'credit-rules[columnar]'",
                    name=error.name,
                )
            ) from None
        return self._loading(
            lambda: bulk_tables.load_tables(
                self, events, subjects, recorded_at=recorded_at, check=check
            ),
            freeze,
        )

    def _loading(self, load: Callable[[], int], freeze: bool) -> int:
        self._settle_all(None)
        with self._lock:
            self._usable()
            # Loading allocates much and frees little: collections would walk it all again
            # and again, for nothing.
            collecting = gc.isenabled()
            gc.disable()
            try:
                seq = load()
                if freeze:
                    durability.freeze_loaded()
            finally:
                if collecting:
                    gc.enable()
            return seq

    def warm(self, *, freeze: bool = True) -> int:
        """Evaluate now every subject that bulk load or replay left for later, instead of on
        the first question that needs them; then, with ``freeze``, move everything into the
        collector's permanent generation (:func:`gc.freeze`) so that no later collection walks
        it. Call it once after loading, before serving. Returns how many were evaluated."""
        self._settle_all(None)
        with self._lock:
            self._usable()
            count = len(self._stale)
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._freshen_all()
                if freeze:
                    gc.freeze()
            finally:
                if collecting:
                    gc.enable()
            return count

    # -- helpers ----------------------------------------------------------------------------

    def _state(self, subject_id: str) -> SubjectState:
        """The subject's state; for a subject without events, a fresh one, not kept (reading
        about a million subjects must not grow the ledger by a million states)."""
        if not isinstance(subject_id, str):
            raise LedgerArgumentError(
                Message("a subject id is text, got {value}", value=shown(subject_id))
            )
        state = self._states.get(subject_id)
        if state is None:
            source = self._held.get(subject_id)
            if source is None:
                raise UnknownSubject(subject_id)
            state = SubjectState(subject_id, source, self._codec)
        return state

    def _where(self) -> str:
        return self._journal.where if self._journal is not None else "<ledger>"

    def _check_in_force(self, as_of: dt.date | str) -> dt.date:
        """``as_of`` as a date (its ISO text read), refused if the ruleset is not in force."""
        day = day_of(as_of, "as_of")
        if not in_force_on(self.ruleset, day):
            rs = self.ruleset
            raise NotInForce(rs.id, day, rs.in_force_from, rs.in_force_until)
        return day
