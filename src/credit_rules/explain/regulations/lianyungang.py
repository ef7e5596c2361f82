"""Lianyungang 2007 as a population: insured persons, most of them with a clean record.

Like the benchmark population of ARCHITECTURE.md, 15% of insured persons have 1–5 entered
records (Art 8(四)) of random Art 7 categories; some records are objected to, then corrected
or found to need no correction (Art 13), some persons ask for their record (Art 12), and a
few records stop at determination and never count (Art 8). Nine years by default: the
5-year validity runs out within it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Final

from credit_rules.explain.sampling import PopulationPack, after, day

_LYG_CATEGORIES = (
    "lend_certificate",
    "use_others_certificate",
    "forge_documents",
    "resell_drugs",
    "other_violation",
)
_LYG_GROUNDS = ("inaccurate", "incomplete", "irrelevant", "outdated")


def _generate(
    rng: random.Random, subject: str, start: dt.date, end: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    person = {"id": subject, "kind": "insured_person"}
    events: list[dict[str, Any]] = []
    if rng.random() >= 0.15:
        return person, events
    for number in range(1, rng.randint(1, 5) + 1):
        record = f"r{number}"
        category = rng.choice(_LYG_CATEGORIES)
        entered = day(rng, start, end)
        base = {"subject": subject, "record": record, "category": category}
        if rng.random() < 0.03:
            # Determined but never entered: Art 8 says it does not count.
            events.append({"type": "dishonesty_determined", **base, "date": entered})
            continue
        events.append({"type": "dishonesty_entered", **base, "date": entered})
        if rng.random() < 0.05:
            filed = after(rng, entered, 1, 200)
            corrected = after(rng, filed, 1, 60)
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
                # Verified (Art 13): corrected, or one time in four nothing to correct.
                answer = rng.random()
                if answer < 0.25:
                    events.append(
                        {
                            "type": "objection_dismissed",
                            "subject": subject,
                            "record": record,
                            "date": corrected,
                        }
                    )
                else:
                    events.append(
                        {
                            "type": "record_corrected",
                            "subject": subject,
                            "record": record,
                            "action": "removed" if answer < 0.75 else "amended",
                            "date": corrected,
                        }
                    )
    if rng.random() < 0.1:
        events.append({"type": "query_requested", "subject": subject, "date": day(rng, start, end)})
    return person, events


PACK: Final = PopulationPack(
    vocabulary="lianyungang-2007",
    generate=_generate,
    window_years=9,
)
