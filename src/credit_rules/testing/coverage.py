"""Article coverage: which articles of a regulation the scenario files actually exercise.

A ruleset is only as trustworthy as the cases run against it. For each article this reports the
rules that cite it, how many scenarios exercised it, the rules citing it that never fired and
the parameters citing it that no fired rule read.

A scenario exercises an article that rules cite when one of those rules fired in it (its
condition held on some assessment, even if a higher rung then won): reading Art 10's threshold
to decide that one record is not two does not exercise Art 10's measures. An article no rule
cites (a definition, a validity period, the in-force date) is exercised when something citing
it did work: a fact, parameter or register a fired rule depends on, a vocabulary term the
scenario's events or subjects use (Ganzhou Art 18's grounds, Art 2's kinds of subject), or the
in-force date every evaluation checks. "via" lists every kind of evidence seen, exercising or
not. Only scenarios with ``expect:`` count: an example that checks nothing covers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credit_rules.engine.engine import Engine
from credit_rules.model.events import Event
from credit_rules.ruleset import ir
from credit_rules.ruleset.lint import uses
from credit_rules.scenario import Scenario


@dataclass(frozen=True)
class ArticleCoverage:
    """How one article fared across the scenarios of its ruleset."""

    article: int
    role: str
    rules: tuple[str, ...]
    scenarios: int
    via: tuple[str, ...]
    never_fired: tuple[str, ...]
    never_read: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return self.role != "executable" or self.scenarios > 0


@dataclass(frozen=True)
class RulesetCoverage:
    """Coverage of one ruleset (one exact text of it, by digest)."""

    id: str
    version: str
    digest: str
    scenarios: int
    articles: tuple[ArticleCoverage, ...]
    never_fired: tuple[str, ...]
    never_read: tuple[str, ...]

    @property
    def uncovered(self) -> tuple[int, ...]:
        """Executable articles that no scenario exercised."""
        return tuple(a.article for a in self.articles if not a.covered)


@dataclass(frozen=True)
class Coverage:
    """Coverage of every ruleset the scenarios used."""

    rulesets: tuple[RulesetCoverage, ...]

    @property
    def complete(self) -> bool:
        return all(not r.uncovered for r in self.rulesets)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON data, for CI."""
        return {
            "complete": self.complete,
            "rulesets": [
                {
                    "id": r.id,
                    "version": r.version,
                    "digest": r.digest,
                    "scenarios": r.scenarios,
                    "uncovered_executable_articles": list(r.uncovered),
                    "rules_never_fired": list(r.never_fired),
                    "parameters_never_read": list(r.never_read),
                    "articles": [
                        {
                            "article": a.article,
                            "role": a.role,
                            "covered": a.covered,
                            "rules": list(a.rules),
                            "scenarios": a.scenarios,
                            "via": list(a.via),
                            "rules_never_fired": list(a.never_fired),
                            "parameters_never_read": list(a.never_read),
                        }
                        for a in r.articles
                    ],
                }
                for r in self.rulesets
            ],
        }


@dataclass
class _Tally:
    ruleset: ir.Ruleset
    scenarios: int = 0
    fired: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    #: article -> number of scenarios that exercised it, and the kinds of evidence seen.
    exercised: dict[int, int] = field(default_factory=dict)
    via: dict[int, set[str]] = field(default_factory=dict)
    cited_by_rules: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        self.cited_by_rules = frozenset(c.article for r in self.ruleset.rules for c in r.cites)


class CoverageCollector:
    """Collects, scenario by scenario, what each evaluation exercised."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def add(self, scenario: Scenario, engine: Engine) -> None:
        """Record what ``scenario`` exercised; one without ``expect:``, or one whose history
        is expected to be refused (nothing fires on it), is skipped."""
        if scenario.expect is None or scenario.expect.error is not None:
            return
        ruleset = scenario.ruleset
        tally = self._tallies.setdefault(ruleset.digest, _Tally(ruleset))
        tally.scenarios += 1
        fired: set[str] = set()
        for subject in scenario.subjects:
            for assessed in engine.assessments(subject, scenario.events, scenario.as_of):
                fired.update(assessed.firing)
        tally.fired |= fired
        evidence = _evidence(ruleset, fired, scenario)
        tally.read |= {p for p in evidence.get("parameter", ()) if isinstance(p, str)}
        articles: dict[int, set[str]] = {}
        for kind, names in evidence.items():
            for cite in _cites_of(ruleset, kind, names):
                articles.setdefault(cite, set()).add(kind)
        for article, kinds in articles.items():
            tally.via.setdefault(article, set()).update(kinds)
            if "rule" in kinds or article not in tally.cited_by_rules:
                tally.exercised[article] = tally.exercised.get(article, 0) + 1

    def report(self) -> Coverage:
        return Coverage(tuple(_report(t) for t in self._tallies.values()))


def measure(runs: Iterable[tuple[Scenario, Engine]]) -> Coverage:
    """Coverage of the scenarios given, each with the engine that evaluates its ruleset."""
    collector = CoverageCollector()
    for scenario, engine in runs:
        collector.add(scenario, engine)
    return collector.report()


_VIA_ORDER = ("rule", "fact", "parameter", "register", "outcome", "term", "in force")


def _evidence(ruleset: ir.Ruleset, fired: set[str], scenario: Scenario) -> dict[str, set[str]]:
    rules = [r for r in ruleset.rules if r.id in fired]
    used = uses(ruleset, rules)
    words = _words(scenario.events, scenario.subjects)
    return {
        "rule": {r.id for r in rules},
        "fact": set(used.facts),
        "parameter": set(used.parameters),
        "register": set(used.registers),
        "outcome": {r.outcome for r in rules},
        "term": {t.id for t in ruleset.terms if t.id in words},
        "in force": {"in_force_from"},
    }


def _cites_of(ruleset: ir.Ruleset, kind: str, names: Iterable[str]) -> set[int]:
    wanted = set(names)
    entries: Mapping[str, tuple[tuple[str, tuple[ir.Cite, ...]], ...]] = {
        "rule": tuple((r.id, r.cites) for r in ruleset.rules),
        "fact": tuple((f.id, f.cites) for f in ruleset.facts),
        "parameter": tuple((p.id, p.cites) for p in ruleset.parameters),
        "register": tuple((r.id, r.cites) for r in ruleset.registers),
        "outcome": tuple((o.id, o.cites) for o in ruleset.outcomes),
        "term": tuple((t.id, t.cites) for t in ruleset.terms),
        "in force": (("in_force_from", ruleset.in_force_cites),),
    }
    return {c.article for name, cites in entries[kind] if name in wanted for c in cites}


def _words(events: Iterable[Event], subjects: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every text a scenario's events and subjects carry: event types, categories, grounds,
    materials, kinds of subject; the vocabulary terms among them are what the scenario uses."""
    found: set[str] = set()
    for event in events:
        for value in event.model_dump().values():
            values = value if isinstance(value, list | tuple) else (value,)
            found.update(str(v) for v in values if isinstance(v, str))
    for subject in subjects:
        kind = subject.get("kind")
        if isinstance(kind, str):
            found.add(kind)
    return found


def _report(tally: _Tally) -> RulesetCoverage:
    ruleset = tally.ruleset
    never_fired = tuple(r.id for r in ruleset.rules if r.id not in tally.fired)
    never_read = tuple(p.id for p in ruleset.parameters if p.id not in tally.read)
    articles = []
    for article in ruleset.articles:
        number = article.number
        citing = tuple(r.id for r in ruleset.rules if any(c.article == number for c in r.cites))
        params = {p.id for p in ruleset.parameters if any(c.article == number for c in p.cites)}
        via = tally.via.get(number, set())
        articles.append(
            ArticleCoverage(
                article=number,
                role=article.role,
                rules=citing,
                scenarios=tally.exercised.get(number, 0),
                via=tuple(kind for kind in _VIA_ORDER if kind in via),
                never_fired=tuple(r for r in citing if r in never_fired),
                never_read=tuple(p for p in never_read if p in params),
            )
        )
    return RulesetCoverage(
        id=ruleset.id,
        version=ruleset.version,
        digest=ruleset.digest,
        scenarios=tally.scenarios,
        articles=tuple(articles),
        never_fired=never_fired,
        never_read=never_read,
    )
