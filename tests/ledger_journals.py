"""Journals for the ledger tests: the embedded SQLite file and a real PostgreSQL server.

The PostgreSQL journal runs against the server named by ``CREDIT_RULES_TEST_POSTGRES`` (a DSN;
``.ci/run`` installs and starts one). Without it the PostgreSQL cases are skipped, except in CI
(``CI`` set), where a missing server is a failure: CI must test what it claims to.
Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ledger_exports import day, entered

from credit_rules import Ledger, bundled
from credit_rules.ledger.journal import Journal, SqliteJournal

DSN_VARIABLE = "CREDIT_RULES_TEST_POSTGRES"
BACKENDS = ("sqlite", "postgres")


class JournalFactory:
    """Opens the test's journal (again): the same file, or the same schema. ``target`` is what
    ``Ledger.open`` (or another process) opens it by."""

    def __init__(self, make: Callable[[], Journal], target: str) -> None:
        self._make = make
        self.target = target

    def __call__(self) -> Journal:
        return self._make()


def postgres_dsn() -> str:
    dsn = os.environ.get(DSN_VARIABLE)
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {DSN_VARIABLE} is not: the PostgreSQL journal is untested")
        pytest.skip(f"no PostgreSQL server ({DSN_VARIABLE} is not set)")
    return dsn


@pytest.fixture(params=BACKENDS)
def journal_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalFactory]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        yield JournalFactory(lambda: SqliteJournal(path), str(path))
        return
    dsn = postgres_dsn()
    pytest.importorskip("psycopg")
    import psycopg

    from credit_rules.ledger.journal_pg import PostgresJournal

    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield JournalFactory(lambda: PostgresJournal(dsn, schema=schema), f"{dsn}#{schema}")
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def ledger_with_one_event(journal_factory: JournalFactory) -> Ledger:
    """A Lianyungang ledger on the test's journal: subject p0, one record entered on
    2008-03-10 (seq 1), today 2008-03-10."""
    ledger = Ledger.open(journal_factory(), bundled("lianyungang-2007"))
    ledger.add_subject({"id": "p0", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p0"), recorded_at=day("2008-03-10"))
    return ledger
