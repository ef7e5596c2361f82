"""What each rule reads, once its parameters are known, and the fixed text of its explanations.

A rule's provenance lists the facts it actually read. Parameters are constants of a ruleset, so
they are folded in before anything runs: Lianyungang's ``record_count`` is
``records_in_force if measure_ends_when_older_record_expires else records_at_entry``, and with
the default parameter it reads ``records_at_entry`` only. The branch the parameters rule out is
neither computed nor shown, and a trigger is not reassessed when only that branch would change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from credit_rules.model.results import Citation, Reason, RuleText, described
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import fold, with_dependencies
from credit_rules.ruleset.expressions import Expr, names_in

Parameters = Mapping[str, ir.ParameterValue]


def citations(ruleset: ir.Ruleset, cites: Iterable[ir.Cite]) -> tuple[Citation, ...]:
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


def read_by(expr: Expr | None, parameters: Parameters) -> tuple[str, ...]:
    """The names ``expr`` reads once the parameters are folded in."""
    return () if expr is None else names_in(fold(expr, parameters))


def fact_reads(fact: ir.Fact, parameters: Parameters) -> tuple[str, ...]:
    """The names a fact's derivation reads (its where, value or expression)."""
    derivation = fact.derivation
    if isinstance(derivation, ir.Computed):
        return read_by(derivation.expr, parameters)
    if isinstance(derivation, ir.EventQuery):
        return read_by(derivation.where, parameters) + read_by(derivation.value, parameters)
    return read_by(derivation.where, parameters)


def facts_behind(
    names: Iterable[str], facts: Mapping[str, ir.Fact], parameters: Parameters
) -> frozenset[str]:
    """The facts among ``names`` and every fact they are derived from, transitively."""
    wanted = list(names)
    found: set[str] = set()
    while wanted:
        name = wanted.pop()
        fact = facts.get(name)
        if name in found or fact is None:
            continue
        found.add(name)
        wanted.extend(fact_reads(fact, parameters))
    return frozenset(found)


def rule_reads(
    rule: ir.Rule, facts: Mapping[str, ir.Fact], parameters: Parameters
) -> tuple[str, ...]:
    """What a rule reads under the ruleset's parameters, in the order of ``rule.reads``: the
    facts its folded expressions and its ``shows`` need, with their chains, and every parameter
    it names (their values are what the folding used, so an explanation still shows them)."""
    used = with_dependencies(
        (
            *read_by(rule.when, parameters),
            *read_by(rule.from_, parameters),
            *read_by(rule.until, parameters),
            *rule.shows,
        ),
        facts,
        lambda expr: read_by(expr, parameters),
    )
    kept = set(used)
    return tuple(name for name in rule.reads if name in kept or name in parameters)


def rule_text(
    ruleset: ir.Ruleset,
    rule: ir.Rule,
    reads: tuple[str, ...],
    cites: tuple[Citation, ...],
) -> RuleText:
    """The fixed parts of a rule's explanation: parameters with their values, overrides by
    layers, what the outcome means, and where each fact's value goes."""
    parameters = ruleset.parameter_values()
    facts = {fact.id: fact for fact in ruleset.facts}
    steps: list[Reason | int] = []
    names: list[str] = []
    texts: list[tuple[str, str]] = []
    overrides: list[Reason | None] = []
    layer = ruleset.overridden.get(f"rules.{rule.id}")
    if layer is not None:
        steps.append(_override("rule", rule.id, layer))
    for name in reads:
        if name == "trigger_date":
            continue
        if name in parameters:
            text = ruleset.parameter(name).description
            steps.append(_fixed(name, parameters[name], text))
            layer = ruleset.overridden.get(f"parameters.{name}")
            if layer is not None:
                steps.append(_override("parameter", name, layer))
            continue
        steps.append(len(names))
        names.append(name)
        if name == "subject_kind":
            texts.append(("信用主体类别", "Kind of subject"))
            overrides.append(None)
            continue
        description = facts[name].description
        texts.append((description.zh, description.en))
        layer = ruleset.overridden.get(f"facts.{name}")
        overrides.append(_override("fact", name, layer) if layer is not None else None)
    # Last, what the outcome means, in the ruleset's words (for example that a supplier's case
    # goes to procurement rules outside the ruleset, Ganzhou Art 15).
    outcome = ruleset.outcome(rule.outcome).description
    steps.append(Reason(name="outcome", value=rule.outcome, en=outcome.en, zh=outcome.zh))
    return RuleText(
        rule=rule.id,
        outcome=rule.outcome,
        fact_names=tuple(names),
        fact_texts=tuple(texts),
        fact_overrides=tuple(overrides),
        parameters=tuple((n, parameters[n]) for n in reads if n in parameters),
        steps=tuple(steps),
        cites=cites,
        trigger_zh=trigger_name(ruleset, rule).zh,
    )


def trigger_name(ruleset: ir.Ruleset, rule: ir.Rule) -> ir.Text:
    """The event that triggers ``rule`` (a register's entering event, for a rule on a
    register), in the ruleset's words; its id in both languages where the ruleset describes
    no such event."""
    event = rule.on
    if rule.on_register:
        event = next((r.entered_by for r in ruleset.registers if r.id == rule.on), rule.on)
    term = next((t for t in ruleset.terms if t.id == event and t.kind == "event"), None)
    return term.description if term is not None else ir.Text(zh=event, en=event)


def _fixed(name: str, value: Any, text: ir.Text) -> Reason:
    return described(name, value, text.zh, text.en)


def _override(kind: str, name: str, layer: str) -> Reason:
    """Say that a higher-level layer replaced what the base ruleset had (Ganzhou Art 28)."""
    return Reason(
        name="override",
        value=f"{kind} {name} set by {layer}",
        en=f"The {kind} {name} is as {layer} sets it, overriding the base ruleset",
        zh=f"{name}按{layer}的规定执行（上级规定优先）",
    )
