"""Opening, replaying, compacting, exporting and bulk-loading a ledger.

These are the parts of :class:`~credit_rules.ledger.Ledger` that move whole histories between
memory and storage; the ledger module keeps the per-call path.

**Replay and compaction points.** Opening a ledger on its journal reads every subject and
event. What the ledger derived from each subject's events (measures, actions owed) is read
from the last compaction point where it is still current (the subject's last seq and the
ruleset's digest match) and otherwise marked *stale*: evaluated when first needed, not at
opening. A compaction point (``ledger.snapshot()``) writes only the subjects re-derived since
the previous one, in one transaction: never a rewrite of the whole ledger.

**Bulk load** (:mod:`credit_rules.ledger.bulk`) is the fast path for a history already
checked. Replay and bulk load run with the collector off and, with ``freeze``, end by moving
everything loaded into the collector's permanent generation (:func:`gc.freeze`): the objects
stay, but no later collection walks them, which keeps full collections, and the pauses they
cause in a service, short.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from credit_rules._version import __version__
from credit_rules.calendar import WorkingCalendar
from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    LedgerArgumentError,
    Problem,
    SnapshotCorrupt,
    SnapshotMismatch,
    require,
    shown,
)
from credit_rules.i18n import Message
from credit_rules.ledger import settlement
from credit_rules.ledger.bulk import Replayed, held_subjects, load_rows
from credit_rules.ledger.codec import (
    CacheReader,
    cache_json,
    event_json,
    read_events,
)
from credit_rules.ledger.entry import check_event_id
from credit_rules.ledger.journal import EventRow, Journal, SqliteJournal
from credit_rules.ledger.journal_pg import PostgresJournal
from credit_rules.ledger.snapshot import read_snapshot, write_snapshot, written_under
from credit_rules.ledger.store import SubjectState
from credit_rules.model.events import Event

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger


def open_journal(target: str | os.PathLike[str] | Journal) -> Journal:
    """A journal from a path (SQLite), a ``postgresql://`` URL (``#schema`` names the schema,
    ``credit_rules`` by default), or a journal as it is."""
    if isinstance(target, Journal):
        return target
    require(target, (str, os.PathLike), "journal")
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
    if len(raw) == 1 and ids[0] is None:
        item = raw[0]
        if isinstance(item, Event) or (isinstance(item, Mapping) and "event_id" not in item):
            return [item], [None]  # one event without an id: what a service sends most
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
            given = inner
        check_event_id(given)
        events.append(item)
        found.append(given)
    return events, found


def _cache_key(ledger: Ledger) -> str:
    """What a compaction point was derived under: the ruleset, the lookahead and the working
    calendar (a new year's overlay moves deadlines, so a point derived under the old calendar
    must not serve a ledger opened with the new one)."""
    return f"{ledger.ruleset.digest}:{ledger._lookahead.days}:{_calendar_key(ledger.calendar)}"


def _calendar_key(calendar: WorkingCalendar) -> str:
    """A digest of every rest day and adjusted workday the calendar holds, and its mode."""
    digest = hashlib.sha256(f"strict {calendar.strict}\n".encode())
    for year in range(calendar.first_year, calendar.last_year + 1):
        schedule = calendar.schedule(year)
        days = (
            schedule.published,
            [day.isoformat() for day, _ in schedule.holidays],
            [day.isoformat() for day, _ in schedule.workdays],
        )
        digest.update(f"{year} {days}\n".encode())
    return digest.hexdigest()[:16]


def attach(ledger: Ledger, journal: Journal, *, freeze: bool = True) -> None:
    """Make ``journal`` the ledger's, replaying what it holds (without the collector, which
    would walk everything loaded again and again), then freeze what was loaded."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        _attach(ledger, journal)
        # Before the collector is back: its first collection would walk everything loaded.
        if freeze and len(ledger._held) > 10_000:
            freeze_loaded()
    finally:
        if collecting:
            gc.enable()


def freeze_loaded() -> None:
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
    subjects = held_subjects(
        journal.where, ledger.ruleset, ledger._codec, journal.subjects(len(ledger._held))
    )
    rows = journal.events(len(ledger._log_subject))
    marks = settlement.journal_marks(journal.where, header)
    settlement.adopt_settled(ledger, *marks)
    touched = load_rows(ledger, subjects, _replayed(ledger, journal.where, rows), marks)
    today = header.get("today")
    if today is not None:
        day = dt.date.fromisoformat(today)
        ledger._today = day if ledger._today is None else max(ledger._today, day)
    if cache:
        _apply_compaction(ledger, journal.cache())
    # The rest is evaluated when first needed (Ledger._plan, advance, the agenda).
    ledger._stale |= {sid for sid in touched if ledger._states[sid].horizon is None}


_CHUNK = 20_000  # events validated per pydantic call: large enough to amortise, small in memory


def _replayed(ledger: Ledger, where: str, rows: Iterable[EventRow]) -> Iterator[Replayed]:
    """Journal rows validated (in chunks, by pydantic's JSON parser) and made compact, as
    they are read: a million rows never exist at once."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        events = read_events(where, ledger.ruleset.vocabulary, [r[3] for r in chunk])
        for (seq, event_id, at, body), event in zip(chunk, events, strict=True):
            yield (
                seq,
                event_id,
                dt.date.fromisoformat(at).toordinal(),
                body,
                event.subject,
                event.date,
                event.type,
            )


def _where(ledger: Ledger) -> str:
    return ledger._journal.where if ledger._journal is not None else "<ledger>"


def _apply_compaction(ledger: Ledger, rows: Iterable[tuple[str, int, str]]) -> None:
    reader = CacheReader(ledger.ruleset)
    today = ledger._today
    for subject_id, seq, body in rows:
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
                    state.id,
                )
            ],
        ) from None
    ledger._cache(state, evaluation, late=False)
    state.outcomes = ledger._outcomes(state, today)
    state.wake = ledger._next_wake(state, today)
    if state.wake is not None:
        ledger._wakes.push(state.wake, state.id)


def checkpoint(ledger: Ledger) -> int:
    """Write a compaction point for the subjects re-derived since the last; return how many."""
    with ledger._lock:
        ledger._usable()
        if ledger._journal is None:
            raise LedgerArgumentError(
                Message("a compaction point needs a journal: open the ledger with Ledger.open")
            )
        written = 0

        def rows() -> Iterator[tuple[str, int, str]]:
            # Made as they are written: the JSON of a hundred thousand subjects' caches,
            # held at once, would be the largest thing in the process.
            nonlocal written
            for subject_id in sorted(ledger._dirty):
                state = ledger._states[subject_id]
                if state.horizon is None or not state.seqs:
                    continue
                written += 1
                yield (
                    subject_id,
                    state.seqs[-1],
                    cache_json(state.horizon, state.timeline, state.actions),
                )

        ledger._journal.write_cache(rows(), {"cache_key": _cache_key(ledger)})
        ledger._dirty.clear()
        return written


def export(ledger: Ledger, path: str | os.PathLike[str]) -> int:
    """Bring the export at ``path`` up to the ledger: a segment of what is new since it was
    last written (see :mod:`credit_rules.ledger.snapshot`); returns how many lines."""
    require(path, (str, os.PathLike), "path")
    if os.path.isdir(path):
        raise LedgerArgumentError(
            Message("a snapshot is written to a file, and {path} is a folder", path=shown(path))
        )
    with ledger._lock:
        if ledger._voided:
            # An export numbers events as the ledger does, and its reader takes every one
            # into a history: a voided event would make its subject's history refused.
            raise LedgerArgumentError(
                Message(
                    "the ledger holds {count} voided event(s), which a JSON Lines export "
                    "cannot carry; its journal keeps them aside, or migrate it into a new "
                    "journal (credit_rules.ledger.migrate), which leaves them out",
                    count=len(ledger._voided),
                )
            )
        held = list(ledger._held)
        count = len(ledger._log_subject)
        today = ledger._today
    return write_snapshot(
        path,
        ruleset=ledger.ruleset,
        library_version=__version__,
        today=today,
        subject_count=len(held),
        event_count=count,
        subjects=lambda start: (ledger._state(sid).subject for sid in held[start:]),
        events=lambda start: (
            (entry.seq, entry.recorded_at, entry.event)
            for entry in (ledger._entry(seq) for seq in range(start + 1, count + 1))
        ),
    )


def import_snapshot(ledger: Ledger, path: str | os.PathLike[str]) -> None:
    require(path, (str, os.PathLike), "path")
    content = read_snapshot(path, ledger.ruleset)
    where = os.fspath(path)
    for subject in content.subjects:
        if subject.id in ledger._held or subject.kind not in ledger.ruleset.subject_kinds:
            raise SnapshotCorrupt(
                where, Message("subject {id!r} cannot be restored", id=subject.id)
            )
    try:
        touched = load_rows(
            ledger,
            [(s.id, ledger._codec.source(s)) for s in content.subjects],
            (
                (seq, None, at.toordinal(), event_json(e), e.subject, e.date, e.type)
                for seq, at, e in content.events
            ),
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
