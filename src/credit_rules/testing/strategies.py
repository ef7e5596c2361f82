"""Hypothesis strategies for credit subjects and event histories.

Histories respect the procedures of the regulations (for Lianyungang Art 8: only entered records
count, corrections refer to entered records) and shrink towards few, early, simple events, so a
failing property shows a small, readable counterexample.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import strategies as st

from credit_rules.model.events import (
    CorrectionAction,
    DishonestyCategory,
    DishonestyEntered,
    Event,
    ObjectionFiled,
    ObjectionGround,
    QueryRequested,
    RecordCorrected,
)
from credit_rules.model.subjects import InsuredPerson

LIANYUNGANG_IN_FORCE = dt.date(2007, 10, 1)


@dataclass(frozen=True)
class History:
    """One subject and its events, ready for ``engine.evaluate([subject], events, as_of=...)``."""

    subject: InsuredPerson
    events: tuple[Event, ...]


def dates(
    start: dt.date = LIANYUNGANG_IN_FORCE, end: dt.date = dt.date(2026, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Days in [start, end]; shrinks towards ``start``."""
    return st.dates(min_value=start, max_value=end)


def insured_persons(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[InsuredPerson]:
    """Valid Lianyungang subjects."""
    return st.builds(
        InsuredPerson, id=ids if ids is not None else st.sampled_from(["p1", "p2", "p3"])
    )


@st.composite
def lianyungang_histories(
    draw: st.DrawFn,
    *,
    max_records: int = 6,
    start: dt.date = LIANYUNGANG_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
    corrections: bool = True,
    queries: bool = True,
) -> History:
    """One insured person with 0..max_records entered records, and perhaps objections,
    corrections (removals and amendments) and queries that refer to those records."""
    person = draw(insured_persons(st.just("p1")))
    count = draw(st.integers(min_value=0, max_value=max_records))
    events: list[Event] = []
    entered: list[DishonestyEntered] = []
    for number in range(count):
        record = DishonestyEntered(
            subject=person.id,
            record=f"r{number + 1}",
            category=draw(st.sampled_from(list(DishonestyCategory))),
            date=draw(dates(start, end)),
        )
        entered.append(record)
        events.append(record)
    if corrections and entered:
        for record in draw(st.lists(st.sampled_from(entered), max_size=2, unique=True)):
            filed = draw(dates(record.date, end))
            events.append(
                ObjectionFiled(
                    subject=person.id,
                    record=record.record,
                    ground=draw(st.sampled_from(list(ObjectionGround))),
                    date=filed,
                )
            )
            events.append(
                RecordCorrected(
                    subject=person.id,
                    record=record.record,
                    action=draw(st.sampled_from(list(CorrectionAction))),
                    date=draw(dates(filed, end)),
                )
            )
    if queries:
        for day in draw(st.lists(dates(start, end), max_size=2)):
            events.append(QueryRequested(subject=person.id, date=day))
    return History(person, tuple(events))


def lianyungang_entries(
    subject: str = "p1",
    *,
    start: dt.date = LIANYUNGANG_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
) -> st.SearchStrategy[DishonestyEntered]:
    """A single entered record for ``subject`` (its id is chosen to be fresh by callers)."""
    return st.builds(
        DishonestyEntered,
        subject=st.just(subject),
        record=st.just("extra"),
        category=st.sampled_from(list(DishonestyCategory)),
        date=dates(start, end),
    )
