"""Opening, replaying, compacting, exporting and bulk-loading a ledger.

These are the parts of :class:`~credit_rules.ledger.Ledger` that move whole histories between
memory and storage; the ledger module keeps the per-call path.

**Replay and compaction points.** Opening a ledger on its journal reads every subject and
event. What the ledger derived from each subject's events (measures, actions owed) is read
from the last compaction point where it is still current (the subject's last seq and the
ruleset's digest match) and otherwise marked *stale*: evaluated when first needed, not at
opening. A compaction point (``ledger.snapshot()``) writes only the subjects re-derived since
the previous one, in one transaction: never a rewrite of the whole ledger.

**Bulk load** is the fast path for a history already checked (exported from another ledger or
journal, or migrated): events are validated by pydantic, their subjects, order, ids and
references checked, written in one transaction, and their subjects marked stale, not evaluated
one by one. ``check=True`` evaluates every loaded subject before anything is written, and
refuses the whole load if one history fails the engine's checks. After loading, ``freeze``
moves everything loaded into the collector's permanent generation (:func:`gc.freeze`): the
objects stay, but no later collection walks them, which keeps full collections, and the pauses
they cause in a service, short.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from credit_rules._version import __version__
from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    LedgerClockError,
    Problem,
    SnapshotCorrupt,
    SnapshotMismatch,
    SubjectRejected,
)
from credit_rules.i18n import Message
from credit_rules.ledger.codec import (
    CacheReader,
    cache_json,
    raw_json,
    read_events,
    read_subjects,
    subject_json,
)
from credit_rules.ledger.entry import parse_subjects, typed_events
from credit_rules.ledger.journal import Batch, Journal, SqliteJournal
from credit_rules.ledger.journal_pg import PostgresJournal
from credit_rules.ledger.references import check_references
from credit_rules.ledger.snapshot import read_snapshot, write_snapshot, written_under
from credit_rules.ledger.store import SubjectState
from credit_rules.ledger.timeline import horizon
from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger


def open_journal(target: str | os.PathLike[str] | Journal) -> Journal:
    """A journal from a path (SQLite), a ``postgresql://`` URL (``#schema`` names the schema,
    ``credit_rules`` by default), or a journal as it is."""
    if isinstance(target, Journal):
        return target
    text = os.fspath(target)
    if text.startswith(("postgresql://", "postgres://")):
        dsn, _, schema = text.partition("#")
        return PostgresJournal(dsn, schema=schema or "credit_rules")
    return SqliteJournal(text)


def split_ids(
    raw: Sequence[Event | Mapping[str, Any]], ids: Sequence[str | None]
) -> tuple[list[Event | Mapping[str, Any]], list[str | None]]:
    """Take an ``event_id`` key out of mapping events: an id of the ledger's, not a field of
    the event (the event models stay as the regulation describes them)."""
    events: list[Event | Mapping[str, Any]] = []
    found: list[str | None] = []
    for item, given in zip(raw, ids, strict=True):
        if isinstance(item, Mapping) and "event_id" in item:
            item = dict(item)
            inner = item.pop("event_id")
            if given is not None and inner != given:
                raise EventRejected(
                    None, [Problem(Message("two different event_ids given"), "event_id")]
                )
            given = None if inner is None else str(inner)
        events.append(item)
        found.append(given)
    return events, found


def _cache_key(ledger: Ledger) -> str:
    return f"{ledger.ruleset.digest}:{ledger._lookahead.days}"


def attach(ledger: Ledger, journal: Journal, *, freeze: bool = True) -> None:
    """Make ``journal`` the ledger's, replaying what it holds (without the collector, which
    would walk everything loaded again and again), then freeze what was loaded."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        _attach(ledger, journal)
        # Before the collector is back: its first collection would walk everything loaded.
        if freeze and len(ledger._order) > 10_000:
            _freeze()
    finally:
        if collecting:
            gc.enable()


def _freeze() -> None:
    # No collection first: loading made next to no garbage, and a full collection over what
    # was just loaded would itself be the long pause freezing avoids.
    with contextlib.suppress(AttributeError):  # gc.freeze: CPython 3.7+
        gc.freeze()


def _attach(ledger: Ledger, journal: Journal) -> None:
    rs = ledger.ruleset
    try:
        header = journal.initialise(
            {
                "ruleset_id": rs.id,
                "ruleset_version": rs.version,
                "ruleset_digest": rs.digest,
                "library_version": __version__,
            }
        )
        if header.get("ruleset_digest") != rs.digest:
            written = [header.get(f"ruleset_{key}") for key in ("id", "version", "digest")]
            raise SnapshotMismatch(
                journal.where,
                written_under(written, rs) + Message("; migrate it into a new journal"),
            )
        ledger._journal = journal
        catch_up(ledger, header=header, cache=header.get("cache_key") == _cache_key(ledger))
    except BaseException:
        ledger._journal = None
        journal.close()
        raise


def catch_up(
    ledger: Ledger, *, header: Mapping[str, str] | None = None, cache: bool = False
) -> None:
    """Read the journal's rows past the ledger's tail (another writer's, or all at opening)."""
    journal = ledger._journal
    assert journal is not None
    if header is None:
        header = journal.header()
    subjects = read_subjects(
        journal.where, ledger.ruleset, [body for _, body in journal.subjects(len(ledger._order))]
    )
    rows = journal.events(len(ledger._log_events))
    events = read_events(journal.where, ledger.ruleset.vocabulary, [r[3] for r in rows])
    touched = _load(
        ledger,
        subjects,
        [(seq, eid, dt.date.fromisoformat(at)) for seq, eid, at, _ in rows],
        events,
    )
    today = header.get("today")
    if today is not None:
        day = dt.date.fromisoformat(today)
        ledger._today = day if ledger._today is None else max(ledger._today, day)
    if cache:
        _apply_compaction(ledger, journal.cache())
    # The rest is evaluated when first needed (Ledger._plan, advance, the agenda).
    ledger._stale |= {sid for sid in touched if ledger._states[sid].horizon is None}


def _load(
    ledger: Ledger,
    subjects: Sequence[Subject],
    meta: Sequence[tuple[int, str | None, dt.date]],
    events: Sequence[Event],
) -> set[str]:
    """Append rows read back (already checked when first written); return the subjects whose
    derived state they make stale."""
    for subject in subjects:
        if subject.id in ledger._states:
            raise SnapshotCorrupt(
                _where(ledger), Message("subject {id!r} appears twice", id=subject.id)
            )
        ledger._add_state(subject)
    touched: set[str] = set()
    for (seq, event_id, recorded_at), event in zip(meta, events, strict=True):
        state = ledger._states.get(event.subject)
        if state is None or seq != len(ledger._log_events) + 1:
            raise SnapshotCorrupt(
                _where(ledger), Message("event seq {seq} cannot be replayed", seq=seq)
            )
        ledger._log_events.append(event)
        ledger._log_recorded.append(recorded_at)
        if event_id is not None:
            ledger._event_ids[event_id] = seq
        state.append(seq, recorded_at, event)
        if event.type not in ledger._inert:
            state.horizon = None
            touched.add(state.subject.id)
    return touched


def _where(ledger: Ledger) -> str:
    return ledger._journal.where if ledger._journal is not None else "<ledger>"


def _apply_compaction(ledger: Ledger, rows: Mapping[str, tuple[int, str]]) -> None:
    reader = CacheReader(ledger.ruleset)
    today = ledger._today
    for subject_id, (seq, body) in rows.items():
        state = ledger._states.get(subject_id)
        if state is None or not state.seqs or state.seqs[-1] != seq or today is None:
            continue
        horizon_day, timeline, actions = reader.read(body)
        if horizon_day < today:
            continue  # time has moved past what it covers: evaluate again
        ledger._apply_cache(state, horizon_day, timeline, actions, late=False)
        state.outcomes = ledger._outcomes(state, today)
        state.wake = ledger._next_wake(state, today)
        if state.wake is not None:
            ledger._wakes.push(state.wake, subject_id)
        ledger._dirty.discard(subject_id)


def freshen(ledger: Ledger, state: SubjectState) -> None:
    """Evaluate a stale subject and install what it derives, reporting nothing: its changes
    were reported when its events were recorded."""
    today = ledger._today
    assert today is not None  # a subject with events has a transaction day
    try:
        evaluation = ledger._evaluate_at_horizon(state, today)
    except CreditRulesError as error:
        raise EventRejected(
            None,
            [
                Problem(
                    Message("the loaded history fails the engine's checks: {error}", error=error),
                    state.subject.id,
                )
            ],
        ) from None
    ledger._cache(state, evaluation, late=False)
    state.outcomes = ledger._outcomes(state, today)
    state.wake = ledger._next_wake(state, today)
    if state.wake is not None:
        ledger._wakes.push(state.wake, state.subject.id)


def checkpoint(ledger: Ledger) -> int:
    """Write a compaction point for the subjects re-derived since the last; return how many."""
    with ledger._lock:
        ledger._usable()
        if ledger._journal is None:
            raise ValueError(
                Message("a compaction point needs a journal: open the ledger with Ledger.open")
            )
        rows = []
        for subject_id in sorted(ledger._dirty):
            state = ledger._states[subject_id]
            if state.horizon is None or not state.seqs:
                continue
            rows.append(
                (
                    subject_id,
                    state.seqs[-1],
                    cache_json(state.horizon, state.timeline, state.actions),
                )
            )
        ledger._journal.write_cache(rows, {"cache_key": _cache_key(ledger)})
        ledger._dirty.clear()
        return len(rows)


def export(ledger: Ledger, path: str | os.PathLike[str]) -> None:
    with ledger._lock:
        subjects = [state.subject for state in ledger._order]
        count = len(ledger._log_events)
        today = ledger._today
    write_snapshot(
        path,
        ruleset=ledger.ruleset,
        library_version=__version__,
        today=today,
        subjects=subjects,
        events=(
            (index + 1, ledger._log_recorded[index], ledger._log_events[index])
            for index in range(count)
        ),
    )


def import_snapshot(ledger: Ledger, path: str | os.PathLike[str]) -> None:
    content = read_snapshot(path, ledger.ruleset)
    where = os.fspath(path)
    for subject in content.subjects:
        if subject.id in ledger._states or subject.kind not in ledger.ruleset.subject_kinds:
            raise SnapshotCorrupt(
                where, Message("subject {id!r} cannot be restored", id=subject.id)
            )
    try:
        touched = _load(
            ledger,
            content.subjects,
            [(seq, None, at) for seq, at, _ in content.events],
            [event for _, _, event in content.events],
        )
    except SnapshotCorrupt as error:
        raise SnapshotCorrupt(where, error.reason) from None
    ledger._today = content.today
    for subject_id in sorted(touched):
        try:
            freshen(ledger, ledger._states[subject_id])
        except CreditRulesError as error:
            raise SnapshotCorrupt(
                where,
                Message("subject {subject_id!r}: {error}", subject_id=subject_id, error=error),
            ) from None
    ledger._dirty.clear()


def bulk_load(
    ledger: Ledger,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[
        tuple[dt.date, Event | Mapping[str, Any]]
        | tuple[dt.date, Event | Mapping[str, Any], str | None]
    ],
    *,
    freeze: bool = True,
    check: bool = False,
) -> int:
    """See the module docstring. All or nothing: one transaction, refused whole on a problem.
    ``events`` are (recorded_at, event) or (recorded_at, event, event_id)."""
    # Loading allocates millions of objects and frees none: collections would walk them all,
    # again and again, for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _bulk_load(ledger, subjects, events, freeze=freeze, check=check)
    finally:
        if collecting:
            gc.enable()


def _bulk_load(
    ledger: Ledger,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[
        tuple[dt.date, Event | Mapping[str, Any]]
        | tuple[dt.date, Event | Mapping[str, Any], str | None]
    ],
    *,
    freeze: bool,
    check: bool,
) -> int:
    given = list(subjects)
    typed_subjects = parse_subjects(ledger.ruleset, given)
    seen = set(ledger._states)
    for subject in typed_subjects:
        if subject.id in seen:
            raise SubjectRejected(
                None,
                [
                    Problem(
                        Message("the ledger already holds subject {id!r}", id=subject.id),
                        "id",
                    )
                ],
            )
        seen.add(subject.id)
    pairs = list(events)
    labels = [f"load[{i}]" for i in range(len(pairs))]
    typed = typed_events(ledger.ruleset, [item[1] for item in pairs], labels)
    days = [item[0] for item in pairs]
    ids: list[str | None] = [item[2] if len(item) == 3 else None for item in pairs]
    named = [i for i in ids if i is not None]
    clashes = sorted({i for i in named if i in ledger._event_ids} | _twice(named))
    if clashes:
        raise EventRejected(
            None,
            [
                Problem(
                    Message("event_id {i!r} is already recorded or given twice", i=i),
                    "event_id",
                )
                for i in clashes[:20]
            ],
        )
    last = ledger._today
    for index, day in enumerate(days):
        if last is not None and day < last:
            raise LedgerClockError(Message("{labels} recorded_at", labels=labels[index]), day, last)
        last = day
    unknown = [
        Problem(
            Message("subject {subject!r} is neither held nor loaded", subject=e.subject),
            f"{labels[i]}.subject",
        )
        for i, e in enumerate(typed)
        if e.subject not in seen
    ]
    if unknown:
        raise EventRejected(None, unknown[:20])
    by_subject: dict[str, list[int]] = {}
    for index, event in enumerate(typed):
        by_subject.setdefault(event.subject, []).append(index)
    held = ledger._states
    for subject_id, indices in by_subject.items():
        history = held[subject_id].events if subject_id in held else []
        check_references(
            history,
            [typed[i] for i in indices],
            [labels[i] for i in indices],
            ledger.references,
        )
    if check:
        _check_histories(ledger, typed_subjects, typed, by_subject, labels, last)
    with ledger._lock:
        while not ledger._begin():
            pass
        start_seq = len(ledger._log_events)
        batch = Batch(
            subjects=[
                (s.id, raw_json(raw) if isinstance(raw, Mapping) else subject_json(s))
                for s, raw in zip(typed_subjects, given, strict=True)
            ],
            events=[
                (start_seq + i + 1, ids[i], days[i].isoformat(), raw_json(pairs[i][1]))
                for i in range(len(typed))
            ],
        )
        if last is not None:
            batch.meta["today"] = last.isoformat()
        before = len(ledger._order)

        def load() -> set[str]:
            touched = _load(
                ledger,
                typed_subjects,
                [(start_seq + i + 1, ids[i], days[i]) for i in range(len(typed))],
                typed,
            )
            if last is not None:
                ledger._today = last
            ledger._stale |= touched
            return touched

        ledger._mutating(load)
        ledger._finish(batch, before)
    if freeze:
        _freeze()
    return len(ledger._log_events)


def _twice(ids: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for event_id in ids:
        if event_id in seen:
            twice.add(event_id)
        seen.add(event_id)
    return twice


def _check_histories(
    ledger: Ledger,
    subjects: Sequence[Subject],
    events: Sequence[Event],
    by_subject: Mapping[str, list[int]],
    labels: Sequence[str],
    last: dt.date | None,
) -> None:
    new = {s.id: s for s in subjects}
    problems: list[Problem] = []
    for subject_id, indices in by_subject.items():
        state = ledger._states.get(subject_id)
        subject = state.subject if state is not None else new[subject_id]
        history = [*(state.events if state is not None else []), *(events[i] for i in indices)]
        latest = max([e.date for e in history] + ([last] if last else []))
        try:
            ledger._engine.evaluate(
                [subject], history, as_of=horizon(ledger.ruleset, latest, ledger._lookahead)
            )
        except CreditRulesError as error:
            problems.append(Problem(str(error), ", ".join(labels[i] for i in indices[:3])))
    if problems:
        raise EventRejected(None, problems)
