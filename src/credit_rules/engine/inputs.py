"""The engine's one front door: subjects and events, dicts or models, validated once in bulk.

Every projection of an evaluation (``evaluate``, ``outcomes``, ``assessments``) takes its input
from here, so they see the same events in the same order and cannot disagree on what is known.

What is known (docs/semantics.md): an event exists on ``as_of`` only if it had taken effect by
then (``date <= as_of``) and, where it is decided on a day of its own (a Lianyungang
correction's ``decided_on``, Art 13), had been decided by the day of knowledge: ``as_of``
itself unless the caller names a later ``known_at`` (a ledger asking what it knows today about
a past day: a correction decided since then voids a record from its entry). Events before the
ruleset came into force are outside it (non-retroactivity, docs/decisions/0007), and so is any
later correction of a record entered before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from credit_rules.errors import (
    HistoryError,
    NotInForce,
    Problem,
    ScenarioError,
    shown,
    validation_message,
)
from credit_rules.i18n import Message
from credit_rules.limits import after_last_day
from credit_rules.model.events import Event
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.model.vocabularies import (
    decision_day_fields,
    event_classes,
    key_fields,
    parse_events,
)
from credit_rules.ruleset import ir
from credit_rules.yaml_source import iso_date

SubjectInput = Subject | Mapping[str, Any]
EventInput = Event | Mapping[str, Any]


@dataclass(frozen=True)
class SubjectHistory:
    """One subject's known events in canonical order, with each one's place in the input.

    ``early`` holds the places (in ``events``) of events dated before the ruleset came into
    force that the ruleset keeps in view for its facts (``before_in_force``): they enter no
    register and trigger no rule.
    """

    kind: str
    events: list[Event]
    positions: list[int]
    early: frozenset[int] = frozenset()


class FrontDoor:
    """Validates input for one ruleset; holds only what it derived from the ruleset."""

    def __init__(self, ruleset: ir.Ruleset) -> None:
        self.ruleset = ruleset
        self.kinds = frozenset(ruleset.subject_kinds)
        self.classes = event_classes(ruleset.vocabulary)
        self.subject_classes = frozenset({Subject, *SUBJECT_CLASSES.values()})
        self.event_class_set = frozenset(self.classes.values())
        self.keys = key_fields(ruleset.vocabulary)
        # Event types that enter a record: their record id is their identity.
        self.entering = frozenset(register.entered_by for register in ruleset.registers)
        self.decided = decision_day_fields(ruleset.vocabulary)
        self.early_removals = {
            register.removed_by_event: (register.entered_by, register.key)
            for register in ruleset.registers
            if register.removed_by_event is not None
        }
        # Events before the in-force date that the ruleset keeps for its facts (Ganzhou: a
        # determination made earlier can still be repaired, interpretation
        # events_before_in_force); their later corrections then stay in view too.
        kept = ruleset.before_in_force
        flag = ruleset.parameter_values().get(kept.when) if kept is not None else None
        self.kept_early = (
            frozenset(kept.types) if kept is not None and flag is True else frozenset()
        )

    def check_known_at(self, known_at: object) -> dt.date | None:
        if known_at is None:
            return None
        if not isinstance(known_at, dt.date) or isinstance(known_at, dt.datetime):
            raise ScenarioError(
                None,
                [
                    Problem(
                        Message("known_at must be a date, got {value}", value=shown(known_at)),
                        "known_at",
                    )
                ],
            )
        return known_at

    def check_as_of(self, as_of: object) -> dt.date:
        if isinstance(as_of, str):
            as_of = iso_date(as_of, "as_of")
        if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
            raise ScenarioError(
                None,
                [
                    Problem(
                        Message("as_of must be a date, got {value}", value=shown(as_of)), "as_of"
                    )
                ],
            )
        if (late := after_last_day(as_of)) is not None:
            raise ScenarioError(None, [Problem(late, "as_of")])
        ruleset = self.ruleset
        if as_of < ruleset.in_force_from:
            raise NotInForce(ruleset.id, as_of, ruleset.in_force_from)
        until = ruleset.in_force_until
        if until is not None and as_of > until:
            raise NotInForce(ruleset.id, as_of, ruleset.in_force_from, until)
        return as_of

    def subject_kinds(self, subjects: Iterable[SubjectInput]) -> dict[str, str]:
        """Each subject's kind by id, the subjects validated in bulk. Validated models need only
        the cross-checks, done in one pass: a population of a million mostly blameless subjects
        must cost next to nothing."""
        if isinstance(subjects, Iterable) and not isinstance(subjects, str | bytes | Mapping):
            given = subjects if isinstance(subjects, list) else list(subjects)
            # Exact classes, not isinstance: pydantic's metaclass is an ABC, whose instance
            # check costs as much as the rest of this loop.
            # One pass: a million subjects scattered in memory cost more to visit than to
            # check, so each is visited once.
            exact = self.subject_classes
            kinds: dict[str, str] = {}
            for subject in given:
                if type(subject) not in exact:
                    break
                kinds[subject.id] = subject.kind  # type: ignore[union-attr]
            else:
                if len(kinds) == len(given) and set(kinds.values()) <= self.kinds:
                    return kinds
            subjects = given
        return {s.id: s.kind for s in self.subjects(subjects)}

    def subjects(self, subjects: Iterable[SubjectInput]) -> list[Subject]:
        if not isinstance(subjects, Iterable) or isinstance(subjects, str | bytes | Mapping):
            raise ScenarioError(
                None, [Problem(Message("subjects must be a list of subjects"), "subjects")]
            )
        # The fast path for validated models is subject_kinds'; here each subject is checked.
        given = list(subjects)
        parsed: list[Subject] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for index, raw in enumerate(given):
            subject = raw if isinstance(raw, Subject) else _parse_subject(index, raw, problems)
            if subject is None:
                continue
            if subject.kind not in self.kinds:
                problems.append(
                    Problem(
                        Message(
                            "kind {kind!r} is not a subject kind of {ruleset} ({kinds})",
                            kind=subject.kind,
                            ruleset=self.ruleset.id,
                            kinds=", ".join(sorted(self.kinds)),
                        ),
                        field=f"subjects[{index}].kind",
                    )
                )
            if subject.id in seen:
                problems.append(
                    Problem(
                        Message("duplicate subject id {id!r}", id=subject.id),
                        f"subjects[{index}].id",
                    )
                )
            seen.add(subject.id)
            parsed.append(subject)
        if problems:
            raise ScenarioError(None, problems)
        return parsed

    def events(self, events: Iterable[EventInput]) -> list[Event]:
        if not isinstance(events, Iterable) or isinstance(events, str | bytes | Mapping):
            raise ScenarioError(
                None, [Problem(Message("events must be a list of events"), "events")]
            )
        items = list(events)
        checked = _checked_once(items, self)
        if checked is not None:
            return checked
        raw = [e.model_dump() if isinstance(e, Event) else e for e in items]
        parsed = _checked_once(parse_events(self.ruleset.vocabulary, raw), self)
        assert parsed is not None  # parse_events gives this vocabulary's models
        return parsed

    def histories(
        self,
        kinds: Mapping[str, str],
        events: list[Event],
        as_of: dt.date,
        known_at: dt.date | None = None,
        floor: Mapping[str, dt.date] | None = None,
    ) -> dict[str, SubjectHistory]:
        """Each subject's known events (see the module doc), in canonical order. With
        ``floor`` (a first day by event type), only the subjects with a known event of one of
        those types on or after its first day: the others cannot have anything to show."""
        in_force = self.ruleset.in_force_from
        ignored = self._outside(events)
        decided = self.decided
        kept_early = self.kept_early
        knowledge = as_of if known_at is None else known_at
        grouped: dict[str, list[int]] = {}
        chosen: set[str] = set()
        problems: list[Problem] = []
        for index, event in enumerate(events):
            subject = event.subject
            if subject not in kinds:
                if ignored and self._ignored(event, ignored):
                    continue
                problems.append(
                    Problem(
                        Message(
                            "the event concerns subject {subject!r}, which is not among the "
                            "subjects",
                            subject=subject,
                        ),
                        field=f"events[{index}].subject",
                    )
                )
                continue
            day = event.date
            event_type = event.type
            if day > as_of or (day < in_force and event_type not in kept_early):
                continue
            if decided:
                field_name = decided.get(event_type)
                if field_name is not None:
                    decided_on = event.__dict__.get(field_name)
                    if isinstance(decided_on, dt.date) and decided_on > knowledge:
                        continue  # not decided yet, so it does not exist yet
            if ignored and self._ignored(event, ignored):
                continue
            mine = grouped.get(subject)
            if mine is None:
                grouped[subject] = [index]
            else:
                mine.append(index)
            if floor is not None:
                first = floor.get(event_type)
                if first is not None and first <= day:
                    chosen.add(subject)
        if problems:
            raise HistoryError(None, problems)
        return {
            subject: self._canonical(kinds[subject], events, indexes)
            for subject, indexes in grouped.items()
            if floor is None or subject in chosen
        }

    def _outside(self, events: list[Event]) -> dict[str, set[tuple[str, Any]]]:
        """Corrections to ignore, by event type: those of records entered before the ruleset
        came into force (they correct nothing the ruleset knows), unless the ruleset keeps
        such records in view."""
        found: dict[str, set[tuple[str, Any]]] = {}
        in_force = self.ruleset.in_force_from
        for removal, (entered_by, key) in self.early_removals.items():
            if entered_by in self.kept_early:
                continue
            early = {
                (event.subject, event.__dict__.get(key))
                for event in events
                if event.type == entered_by and event.date < in_force
            }
            if early:
                found[removal] = early
        return found

    def _ignored(self, event: Event, ignored: Mapping[str, set[tuple[str, Any]]]) -> bool:
        early = ignored.get(event.type)
        if early is None:
            return False
        key = self.early_removals[event.type][1]
        return (event.subject, event.__dict__.get(key)) in early

    def _canonical(self, kind: str, events: list[Event], indexes: list[int]) -> SubjectHistory:
        """Events by day, and within a day by type, the id they name and then all their
        content, so that no result (not even the order of a deadline's excluded periods)
        depends on how a caller listed them. Content is compared only where the key ties."""
        keys = self.keys

        def key_of(index: int) -> tuple[dt.date, str, str, int]:
            event = events[index]
            field_name = keys.get(event.type)
            value = event.__dict__.get(field_name) if field_name is not None else None
            return event.date, event.type, value if isinstance(value, str) else "", index

        ranked = sorted(key_of(index) for index in indexes)
        ordered = [rank[3] for rank in ranked]
        start = 0
        while start < len(ranked):
            end = start + 1
            while end < len(ranked) and ranked[end][:3] == ranked[start][:3]:
                end += 1
            if end - start > 1:
                ordered[start:end] = sorted(
                    ordered[start:end], key=lambda i: events[i].model_dump_json()
                )
            start = end
        in_force = self.ruleset.in_force_from
        chosen = [events[i] for i in ordered]
        early = frozenset(place for place, event in enumerate(chosen) if event.date < in_force)
        return SubjectHistory(kind, chosen, ordered, early)


def _checked_once(events: list[Any], door: FrontDoor) -> list[Event] | None:
    """``events`` if every one is a model of the door's vocabulary and none that enters a
    record is listed twice; None if some are not models (dicts: the caller validates them).

    One pass, since a population's events are many and scattered in memory. Classes are
    compared exactly: pydantic's metaclass is an ABC, whose instance check costs more than
    the rest. A record entered twice, field for field, would count twice, so it is refused
    naming both places; other events may well happen twice alike (two extensions of one
    application on one day). Events are first matched on type, subject, day and record id,
    and only those alike in all four are compared field by field."""
    classes, exact, entering, keys = door.classes, door.event_class_set, door.entering, door.keys
    # The first event alike, by index: ints and tuples of atoms, which the garbage collector
    # does not track.
    first: dict[tuple[str, str, dt.date, Any], int] = {}
    more: dict[tuple[str, str, dt.date, Any], list[int]] = {}
    wrong: list[Problem] = []
    problems: list[Problem] = []
    for index, event in enumerate(events):
        kind = type(event)
        if kind not in exact and not isinstance(event, Event):
            return None
        event_type = event.type
        if classes.get(event_type) is not kind:
            wrong.append(
                Problem(
                    Message(
                        "{type!r} is not an event of {vocabulary}",
                        type=event_type,
                        vocabulary=door.ruleset.vocabulary,
                    ),
                    f"events[{index}]",
                )
            )
            continue
        if event_type not in entering:
            continue
        key = event.__dict__.get(keys.get(event_type, ""))
        alike = (event_type, event.subject, event.date, key)
        earlier = first.setdefault(alike, index)
        if earlier == index:
            continue
        places = more.setdefault(alike, [earlier])
        same = next((place for place in places if events[place] == event), None)
        if same is None:
            places.append(index)
            continue
        problems.append(
            Problem(
                Message(
                    "events[{index}] is events[{same}] again: the same record entered twice; "
                    "list each event once",
                    index=index,
                    same=same,
                ),
                field=f"events[{index}]",
            )
        )
    if wrong:
        raise ScenarioError(None, wrong)
    if problems:
        raise HistoryError(None, problems)
    return events


def _parse_subject(index: int, raw: Any, problems: list[Problem]) -> Subject | None:
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(
                Message("a subject must be a mapping, got {type}", type=type(raw).__name__),
                f"subjects[{index}]",
            )
        )
        return None
    model = SUBJECT_CLASSES.get(str(raw.get("kind")), Subject)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            field = f"subjects[{index}]" + "".join(f".{part}" for part in item["loc"])
            problems.append(Problem(validation_message(item), field))
        return None
