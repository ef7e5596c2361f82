"""Bulk load: a million subjects and their history into a ledger in seconds, not minutes.

The fast path for a history already decided (exported from another ledger or journal,
migrated, or read from the bureau's own tables). Nothing is evaluated: every event is
validated by pydantic, its subject, order, id and references checked, and the whole load
written in ONE journal transaction (by a thread of its own while memory takes the load; see
:class:`_JournalLoad`); the loaded subjects are marked stale and evaluated when first needed
(a status, an agenda, ``Ledger.warm``). ``check=True`` evaluates every loaded subject's
history first and refuses the whole load if one fails the engine's checks.

The input is consumed as it comes, in chunks: the ledger keeps of each event only its JSON row
and a few integers (:class:`~credit_rules.ledger.store.SubjectState`), so the caller's
iterables may be generators and a million persons never exist as a million Python dicts or
pydantic models at once. Every check is made before the transaction begins, so a refused load
leaves the ledger and its journal as they were. A subject with nothing but an id and a kind
(most of a bureau's persons) is checked without pydantic: the checks are the model's own
(a non-blank id, a kind the ruleset knows), and it is kept as its kind, one shared string.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import re
import threading
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    JournalError,
    LedgerClockError,
    LedgerClockLeap,
    Problem,
    SnapshotCorrupt,
    SubjectRejected,
    shown,
)
from credit_rules.i18n import Message
from credit_rules.ledger import settlement
from credit_rules.ledger.clock import max_leap_of
from credit_rules.ledger.codec import minimal_json, raw_json, raw_json_many
from credit_rules.ledger.entry import check_event_id, day_of, parse_subjects, typed_events
from credit_rules.ledger.journal import MINIMAL_ROW, Batch, EventRow, Journal, SubjectChunk
from credit_rules.ledger.references import Introductions
from credit_rules.ledger.store import Codec
from credit_rules.ledger.timeline import horizon
from credit_rules.limits import LAST_DAY
from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger

_CHUNK = 20_000
#: Minimal subjects per journal statement. Measured at 1,000,000 persons, alternated three
#: times: 250,000 loads in 4.6-4.9 s, 20,000 in 4.9-5.2 s, for 26-60 MiB more at the peak.
_SUBJECT_CHUNK = 250_000
_MINIMAL = re.compile(r'\{"id":"([^"\\]+)","kind":"([a-z][a-z0-9_]*)"\}')

LoadItem = (
    tuple[dt.date, Event | Mapping[str, Any]]
    | tuple[dt.date, Event | Mapping[str, Any], str | None]
)


Replayed = tuple[int, str | None, int, str, str, dt.date, str]
"""An event as the ledger keeps it: seq, event_id, recorded_at (ordinal), JSON row, and read
off the validated event, its subject, date and type."""


def load_rows(
    ledger: Ledger,
    subjects: Iterable[tuple[str, str]],
    events: Iterable[Replayed],
    marks: tuple[int, Mapping[int, str]] = (0, {}),
) -> set[str]:
    """Append subjects (id, source) and events already checked (read back, or checked whole
    by bulk load); return the subjects whose derived state they make stale. ``marks`` (a
    journal's, :func:`~credit_rules.ledger.settlement.journal_marks`) holds the events not
    settled yet, and those voided, aside from their subjects' histories."""
    first_unsettled, voids = marks
    held = ledger._held
    for subject_id, source in subjects:
        if subject_id in held:
            raise SnapshotCorrupt(
                ledger._where(), Message("subject {id!r} appears twice", id=subject_id)
            )
        held[subject_id] = source
    touched: set[str] = set()
    inert = ledger._inert
    log_subject, log_recorded, event_ids = (
        ledger._log_subject,
        ledger._log_recorded,
        ledger._event_ids,
    )
    for seq, event_id, recorded_at, body, subject_id, date, kind in events:
        if subject_id not in held or seq != len(log_subject) + 1:
            raise SnapshotCorrupt(
                ledger._where(), Message("event seq {seq} cannot be replayed", seq=seq)
            )
        state = ledger._live(subject_id)
        log_subject.append(state.id)
        log_recorded.append(recorded_at)
        if event_id is not None:
            event_ids[event_id] = seq
        if (first_unsettled and seq >= first_unsettled) or seq in voids:
            settlement.hold_aside(ledger, seq, state.id, recorded_at, body, kind, voids.get(seq))
            continue
        state.append(seq, recorded_at, body, date)
        if kind not in inert:
            state.horizon = None
            touched.add(state.id)
    return touched


def held_subjects(
    where: str, ruleset: ir.Ruleset, codec: Codec, rows: Iterable[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """Journal subject rows (id, JSON) as the ledger holds them (id, source), as they are read:
    a minimal row is recognised by its text, anything else validated by pydantic."""
    kinds = ruleset.subject_kinds
    for subject_id, body in rows:
        match = _MINIMAL.fullmatch(body)
        if match is not None and match.group(1) == subject_id and match.group(2) in kinds:
            yield subject_id, codec.kind(match.group(2))
            continue
        try:
            subject = parse_subjects(ruleset, [json.loads(body)])[0]
        except (ValueError, CreditRulesError) as error:
            raise JournalError(
                Message(
                    "{where}: subject row {id!r} does not validate ({error})",
                    where=where,
                    id=subject_id,
                    error=error,
                )
            ) from None
        yield subject.id, codec.source(subject)


def _sources(
    ruleset: ir.Ruleset, codec: Codec, given: Iterable[Subject | Mapping[str, Any]]
) -> Iterator[list[tuple[str, str]]]:
    """(id, source) of each subject given, validated, a chunk at a time; a minimal mapping
    without pydantic."""
    kinds = ruleset.subject_kinds
    shared = {kind: codec.kind(kind) for kind in kinds}
    iterator = iter(given)
    while chunk := list(islice(iterator, _CHUNK)):
        plain = _minimal_chunk(chunk, shared)
        if plain is not None:
            yield plain
            continue
        minimal = [_minimal(raw, kinds) for raw in chunk]
        slow = [raw for raw, fast in zip(chunk, minimal, strict=True) if fast is None]
        parsed = iter(parse_subjects(ruleset, slow)) if slow else iter(())
        pairs = []
        for fast in minimal:
            if fast is not None:
                pairs.append((fast[0], codec.kind(fast[1])))
            else:
                subject = next(parsed)
                pairs.append((subject.id, codec.source(subject)))
        yield pairs


def _minimal_chunk(chunk: Sequence[Any], shared: Mapping[str, str]) -> list[tuple[str, str]] | None:
    """(id, source) of every subject of ``chunk`` if all are plain ``{"id": ..., "kind": ...}``
    mappings the model would accept as they are (:func:`_minimal`), else None: a chunk of a
    bureau's persons is checked by a few passes in C, not a Python call per person."""
    if set(map(type, chunk)) != {dict} or set(map(len, chunk)) != {2}:
        return None
    try:  # every one a dict: a missing key is a KeyError, and the chunk is looked at closer
        ids = list(map(_ID, chunk))
        kinds = list(map(_KIND, chunk))
    except KeyError:
        return None
    # ASCII ids, none blank, need no closer look; any other goes through the model, which
    # refuses text no UTF-8 journal can hold.
    if set(map(type, ids)) != {str} or "" in ids:
        return None
    if not all(map(str.isascii, ids)) or any(map(str.isspace, ids)):
        return None
    if set(map(type, kinds)) != {str} or not set(kinds) <= shared.keys():
        return None
    return list(zip(ids, map(shared.__getitem__, kinds), strict=True))


_ID = operator.itemgetter("id")
_KIND = operator.itemgetter("kind")


def _minimal(raw: object, kinds: Collection[str]) -> tuple[str, str] | None:
    """(id, kind) of a plain ``{"id": ..., "kind": ...}`` the model would accept as it is."""
    if type(raw) is dict and len(raw) == 2:
        subject_id, kind = raw.get("id"), raw.get("kind")
        # An id ASCII and not blank, as the chunk's check (_minimal_chunk) asks.
        if (
            type(subject_id) is str
            and subject_id
            and subject_id.isascii()
            and not subject_id.isspace()
            and kind in kinds
        ):
            return subject_id, str(kind)
    return None


class _Labels(Sequence[str]):
    """``load[i]`` for a chunk's events, made only when a message names one."""

    def __init__(self, start: int, count: int) -> None:
        self._start, self._count = start, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return f"load[{self._start + index % self._count}]"


class Loaded:
    """The checked events of one load, compact: what the ledger and the journal keep."""

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.recorded = array("l")
        self.dates = array("l")
        self.bodies: list[str] = []
        self.types: list[str] = []
        self.ids: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.bodies)

    def groups(self, inert: frozenset[str]) -> Iterator[Group]:
        """Each subject's part of the load (:data:`Group`), in the order of first events."""
        by_subject: dict[str, list[int]] = {}
        for index, subject_id in enumerate(self.subjects):
            indices = by_subject.get(subject_id)
            if indices is None:
                by_subject[subject_id] = [index]
            else:
                indices.append(index)
        bodies, recorded, dates, types = self.bodies, self.recorded, self.dates, self.types
        for subject_id, indices in by_subject.items():
            yield (
                subject_id,
                indices,
                [recorded[i] for i in indices],
                [bodies[i] for i in indices],
                max([dates[i] for i in indices]),
                not inert.issuperset([types[i] for i in indices]),
            )


def bulk_load(
    ledger: Ledger,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[LoadItem],
    *,
    check: bool,
) -> int:
    """See the module docstring; the caller holds the ledger's lock with the collector off."""
    for name, given in (("subjects", subjects), ("events", events)):
        if not isinstance(given, Iterable) or isinstance(given, str | bytes | Mapping):
            raise EventRejected(
                None,
                [Problem(Message("{name} must be an iterable of items", name=name), name)],
            )
    new = new_subjects(ledger, subjects)
    return commit(ledger, new, _check_events(ledger, new, events), check=check)


def commit(ledger: Ledger, new: dict[str, str], loaded: Loaded, *, check: bool) -> int:
    """Write a checked load (new subjects, id -> source, and their events) to the journal in
    one transaction, then into the ledger; return the seq reached. The one commit of every
    bulk path, whatever form its input came in."""
    last = dt.date.fromordinal(loaded.recorded[-1]) if len(loaded) else None
    if check:
        _check_histories(ledger, new, loaded, last)
    batch = Batch()
    if last is not None:
        batch.meta["today"] = last.isoformat()
    with ledger._write():
        if not ledger._begin():
            # Another writer committed since the load was checked, and the ledger has caught
            # up with it: the checks (subjects held, event ids, today, references) may no
            # longer hold, so the load is refused whole, with nothing written or changed.
            raise EventRejected(
                None,
                [
                    Problem(
                        Message(
                            "another writer changed the ledger while the load was checked; "
                            "nothing was loaded: load it again"
                        ),
                        "load",
                    )
                ],
            )
        start_seq = len(ledger._log_subject)
        before = len(ledger._held)
        journal = ledger._journal

        def load() -> None:
            # Memory changes in here, under _mutating: whatever fails (the writer not starting,
            # an interrupt), the writer is waited for, then the transaction rolled back and
            # the ledger stopped (_write covers the steps around this one).
            writing = None
            try:
                if journal is not None:
                    iso = {o: dt.date.fromordinal(o).isoformat() for o in set(loaded.recorded)}
                    writing = _JournalLoad(
                        journal,
                        _subject_chunks(new, before),
                        zip(
                            itertools.count(start_seq + 1),
                            map(loaded.ids.get, range(len(loaded))),
                            map(iso.__getitem__, loaded.recorded),
                            loaded.bodies,
                        ),
                    )
                    writing.start()
                ledger._held.update(new)
                ledger._stale |= _append_loaded(ledger, loaded, start_seq)
                if last is not None:
                    ledger._today = last
            finally:
                # The transaction is the writer's until it is done, whatever happened here.
                if writing is not None:
                    writing.finish()
            if writing is not None and writing.error is not None:
                raise writing.error

        ledger._mutating(load)
        ledger._finish(batch, before + len(new))
    return len(ledger._log_subject)


_Row = TypeVar("_Row")


class _JournalLoad(threading.Thread):
    """A load's journal rows, written by a thread of their own while the ledger's memory
    takes the same load: SQLite and PostgreSQL do their work without the interpreter's lock,
    so the two take about the time of the longer (the journal's), not the sum. Every check
    is made before, as ever. The transaction is committed only once both sides are done; if
    either fails, the ledger stops as after a failed commit (memory and journal no longer
    say the same), and reopening it from its journal gives the state before the load."""

    def __init__(
        self, journal: Journal, subjects: Iterable[SubjectChunk], events: Iterable[EventRow]
    ) -> None:
        super().__init__(name="credit-rules-journal-load", daemon=True)
        self._journal = journal
        self._stopping = threading.Event()
        self._rows = (self._until_stopped(subjects, 1), self._until_stopped(events, 1024))
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._journal.load(*self._rows)
        except BaseException as error:  # handed to the loading thread, which raises it
            self.error = error

    def _until_stopped(self, rows: Iterable[_Row], every: int) -> Iterator[_Row]:
        """``rows``, until the loading thread asks the writer to stop (looked at every
        ``every`` rows): the journal then gets no more, and its call fails. Rows pass through
        C iterators only, so that this thread runs no Python code per row, which would
        compete with the loading thread for the interpreter's lock."""
        items = iter(rows)
        batches = iter(lambda: list(islice(items, every)), [])
        return itertools.chain.from_iterable(map(self._unless_stopped, batches))

    def _unless_stopped(self, batch: list[_Row]) -> list[_Row]:
        if self._stopping.is_set():
            raise _Stopped
        return batch

    def finish(self) -> None:
        """Wait until the writer is done, even through interrupts (the first is raised once
        it is): a rollback before then would race the writer on its connection. An
        interrupt stops the writer at its next rows and asks the journal to stop the
        statement it runs, so that the wait is short."""
        interrupted: BaseException | None = None
        while self.is_alive():
            try:
                if interrupted is not None:
                    self._stopping.set()
                    self._journal.interrupt()
                self.join()
            except BaseException as error:  # KeyboardInterrupt, say, even inside interrupt()
                if interrupted is None:
                    interrupted = error
        if interrupted is not None:
            raise interrupted


class _Stopped(Exception):
    """The loading thread was interrupted while the writer wrote: the load is rolled back."""


def new_subjects(ledger: Ledger, subjects: Iterable[Subject | Mapping[str, Any]]) -> dict[str, str]:
    """The subjects to load, id -> source, in the order given; refused if one is held or
    given twice (checked a chunk at a time by dict and set operations)."""
    new: dict[str, str] = {}
    held = ledger._held
    for chunk in _sources(ledger.ruleset, ledger._codec, subjects):
        size = len(new)
        new.update(chunk)
        if len(new) == size + len(chunk) and (
            not held or held.keys().isdisjoint(map(operator.itemgetter(0), chunk))
        ):
            continue
        seen = set(islice(new, size))
        for offset, (subject_id, _) in enumerate(chunk):
            if subject_id in held or subject_id in seen:
                message = (
                    Message("the ledger already holds subject {id!r}", id=subject_id)
                    if subject_id in held
                    else Message("subject {id!r} is given twice", id=subject_id)
                )
                raise SubjectRejected(None, [Problem(message, f"subjects[{size + offset}].id")])
            seen.add(subject_id)
    return new


def _subject_chunks(new: Mapping[str, str], before: int) -> Iterator[SubjectChunk]:
    """The journal rows of the subjects loaded, a chunk at a time, as they are written: a
    chunk of minimal subjects of one kind with plain ids as the ids and the kind alone, as
    :func:`minimal_json` would write them, and no Python frame per subject."""
    items = iter(new.items())
    pos = before + 1
    while chunk := list(islice(items, _SUBJECT_CHUNK)):
        yield _chunk_of(chunk, pos)
        pos += len(chunk)


def _chunk_of(chunk: list[tuple[str, str]], first: int) -> SubjectChunk:
    ids = list(map(_FIRST, chunk))
    kinds = list(map(_SECOND, chunk))
    if _PLAIN_IDS.fullmatch("".join(ids)) and not any(map(_IS_ROW, kinds)):
        if len(set(kinds)) == 1 and _PLAIN_IDS.fullmatch(kinds[0]):
            return SubjectChunk(first, ids, kind=kinds[0])
        bodies = list(map(MINIMAL_ROW, ids, kinds))
    else:
        bodies = [source if _IS_ROW(source) else minimal_json(sid, source) for sid, source in chunk]
    return SubjectChunk(first, ids, bodies)


Group = tuple[str, Sequence[int], Sequence[int], Sequence[str], int, bool]
"""One subject's part of a load: its id, the positions of its events in the load, their
recording days (ordinals) and rows, the latest of their dates (an ordinal), and whether any
of them is read by a rule (not inert)."""


def _append_loaded(ledger: Ledger, loaded: Loaded, start_seq: int) -> set[str]:
    """Append the checked events of a load to the ledger's log and its subjects' states, a
    subject at a time; return the subjects whose derived state they make stale."""
    touched: set[str] = set()
    for subject_id, positions, recorded, bodies, latest, stale in loaded.groups(ledger._inert):
        state = ledger._live(subject_id)
        state.extend(
            [start_seq + i + 1 for i in positions],
            recorded,
            bodies,
            dt.date.fromordinal(latest),
        )
        if stale:
            state.horizon = None
            touched.add(state.id)
    # The log refers to each state's own id string, not to one copy per event.
    states = ledger._states
    ledger._log_subject += map(operator.attrgetter("id"), map(states.__getitem__, loaded.subjects))
    ledger._log_recorded.extend(loaded.recorded)
    for index, event_id in loaded.ids.items():
        ledger._event_ids[event_id] = start_seq + index + 1
    return touched


_PLAIN_IDS = re.compile(r"[ !#-\[\]-~]+")  # printable ASCII but the quote and the backslash
_SECOND = operator.itemgetter(1)
_IS_ROW = operator.methodcaller("startswith", "{")


def _check_events(ledger: Ledger, new: Mapping[str, str], events: Iterable[LoadItem]) -> Loaded:
    """Validate and check every event, in chunks; keep what is kept of them."""
    loaded = Loaded()
    last = ledger._today
    last_ordinal = last.toordinal() if last is not None else None
    leap = max_leap_of(ledger.clock)
    held = ledger._held
    known_ids = ledger._event_ids
    load_ids: set[str] = set()
    introductions = Introductions(
        ledger.references, lambda sid: ledger._state(sid).events if sid in held else []
    )
    iterator = iter(events)
    start = 0
    while chunk := list(islice(iterator, _CHUNK)):
        labels = _Labels(start, len(chunk))
        _check_items(chunk, labels)
        chunk = _recording_days(chunk, labels)
        raws = [item[1] for item in chunk]
        typed = typed_events(ledger.ruleset, raws, labels)
        reached = _plain_chunk(loaded, chunk, raws, typed, (last_ordinal, leap), (held, new))
        if reached is not None:
            for index in introductions.concerned(typed):
                introductions.check(typed[index], labels, index)
            last_ordinal = reached
            start += len(chunk)
            continue
        unknown: list[Problem] = []
        clashes: list[Problem] = []
        for index, (item, event) in enumerate(zip(chunk, typed, strict=True)):
            day = item[0]
            ordinal = day.toordinal()
            if last_ordinal is not None and ordinal < last_ordinal:
                raise LedgerClockError(
                    Message("{labels} recorded_at", labels=labels[index]),
                    day,
                    dt.date.fromordinal(last_ordinal),
                )
            if leap is not None and last_ordinal is not None and ordinal - last_ordinal > leap:
                raise LedgerClockLeap(day, dt.date.fromordinal(last_ordinal), leap, labels[index])
            last_ordinal = ordinal
            subject_id = event.subject
            if subject_id not in held and subject_id not in new:
                unknown.append(
                    Problem(
                        Message(
                            "subject {subject!r} is neither held nor loaded", subject=subject_id
                        ),
                        f"{labels[index]}.subject",
                    )
                )
                continue
            introductions.check(event, labels, index)
            event_id = item[2] if len(item) == 3 else None
            check_event_id(event_id, f"{labels[index]}.event_id")
            if event_id is not None:
                if event_id in known_ids or event_id in load_ids:
                    clashes.append(
                        Problem(
                            Message(
                                "event_id {i!r} is already recorded or given twice", i=event_id
                            ),
                            "event_id",
                        )
                    )
                load_ids.add(event_id)
                loaded.ids[len(loaded)] = event_id
            raw = item[1]
            loaded.bodies.append(raw_json(raw, event))
            loaded.subjects.append(subject_id)
            loaded.recorded.append(ordinal)
            loaded.dates.append(event.date.toordinal())
            loaded.types.append(event.type)
        if unknown:
            raise EventRejected(None, unknown[:20])
        if clashes:
            raise EventRejected(None, clashes[:20])
        start += len(chunk)
    return loaded


def _check_items(chunk: Sequence[object], labels: Sequence[str]) -> None:
    """Each item a pair (recorded_at, event) or a triple with its event_id: anything else (a
    None, a lone day, a fourth value that would be dropped unseen) is refused by name. Checked
    by a pass in C, and one by one only to name the first wrong one."""
    if set(map(type, chunk)) <= {tuple, list} and set(map(len, chunk)) <= {2, 3}:  # type: ignore[arg-type]
        return
    for index, item in enumerate(chunk):
        if not isinstance(item, tuple | list) or len(item) not in (2, 3):
            raise EventRejected(
                None,
                [
                    Problem(
                        Message(
                            "an item is (recorded_at, event) or (recorded_at, event, event_id), "
                            "got {value}",
                            value=shown(item),
                        ),
                        labels[index],
                    )
                ],
            )


def _recording_days(chunk: list[LoadItem], labels: Sequence[str]) -> list[LoadItem]:
    """``chunk`` with each item's recording day a date no later than the last day, as
    :meth:`Ledger.record` requires, ISO text read as it reads it: checked by passes in C,
    and one by one only to read text or name the first wrong one."""
    days = list(map(_FIRST, chunk))
    if set(map(type, days)) == {dt.date} and max(days) <= LAST_DAY:
        return chunk
    read = [day_of(day, f"{labels[index]}.recorded_at") for index, day in enumerate(days)]
    return [(day, *item[1:]) for day, item in zip(read, chunk, strict=True)]


def _plain_chunk(
    loaded: Loaded,
    chunk: Sequence[LoadItem],
    raws: Sequence[Event | Mapping[str, Any]],
    typed: Sequence[Event],
    clock: tuple[int | None, int | None],
    subjects: tuple[Mapping[str, str], Mapping[str, str]],
) -> int | None:
    """Keep a chunk of validated events whole, by passes in C rather than a Python loop per
    event, when nothing in it needs looking at one by one: no event id, recording days in
    order and no step between them longer than the clock's ``max_leap`` (``clock`` is the
    last recording day, an ordinal, and that leap), every subject held or loaded. Returns the
    chunk's last recording day (an ordinal), or None, keeping nothing, if the chunk must be
    checked event by event (which names the problem). References are the caller's to check,
    in order."""
    if set(map(len, chunk)) != {2}:
        return None
    last_ordinal, leap = clock
    ordinals = list(map(_TO_ORDINAL, map(_FIRST, chunk)))
    if ordinals != sorted(ordinals) or (last_ordinal is not None and ordinals[0] < last_ordinal):
        return None
    if leap is not None:
        steps = map(
            operator.sub,
            ordinals,
            [ordinals[0] if last_ordinal is None else last_ordinal, *ordinals],
        )
        if max(steps) > leap:
            return None
    ids = list(map(_SUBJECT, typed))
    missing = set(ids).difference(subjects[1])
    if missing and missing.difference(subjects[0]):
        return None
    loaded.bodies += raw_json_many(raws, typed)
    loaded.subjects += ids
    loaded.recorded.extend(ordinals)
    loaded.dates.extend(map(_TO_ORDINAL, map(_DATE, typed)))
    loaded.types += map(_TYPE, typed)
    return int(ordinals[-1])


_FIRST = operator.itemgetter(0)
_TO_ORDINAL = operator.methodcaller("toordinal")
_SUBJECT = operator.attrgetter("subject")
_DATE = operator.attrgetter("date")
_TYPE = operator.attrgetter("type")


def _check_histories(
    ledger: Ledger, new: Mapping[str, str], loaded: Loaded, last: dt.date | None
) -> None:
    """Evaluate every loaded subject's would-be history (``check=True``)."""
    by_subject: dict[str, list[int]] = {}
    for index, subject_id in enumerate(loaded.subjects):
        by_subject.setdefault(subject_id, []).append(index)
    codec = ledger._codec
    problems: list[Problem] = []
    for subject_id, indices in by_subject.items():
        if subject_id in new:
            subject = codec.bare(subject_id, new[subject_id])
            history: list[Event] = []
        else:
            state = ledger._state(subject_id)
            subject, history = state.bare, state.events
        history += codec.events([loaded.bodies[i] for i in indices])
        latest = max([e.date for e in history] + ([last] if last else []))
        try:
            ledger._engine.evaluate(
                [subject], history, as_of=horizon(ledger.ruleset, latest, ledger._lookahead)
            )
        except CreditRulesError as error:
            names = ", ".join(f"load[{i}]" for i in indices[:3])
            problems.append(Problem(str(error), names))
    if problems:
        raise EventRejected(None, problems)
