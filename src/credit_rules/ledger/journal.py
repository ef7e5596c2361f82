"""The journal: every accepted subject and event, on disk before the ledger says "recorded".

The ledger's memory is a cache of its journal. Each change (subjects added; events recorded
with the notifications they cause and the caller's metadata, say a consumer offset; a day
advanced) is one transaction, committed before the call returns, so what was acknowledged
survives a crash and what was not is not half there. Opening a ledger on a journal replays it.

Two journals share one schema and one piece of code here, differing only in dialect:

- :class:`SqliteJournal`, the embedded default: one file, WAL mode, stdlib :mod:`sqlite3`, no
  server. The file is created owner-only (0o600), as are SQLite's ``-wal`` and ``-shm`` files,
  which take the database file's mode: the journal holds full identity numbers. Opened with
  ``exclusive=True``, it is its ledger's alone until closed: no file locks per transaction and
  no check of another writer's tail (docs/decisions/0028).
- :class:`~credit_rules.ledger.journal_pg.PostgresJournal`, for several service instances on one
  journal (``psycopg``, the ``postgres`` extra).

Several writers: a write names the journal's tail it was planned against (subjects and events
it has seen); under the journal's write lock the tail is compared, and on a mismatch nothing is
written and the ledger catches up with the other writer's rows and plans again. A journal held
alone skips the comparison: there is no other writer.

Tables (prefixed ``cr_`` so a PostgreSQL schema may hold other things):

=============  ==============================================================================
cr_meta        format version, ruleset id/version/digest, the ledger's today, compaction marks
cr_subjects    one row per subject, in the order added
cr_events      one row per event: seq, optional unique event_id, recorded_at, the event (JSON)
cr_caller      the caller's metadata (a consumer offset), written with the events it goes with
cr_outbox      notifications, each once (a stable id), with an acknowledged flag
cr_cache       compaction points: per subject, what the ledger derived from its events
=============  ==============================================================================
"""

from __future__ import annotations

import contextlib
import itertools
import json
import operator
import os
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credit_rules.errors import JournalError, LedgerArgumentError, shown
from credit_rules.i18n import Message

FORMAT = "credit-rules-journal"
FORMAT_VERSION = "1"

EventRow = tuple[int, str | None, str, str]
"""seq, event_id, recorded_at (ISO date), the event as JSON."""

SubjectRow = tuple[int, str, str]
"""pos (from 1, in the order added), id, the subject as JSON."""

#: A minimal subject's journal row from a plain id and kind (no escaping needed; see SubjectChunk).
MINIMAL_ROW = '{{"id":"{}","kind":"{}"}}'.format


@dataclass(frozen=True)
class SubjectChunk:
    """Consecutive subjects of a bulk load, the first at ``first`` (pos): their ids and JSON
    rows. With ``kind`` (and no ``bodies``) every one is ``{"id": id, "kind": kind}`` and
    every id and the kind are plain (printable ASCII, no quote, no backslash), so a journal
    may write the rows from the ids alone: a million persons need not become a million
    parameter tuples (:meth:`SqliteJournal._load_subjects`)."""

    first: int
    ids: Sequence[str]
    bodies: Sequence[str] | None = None
    kind: str | None = None

    def rows(self) -> Iterator[SubjectRow]:
        bodies: Iterable[str] = (
            self.bodies
            if self.bodies is not None
            else map(MINIMAL_ROW, self.ids, itertools.repeat(self.kind))
        )
        return zip(range(self.first, self.first + len(self.ids)), self.ids, bodies, strict=True)


@dataclass
class Batch:
    """What one transaction writes: the rows of one ledger call."""

    subjects: list[tuple[str, str]] = field(default_factory=list)  # id, JSON
    events: list[EventRow] = field(default_factory=list)
    notifications: list[tuple[str, str]] = field(default_factory=list)  # id, JSON
    meta: dict[str, str] = field(default_factory=dict)
    caller: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.subjects or self.events or self.notifications or self.meta or self.caller)


class Journal(ABC):
    """An append-only store of one ledger; see the module docstring for its tables."""

    #: The placeholder of the driver's parameter style.
    _mark = "?"
    #: True when no other connection can write while this one is open (an exclusive SQLite
    #: journal): a write need not check that the journal's tail is still the ledger's.
    alone = False

    def __init__(self) -> None:
        self._closed = False

    # -- the dialect ------------------------------------------------------------------------

    @abstractmethod
    def _ddl(self) -> Sequence[str]: ...

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _begin_write(self) -> None:
        """Begin a transaction holding the journal's write lock."""

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the journal is, for messages (never with a password)."""

    def _sql(self, text: str) -> str:
        return text if self._mark == "?" else text.replace("?", self._mark)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        self._begin_write()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self._commit()

    # -- setting up -------------------------------------------------------------------------

    def _create(self) -> None:
        with self._write():
            for statement in self._ddl():
                self._execute(statement)

    def header(self) -> dict[str, str]:
        return {k: v for k, v in self._execute("SELECT key, value FROM cr_meta")}

    def initialise(self, meta: Mapping[str, str]) -> dict[str, str]:
        """Write the header of a new journal, or return the one already there."""
        with self._write():
            found = {k: v for k, v in self._execute("SELECT key, value FROM cr_meta")}
            if not found:
                found = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
                self._executemany(
                    self._sql("INSERT INTO cr_meta (key, value) VALUES (?, ?)"),
                    list(found.items()),
                )
        return found

    # -- reading ----------------------------------------------------------------------------

    def tail(self) -> tuple[int, int]:
        """How many subjects and events the journal holds."""
        rows = self._execute(
            "SELECT (SELECT COALESCE(MAX(pos), 0) FROM cr_subjects), "
            "(SELECT COALESCE(MAX(seq), 0) FROM cr_events)"
        )
        return int(rows[0][0]), int(rows[0][1])

    def _rows(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """A query's rows; a dialect that can streams them rather than holding them all."""
        yield from self._execute(sql, params)

    def subjects(self, after: int = 0) -> Iterator[tuple[str, str]]:
        """The subjects after the first ``after``, in the order added, as they are read."""
        sql = self._sql("SELECT id, body FROM cr_subjects WHERE pos > ? ORDER BY pos")
        for subject_id, body in self._rows(sql, (after,)):
            yield str(subject_id), str(body)

    def events(self, after: int = 0) -> Iterator[EventRow]:
        """The events after seq ``after``, in seq order, as they are read."""
        sql = self._sql(
            "SELECT seq, event_id, recorded_at, body FROM cr_events WHERE seq > ? ORDER BY seq"
        )
        for seq, event_id, recorded_at, body in self._rows(sql, (after,)):
            yield int(seq), event_id, str(recorded_at), str(body)

    def caller_metadata(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self._execute("SELECT key, value FROM cr_caller")}

    def pending(self, limit: int) -> list[str]:
        """Notifications not acknowledged, oldest first (as JSON)."""
        rows = self._execute(
            self._sql("SELECT body FROM cr_outbox WHERE acked = 0 ORDER BY pos LIMIT ?"), (limit,)
        )
        return [str(r[0]) for r in rows]

    def cache(self) -> Iterator[tuple[str, int, str]]:
        """The compaction point's rows (subject, seq, body), as they are read: at a million
        subjects they would be a hundred megabytes or more if held at once."""
        for subject, seq, body in self._rows("SELECT subject, seq, body FROM cr_cache", ()):
            yield str(subject), int(seq), str(body)

    # -- writing ----------------------------------------------------------------------------

    def begin(self, expect: tuple[int, int]) -> bool:
        """Begin a write holding the journal's write lock, if its tail is still ``expect``;
        return False, holding nothing, if another writer got there first."""
        self._begin_write()
        if self.alone:
            return True  # no other writer can have written: the tail is the ledger's own
        try:
            found = self.tail()
        except BaseException:
            self._rollback()
            raise
        if found != expect:
            self._rollback()
            return False
        return True

    def flush(self, batch: Batch, subjects_before: int) -> None:
        """Write ``batch`` inside the transaction :meth:`begin` opened."""
        if batch.subjects:
            self._executemany(
                self._sql("INSERT INTO cr_subjects (pos, id, body) VALUES (?, ?, ?)"),
                [
                    (subjects_before + i + 1, sid, body)
                    for i, (sid, body) in enumerate(batch.subjects)
                ],
            )
        if batch.events:
            self._executemany(
                self._sql(
                    "INSERT INTO cr_events (seq, event_id, recorded_at, body) VALUES (?, ?, ?, ?)"
                ),
                batch.events,
            )
        if batch.notifications:
            self._executemany(
                self._sql(
                    "INSERT INTO cr_outbox (id, body, acked) VALUES (?, ?, 0) "
                    "ON CONFLICT (id) DO NOTHING"
                ),
                batch.notifications,
            )
        self._upsert("cr_meta", batch.meta)
        self._upsert("cr_caller", batch.caller)

    def load(self, subjects: Iterable[SubjectChunk], events: Iterable[EventRow]) -> None:
        """Write a bulk load's rows inside the transaction :meth:`begin` opened, from
        iterators consumed as they are written (a dialect holds a bounded chunk of rows at a
        time, never the whole load): subjects a chunk at a time, and event rows."""
        self._load_subjects(subjects)
        self._load_events(events)

    def _load_events(self, rows: Iterable[EventRow]) -> None:
        self._insert_many("cr_events", ("seq", "event_id", "recorded_at", "body"), rows)

    def _load_subjects(self, chunks: Iterable[SubjectChunk]) -> None:
        rows = itertools.chain.from_iterable(chunk.rows() for chunk in chunks)
        self._insert_many("cr_subjects", ("pos", "id", "body"), rows)

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows; a dialect may do it faster than ``executemany`` (COPY)."""
        marks = ", ".join("?" * len(columns))
        self._executemany(
            self._sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), rows
        )

    def commit(self) -> None:
        self._commit()

    @abstractmethod
    def interrupt(self) -> None:
        """Ask the statement another thread runs on this journal to stop (the caller was
        interrupted while waiting for it); that thread's call then fails."""

    def abort(self) -> None:
        self._rollback()

    def _upsert(self, table: str, values: Mapping[str, str]) -> None:
        if values:
            self._executemany(
                self._sql(
                    f"INSERT INTO {table} (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                list(values.items()),
            )

    def acknowledge(self, ids: Sequence[str]) -> None:
        with self._write():
            self._executemany(
                self._sql("UPDATE cr_outbox SET acked = 1 WHERE id = ?"), [(i,) for i in ids]
            )

    def write_cache(self, rows: Iterable[tuple[str, int, str]], meta: Mapping[str, str]) -> None:
        """A compaction point: the derived state of the subjects changed since the last one.
        ``rows`` is consumed as it is written (it may be a generator), never held whole."""
        with self._write():
            self._executemany(
                self._sql(
                    "INSERT INTO cr_cache (subject, seq, body) VALUES (?, ?, ?) "
                    "ON CONFLICT (subject) DO UPDATE SET seq = excluded.seq, body = excluded.body"
                ),
                rows,
            )
            self._upsert("cr_meta", meta)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where}>"


_SQLITE_DDL = (
    "CREATE TABLE IF NOT EXISTS cr_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_subjects "
    "(pos INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_events (seq INTEGER PRIMARY KEY, event_id TEXT, "
    "recorded_at TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_caller (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # pos is the rowid without AUTOINCREMENT: no row is ever deleted, so the next pos is the
    # largest plus one all the same, and a commit does not also rewrite sqlite_sequence's page
    # (one page of the six or so a single record writes). A journal made with AUTOINCREMENT
    # keeps it, and numbers its rows the same way.
    "CREATE TABLE IF NOT EXISTS cr_outbox (pos INTEGER PRIMARY KEY, "
    "id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS cr_outbox_pending ON cr_outbox (acked, pos)",
    "CREATE TABLE IF NOT EXISTS cr_cache "
    "(subject TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL)",
)


# Event ids are unique, and most events carry none: a partial index holds only those given
# (a column UNIQUE would index every null too, a third of a bulk load's insert time). A
# journal made before this index keeps its column constraint, which refuses the same rows.
_EVENT_ID_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS cr_events_event_id ON cr_events (event_id) "
    "WHERE event_id IS NOT NULL"
)

# A chunk of minimal subjects with plain ids, from one JSON array of the ids (?2): SQLite
# makes each row in its own loop, with no parameter tuple bound per subject. Each row is the
# text MINIMAL_ROW makes; json_each (3.38+ has JSON built in) gives back each id unchanged,
# since a plain id needs no escape in JSON.
_PLAIN_SUBJECTS = (
    "INSERT INTO cr_subjects (pos, id, body) "
    'SELECT ?1 + key, value, \'{"id":"\' || value || \'","kind":"\' || ?3 || \'"}\' '
    "FROM json_each(?2)"
)
_JSON_BUILT_IN = sqlite3.sqlite_version_info >= (3, 38, 0)
# A run of events with consecutive seqs, one recording day and no event_id, from one JSON array
# of their rows (?2): as for subjects, SQLite makes each row in its own loop, without the
# interpreter (and its lock) between two rows. json_each gives each string back unescaped,
# exactly as it was given.
_EVENT_RUN = (
    "INSERT INTO cr_events (seq, event_id, recorded_at, body) "
    "SELECT ?1 + key, NULL, ?3, value FROM json_each(?2)"
)
_RUN_KEY = operator.itemgetter(1, 2)  # event_id, recorded_at
_SEQ = operator.itemgetter(0)
_BODY = operator.itemgetter(3)
_CHUNK = 20_000
#: Characters of bodies in one statement at most: far below SQLite's default limit of a
#: billion bytes on one value (a JSON array of them, escapes and UTF-8 included).
_RUN_CHARACTERS = 64_000_000


class SqliteJournal(Journal):
    """The embedded journal: one SQLite file in WAL mode.

    ``synchronous="full"`` (the default) makes each commit durable against power loss;
    ``"normal"`` only against a crash of the process, and is several times faster to write.

    ``exclusive=True`` holds the file for this journal alone until it is closed (SQLite's
    exclusive locking mode): no other process or connection can read or write it meanwhile,
    and in exchange each transaction takes no file locks and checks no other writer's tail,
    about a fifth of a single record's cost when settling later (docs/decisions/0028).
    For a service whose journal is its own; several writers share a journal without it.
    ``timeout`` is how many seconds a write waits for another connection's lock.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "full",
        exclusive: bool = False,
        timeout: float = 10.0,
    ) -> None:
        super().__init__()
        if synchronous not in ("full", "normal"):
            raise LedgerArgumentError(Message("synchronous must be 'full' or 'normal'"))
        if not isinstance(exclusive, bool):
            raise LedgerArgumentError(
                Message("exclusive must be True or False, got {value}", value=shown(exclusive))
            )
        if (
            not isinstance(timeout, int | float)
            or isinstance(timeout, bool)
            or not 0 <= timeout < 86_400
        ):
            raise LedgerArgumentError(
                Message(
                    "timeout must be a number of seconds, from 0 to under 86,400 (a day), "
                    "got {value}",
                    value=shown(timeout),
                )
            )
        self.path = Path(path)
        self.alone = exclusive
        try:
            # Created owner-only before SQLite opens it; its -wal and -shm files take its mode.
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout={round(timeout * 1000)}")
            if exclusive:
                # Before the first access in WAL mode: then the WAL's index lives in this
                # process's memory, not in a shared -shm file, and the locks, once taken by
                # the first write (below, _create), are held until the journal is closed.
                self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            self._create()
        except (OSError, sqlite3.Error) as error:
            with contextlib.suppress(AttributeError, sqlite3.Error):
                self._db.close()
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise JournalError(
                    Message(
                        "{path}: cannot open the journal: another connection held its lock "
                        "for longer than {timeout} s (a journal opened with exclusive=True "
                        "holds it until it is closed)",
                        path=self.path,
                        timeout=timeout,
                    )
                ) from None
            raise JournalError(
                Message("{path}: cannot open the journal ({error})", path=self.path, error=error)
            ) from None

    @property
    def where(self) -> str:
        return os.fspath(self.path)

    def _ddl(self) -> Sequence[str]:
        indexes = self._execute("PRAGMA index_list(cr_events)")
        if any(row[3] == "u" for row in indexes):  # a journal with the column constraint
            return _SQLITE_DDL
        return (*_SQLITE_DDL, _EVENT_ID_INDEX)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise JournalError(Message("{path}: {error}", path=self.path, error=error)) from None

    def _rows(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        try:
            cursor = self._db.execute(sql, params)
            while rows := cursor.fetchmany(10_000):
                yield from rows
        except sqlite3.Error as error:
            raise JournalError(Message("{path}: {error}", path=self.path, error=error)) from None

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as error:
            raise JournalError(Message("{path}: {error}", path=self.path, error=error)) from None

    def _load_subjects(self, chunks: Iterable[SubjectChunk]) -> None:
        if not _JSON_BUILT_IN:
            super()._load_subjects(chunks)
            return
        for chunk in chunks:
            if chunk.kind is None:
                self._insert_many("cr_subjects", ("pos", "id", "body"), chunk.rows())
            else:
                ids = '["' + '","'.join(chunk.ids) + '"]'
                self._execute(_PLAIN_SUBJECTS, (chunk.first, ids, chunk.kind))

    def _load_events(self, rows: Iterable[EventRow]) -> None:
        if not _JSON_BUILT_IN:
            super()._load_events(rows)
            return
        with_ids: list[EventRow] = []  # consecutive events that carry an id, written together
        for (event_id, recorded_at), run in itertools.groupby(rows, _RUN_KEY):
            if event_id is not None:
                with_ids.extend(run)
                if len(with_ids) >= _CHUNK:
                    self._insert_rows(with_ids)
                    with_ids = []
                continue
            self._insert_rows(with_ids)
            with_ids = []
            while chunk := list(itertools.islice(run, _CHUNK)):
                self._insert_run(chunk, recorded_at)
        self._insert_rows(with_ids)

    def _insert_run(self, rows: list[EventRow], recorded_at: str) -> None:
        """Rows of one recording day without an id, from one JSON array if their seqs
        follow one another and their bodies fit well within SQLite's limit on one value."""
        first = rows[0][0]
        if list(map(_SEQ, rows)) != list(range(first, first + len(rows))):
            self._insert_rows(rows)
            return
        bodies = list(map(_BODY, rows))
        if len(rows) > 1 and sum(map(len, bodies)) > _RUN_CHARACTERS:
            half = len(rows) // 2
            self._insert_run(rows[:half], recorded_at)
            self._insert_run(rows[half:], recorded_at)
            return
        self._execute(_EVENT_RUN, (first, json.dumps(bodies, ensure_ascii=False), recorded_at))

    def _insert_rows(self, rows: list[EventRow]) -> None:
        if rows:
            super()._load_events(rows)

    def interrupt(self) -> None:
        self._db.interrupt()

    def _begin_write(self) -> None:
        self._execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")

    def _close(self) -> None:
        self._db.close()
