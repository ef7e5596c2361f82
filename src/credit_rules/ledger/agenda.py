"""The administration's agenda: the acts it owes, when they are due, and when they are done.

Two kinds of result become actions:

- a **duty** (notify a subject of an entry, Lianyungang Art 8(四); tell an objector the result,
  Art 13 / Ganzhou Art 20) is owed on its one day;
- a **deadline** (decide an objection, Ganzhou Art 20; decide a repair, Art 25; end the
  publicity period and form the report, Arts 12 and 20) is due on its last day.

Whether an action has been done ("discharged") is read from the history, never assumed, through
a table keyed by the outcome's name, which each regulation's module of
:mod:`credit_rules.ledger.regulations` holds (:class:`LedgerPack`), so a ruleset with new
deadlines needs a new row, not new code. Ganzhou's, for example:

=========================  ================  ==============================================
outcome                    action            discharged when
=========================  ================  ==============================================
objection_decision_due     decide_objection  an ``objection_decided`` names the objection
repair_decision_due        decide_repair     a ``repair_decided`` names the application
objection_window_closes    form_report       ``report_formed`` applies for that evaluation
publicity_ends             end_publicity     the period ends by itself on its day
=========================  ================  ==============================================

A row may also make an action **wait** for other deadlines (``waits_for``): the report is
formed only once the objections to the evaluation are settled (Art 12, Art 20), so while an
objection filed against it (an ``objection_filed`` naming the evaluation, or naming none) is
undecided, ``form_report`` is due no earlier than that objection's decision is. It is not
overdue on 2025-02-08 for an evaluation published on 2025-01-10 and objected to on 2025-01-24,
because the objection need not be decided before 2025-02-20.

Each :class:`Action` carries its trigger as data (``trigger_type``, ``trigger_key`` and the
ledger ``trigger_seq`` of the event), and ``discharged_by`` as a :class:`DischargedBy`, so a
service joins on fields, never on text.

An action whose row names neither an event nor an outcome (every duty: neither vocabulary has
an event for "the subject was notified") is listed on the agenda on its day but never overdue:
the ledger cannot know it was not done, and an overdue list that never empties is useless.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from credit_rules.errors import LedgerArgumentError
from credit_rules.i18n import Message
from credit_rules.ledger.timeline import Interval, TriggerKey, trigger_of
from credit_rules.model._base import Frozen
from credit_rules.model.events import Event
from credit_rules.model.results import Citation, Evaluation
from credit_rules.model.vocabularies import field_of

ActionKind = Literal["duty", "deadline"]


@dataclass(frozen=True)
class Discharge:
    """How an action is named and how the history shows it done.

    ``event`` and ``key``: an event of that type, dated on or before the day asked about, whose
    ``key`` field equals the id the action's trigger names (the objection, the application).
    ``outcome``: a measure of that name from the same trigger applies by then. ``by_itself``: a
    period that simply runs out on its day (nothing is owed after it).
    """

    action: str
    event: str | None = None
    key: str | None = None
    outcome: str | None = None
    by_itself: bool = False
    #: Deadlines (by outcome) this action waits for, found through ``waits_via``: the event
    #: type that starts them and its field naming this action's trigger key.
    waits_for: str | None = None
    waits_via: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if (self.event is None) != (self.key is None):
            raise LedgerArgumentError(Message("a Discharge by event needs both `event` and `key`"))
        if (self.waits_for is None) != (self.waits_via is None):
            raise LedgerArgumentError(
                Message("a Discharge that waits needs both `waits_for` and `waits_via`")
            )

    def structured(self) -> DischargedBy:
        return DischargedBy(
            event=self.event,
            key=self.key,
            outcome=self.outcome,
            by_itself=self.by_itself,
            description=self.describe() or "",
        )

    def describe(self) -> str | None:
        if self.event is not None:
            return f"{self.event} with the same {self.key}"
        if self.outcome is not None:
            return f"{self.outcome} for the same trigger"
        if self.by_itself:
            return "the period ends by itself"
        return None


@dataclass(frozen=True)
class LedgerPack:
    """What the ledger knows about one regulation: how the history shows each of its actions
    done, by the name of the outcome that owes it, and which procedural events must name an id
    an event recorded earlier introduced, besides those the vocabulary declares
    (``Event.refers_to``): (event type, field) -> the introducing event type; see
    :mod:`credit_rules.ledger.references`."""

    vocabulary: str
    discharges: Mapping[str, Discharge]
    references: Mapping[tuple[str, str], str] = field(default_factory=lambda: MappingProxyType({}))


class DischargedBy(Frozen):
    """How the history shows an action done, as data: an ``event`` whose ``key`` field names the
    trigger's id, an ``outcome`` of the same trigger, or the period ending ``by_itself``."""

    event: str | None = None
    key: str | None = None
    outcome: str | None = None
    by_itself: bool = False
    description: str


class Action(Frozen):
    """One act the administration owes one subject, with its due day and its legal basis.

    ``due`` is the day the law makes it due, after any wait (see ``waits_for`` above);
    ``trigger_type``/``trigger_key`` name the event that set it off and ``trigger_seq`` that
    event's ledger seq.
    """

    subject: str
    action: str
    source: str
    kind: ActionKind
    due: dt.date
    start: dt.date
    concerns: str
    provisional: bool
    provisional_reason: str | None = None
    discharged_by: DischargedBy | None = None
    rule: str
    cites: tuple[Citation, ...]
    trigger_type: str
    trigger_key: str | None = None
    trigger_seq: int | None = None


PlainCites = str
"""Citations as their JSON text, which the garbage collector never tracks: see
:func:`plain_cites`."""

CachedAction = tuple[
    ActionKind, str, dt.date, dt.date, bool, str | None, str, PlainCites, TriggerKey
]
"""kind, source outcome, due, start, provisional, provisional reason, rule, cites, trigger."""


@functools.lru_cache(maxsize=1024)
def plain_cites(cites: tuple[Citation, ...]) -> PlainCites:
    """A subject's cached actions hold their citations as text (one shared string per
    citation set), so that the collector tracks neither them nor the tuples holding them.
    Holding the pydantic models kept every cached action, and its subject's tuple of
    actions, tracked: a service that had recorded 300,000 events since it loaded paused half
    a second in each full collection, walking them. (Tuples of plain values would not do:
    one made before ``gc.freeze()`` stays tracked for good, and so does every tuple that
    holds it.)"""
    return json.dumps([c.model_dump() for c in cites], ensure_ascii=False, separators=(",", ":"))


@functools.lru_cache(maxsize=1024)
def cited_fields(plain: PlainCites) -> list[dict[str, Any]]:
    """The citations :func:`plain_cites` made text, as their fields (shared per set: a
    compaction point writes them for every cached action, and only reads them)."""
    fields: list[dict[str, Any]] = json.loads(plain)
    return fields


@functools.lru_cache(maxsize=1024)
def citations_of(plain: PlainCites) -> tuple[Citation, ...]:
    """The citations :func:`plain_cites` made text, as models again (shared per set)."""
    return tuple(Citation.model_construct(**fields) for fields in cited_fields(plain))


def actions_of(evaluation: Evaluation) -> tuple[CachedAction, ...]:
    """The duties and deadlines of an evaluation, compactly (cites are shared, not copied)."""
    found: list[CachedAction] = [
        (
            "duty",
            d.name,
            d.on,
            d.on,
            d.provisional,
            None,
            d.rule,
            plain_cites(d.cites),
            trigger_of(d),
        )
        for d in evaluation.duties
    ]
    found += [
        (
            "deadline",
            d.name,
            d.due,
            d.start,
            d.provisional,
            d.provisional_reason,
            d.rule,
            plain_cites(d.cites),
            trigger_of(d),
        )
        for d in evaluation.deadlines
    ]
    return tuple(found)


def discharged(
    discharge: Discharge | None,
    trigger: TriggerKey,
    on: dt.date,
    events: Sequence[Event],
    timeline: Sequence[Interval],
) -> bool:
    """Whether the history shows the action done by ``on`` (see the table above)."""
    if discharge is None:
        return False
    if discharge.event is not None and discharge.key is not None:
        key = trigger[1]
        return any(
            event.type == discharge.event
            and event.date <= on
            and getattr(event, discharge.key, None) == key
            for event in events
        )
    if discharge.outcome is not None:
        return any(
            outcome == discharge.outcome and source == trigger and first <= on
            for outcome, first, _, source in timeline
        )
    return False


def can_be_overdue(discharge: Discharge | None) -> bool:
    return discharge is not None and (discharge.event is not None or discharge.outcome is not None)


def key_of(event: Event) -> str | None:
    """The key the event names (what it concerns), as a trigger names it: text, or None."""
    field_name = field_of(event, "key_fields")
    key = None if field_name is None else event.__dict__.get(field_name)
    return key if isinstance(key, str) else None  # a trigger's key is text


def trigger_seqs(events: Sequence[Event], seqs: Sequence[int]) -> dict[TriggerKey, int]:
    """The ledger seq of each trigger of one history: that of the first event of the trigger's
    type (a trigger without a key) naming its key. From one pass, for all of them: recording
    one event notifies a few facts of its subject, and an agenda lists a subject's actions,
    each with a trigger to find."""
    found: dict[TriggerKey, int] = {}
    for event, seq in zip(events, seqs, strict=True):
        ttype = event.type
        found.setdefault((ttype, None), seq)
        key = key_of(event)
        if key is not None:
            found.setdefault((ttype, key), seq)
    return found


def to_action(
    subject: str,
    cached: CachedAction,
    discharges: Mapping[str, Discharge],
    due: dt.date,
    seq: int | None,
) -> Action:
    kind, source, _, start, provisional, reason, rule, cites, trigger = cached
    discharge = discharges.get(source)
    return Action.model_construct(
        subject=subject,
        action=discharge.action if discharge is not None else source,
        source=source,
        kind=kind,
        due=due,
        start=start,
        concerns=trigger[0] if trigger[1] is None else f"{trigger[0]} {trigger[1]}",
        provisional=provisional,
        provisional_reason=reason,
        discharged_by=discharge.structured() if discharge is not None else None,
        rule=rule,
        cites=citations_of(cites),
        trigger_type=trigger[0],
        trigger_key=trigger[1],
        trigger_seq=seq,
    )


ActionView = tuple[str, Sequence[Event], Sequence[int], Sequence[Interval], Sequence[CachedAction]]
"""One subject's id, events, their seqs, measures and actions, read off one evaluation."""


def due_on(
    cached: CachedAction,
    discharge: Discharge | None,
    on: dt.date,
    view: ActionView,
    discharges: Mapping[str, Discharge],
) -> dt.date:
    """The day the action is due, as known on ``on``: its own day, or later while a deadline
    it waits for (an undecided objection to the same evaluation) is still running."""
    due = cached[2]
    if discharge is None or discharge.waits_for is None or discharge.waits_via is None:
        return due
    via_type, via_field = discharge.waits_via
    _, events, _, timeline, actions = view
    key = cached[8][1]
    linked = {
        getattr(event, _id_field(event), None)
        for event in events
        if event.type == via_type and getattr(event, via_field, None) in (key, None)
    }
    for other in actions:
        if other[1] != discharge.waits_for or other[8][0] != via_type or other[8][1] not in linked:
            continue
        if discharged(discharges.get(other[1]), other[8], on, events, timeline):
            continue
        due = max(due, other[2])
    return due


def _id_field(event: Event) -> str:
    """The field naming what the event concerns, as its regulation's pack says."""
    return field_of(event, "key_fields") or ""


def owed(
    views: Iterable[ActionView], start: dt.date, end: dt.date, discharges: Mapping[str, Discharge]
) -> tuple[Action, ...]:
    """The actions due from ``start`` through ``end`` not shown done by ``start``."""
    found = []
    for view in views:
        subject, events, seqs, timeline, actions = view
        index = None
        for cached in actions:
            discharge = discharges.get(cached[1])
            due = due_on(cached, discharge, start, view, discharges)
            if not start <= due <= end:
                continue
            if discharged(discharge, cached[8], start, events, timeline):
                continue
            index = trigger_seqs(events, seqs) if index is None else index
            found.append(to_action(subject, cached, discharges, due, index.get(cached[8])))
    return sort_actions(found)


def past_due(
    views: Iterable[ActionView], on: dt.date, discharges: Mapping[str, Discharge]
) -> tuple[Action, ...]:
    """The actions due before ``on`` that can be shown done and are not, by ``on``."""
    found = []
    for view in views:
        subject, events, seqs, timeline, actions = view
        index = None
        for cached in actions:
            discharge = discharges.get(cached[1])
            if cached[2] >= on or not can_be_overdue(discharge):
                continue
            due = due_on(cached, discharge, on, view, discharges)
            if due >= on or discharged(discharge, cached[8], on, events, timeline):
                continue
            index = trigger_seqs(events, seqs) if index is None else index
            found.append(to_action(subject, cached, discharges, due, index.get(cached[8])))
    return sort_actions(found)


def sort_actions(actions: Iterable[Action]) -> tuple[Action, ...]:
    """By due day, then subject, action and what it concerns: a stable, readable order."""
    return tuple(sorted(actions, key=lambda a: (a.due, a.subject, a.action, a.concerns)))
