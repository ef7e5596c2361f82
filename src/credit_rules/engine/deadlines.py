"""Deadline rules: from a rule's start and period to a counted, explainable clock.

The counting itself belongs to :mod:`credit_rules.calendar`; this module gathers what the
history says about one deadline (periods excluded by later events, extensions granted) and
turns the calendar's clock into the result services see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from credit_rules.calendar import DeadlineClock, ExcludedPeriod, Extension, WorkingCalendar
from credit_rules.engine.closures import Compiled, compile_expr
from credit_rules.engine.facts import Assessment
from credit_rules.engine.history import Trigger
from credit_rules.errors import HistoryError, Problem
from credit_rules.model._fast import construct
from credit_rules.model.events import Event
from credit_rules.model.results import Citation, Deadline, ExcludedDays, Reason
from credit_rules.periods import Period
from credit_rules.ruleset import ir


class CompiledDeadline:
    """One deadline rule, compiled once per engine."""

    def __init__(
        self, rule: ir.Rule, parameters: Mapping[str, ir.ParameterValue], calendar: WorkingCalendar
    ) -> None:
        assert rule.period is not None  # the loader requires a period on deadline rules
        period = parameters[rule.period]
        assert isinstance(period, Period)
        self.rule = rule
        self.period = period
        self.calendar = calendar

        def where(expr: Any) -> Compiled | None:
            return None if expr is None else compile_expr(expr, parameters, calendar)

        self._excluding = rule.excluding
        self._excluding_where = where(rule.excluding.where) if rule.excluding else None
        self._extension = rule.extended_by
        self._extension_where = where(rule.extended_by.where) if rule.extended_by else None
        cap = parameters[rule.extended_by.cap] if rule.extended_by else None
        self._cap = cap if isinstance(cap, int) and not isinstance(cap, bool) else None

    def clock(
        self, start: dt.date, trigger: Trigger, env: dict[str, Any], assessment: Assessment
    ) -> DeadlineClock:
        excluded = (
            tuple(
                ExcludedPeriod(
                    event.date,
                    getattr(event, self._excluding.until_field),
                    str(getattr(event, self._excluding.reason_field)),
                )
                for event in self._matching(self._excluding, self._excluding_where, env, assessment)
            )
            if self._excluding
            else ()
        )
        extensions: tuple[Extension, ...] = ()
        if self._extension is not None:
            granted = self._matching(self._extension, self._extension_where, env, assessment)
            limit = self._extension.max_times
            if limit is not None and len(granted) > limit:
                days = ", ".join(event.date.isoformat() for event in granted)
                raise HistoryError(
                    None,
                    [
                        Problem(
                            f"{self.rule.id}: {len(granted)} extensions ({days}) where at most "
                            f"{limit} is allowed",
                            field=self._extension.event_type,
                        )
                    ],
                )
            extensions = tuple(
                Extension(int(getattr(event, self._extension.field)), f"{event.type} {event.date}")
                for event in granted
            )
        return self.calendar.deadline(
            start,
            self.period.count,
            self.period.unit,
            kind="act",
            start_event=f"{trigger.event.type} {trigger.key}".strip(),
            rule=self.rule.id,
            excluded=excluded,
            extensions=extensions,
            extension_cap=self._cap,
        )

    @staticmethod
    def _matching(
        spec: ir.Exclusion | ir.Extension,
        where: Compiled | None,
        env: dict[str, Any],
        assessment: Assessment,
    ) -> list[Event]:
        found = []
        for event in assessment.events_by_type.get(spec.event_type, ()):
            if event.date > assessment.point:
                break
            if where is not None:
                env["event"] = event
                if not where(env):
                    continue
            found.append(event)
        env.pop("event", None)
        return found


def compile_deadline(
    rule: ir.Rule, parameters: Mapping[str, ir.ParameterValue], calendar: WorkingCalendar
) -> CompiledDeadline:
    return CompiledDeadline(rule, parameters, calendar)


def deadline_result(
    subject: str,
    rule: ir.Rule,
    clock: DeadlineClock,
    cites: tuple[Citation, ...],
    because: tuple[Reason, ...],
) -> Deadline:
    """The service-facing result for one clock."""
    return construct(
        Deadline,
        subject=subject,
        name=rule.outcome,
        start=clock.start,
        due=clock.due,
        provisional=clock.provisional,
        rule=rule.id,
        cites=cites,
        unit=clock.unit,
        count=clock.count,
        excluded=tuple(
            construct(ExcludedDays, first=p.first, last=p.last, reason=p.reason)
            for p in clock.excluded
        ),
        extended_by=clock.extended_by,
        provisional_reason=clock.provisional_reason,
        because=because,
    )
