"""A subject's own record report: what the administration holds about it, fit to hand over.

Lianyungang Art 12 lets an insured person with a record query their own dishonesty
information; Ganzhou Art 12 forms a credit report for each subject. Both show the subject its
records, the measures taken and what is pending. Personal identity numbers are masked
(``Subject.public_view``): Art 5 information serves credit management, not display, and a report
is made to be shown. So is anything else shaped like one, whatever field it sits in: a subject's
id is often its identity number, and it is on every event and result of the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import msgspec
from pydantic import SerializeAsAny

from credit_rules._masking import mask_text
from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.closures import compile_expr
from credit_rules.engine.history import build_records
from credit_rules.engine.provenance import citations
from credit_rules.ledger.store import LedgerEntry
from credit_rules.model._base import Frozen
from credit_rules.model.events import Event
from credit_rules.model.results import Citation, Deadline, Decision, Evaluation, RulesetRef
from credit_rules.model.subjects import Subject
from credit_rules.model.vocabularies import decision_day_fields, field_of
from credit_rules.periods import Period
from credit_rules.ruleset import ir

RecordStatus = Literal["in_force", "expired", "removed"]

#: The outcomes whose citations are the legal basis of a report, in order of preference.
_REPORT_BASIS = ("provide_record_report", "report_formed")


class RegisterRecord(Frozen):
    """One record about the subject: when it entered, until when it counts, and whether it still
    does on the report's day (removed by a correction, Lianyungang Art 13; expired, Art 14)."""

    register_id: str
    record: str
    category: str | None
    entered: dt.date
    valid_until: dt.date | None
    removed_from: dt.date | None
    status: RecordStatus


class ReportedEvent(Frozen):
    """An event in a report, with when it was recorded."""

    seq: int
    recorded_at: dt.date
    # SerializeAsAny: dump the event's own fields (its subclass), not only those of Event.
    event: SerializeAsAny[Event]


class RecordReport(Frozen):
    """The subject's own report as of a day: identity (masked), records, history, measures."""

    ruleset: RulesetRef
    as_of: dt.date
    subject: dict[str, Any]
    records: tuple[RegisterRecord, ...]
    history: tuple[ReportedEvent, ...]
    decisions: tuple[Decision, ...]
    deadlines: tuple[Deadline, ...]
    cites: tuple[Citation, ...]


def build_report(
    ruleset: ir.Ruleset,
    calendar: WorkingCalendar,
    subject: Subject,
    entries: Sequence[LedgerEntry],
    evaluation: Evaluation,
    *,
    clear: bool = False,
) -> RecordReport:
    """The report; with ``clear``, identity numbers outside the identity field as they are."""
    as_of = evaluation.as_of
    shown = [entry for entry in entries if entry.event.date <= as_of]
    counted = [
        (index, entry.event)
        for index, entry in enumerate(shown)
        if ruleset.in_force_from <= entry.event.date
    ]
    basis = next((o for o in ruleset.outcomes if o.id in _REPORT_BASIS), None)
    shown_as = _as_it_is if clear else _masked
    records = _records(ruleset, calendar, counted, as_of)
    return RecordReport.model_construct(
        ruleset=evaluation.ruleset,
        as_of=as_of,
        subject={k: shown_as(v) for k, v in subject.public_view().items()},
        records=records if clear else tuple(map(_masked_record, records)),
        history=tuple(
            ReportedEvent.model_construct(
                seq=e.seq,
                recorded_at=e.recorded_at,
                event=e.event if clear else _masked_event(e.event),
            )
            for e in sorted(shown, key=lambda e: (e.event.date, e.seq))
        ),
        decisions=evaluation.decisions
        if clear
        else tuple(map(_masked_result, evaluation.decisions)),
        deadlines=evaluation.deadlines
        if clear
        else tuple(map(_masked_result, evaluation.deadlines)),
        cites=citations(ruleset, basis.cites) if basis is not None else (),
    )


def _as_it_is(value: Any) -> Any:
    return value


def _masked(value: Any) -> Any:
    """Text with every run shaped like an identity number masked; anything else as it is."""
    return mask_text(value) if isinstance(value, str) else value


def _masked_event(event: Event) -> Event:
    changed = {
        name: masked
        for name, value in event.__dict__.items()
        if isinstance(value, str) and (masked := mask_text(value)) != value
    }
    return event.model_copy(update=changed) if changed else event


def _masked_record(record: RegisterRecord) -> RegisterRecord:
    masked = mask_text(record.record)
    return record if masked == record.record else record.model_copy(update={"record": masked})


_Result = TypeVar("_Result", Decision, Deadline)


def _masked_result(result: _Result) -> _Result:
    """A decision or deadline with its subject and its trigger's key masked."""
    trigger = result.trigger
    key = trigger.key
    if isinstance(key, str) and (masked_key := mask_text(key)) != key:
        trigger = msgspec.structs.replace(trigger, key=masked_key)
    subject = mask_text(result.subject)
    if subject == result.subject and trigger is result.trigger:
        return result
    return msgspec.structs.replace(result, subject=subject, trigger=trigger)


def _records(
    ruleset: ir.Ruleset,
    calendar: WorkingCalendar,
    events: Sequence[tuple[int, Event]],
    as_of: dt.date,
) -> tuple[RegisterRecord, ...]:
    parameters = ruleset.parameter_values()
    found: list[RegisterRecord] = []
    for register in ruleset.registers:
        validity = parameters[register.validity] if register.validity is not None else None
        assert validity is None or isinstance(validity, Period)
        condition = register.removal_condition()
        removal = compile_expr(condition, parameters, calendar) if condition is not None else None
        plain = [event for _, event in events]
        positions = [index for index, _ in events]
        decided = decision_day_fields(ruleset.vocabulary).get(register.removed_by_event or "")
        for record in build_records(
            register, validity, plain, positions, removal, decided_field=decided
        ):
            status: RecordStatus
            if record.removed_from is not None and record.removed_from <= as_of:
                status = "removed"
            elif record.last_valid < as_of:
                status = "expired"
            else:
                status = "in_force"
            field = field_of(record.event, "category_fields")
            category = getattr(record.event, field) if field is not None else None
            found.append(
                RegisterRecord.model_construct(
                    register_id=register.id,
                    record=record.key,
                    category=None if category is None else str(category),
                    entered=record.entered,
                    valid_until=None if record.last_valid == dt.date.max else record.last_valid,
                    removed_from=record.removed_from,
                    status=status,
                )
            )
    return tuple(found)
