"""How the ledger writes its rows: subjects, events and compaction points as JSON text.

Events and subjects are written as their JSON dumps, so a journal is readable with any SQL
client and replays under any version of the library that reads the same vocabulary. A
compaction point holds what the ledger derived from one subject's events (the measures'
intervals and the actions owed, :mod:`credit_rules.ledger.store`), so reopening a large ledger
reads it instead of evaluating every subject again; citations are shared on reading, as the
engine shares them, so a million cached actions do not hold a million copies of Art 20.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from credit_rules.errors import CreditRulesError, JournalError
from credit_rules.i18n import Message
from credit_rules.ledger.agenda import CachedAction, PlainCites, cited_fields, plain_cites
from credit_rules.ledger.timeline import Interval
from credit_rules.model.events import Event
from credit_rules.model.results import Citation
from credit_rules.model.subjects import Subject
from credit_rules.model.vocabularies import events_from_json
from credit_rules.ruleset import ir


def event_json(event: Event) -> str:
    return event.model_dump_json()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(Message("{name} is not JSON", name=type(value).__name__))


# One encoder, built once: json.dumps with any option builds a new one on every call. Where
# CPython's C encoder is there, it is called directly: JSONEncoder.encode builds a new one per
# call, which is most of the cost of a short event (the bulk path encodes a million).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain)
_C_MAKE: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODER: Any = (
    _C_MAKE(None, _plain, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _C_MAKE is not None
    else None
)


def _encode(raw: Mapping[str, Any]) -> str:
    if _C_ENCODER is not None and type(raw) is dict:
        return "".join(_C_ENCODER(raw, 0))
    return _ENCODER.encode(raw)


def raw_json(raw: Event | Mapping[str, Any], model: Event) -> str:
    """An event's row as given, once validated as ``model``: a mapping as JSON text (several
    times faster than dumping the model, for the bulk path). A value JSON has no form for
    (a set, bytes, a Decimal) is one pydantic read into something else: then the row is the
    model's own dump, what ``record`` writes, so that the row reads back as the event
    checked."""
    if isinstance(raw, Event):
        return raw.model_dump_json()
    try:
        return _encode(raw)
    except (TypeError, ValueError):
        return model.model_dump_json()


def raw_json_many(raws: Sequence[Event | Mapping[str, Any]], models: Sequence[Event]) -> list[str]:
    """:func:`raw_json` of each, calling the C encoder directly when all are plain dicts."""
    if _C_ENCODER is not None and set(map(type, raws)) == {dict}:
        try:
            return ["".join(_C_ENCODER(raw, 0)) for raw in raws]
        except (TypeError, ValueError):
            pass  # something the plain encoder refuses: each as raw_json handles it
    return list(map(raw_json, raws, models))


def subject_json(subject: Subject) -> str:
    return subject.model_dump_json(exclude_none=True)


def minimal_json(subject_id: str, kind: str) -> str:
    """The row of a subject with nothing but an id and a kind, as :func:`subject_json` writes
    it, without making the model (the bulk path writes a million of them)."""
    if (
        subject_id.isascii()
        and subject_id.isprintable()
        and '"' not in subject_id
        and "\\" not in subject_id
    ):
        return f'{{"id":"{subject_id}","kind":"{kind}"}}'
    return f'{{"id":{json.dumps(subject_id, ensure_ascii=False)},"kind":"{kind}"}}'


def read_events(where: str, vocabulary: str, bodies: Sequence[str]) -> list[Event]:
    try:
        return events_from_json(vocabulary, "[" + ",".join(bodies) + "]")
    except (ValueError, CreditRulesError) as error:
        raise JournalError(
            Message("{where}: event rows do not validate ({error})", where=where, error=error)
        ) from None


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def cache_json(
    horizon: dt.date, timeline: Sequence[Interval], actions: Sequence[CachedAction]
) -> str:
    return json.dumps(
        {
            "h": horizon.isoformat(),
            "t": [[o, f.isoformat(), _day(u), t[0], t[1]] for o, f, u, t in timeline],
            "a": [
                [
                    k,
                    s,
                    d.isoformat(),
                    b.isoformat(),
                    p,
                    r,
                    rule,
                    cited_fields(cites),
                    t[0],
                    t[1],
                ]
                for k, s, d, b, p, r, rule, cites, t in actions
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


class CacheReader:
    """Reads compaction rows, sharing equal citation tuples between them."""

    def __init__(self, ruleset: ir.Ruleset) -> None:
        self._cites: dict[str, PlainCites] = {}
        self._ruleset = ruleset

    def read(self, body: str) -> tuple[dt.date, tuple[Interval, ...], tuple[CachedAction, ...]]:
        data: dict[str, Any] = json.loads(body)
        timeline = tuple(
            (o, dt.date.fromisoformat(f), _date(u), (tt, tk)) for o, f, u, tt, tk in data["t"]
        )
        actions: list[CachedAction] = []
        for k, s, d, b, p, r, rule, cites, tt, tk in data["a"]:
            key = json.dumps(cites, sort_keys=True, ensure_ascii=False)
            shared = self._cites.get(key)
            if shared is None:
                shared = plain_cites(tuple(Citation.model_validate(c) for c in cites))
                self._cites[key] = shared
            actions.append(
                (
                    k,
                    s,
                    dt.date.fromisoformat(d),
                    dt.date.fromisoformat(b),
                    p,
                    r,
                    rule,
                    shared,
                    (tt, tk),
                )
            )
        return dt.date.fromisoformat(data["h"]), timeline, tuple(actions)
