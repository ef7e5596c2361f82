"""Migration: a journal recorded under one ruleset version, replayed under another.

A journal is bound to the ruleset it was recorded under (its digest): the same events mean
something else under other rules, so opening it under another is refused. When the rules do
change (a new parameter, a layer for a region), the events are replayed into a new journal under
the new ruleset, and the report says, subject by subject, what the change of rules changes: the
measures that apply on a day, the measures' intervals over the whole history, and the histories
the new rules refuse outright. Nothing in the source journal is changed, but for events
acknowledged there and not settled yet (``settle="later"``), which are settled first, as the
first question to it would; events it voided are not carried over. Event ids, transaction days,
the ledger's today and the caller's metadata (a consumer's offset) are carried over, so
producers and consumers go on against the new journal as before.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from credit_rules.errors import LedgerArgumentError
from credit_rules.i18n import Message
from credit_rules.ledger.journal import Batch, Journal
from credit_rules.ledger.ledger import Ledger
from credit_rules.ruleset import ir


@dataclass(frozen=True)
class OutcomeChange:
    """What applies to ``subject`` on the report's day, before and after."""

    subject: str
    before: frozenset[str]
    after: frozenset[str]


@dataclass(frozen=True)
class MigrationReport:
    """What replaying a journal under ``target`` changes compared with ``source``."""

    source: str
    target: str
    as_of: dt.date | None
    subjects: int
    events: int
    changed: tuple[OutcomeChange, ...]
    timeline_changed: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


def migrate(
    source: str | os.PathLike[str] | Journal,
    source_ruleset: ir.Ruleset,
    target: str | os.PathLike[str] | Journal,
    target_ruleset: ir.Ruleset,
    *,
    as_of: dt.date | None = None,
) -> tuple[Ledger, MigrationReport]:
    """Replay ``source`` (recorded under ``source_ruleset``) into the new journal ``target``
    under ``target_ruleset``; return the new ledger and the report, as of ``as_of`` (the
    source's today by default)."""
    old = Ledger.open(source, source_ruleset)
    try:
        old.settle()
        new = Ledger.open(target, target_ruleset)
        if len(new) or new.subject_ids():
            new.close()
            raise LedgerArgumentError(Message("migrate into a new, empty journal"))
        with old._lock:
            subjects = [old._state(sid).subject for sid in old._held]
            ids = {seq: event_id for event_id, seq in old._event_ids.items()}
            feed = [
                (entry.recorded_at, entry.event, ids.get(entry.seq))
                for entry in (old._entry(seq) for seq in range(1, len(old) + 1))
                if entry.seq not in old._voided
            ]
            today = old._today
        new.bulk_load(subjects, feed, freeze=False)
        if today is not None and (new._today is None or new._today < today):
            new._today = today
        carried = Batch(caller=old.metadata())
        if today is not None:
            carried.meta["today"] = today.isoformat()
        with new._lock, new._write():
            new._begin_latest()
            new._finish(carried, len(new._held))
        day = as_of if as_of is not None else today
        report = _compare(old, new, day)
        return new, report
    finally:
        old.close()


def _compare(old: Ledger, new: Ledger, day: dt.date | None) -> MigrationReport:
    changed: list[OutcomeChange] = []
    timeline_changed: list[str] = []
    old._freshen_all()
    with new._lock:
        new._freshen_all()  # a history the new ruleset refuses is held aside, and listed
        refused = sorted(new._refused.items())
    refused_ids = {r for r, _ in refused}
    for sid in old._held:
        if sid in refused_ids:
            continue
        state, after = old._state(sid), new._state(sid)
        if sorted(state.timeline) != sorted(after.timeline):
            timeline_changed.append(sid)
        if day is not None:
            before_now = (
                old._outcomes(state, day) if state.horizon and day <= state.horizon else frozenset()
            )
            after_now = (
                new._outcomes(after, day) if after.horizon and day <= after.horizon else frozenset()
            )
            if before_now != after_now:
                changed.append(OutcomeChange(sid, before_now, after_now))
    return MigrationReport(
        source=f"{old.ruleset.id} {old.ruleset.version}",
        target=f"{new.ruleset.id} {new.ruleset.version}",
        as_of=day,
        subjects=len(old._held),
        events=len(old._log_subject),
        changed=tuple(changed),
        timeline_changed=tuple(timeline_changed),
        refused=tuple(refused),
    )
