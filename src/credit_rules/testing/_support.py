"""Machinery the invariants share: evaluating a case, engines built beside a given one, reading
severity and days of change out of an evaluation. Private: the invariants are the public face.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from credit_rules.calendar import WorkingCalendar
from credit_rules.engine.engine import Backend, Engine
from credit_rules.engine.references import introduced, unknown_names
from credit_rules.errors import CalendarRangeError, CreditRulesError
from credit_rules.i18n import Message
from credit_rules.model.events import Event
from credit_rules.model.results import Decision, Evaluation
from credit_rules.model.vocabularies import pack_of
from credit_rules.periods import Period, last_day_of_period
from credit_rules.ruleset import ir
from credit_rules.ruleset.expressions import names_in
from credit_rules.ruleset.loader import loads_ruleset, with_parameters
from credit_rules.testing.cases import Case

_ONE_DAY = dt.timedelta(days=1)

# Engines derived from a given engine (a parameter variant, the other backend, an empty layer
# over its ruleset), kept as long as that engine lives: compiling once per engine, not once
# per example, keeps a run of the suite within its time budget.
_DERIVED: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], Engine]] = (
    weakref.WeakKeyDictionary()
)


def sibling(engine: Engine, ruleset: ir.Ruleset, backend: Backend | None = None) -> Engine:
    """An engine of the same class, calendar and backend (unless given) on ``ruleset``."""
    return type(engine)(ruleset, backend=backend or engine.backend, calendar=engine.calendar)


def derived(engine: Engine, key: tuple[Any, ...], build: Any) -> Engine:
    cache = _DERIVED.setdefault(engine, {})
    found = cache.get(key)
    if found is None:
        found = build()
        cache[key] = found
    return found


def engine_for(engine: Engine, case: Case) -> Engine:
    """``engine``, or its sibling on ``with_parameters(engine.ruleset, case.overrides)``."""
    if not case.parameters:
        return engine
    return derived(
        engine,
        ("parameters", case.parameters),
        lambda: sibling(engine, with_parameters(engine.ruleset, case.overrides)),
    )


def evaluate(
    engine: Engine,
    case: Case,
    events: Iterable[Event] | None = None,
    as_of: dt.date | None = None,
) -> Evaluation:
    return engine.evaluate(
        list(case.subjects),
        list(case.events if events is None else events),
        as_of=case.as_of if as_of is None else as_of,
    )


def as_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.model_dump(mode="json"), ensure_ascii=False)


def outcome_text(engine: Engine, case: Case, events: Iterable[Event] | None = None) -> str:
    """The evaluation as JSON, or the error it raised: both must be reproducible."""
    try:
        return as_json(evaluate(engine, case, events))
    except CreditRulesError as error:
        return f"{type(error).__name__}: {error}"


def canonical(evaluation: Evaluation) -> dict[str, Any]:
    """The content of an evaluation with its lists sorted, for comparisons where only the order
    of equal-ranked entries may legitimately differ."""
    dumped = evaluation.model_dump(mode="json")

    def key(item: Any) -> str:
        return json.dumps(item, sort_keys=True, ensure_ascii=False)

    for name in ("decisions", "deadlines", "duties"):
        dumped[name] = sorted(dumped[name], key=key)
    return dumped


def first_difference(left: str, right: str, width: int = 80) -> Message:
    """Where two texts part, with a little context: enough to see what differs."""
    at = next((i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), None)
    if at is None:
        at = min(len(left), len(right))
    start = max(0, at - width // 2)
    return Message(
        "…{left}… versus …{right}…",
        left=left[start : at + width],
        right=right[start : at + width],
    )


# -- severity ------------------------------------------------------------------------------------


def ladders(ruleset: ir.Ruleset) -> dict[str, tuple[str, int]]:
    """Each grouped measure rule's group and priority. Within a group (a ladder such as
    Lianyungang Arts 9–11) a higher priority is the more severe measure, and the engine applies
    the most severe one on each day (docs/semantics.md, "Precedence within a group")."""
    return {
        rule.id: (rule.group, rule.priority)
        for rule in ruleset.rules
        if rule.group is not None and rule.outcome_kind == "measure"
    }


def covers(decision: Decision, day: dt.date) -> bool:
    return decision.from_ <= day and (decision.until is None or day <= decision.until)


def severity_on(
    evaluation: Evaluation, day: dt.date, ladder: Mapping[str, tuple[str, int]]
) -> dict[tuple[str, str], tuple[int, Decision]]:
    """For each (subject, group): the priority of the most severe measure covering ``day``."""
    found: dict[tuple[str, str], tuple[int, Decision]] = {}
    for decision in evaluation.decisions:
        rung = ladder.get(decision.rule)
        if rung is None or not covers(decision, day):
            continue
        key = (decision.subject, rung[0])
        if key not in found or found[key][0] < rung[1]:
            found[key] = (rung[1], decision)
    return found


def change_days(
    evaluations: Iterable[Evaluation],
    first: dt.date,
    last: dt.date,
    rules: Iterable[str] | None = None,
) -> list[dt.date]:
    """Days in [first, last] on which a decision (of ``rules``, if given) starts or has just
    ended, plus ``first`` and ``last``: between two such days nothing changes, so comparing
    on them compares on every day."""
    wanted = None if rules is None else frozenset(rules)
    days = {first, last}
    for evaluation in evaluations:
        for decision in evaluation.decisions:
            if wanted is not None and decision.rule not in wanted:
                continue
            days.add(decision.from_)
            if decision.until is not None and decision.until < dt.date.max:
                days.add(decision.until + _ONE_DAY)
    return sorted(day for day in days if first <= day <= last)


# -- records -------------------------------------------------------------------------------------


def records(ruleset: ir.Ruleset, case: Case) -> list[tuple[ir.Register, Event]]:
    """Events entering a record in one of the ruleset's registers, on days the ruleset counts."""
    found = []
    for register in ruleset.registers:
        for event in case.events:
            if event.type == register.entered_by and (
                ruleset.in_force_from <= event.date <= case.as_of
            ):
                found.append((register, event))
    return found


def record_key(register: ir.Register, event: Event) -> str:
    return str(getattr(event, register.key))


def without_record(
    events: Sequence[Event], register: ir.Register, record: Event
) -> tuple[Event, ...]:
    """The history had ``record`` never been entered: it, and every later step of a procedure
    that names it (its objections, corrections, repairs), are left out, and so are the steps
    that name one of those by its own id (the acceptance of a repair application for it):
    what they name would be gone (``Event.refers_to``)."""
    key = record_key(register, record)
    kept = [
        e
        for e in events
        if e is not record
        and not (e.subject == record.subject and getattr(e, register.key, None) == key)
    ]
    references = pack_of(type(record)).references
    while True:
        given = introduced((e for e in kept if e.subject == record.subject), references)
        left = [
            e
            for e in kept
            if e.subject != record.subject or not any(unknown_names(e, references, given))
        ]
        if len(left) == len(kept):
            return tuple(kept)
        kept = left


def after_periods(
    day: dt.date, periods: Sequence[Period], calendar: WorkingCalendar
) -> dt.date | None:
    """The last day of ``periods`` run one after another from ``day`` (None: past the calendar)."""
    try:
        for period in periods:
            if period.unit == "working_days":
                day = calendar.add_working_days(day, period.count, strict=False)
            else:
                day = last_day_of_period(day, period)
    except (CalendarRangeError, OverflowError):
        return None
    return day


def bounded_measures(ruleset: ir.Ruleset) -> dict[str, list[Period]]:
    """Measure rules with an ``until``, and the period parameters that ``until`` adds up: how
    long after the day it is decided a measure can last."""
    values = ruleset.parameter_values()
    found: dict[str, list[Period]] = {}
    for rule in ruleset.rules:
        if rule.outcome_kind != "measure" or rule.until is None:
            continue
        found[rule.id] = [
            value for name in names_in(rule.until) if isinstance(value := values.get(name), Period)
        ]
    return found


# -- layering ------------------------------------------------------------------------------------

_BUNDLED = "<bundled>/"


def layer_base(ruleset: ir.Ruleset) -> str | None:
    """What an ``extends:`` line needs to name ``ruleset``'s file: a bundled id or an absolute
    path; None when it was not loaded from a file."""
    if ruleset.source.startswith(_BUNDLED):
        return ruleset.source[len(_BUNDLED) :].removesuffix(".yaml")
    path = Path(ruleset.source)
    return str(path.resolve()) if path.is_file() else None


@functools.lru_cache(maxsize=32)
def _layer_over(base: str, ruleset_id: str, stamp: tuple[int, int] | None) -> ir.Ruleset:
    # ``stamp`` (modification time and size of a file) is only part of the key: a file edited
    # while a suite runs is read again.
    text = f"extends: {json.dumps(base)}\nid: {ruleset_id}-empty-layer\n"
    return loads_ruleset(text, source=f"<empty layer over {base}>")


def empty_layer(ruleset: ir.Ruleset) -> ir.Ruleset:
    """An empty layer over ``ruleset``'s file (Ganzhou Art 28: a higher level's rules laid over
    the city's), with the same parameter changes as ``ruleset`` if it is a variant."""
    base = layer_base(ruleset)
    if base is None:
        raise ValueError(
            Message(
                "{id} was not loaded from a file ({source})", id=ruleset.id, source=ruleset.source
            )
        )
    path = Path(base)
    stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else None
    layered = _layer_over(base, ruleset.id, stamp)
    values = ruleset.parameter_values()
    changed = {p.id: values[p.id] for p in layered.parameters if values.get(p.id) != p.value}
    return with_parameters(layered, changed) if changed else layered
