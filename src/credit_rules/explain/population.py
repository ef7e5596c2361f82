"""Deterministic synthetic populations of credit subjects, for comparing ruleset versions.

A behavioural diff needs many histories that exercise the rules the way real caseloads do, and
it needs the same histories every time, so that "37 subjects lose a measure" can be quoted in a
review and reproduced later. Each generator draws plain data from one seeded
``random.Random``: the same vocabulary, size, window and seed always give the same subjects and
events. (Hypothesis strategies are built to search and shrink, not to reproduce a fixed sample,
so they are not used here.)

Histories follow the procedures of each regulation, so that no generated history is one the
engine would reject:

- **lianyungang-2007**: like the benchmark population (benchmarks/README.md), 15% of insured persons
  have 1–5 entered records (Art 8(四)) of random Art 7 categories; some records are objected to
  and corrected (Art 13), some persons ask for their record (Art 12), and a few records stop at
  determination and never count (Art 8).
- **ganzhou-2023**: subjects of every Art 2 kind, each evaluated once a year with a published
  score (Arts 12–13); some object (Arts 17–20), some are determined dishonest and apply for
  repair (Arts 22–25), and a few designated institutions lose their agreement and later apply
  again (Art 15).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from credit_rules.errors import Problem, ScenarioError


@dataclass(frozen=True)
class Population:
    """Plain subjects and events (dates as ``datetime.date``), ready for ``Engine.evaluate``."""

    vocabulary: str
    seed: int
    start: dt.date
    end: dt.date
    subjects: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]

    def events_by_subject(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {s["id"]: [] for s in self.subjects}
        for event in self.events:
            grouped[event["subject"]].append(event)
        return grouped


def supported_vocabularies() -> tuple[str, ...]:
    return tuple(sorted(_GENERATORS))


def default_window(vocabulary: str, in_force_from: dt.date) -> tuple[dt.date, dt.date]:
    """The span of history a population covers when no date is given.

    Long enough for every period of the regulation to run out at least once (Lianyungang's
    5-year validity, Ganzhou's 3-year ban), so that changing a period shows up in the diff.
    """
    years = 9 if vocabulary == "lianyungang-2007" else 2
    end = dt.date(in_force_from.year + years, 12, 31)
    return in_force_from, end


def generate(vocabulary: str, size: int, *, seed: int, start: dt.date, end: dt.date) -> Population:
    """``size`` subjects and their events between ``start`` and ``end`` (both inclusive)."""
    generator = _GENERATORS.get(vocabulary)
    if generator is None:
        known = ", ".join(supported_vocabularies())
        raise ScenarioError(
            None,
            [
                Problem(
                    f"no population generator for the vocabulary {vocabulary!r} (there are "
                    f"generators for {known}); compare on scenarios only with --population 0"
                )
            ],
        )
    if end < start:
        raise ScenarioError(
            None,
            [
                Problem(
                    f"the population's history would end ({end.isoformat()}) before the "
                    f"ruleset is in force ({start.isoformat()})"
                )
            ],
        )
    rng = random.Random(f"{vocabulary}|{seed}")
    width = max(len(str(size - 1)), 5)
    subjects: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(size):
        subject, history = generator(rng, f"s{number:0{width}d}", start, end)
        subjects.append(subject)
        events.extend(history)
    return Population(vocabulary, seed, start, end, tuple(subjects), tuple(events))


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _after(rng: random.Random, day: dt.date, low: int, high: int) -> dt.date:
    return day + dt.timedelta(days=rng.randint(low, high))


# -- Lianyungang 2007 ---------------------------------------------------------------------------

_LYG_CATEGORIES = (
    "lend_certificate",
    "use_others_certificate",
    "forge_documents",
    "resell_drugs",
    "other_violation",
)
_LYG_GROUNDS = ("inaccurate", "incomplete", "irrelevant", "outdated")


def _lianyungang(
    rng: random.Random, subject: str, start: dt.date, end: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    person = {"id": subject, "kind": "insured_person"}
    events: list[dict[str, Any]] = []
    if rng.random() >= 0.15:
        return person, events
    for number in range(1, rng.randint(1, 5) + 1):
        record = f"r{number}"
        category = rng.choice(_LYG_CATEGORIES)
        entered = _day(rng, start, end)
        base = {"subject": subject, "record": record, "category": category}
        if rng.random() < 0.03:
            # Determined but never entered: Art 8 says it does not count.
            events.append({"type": "dishonesty_determined", **base, "date": entered})
            continue
        events.append({"type": "dishonesty_entered", **base, "date": entered})
        if rng.random() < 0.05:
            filed = _after(rng, entered, 1, 200)
            corrected = _after(rng, filed, 1, 60)
            if corrected <= end:
                ground = rng.choice(_LYG_GROUNDS)
                events.append(
                    {
                        "type": "objection_filed",
                        "subject": subject,
                        "record": record,
                        "ground": ground,
                        "date": filed,
                    }
                )
                action = "removed" if rng.random() < 0.67 else "amended"
                events.append(
                    {
                        "type": "record_corrected",
                        "subject": subject,
                        "record": record,
                        "action": action,
                        "date": corrected,
                    }
                )
    if rng.random() < 0.1:
        events.append(
            {"type": "query_requested", "subject": subject, "date": _day(rng, start, end)}
        )
    return person, events


# -- Ganzhou 2023 -------------------------------------------------------------------------------

_GZ_KINDS = (
    ("medical_institution", 15),
    ("retail_pharmacy", 25),
    ("insurance_agency", 5),
    ("pharma_supplier", 10),
    ("insured_person", 35),
    ("other_unit", 5),
    ("other_individual", 5),
)
_GZ_GROUNDS = (
    "record_error_or_omission",
    "evaluation_result_disputed",
    "unlawful_collection",
    "overdue_use",
    "corrected_violation",
    "other_statutory",
)
_GZ_CATEGORIES = ("false_billing", "overcharging", "drug_resale", "identity_fraud")


def _ganzhou(
    rng: random.Random, subject: str, start: dt.date, end: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    kinds, weights = zip(*_GZ_KINDS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    events: list[dict[str, Any]] = []
    for year in range(start.year, end.year + 1):
        published = dt.date(year, 9, 1) + dt.timedelta(days=rng.randint(0, 44))
        if not start <= published <= end:
            continue
        evaluation = f"e{year}"
        score = max(0, min(100, round(rng.gauss(82, 10))))
        events.append(
            {
                "type": "evaluation_published",
                "subject": subject,
                "evaluation": evaluation,
                "year": year,
                "score": score,
                "date": published,
            }
        )
        if rng.random() < 0.1:
            _objection(rng, subject, evaluation, published, end, events)
    if rng.random() < 0.12:
        _dishonesty(rng, subject, start, end, events)
    if kind in ("medical_institution", "retail_pharmacy") and rng.random() < 0.05:
        terminated = _day(rng, start, end)
        events.append({"type": "agreement_terminated", "subject": subject, "date": terminated})
        applied = _after(rng, terminated, 30, 4 * 365)
        if applied <= end and rng.random() < 0.6:
            events.append({"type": "qualification_applied", "subject": subject, "date": applied})
    return {"id": subject, "kind": kind}, events


def _objection(
    rng: random.Random,
    subject: str,
    evaluation: str,
    published: dt.date,
    end: dt.date,
    events: list[dict[str, Any]],
) -> None:
    objection = f"o{evaluation[1:]}"
    filed = _after(rng, published, 1, 35)
    if filed > end:
        return
    events.append(
        {
            "type": "objection_filed",
            "subject": subject,
            "objection": objection,
            "evaluation": evaluation,
            "ground": rng.choice(_GZ_GROUNDS),
            "written": rng.random() < 0.9,
            "date": filed,
        }
    )
    decided = _after(rng, filed, 5, 30)
    if decided > end or rng.random() < 0.3:
        return
    upheld = rng.random() < 0.4
    decision: dict[str, Any] = {
        "type": "objection_decided",
        "subject": subject,
        "objection": objection,
        "evaluation": evaluation,
        "result": "upheld" if upheld else "rejected",
        "date": decided,
    }
    if upheld:
        decision["adjusted_score"] = rng.randint(60, 100)
    events.append(decision)


def _dishonesty(
    rng: random.Random,
    subject: str,
    start: dt.date,
    end: dt.date,
    events: list[dict[str, Any]],
) -> None:
    determined = _day(rng, start, end)
    severity = rng.choices(("general", "serious", "severe"), (70, 20, 10))[0]
    events.append(
        {
            "type": "dishonesty_determined",
            "subject": subject,
            "record": "d1",
            "category": rng.choice(_GZ_CATEGORIES),
            "severity": severity,
            "crime_suspected": rng.random() < 0.03,
            "date": determined,
        }
    )
    if rng.random() >= 0.4:
        return
    applied = _after(rng, determined, 30, 270)
    if applied > end:
        return
    both = rng.random() < 0.8
    materials = ["application_and_commitment", "rectification_evidence"]
    events.append(
        {
            "type": "repair_applied",
            "subject": subject,
            "application": "a1",
            "record": "d1",
            "materials": materials if both else materials[:1],
            "date": applied,
        }
    )
    decided = _after(rng, applied, 5, 20)
    if decided <= end:
        events.append(
            {
                "type": "repair_decided",
                "subject": subject,
                "application": "a1",
                "record": "d1",
                "granted": both and rng.random() < 0.7,
                "date": decided,
            }
        )


_Generator = Callable[
    [random.Random, str, dt.date, dt.date], tuple[dict[str, Any], list[dict[str, Any]]]
]
_GENERATORS: Mapping[str, _Generator] = {
    "lianyungang-2007": _lianyungang,
    "ganzhou-2023": _ganzhou,
}
