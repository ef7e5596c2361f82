"""The engine: a compiled ruleset that evaluates subjects' histories as of a date.

An ``Engine`` holds only what it compiled from its ruleset, never any state of an evaluation,
so one engine may serve many threads and two engines never interfere. Its three questions
(``evaluate``, ``outcomes``, ``assessments``) take their input through one front door
(:mod:`credit_rules.engine.inputs`) and are projections of one walk of each subject's history
(:mod:`credit_rules.engine.walk`).

On the columnar backend, ``evaluate`` and ``outcomes`` of a population run the Polars plans of
:mod:`credit_rules.columnar` instead (:mod:`credit_rules.columnar.typed` turns their rows back
into the walk's results, in the walk's order); the walk stays the reference, and answers
whatever the plans refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.engine.closures import ClosureMatcher
from credit_rules.engine.deadlines import deadline_result
from credit_rules.engine.durable import DurableMatcher
from credit_rules.engine.history import History, Occasion
from credit_rules.engine.inputs import (
    EventInput,
    FrontDoor,
    Gathered,
    SubjectInput,
    UnvalidatedRefused,
)
from credit_rules.engine.program import Program, SharedProvenances
from credit_rules.engine.timeline import resolve
from credit_rules.engine.walk import Assessed, Counter, Matcher, Walker, history_of
from credit_rules.errors import ArgumentError, ExtensionOverCap, shown
from credit_rules.i18n import Message
from credit_rules.model.results import (
    Deadline,
    Decision,
    Duty,
    Evaluation,
    Provenance,
    RulesetRef,
    new_tuple,
)
from credit_rules.model.subjects import Subject
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import CountedDays

if TYPE_CHECKING:
    from credit_rules.columnar.typed import PopulationPlans

Backend = Literal["closures", "durable", "columnar"]

__all__ = ["Assessed", "Backend", "Counter", "Engine"]


class Engine:
    """Evaluates one ruleset. Compile once, evaluate many times, from any number of threads."""

    def __init__(
        self,
        ruleset: ir.Ruleset,
        *,
        backend: Backend = "closures",
        calendar: WorkingCalendar | None = None,
    ) -> None:
        if not isinstance(ruleset, ir.Ruleset):
            raise ArgumentError(
                Message(
                    "an engine needs a loaded ruleset (load_ruleset, loads_ruleset or bundled), "
                    "not {value}",
                    value=shown(ruleset),
                )
            )
        self.ruleset = ruleset
        self.backend: Backend = backend
        # The calendar is an argument, never a global: two engines may count on different
        # calendars (say, one with a newly published year loaded as an overlay).
        self.calendar = calendar if calendar is not None else default_calendar()
        self._matcher = _make_matcher(ruleset, backend, self.calendar)
        self._program = Program(ruleset, self.calendar)
        self._walker = Walker(self._program, self._matcher)
        self._door = FrontDoor(ruleset)
        self._ref = RulesetRef(id=ruleset.id, version=ruleset.version, digest=ruleset.digest)
        # The columnar backend evaluates a population with Polars plans; explanations of one
        # subject (assessments) still walk its history, with the closures.
        self._plans = (
            _columnar_plans(ruleset, self.calendar, self._program)
            if backend == "columnar"
            else None
        )

    def close(self) -> None:
        """Release what the backend holds (the durable-rules backend holds engine state)."""
        self._matcher.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # An engine is its ruleset, backend and calendar; everything else is compiled again.
        return (_rebuild, (self.ruleset, self.backend, self.calendar))

    # -- public ---------------------------------------------------------------------------

    def evaluate(
        self,
        subjects: Iterable[SubjectInput],
        events: Iterable[EventInput],
        *,
        as_of: dt.date | str,
        known_at: dt.date | str | None = None,
        counter: Counter | None = None,
    ) -> Evaluation:
        """Everything that applies to ``subjects`` on ``as_of``, and the decisions before it.

        Events dated after ``as_of`` have not happened and do not count; nor do events decided
        after ``known_at`` (by default ``as_of``: what was known on the day). ``counter``, if
        given, is told how much work the walk did (for tests); the walk then answers on every
        backend, since the work it counts is the walk's.
        """
        as_of = self._door.check_as_of(as_of)
        known_at = self._door.check_known_at(known_at)
        kinds = self._door.subject_kinds(subjects)
        # Listed once (an iterator too), for the plans and, if they refuse, the walk.
        events = self._door.event_list(events)
        # A model built without validation and lacking a field fails the reading somewhere
        # below; only then are the models looked at (UnvalidatedRefused), so valid input
        # pays for a try, not for a look at every model.
        with UnvalidatedRefused(events):
            if self._plans is not None and counter is None:
                models = self._door.event_models(events)
                if models is not None:
                    found = self._plans.evaluate(kinds, models, as_of, known_at)
                    if found is not None:
                        decisions, deadlines, duties, columns = found
                        return Evaluation.of(
                            self._ref,
                            as_of,
                            decisions,
                            deadlines,
                            duties,
                            tuple(kinds),
                            columns=columns,
                        )
                    events = models
            return self._walked(kinds, events, as_of, known_at, counter)

    def _walked(
        self,
        kinds: Mapping[str, str],
        events: Iterable[EventInput],
        as_of: dt.date,
        known_at: dt.date | None,
        counter: Counter | None,
    ) -> Evaluation:
        decisions: list[Decision] = []
        duties: list[Duty] = []
        deadlines: list[Deadline] = []
        door = self._door
        found = door.histories(kinds, events, as_of, known_at)
        shared = SharedProvenances()
        program, listed, grouped = self._program, found.events, found.grouped
        # :meth:`_built`'s loop written out, without a generator to resume for each subject:
        # each history is still built only when it is walked.
        for subject in sorted(grouped):
            mine = door.canonical(kinds[subject], listed, grouped.pop(subject))
            history, occasions = history_of(
                program, subject, mine.kind, mine.events, mine.positions, mine.early
            )
            self._evaluate_subject(
                history, occasions, as_of, decisions, duties, deadlines, counter, shared
            )
        return Evaluation.of(
            self._ref, as_of, tuple(decisions), tuple(deadlines), tuple(duties), tuple(kinds)
        )

    def outcomes(
        self,
        subjects: Iterable[SubjectInput],
        events: Iterable[EventInput],
        *,
        as_of: dt.date | str,
        known_at: dt.date | str | None = None,
        counter: Counter | None = None,
    ) -> dict[str, frozenset[str]]:
        """The measures that apply to each subject on ``as_of``, and nothing else.

        This is the population question ("who is under cash settlement today?"): the last
        stretch of the same walk as :meth:`evaluate`, with no history before ``as_of`` and no
        explanations. Subjects with nothing active are left out.
        """
        door = self._door
        as_of = door.check_as_of(as_of)
        known_at = door.check_known_at(known_at)
        kinds = door.subject_kinds(subjects)
        events = door.event_list(events)
        with UnvalidatedRefused(events):
            if self._plans is not None and counter is None:
                models = self._door.event_models(events)
                if models is not None:
                    on_columns = self._plans.outcomes(kinds, models, as_of, known_at)
                    if on_columns is not None:
                        return on_columns
                    events = models
            active: dict[str, frozenset[str]] = {}
            walker = self._walker
            # Only a trigger recent enough for some measure to reach as_of matters (Lianyungang:
            # an entry of the last year), so a subject with none is not walked at all.
            earliest, floor = self._program.reaching(as_of)
            found = door.histories(kinds, events, as_of, known_at, floor)
            for history, occasions in self._built(kinds, found, earliest):
                names = walker.active(history, occasions, as_of, earliest, counter)
                if counter is not None:
                    counter.inspected += history.inspected
                if names:
                    active[history.subject] = names
            return active

    def assessments(
        self,
        subject: SubjectInput,
        events: Iterable[EventInput],
        *,
        as_of: dt.date | str,
        known_at: dt.date | str | None = None,
    ) -> tuple[Assessed, ...]:
        """Every occasion on which the rules were assessed for one subject, up to ``as_of``.

        This is the evaluation laid open, for explanations (why not, what changes next) and
        coverage (which rules fired): one entry per trigger per stretch of days over which
        what its rules read stays the same, with those facts and the rules whose condition
        held. Events of other subjects are skipped. It walks the same stretches as
        :meth:`evaluate`, none cut short, so that every assessment is shown.
        """
        as_of = self._door.check_as_of(as_of)
        known_at = self._door.check_known_at(known_at)
        if not isinstance(subject, Mapping | Subject):
            # One subject, not a list of them: said of the argument, not of subjects[0].
            raise ArgumentError(
                Message(
                    "assessments takes one subject (a Subject or a mapping), got {value}",
                    value=shown(subject),
                )
            )
        (parsed,) = self._door.subjects([subject])
        events = self._door.event_list(events)
        with UnvalidatedRefused(events):
            known = {parsed.id: parsed.kind}
            found = self._door.histories(known, events, as_of, known_at, only=parsed.id)
            indexes = found.grouped.get(parsed.id)
            if indexes is None:
                return ()
            mine = self._door.canonical(parsed.kind, found.events, indexes)
            history, occasions = history_of(
                self._program, parsed.id, parsed.kind, mine.events, mine.positions, mine.early
            )
            return tuple(self._walker.assessments(history, occasions, as_of))

    # -- the walk -------------------------------------------------------------------------

    def _built(
        self,
        kinds: Mapping[str, str],
        found: Gathered,
        reaching: Mapping[str, dt.date | None] | None = None,
    ) -> Iterator[tuple[History, list[Occasion]]]:
        """Each subject's history, in id order, built one at a time as the caller walks them,
        so a population's are never all held at once (each would otherwise outlive its walk,
        and the garbage collector would scan them over and over). A contradiction found while
        building one (a record entered twice) raises before the caller has returned anything,
        so a bad input still changes nothing a caller holds. ``reaching`` leaves out the
        triggers too old to reach the day asked (:func:`history_of`), for :meth:`outcomes`."""
        program, door, events, grouped = self._program, self._door, found.events, found.grouped
        for subject in sorted(grouped):
            mine = door.canonical(kinds[subject], events, grouped.pop(subject))
            yield history_of(
                program, subject, mine.kind, mine.events, mine.positions, mine.early, reaching
            )

    def _evaluate_subject(
        self,
        history: History,
        occasions: list[Occasion],
        as_of: dt.date,
        decisions: list[Decision],
        duties: list[Duty],
        deadlines: list[Deadline],
        counter: Counter | None,
        shared: SharedProvenances,
    ) -> None:
        walk = self._walker.walk(history, occasions, as_of, counter)
        if counter is not None:
            counter.inspected += history.inspected
        rules = self._program.rules
        subject = history.subject
        for rule, occasion, env in walk.deadlines:
            start = rule.start(env)
            if start is None or rule.deadline is None:
                continue
            try:
                clock = rule.deadline.clock(start, occasion, env, history, as_of)
            except ExtensionOverCap as error:
                raise error.of_subject(subject) from None
            deadlines.append(deadline_result(subject, occasion, clock, shared.of(rule, env)))
        # A piece's fields unpacked at once: a named tuple's field read by name costs a lookup
        # on its class, and a small request spends a tenth of its time in such reads.
        made = shared.made
        for index, _, _, occasion, start, stop, env, _ in resolve(
            walk.free, walk.grouped, walk.joinable
        ):
            rule = rules[index]
            # SharedProvenances.of, written out (two calls per result less).
            values = rule.values_of(env)
            try:
                provenance = made.get((index, values))
            except TypeError:  # a value that cannot be a key is not shared
                provenance = new_tuple(Provenance, (values, rule.text))
            else:
                if provenance is None:
                    provenance = made[(index, values)] = new_tuple(Provenance, (values, rule.text))
            trigger = occasion.trigger
            duty = rule.kind == "duty"
            if duty:
                stop = None  # a duty is owed on its one day: it has no until to count
            counted = rule.counted
            provisional = counted is not None and self._provisional(
                counted, rule.counted_places, trigger.date, start, stop, provenance.values
            )
            if duty:
                duties.append(
                    Duty(subject, rule.outcome, start, rule.id, trigger, provenance, provisional)
                )
                continue
            active = start <= as_of and (stop is None or as_of <= stop)
            decisions.append(
                Decision(
                    subject,
                    rule.outcome,
                    start,
                    stop,
                    active,
                    rule.id,
                    trigger,
                    provenance,
                    provisional,
                )
            )

    def _provisional(
        self,
        counted: CountedDays,
        places: tuple[int, ...],
        first: dt.date,
        start: dt.date,
        stop: dt.date | None,
        read: tuple[Any, ...],
    ) -> bool:
        """Whether a decision or duty rests on a day counted in working days that lies in a year
        without a published holiday schedule: a counted date its rule read (at ``places``
        among ``read``), or its own ``from`` or ``until`` where the rule counts them. A
        count read where no date shows it (``opaque``) is judged by the span from the
        trigger's day ``first`` to the latest day the decision shows. Counts run for weeks
        and schedules are published year after year, so a count that ends in a published
        year began in one (docs/calendar.md)."""
        unpublished = self.calendar.unpublished_years
        for place in places:
            day = read[place]
            if type(day) is dt.date and unpublished(day, day):
                return True
        if counted.own and (
            unpublished(start, start) or (stop is not None and bool(unpublished(stop, stop)))
        ):
            return True
        if not counted.opaque:
            return False
        last = start if stop is None or stop < start else stop
        for value in read:
            if type(value) is dt.date and value > last:
                last = value
        return bool(unpublished(first, last))


def _columnar_plans(
    ruleset: ir.Ruleset, calendar: WorkingCalendar, program: Program
) -> PopulationPlans:
    try:
        # Polars is the columnar extra's; every other backend starts without it.
        from credit_rules.columnar.typed import PopulationPlans
    except ImportError as missing:
        raise ImportError(
            Message(
                "the columnar backend needs polars and pyarrow: pip install "
                "'credit-rules[columnar]' ({error})",
                error=str(missing),
            )
        ) from missing
    return PopulationPlans(ruleset, calendar, program.rules)


def _rebuild(ruleset: ir.Ruleset, backend: Backend, calendar: WorkingCalendar) -> Engine:
    return Engine(ruleset, backend=backend, calendar=calendar)


def _make_matcher(ruleset: ir.Ruleset, backend: Backend, calendar: WorkingCalendar) -> Matcher:
    if backend in ("closures", "columnar"):
        return ClosureMatcher(ruleset, calendar)
    if backend == "durable":
        # The durable_rules C module itself is loaded only here, when a matcher is built.
        return DurableMatcher(ruleset, calendar=calendar)
    raise ArgumentError(
        Message(
            "unknown backend {backend!r}; use 'closures', 'durable' or 'columnar'",
            backend=backend,
        )
    )
