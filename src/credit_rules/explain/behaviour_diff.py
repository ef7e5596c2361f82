"""What a change to a ruleset does to people: both versions run on the same histories.

A structural diff says that ``record_validity`` went from 5 years to 3; a reviewer then asks who
is affected and how. This module evaluates the old and the new ruleset on the same subjects
(the scenarios an analyst wrote, and a generated population) and keeps every subject whose
outcomes differ, decision by decision:

- a decision of the old version that no decision of the new version with the same outcome
  overlaps is **lost** (and the reverse is **gained**); overlapping ones with other dates are
  **changed**;
- duties are compared by the day they are owed, deadlines by their start and due day.

Each difference is then traced to its **cause**: the changed entries (parameters, rules, facts,
registers, outcomes) that the rules producing that outcome depend on, including the rules they
compete with in a precedence group. That is how "cash_settlement lost" is attributed to
``record_validity`` (Art 14) although no Art 10 rule changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from credit_rules.engine.by_text import EnginesByText
from credit_rules.errors import NotInForce, RulesetError
from credit_rules.explain.population import Population
from credit_rules.i18n import Message, join
from credit_rules.model.results import Evaluation
from credit_rules.ruleset import ir
from credit_rules.ruleset.diff import StructuralDiff
from credit_rules.ruleset.render import cites_text, dependencies
from credit_rules.scenario import Scenario

EffectChange = Literal["lost", "gained", "changed"]
_VERBS: dict[EffectChange, str] = {"lost": "loses", "gained": "gains", "changed": "changes"}
#: How many subjects are evaluated at once: big enough to be fast, small enough for progress.
CHUNK = 250
#: A difference no changed entry explains (for example only an article's wording changed).
UNEXPLAINED = "unexplained"
_BEHAVIOURAL_IDENTITY = frozenset({"in_force_from", "in_force_until", "subject_kinds"})


@dataclass(frozen=True)
class Effect:
    """One outcome of one subject that differs: lost, gained or changed, with its dates."""

    outcome: str
    kind: str
    change: EffectChange
    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def verb(self) -> str:
        """``loses cash_settlement``: the key effects are counted under."""
        return f"{_VERBS[self.change]} {self.outcome}"

    def describe(self) -> str:
        """``loses cash_settlement (2012-06-01 to 2013-02-28)``, in either language."""
        if self.change == "lost":
            return Message(
                "loses {outcome} ({spans})", outcome=self.outcome, spans=join(", ", self.old)
            )
        if self.change == "gained":
            return Message(
                "gains {outcome} ({spans})", outcome=self.outcome, spans=join(", ", self.new)
            )
        return Message(
            "changes {outcome}: {old} → {new}",
            outcome=self.outcome,
            old=join(", ", self.old),
            new=join(", ", self.new),
        )


@dataclass(frozen=True)
class SubjectDiff:
    """A subject whose outcomes differ; ``origin`` is the scenario file or ``population``."""

    origin: str
    subject: str
    effects: tuple[Effect, ...]
    causes: tuple[tuple[str, ...], ...]  # the cause refs of each effect, in the same order

    @property
    def name(self) -> str:
        return f"{self.origin}:{self.subject}"


@dataclass(frozen=True)
class CauseGroup:
    """The subjects whose differences one set of changed entries explains."""

    causes: tuple[str, ...]
    subjects: tuple[SubjectDiff, ...]

    def effect_counts(self) -> dict[str, int]:
        """``{"loses cash_settlement": 12, ...}``: subjects per effect, most frequent first."""
        counts: dict[str, int] = {}
        for subject in self.subjects:
            for verb in dict.fromkeys(e.verb for e in self.effects_of(subject)):
                counts[verb] = counts.get(verb, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def effects_of(self, subject: SubjectDiff) -> list[Effect]:
        """The effects of ``subject`` that this group's causes explain."""
        return [e for e, c in zip(subject.effects, subject.causes, strict=True) if c == self.causes]


@dataclass(frozen=True)
class BehaviourDiff:
    as_of: dt.date | None
    scenarios: tuple[str, ...]
    skipped: tuple[str, ...]
    scenario_subjects: int
    population: Population | None
    differing: tuple[SubjectDiff, ...]
    groups: tuple[CauseGroup, ...] = field(default=())

    @property
    def population_differing(self) -> int:
        return sum(1 for s in self.differing if s.origin == "population")

    def count(self, change: EffectChange, kind: str = "measure") -> int:
        """How many subjects have at least one effect of this change on an outcome of ``kind``."""
        return sum(
            1
            for s in self.differing
            if any(e.change == change and e.kind == kind for e in s.effects)
        )

    def as_json(self) -> dict[str, Any]:
        population = self.population
        return {
            "scenarios": {
                "files": list(self.scenarios),
                "skipped": list(self.skipped),
                "subjects": self.scenario_subjects,
            },
            "population": None
            if population is None
            else {
                "vocabulary": population.vocabulary,
                "size": len(population.subjects),
                "seed": population.seed,
                "from": population.start.isoformat(),
                "as_of": population.end.isoformat(),
            },
            "differing": len(self.differing),
            "lose_a_measure": self.count("lost"),
            "gain_a_measure": self.count("gained"),
            "measure_dates_change": self.count("changed"),
            "groups": [
                {
                    "causes": list(group.causes),
                    "subjects": len(group.subjects),
                    "effects": group.effect_counts(),
                    "differences": [
                        {
                            "subject": s.name,
                            "effects": [_effect_json(e) for e in group.effects_of(s)],
                        }
                        for s in group.subjects
                    ],
                }
                for group in self.groups
            ],
        }


def _effect_json(effect: Effect) -> dict[str, Any]:
    return {
        "outcome": effect.outcome,
        "kind": effect.kind,
        "change": effect.change,
        "old": list(effect.old),
        "new": list(effect.new),
    }


Progress = Callable[[int], None]


def compare_behaviour(
    structural: StructuralDiff,
    *,
    scenarios: Sequence[Scenario] = (),
    population: Population | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> BehaviourDiff:
    """Run ``structural.old`` and ``structural.new`` on the scenarios (each as of its own date,
    or ``as_of``) and on the population (as of its last day), keeping subjects that differ."""
    old, new = structural.old, structural.new
    tracer = _Tracer(structural)
    differing: list[SubjectDiff] = []
    used: list[str] = []
    skipped: list[str] = []
    subjects = 0
    # A scenario that reads the ruleset otherwise (interpretations:, parameters:) runs both
    # versions under its reading, one engine per reading.
    with EnginesByText() as engines:
        before, after = engines.of(old), engines.of(new)
        for scenario in scenarios:
            name = Path(scenario.path).name
            if scenario.ruleset.vocabulary != old.vocabulary:
                skipped.append(f"{name}: written for {scenario.ruleset.vocabulary}")
                continue
            if scenario.expect is not None and scenario.expect.error is not None:
                skipped.append(f"{name}: its history is expected to be refused")
                continue
            day = as_of or scenario.as_of
            try:
                older, newer = engines.of(scenario.on(old)), engines.of(scenario.on(new))
                a = older.evaluate(scenario.subjects, scenario.events, as_of=day)
                b = newer.evaluate(scenario.subjects, scenario.events, as_of=day)
            except RulesetError as error:
                # A version without a parameter the scenario sets cannot be read its way.
                skipped.append(f"{name}: {error}")
                continue
            except NotInForce as error:
                skipped.append(f"{name}: {error}")
                continue
            used.append(name)
            ids = [str(s.get("id")) for s in scenario.subjects]
            subjects += len(ids)
            differing.extend(_differences(name.removesuffix(".yaml"), ids, a, b, tracer))
        if population is not None:
            grouped = population.events_by_subject()
            ids = [str(s["id"]) for s in population.subjects]
            for first in range(0, len(ids), CHUNK):
                chunk = ids[first : first + CHUNK]
                people = population.subjects[first : first + CHUNK]
                events = [e for subject in chunk for e in grouped[subject]]
                a = before.evaluate(people, events, as_of=population.end)
                b = after.evaluate(people, events, as_of=population.end)
                differing.extend(_differences("population", chunk, a, b, tracer))
                if progress is not None:
                    progress(len(chunk))
    return BehaviourDiff(
        as_of=as_of,
        scenarios=tuple(used),
        skipped=tuple(skipped),
        scenario_subjects=subjects,
        population=population,
        differing=tuple(differing),
        groups=_group(differing),
    )


def _group(differing: Iterable[SubjectDiff]) -> tuple[CauseGroup, ...]:
    members: dict[tuple[str, ...], list[SubjectDiff]] = {}
    for subject in differing:
        for causes in dict.fromkeys(subject.causes):
            members.setdefault(causes, []).append(subject)
    groups = [CauseGroup(causes, tuple(found)) for causes, found in members.items()]
    groups.sort(key=lambda g: (-len(g.subjects), g.causes))
    return tuple(groups)


# -- comparing two evaluations ----------------------------------------------------------------

_Span = tuple[dt.date, dt.date | None]


def _differences(
    origin: str, ids: Sequence[str], old: Evaluation, new: Evaluation, tracer: _Tracer
) -> list[SubjectDiff]:
    before, after = _by_subject(old), _by_subject(new)
    found = []
    for subject in ids:
        effects = _effects(before.get(subject, {}), after.get(subject, {}), tracer)
        if effects:
            causes = tuple(tracer.causes(e.outcome) for e in effects)
            found.append(SubjectDiff(origin, subject, tuple(effects), causes))
    return found


def _by_subject(evaluation: Evaluation) -> dict[str, dict[str, list[_Span]]]:
    """Per subject, per outcome, the spans it covers (a duty or deadline is a one-day span at
    the day it is owed or due, keyed also by its start)."""
    found: dict[str, dict[str, list[_Span]]] = {}
    for d in evaluation.decisions:
        found.setdefault(d.subject, {}).setdefault(d.outcome, []).append((d.from_, d.until))
    for duty in evaluation.duties:
        found.setdefault(duty.subject, {}).setdefault(duty.name, []).append((duty.on, duty.on))
    for deadline in evaluation.deadlines:
        spans = found.setdefault(deadline.subject, {}).setdefault(deadline.name, [])
        spans.append((deadline.start, deadline.due))
    return found


def _effects(
    old: dict[str, list[_Span]], new: dict[str, list[_Span]], tracer: _Tracer
) -> list[Effect]:
    effects = []
    for outcome in sorted(set(old) | set(new)):
        a, b = sorted(old.get(outcome, []), key=_key), sorted(new.get(outcome, []), key=_key)
        if a == b:
            continue
        kind = tracer.kind(outcome)
        lost = [s for s in a if s not in b and not any(_overlap(s, t, kind) for t in b)]
        gained = [t for t in b if t not in a and not any(_overlap(s, t, kind) for s in a)]
        moved_old = [s for s in a if s not in b and s not in lost]
        moved_new = [t for t in b if t not in a and t not in gained]
        if lost:
            effects.append(Effect(outcome, kind, "lost", _spans(lost, kind), ()))
        if gained:
            effects.append(Effect(outcome, kind, "gained", (), _spans(gained, kind)))
        if moved_old or moved_new:
            effects.append(
                Effect(outcome, kind, "changed", _spans(moved_old, kind), _spans(moved_new, kind))
            )
    return effects


def _key(span: _Span) -> tuple[dt.date, dt.date]:
    return span[0], span[1] or dt.date.max


def _overlap(a: _Span, b: _Span, kind: str) -> bool:
    if kind == "deadline":
        # The same deadline counted from the same start, due on another day, is a change.
        return a[0] == b[0]
    return a[0] <= (b[1] or dt.date.max) and b[0] <= (a[1] or dt.date.max)


def _spans(spans: Iterable[_Span], kind: str) -> tuple[str, ...]:
    out = []
    for start, stop in spans:
        if kind == "duty":
            out.append(Message("{day}", day=start))
        elif kind == "deadline":
            due = stop if stop else "?"
            out.append(Message("from {start} due {due}", start=start, due=due))
        else:
            end = stop if stop else Message("open-ended")
            out.append(Message("{start} to {end}", start=start, end=end))
    return tuple(out)


class _Tracer:
    """Which changed entries can explain a difference in one outcome."""

    def __init__(self, structural: StructuralDiff) -> None:
        self.changed = {c.ref for c in structural.changes if c.section != "articles"}
        self._kinds = {o.id: o.kind for o in (*structural.old.outcomes, *structural.new.outcomes)}
        # Only these identity fields change what an evaluation does; a new id or version
        # (which every edited file should have) explains nothing.
        self._identity = any(
            f.field in _BEHAVIOURAL_IDENTITY
            for c in structural.changes
            if c.section == "identity"
            for f in c.fields
        )
        self._cache: dict[str, tuple[str, ...]] = {}
        self._rulesets = (structural.old, structural.new)

    def kind(self, outcome: str) -> str:
        return self._kinds.get(outcome, "measure")

    def causes(self, outcome: str) -> tuple[str, ...]:
        if outcome not in self._cache:
            self._cache[outcome] = self._trace(outcome)
        return self._cache[outcome]

    def _trace(self, outcome: str) -> tuple[str, ...]:
        found: set[str] = set()
        for ruleset in self._rulesets:
            producing = [r for r in ruleset.rules if r.outcome == outcome]
            groups = {r.group for r in producing if r.group is not None}
            # Within a precedence group a rival rule that now wins (or no longer wins) changes
            # this outcome too, so the whole group's dependencies count.
            rivals = [r for r in ruleset.rules if r.group in groups and r not in producing]
            for rule in (*producing, *rivals):
                found |= dependencies(ruleset, rule) & self.changed
        if not found and self._identity:
            found.add("identity.ruleset")
        return tuple(sorted(found)) or (UNEXPLAINED,)


def cause_label(ref: str, structural: StructuralDiff) -> str:
    """A cause ref as a person reads it: ``parameter record_validity (Art 14)``."""
    change = structural.by_ref().get(ref)
    if change is None:
        return Message("no changed entry explains it (only wording or positions changed?)")
    return change.label


def outcome_cites(outcome: str, rulesets: Sequence[ir.Ruleset]) -> str:
    for ruleset in rulesets:
        for entry in ruleset.outcomes:
            if entry.id == outcome:
                return cites_text(entry.cites)
    return ""
