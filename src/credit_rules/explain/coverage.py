"""Article coverage: which articles of a regulation the scenario files actually exercise.

This is the one definition of coverage (docs/decisions/0008): ``credit-rules test --coverage``
and the generated ruleset pages of ``credit-rules docs`` both count with :func:`exercised`, so
the table in CI and the page a reader opens can never disagree about an article. It lives in
``explain`` rather than ``testing`` because the pages are built here and nothing may import
upwards.

A scenario exercises an article that rules cite when one of those rules fired in it (its
condition held on some assessment, even if a higher rung then won): reading Art 10's threshold
to decide that one record is not two does not exercise Art 10's measures. An article no rule
cites (a definition, a validity period, the in-force date) is exercised when something citing
it did work: a fact, parameter or register a fired rule depends on, a vocabulary term the
scenario's events or subjects use (Ganzhou Art 18's grounds, Art 2's kinds of subject), or the
in-force date every evaluation checks. "via" lists every kind of evidence seen, exercising or
not. Only scenarios with ``expect:`` count: an example that checks nothing covers nothing. A
file's name counts for nothing either: ``art14-...`` is a promise, not evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credit_rules.engine.by_text import EnginesByText
from credit_rules.engine.engine import Engine
from credit_rules.errors import CreditRulesError
from credit_rules.model.events import Event
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import uses
from credit_rules.scenario import Scenario


@dataclass(frozen=True)
class Exercise:
    """How one scenario exercised one article: the rules citing it that fired (empty for an
    article no rule cites) and the kinds of evidence seen."""

    scenario: str
    rules: tuple[str, ...]
    via: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioExercise:
    """What one scenario exercised of one ruleset."""

    scenario: str
    fired: frozenset[str]
    read: frozenset[str]
    #: article -> the kinds of evidence seen for it, whether or not they exercise it.
    evidence: Mapping[int, frozenset[str]]
    #: the articles this scenario exercised, with how.
    articles: Mapping[int, Exercise]


@dataclass(frozen=True)
class ArticleCoverage:
    """How one article fared across the scenarios of its ruleset."""

    article: int
    role: str
    rules: tuple[str, ...]
    via: tuple[str, ...]
    never_fired: tuple[str, ...]
    never_read: tuple[str, ...]
    #: the scenarios that exercised the article, by path.
    exercised_by: tuple[Exercise, ...] = ()

    @property
    def scenarios(self) -> int:
        return len(self.exercised_by)

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

    def article(self, number: int) -> ArticleCoverage:
        return next(a for a in self.articles if a.article == number)


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
                            "exercised_by": [e.scenario for e in a.exercised_by],
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


_VIA_ORDER = ("rule", "fact", "parameter", "register", "outcome", "term", "in force")


def exercised(ruleset: ir.Ruleset, engine: Engine, scenario: Scenario) -> ScenarioExercise | None:
    """What ``scenario`` exercised of ``ruleset``, evaluated by ``engine`` (built for it).

    None when the scenario counts for nothing: it has no ``expect:``, is written in another
    vocabulary, or cannot be evaluated (bad input, a date out of force), since a scenario that
    never ran checked nothing.
    """
    if scenario.expect is None or scenario.ruleset.vocabulary != ruleset.vocabulary:
        return None
    if scenario.expect.error is not None:
        return None  # its history is expected to be refused: nothing fires on it
    fired: set[str] = set()
    try:
        for subject in scenario.subjects:
            for assessed in engine.assessments(subject, scenario.events, as_of=scenario.as_of):
                fired.update(assessed.firing)
    except CreditRulesError:
        return None
    found = _evidence(ruleset, fired, scenario)
    cited_by_rules = {c.article for r in ruleset.rules for c in r.cites}
    evidence: dict[int, set[str]] = {}
    for kind, names in found.items():
        for cite in _cites_of(ruleset, kind, names):
            evidence.setdefault(cite, set()).add(kind)
    articles: dict[int, Exercise] = {}
    for article, kinds in evidence.items():
        if "rule" in kinds or article not in cited_by_rules:
            rules = tuple(
                r.id
                for r in ruleset.rules
                if r.id in fired and any(c.article == article for c in r.cites)
            )
            via = tuple(kind for kind in _VIA_ORDER if kind in kinds)
            articles[article] = Exercise(scenario.path, rules, via)
    return ScenarioExercise(
        scenario=scenario.path,
        fired=frozenset(fired),
        read=frozenset(found["parameter"]),
        evidence={a: frozenset(k) for a, k in evidence.items()},
        articles=articles,
    )


@dataclass
class _Tally:
    ruleset: ir.Ruleset
    scenarios: int = 0
    fired: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    exercised_by: dict[int, list[Exercise]] = field(default_factory=dict)
    via: dict[int, set[str]] = field(default_factory=dict)


class CoverageCollector:
    """Collects, scenario by scenario, what each evaluation exercised."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def include(self, ruleset: ir.Ruleset) -> None:
        """Report on ``ruleset`` even if no scenario exercises it."""
        self._tallies.setdefault(ruleset.digest, _Tally(ruleset))

    def add(self, scenario: Scenario, engine: Engine, ruleset: ir.Ruleset | None = None) -> None:
        """Record what ``scenario`` exercised of ``ruleset`` (by default the one it names); one that
        counts for nothing (see :func:`exercised`) is skipped."""
        target = ruleset if ruleset is not None else scenario.base
        found = exercised(target, engine, scenario)
        if found is None:
            return
        tally = self._tallies.setdefault(target.digest, _Tally(target))
        tally.scenarios += 1
        tally.fired |= found.fired
        tally.read |= found.read
        for article, kinds in found.evidence.items():
            tally.via.setdefault(article, set()).update(kinds)
        for article, exercise in found.articles.items():
            tally.exercised_by.setdefault(article, []).append(exercise)

    def report(self) -> Coverage:
        return Coverage(tuple(_report(t) for t in self._tallies.values()))


def measure(runs: Iterable[tuple[Scenario, Engine]]) -> Coverage:
    """Coverage of the scenarios given, each with the engine that evaluates its ruleset."""
    collector = CoverageCollector()
    for scenario, engine in runs:
        collector.add(scenario, engine)
    return collector.report()


def ruleset_coverage(ruleset: ir.Ruleset, scenarios: Iterable[Scenario]) -> RulesetCoverage:
    """Coverage of ``ruleset`` by ``scenarios``, each evaluated against ``ruleset`` itself
    (so the scenarios beside a layer cover the layer, whichever ruleset they name)."""
    collector = CoverageCollector()
    collector.include(ruleset)
    # A scenario that reads the ruleset otherwise (its interpretations or parameters) is
    # evaluated under its reading; what it exercised is counted for the ruleset.
    with EnginesByText() as engines:
        for scenario in scenarios:
            collector.add(scenario, engines.of(scenario.on(ruleset)), ruleset)
    (report,) = collector.report().rulesets
    return report


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
                via=tuple(kind for kind in _VIA_ORDER if kind in via),
                never_fired=tuple(r for r in citing if r in never_fired),
                never_read=tuple(p for p in never_read if p in params),
                exercised_by=tuple(
                    sorted(tally.exercised_by.get(number, ()), key=lambda e: e.scenario)
                ),
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
