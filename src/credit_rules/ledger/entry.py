"""Validation on entry: what a subject or an event must be before the ledger takes it.

Problems are named as a person reading the ledger would name the events: ``event`` or
``batch[i]`` for what is being recorded, ``seq N`` for what was recorded before, never the
position in some internal list.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, overload

from pydantic import TypeAdapter, ValidationError

from credit_rules.errors import (
    CreditRulesError,
    EventRejected,
    InputError,
    Problem,
    ScenarioError,
    SubjectRejected,
    shown,
    validation_message,
)
from credit_rules.i18n import Message
from credit_rules.limits import after_last_day
from credit_rules.model._base import holdable_text
from credit_rules.model.events import Event, parse_events, raw_events
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.model.vocabularies import event_classes, unvalidated
from credit_rules.ruleset import ir
from credit_rules.yaml_source import iso_date

#: The first step of a problem's field, a path into the input such as ``events[3].record``.
_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")


def parse_subject(ruleset: ir.Ruleset, raw: Subject | Mapping[str, Any]) -> Subject:
    """A typed subject of a kind the ruleset knows (for Ganzhou, Art 2)."""
    if isinstance(raw, Subject):
        typed = raw
    elif isinstance(raw, Mapping):
        model = SUBJECT_CLASSES.get(str(raw.get("kind")), Subject)
        try:
            typed = model.model_validate(raw)
        except ValidationError as error:
            raise SubjectRejected(
                None,
                [
                    Problem(validation_message(item), ".".join(str(p) for p in item["loc"]))
                    for item in error.errors()
                ],
            ) from None
    else:
        raise SubjectRejected(None, [Problem(Message("not a subject: {raw!r}", raw=raw))])
    if typed.kind not in ruleset.subject_kinds:
        raise SubjectRejected(
            None,
            [
                Problem(
                    Message(
                        "kind {kind!r} is not a subject kind of {id} ({subject_kinds})",
                        kind=typed.kind,
                        id=ruleset.id,
                        subject_kinds=", ".join(sorted(ruleset.subject_kinds)),
                    ),
                    "kind",
                )
            ],
        )
    return typed


def parse_subjects(
    ruleset: ir.Ruleset, raws: Sequence[Subject | Mapping[str, Any]]
) -> list[Subject]:
    """Many subjects at once: mappings of one kind are validated in one pydantic call (the
    bulk path); anything unusual goes through :func:`parse_subject` for its precise error."""
    found: list[Subject | None] = [None] * len(raws)
    groups: dict[str, list[int]] = {}
    for index, raw in enumerate(raws):
        kind = raw.get("kind") if isinstance(raw, Mapping) else None
        if isinstance(kind, str) and kind in ruleset.subject_kinds and kind in SUBJECT_CLASSES:
            groups.setdefault(kind, []).append(index)
        else:
            found[index] = parse_subject(ruleset, raw)
    for kind, indices in groups.items():
        try:
            typed = _list_adapter(kind).validate_python([raws[i] for i in indices])
        except ValidationError:
            for i in indices:
                parse_subject(ruleset, raws[i])  # raises with the subject's own problems
            raise
        for i, subject in zip(indices, typed, strict=True):
            found[i] = subject
    return [s for s in found if s is not None]


@functools.cache
def _list_adapter(kind: str) -> TypeAdapter[list[Subject]]:
    model: Any = SUBJECT_CLASSES[kind]
    adapter: TypeAdapter[list[Subject]] = TypeAdapter(list[model])
    return adapter


def typed_events(
    ruleset: ir.Ruleset, raw: Sequence[Event | Mapping[str, Any]], labels: Sequence[str]
) -> list[Event]:
    """Typed events of the ruleset's vocabulary, validated in one pydantic call."""
    if set(map(type, raw)) == {dict}:  # the bulk path's plain rows: no pass in Python
        return _parsed(ruleset, raw, labels)  # type: ignore[arg-type]
    if all(isinstance(e, Event) for e in raw):
        typed: list[Event] = list(raw)  # type: ignore[arg-type]
        classes = event_classes(ruleset.vocabulary)
        wrong = [
            Problem(
                Message(
                    "{type!r} is not an event of {vocabulary}",
                    type=e.type,
                    vocabulary=ruleset.vocabulary,
                ),
                labels[i],
            )
            for i, e in enumerate(typed)
            if classes.get(e.type) is not type(e)
        ]
        # A record costs hundreds of microseconds; a model's fields, a look.
        wrong.extend(unvalidated(typed, labels))
        if wrong:
            raise EventRejected(None, wrong)
        return typed
    plain = raw_events(raw)
    return _parsed(ruleset, plain, labels)


def _parsed(
    ruleset: ir.Ruleset, plain: Sequence[Mapping[str, Any]], labels: Sequence[str]
) -> list[Event]:
    try:
        return parse_events(ruleset.vocabulary, plain)
    except ScenarioError as error:
        raise EventRejected(None, [_renamed(p, labels, labels) for p in error.problems]) from None


@overload
def day_of(value: object, what: str) -> dt.date: ...


@overload
def day_of(value: object, what: str, *, optional: bool) -> dt.date | None: ...


def day_of(value: object, what: str, *, optional: bool = False) -> dt.date | None:
    """A day the ledger is given: a date, or its ISO text (``"2009-06-01"``) as
    :meth:`credit_rules.Engine.evaluate` takes ``as_of``; anything else is refused."""
    if isinstance(value, str):
        value = iso_date(value, what)
    check_date(value, what, optional=optional)
    return value  # type: ignore[return-value]  # checked just above


def check_date(value: object, what: str, *, optional: bool = False) -> None:
    """A calendar date, not a timestamp: the ledger's days are days, and never the clock's."""
    if value is None and optional:
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ScenarioError(
            None,
            [
                Problem(
                    Message("{what} must be a date, got {value}", what=what, value=shown(value)),
                    what,
                )
            ],
        )
    if (late := after_last_day(value)) is not None:
        raise ScenarioError(None, [Problem(late, what)])


def seq_label(seq: int) -> str:
    return f"seq {seq}"


def relabel(error: CreditRulesError, names: Sequence[str], new: Sequence[str]) -> list[Problem]:
    """The problems of an engine error about a would-be history, named for the ledger's user:
    ``names[i]`` is the name of the history's i-th event, ``new`` those being recorded."""
    if isinstance(error, InputError):
        return [_renamed(problem, names, new) for problem in error.problems]
    # The error itself as the message's one parameter: rendered in the reader's language.
    return [Problem(Message("{error}", error=error), ", ".join(new))]


def _renamed(problem: Problem, names: Sequence[str], fallback: Sequence[str]) -> Problem:
    """The problem with the history's places named for the ledger's user. The message names
    its events as parameters (:class:`~credit_rules.i18n.EventPlace`), renamed without
    touching its text, so it keeps its translation; the field is a path (``events[3].record``)
    whose first step is renamed."""

    def named(index: int) -> str:
        return names[index] if index < len(names) else f"events[{index}]"

    def step(match: re.Match[str]) -> str:
        return named(int(match.group(1)))

    # From the clear message and field: the new problem masks them itself, and keeps them
    # for ``error.unmasked``.
    given = problem.clear_field
    field = _EVENT_INDEX.sub(step, given) if given else ", ".join(fallback)
    message = problem.clear_message
    if isinstance(message, Message):
        message = message.with_places(named)
    return Problem(message, field, problem.line, problem.column)


def raise_first(errors: list[BaseException]) -> None:
    """Raise the first of the callbacks' exceptions, noting how many more there were."""
    if errors:
        first = errors[0]
        if len(errors) > 1:
            first.add_note(f"{len(errors) - 1} more exception(s) from ledger callbacks")
        raise first


def check_event_id(value: object, label: str = "event_id") -> None:
    """An event id is text: the journal keeps it as text, so an id of another type would
    not be recognised when the same event is sent again after a reopen."""
    if value is not None and not isinstance(value, str):
        raise EventRejected(
            None,
            [Problem(Message("an event_id must be text, got {value}", value=shown(value)), label)],
        )
    if value is not None and (not value.strip() or not holdable_text(value)):
        # A blank id names nothing a replay could be matched by, and text no UTF-8 journal
        # can hold would fail the write after the event was taken in.
        raise EventRejected(
            None,
            [
                Problem(
                    Message(
                        "an event_id must be non-blank text that UTF-8 can encode, got {value}",
                        value=shown(value),
                    ),
                    label,
                )
            ],
        )


def unknown_subject_problems(
    held: Mapping[str, object], events: Sequence[Event], labels: Sequence[str]
) -> list[Problem]:
    """A problem for each event whose subject the ledger does not hold."""
    return [
        Problem(
            Message(
                "subject {subject!r} is not in the ledger; add_subject() it first",
                subject=event.subject,
            ),
            f"{label}.subject",
        )
        for event, label in zip(events, labels, strict=True)
        if event.subject not in held
    ]
