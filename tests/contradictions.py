"""Histories the engine must refuse, made from valid ones: a record entered again on another
day, a correction naming a record never entered, a correction dated before its record's entry,
a procedural step naming an objection never filed (``Event.refers_to``).

Each is a contradiction the walk refuses (``build_records``), wherever in the history it sits:
an old one, on a subject no measure reaches on ``as_of`` any more, must be refused by the
population question (``outcomes``) as by ``evaluate``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from credit_rules.ruleset import ir

#: A correction of ``record`` as each vocabulary writes one (JSON form).
_CORRECTIONS = {
    "lianyungang-2007": lambda subject, record, day: {
        "type": "record_corrected",
        "subject": subject,
        "record": record,
        "action": "removed",
        "date": day,
    },
    "ganzhou-2023": lambda subject, record, day: {
        "type": "repair_decided",
        "subject": subject,
        "application": "a-contradiction",
        "record": record,
        "granted": True,
        "date": day,
    },
}


#: A step answering an objection never filed, as each vocabulary writes one (JSON form).
_DANGLING = {
    "lianyungang-2007": lambda subject, day: {
        "type": "objection_dismissed",
        "subject": subject,
        "record": "never-objected",
        "date": day,
    },
    "ganzhou-2023": lambda subject, day: {
        "type": "objection_decided",
        "subject": subject,
        "objection": "never-filed",
        "result": "rejected",
        "date": day,
    },
}


def contradicted(
    draw: st.DrawFn, ruleset: ir.Ruleset, events: list[dict[str, Any]], as_of: dt.date
) -> list[dict[str, Any]]:
    """``events`` (JSON dicts) with one contradiction added, dated on or before ``as_of``."""
    (register,) = ruleset.registers
    entries = [e for e in events if e["type"] == register.entered_by]
    subjects = sorted({e["subject"] for e in events})
    if not subjects:
        return events
    kinds = ["corrects nothing", "names nothing"]
    kinds += ["entered again", "corrects first"] if entries else []
    kind = draw(st.sampled_from(kinds))
    if kind == "entered again":
        entry = draw(st.sampled_from(entries))
        day = dt.date.fromisoformat(entry["date"]) + dt.timedelta(days=draw(st.integers(1, 900)))
        return [*events, {**entry, "date": min(day, as_of).isoformat()}]
    correction = _CORRECTIONS[ruleset.vocabulary]
    if kind == "corrects first":
        entry = draw(st.sampled_from(entries))
        entered = dt.date.fromisoformat(entry["date"])
        day = entered - dt.timedelta(days=draw(st.integers(1, 400)))
        added = correction(entry["subject"], entry[register.key], day.isoformat())
        return [*events, added]
    day = as_of - dt.timedelta(days=draw(st.integers(0, 3650)))
    subject = draw(st.sampled_from(subjects))
    if kind == "names nothing":
        return [*events, _DANGLING[ruleset.vocabulary](subject, day.isoformat())]
    return [*events, correction(subject, "never-entered", day.isoformat())]
