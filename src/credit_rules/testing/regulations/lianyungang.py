"""Lianyungang 2007 as testing knows it: hypothesis histories of insured persons, and a long,
deterministic history of one person.

Histories respect Art 8: a record is collected, verified, determined and entered, and only
entered records count; objections and corrections (Art 13) refer to entered records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Final

from credit_rules.model.events import Event
from credit_rules.model.lianyungang import (
    CorrectionAction,
    DishonestyCategory,
    DishonestyCollected,
    DishonestyDetermined,
    DishonestyEntered,
    DishonestyVerified,
    ObjectionDismissed,
    ObjectionFiled,
    ObjectionGround,
    QueryRequested,
    RecordCorrected,
)
from credit_rules.model.subjects import InsuredPerson
from credit_rules.ruleset import ir
from credit_rules.testing._draws import (
    History,
    TestingPack,
    dates,
    first_events,
    index,
    offset,
    some,
)
from credit_rules.testing._hypothesis import st

__all__ = [
    "LIANYUNGANG_IN_FORCE",
    "PACK",
    "insured_persons",
    "lianyungang_entries",
    "lianyungang_histories",
    "lianyungang_history",
]

LIANYUNGANG_IN_FORCE: Final = dt.date(2007, 10, 1)
"""Art 15: the measures take effect on 1 October 2007."""

_CATEGORY: Final = st.sampled_from(tuple(DishonestyCategory))
_GROUND: Final = st.sampled_from(tuple(ObjectionGround))
_ACTION: Final = st.sampled_from(tuple(CorrectionAction))


def insured_persons(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[InsuredPerson]:
    """Valid Lianyungang subjects."""
    return st.builds(
        InsuredPerson, id=ids if ids is not None else st.sampled_from(["p1", "p2", "p3"])
    )


_EARLIER_STAGES: Final = (DishonestyCollected, DishonestyVerified, DishonestyDetermined)
_STAGE_COUNT: Final = st.integers(0, len(_EARLIER_STAGES))
_P1: Final = insured_persons(st.just("p1"))


def _draw_stages(
    draw: st.DrawFn, subject: str, record: str, category: DishonestyCategory, last: dt.date
) -> list[Event]:
    """Art 8(一)–(三) for one record: some of collection, verification and determination, in
    that order, on or before ``last``."""
    count = draw(_STAGE_COUNT)
    day = last
    stages: list[Event] = []
    for stage in reversed(_EARLIER_STAGES[:count]):
        day = day - draw(offset(0, 30))
        stages.append(stage(subject=subject, record=record, category=category, date=day))
    return stages[::-1]


def lianyungang_histories(
    *,
    max_records: int = 6,
    start: dt.date = LIANYUNGANG_IN_FORCE,
    end: dt.date = dt.date(2026, 12, 31),
    corrections: bool = True,
    queries: bool = True,
    stages: bool = False,
) -> st.SearchStrategy[History]:
    """One insured person with 0..max_records entered records, and perhaps objections,
    each answered by a correction (a removal or an amendment) or a dismissal, and queries
    that refer to those records.

    With ``stages``, records also go through the earlier steps of Art 8 (collected, verified,
    determined) before entry, and one record may stop before entry (it must not count).
    """
    counts, days = some(max_records), dates(start, end)
    queried = st.lists(days, max_size=2)

    @st.composite
    def histories(draw: st.DrawFn) -> History:
        person = draw(_P1)
        events: list[Event] = []
        entered: list[DishonestyEntered] = []
        for number in range(draw(counts)):
            record = DishonestyEntered(
                subject=person.id,
                record=f"r{number + 1}",
                category=draw(_CATEGORY),
                date=draw(days),
            )
            if stages:
                events.extend(
                    _draw_stages(draw, person.id, record.record, record.category, record.date)
                )
            entered.append(record)
            events.append(record)
        if stages and draw(st.booleans()):
            category = draw(_CATEGORY)
            events.extend(_draw_stages(draw, person.id, "n1", category, draw(days)))
        if corrections and entered:
            objected = draw(st.lists(index(len(entered)), max_size=2, unique=True))
            for record in (entered[i] for i in objected):
                filed = draw(dates(record.date, end))
                events.append(
                    ObjectionFiled(
                        subject=person.id, record=record.record, ground=draw(_GROUND), date=filed
                    )
                )
                # Art 13: verified, the record is corrected, or nothing needs correcting.
                answered = draw(dates(filed, end))
                if draw(st.integers(0, 3)) == 0:
                    events.append(
                        ObjectionDismissed(subject=person.id, record=record.record, date=answered)
                    )
                else:
                    events.append(
                        RecordCorrected(
                            subject=person.id,
                            record=record.record,
                            action=draw(_ACTION),
                            date=answered,
                        )
                    )
        if queries:
            events.extend(QueryRequested(subject=person.id, date=day) for day in draw(queried))
        return History(person, tuple(events))

    return histories()


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
        category=_CATEGORY,
        date=dates(start, end),
    )


# -- the pack ----------------------------------------------------------------------------------


def _histories(ruleset: ir.Ruleset, start: dt.date, end: dt.date) -> st.SearchStrategy[History]:
    return lianyungang_histories(max_records=5, start=start, end=end, stages=True)


def _before_in_force(
    draw: st.DrawFn, ruleset: ir.Ruleset, subject: str, day: dt.date
) -> list[Event]:
    entering = {register.entered_by for register in ruleset.registers}
    if "dishonesty_entered" not in entering:
        return []
    category = draw(_CATEGORY)
    return [DishonestyEntered(subject=subject, record="b1", category=category, date=day)]


# -- a long history ----------------------------------------------------------------------------

_LONG_CATEGORIES = ("lend_certificate", "use_others_certificate", "forge_documents", "resell_drugs")


def lianyungang_history(n: int, subject: str = "p1") -> list[dict[str, Any]]:
    """``n`` events of one insured person from 2008 on: a record entered every week; every
    tenth is objected to and corrected (removed, or amended) a few days later; every fifth
    week the person asks for their record (Lianyungang Arts 8, 12 and 13)."""
    return first_events(_lianyungang(subject), n)


def _lianyungang(subject: str) -> Iterator[dict[str, Any]]:
    day = dt.date(2008, 1, 7)
    week = 0
    while True:
        record = f"r{week}"
        yield {
            "type": "dishonesty_entered",
            "subject": subject,
            "record": record,
            "category": _LONG_CATEGORIES[week % len(_LONG_CATEGORIES)],
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


PACK: Final = TestingPack(
    vocabulary="lianyungang-2007",
    histories=_histories,
    before_in_force=_before_in_force,
    long_history=lianyungang_history,
)
