"""Bitemporal reading of a subject's history: what applied on a day, as known on a day.

Two time axes (docs/semantics.md; Lianyungang Art 13, Ganzhou Art 20):

- *valid time*: an event's ``date`` is when it takes effect in the world; a ``record_corrected``
  that voids a record from the start is dated on the record's entry day;
- *transaction time*: ``recorded_at`` is when the ledger learned of the event.

"What did we believe on Y about X" is the engine's answer as of X on the events recorded by Y.
Recording is append-only and ``recorded_at`` never goes backwards, so the events known on Y are
always a prefix of a subject's list, found by bisection.

Why one evaluation serves every day up to its horizon
-----------------------------------------------------
The engine assesses rules segment by segment, and a segment's facts only ever read events and
records dated on or before its first day (docs/semantics.md). An evaluation as of a later day H
therefore contains, day by day, the same measures as an evaluation as of any day D <= H: the
segments up to D are the same, and pieces of a measure that later segments split are joined
again. So the ledger evaluates a subject once, as of a horizon H after its last event, keeps
only the measures' intervals, and reads "what applies on D" off them for every D <= H. The
property tests in tests/test_ledger_timeline.py hold this equal to ``engine.evaluate`` as of D.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

from credit_rules.limits import LAST_DAY
from credit_rules.model.results import Decision, Evaluation, Result
from credit_rules.periods import Period
from credit_rules.ruleset import ir

TriggerKey = tuple[str, str | None]
"""What set a result off, as the ledger joins on it: the event's type and the id it names."""

Interval = tuple[str, dt.date, dt.date | None, TriggerKey]
"""A measure on a subject: outcome, first day, last day (inclusive, None if open), trigger."""

ONE_DAY = dt.timedelta(days=1)


def trigger_of(result: Result) -> TriggerKey:
    """The structured trigger of a result, without its day and place, so that results of one
    trigger compare equal. Read from the result's data, never from a reason's text."""
    return (result.trigger.type, result.trigger.key)


def intervals_of(evaluation: Evaluation) -> tuple[Interval, ...]:
    """The measures of an evaluation, reduced to what "what applies on D" needs."""
    return tuple(_interval(decision) for decision in evaluation.decisions)


def _interval(decision: Decision) -> Interval:
    return (decision.outcome, decision.from_, decision.until, trigger_of(decision))


_SHARED: dict[frozenset[str], frozenset[str]] = {}


def outcomes_on(intervals: Sequence[Interval], day: dt.date) -> frozenset[str]:
    """The outcomes that apply on ``day`` (``Evaluation.outcomes`` of an evaluation as of it).

    Equal sets are shared: a ledger keeps one per subject, and a ruleset has few measures, so
    a million subjects hold a handful of distinct sets, not a million (200 bytes each)."""
    found = frozenset(
        outcome
        for outcome, first, last, _ in intervals
        if first <= day and (last is None or day <= last)
    )
    return _SHARED.setdefault(found, found) if len(_SHARED) < 4096 else found


def next_change(intervals: Sequence[Interval], after: dt.date) -> dt.date | None:
    """The first day after ``after`` on which a measure starts or the day after one ends."""
    candidates = [first for _, first, _, _ in intervals if first > after]
    candidates += [
        last + ONE_DAY for _, _, last, _ in intervals if last is not None and last >= after
    ]
    return min(candidates) if candidates else None


def known_count(recorded: Sequence[dt.date], known_at: dt.date | None) -> int:
    """How many of a subject's events (in recording order) were recorded by ``known_at``."""
    if known_at is None:
        return len(recorded)
    return bisect.bisect_right(recorded, known_at)


def in_force_on(ruleset: ir.Ruleset, day: dt.date) -> bool:
    until = ruleset.in_force_until
    return ruleset.in_force_from <= day and (until is None or day <= until)


def horizon(ruleset: ir.Ruleset, latest: dt.date, lookahead: dt.timedelta) -> dt.date:
    """The day a subject is evaluated as of: ``lookahead`` past its latest event or the ledger's
    today (``latest``), within the ruleset's years in force."""
    room = LAST_DAY - max(latest, ruleset.in_force_from)
    day = max(latest, ruleset.in_force_from) + min(lookahead, room)
    until = ruleset.in_force_until
    return day if until is None or day <= until else until


def default_lookahead(ruleset: ir.Ruleset) -> dt.timedelta:
    """The ruleset's longest period (a record's validity, a ban, a term) plus a year.

    Evaluated that far past its last event, a subject's history has no further point at which
    the engine could reassess it (every record has expired by then), so its cached measures
    stay exact indefinitely and time passing never needs a fresh evaluation.
    """
    longest = 0
    for value in ruleset.parameter_values().values():
        if isinstance(value, Period):
            unit = {"years": 366, "months": 31, "working_days": 2}.get(value.unit, 1)
            longest = max(longest, value.count * unit)
    return dt.timedelta(days=longest + 366)
