"""Deterministic synthetic populations of credit subjects, for comparing ruleset versions.

A behavioural diff needs many histories that exercise the rules the way real caseloads do, and
it needs the same histories every time, so that "37 subjects lose a measure" can be quoted in a
review and reproduced later. Each generator draws plain data from one seeded
``random.Random``: the same vocabulary, size, window and seed always give the same subjects and
events. (Hypothesis strategies are built to search and shrink, not to reproduce a fixed sample,
so they are not used here.)

Histories follow the procedures of each regulation, so that no generated history is one the
engine would reject; each regulation's generator is in its module of
:mod:`credit_rules.explain.regulations` (Lianyungang: insured persons with entered, objected and
corrected records; Ganzhou: subjects of every kind, evaluated yearly, objecting and repairing).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from credit_rules.errors import Problem, ScenarioError
from credit_rules.explain.regulations import PACKS
from credit_rules.explain.sampling import Population
from credit_rules.i18n import Message

__all__ = ["Population", "default_window", "generate", "supported_vocabularies"]


def supported_vocabularies() -> tuple[str, ...]:
    return tuple(sorted(PACKS))


def default_window(vocabulary: str, in_force_from: dt.date) -> tuple[dt.date, dt.date]:
    """The span of history a population covers when no date is given.

    Long enough for every period of the regulation to run out at least once (Lianyungang's
    5-year validity, Ganzhou's 3-year ban), so that changing a period shows up in the diff.
    """
    pack = PACKS.get(vocabulary)
    years = pack.window_years if pack is not None else 2
    end = dt.date(in_force_from.year + years, 12, 31)
    return in_force_from, end


def generate(vocabulary: str, size: int, *, seed: int, start: dt.date, end: dt.date) -> Population:
    """``size`` subjects and their events between ``start`` and ``end`` (both inclusive)."""
    pack = PACKS.get(vocabulary)
    if pack is None:
        known = ", ".join(supported_vocabularies())
        raise ScenarioError(
            None,
            [
                Problem(
                    Message(
                        "no population generator for the vocabulary {vocabulary!r} (there are "
                        "generators for {known}); compare on scenarios only with --population 0",
                        vocabulary=vocabulary,
                        known=known,
                    )
                )
            ],
        )
    if end < start:
        raise ScenarioError(
            None,
            [
                Problem(
                    Message(
                        "the population's history would end ({end}) before the ruleset is in "
                        "force ({start})",
                        end=end,
                        start=start,
                    )
                )
            ],
        )
    rng = random.Random(f"{vocabulary}|{seed}")
    width = max(len(str(size - 1)), 5)
    subjects: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(size):
        subject, history = pack.generate(rng, f"s{number:0{width}d}", start, end)
        subjects.append(subject)
        events.extend(history)
    return Population(vocabulary, seed, start, end, tuple(subjects), tuple(events))
