"""The journal on PostgreSQL, for several service instances writing one ledger.

Same tables and rules as the SQLite journal (:mod:`credit_rules.ledger.journal`); what differs
is the dialect. Writers serialise on a transaction-scoped advisory lock named after the schema,
so two instances never interleave within one ledger, and each checks the journal's tail before
writing (see "Several writers" there). The tables live in their own schema (``credit_rules`` by
default), created if missing. ``psycopg`` (3) is imported when a journal is opened, so a service
on SQLite never needs it: install the ``postgres`` extra.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from credit_rules.errors import BackendUnavailable, JournalError, LedgerArgumentError
from credit_rules.i18n import Message
from credit_rules.ledger.journal import Journal

_PG_DDL = (
    "CREATE TABLE IF NOT EXISTS cr_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_subjects "
    "(pos BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_events (seq BIGINT PRIMARY KEY, event_id TEXT UNIQUE, "
    "recorded_at TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_caller (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cr_outbox (pos BIGSERIAL PRIMARY KEY, "
    "id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS cr_outbox_pending ON cr_outbox (acked, pos)",
    "CREATE TABLE IF NOT EXISTS cr_cache "
    "(subject TEXT PRIMARY KEY, seq BIGINT NOT NULL, body TEXT NOT NULL)",
)

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*@")


class PostgresJournal(Journal):
    """A journal in schema ``schema`` of the PostgreSQL database at ``dsn``."""

    _mark = "%s"

    def __init__(self, dsn: str, *, schema: str = "credit_rules") -> None:
        super().__init__()
        if not _SCHEMA.match(schema):
            raise LedgerArgumentError(Message("not a plain schema name: {schema!r}", schema=schema))
        self.schema = schema
        self._where = _PASSWORD.sub(r"\1***@", dsn) + f" schema {schema}"
        try:
            import psycopg
        except ImportError:
            raise BackendUnavailable(
                Message(
                    "the PostgreSQL journal needs psycopg: pip install 'credit-rules[postgres]'"
                )
            ) from None
        self._errors: type[Exception] = psycopg.Error
        try:
            self._db = psycopg.connect(dsn, autocommit=True)
            self._db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            self._db.execute(f'SET search_path TO "{schema}"')
        except psycopg.Error as error:
            raise JournalError(
                Message(
                    "{where}: cannot open the journal ({error})", where=self._where, error=error
                )
            ) from None
        self._create()

    @property
    def where(self) -> str:
        return self._where

    def _ddl(self) -> Sequence[str]:
        return _PG_DDL

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cursor = self._db.execute(sql, params)
            return cursor.fetchall() if cursor.description is not None else []
        except self._errors as error:
            raise JournalError(
                Message("{where}: {error}", where=self._where, error=error)
            ) from None

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self._db.cursor() as cursor:
                cursor.executemany(sql, rows)
        except self._errors as error:
            raise JournalError(
                Message("{where}: {error}", where=self._where, error=error)
            ) from None

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """By ``COPY``: several times faster than ``INSERT`` per row, for a bulk load."""
        try:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with self._db.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except self._errors as error:
            raise JournalError(
                Message("{where}: {error}", where=self._where, error=error)
            ) from None

    def interrupt(self) -> None:
        # A cancel request on a connection of its own, bounded in time where psycopg can
        # (3.2+); whatever it meets, the waiting caller still waits for the writer to end. A
        # COPY learns of it only at its end: the writer's own check stops the rows.
        with contextlib.suppress(self._errors):
            cancel_safe = getattr(self._db, "cancel_safe", None)
            if cancel_safe is not None:
                cancel_safe(timeout=5.0)
            else:
                self._db.cancel()

    def _begin_write(self) -> None:
        self._execute("BEGIN")
        # One writer at a time per ledger: the lock is released at COMMIT or ROLLBACK.
        self._execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        with contextlib.suppress(self._errors):
            self._db.execute("ROLLBACK")

    def _close(self) -> None:
        self._db.close()
