"""The outbox: notifications a consumer is sure to get, once the events behind them are durable.

A notification is written in the same journal transaction as the events (or the day advanced)
that caused it, so none is ever delivered for an event a crash then loses, and none caused by a
durable event is lost. Delivery is at least once: a consumer reads what is pending, handles it
and acknowledges it; what it has not acknowledged when it crashes is delivered again. Each
notification has a stable id, derived from what it says (kind, subject, outcome or action,
trigger, day), so a consumer that crashes after handling but before acknowledging can
recognise the repeat, and the same fact found twice (a subject re-evaluated) is stored once.

Four kinds: a measure ``gained`` or ``lost`` on a day (by an event or by time passing); an
action (duty or deadline, :mod:`credit_rules.ledger.agenda`) ``due`` on its day, and a deadline
``overdue`` the day after, if the history does not show it done by then. A fifth,
``refused``, only from a ledger that settles later (:mod:`credit_rules.ledger.settlement`): an
acknowledged event the engine refused at settlement (``name`` is its type, ``trigger_seq`` its
seq; the reason is :meth:`~credit_rules.ledger.Ledger.voided`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from credit_rules._masking import mask_text

NotificationKind = Literal["gained", "lost", "due", "overdue", "refused"]

#: A JSON string without escaping beyond ASCII (the C function, where CPython has it).
_STRING = json.encoder.encode_basestring


def _text(value: str | None) -> str:
    return "null" if value is None else _STRING(value)


def note_id(
    kind: NotificationKind,
    subject: str,
    day: dt.date,
    name: str,
    trigger: tuple[str, str | None] | None,
) -> str:
    """The stable id of the notification that says this: a writer that finds the same fact
    again knows it from the id alone, before making anything of it."""
    ttype, tkey = trigger if trigger is not None else (None, None)
    basis = "\x1f".join((kind, subject, day.isoformat(), name, ttype or "", tkey or ""))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing a consumer should act on: ``name`` (a measure, or an action such as
    ``decide_objection``) ``kind`` for ``subject`` on ``day``, set off by the event of type
    ``trigger_type`` naming ``trigger_key``; ``seq`` is the ledger's last event when it was
    written (the history it reflects); ``trigger_seq`` the triggering event's seq if known."""

    id: str
    kind: NotificationKind
    subject: str
    day: dt.date
    name: str
    trigger_type: str | None
    trigger_key: str | None
    seq: int
    trigger_seq: int | None = None

    @classmethod
    def make(
        cls,
        kind: NotificationKind,
        subject: str,
        day: dt.date,
        name: str,
        trigger: tuple[str, str | None] | None,
        seq: int,
        trigger_seq: int | None = None,
        ident: str | None = None,
    ) -> Notification:
        """The notification, with its stable id (``ident``, if the caller has it already:
        :func:`note_id` of the same arguments)."""
        ttype, tkey = trigger if trigger is not None else (None, None)
        if ident is None:
            ident = note_id(kind, subject, day, name, trigger)
        return cls(ident, kind, subject, day, name, ttype, tkey, seq, trigger_seq)

    def to_json(self) -> str:
        # Written out by hand: a record writes a few per call, and a dict sorted and walked by
        # the encoder cost several times more. The text is byte for byte what
        # ``json.dumps(..., ensure_ascii=False, sort_keys=True)`` writes, and earlier journals
        # hold (the keys in sorted order, the default separators).
        trigger_seq = self.trigger_seq
        return (
            f'{{"day": "{self.day.isoformat()}", "id": {_STRING(self.id)}, '
            f'"kind": {_STRING(self.kind)}, "name": {_STRING(self.name)}, '
            f'"seq": {int.__repr__(self.seq)}, "subject": {_STRING(self.subject)}, '
            f'"trigger_key": {_text(self.trigger_key)}, '
            f'"trigger_seq": {"null" if trigger_seq is None else int.__repr__(trigger_seq)}, '
            f'"trigger_type": {_text(self.trigger_type)}}}'
        )

    @classmethod
    def from_json(cls, text: str) -> Notification:
        data = json.loads(text)
        data["day"] = dt.date.fromisoformat(data["day"])
        return cls(**data)

    def __repr__(self) -> str:
        return mask_text(
            f"Notification({self.kind} {self.name} for {self.subject!r} on "
            f"{self.day.isoformat()}, trigger {self.trigger_type} {self.trigger_key}, "
            f"seq {self.seq}, id {self.id})"
        )
