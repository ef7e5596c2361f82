"""The in-memory credit ledger: what a service holds, asks and is told.

Services import :class:`Ledger` (and its result types) from ``credit_rules``; the modules here
are internal: ``store`` (subjects and events, append-only), ``timeline`` (bitemporal reading),
``agenda`` (actions owed and their discharge), ``notifications`` (changes and wakes),
``report`` (a subject's own report) and ``snapshot`` (durability in a JSON Lines file).
"""

from credit_rules.ledger.agenda import Action, Discharge, LedgerPack
from credit_rules.ledger.ledger import Ledger
from credit_rules.ledger.notifications import Callback, Change
from credit_rules.ledger.regulations import DEFAULT_DISCHARGES, discharges_for
from credit_rules.ledger.report import RecordReport, RegisterRecord, ReportedEvent
from credit_rules.ledger.store import LedgerEntry

__all__ = [
    "DEFAULT_DISCHARGES",
    "Action",
    "Callback",
    "Change",
    "Discharge",
    "Ledger",
    "LedgerEntry",
    "LedgerPack",
    "RecordReport",
    "RegisterRecord",
    "ReportedEvent",
    "discharges_for",
]
