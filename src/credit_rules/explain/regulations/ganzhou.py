"""Ganzhou 2023 as a population: subjects of every Art 2 kind, evaluated once a year.

Each subject is evaluated with a published score (Arts 12–13); some object (Arts 17–20), some
are determined dishonest and apply for repair (Arts 22–25), and a few designated institutions
lose their agreement and later apply again (Art 15). Two years by default beyond the year the
measures took effect, which the 3-year ban of Art 15 reaches into.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Final

from credit_rules.explain.sampling import PopulationPack, after, day

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


def _generate(
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
        terminated = day(rng, start, end)
        events.append({"type": "agreement_terminated", "subject": subject, "date": terminated})
        applied = after(rng, terminated, 30, 4 * 365)
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
    filed = after(rng, published, 1, 35)
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
    decided = after(rng, filed, 5, 30)
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
    determined = day(rng, start, end)
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
    applied = after(rng, determined, 30, 270)
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
    decided = after(rng, applied, 5, 20)
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


PACK: Final = PopulationPack(
    vocabulary="ganzhou-2023",
    generate=_generate,
    window_years=2,
)
