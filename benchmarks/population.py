"""A deterministic synthetic population of Lianyungang insured persons, for the benchmark.

``generate(params)`` draws plain data from one seeded ``random.Random``: the same parameters
always give the same persons and events. ``build(params)`` turns that data into the typed values
the engine takes (``InsuredPerson`` subjects, ``DishonestyEntered`` / ``RecordCorrected``
events), validated in bulk: one pydantic call for all subjects and one for all events. Building
is input preparation, not evaluation, so callers time it separately.

The shape of the population (ARCHITECTURE.md, "Performance budget"):

- ``persons`` insured persons (default 1,000,000), ids ``p0000000``, ``p0000001``, ... (zero
  padded, so sorting ids sorts by index);
- ``share_with_records`` of them (default 15%, chosen exactly, at random) have 1–5
  ``dishonesty_entered`` records (uniformly many), dated uniformly over ``start``..``end``
  (2007-10-01..2026-12-31), with record ids ``r1``.. unique per person and a random Art 7
  category;
- each record is corrected with probability ``removed_share`` (default 2%) by a
  ``record_corrected`` removal, or with probability ``amended_share`` (default 0.5%) by an
  amendment (which changes nothing), dated uniformly between its entry and ``end``;
- events are listed in date order, as a chronological feed would deliver them.

Run it alone to see the population's counts and the construction time:

    /tmp/dev/bin/python benchmarks/population.py --persons 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import TypeAdapter

from credit_rules.model.events import (
    CorrectionAction,
    DishonestyCategory,
    Event,
    parse_events,
)
from credit_rules.model.subjects import InsuredPerson

VOCABULARY = "lianyungang-2007"
_SUBJECTS = TypeAdapter(list[InsuredPerson])


@dataclass(frozen=True)
class PopulationParams:
    persons: int = 1_000_000
    seed: int = 20071001
    share_with_records: float = 0.15
    min_records: int = 1
    max_records: int = 5
    start: dt.date = dt.date(2007, 10, 1)
    end: dt.date = dt.date(2026, 12, 31)
    removed_share: float = 0.02
    amended_share: float = 0.005

    def as_json(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()
        }


@dataclass
class RawPopulation:
    """Plain data: subject ids and event dicts (dates as ``datetime.date``)."""

    params: PopulationParams
    subject_ids: list[str]
    events: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Population:
    """Typed, validated input for ``Engine.evaluate``."""

    params: PopulationParams
    subjects: list[InsuredPerson]
    events: list[Event]
    counts: dict[str, int]
    seconds_generate: float  # drawing the plain data
    seconds_construct: float  # building the pydantic subjects and events from it


def person_id(index: int) -> str:
    return f"p{index:07d}"


def generate(params: PopulationParams) -> RawPopulation:
    """Draw the population as plain data; deterministic for a given ``params``."""
    if not 0 <= params.share_with_records <= 1:
        raise ValueError("share_with_records must be within [0, 1]")
    rng = random.Random(params.seed)
    subject_ids = [person_id(i) for i in range(params.persons)]
    with_records = sorted(
        rng.sample(range(params.persons), round(params.persons * params.share_with_records))
    )
    first = params.start.toordinal()
    span = params.end.toordinal() - first + 1
    categories = [c.value for c in DishonestyCategory]
    removed, amended = CorrectionAction.removed.value, CorrectionAction.amended.value
    removal_cut = params.removed_share
    amend_cut = params.removed_share + params.amended_share
    from_ordinal = dt.date.fromordinal
    events: list[tuple[int, dict[str, Any]]] = []
    counts = {
        "persons": params.persons,
        "persons_with_records": len(with_records),
        "dishonesty_entered": 0,
        "record_corrected_removed": 0,
        "record_corrected_amended": 0,
    }
    for index in with_records:
        subject = subject_ids[index]
        for number in range(1, rng.randint(params.min_records, params.max_records) + 1):
            record = f"r{number}"
            day = first + rng.randrange(span)
            events.append(
                (
                    day,
                    {
                        "type": "dishonesty_entered",
                        "subject": subject,
                        "record": record,
                        "category": rng.choice(categories),
                        "date": from_ordinal(day),
                    },
                )
            )
            counts["dishonesty_entered"] += 1
            draw = rng.random()
            if draw < amend_cut:
                action = removed if draw < removal_cut else amended
                corrected = day + rng.randrange(first + span - day)
                events.append(
                    (
                        corrected,
                        {
                            "type": "record_corrected",
                            "subject": subject,
                            "record": record,
                            "action": action,
                            "date": from_ordinal(corrected),
                        },
                    )
                )
                counts[f"record_corrected_{action}"] += 1
    events.sort(key=lambda pair: pair[0])  # stable: a correction never precedes its entry
    counts["events"] = len(events)
    return RawPopulation(params, subject_ids, [e for _, e in events], counts)


def build(params: PopulationParams) -> Population:
    """The typed population, validated in bulk; generation and construction timed apart."""
    started = time.perf_counter()
    raw = generate(params)
    generated = time.perf_counter()
    subjects = _SUBJECTS.validate_python([{"id": sid} for sid in raw.subject_ids])
    events = parse_events(VOCABULARY, raw.events)
    constructed = time.perf_counter()
    return Population(
        params=params,
        subjects=subjects,
        events=events,
        counts=raw.counts,
        seconds_generate=generated - started,
        seconds_construct=constructed - generated,
    )


def subset(
    subjects: Sequence[InsuredPerson], events: Iterable[Event], persons: int
) -> tuple[list[InsuredPerson], list[Event]]:
    """The first ``persons`` subjects and exactly their events (order kept)."""
    chosen = list(subjects[:persons])
    ids = {s.id for s in chosen}
    return chosen, [e for e in events if e.subject in ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=PopulationParams.persons)
    parser.add_argument("--seed", type=int, default=PopulationParams.seed)
    args = parser.parse_args()
    population = build(PopulationParams(persons=args.persons, seed=args.seed))
    for name, value in population.counts.items():
        print(f"{name:28} {value:>12,}")
    print(f"{'generate (plain data) s':28} {population.seconds_generate:>12.3f}")
    print(f"{'construct (pydantic) s':28} {population.seconds_construct:>12.3f}")


if __name__ == "__main__":
    main()
