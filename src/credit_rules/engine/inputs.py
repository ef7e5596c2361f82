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
import operator
from array import array
from collections.abc import (
    Container,
    Iterable,
    Iterator,
    Mapping,
    MutableSequence,
    Sequence,
    Set,
)
from itertools import compress
from typing import Any, NamedTuple, get_args

from pydantic import ValidationError

from credit_rules.engine.references import dangling
from credit_rules.errors import (
    HistoryError,
    NotInForce,
    Problem,
    ScenarioError,
    shown,
    validation_message,
)
from credit_rules.i18n import EventPlace, Message
from credit_rules.limits import after_last_day
from credit_rules.model.events import Event
from credit_rules.model.results import new_tuple
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.model.vocabularies import (
    decision_day_fields,
    event_classes,
    key_fields,
    one_per_key_fields,
    pack,
    parse_events,
    raw_events,
    tie_fields,
    unvalidated,
)
from credit_rules.ruleset import ir
from credit_rules.yaml_source import iso_date

SubjectInput = Subject | Mapping[str, Any]
#: The input place of a ranked event (FrontDoor.canonical).
_PLACE_OF_RANK = operator.itemgetter(3)
_ID = operator.attrgetter("id")
_KIND = operator.attrgetter("kind")
EventInput = Event | Mapping[str, Any]


class SubjectHistory(NamedTuple):
    """One subject's known events in canonical order, with each one's place in the input.

    ``early`` holds the places (in ``events``) of events dated before the ruleset came into
    force that the ruleset keeps in view for its facts (``before_in_force``): they enter no
    register and trigger no rule.
    """

    kind: str
    events: list[Event]
    positions: list[int]
    early: frozenset[int] = frozenset()


#: From how many events a pass with a floor notes the kept events and groups the chosen
#: subjects' afterwards (:meth:`Known.gathered`): below it, grouping at once costs less.
_DEFERRED_FROM = 1024


class OneKind(Mapping[str, str]):
    """Subjects all of one kind, by id, in the order given: the mapping a population of
    insured persons makes. Held as a tuple of their ids and a set of them, not a dict of a
    million entries, which costs twice as much to build and is read only to ask whether an
    event's subject was given. The tuple is what the evaluation lists as its subjects, read
    from the models once (a second pass over a population's models scattered in memory
    cost 15 ms for 200,000). A tuple, not a list: the garbage collector would visit a
    list item by item, twice, while the call is young, and a tuple of texts is untracked
    at its first collection."""

    __slots__ = ("_ids", "_kind", "members")

    def __init__(self, ids: tuple[str, ...], members: Set[str], kind: str) -> None:
        self._ids = ids
        self.members = members
        self._kind = kind

    def __getitem__(self, subject: str) -> str:
        if subject in self.members:
            return self._kind
        raise KeyError(subject)

    def __contains__(self, subject: object) -> bool:
        return subject in self.members

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def given_ids(kinds: Mapping[str, str]) -> Container[str]:
    """What answers "was this subject given?" once per event: :class:`OneKind`'s set
    itself, whose lookup is C, not the mapping's ``__contains__`` in Python (12 ms for
    30,000 subjects)."""
    return kinds.members if type(kinds) is OneKind else kinds


class _ClassFacts(NamedTuple):
    """What :class:`Known`'s pass needs to know of one event class."""

    type: str
    #: The field naming the record the type enters, or the one event it is (its identity);
    #: None if it has no identity of its own.
    key_field: str | None
    #: (correction type, key field) of the records it enters whose early corrections are
    #: set aside (``FrontDoor.early_entries``).
    early_pairs: tuple[tuple[str, str], ...]
    #: Kept in view when dated before the in-force date (``FrontDoor.kept_early``).
    kept_early: bool
    #: The field giving the day it was decided on, if it has one.
    decided_field: str | None
    #: Whether it corrects (removes) a record.
    corrects: bool
    #: Whether it is a correction set aside until the pass knows the records entered early.
    set_aside: bool
    #: Whether it names an id another event must have given, or gives one that is named
    #: (:mod:`credit_rules.engine.references`).
    linked: bool


class FrontDoor:
    """Validates input for one ruleset; holds only what it derived from the ruleset."""

    def __init__(self, ruleset: ir.Ruleset) -> None:
        self.ruleset = ruleset
        #: The last ``as_of`` that :meth:`check_as_of` accepted (a plain date).
        self._accepted: dt.date | None = None
        self.kinds = frozenset(ruleset.subject_kinds)
        # Plain dicts: these are read once or twice per event of a population, and a
        # mappingproxy's lookup costs more than a dict's.
        self.classes = dict(event_classes(ruleset.vocabulary))
        self.subject_classes = frozenset({Subject, *SUBJECT_CLASSES.values()})
        #: The kind each subject class fixes by its model (``kind: Literal[...]`` of one value).
        self.fixed_kinds = {
            cls: kind
            for kind, cls in SUBJECT_CLASSES.items()
            if get_args(cls.model_fields["kind"].annotation) == (kind,)
        }
        #: Kinds whose model requires nothing but ``id`` and ``kind``: a dict of just those
        #: two is checked as the model checks it, without building the model, which costs
        #: more than the rest of a small request's input (see :meth:`_bare_subjects`).
        self.bare_kinds = frozenset(
            kind
            for kind in self.kinds
            if {
                name
                for name, info in SUBJECT_CLASSES.get(kind, Subject).model_fields.items()
                if info.is_required()
            }
            <= {"id", "kind"}
        )
        self.event_class_set = frozenset(self.classes.values())
        self.keys = dict(key_fields(ruleset.vocabulary))
        self.tie_fields = tie_fields(ruleset.vocabulary)
        # Event types that enter a record: their record id is their identity.
        self.entering = frozenset(register.entered_by for register in ruleset.registers)
        #: Other event types whose key names one event (an evaluation, an objection): a
        #: second naming the same key for the same subject is refused, like a record
        #: entered twice, and found by the same pass.
        self.once = {
            event_type: key
            for event_type, key in one_per_key_fields(ruleset.vocabulary).items()
            if event_type not in self.entering
        }
        self.decided = dict(decision_day_fields(ruleset.vocabulary))
        #: The vocabulary's references between events (what a decision must name).
        self.links = pack(ruleset.vocabulary)
        linked = {event_type for event_type, _ in self.links.references} | set(
            self.links.references.values()
        )
        # Correction type -> the registers it corrects (entry type, key field): a correction
        # must find its record, which outcomes checks without walking (Known._plainly_corrects),
        # and one of a record entered before the in-force date corrects nothing (Known._ignored).
        self.removals: dict[str, list[tuple[str, str]]] = {}
        for register in ruleset.registers:
            if register.removed_by_event is not None:
                self.removals.setdefault(register.removed_by_event, []).append(
                    (register.entered_by, register.key)
                )
        # Events before the in-force date that the ruleset keeps for its facts (Ganzhou: a
        # determination made earlier can still be repaired, interpretation
        # events_before_in_force); their later corrections then stay in view too.
        kept = ruleset.before_in_force
        flag = ruleset.parameter_values().get(kept.when) if kept is not None else None
        self.kept_early = (
            frozenset(kept.types) if kept is not None and flag is True else frozenset()
        )
        # Entry type -> (correction type, key field) for records whose early corrections are
        # ignored (Known sets them aside); a ruleset may keep early records in view instead.
        self.early_entries: dict[str, list[tuple[str, str]]] = {}
        for removal, registers in self.removals.items():
            for entered_by, key in registers:
                if entered_by not in self.kept_early:
                    self.early_entries.setdefault(entered_by, []).append((removal, key))
        self.early_corrections = frozenset(
            removal for pairs in self.early_entries.values() for removal, _ in pairs
        )
        #: What the pass over a population asks of an event, by its exact class (pydantic's
        #: metaclass is an ABC, whose instance check costs more than the rest): one lookup
        #: where eight of the sets and maps above would be made per event.
        self.by_class: dict[type, _ClassFacts] = {
            cls: _ClassFacts(
                event_type,
                self.keys.get(event_type, "")
                if event_type in self.entering or event_type in self.once
                else None,
                tuple(self.early_entries.get(event_type, ())),
                event_type in self.kept_early,
                self.decided.get(event_type),
                event_type in self.removals,
                event_type in self.early_corrections,
                event_type in linked,
            )
            for event_type, cls in self.classes.items()
        }

    def check_known_at(self, known_at: object) -> dt.date | None:
        if known_at is None:
            return None
        if isinstance(known_at, str):
            # ISO text, as as_of may be: a day given one way for one and refused for the
            # other would only puzzle.
            known_at = iso_date(known_at, "known_at")
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
        # The day last accepted is accepted again at once: the checks below are a pure
        # function of the day and the ruleset, and a service asks about the same day over
        # and over. (Two threads may each store theirs; either is a day that passed.)
        if type(as_of) is dt.date and as_of == self._accepted:
            return as_of
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
        if type(as_of) is dt.date:
            self._accepted = as_of
        return as_of

    def subject_kinds(self, subjects: Iterable[SubjectInput]) -> Mapping[str, str]:
        """Each subject's kind by id, in the order given, the subjects validated in bulk.
        Validated models need only the cross-checks: a population of a million mostly
        blameless subjects must cost next to nothing."""
        if type(subjects) is list or (
            isinstance(subjects, Iterable) and not isinstance(subjects, str | bytes | Mapping)
        ):
            given = subjects if isinstance(subjects, list) else list(subjects)
            # Dicts (what a service receives) go straight to the bare reading below.
            if not given or type(given[0]) is not dict:
                validated = self._validated_subjects(given)
                if validated is not None:
                    return validated
            bare = self._bare_subjects(given)
            if bare is not None:
                return bare
            subjects = given
        return {s.id: s.kind for s in self.subjects(subjects)}

    def _validated_subjects(self, given: list[Any]) -> Mapping[str, str] | None:
        """Validated subject models by id, with the cross-checks only; None if some item is
        not one of the ruleset's subject models or an id repeats (the caller then checks
        them one by one and says what is wrong). Exact classes, counted once per class:
        pydantic's metaclass is an ABC, whose instance check costs as much as the rest. Ids
        and kinds are read by C-level maps: a million subjects scattered in memory cost
        more to visit than to check."""
        classes = set(map(type, given))
        if not classes <= self.subject_classes:
            return None
        # A class that fixes its kind (InsuredPerson: Literal["insured_person"]) says it for
        # every one of its validated, frozen models, without a pass over them.
        fixed = self.fixed_kinds
        found = (
            {fixed[cls] for cls in classes} if classes <= fixed.keys() else set(map(_KIND, given))
        )
        if not found <= self.kinds:
            return None
        # From a tuple, which a set is made at its full size at once.
        ids = tuple(map(_ID, given))
        members = set(ids)
        if len(members) != len(ids):
            return None
        if len(found) == 1:
            return OneKind(ids, members, found.pop())
        return dict(zip(ids, map(_KIND, given), strict=True))

    def _bare_subjects(self, given: list[Any]) -> dict[str, str] | None:
        """Subjects given as dicts of just an id and a kind (what a service receives, and
        what most scenarios give), by id; None if any is otherwise, so that the models check
        them all and say what is wrong. What the model would check is checked here: the id
        is non-empty text, the kind one of the ruleset's whose model needs nothing more, and
        no id is given twice."""
        kinds = self.bare_kinds
        found: dict[str, str] = {}
        for subject in given:
            if type(subject) is not dict or len(subject) != 2:
                return None
            subject_id, kind = subject.get("id"), subject.get("kind")
            if type(subject_id) is not str or not subject_id or type(kind) is not str:
                return None
            if not subject_id.isascii() or subject_id.isspace():
                return None  # the model says what is wrong, or takes it (Chinese text)
            if kind not in kinds:
                return None
            found[subject_id] = kind
        return found if len(found) == len(given) else None

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

    def event_models(self, items: list[Any]) -> list[Event] | None:
        """The events as this vocabulary's models, dicts validated in bulk; None if some are
        models of another vocabulary (:meth:`histories` says which, in its own words)."""
        exact = self.event_class_set
        if all(type(event) in exact for event in items):
            return items
        if any(isinstance(event, Event) and type(event) not in exact for event in items):
            return None
        raw = raw_events(items)
        return parse_events(self.ruleset.vocabulary, raw)

    def event_list(self, events: Iterable[EventInput]) -> list[Any]:
        """The events as a list, taken from an iterator once; anything else is refused."""
        if type(events) is list:
            return events  # asked first: the checks below go through the ABCs' machinery
        if not isinstance(events, Iterable) or isinstance(events, str | bytes | Mapping):
            raise ScenarioError(
                None, [Problem(Message("events must be a list of events"), "events")]
            )
        return events if isinstance(events, list) else list(events)

    def histories(
        self,
        kinds: Mapping[str, str],
        events: Iterable[EventInput],
        as_of: dt.date,
        known_at: dt.date | None = None,
        floor: Mapping[str, dt.date] | None = None,
        only: str | None = None,
    ) -> Gathered:
        """Each subject's known events (see the module doc), from events given as models or
        dicts, validated on the way; :meth:`canonical` then puts one subject's in order.

        With ``floor`` (a first day by event type), only the subjects with a known event of
        one of those types on or after its first day: the others cannot have anything to show.
        With ``only``, just that subject's (the events of others are checked, not grouped).

        Subjects are put in order one at a time, as the engine walks them: a population's
        histories, all held at once, would each outlive its walk and be scanned by the garbage
        collector over and over.
        """
        # A list, the usual case, asked here: event_list's call costs more than the test.
        items = events if type(events) is list else self.event_list(events)
        known = Known(self, as_of, known_at, floor, only)
        # Dicts (what a service receives) are parsed first: the pass over models would stop
        # at the first one anyway, after setting up all it needs (a tenth of a small request).
        found = None if items and type(items[0]) is dict else known.gathered(kinds, items)
        if found is None:
            raw = raw_events(items)
            found = known.gathered(kinds, parse_events(self.ruleset.vocabulary, raw))
            assert found is not None  # parse_events gives this vocabulary's models
        return found

    def _tie(self, event: Event) -> tuple[tuple[int, Any], ...]:
        """What orders ``event`` among events of its subject, day, type and id: its fields in
        :func:`~credit_rules.model.vocabularies.tie_fields` order, an absent value first;
        events equal in all of them keep the order they were given in."""
        values = event.__dict__
        return tuple(
            (0, "")
            if (value := values.get(name)) is None
            else (1, tuple(value) if isinstance(value, tuple | list | frozenset) else value)
            for name in self.tie_fields
        )

    def canonical(self, kind: str, events: list[Event], indexes: Iterable[int]) -> SubjectHistory:
        """Events by day, and within a day by type, the id they name and then all their
        content, so that no result (not even the order of a deadline's excluded periods)
        depends on how a caller listed them. Content is compared only where the key ties,
        field by field (:func:`~credit_rules.model.vocabularies.tie_fields`)."""
        keys = self.keys
        ranked: list[tuple[dt.date, str, str, int]] = []
        for index in indexes:
            # The model's fields read from its dict, in one look-up through the model's
            # class (each field read by name costs one): the events are this vocabulary's
            # models, validated (Known.gathered), every field in their dict.
            values = events[index].__dict__
            event_type = values["type"]
            field_name = keys.get(event_type)
            value = values.get(field_name) if field_name is not None else None
            ranked.append(
                (values["date"], event_type, value if isinstance(value, str) else "", index)
            )
        ranked.sort()
        # Lists made by C-level maps, not comprehensions (each a function call of its own).
        ordered = list(map(_PLACE_OF_RANK, ranked))
        start, count = 0, len(ranked)
        while start < count - 1:
            day, event_type, key, _ = ranked[start]
            end = start + 1
            while end < count:
                other = ranked[end]
                if other[0] != day or other[1] != event_type or other[2] != key:
                    break
                end += 1
            if end - start > 1:
                ordered[start:end] = sorted(ordered[start:end], key=lambda i: self._tie(events[i]))
            start = end
        chosen = list(map(events.__getitem__, ordered))
        # Events are in day order, so those before the in-force date come first.
        in_force = self.ruleset.in_force_from
        early: frozenset[int] = frozenset()
        if chosen and ranked[0][0] < in_force:  # the first event's day
            early = frozenset(place for place, event in enumerate(chosen) if event.date < in_force)
        # Made as the tuple it is: a NamedTuple's own __new__ is a Python function.
        history: SubjectHistory = new_tuple(SubjectHistory, (kind, chosen, ordered, early))
        return history


class Gathered(NamedTuple):
    """The events as models, and the places of each subject's known events among them."""

    events: list[Event]
    grouped: dict[str, MutableSequence[int]]


class Known:
    """One pass over a population's events: validates them and groups what is known on the day.

    A population's events are many and scattered in memory, so each is visited once: its class
    checked (exactly: pydantic's metaclass is an ABC, whose instance check costs more than the
    rest), a record entered twice found, and the event kept for its subject if it is known
    (module doc). Corrections of records entered before the ruleset came into force correct
    nothing it knows; such records are found in the same pass, so those corrections are set
    aside until the pass ends and dropped then.
    """

    def __init__(
        self,
        door: FrontDoor,
        as_of: dt.date,
        known_at: dt.date | None,
        floor: Mapping[str, dt.date] | None,
        only: str | None,
    ) -> None:
        self.door = door
        self.as_of = as_of
        self.knowledge = as_of if known_at is None else known_at
        self.floor = floor
        self.only = only

    def gathered(self, kinds: Mapping[str, str], events: list[Any]) -> Gathered | None:
        """The known events grouped by subject; None if some are not models (dicts: the
        caller parses them and asks again)."""
        door = self.door
        # Asked once per event: a set's own lookup, not a mapping's method.
        given = given_ids(kinds)
        by_class = door.by_class
        in_force = door.ruleset.in_force_from
        as_of, knowledge, floor, only = self.as_of, self.knowledge, self.floor, self.only
        # What makes each record's entry alike (by hash, an int) and where it is, read for
        # repeats once the pass ends. For a population, arrays: the garbage collector visits
        # every item of a list each time it collects the list's generation, and the pass and
        # the grouping after it allocate enough to collect several times. A small request's
        # lists cost less to make (an array's constructor reads its type code).
        large = len(events) >= _DEFERRED_FROM
        alikes: MutableSequence[int] = array("q") if large else []
        entries: MutableSequence[int] = array("l") if large else []
        wrong: list[Problem] = []
        strangers: list[int] = []
        early: dict[str, set[tuple[str, Any]]] = {}
        set_aside: list[int] = []
        correcting: list[int] = []
        # Each subject's places in an array for a population, whose items (C numbers) the
        # garbage collector never visits: a list's it would, each time it collects the
        # list's generation. A small request's lists cost less to make.
        grouped: dict[str, MutableSequence[int]] = {}
        chosen: set[str] = set()
        # With a floor, few subjects of a population are walked: the kept events are noted by
        # place and by their subject's hash, and only the chosen subjects' are grouped once
        # the pass ends. A dict of every subject with events, looked up once per event, would
        # cost more than the rest of the pass (its lookups miss the processor's caches); a
        # small request groups at once, which costs less than setting up the notes.
        defer = floor is not None and large
        if floor is not None and defer:
            # A dict's lookup, once per event, costs less than a mappingproxy's.
            floor = dict(floor)
        kept: MutableSequence[int] = array("l") if defer else []
        kept_hashes: MutableSequence[int] = array("q") if defer else []
        kept_subjects: list[str] = []
        dropped: set[int] = set()
        linking: list[int] = []
        for index, event in enumerate(events):
            facts = by_class.get(type(event))
            if facts is None:
                if not isinstance(event, Event):
                    return None
                wrong.append(_not_of_vocabulary(index, event.type, door))
                continue
            event_type = event.type
            (
                known_type,
                key_field,
                early_pairs,
                early_kept,
                decided_field,
                corrects,
                aside,
                linked,
            ) = facts
            if event_type != known_type:
                wrong.append(_not_of_vocabulary(index, event_type, door))
                continue
            subject = event.subject
            day = event.date
            if key_field is not None:
                alikes.append(hash((event_type, subject, event.__dict__.get(key_field))))
                entries.append(index)
                if early_pairs and day < in_force:
                    for removal, field_name in early_pairs:
                        early.setdefault(removal, set()).add(
                            (subject, event.__dict__.get(field_name))
                        )
            if linked:
                linking.append(index)
            if only is not None and subject != only:
                continue
            if subject not in given:
                strangers.append(index)
                continue
            if day > as_of or (day < in_force and not early_kept):
                continue
            if decided_field is not None:
                decided_on = event.__dict__.get(decided_field)
                if isinstance(decided_on, dt.date) and decided_on > knowledge:
                    continue  # not decided yet, so it does not exist yet
            if defer:
                kept.append(index)
                kept_hashes.append(hash(subject))
                kept_subjects.append(subject)
            else:
                mine = grouped.get(subject)
                if mine is None:
                    grouped[subject] = array("l", (index,)) if large else [index]
                else:
                    mine.append(index)
            if corrects and floor is not None:
                correcting.append(index)
            if aside:
                set_aside.append(index)
            elif floor is not None:
                first_day = floor.get(event_type)
                if first_day is not None and first_day <= day:
                    chosen.add(subject)
        # The first entry of each record by its hash, if a correction is to be checked
        # against it (one map built in C, which also shows whether any record was entered
        # more than once).
        firsts = dict(zip(reversed(alikes), reversed(entries), strict=True)) if correcting else {}
        distinct = len(firsts) if correcting else len(set(alikes))
        twice, again = (
            ([], []) if distinct == len(alikes) else _repeats(events, entries, alikes, door.once)
        )
        if wrong:
            raise ScenarioError(None, wrong)
        if twice:
            raise HistoryError(None, twice)
        if strangers:
            problems = [
                _stranger(index, events[index].subject)
                for index in strangers
                if not self._ignored(events[index], early)
            ]
            if problems:
                raise HistoryError(None, problems)
        if linking:
            problems = dangling(events, linking, door.links)
            if problems:
                raise HistoryError(None, problems)
        for index in set_aside:
            event = events[index]
            if early and self._ignored(event, early):
                if defer:
                    dropped.add(index)
                else:
                    grouped[event.subject].remove(index)
            elif floor is not None:
                first_day = floor.get(event.type)
                if first_day is not None and first_day <= event.date:
                    chosen.add(event.subject)
        if floor is not None:
            # A subject is left out only if its history cannot be refused: the walk's own
            # checks (a record entered twice, a correction that finds no record entered on or
            # before it) refuse it as evaluate would, so every subject where one might is
            # walked too.
            if again:
                chosen.update(events[index].subject for index in again)
            # A record corrected more than once may be corrected after its removal, which
            # the walk refuses: its subject is walked.
            corrected: set[tuple[Any, ...]] = set()
            for index in correcting:
                event = events[index]
                if event.subject in chosen or (early and self._ignored(event, early)):
                    continue
                record = self._corrected_record(event)
                if record in corrected or not self._plainly_corrects(event, events, firsts):
                    chosen.add(event.subject)
                corrected.add(record)
        if defer:
            grouped = _grouped_chosen(kept, kept_hashes, kept_subjects, chosen, dropped)
        elif early or (floor is not None and not chosen.issuperset(grouped)):
            # (A small request's one subject is most often chosen: nothing to leave out.)
            grouped = {
                subject: indexes
                for subject, indexes in grouped.items()
                if indexes and (floor is None or subject in chosen)
            }
        gathered: Gathered = new_tuple(Gathered, (events, grouped))
        return gathered

    def _plainly_corrects(self, event: Event, events: list[Any], first: Mapping[int, int]) -> bool:
        """Whether the correction ``event`` corrects a record entered once, on a known day
        on or before it, on or after the in-force date, and decided on or after that entry:
        what the walk would accept (:func:`~credit_rules.engine.history.build_records`).
        ``first`` holds the place of each record's first entry by the hash of its identity.
        Anything less plain (a record entered before the in-force date, a shared hash, an
        entry with a decision day of its own) is left to the walk."""
        door = self.door
        decided_field = door.decided.get(event.type)
        decided = event.__dict__.get(decided_field) if decided_field is not None else None
        for entered_by, key_field in door.removals[event.type]:
            key = event.__dict__.get(key_field)
            place = first.get(hash((entered_by, event.subject, key)))
            if place is None or entered_by in door.decided:
                return False
            entry = events[place]
            if (
                entry.type != entered_by
                or entry.subject != event.subject
                or entry.__dict__.get(key_field) != key
                or entry.date > event.date
                or entry.date < door.ruleset.in_force_from
                or (isinstance(decided, dt.date) and decided < entry.date)
            ):
                return False
        return True

    def _corrected_record(self, event: Event) -> tuple[Any, ...]:
        """The identity of the record (or records) the correction ``event`` corrects."""
        values = event.__dict__
        keys = tuple(values.get(key) for _, key in self.door.removals[event.type])
        return (event.type, event.subject, keys)

    def _ignored(self, event: Event, early: Mapping[str, set[tuple[str, Any]]]) -> bool:
        """Whether ``event`` corrects a record entered before the ruleset came into force."""
        entered_before = early.get(event.type)
        if entered_before is None:
            return False
        values = event.__dict__
        return any(
            (event.subject, values.get(key)) in entered_before
            for _, key in self.door.removals[event.type]
        )


def _repeats(
    events: list[Any], entries: Sequence[int], alikes: Sequence[int], once: Mapping[str, str]
) -> tuple[list[Problem], list[int]]:
    """Records entered more than once: the problems of those entered twice alike, field for
    field, and the places of the later entries of a record entered again otherwise (walked,
    where the walk says what is wrong). An event of a type that is ``once`` per key is a
    problem whenever its key comes again, alike or not: nothing walks such events. Events
    whose hashes collide are compared field by field like the alike."""
    seen: set[int] = set()
    repeated: set[int] = set()
    for alike in alikes:
        if alike in seen:
            repeated.add(alike)
        seen.add(alike)
    more: dict[int, list[int]] = {}
    twice: list[Problem] = []
    again: list[int] = []
    for index, alike in zip(entries, alikes, strict=True):
        if alike not in repeated:
            continue
        places = more.get(alike)
        if places is None:
            more[alike] = [index]
            continue
        event = events[index]
        key_field = once.get(event.type)
        if key_field is not None:
            first = _same_key(events, places, event, key_field)
            if first is not None:
                twice.append(_named_again(index, first, event, key_field))
                continue
        same = next((place for place in places if events[place] == event), None)
        if same is None:
            places.append(index)
            again.append(index)  # perhaps one record entered twice: walked later
        else:
            twice.append(_entered_twice(index, same))
    return twice, again


def _same_key(events: list[Any], places: Sequence[int], event: Event, key_field: str) -> int | None:
    """The first of ``places`` holding an event of ``event``'s type, subject and key (their
    hashes are equal, the values need not be)."""
    key = event.__dict__.get(key_field)
    for place in places:
        other = events[place]
        if (
            other.type == event.type
            and other.subject == event.subject
            and other.__dict__.get(key_field) == key
        ):
            return place
    return None


def _grouped_chosen(
    kept: Sequence[int],
    kept_hashes: Sequence[int],
    kept_subjects: list[str],
    chosen: Set[str],
    dropped: Set[int],
) -> dict[str, MutableSequence[int]]:
    """The places of the chosen subjects' kept events, by subject, in input order. Hashes
    are compared first (ints, read in order); a subject whose hash only collides
    with a chosen one's is told apart by its id. The ids come from the pass's own list, not
    from the events again: a population's events are scattered in memory, and reading an
    event's subject afresh costs several cache misses, more than the rest of this."""
    wanted = {hash(subject) for subject in chosen}
    grouped: dict[str, MutableSequence[int]] = {}
    # The filter runs in C: most kept events are not the chosen subjects'.
    for place in compress(range(len(kept)), map(wanted.__contains__, kept_hashes)):
        index = kept[place]
        if index not in dropped:
            subject = kept_subjects[place]
            if subject in chosen:
                mine = grouped.get(subject)
                if mine is None:
                    grouped[subject] = array("l", (index,))
                else:
                    mine.append(index)
    return grouped


def _not_of_vocabulary(index: int, event_type: str, door: FrontDoor) -> Problem:
    return Problem(
        Message(
            "{type!r} is not an event of {vocabulary}",
            type=event_type,
            vocabulary=door.ruleset.vocabulary,
        ),
        f"events[{index}]",
    )


def _entered_twice(index: int, same: int) -> Problem:
    # A record entered twice, field for field, would count twice, so it is refused naming
    # both places; other events may well happen twice alike (two extensions of one
    # application on one day).
    return Problem(
        Message(
            "{index} is {same} again: the same record entered twice; list each event once",
            index=EventPlace(index),
            same=EventPlace(same),
        ),
        field=f"events[{index}]",
    )


def _named_again(index: int, first: int, event: Event, key_field: str) -> Problem:
    # An evaluation published twice would raise each of its deadlines twice, and an
    # objection decided twice says two things of one objection: the key names one event.
    return Problem(
        Message(
            "{index} names {field} {key!r} of subject {subject!r} again (first at "
            "{first}): each {type} names its own {field}",
            index=EventPlace(index),
            field=key_field,
            key=event.__dict__.get(key_field),
            subject=event.subject,
            first=EventPlace(first),
            type=event.type,
        ),
        field=f"events[{index}].{key_field}",
    )


def _stranger(index: int, subject: str) -> Problem:
    return Problem(
        Message(
            "the event concerns subject {subject!r}, which is not among the subjects",
            subject=subject,
        ),
        field=f"events[{index}].subject",
    )


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


class UnvalidatedRefused:
    """Around the reading of ``events``: if it fails with an ``AttributeError`` or a
    ``KeyError``, the models among them built without validation and lacking a required
    field (:func:`~credit_rules.model.vocabularies.unvalidated`) are what made it fail, and
    their problems are raised instead. Asked only then: a look at every model's fields would
    cost a population's evaluation a few percent. A class, not a generator-based context
    manager: it wraps every one-subject request."""

    __slots__ = ("events",)

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if isinstance(error, AttributeError | KeyError):
            problems = unvalidated(self.events)
            if problems:
                raise ScenarioError(None, problems) from error
