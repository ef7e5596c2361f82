"""Long, realistic, deterministic histories of one subject, for complexity tests and benchmarks.

A subject with years of history is where an engine's cost shows: a pharmacy with a decade of
evaluations, objections and repairs, or an insured person with a record entered every week.
These generators lay such a history out procedure by procedure, as the measures prescribe (an
objection follows a publication, a decision follows an objection, a repair follows a
determination), and cut it after ``n`` events. No randomness: the same ``n`` gives the same
history, and the first ``n`` events of a longer history are the history of length ``n``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

__all__ = ["ganzhou_history", "lianyungang_history"]

_CATEGORIES = ("lend_certificate", "use_others_certificate", "forge_documents", "resell_drugs")


def lianyungang_history(n: int, subject: str = "p1") -> list[dict[str, Any]]:
    """``n`` events of one insured person from 2008 on: a record entered every week; every
    tenth is objected to and corrected (removed, or amended) a few days later; every fifth
    week the person asks for their record (Lianyungang Arts 8, 12 and 13)."""
    return _first(_lianyungang(subject), n)


def ganzhou_history(n: int, subject: str = "m1") -> list[dict[str, Any]]:
    """``n`` events of one medical institution from 2025 on, year after year: the evaluation
    is published and objected to (one objection suspended, both decided, one upheld with an
    adjusted score); six determinations of dishonesty a month (one in ten severe), most
    followed by a repair application that is accepted, extended and decided (Ganzhou Arts 12,
    20, 21–25); now and then information collected and a commitment made (Arts 5–9). About
    290 events a year, so 10,000 events reach the 2060s: count working days on a calendar
    that reaches that far (``WorkingCalendar(last_year=2100)``)."""
    return _first(_ganzhou(subject), n)


def _first(events: Iterator[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for event in events:
        if len(found) >= n:
            break
        found.append(event)
    return sorted(found, key=lambda e: e["date"])


def _lianyungang(subject: str) -> Iterator[dict[str, Any]]:
    day = dt.date(2008, 1, 7)
    week = 0
    while True:
        record = f"r{week}"
        yield {
            "type": "dishonesty_entered",
            "subject": subject,
            "record": record,
            "category": _CATEGORIES[week % len(_CATEGORIES)],
            "date": day,
        }
        if week % 10 == 3:
            objected = day + dt.timedelta(days=2)
            yield {
                "type": "objection_filed",
                "subject": subject,
                "record": record,
                "ground": "inaccurate",
                "date": objected,
            }
            action = "removed" if week % 20 == 3 else "amended"
            yield {
                "type": "record_corrected",
                "subject": subject,
                "record": record,
                "action": action,
                "date": objected + dt.timedelta(days=3),
            }
        if week % 5 == 0:
            yield {
                "type": "query_requested",
                "subject": subject,
                "date": day + dt.timedelta(days=1),
            }
        week += 1
        day += dt.timedelta(days=7)


def _ganzhou(subject: str) -> Iterator[dict[str, Any]]:
    year = 2025
    serial = 0
    while True:
        start = dt.date(year, 1, 20)
        evaluation = f"e{year}"
        yield {
            "type": "evaluation_published",
            "subject": subject,
            "evaluation": evaluation,
            "year": year - 1,
            "score": 55 + (year * 7) % 45,
            "date": start,
        }
        for number, (filed, decided) in enumerate(((12, 40), (15, 50))):
            objection = f"o{year}_{number}"
            yield {
                "type": "objection_filed",
                "subject": subject,
                "objection": objection,
                "evaluation": evaluation,
                "ground": "evaluation_result_disputed",
                "date": start + dt.timedelta(days=filed),
            }
            if number == 1:
                yield {
                    "type": "objection_suspended",
                    "subject": subject,
                    "objection": objection,
                    "until": start + dt.timedelta(days=filed + 6),
                    "reason": "appraisal",
                    "date": start + dt.timedelta(days=filed + 2),
                }
            decision: dict[str, Any] = {
                "type": "objection_decided",
                "subject": subject,
                "objection": objection,
                "evaluation": evaluation,
                "result": "upheld" if number == 0 else "rejected",
                "date": start + dt.timedelta(days=decided),
            }
            if number == 0:
                decision["adjusted_score"] = 60 + (year * 11) % 40
            yield decision
        for month, slot in ((m, s) for m in range(1, 12) for s in range(6)):
            serial += 1
            record = f"d{serial}"
            determined = dt.date(year, month, 2 + 4 * slot)
            yield {
                "type": "dishonesty_determined",
                "subject": subject,
                "record": record,
                "category": f"c{serial % 3}",
                "severity": "severe" if serial % 10 == 0 else "general",
                "date": determined,
            }
            if month % 4 == 0 and slot == 0:
                yield {
                    "type": "information_collected",
                    "subject": subject,
                    "information": f"i{serial}",
                    "kind": "agreement_performance",
                    "source": "supervision",
                    "date": determined + dt.timedelta(days=1),
                }
            if month % 6 == 0 and slot == 1:
                yield {
                    "type": "commitment_made",
                    "subject": subject,
                    "commitment": f"k{serial}",
                    "date": determined + dt.timedelta(days=2),
                }
            if month > 8:
                continue  # repaired in a later year's applications, or never
            application = f"a{serial}"
            applied = determined + dt.timedelta(days=100)
            yield {
                "type": "repair_applied",
                "subject": subject,
                "application": application,
                "record": record,
                "materials": ["application_and_commitment", "rectification_evidence"],
                "date": applied,
            }
            yield {
                "type": "repair_accepted",
                "subject": subject,
                "application": application,
                "date": applied + dt.timedelta(days=2),
            }
            yield {
                "type": "repair_extended",
                "subject": subject,
                "application": application,
                "working_days": 5,
                "date": applied + dt.timedelta(days=10),
            }
            yield {
                "type": "repair_decided",
                "subject": subject,
                "application": application,
                "record": record,
                "granted": serial % 3 != 0,
                "date": applied + dt.timedelta(days=20),
            }
        year += 1
