"""The Lianyungang 2007 measures written by hand in plain Python: the benchmark's yardstick.

This is what an engineer would write who had read the regulation and the interpretations of
``rulesets/lianyungang-2007.yaml`` and needed only the answer, not the explanation: for every
person, the measures ACTIVE on ``as_of``. It reads the same typed events the engine is given and
trusts them (no validation), and it returns nothing for a person with no active measure.

The semantics are the ruleset's defaults, restated here independently of the engine's code:

- Only ``dishonesty_entered`` records count (Art 8(4)); events dated after ``as_of`` have not
  happened yet.
- A record is valid from its entry day through entry + 5 years (Art 14), counted like the Civil
  Code: the corresponding day, clamped to the month's end (29 Feb + 5 years = 28 Feb).
- A ``record_corrected`` removal dated R takes the record out from R on (Art 13,
  ``removal_takes_effect_on_correction_date``). On ``as_of`` a removal dated on or before
  ``as_of`` therefore means the record neither triggers nor counts; an earlier measure it
  triggered could only cover days before R, so it cannot be active on ``as_of`` either.
- Each entry E sets a tier: the records (still in, as above) valid on E's day, E included
  (``measure_runs_full_term``: fixed on the entry day, not reassessed when older records expire).
  Tier 1 gives a written warning on E's day only (Art 9, ``written_warning_is_one_off``).
  Tier 2 gives cash settlement and the audit flag for [E, E + 1 year] (Art 10, ``audit_flag_term``).
  Tier 3+ gives time-limited reimbursement and the audit flag for [E, E + 1 year] (Art 11,
  ``audit_flag_beyond_two``: a fortiori).
- Warning, cash settlement and time-limited reimbursement are one ladder: on a day the most severe
  measure covering it applies. The audit flag applies whenever a tier-2+ measure covers the day,
  which is exactly when the ladder's winner is cash settlement or time-limited reimbursement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

VALIDITY_YEARS = 5  # Art 14
TERM_YEARS = 1  # Art 10(1), 10(2) and Art 11

_BY_SEVERITY = {
    1: frozenset({"written_warning"}),
    2: frozenset({"cash_settlement", "audit_flag"}),
    3: frozenset({"time_limited_reimbursement", "audit_flag"}),
}


def plus_years(day: dt.date, years: int) -> dt.date:
    """The corresponding day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def earliest_covering_entry(as_of: dt.date) -> dt.date:
    """The first entry day whose 1-year term still covers ``as_of``."""
    day = plus_years(as_of, -TERM_YEARS) - dt.timedelta(days=3)
    while plus_years(day, TERM_YEARS) < as_of:
        day += dt.timedelta(days=1)
    return day


def active_outcomes(events: Iterable[Any], as_of: dt.date) -> dict[str, frozenset[str]]:
    """For every person with a measure active on ``as_of``, the names of those measures."""
    entered: dict[str, dict[str, dt.date]] = {}
    removed: dict[str, set[str]] = {}
    for event in events:
        if event.date > as_of:
            continue
        kind = event.type
        if kind == "dishonesty_entered":
            records = entered.get(event.subject)
            if records is None:
                entered[event.subject] = {event.record: event.date}
            else:
                records[event.record] = event.date
        elif kind == "record_corrected" and event.action == "removed":
            removed.setdefault(event.subject, set()).add(event.record)

    earliest = earliest_covering_entry(as_of)
    result: dict[str, frozenset[str]] = {}
    for subject, records in entered.items():
        gone = removed.get(subject)
        if gone:
            days = [day for record, day in records.items() if record not in gone]
        else:
            days = list(records.values())
        # Only an entry of the last year can set a measure that still covers as_of.
        recent = [day for day in days if day >= earliest]
        if not recent:
            continue
        severity = 0
        for entry in recent:
            tier = 0
            for other in days:
                if other <= entry and entry <= plus_years(other, VALIDITY_YEARS):
                    tier += 1
            if tier >= 3:
                severity = 3
                break
            if tier == 2:
                severity = 2
            elif tier == 1 and entry == as_of and severity == 0:
                severity = 1
        if severity:
            result[subject] = _BY_SEVERITY[severity]
    return result
