"""Turn what a rule read into citations and reasons a person can check against the law."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from credit_rules.engine.history import Trigger
from credit_rules.model._fast import construct
from credit_rules.model.results import Citation, Reason, ReasonValue
from credit_rules.periods import Period
from credit_rules.ruleset import ir


def citations(ruleset: ir.Ruleset, cites: tuple[ir.Cite, ...]) -> tuple[Citation, ...]:
    """Quote each cited article, or the cited item of it, in both languages."""
    quoted = []
    for cite in cites:
        article = ruleset.article(cite.article)
        item = article.item(cite.item) if cite.item is not None else None
        source = item if item is not None else article
        quoted.append(
            Citation.model_construct(
                article=cite.article, item=cite.item, zh=source.zh, en=source.en
            )
        )
    return tuple(quoted)


def _value(value: Any) -> ReasonValue:
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, bool | int | str | dt.date) or value is None:
        return value
    return str(value)


def _shown(value: ReasonValue) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def trigger_reason(trigger: Trigger) -> Reason:
    """What set the rule off: the event, its record if any, and its date."""
    what = f"{trigger.event.type} {trigger.key}".strip()
    day = trigger.date.isoformat()
    return construct(
        Reason,
        name="trigger",
        value=f"{what} on {day}",
        en=f"Triggered by {what} on {day}",
        zh=f"触发事件：{day} {what}",
    )


class Explainer:
    """Builds the ``because`` of results for one ruleset, doing the constant work once.

    What a parameter says, what an outcome means and which entries a layer overrode never
    change for a ruleset, so those reasons are made once per rule. A fact's reason depends only
    on its name and value, so recent ones are reused (a bounded cache: a service that runs for
    months must not grow without end). Only the trigger's reason is new for every decision.
    """

    def __init__(self, ruleset: ir.Ruleset) -> None:
        self._ruleset = ruleset
        self._plans = {rule.id: self._plan(rule) for rule in ruleset.rules}
        self._fact_reason = functools.lru_cache(maxsize=1 << 16)(self._build_fact_reason)

    def reasons(
        self, rule: ir.Rule, env: Mapping[str, Any], trigger: Trigger
    ) -> tuple[Reason, ...]:
        """The trigger, then every fact and parameter the rule read, with its value, then what
        the outcome means."""
        found = [trigger_reason(trigger)]
        for step in self._plans[rule.id]:
            if isinstance(step, Reason):
                found.append(step)
            elif step == "subject_kind":
                found.append(self._fact_reason(step, str(env.get(step))))
            else:
                found.append(self._fact_reason(step, _value(env.get(step))))
                override = self._ruleset.overridden.get(f"facts.{step}")
                if override is not None:
                    found.append(_override("fact", step, override))
        return tuple(found)

    def _plan(self, rule: ir.Rule) -> tuple[Reason | str, ...]:
        ruleset = self._ruleset
        parameters = ruleset.parameter_values()
        steps: list[Reason | str] = []
        layer = ruleset.overridden.get(f"rules.{rule.id}")
        if layer is not None:
            steps.append(_override("rule", rule.id, layer))
        for name in rule.reads:
            if name == "trigger_date":
                continue
            if name not in parameters:
                steps.append(name)  # a fact (or the subject's kind): its value varies
                continue
            described = ruleset.parameter(name).description
            steps.append(_described(name, _value(parameters[name]), described))
            layer = ruleset.overridden.get(f"parameters.{name}")
            if layer is not None:
                steps.append(_override("parameter", name, layer))
        # Last, what the outcome means, in the ruleset's words (for example that a supplier's
        # case goes to procurement rules outside the ruleset, Ganzhou Art 15).
        outcome = ruleset.outcome(rule.outcome).description
        steps.append(
            construct(Reason, name="outcome", value=rule.outcome, en=outcome.en, zh=outcome.zh)
        )
        return tuple(steps)

    def _build_fact_reason(self, name: str, value: ReasonValue) -> Reason:
        if name == "subject_kind":
            return construct(
                Reason,
                name=name,
                value=value,
                en=f"Kind of subject: {value}",
                zh=f"信用主体类别：{value}",
            )
        return _described(name, value, self._ruleset.fact(name).description)


def _described(name: str, value: ReasonValue, described: ir.Text) -> Reason:
    shown = _shown(value)
    return construct(
        Reason, name=name, value=value, en=f"{described.en}: {shown}", zh=f"{described.zh}：{shown}"
    )


def _override(kind: str, name: str, layer: str) -> Reason:
    """Say that a higher-level layer replaced what the base ruleset had (Ganzhou Art 28)."""
    return construct(
        Reason,
        name="override",
        value=f"{kind} {name} set by {layer}",
        en=f"The {kind} {name} is as {layer} sets it, overriding the base ruleset",
        zh=f"{name}按{layer}的规定执行（上级规定优先）",
    )
