"""The one walk of a subject's history; ``evaluate``, ``outcomes`` and ``assessments`` are its
projections, so they cannot disagree.

A trigger is assessed on the day it happens, then again only on a day when something its rules
read may have changed (its facts say which day that is, see :mod:`credit_rules.engine.facts`),
until ``as_of``. Each assessment covers the stretch of days up to the next one. Two things cut
the walk short without changing any result:

- *reach*: a rule whose last day follows from the trigger alone (Lianyungang: entry + 1 year)
  cannot cover a day after it, so a trigger none of whose rules can is not assessed again;
- *precedence*: within a group, a piece of a strictly newer trigger at the same or a higher
  priority wins every day it covers (docs/decisions/0003), so a stretch on which every rule of
  an older trigger is outranked is skipped. Triggers are walked newest first for that reason.

That keeps a subject's cost O(n log n) in its n events (tests/test_engine_complexity.py counts
assessments to hold it so).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from credit_rules.engine.closures import ClosureMatcher
from credit_rules.engine.facts import Env, FactPlan
from credit_rules.engine.history import History, Occasion, Record, build_records
from credit_rules.engine.program import CompiledRule, Program
from credit_rules.engine.timeline import Cover, Piece, Place
from credit_rules.model.events import Event
from credit_rules.model.results import Trigger, new_tuple

_ONE_DAY = dt.timedelta(days=1)


class Matcher(Protocol):
    """What a backend must do: say which rules fire for one assessment's facts."""

    name: str

    def firing(self, on: str, env: Mapping[str, Any]) -> list[int]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Assessed:
    """One assessment of the rules on one trigger, over one stretch of days.

    ``first`` is the stretch's first day (the day the facts were derived as of) and ``last``
    its last day (None for the final one, which runs on past ``as_of``). ``env`` holds the
    facts the rules read, and ``firing`` the ids of the rules whose condition held.
    """

    trigger: Trigger
    on: str
    first: dt.date
    last: dt.date | None
    env: Mapping[str, Any]
    firing: tuple[str, ...]
    record: Record | None = None


@dataclass
class Counter:
    """How much work a walk did: what the complexity test counts instead of timing."""

    assessments: int = 0
    facts: int = 0
    inspected: int = 0


class Walk:
    """One subject's walk: the pieces of measures and duties, and the deadlines' inputs. A
    plain class with slots: one is made per subject walked, and a dataclass's ``__init__``
    calls a factory for each list.

    Pieces of no group (``free``) are kept apart from those of a group (``grouped``, in the
    order walked), which are all that precedence reads. ``joinable`` says whether some
    trigger gave pieces on more than one stretch: only then may two pieces of one rule and
    trigger touch, to be joined (:func:`~credit_rules.engine.timeline.resolve`).

    While the walk goes on, the first ``ready`` of ``grouped`` are those of the days already
    walked, which outrank the triggers of older days (a day's own do not outrank each other):
    docs/decisions/0003's precedence, read through :meth:`outranking`. They are added to
    covers only when a rule of a group is first asked about: a subject with a few records
    is most often asked about none (a rule of no group, such as a duty to notify, is never
    outranked), and then no cover is built.
    """

    __slots__ = (
        "_added",
        "_covers",
        "_priorities",
        "deadlines",
        "free",
        "grouped",
        "joinable",
        "ready",
    )

    def __init__(self, priorities: Mapping[str, tuple[int, ...]]) -> None:
        self.free: list[Piece] = []
        self.grouped: list[Piece] = []
        self.joinable = False
        self.deadlines: list[tuple[CompiledRule, Occasion, Env]] = []
        self.ready = 0
        self._added = 0
        self._priorities = priorities
        self._covers: dict[tuple[str, int], Cover] | None = None  # made when first asked

    def outranking(self, group: str, priority: int) -> Cover | None:
        """The days on which pieces of newer triggers outrank a rule of ``group`` at
        ``priority``: those of the same group at the same or a higher priority."""
        covers = self._covers
        if covers is None:
            covers = self._covers = {}
        if self._added < self.ready:
            priorities = self._priorities
            for _, piece_group, piece_priority, _, start, stop, _, _ in self.grouped[
                self._added : self.ready
            ]:
                assert piece_group is not None
                for outranked in priorities[piece_group]:
                    if outranked <= piece_priority:
                        cover = covers.get((piece_group, outranked))
                        if cover is None:
                            cover = covers[(piece_group, outranked)] = Cover()
                        cover.add(start, stop)
            self._added = self.ready
        return covers.get((group, priority))


def history_of(
    program: Program,
    subject: str,
    kind: str,
    events: Sequence[Event],
    positions: Sequence[int],
    early: frozenset[int] = frozenset(),
    reaching: Mapping[str, dt.date | None] | None = None,
) -> tuple[History, list[Occasion]]:
    """A subject's indexed history and its triggers, oldest first. Events at the places in
    ``early`` are in the history for facts to read, but enter no register and trigger nothing.
    ``reaching`` (:meth:`Program.reaching`'s first half, for :meth:`Walker.active`) leaves
    out the triggers too old to reach its day: every record stays, for facts to count."""
    records = {}
    occasions: list[Occasion] = []
    for spec in program.registers:
        found = build_records(
            spec.register,
            spec.validity,
            events,
            positions,
            spec.removal,
            early,
            spec.decided_field,
            spec.last_valid_of,
            spec.in_entry_order,
        )
        register_id = spec.register.id
        # Every record entered on an event of this type (build_records), so its trigger's
        # type is known without reading the event (a model's field read by name costs a
        # lookup through its class's hooks).
        entered_by = spec.register.entered_by
        records[register_id] = found
        first = reaching.get(register_id) if reaching is not None else None
        for record in found:
            # Unpacked at once: a named tuple's field read by name costs a lookup on its class.
            _, key, entered, _, _, event, seq = record
            if first is not None and entered < first:
                continue
            trigger = Trigger(entered_by, key, entered, seq)
            occasions.append(
                new_tuple(Occasion, (register_id, entered, key, record, event, trigger))
            )
    from_records = len(occasions)
    wanted = program.event_triggers
    keys = program.key_fields
    for seq, event in enumerate(events):
        event_type = event.type
        if event_type in wanted and seq not in early:
            first = reaching.get(event_type) if reaching is not None else None
            if first is not None and event.date < first:
                continue
            field_name = keys.get(event_type)
            named = event.__dict__.get(field_name) if field_name is not None else None
            trigger = Trigger(event_type, named, event.date, seq)
            occasions.append(
                new_tuple(Occasion, (event_type, event.date, named, None, event, trigger))
            )
    if len(program.registers) > 1 or len(occasions) > from_records:
        # One register's records come in this order already (build_records: by day, then id).
        occasions.sort(key=lambda o: (o.date, o.on, o.key or ""))
    return History(subject, kind, events, records), occasions


class Walker:
    """Walks histories for one compiled program and one matcher. It holds no state of a walk,
    so one walker serves every thread; work counts go to the caller's :class:`Counter`."""

    def __init__(self, program: Program, matcher: Matcher) -> None:
        self.program = program
        self.matcher = matcher
        #: The matcher's question for each trigger kind, asked without naming the kind on
        #: every assessment (the closures' own function where the matcher has one).
        self._firing: dict[str, Callable[[Mapping[str, Any]], list[int]]] = {
            on: _firing_on(matcher, on) for on in program.by_on
        }

    def _stretch(
        self,
        history: History,
        occasion: Occasion,
        as_of: dt.date,
        day: dt.date,
        counter: Counter | None,
    ) -> tuple[dt.date | None, Env]:
        """The facts of ``occasion`` as of ``day`` and the stretch's last day (None if it runs
        on past ``as_of``): the day before the facts may next change, or the record goes."""
        plan = self.program.plans[occasion.on]
        if counter is not None:
            _count(counter, plan)
        env, following = plan.assess(history, occasion, day)
        removed = occasion.record.removed_from if occasion.record is not None else None
        if removed is not None and (following is None or removed < following):
            following = removed
        last = None if following is None or following > as_of else following - _ONE_DAY
        return last, env

    def _assessed(
        self, history: History, occasion: Occasion, day: dt.date, counter: Counter | None
    ) -> Env:
        """The facts of ``occasion`` as of ``day``, counted as one assessment."""
        plan = self.program.plans[occasion.on]
        if counter is not None:
            _count(counter, plan)
        return plan.environment(history, occasion, day)

    def _assessable(self, occasion: Occasion, day: dt.date, as_of: dt.date) -> bool:
        record = occasion.record
        return day <= as_of and (record is None or record.present_on(day))

    # -- projections -----------------------------------------------------------------------

    def walk(
        self,
        history: History,
        occasions: Sequence[Occasion],
        as_of: dt.date,
        counter: Counter | None = None,
    ) -> Walk:
        """Every piece of every measure and duty up to ``as_of``, and what deadlines need."""
        found = Walk(self.program.group_priorities)
        index = len(occasions) - 1
        while index >= 0:
            # Triggers of one day are walked together; their pieces outrank older triggers
            # only, so they join the covers after the whole day.
            day = occasions[index].date
            while index >= 0 and occasions[index].date == day:
                self._walk_one(history, occasions[index], as_of, found, counter)
                index -= 1
            found.ready = len(found.grouped)
        return found

    def _walk_one(
        self,
        history: History,
        occasion: Occasion,
        as_of: dt.date,
        found: Walk,
        counter: Counter | None,
    ) -> None:
        program = self.program
        # Unpacked at once: a named tuple's field read by name costs a lookup on its class.
        on, first_day, key, record, _, trigger = occasion
        producing = program.producing[on]
        # The stretches of :meth:`_stretch`, written out: most triggers have one stretch, and a
        # small request's walk is mostly this loop's calls.
        plan = program.plans[on]
        removed = record.removed_from if record is not None else None
        rules = program.rules
        firing = self._firing[on]
        free, grouped = found.free, found.grouped
        # Pieces of the stretches before this one: a rule's pieces of two stretches may touch.
        earlier = 0
        # The last day each rule can cover is worked out only if the walk goes past the
        # trigger's first stretch: most triggers have one stretch, and it costs a period sum.
        reaches: list[tuple[CompiledRule, dt.date]] | None = None
        final: Env | None = None
        day = first_day
        place: Place | None = None
        # While the trigger is assessable (:meth:`_assessable`): a record's entry is its day.
        while producing and day <= as_of and (removed is None or day < removed):
            live: Sequence[CompiledRule] = producing
            if day != first_day:
                if reaches is None:
                    reaches = [(rule, program.reach(rule, occasion)) for rule in producing]
                live = [rule for rule, reach in reaches if reach >= day]
                if not live:
                    break
            if found.ready:
                start = _undominated(live, day, found)
                if start is None:
                    break
                if start > day:
                    day = start
                    continue
            if counter is not None:
                _count(counter, plan)
            env, following = plan.assess(history, occasion, day)
            if removed is not None and (following is None or removed < following):
                following = removed
            last = None if following is None or following > as_of else following - _ONE_DAY
            made = 0
            for index in firing(env):
                rule = rules[index]
                kind = rule.kind
                if kind == "deadline":
                    continue
                # The rule's piece of this stretch, if it has days in it (written out here,
                # not a call per firing: a small request's walk is mostly these few lines).
                begins: dt.date | None = rule.start(env)
                if begins is None:
                    continue
                first: dt.date = begins
                stop: dt.date | None = begins
                if kind == "duty":
                    # A duty is owed on one day; it belongs to the stretch of days that
                    # contains it, or to the trigger's first stretch when it falls before the
                    # trigger (a correction decided before the day it takes effect is
                    # notified when decided, Art 13).
                    if begins < day:
                        if day != first_day:
                            continue
                    elif last is not None and begins > last:
                        continue  # owed after this stretch
                else:
                    stop = rule.stop(env) if rule.stop is not None else None
                    if begins < day:
                        first = day
                    if last is not None and (stop is None or last < stop):
                        stop = last
                    if stop is not None and first > stop:
                        continue
                if place is None:  # the occasion's Place, once it has a piece
                    place = (first_day, key or "", on, trigger.seq or 0)
                piece: Piece = (
                    rule.index,
                    rule.group,
                    rule.priority,
                    occasion,
                    first,
                    stop,
                    env,
                    place,
                )
                made += 1
                if rule.group is None:
                    free.append(piece)
                else:
                    grouped.append(piece)
            if made:
                if earlier:
                    found.joinable = True
                earlier += made
            if last is None:
                final = env
                break
            day = last + _ONE_DAY
        if program.counts_deadlines[on] and self._assessable(occasion, as_of, as_of):
            # A deadline is counted once, on everything known on as_of.
            env = final if final is not None else self._assessed(history, occasion, as_of, counter)
            for index in firing(env):
                rule = rules[index]
                if rule.deadline is not None:
                    found.deadlines.append((rule, occasion, env))

    def active(
        self,
        history: History,
        occasions: Sequence[Occasion],
        as_of: dt.date,
        earliest: Mapping[str, dt.date | None],
        counter: Counter | None = None,
    ) -> frozenset[str]:
        """The measures that apply on ``as_of``: the last stretch of each trigger only.
        ``earliest`` gives, by trigger kind, the first trigger day that can reach ``as_of``
        (:meth:`Program.reaching`); ``occasions`` come from :func:`history_of` given the same
        map, which left out the triggers older than that. A kind with no such day (None: a
        measure whose end the trigger does not fix) is asked rule by rule."""
        program = self.program
        winners: dict[str, tuple[int, dt.date, int, str]] = {}
        names: set[str] = set()
        for occasion in occasions:
            record = occasion.record
            if record is not None and not record.present_on(as_of):
                continue
            if earliest.get(occasion.on) is None and not any(
                rule.kind == "measure" and program.reach(rule, occasion) >= as_of
                for rule in program.by_on[occasion.on]
            ):
                continue
            # Only as_of is asked, so when the facts next change does not matter.
            env = self._assessed(history, occasion, as_of, counter)
            for index in self.matcher.firing(occasion.on, env):
                rule = program.rules[index]
                if rule.kind != "measure" or not _covers(rule, env, as_of):
                    continue
                if rule.group is None:
                    names.add(rule.outcome)
                    continue
                # The order of docs/decisions/0003: priority, then the newest trigger, then
                # the rule listed first.
                rank = (rule.priority, occasion.date, -rule.index, rule.outcome)
                held = winners.get(rule.group)
                if held is None or rank > held:
                    winners[rule.group] = rank
        names.update(rank[3] for rank in winners.values())
        return frozenset(names)

    def assessments(
        self,
        history: History,
        occasions: Sequence[Occasion],
        as_of: dt.date,
        counter: Counter | None = None,
    ) -> list[Assessed]:
        """Every stretch of every trigger, none cut short: for explanations and coverage."""
        found = []
        rules = self.program.rules
        for occasion in occasions:
            day = occasion.date
            while self._assessable(occasion, day, as_of):
                last, env = self._stretch(history, occasion, as_of, day, counter)
                firing = tuple(rules[i].id for i in self.matcher.firing(occasion.on, env))
                found.append(
                    Assessed(occasion.trigger, occasion.on, day, last, env, firing, occasion.record)
                )
                if last is None:
                    break
                day = last + _ONE_DAY
        return found


def _count(counter: Counter, plan: FactPlan) -> None:
    """One assessment of ``plan``'s facts, told to ``counter``."""
    counter.assessments += 1
    counter.facts += len(plan.steps)


def _firing_on(matcher: Matcher, on: str) -> Callable[[Mapping[str, Any]], list[int]]:
    """What ``matcher.firing(on, env)`` gives, as a function of ``env`` alone."""
    if isinstance(matcher, ClosureMatcher):
        return matcher.firing_on(on)
    return functools.partial(matcher.firing, on)


def _undominated(live: Sequence[CompiledRule], day: dt.date, walk: Walk) -> dt.date | None:
    """``day`` if some live rule is not outranked on ``day``; otherwise the first day after
    that on which one is not (None if that never comes)."""
    ends = []
    for rule in live:
        cover = walk.outranking(rule.group, rule.priority) if rule.group is not None else None
        until = cover.until(day) if cover is not None else None
        if until is None:
            return day
        ends.append(until)
    first_free = min(ends)
    return None if first_free == dt.date.max else first_free + _ONE_DAY


def _covers(rule: CompiledRule, env: Env, day: dt.date) -> bool:
    start = rule.start(env)
    if start is None or start > day:
        return False
    stop = rule.stop(env) if rule.stop is not None else None
    return stop is None or day <= stop
