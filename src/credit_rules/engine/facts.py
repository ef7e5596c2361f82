"""Derive the facts of one assessment, in one pass over what the subject's history holds.

Each trigger kind has its own plan: the facts every rule may use, plus the facts declared for
that trigger (which read ``trigger.<field>``). Plans are compiled once per engine; computing one
is a few list scans over a subject's few records and events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from credit_rules.engine.closures import Compiled, WorkingDays, compile_expr
from credit_rules.engine.history import Record, Trigger
from credit_rules.model.events import Event
from credit_rules.ruleset import ir


@dataclass(frozen=True, slots=True)
class Assessment:
    """What is known when a trigger is assessed on the first day (``point``) of a segment."""

    subject_kind: str
    trigger: Trigger
    point: dt.date
    view: Mapping[str, list[Record]]
    events_by_type: Mapping[str, Sequence[Event]]


Step = Callable[[dict[str, Any], Assessment], Any]


class FactPlan:
    """The facts for one trigger kind, compiled to steps run in declaration order."""

    def __init__(
        self,
        facts: Sequence[ir.Fact],
        parameters: Mapping[str, ir.ParameterValue],
        calendar: WorkingDays | None,
    ) -> None:
        self._steps: tuple[tuple[str, Step], ...] = tuple(
            (fact.id, _step(fact.derivation, parameters, calendar)) for fact in facts
        )

    def environment(self, assessment: Assessment) -> dict[str, Any]:
        trigger = assessment.trigger
        env: dict[str, Any] = {
            "trigger_date": trigger.date,
            "subject_kind": assessment.subject_kind,
            "trigger": trigger.event,
        }
        for name, step in self._steps:
            env[name] = step(env, assessment)
        return env


def _step(
    derivation: ir.Derivation,
    parameters: Mapping[str, ir.ParameterValue],
    calendar: WorkingDays | None,
) -> Step:
    def compiled(expr: Any) -> Compiled | None:
        return None if expr is None else compile_expr(expr, parameters, calendar)

    if isinstance(derivation, ir.Computed):
        function = compile_expr(derivation.expr, parameters, calendar)
        return lambda env, assessment: function(env)
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        return _register_step(derivation, compiled(derivation.where))
    return _query_step(derivation, compiled(derivation.where), compiled(derivation.value))


def _register_step(derivation: ir.CountOf | ir.LatestEntryOf, where: Compiled | None) -> Step:
    register = derivation.register
    on_trigger = derivation.valid_on == "trigger"
    counting = isinstance(derivation, ir.CountOf)

    def step(env: dict[str, Any], assessment: Assessment) -> Any:
        day = assessment.trigger.date if on_trigger else assessment.point
        entries = []
        for record in assessment.view[register]:
            if not record.entered <= day <= record.last_valid:
                continue
            if where is not None:
                env["record"] = record.event
                if not where(env):
                    continue
            entries.append(record.entered)
        env.pop("record", None)
        if counting:
            return len(entries)
        return max(entries) if entries else None

    return step


def _query_step(derivation: ir.EventQuery, where: Compiled | None, value: Compiled | None) -> Step:
    event_type, pick = derivation.event_type, derivation.pick

    def step(env: dict[str, Any], assessment: Assessment) -> Any:
        point = assessment.point
        matches = []
        for event in assessment.events_by_type.get(event_type, ()):
            if event.date > point:
                break  # events are in date order: the rest had not happened yet
            if where is not None:
                env["event"] = event
                if not where(env):
                    continue
            matches.append(event)
        env.pop("event", None)
        if pick == "count":
            return len(matches)
        if pick == "collect":
            assert value is not None  # the loader requires a value to collect
            collected = []
            for match in matches:
                env["event"] = match
                collected.append(value(env))
            env.pop("event", None)
            return tuple(collected)
        if not matches:
            return None
        match = matches[0] if pick == "first" else matches[-1]
        if value is None:
            return match.date
        env["event"] = match
        result = value(env)
        env.pop("event", None)
        return result

    return step
