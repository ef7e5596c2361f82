"""Turn what a rule read into citations and reasons a person can check against the law."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from credit_rules.engine.history import Trigger
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
    return Reason.model_construct(
        name="trigger",
        value=f"{what} on {day}",
        en=f"Triggered by {what} on {day}",
        zh=f"触发事件：{day} {what}",
    )


def reasons(
    ruleset: ir.Ruleset, rule: ir.Rule, env: Mapping[str, Any], trigger: Trigger
) -> tuple[Reason, ...]:
    """The trigger, then every fact and parameter the rule read, with its value."""
    parameters = ruleset.parameter_values()
    found = [trigger_reason(trigger)]
    layer = ruleset.overridden.get(f"rules.{rule.id}")
    if layer is not None:
        found.append(_override("rule", rule.id, layer))
    for name in rule.reads:
        if name == "trigger_date":
            continue
        if name == "subject_kind":
            kind = str(env.get(name))
            found.append(
                Reason.model_construct(
                    name=name, value=kind, en=f"Kind of subject: {kind}", zh=f"信用主体类别：{kind}"
                )
            )
            continue
        if name in parameters:
            described = ruleset.parameter(name).description
            value = _value(parameters[name])
        else:
            described = ruleset.fact(name).description
            value = _value(env.get(name))
        shown = _shown(value)
        found.append(
            Reason.model_construct(
                name=name,
                value=value,
                en=f"{described.en}: {shown}",
                zh=f"{described.zh}：{shown}",
            )
        )
        section = "parameters" if name in parameters else "facts"
        layer = ruleset.overridden.get(f"{section}.{name}")
        if layer is not None:
            found.append(_override(section[:-1], name, layer))
    # Last, what the outcome means, in the ruleset's words (for example that a supplier's case
    # goes to procurement rules outside the ruleset, Ganzhou Art 15).
    outcome = ruleset.outcome(rule.outcome).description
    found.append(
        Reason.model_construct(name="outcome", value=rule.outcome, en=outcome.en, zh=outcome.zh)
    )
    return tuple(found)


def _override(kind: str, name: str, layer: str) -> Reason:
    """Say that a higher-level layer replaced what the base ruleset had (Ganzhou Art 28)."""
    return Reason.model_construct(
        name="override",
        value=f"{kind} {name} set by {layer}",
        en=f"The {kind} {name} is as {layer} sets it, overriding the base ruleset",
        zh=f"{name}按{layer}的规定执行（上级规定优先）",
    )
