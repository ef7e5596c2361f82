"""The in-memory credit ledger: what a service holds, asks and is told.

A service does not re-send a subject's whole history for every question. It adds subjects and
records events as they happen, asks what applies, and is told when something changes or falls
due. The :class:`Ledger` does that on top of the engine, and every answer it gives is, by
construction and by test, the answer ``engine.evaluate`` gives on the same history.

The rules the ledger keeps (docs/services.md explains them with an example):

- **Append-only.** Subjects are added once and events are recorded, never edited or deleted;
  a correction is itself an event (Lianyungang Art 13, Ganzhou Art 20).
- **Checked on entry, all or nothing.** Events are validated by pydantic and then by evaluating
  each concerned subject's would-be history, so the engine's history checks (a record entered
  twice, a correction of a record never entered, too many extensions) refuse a bad event
  before anything is stored. A batch is refused whole if any of its events is bad.
- **Transaction time only moves forward.** Each event gets the next ``seq`` and the
  caller's ``recorded_at`` (never the wall clock). ``recorded_at`` may not be earlier than the
  ledger's *today*; recording at a later date first advances the ledger to that date. So
  "what was known on Y" never changes after Y.
- **Today.** The ledger's today is the latest ``recorded_at`` or ``advance`` date. Changes are
  reported as of today: an event recorded today that changes what applies today is reported at
  once; an event that takes effect later is reported by ``advance`` when its day comes.
- **One subject at a time.** Recording an event re-evaluates only its subject, once, as of a
  horizon past its last event; that one evaluation answers "what applies on D" for every D up
  to the horizon (see :mod:`credit_rules.ledger.timeline`).
- **Thread-safe.** One re-entrant lock per ledger serialises changes; long reads evaluate
  outside it on a consistent prefix of the (append-only) history.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from credit_rules._version import __version__
from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.engine import Backend, Engine
from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    LedgerArgumentError,
    LedgerClockError,
    NotInForce,
    Problem,
    SnapshotCorrupt,
    SubjectRejected,
    UnknownOutcome,
    UnknownSubject,
    shown,
)
from credit_rules.ledger.agenda import (
    DEFAULT_DISCHARGES,
    Action,
    ActionView,
    Discharge,
    actions_of,
    owed,
    past_due,
)
from credit_rules.ledger.entry import (
    check_date,
    parse_subject,
    raise_first,
    relabel,
    seq_label,
    typed_events,
)
from credit_rules.ledger.notifications import Callback, Cause, Change, Subscribers, Wakes
from credit_rules.ledger.report import RecordReport, build_report
from credit_rules.ledger.snapshot import read_snapshot, write_snapshot
from credit_rules.ledger.store import LedgerEntry, SubjectState
from credit_rules.ledger.timeline import (
    ONE_DAY,
    default_lookahead,
    horizon,
    in_force_on,
    inert_event_types,
    intervals_of,
    known_count,
    next_change,
    outcomes_on,
)
from credit_rules.limits import LAST_DAY
from credit_rules.model.events import Event
from credit_rules.model.results import Evaluation
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir

_STATUS_CACHE_SIZE = 1024


class Ledger:
    """An in-memory, append-only store of one ruleset's subjects and events that answers
    questions about them, lists what the administration owes, and reports changes."""

    def __init__(
        self,
        ruleset: ir.Ruleset,
        *,
        backend: Backend = "closures",
        calendar: WorkingCalendar | None = None,
        discharges: Mapping[str, Discharge] | None = None,
        lookahead: dt.timedelta | None = None,
    ) -> None:
        if lookahead is not None and lookahead < dt.timedelta(0):
            raise ValueError("lookahead must not be negative")
        self.ruleset = ruleset
        self.backend: Backend = backend
        self._engine = Engine(ruleset, backend=backend, calendar=calendar)
        self.calendar = self._engine.calendar
        self.discharges: Mapping[str, Discharge] = MappingProxyType(
            dict(DEFAULT_DISCHARGES if discharges is None else discharges)
        )
        # How far past its last event a subject is evaluated: see timeline.default_lookahead.
        self._lookahead = lookahead if lookahead is not None else default_lookahead(ruleset)
        self._lock = threading.RLock()
        self._states: dict[str, SubjectState] = {}
        self._order: list[SubjectState] = []  # in the order added, for snapshots
        self._log_events: list[Event] = []  # seq N is index N - 1
        self._log_recorded: list[dt.date] = []
        self._today: dt.date | None = None
        self._wakes = Wakes()
        self._subscribers = Subscribers()
        self._status_cache: OrderedDict[tuple[str, int, dt.date], Evaluation] = OrderedDict()
        self._inert = inert_event_types(ruleset)
        self._measures = tuple(sorted(o.id for o in ruleset.outcomes if o.kind == "measure"))

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Release what the backend holds (the durable-rules backend holds engine state)."""
        self._engine.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def today(self) -> dt.date | None:
        """The latest ``recorded_at`` or ``advance`` date; None before either."""
        with self._lock:
            return self._today

    def __len__(self) -> int:
        """How many events are recorded."""
        with self._lock:
            return len(self._log_events)

    def subject_ids(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(state.subject.id for state in self._order)

    def subject(self, subject_id: str) -> Subject:
        with self._lock:
            return self._state(subject_id).subject

    def history(
        self, subject_id: str, *, known_at: dt.date | None = None
    ) -> tuple[LedgerEntry, ...]:
        """The subject's recorded events in recording order (those recorded by ``known_at``)."""
        check_date(known_at, "known_at", optional=True)
        with self._lock:
            state = self._state(subject_id)
            return state.entries(known_count(state.recorded, known_at))

    # -- entry ------------------------------------------------------------------------------

    def add_subject(self, subject: Subject | Mapping[str, Any]) -> Subject:
        """Add a subject; its id must be new and its kind one the ruleset knows."""
        typed = parse_subject(self.ruleset, subject)
        with self._lock:
            if typed.id in self._states:
                raise SubjectRejected(
                    None, [Problem(f"the ledger already holds subject {typed.id!r}", "id")]
                )
            state = SubjectState(typed)
            self._states[typed.id] = state
            self._order.append(state)
        return typed

    def record(self, event: Event | Mapping[str, Any], *, recorded_at: dt.date) -> LedgerEntry:
        """Record one event, learned of on ``recorded_at``; refused whole if anything is wrong."""
        return self._record([event], recorded_at, single=True)[0]

    def record_many(
        self, events: Iterable[Event | Mapping[str, Any]], *, recorded_at: dt.date
    ) -> tuple[LedgerEntry, ...]:
        """Record a batch, all or nothing: if one event is refused, none is recorded."""
        if not isinstance(events, Iterable) or isinstance(events, str | bytes | Mapping | Event):
            problem = Problem(f"a batch must be a list of events, got {shown(events)}", "batch")
            raise EventRejected(None, [problem])
        return self._record(list(events), recorded_at, single=False)

    def _record(
        self, raw: Sequence[Event | Mapping[str, Any]], recorded_at: dt.date, *, single: bool
    ) -> tuple[LedgerEntry, ...]:
        check_date(recorded_at, "recorded_at")
        labels = ["event"] if single else [f"batch[{i}]" for i in range(len(raw))]
        events = typed_events(self.ruleset, raw, labels)
        with self._lock:
            if self._today is not None and recorded_at < self._today:
                raise LedgerClockError("recorded_at", recorded_at, self._today)
            plans = self._plan(events, labels, recorded_at)
            errors: list[BaseException] = []
            if self._today is None or recorded_at > self._today:
                # Time passed before this event was learned of; report that first, in order.
                sizes = {sid: len(self._states[sid].events) for sid in plans}
                self._advance(recorded_at, errors)
                if any(len(self._states[sid].events) != n for sid, n in sizes.items()):
                    # A callback recorded meanwhile: check again against the new history.
                    plans = self._plan(events, labels, recorded_at)
            entries, changes = self._commit(events, plans, recorded_at)
            for change in changes:
                self._notify(change, errors)
            raise_first(errors)
            return entries

    def _plan(
        self, events: Sequence[Event], labels: Sequence[str], recorded_at: dt.date
    ) -> dict[str, Evaluation | None]:
        """Evaluate each concerned subject's would-be history; raise if any is refused.

        Returns, per subject, the evaluation to cache, or None where only inert events are
        added (the cache stays exact, see :func:`~credit_rules.ledger.timeline.inert_event_types`).
        """
        problems: list[Problem] = []
        grouped: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            if event.subject not in self._states:
                problems.append(
                    Problem(
                        f"subject {event.subject!r} is not in the ledger; add_subject() it first",
                        f"{labels[index]}.subject",
                    )
                )
            else:
                grouped.setdefault(event.subject, []).append(index)
        today = recorded_at if self._today is None else max(self._today, recorded_at)
        plans: dict[str, Evaluation | None] = {}
        for subject_id, indices in grouped.items():
            state = self._states[subject_id]
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
                    [state.subject],
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
        plans: Mapping[str, Evaluation | None],
        recorded_at: dt.date,
    ) -> tuple[tuple[LedgerEntry, ...], list[Change]]:
        """Store the events and bring every concerned subject up to date; only then may
        subscribers hear of it, so that a callback always sees a consistent ledger."""
        entries = []
        for event in events:
            self._log_events.append(event)
            self._log_recorded.append(recorded_at)
            seq = len(self._log_events)
            self._states[event.subject].append(seq, recorded_at, event)
            entries.append(LedgerEntry(seq, recorded_at, event))
        self._today = recorded_at
        last_seq = entries[-1].seq if entries else None
        changes = []
        for subject_id in sorted(plans):
            evaluation = plans[subject_id]
            if evaluation is None:
                continue  # inert events: nothing derived changes
            state = self._states[subject_id]
            self._cache(state, evaluation)
            change = self._settle(state, recorded_at, "event", last_seq)
            if change is not None:
                changes.append(change)
        return tuple(entries), changes

    # -- time -------------------------------------------------------------------------------

    def advance(self, to_date: dt.date) -> tuple[Change, ...]:
        """Move today forward to ``to_date``, reporting, in date order, every change that time
        passing brings (a measure ends, a ban lifts, a measure recorded ahead starts)."""
        check_date(to_date, "advance to")
        with self._lock:
            errors: list[BaseException] = []
            changes = self._advance(to_date, errors)
            raise_first(errors)
            return changes

    def _advance(self, to_date: dt.date, errors: list[BaseException]) -> tuple[Change, ...]:
        if self._today is not None and to_date < self._today:
            raise LedgerClockError("advance to", to_date, self._today)
        changes: list[Change] = []
        while (item := self._wakes.pop_until(to_date)) is not None:
            day, subject_id = item
            state = self._states[subject_id]
            if state.wake != day:
                continue  # superseded by a later re-evaluation
            self._today = day if self._today is None else max(self._today, day)
            assert state.horizon is not None  # only evaluated subjects have wakes
            if day > state.horizon:
                self._cache(state, self._evaluate_at_horizon(state, day))
            change = self._settle(state, day, "time", None)
            if change is not None:
                changes.append(change)
                self._notify(change, errors)
        self._today = to_date
        return tuple(changes)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(subject, gained, lost)`` whenever what applies to a subject on the
        ledger's today changes, by an event or by ``advance``. Returns a function that
        unsubscribes.

        Callbacks run synchronously, in date order, while the ledger is locked: they may read
        the ledger (``ledger.today`` is the day of the change) but should be quick and must not
        wait for other threads that use it. The change is stored before callbacks run, and an
        exception from a callback undoes nothing: every subscriber is still called for every
        change, and the first exception is raised to the caller of ``record``/``advance`` once
        the call's work is done.
        """
        with self._lock:
            return self._subscribers.add(callback)

    def _evaluate_at_horizon(self, state: SubjectState, day: dt.date) -> Evaluation:
        latest = day if state.latest is None else max(day, state.latest)
        return self._engine.evaluate(
            [state.subject], state.events, as_of=horizon(self.ruleset, latest, self._lookahead)
        )

    def _cache(self, state: SubjectState, evaluation: Evaluation) -> None:
        state.timeline = intervals_of(evaluation)
        state.actions = actions_of(evaluation)
        state.horizon = evaluation.as_of

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
            change = Change(
                state.subject.id, day, now - state.outcomes, state.outcomes - now, cause, seq
            )
            state.outcomes = now
        state.wake = self._next_wake(state, day)
        if state.wake is not None:
            self._wakes.push(state.wake, state.subject.id)
        return change

    def _notify(self, change: Change, errors: list[BaseException]) -> None:
        if self._subscribers:
            errors.extend(self._subscribers.notify(self._states[change.subject].subject, change))

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
        self, subject_id: str, as_of: dt.date, *, known_at: dt.date | None = None
    ) -> Evaluation:
        """The evaluation of one subject as of ``as_of``, on the events recorded by ``known_at``
        (all of them without it): exactly ``engine.evaluate`` on that history."""
        check_date(known_at, "known_at", optional=True)
        with self._lock:
            state = self._state(subject_id)
            count = known_count(state.recorded, known_at)
            key = (subject_id, count, as_of)
            cached = self._status_cache.get(key)
            if cached is not None:
                self._status_cache.move_to_end(key)
                return cached
            events = state.events[:count]
        # The ledger answers with what it knows by known_at (everything, without one): a
        # correction decided since as_of voids a record from its entry (Art 13).
        knowledge = dt.date.max if known_at is None else known_at
        evaluation = self._engine.evaluate([state.subject], events, as_of=as_of, known_at=knowledge)
        with self._lock:
            self._status_cache[key] = evaluation
            if len(self._status_cache) > _STATUS_CACHE_SIZE:
                self._status_cache.popitem(last=False)
        return evaluation

    def report(
        self, subject_id: str, as_of: dt.date, *, known_at: dt.date | None = None
    ) -> RecordReport:
        """The subject's own record report (Lianyungang Art 12; Ganzhou Art 12 credit report),
        with personal identity numbers masked."""
        evaluation = self.status(subject_id, as_of, known_at=known_at)
        with self._lock:
            state = self._state(subject_id)
            entries = state.entries(known_count(state.recorded, known_at))
        return build_report(self.ruleset, self.calendar, state.subject, entries, evaluation)

    def subjects_with(self, outcome: str, as_of: dt.date) -> tuple[str, ...]:
        """The ids of the subjects to whom ``outcome`` (a measure) applies on ``as_of``."""
        if outcome not in self._measures:
            raise UnknownOutcome(outcome, self.ruleset.id, self._measures)
        self._check_in_force(as_of)
        found: list[str] = []
        pending: list[tuple[Subject, list[Event]]] = []
        with self._lock:
            for state in self._order:
                if state.horizon is None:
                    continue
                if as_of <= state.horizon:
                    if outcome in outcomes_on(state.timeline, as_of):
                        found.append(state.subject.id)
                else:
                    pending.append((state.subject, list(state.events)))
        for subject, events in pending:
            if outcome in self._engine.evaluate(
                [subject], events, as_of=as_of, known_at=dt.date.max
            ).outcomes(subject.id):
                found.append(subject.id)
        return tuple(sorted(found))

    # -- agenda -----------------------------------------------------------------------------

    def agenda(self, as_of: dt.date, *, horizon: int | dt.timedelta) -> tuple[Action, ...]:
        """What the administration owes from ``as_of`` through ``as_of + horizon`` (inclusive),
        sorted by due day: duties on their day, deadlines on their last day, less what the
        history shows already done (see :mod:`credit_rules.ledger.agenda`)."""
        if isinstance(horizon, bool) or not isinstance(horizon, int | dt.timedelta):
            raise LedgerArgumentError(
                f"the agenda's horizon is a number of days or a timedelta, not {shown(horizon)}"
            )
        check_date(as_of, "as_of")
        days = horizon.days if isinstance(horizon, dt.timedelta) else horizon
        if days < 0:
            raise LedgerArgumentError("the agenda's horizon must not be negative")
        if days > (LAST_DAY - as_of).days:
            raise LedgerArgumentError(
                f"the agenda's horizon of {days:,} days from {as_of.isoformat()} runs past "
                f"{LAST_DAY.isoformat()}, the last day the library counts"
            )
        self._check_in_force(as_of)
        end = as_of + dt.timedelta(days=days)
        return owed(self._action_views(end), as_of, end, self.discharges)

    def overdue(self, as_of: dt.date) -> tuple[Action, ...]:
        """Actions due before ``as_of`` that the history does not show done by ``as_of``.

        Only actions that a recorded event or outcome can discharge are ever overdue (duties
        are not: no event records them done).
        """
        self._check_in_force(as_of)
        return past_due(self._action_views(as_of), as_of, self.discharges)

    def _action_views(self, day: dt.date) -> list[ActionView]:
        """Per subject: events, measures and actions of an evaluation as of ``day``.

        A subject's cached evaluation serves when all its events are dated by ``day`` and its
        horizon reaches ``day``; otherwise it is evaluated afresh, outside the lock.
        """
        until = self.ruleset.in_force_until
        day = day if until is None or day <= until else until
        views: list[ActionView] = []
        pending: list[tuple[Subject, list[Event]]] = []
        with self._lock:
            for state in self._order:
                if state.horizon is None:
                    continue
                assert state.latest is not None
                if state.latest <= day <= state.horizon:
                    views.append(
                        (state.subject.id, list(state.events), state.timeline, state.actions)
                    )
                else:
                    pending.append((state.subject, list(state.events)))
        for subject, events in pending:
            evaluation = self._engine.evaluate([subject], events, as_of=day, known_at=dt.date.max)
            views.append((subject.id, events, intervals_of(evaluation), actions_of(evaluation)))
        return views

    # -- durability -------------------------------------------------------------------------

    def snapshot(self, path: str | os.PathLike[str]) -> None:
        """Write the ledger to ``path`` as JSON Lines, atomically (see
        :mod:`credit_rules.ledger.snapshot`). Recording may go on meanwhile: the snapshot holds
        exactly the events recorded when it was called."""
        with self._lock:
            subjects = [state.subject for state in self._order]
            count = len(self._log_events)
            today = self._today
        write_snapshot(
            path,
            ruleset=self.ruleset,
            library_version=__version__,
            today=today,
            subjects=subjects,
            events=(
                (index + 1, self._log_recorded[index], self._log_events[index])
                for index in range(count)
            ),
        )

    @classmethod
    def restore(
        cls,
        path: str | os.PathLike[str],
        ruleset: ir.Ruleset,
        *,
        backend: Backend = "closures",
        calendar: WorkingCalendar | None = None,
        discharges: Mapping[str, Discharge] | None = None,
        lookahead: dt.timedelta | None = None,
    ) -> Ledger:
        """A ledger read back from a snapshot, after verifying it whole; no callbacks fire."""
        content = read_snapshot(path, ruleset)
        where = os.fspath(path)
        ledger = cls(
            ruleset, backend=backend, calendar=calendar, discharges=discharges, lookahead=lookahead
        )
        for subject in content.subjects:
            if subject.id in ledger._states or subject.kind not in ruleset.subject_kinds:
                raise SnapshotCorrupt(where, f"subject {subject.id!r} cannot be restored")
            state = SubjectState(subject)
            ledger._states[subject.id] = state
            ledger._order.append(state)
        for seq, recorded_at, event in content.events:
            state_for = ledger._states.get(event.subject)
            if state_for is None:
                raise SnapshotCorrupt(where, f"event seq {seq} names unknown {event.subject!r}")
            ledger._log_events.append(event)
            ledger._log_recorded.append(recorded_at)
            state_for.append(seq, recorded_at, event)
        ledger._today = content.today
        today = content.today
        for state in ledger._order:
            if not any(event.type not in ledger._inert for event in state.events):
                continue
            assert today is not None  # an event implies a recorded_at, hence a today
            try:
                ledger._cache(state, ledger._evaluate_at_horizon(state, today))
            except CreditRulesError as error:
                raise SnapshotCorrupt(where, f"subject {state.subject.id!r}: {error}") from None
            state.outcomes = ledger._outcomes(state, today)
            state.wake = ledger._next_wake(state, today)
            if state.wake is not None:
                ledger._wakes.push(state.wake, state.subject.id)
        return ledger

    # -- helpers ----------------------------------------------------------------------------

    def _state(self, subject_id: str) -> SubjectState:
        state = self._states.get(subject_id)
        if state is None:
            raise UnknownSubject(subject_id)
        return state

    def _check_in_force(self, as_of: dt.date) -> None:
        check_date(as_of, "as_of")
        if not in_force_on(self.ruleset, as_of):
            rs = self.ruleset
            raise NotInForce(rs.id, as_of, rs.in_force_from, rs.in_force_until)
