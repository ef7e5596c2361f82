"""Bulk load: a million subjects and their history into a ledger in seconds, not minutes.

The fast path for a history already decided (exported from another ledger or journal,
migrated, or read from the bureau's own tables). Nothing is evaluated: every event is
validated by pydantic, its subject, order, id and references checked, and the whole load
written in ONE journal transaction (``executemany`` over generators, nothing materialised
twice); the loaded subjects are marked stale and evaluated when first needed (a status, an
agenda, ``Ledger.warm``). ``check=True`` evaluates every loaded subject's history first and
refuses the whole load if one fails the engine's checks.

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
import json
import re
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    JournalError,
    LedgerClockError,
    Problem,
    SnapshotCorrupt,
    SubjectRejected,
)
from credit_rules.i18n import Message
from credit_rules.ledger.codec import minimal_json, raw_json
from credit_rules.ledger.entry import parse_subjects, typed_events
from credit_rules.ledger.journal import Batch
from credit_rules.ledger.references import Introductions
from credit_rules.ledger.store import Codec
from credit_rules.ledger.timeline import horizon
from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger

_CHUNK = 20_000
_MINIMAL = re.compile(r'\{"id":"([^"\\]+)","kind":"([a-z][a-z0-9_]*)"\}')

LoadItem = (
    tuple[dt.date, Event | Mapping[str, Any]]
    | tuple[dt.date, Event | Mapping[str, Any], str | None]
)


Loaded = tuple[int, str | None, int, str, str, dt.date, str]
"""An event as the ledger keeps it: seq, event_id, recorded_at (ordinal), JSON row, and read
off the validated event, its subject, date and type."""


def load_rows(
    ledger: Ledger, subjects: Iterable[tuple[str, str]], events: Iterable[Loaded]
) -> set[str]:
    """Append subjects (id, source) and events already checked (read back, or checked whole
    by bulk load); return the subjects whose derived state they make stale."""
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
) -> Iterator[tuple[str, str]]:
    """(id, source) of each subject given, validated; a minimal mapping without pydantic."""
    kinds = ruleset.subject_kinds
    iterator = iter(given)
    while chunk := list(islice(iterator, _CHUNK)):
        minimal = [_minimal(raw, kinds) for raw in chunk]
        slow = [raw for raw, fast in zip(chunk, minimal, strict=True) if fast is None]
        parsed = iter(parse_subjects(ruleset, slow)) if slow else iter(())
        for fast in minimal:
            if fast is not None:
                yield fast[0], codec.kind(fast[1])
            else:
                subject = next(parsed)
                yield subject.id, codec.source(subject)


def _minimal(raw: object, kinds: Collection[str]) -> tuple[str, str] | None:
    """(id, kind) of a plain ``{"id": ..., "kind": ...}`` the model would accept as it is."""
    if type(raw) is dict and len(raw) == 2:
        subject_id, kind = raw.get("id"), raw.get("kind")
        if type(subject_id) is str and subject_id and kind in kinds:
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


class _Loaded:
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


def bulk_load(
    ledger: Ledger,
    subjects: Iterable[Subject | Mapping[str, Any]],
    events: Iterable[LoadItem],
    *,
    check: bool,
) -> int:
    """See the module docstring; the caller holds the ledger's lock with the collector off."""
    new: dict[str, str] = {}
    for subject_id, source in _sources(ledger.ruleset, ledger._codec, subjects):
        if subject_id in ledger._held or subject_id in new:
            raise SubjectRejected(
                None,
                [Problem(Message("the ledger already holds subject {id!r}", id=subject_id), "id")],
            )
        new[subject_id] = source
    loaded = _check_events(ledger, new, events)
    last = dt.date.fromordinal(loaded.recorded[-1]) if len(loaded) else None
    if check:
        _check_histories(ledger, new, loaded, last)
    while not ledger._begin():
        pass
    start_seq = len(ledger._log_subject)
    before = len(ledger._held)
    journal = ledger._journal
    if journal is not None:
        try:
            journal.load(
                (
                    (sid, minimal_json(sid, source) if not source.startswith("{") else source)
                    for sid, source in new.items()
                ),
                (
                    (
                        start_seq + i + 1,
                        loaded.ids.get(i),
                        dt.date.fromordinal(loaded.recorded[i]).isoformat(),
                        loaded.bodies[i],
                    )
                    for i in range(len(loaded))
                ),
                before,
            )
        except BaseException:
            ledger._abort()
            raise
    batch = Batch()
    if last is not None:
        batch.meta["today"] = last.isoformat()

    def load() -> None:
        touched = load_rows(
            ledger,
            new.items(),
            (
                (
                    start_seq + i + 1,
                    loaded.ids.get(i),
                    loaded.recorded[i],
                    loaded.bodies[i],
                    loaded.subjects[i],
                    dt.date.fromordinal(loaded.dates[i]),
                    loaded.types[i],
                )
                for i in range(len(loaded))
            ),
        )
        if last is not None:
            ledger._today = last
        ledger._stale |= touched

    ledger._mutating(load)
    ledger._finish(batch, before + len(new))
    return len(ledger._log_subject)


def _check_events(ledger: Ledger, new: Mapping[str, str], events: Iterable[LoadItem]) -> _Loaded:
    """Validate and check every event, in chunks; keep what is kept of them."""
    loaded = _Loaded()
    last = ledger._today
    last_ordinal = last.toordinal() if last is not None else None
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
        typed = typed_events(ledger.ruleset, [item[1] for item in chunk], labels)
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
            loaded.bodies.append(raw_json(raw))
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


def _check_histories(
    ledger: Ledger, new: Mapping[str, str], loaded: _Loaded, last: dt.date | None
) -> None:
    """Evaluate every loaded subject's would-be history (``check=True``)."""
    by_subject: dict[str, list[int]] = {}
    for index, subject_id in enumerate(loaded.subjects):
        by_subject.setdefault(subject_id, []).append(index)
    codec = ledger._codec
    problems: list[Problem] = []
    for subject_id, indices in by_subject.items():
        if subject_id in new:
            subject = codec.subject(subject_id, new[subject_id])
            history: list[Event] = []
        else:
            state = ledger._state(subject_id)
            subject, history = state.subject, state.events
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
