"""The credit ledger: what a service holds, asks and is told.

Services import :class:`Ledger` from ``credit_rules`` and its result types from here; the
modules are internal: ``store`` (subjects and events, append-only), ``timeline`` (bitemporal
reading), ``agenda`` (actions owed and their discharge), ``notifications`` (changes and wakes),
``outbox`` (notifications delivered after durability), ``journal`` and ``journal_pg`` (the
SQLite and PostgreSQL journals), ``durability`` (replay, compaction points, bulk load),
``migrate`` (a journal replayed under another ruleset), ``clock`` (transaction time),
``references`` (what procedural events must name), ``codec`` (rows as JSON), ``report`` (a
subject's own report) and ``snapshot`` (an export as one JSON Lines file).
"""

from credit_rules.ledger.agenda import Action, Discharge, DischargedBy, LedgerPack
from credit_rules.ledger.clock import Clock, ForwardClock, SourceClock, StrictClock
from credit_rules.ledger.journal import Journal, SqliteJournal
from credit_rules.ledger.journal_pg import PostgresJournal
from credit_rules.ledger.ledger import Ledger
from credit_rules.ledger.migrate import MigrationReport, OutcomeChange, migrate
from credit_rules.ledger.notifications import Callback, Change
from credit_rules.ledger.outbox import Notification
from credit_rules.ledger.regulations import DEFAULT_DISCHARGES, discharges_for
from credit_rules.ledger.report import RecordReport, RegisterRecord, ReportedEvent
from credit_rules.ledger.settlement import Settle
from credit_rules.ledger.store import Answer, LedgerEntry

__all__ = [
    "DEFAULT_DISCHARGES",
    "Action",
    "Answer",
    "Callback",
    "Change",
    "Clock",
    "Discharge",
    "DischargedBy",
    "ForwardClock",
    "Journal",
    "Ledger",
    "LedgerEntry",
    "LedgerPack",
    "MigrationReport",
    "Notification",
    "OutcomeChange",
    "PostgresJournal",
    "RecordReport",
    "RegisterRecord",
    "ReportedEvent",
    "Settle",
    "SourceClock",
    "SqliteJournal",
    "StrictClock",
    "discharges_for",
    "migrate",
]
