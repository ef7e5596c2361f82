"""The engine: a compiled ruleset that evaluates subjects' histories as of a date.

An ``Engine`` holds only what it compiled from its ruleset, never any state of an evaluation,
so one engine may serve many threads and two engines never interfere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.engine.closures import ClosureMatcher, Compiled, compile_expr
from credit_rules.engine.deadlines import compile_deadline, deadline_result
from credit_rules.engine.facts import Assessment, FactPlan
from credit_rules.engine.history import Record, Trigger, build_records
from credit_rules.engine.timeline import Piece, resolve
from credit_rules.errors import HistoryError, NotInForce, Problem, ScenarioError
from credit_rules.explain.reasons import Explainer, citations
from credit_rules.model._fast import construct
from credit_rules.model.events import Event, parse_events
from credit_rules.model.results import (
    Citation,
    Deadline,
    Decision,
    Duty,
    Evaluation,
    RulesetRef,
)
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.model.vocabularies import event_classes
from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import Arith, Expr, Ref

Backend = Literal["closures", "durable"]
_ONE_DAY = dt.timedelta(days=1)


class Matcher(Protocol):
    """What a backend must do: say which rules fire for one assessment's facts."""

    name: str

    def firing(self, on: str, env: Mapping[str, Any]) -> list[int]: ...

    def close(self) -> None: ...


class Engine:
    """Evaluates one ruleset. Compile once, evaluate many times, from any number of threads."""

    def __init__(
        self,
        ruleset: ir.Ruleset,
        *,
        backend: Backend = "closures",
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.backend: Backend = backend
        # The calendar is an argument, never a global: two engines may count on different
        # calendars (say, one with a newly published year loaded as an overlay).
        self.calendar = calendar if calendar is not None else default_calendar()
        self._matcher = _make_matcher(ruleset, backend)
        parameters = ruleset.parameter_values()
        self._rules = ruleset.rules
        self._from: tuple[Compiled, ...] = tuple(
            compile_expr(r.from_, parameters, self.calendar) for r in ruleset.rules
        )
        self._until: tuple[Compiled | None, ...] = tuple(
            compile_expr(r.until, parameters, self.calendar) if r.until is not None else None
            for r in ruleset.rules
        )
        self._deadlines = {
            index: compile_deadline(rule, parameters, self.calendar)
            for index, rule in enumerate(ruleset.rules)
            if rule.outcome_kind == "deadline"
        }
        self._explainer = Explainer(ruleset)
        self._cites: tuple[tuple[Citation, ...], ...] = tuple(
            citations(ruleset, r.cites) for r in ruleset.rules
        )
        self._registers: tuple[tuple[ir.Register, Period | None, Compiled | None], ...] = tuple(
            (
                reg,
                _period(parameters[reg.validity]) if reg.validity is not None else None,
                compile_expr(reg.removed_by_where, parameters, self.calendar)
                if reg.removed_by_where is not None
                else None,
            )
            for reg in ruleset.registers
        )
        self._event_triggers = frozenset(r.on for r in ruleset.rules if not r.on_register)
        self._plans = {
            on: FactPlan(
                [f for f in ruleset.facts if f.for_each in (None, on)], parameters, self.calendar
            )
            for on in {r.on for r in ruleset.rules}
        }
        # Counting on the assessment date changes when a record expires, so expiry days become
        # points where the history changes; counting on the trigger date never needs them.
        self._expiry_matters = any(
            isinstance(f.derivation, ir.CountOf | ir.LatestEntryOf)
            and f.derivation.valid_on == "assessment"
            for f in ruleset.facts
        )
        self._reach = {
            on: self._static_reach(on, parameters) for on in {r.on for r in ruleset.rules}
        }
        self._ref = RulesetRef(id=ruleset.id, version=ruleset.version, digest=ruleset.digest)
        self._kinds = frozenset(ruleset.subject_kinds)
        self._event_classes = event_classes(ruleset.vocabulary)

    def _static_reach(
        self, on: str, parameters: Mapping[str, ir.ParameterValue]
    ) -> Callable[[dt.date], dt.date]:
        """The last day any rule on trigger kind ``on`` can cover, as a function of the
        trigger's date, when every such rule ends on ``trigger_date`` or ``trigger_date +
        <period parameter>`` (Lianyungang: entry + 1 year); otherwise no end at all."""
        periods: set[Period] = set()
        for rule in self._rules:
            if rule.on != on:
                continue
            end = rule.from_ if rule.outcome_kind == "duty" else rule.until
            period = None if rule.outcome_kind == "deadline" else _static_period(end, parameters)
            if period is None:
                return lambda day: dt.date.max
            periods.add(period)
        if any(period.unit == "working_days" for period in periods):
            return lambda day: dt.date.max
        ordered = tuple(periods)
        return lambda day: max((last_day_of_period(day, p) for p in ordered), default=day)

    def close(self) -> None:
        """Release what the backend holds (the durable-rules backend holds engine state)."""
        self._matcher.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ---------------------------------------------------------------------------

    def evaluate(
        self,
        subjects: Iterable[Subject | Mapping[str, Any]],
        events: Iterable[Event | Mapping[str, Any]],
        *,
        as_of: dt.date,
    ) -> Evaluation:
        """Everything that applies to ``subjects`` on ``as_of``, and the decisions before it.

        Events dated after ``as_of`` are ignored: what had not happened yet cannot count.
        """
        known, by_subject = self._histories(subjects, events, as_of)
        results = _Results()
        for subject_id in sorted(by_subject):
            self._evaluate_subject(
                subject_id, known[subject_id], by_subject[subject_id], as_of, results
            )
        return construct(
            Evaluation,
            ruleset=self._ref,
            as_of=as_of,
            decisions=tuple(results.decisions),
            deadlines=tuple(results.deadlines),
            duties=tuple(results.duties),
        )

    def outcomes(
        self,
        subjects: Iterable[Subject | Mapping[str, Any]],
        events: Iterable[Event | Mapping[str, Any]],
        *,
        as_of: dt.date,
    ) -> dict[str, frozenset[str]]:
        """The measures that apply to each subject on ``as_of``, and nothing else.

        This is the population question ("who is under cash settlement today?"). It runs the
        same assessments as :meth:`evaluate` but builds no explanations, which are most of the
        cost of a full result. Subjects with nothing active are left out.
        """
        known, by_subject = self._histories(subjects, events, as_of)
        active: dict[str, frozenset[str]] = {}
        for subject_id in sorted(by_subject):
            pieces: list[Piece] = []
            for trigger, point, segment_end, env, _ in self._walk(
                known[subject_id], by_subject[subject_id], as_of, prune=True, final_only=True
            ):
                for index in self._matcher.firing(trigger.on, env):
                    if self._rules[index].outcome_kind != "measure":
                        continue
                    piece = self._piece(index, trigger, env, point, segment_end)
                    if piece is not None:
                        pieces.append(piece)
            names = frozenset(
                self._rules[piece.rule].outcome
                for piece in resolve(pieces)
                if piece.start <= as_of and (piece.stop is None or as_of <= piece.stop)
            )
            if names:
                active[subject_id] = names
        return active

    def _histories(
        self,
        subjects: Iterable[Subject | Mapping[str, Any]],
        events: Iterable[Event | Mapping[str, Any]],
        as_of: dt.date,
    ) -> tuple[dict[str, str], dict[str, list[tuple[int, Event]]]]:
        """Validate the input once, in bulk, and split the events by subject: each subject's
        kind, and its (index, event) pairs inside the ruleset's time and on or before as_of."""
        self._check_in_force(as_of)
        subject_list = self._subjects(subjects)
        event_list = self._events(events)
        known = {s.id: s.kind for s in subject_list}
        by_subject: dict[str, list[tuple[int, Event]]] = {}
        in_force = self.ruleset.in_force_from
        problems = []
        # A record entered before the measures took effect is outside them, and so is any
        # later correction of it (it corrects nothing the ruleset knows).
        ignored: dict[str, tuple[str, set[tuple[str, Any]]]] = {}
        for register, _, _ in self._registers:
            early = {
                (event.subject, getattr(event, register.key, None))
                for event in event_list
                if event.type == register.entered_by and event.date < in_force
            }
            if early and register.removed_by_event is not None:
                ignored[register.removed_by_event] = (register.key, early)
        for index, event in enumerate(event_list):
            skip = ignored.get(event.type)
            if skip is not None and (event.subject, getattr(event, skip[0], None)) in skip[1]:
                continue
            if event.subject not in known:
                problems.append(
                    Problem(
                        f"the event concerns subject {event.subject!r}, which is not among the "
                        "subjects",
                        field=f"events[{index}].subject",
                    )
                )
            elif in_force <= event.date <= as_of:
                # Before the measures took effect they could not attach consequences to
                # anything (non-retroactivity, Legislation Law Art 104), so such events are
                # outside the ruleset, like events after as_of are outside what is known.
                by_subject.setdefault(event.subject, []).append((index, event))
        if problems:
            raise HistoryError(None, problems)
        return known, by_subject

    def assessments(
        self,
        subject: Subject | Mapping[str, Any],
        events: Iterable[Event | Mapping[str, Any]],
        as_of: dt.date,
    ) -> tuple[Assessed, ...]:
        """Every occasion on which the rules were assessed for one subject, up to ``as_of``.

        This is the evaluation laid open, for explanations (why not, what changes next) and
        coverage (which rules fired): one entry per trigger per segment, with the facts the
        rules saw and the rules whose condition held. Events of other subjects are skipped.
        It walks the same segments as :meth:`evaluate`, without pruning triggers whose
        rules can no longer cover a day, so that every assessment is shown.
        """
        self._check_in_force(as_of)
        (parsed,) = self._subjects([subject])
        in_force = self.ruleset.in_force_from
        mine = [
            (index, event)
            for index, event in enumerate(self._events(events))
            if event.subject == parsed.id and in_force <= event.date <= as_of
        ]
        found_assessments: list[Assessed] = []
        for trigger, point, last, env, _ in self._walk(parsed.kind, mine, as_of, prune=False):
            firing = tuple(self._rules[i].id for i in self._matcher.firing(trigger.on, env))
            found_assessments.append(Assessed(trigger, point, last, env, firing))
        return tuple(found_assessments)

    # -- input ----------------------------------------------------------------------------

    def _check_in_force(self, as_of: dt.date) -> None:
        if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
            raise ScenarioError(None, [Problem(f"as_of must be a date, got {as_of!r}", "as_of")])
        if as_of < self.ruleset.in_force_from:
            raise NotInForce(self.ruleset.id, as_of, self.ruleset.in_force_from)
        until = self.ruleset.in_force_until
        if until is not None and as_of > until:
            raise NotInForce(self.ruleset.id, as_of, self.ruleset.in_force_from, until)

    def _subjects(self, subjects: Iterable[Subject | Mapping[str, Any]]) -> list[Subject]:
        given = list(subjects)
        if all(isinstance(s, Subject) for s in given):
            typed: list[Subject] = given  # type: ignore[assignment]
            # Already validated models: only the cross-checks are left, done in bulk, because
            # a population of a million mostly blameless subjects must cost next to nothing.
            if {s.kind for s in typed} <= self._kinds and len({s.id for s in typed}) == len(typed):
                return typed
        return self._checked_subjects(given)

    def _checked_subjects(self, subjects: list[Subject | Mapping[str, Any]]) -> list[Subject]:
        parsed: list[Subject] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for index, raw in enumerate(subjects):
            subject = raw if isinstance(raw, Subject) else _parse_subject(index, raw, problems)
            if subject is None:
                continue
            if subject.kind not in self._kinds:
                problems.append(
                    Problem(
                        f"kind {subject.kind!r} is not a subject kind of {self.ruleset.id} "
                        f"({', '.join(sorted(self._kinds))})",
                        field=f"subjects[{index}].kind",
                    )
                )
            if subject.id in seen:
                problems.append(
                    Problem(f"duplicate subject id {subject.id!r}", f"subjects[{index}].id")
                )
            seen.add(subject.id)
            parsed.append(subject)
        if problems:
            raise ScenarioError(None, problems)
        return parsed

    def _events(self, events: Iterable[Event | Mapping[str, Any]]) -> list[Event]:
        items = list(events)
        if all(isinstance(e, Event) for e in items):
            typed: list[Event] = items  # type: ignore[assignment]
            wrong = [
                Problem(f"{e.type!r} is not an event of {self.ruleset.vocabulary}", f"events[{i}]")
                for i, e in enumerate(typed)
                if self._event_classes.get(e.type) is not type(e)
            ]
            if wrong:
                raise ScenarioError(None, wrong)
            return typed
        raw = [e.model_dump() if isinstance(e, Event) else e for e in items]
        return parse_events(self.ruleset.vocabulary, raw)

    # -- evaluation -----------------------------------------------------------------------

    def _walk(
        self,
        subject_kind: str,
        events: Sequence[tuple[int, Event]],
        as_of: dt.date,
        *,
        prune: bool,
        final_only: bool = False,
    ) -> Iterator[tuple[Trigger, dt.date, dt.date | None, dict[str, Any], Assessment]]:
        """Each assessment of one subject's history: (trigger, segment's first day, its last
        day or None for the final one, the facts, the assessment).

        The history is cut where anything known changes: every event day, every removal day
        and, where a fact counts on the assessment day, the day after each record expires.
        With ``prune``, a trigger whose rules can no longer cover any day of the segment (its
        static reach, like "entry + 1 year", is over) is not assessed again: that keeps a long
        history linear instead of quadratic, and changes no result. With ``final_only``, only
        the last segment (the one holding ``as_of``) is assessed: enough to know what applies
        on ``as_of``, though not the history before it.
        """
        records: dict[str, list[Record]] = {}
        triggers: list[Trigger] = []
        points: set[dt.date] = {event.date for _, event in events}
        for register, validity, removal in self._registers:
            found = build_records(register, validity, events, removal)
            records[register.id] = found
            for record in found:
                if record.removed_from is not None:
                    points.add(record.removed_from)
                if self._expiry_matters and record.last_valid < dt.date.max:
                    points.add(record.last_valid + _ONE_DAY)
                triggers.append(
                    Trigger(register.id, record.entered, record.key, record, record.event)
                )
        by_type: dict[str, list[Event]] = {}
        for event in _canonical_order(events):
            by_type.setdefault(event.type, []).append(event)
            if event.type in self._event_triggers:
                triggers.append(Trigger(event.type, event.date, _event_key(event), None, event))
        if not triggers:
            return
        triggers.sort(key=lambda t: (t.date, t.on, t.key))
        reach = self._reach
        limits = [reach[t.on](t.date) if prune else dt.date.max for t in triggers]
        if final_only:
            # Only the stretch holding as_of: its first day is the last point up to as_of.
            ordered = [max((p for p in points if p <= as_of), default=as_of)]
        else:
            ordered = sorted(p for p in points if p <= as_of)
        last_position = len(ordered) - 1
        for position, point in enumerate(ordered):
            segment_end = None if position == last_position else ordered[position + 1] - _ONE_DAY
            view = {
                name: [r for r in found if r.present_on(point)] for name, found in records.items()
            }
            for trigger, limit in zip(triggers, limits, strict=True):
                if trigger.date > point:
                    break
                if limit < point:
                    continue
                if trigger.record is not None and not trigger.record.present_on(point):
                    continue
                assessment = Assessment(subject_kind, trigger, point, view, by_type)
                env = self._plans[trigger.on].environment(assessment)
                yield trigger, point, segment_end, env, assessment

    def _evaluate_subject(
        self,
        subject_id: str,
        subject_kind: str,
        events: Sequence[tuple[int, Event]],
        as_of: dt.date,
        results: _Results,
    ) -> None:
        pieces: list[Piece] = []
        for trigger, point, segment_end, env, assessment in self._walk(
            subject_kind, events, as_of, prune=True
        ):
            for index in self._matcher.firing(trigger.on, env):
                if index in self._deadlines:
                    # A deadline is counted once, on everything known on as_of.
                    if segment_end is None:
                        self._deadline(subject_id, index, trigger, env, assessment, results)
                    continue
                piece = self._piece(index, trigger, env, point, segment_end)
                if piece is not None:
                    pieces.append(piece)
        for piece in resolve(pieces):
            self._emit(subject_id, piece, as_of, results)

    def _deadline(
        self,
        subject_id: str,
        index: int,
        trigger: Trigger,
        env: dict[str, Any],
        assessment: Assessment,
        results: _Results,
    ) -> None:
        rule = self._rules[index]
        start = self._from[index](env)
        if start is None:
            return
        clock = self._deadlines[index].clock(start, trigger, env, assessment)
        because = self._explainer.reasons(rule, env, trigger)
        results.deadlines.append(
            deadline_result(subject_id, rule, clock, self._cites[index], because)
        )

    def _piece(
        self,
        index: int,
        trigger: Trigger,
        env: Mapping[str, Any],
        point: dt.date,
        segment_end: dt.date | None,
    ) -> Piece | None:
        rule = self._rules[index]
        start: dt.date | None = self._from[index](env)
        if start is None:
            return None
        until_fn = self._until[index]
        if rule.outcome_kind == "duty":
            # A duty is owed on one day; it belongs to the stretch of days that contains it,
            # or to the trigger's first stretch when it falls before the trigger (a correction
            # decided before the day it takes effect is notified when decided, Art 13).
            if start < point:
                if point != trigger.date:
                    return None
                return Piece(index, rule.group, rule.priority, trigger, start, start, env)
            stop: dt.date | None = start
        else:
            stop = until_fn(env) if until_fn is not None else None
        first = max(start, point)
        last = (
            stop
            if segment_end is None
            else (segment_end if stop is None else min(stop, segment_end))
        )
        if last is not None and first > last:
            return None
        return Piece(index, rule.group, rule.priority, trigger, first, last, env)

    def _emit(self, subject_id: str, piece: Piece, as_of: dt.date, results: _Results) -> None:
        rule = self._rules[piece.rule]
        because = self._explainer.reasons(rule, piece.env, piece.trigger)
        if rule.outcome_kind == "duty":
            results.duties.append(
                construct(
                    Duty,
                    subject=subject_id,
                    name=rule.outcome,
                    on=piece.start,
                    rule=rule.id,
                    cites=self._cites[piece.rule],
                    because=because,
                )
            )
            return
        active = piece.start <= as_of and (piece.stop is None or as_of <= piece.stop)
        results.decisions.append(
            construct(
                Decision,
                subject=subject_id,
                outcome=rule.outcome,
                from_=piece.start,
                until=piece.stop,
                active=active,
                rule=rule.id,
                cites=self._cites[piece.rule],
                because=because,
            )
        )


@dataclass(frozen=True)
class Assessed:
    """One assessment of the rules on one trigger, over one segment of days.

    ``first`` is the segment's first day (the day the facts were derived as of) and ``last``
    its last day (None for the final segment, which runs on past ``as_of``). ``env`` holds the
    facts the rules read, and ``firing`` the ids of the rules whose condition held.
    """

    trigger: Trigger
    first: dt.date
    last: dt.date | None
    env: Mapping[str, Any]
    firing: tuple[str, ...]


class _Results:
    """What one evaluation collects; local to the call, so engines stay stateless."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.duties: list[Duty] = []
        self.deadlines: list[Deadline] = []


def _canonical_order(events: Sequence[tuple[int, Event]]) -> list[Event]:
    """Events by day, and within a day by type, the id they name and then all their content,
    so that no result (not even the order of a deadline's excluded periods) depends on how a
    caller listed them. Full content is compared only where the cheap key ties."""
    ordered = [
        event
        for _, event in sorted(
            events, key=lambda pair: (pair[1].date, pair[1].type, _event_key(pair[1]), pair[0])
        )
    ]
    start = 0
    while start < len(ordered):
        head = ordered[start]
        end = start + 1
        while end < len(ordered) and (
            ordered[end].date == head.date
            and ordered[end].type == head.type
            and _event_key(ordered[end]) == _event_key(head)
        ):
            end += 1
        if end - start > 1:
            ordered[start:end] = sorted(ordered[start:end], key=lambda e: e.model_dump_json())
        start = end
    return ordered


def _event_key(event: Event) -> str:
    """The id an event names (its record, objection, application…), to order triggers."""
    fields = event.__dict__  # a missing name on a pydantic model raises inside getattr: slow
    for field in ("application", "objection", "evaluation", "record", "commitment", "information"):
        value = fields.get(field)
        if isinstance(value, str):
            return value
    return ""


def _static_period(end: Expr | None, parameters: Mapping[str, ir.ParameterValue]) -> Period | None:
    """``end`` as a period after the trigger's date, if it is ``trigger_date`` (0 days) or
    ``trigger_date + <period parameter>``; None for anything that depends on facts."""
    if isinstance(end, Ref) and end.name == "trigger_date":
        return Period(0, "days")
    if (
        isinstance(end, Arith)
        and end.op == "+"
        and isinstance(end.left, Ref)
        and end.left.name == "trigger_date"
        and isinstance(end.right, Ref)
    ):
        value = parameters.get(end.right.name)
        return value if isinstance(value, Period) else None
    return None


def _period(value: ir.ParameterValue) -> Period:
    assert isinstance(value, Period)
    return value


def _parse_subject(index: int, raw: Any, problems: list[Problem]) -> Subject | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(f"a subject must be a mapping, got {raw!r}", f"subjects[{index}]"))
        return None
    model = SUBJECT_CLASSES.get(str(raw.get("kind")), Subject)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            field = f"subjects[{index}]" + "".join(f".{part}" for part in item["loc"])
            problems.append(Problem(str(item["msg"]), field))
        return None


def _make_matcher(ruleset: ir.Ruleset, backend: Backend) -> Matcher:
    if backend == "closures":
        return ClosureMatcher(ruleset)
    if backend == "durable":
        from credit_rules.engine.durable import DurableMatcher

        return DurableMatcher(ruleset)
    raise ValueError(f"unknown backend {backend!r}; use 'closures' or 'durable'")
