"""What a population generator for one regulation is, and the draws every generator shares.

Each regulation's generator lives in its module of :mod:`credit_rules.explain.regulations`; it
draws plain data from the one seeded ``random.Random`` it is given, so the same vocabulary,
size, window and seed always give the same subjects and events.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Generator = Callable[
    [random.Random, str, dt.date, dt.date], tuple[dict[str, Any], list[dict[str, Any]]]
]
"""One subject and its events between two days (both inclusive), drawn from ``rng``."""


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


@dataclass(frozen=True)
class PopulationPack:
    """What explain knows about one regulation: how to draw one subject's history, and how many
    years a population spans by default, long enough for every period of the regulation to run
    out at least once (so that changing a period shows up in a behavioural diff)."""

    vocabulary: str
    generate: Generator
    window_years: int


def day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A day from ``first`` through ``last``."""
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def after(rng: random.Random, start: dt.date, low: int, high: int) -> dt.date:
    """A day ``low`` to ``high`` days after ``start``."""
    return start + dt.timedelta(days=rng.randint(low, high))
