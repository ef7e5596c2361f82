"""Deadline rules: from a rule's start and period to a counted, explainable clock.

The counting itself belongs to :mod:`credit_rules.calendar`; this module gathers what the
history says about one deadline (periods excluded by later events, extensions granted) and
turns the calendar's clock into the result services see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from credit_rules.calendar import DeadlineClock, ExcludedPeriod, Extension, WorkingCalendar
from credit_rules.engine.facts import Compiler, Env, EventSelector
from credit_rules.engine.history import History, Occasion
from credit_rules.errors import HistoryError, Problem
from credit_rules.i18n import Message
from credit_rules.model.events import Event
from credit_rules.model.results import Deadline, ExcludedDays, Provenance
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
        compiler = Compiler(parameters, calendar)
        self._excluding = rule.excluding
        self._excluded = (
            compiler.selector(rule.excluding.event_type, rule.excluding.where, ("x", rule.id))
            if rule.excluding is not None
            else None
        )
        self._extension = rule.extended_by
        self._extended = (
            compiler.selector(rule.extended_by.event_type, rule.extended_by.where, ("e", rule.id))
            if rule.extended_by is not None
            else None
        )
        cap = parameters[rule.extended_by.cap] if rule.extended_by else None
        self._cap = cap if isinstance(cap, int) and not isinstance(cap, bool) else None

    @property
    def selectors(self) -> tuple[EventSelector, ...]:
        """What the clock reads of the history besides the rule's facts."""
        return tuple(s for s in (self._excluded, self._extended) if s is not None)

    def clock(
        self, start: dt.date, occasion: Occasion, env: Env, history: History, day: dt.date
    ) -> DeadlineClock:
        """The clock as everything known on ``day`` sets it."""
        excluded: tuple[ExcludedPeriod, ...] = ()
        if self._excluding is not None and self._excluded is not None:
            spec = self._excluding
            excluded = tuple(
                ExcludedPeriod(
                    event.date,
                    event.__dict__[spec.until_field],
                    str(event.__dict__[spec.reason_field]),
                )
                for event in self._excluded.select(env, history, day)
            )
        extensions: tuple[Extension, ...] = ()
        if self._extension is not None and self._extended is not None:
            granted = self._extended.select(env, history, day)
            limit = self._extension.max_times
            if limit is not None and len(granted) > limit:
                days = ", ".join(event.date.isoformat() for event in granted)
                raise HistoryError(
                    None,
                    [
                        Problem(
                            Message(
                                "{rule}: {count} extensions ({days}) where at most {limit} is "
                                "allowed",
                                rule=self.rule.id,
                                count=len(granted),
                                days=days,
                                limit=limit,
                            ),
                            field=self._extension.event_type,
                        )
                    ],
                )
            extensions = self._running(start, occasion, excluded, granted)
        return self._counted(start, occasion, excluded, extensions)

    def _running(
        self,
        start: dt.date,
        occasion: Occasion,
        excluded: tuple[ExcludedPeriod, ...],
        granted: Sequence[Event],
    ) -> tuple[Extension, ...]:
        """The extensions granted while the period ran, in the history's order: one dated
        before its start, or after its due day as the extensions before it set it, extends
        nothing. A period that has run out cannot be extended (as a suspension dated after
        the due day suspends nothing), and its deadline stays missed."""
        assert self._extension is not None
        field = self._extension.field
        counted: list[Extension] = []
        for event in granted:
            if start <= event.date <= self._counted(start, occasion, excluded, tuple(counted)).due:
                counted.append(Extension(int(event.__dict__[field]), f"{event.type} {event.date}"))
        return tuple(counted)

    def _counted(
        self,
        start: dt.date,
        occasion: Occasion,
        excluded: tuple[ExcludedPeriod, ...],
        extensions: tuple[Extension, ...],
    ) -> DeadlineClock:
        return self.calendar.deadline(
            start,
            self.period.count,
            self.period.unit,
            kind="act",
            start_event=occasion.trigger.label(),
            rule=self.rule.id,
            excluded=excluded,
            extensions=extensions,
            extension_cap=self._cap,
        )


def deadline_result(
    subject: str, occasion: Occasion, clock: DeadlineClock, provenance: Provenance
) -> Deadline:
    """The service-facing result for one clock."""
    return Deadline(
        subject=subject,
        name=provenance.text.outcome,
        start=clock.start,
        due=clock.due,
        provisional=clock.provisional,
        rule=provenance.text.rule,
        trigger=occasion.trigger,
        provenance=provenance,
        unit=clock.unit,
        count=clock.count,
        excluded=tuple(
            ExcludedDays.model_construct(first=p.first, last=p.last, reason=p.reason)
            for p in clock.excluded
        ),
        extended_by=clock.extended_by,
        provisional_reason=clock.provisional_reason,
    )
