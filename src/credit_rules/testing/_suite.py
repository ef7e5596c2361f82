"""Running invariants under hypothesis and reporting on them: the machinery behind
:func:`credit_rules.testing.invariants.check_ruleset` and ``credit-rules check``.

Kept apart from the invariants so that they stay plain functions of an engine and a case; this
module knows nothing about any one invariant.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from credit_rules.engine.engine import Engine
from credit_rules.errors import CreditRulesError, InvariantViolation
from credit_rules.i18n import Message
from credit_rules.ruleset import ir
from credit_rules.testing._hypothesis import (
    HealthCheck,
    Phase,
    SearchStrategy,
    Verbosity,
    given,
    settings,
)
from credit_rules.testing.cases import Case, render_scenario, ruleset_reference
from credit_rules.testing.profiles import CHECK_EXAMPLES, profile_settings
from credit_rules.testing.strategies import HISTORY_VOCABULARIES, cases

Status = Literal["passed", "failed", "error", "skipped", "not_applicable"]
"""``failed``: the invariant was violated; ``error``: the engine raised on a generated case
(or hypothesis could not run); ``skipped``: it cannot run here (the durable extra is missing);
``not_applicable``: the ruleset has nothing it checks."""

#: (name, check, protects, summary, why not applicable or None, why skipped on an engine)
Entry = tuple[
    str,
    Callable[[Engine, Case], None],
    str,
    str,
    str | None,
    Callable[[Engine], str | None],
]


@dataclass(frozen=True)
class InvariantResult:
    """What one invariant came to on one ruleset."""

    name: str
    status: Status
    protects: str
    summary: str
    examples: int = 0
    seconds: float = 0.0
    message: str = ""
    counterexample: Case | None = None
    scenario: str | None = None
    reproduce: str | None = None

    @property
    def ok(self) -> bool:
        """Whether this result lets a ruleset pass (passed, skipped or not applicable)."""
        return self.status in ("passed", "skipped", "not_applicable")


@dataclass(frozen=True)
class Report:
    """The results of :func:`credit_rules.testing.invariants.check_ruleset` on one ruleset."""

    ruleset: ir.Ruleset
    profile: str
    max_examples: int
    results: tuple[InvariantResult, ...]

    @property
    def ok(self) -> bool:
        """No invariant failed or errored."""
        return all(result.ok for result in self.results)

    @property
    def failures(self) -> tuple[InvariantResult, ...]:
        return tuple(result for result in self.results if not result.ok)

    @property
    def seconds(self) -> float:
        return sum(result.seconds for result in self.results)

    def result(self, name: str) -> InvariantResult:
        """The result of the invariant called ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def save_counterexamples(self, folder: str | Path) -> list[Path]:
        """Write each counterexample as ``<ruleset id>-<invariant>.scenario.yaml`` in
        ``folder`` (created if missing), with the ruleset's path relative to it, as scenario
        files resolve it. Returns the files written."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        line = f"ruleset: {ruleset_reference(self.ruleset, relative_to=target)}"
        for result in self.results:
            if result.scenario is None:
                continue
            text = re.sub(
                r"^ruleset: .*$",
                lambda _: line,
                result.scenario,
                count=1,
                flags=re.MULTILINE,
            )
            path = target / f"{self.ruleset.id}-{result.name}.scenario.yaml"
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def _reproduce_line(error: BaseException) -> str | None:
    for note in getattr(error, "__notes__", ()):
        for line in str(note).splitlines():
            if "@reproduce_failure" in line:
                return line.strip()
    return None


def _violation_in(error: BaseException) -> InvariantViolation | None:
    if isinstance(error, InvariantViolation):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _violation_in(inner)
            if found is not None:
                return found
    return None


def _settings(profile: str, examples: int) -> settings:
    return settings(
        profile_settings(profile),
        max_examples=examples,
        deadline=None,
        # An analyst's working folder is not the place for hypothesis' database.
        database=None,
        print_blob=True,
        report_multiple_bugs=False,
        # The explain phase replays the shrunk case many times to annotate it; the scenario
        # file says more to an analyst, at a fraction of the time.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        verbosity=Verbosity.quiet,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def run_suite(
    ruleset: ir.Ruleset,
    entries: Sequence[Entry],
    *,
    profile: str,
    max_examples: int | None,
    vary_parameters: bool,
    engine_factory: Callable[[ir.Ruleset], Engine],
    progress: Callable[[str], None] | None = None,
) -> Report:
    if ruleset.vocabulary not in HISTORY_VOCABULARIES:
        raise ValueError(
            Message(
                "{id} uses vocabulary {vocabulary!r}, for which there is no history "
                "strategy (known: {HISTORY_VOCABULARIES})",
                id=ruleset.id,
                vocabulary=ruleset.vocabulary,
                HISTORY_VOCABULARIES=", ".join(HISTORY_VOCABULARIES),
            )
        )
    examples = max_examples if max_examples is not None else CHECK_EXAMPLES[profile]
    if examples < 1:
        raise ValueError(
            Message("max_examples must be at least 1, not {examples}", examples=examples)
        )
    chosen = _settings(profile, examples)
    engine = engine_factory(ruleset)
    strategy = cases(ruleset, vary_parameters=vary_parameters)
    results = []
    for name, check, protects, summary, not_applicable, skip in entries:
        if not_applicable is not None:
            results.append(
                InvariantResult(name, "not_applicable", protects, summary, message=not_applicable)
            )
            continue
        if progress is not None:
            progress(name)
        reason = skip(engine)
        if reason is not None:
            results.append(InvariantResult(name, "skipped", protects, summary, message=reason))
            continue
        results.append(_run_one(ruleset, engine, strategy, chosen, name, check, protects, summary))
    return Report(ruleset, profile, examples, tuple(results))


def _run_one(
    ruleset: ir.Ruleset,
    engine: Engine,
    strategy: SearchStrategy[Case],
    chosen: settings,
    name: str,
    check: Callable[[Engine, Case], None],
    protects: str,
    summary: str,
) -> InvariantResult:
    seen: list[Case] = []
    calls = [0]

    @chosen
    @given(case=strategy)
    def holds(case: Case) -> None:
        # The last case tried is the shrunk one: hypothesis replays the minimal example last.
        calls[0] += 1
        seen[:] = [case]
        check(engine, case)

    started = time.perf_counter()
    try:
        holds()
    except Exception as error:
        elapsed = time.perf_counter() - started
        count = calls[0]
        violation = _violation_in(error)
        if violation is not None:
            case = violation.counterexample if isinstance(violation.counterexample, Case) else None
            flaky = "" if violation is error else " (flaky: it did not fail again on replay)"
            return InvariantResult(
                name,
                "failed",
                protects,
                summary,
                examples=count,
                seconds=elapsed,
                message=violation.message + flaky,
                counterexample=case,
                scenario=violation.scenario,
                reproduce=_reproduce_line(error),
            )
        last = seen[-1] if seen else None
        scenario = None
        if last is not None and isinstance(error, CreditRulesError):
            scenario = render_scenario(
                ruleset,
                last,
                comments=(f"The engine raised {type(error).__name__} on this case:", str(error)),
            )
        what = (
            f"the engine raised {type(error).__name__} on a generated case: {error}"
            if isinstance(error, CreditRulesError)
            else f"{type(error).__name__}: {error}"
        )
        return InvariantResult(
            name,
            "error",
            protects,
            summary,
            examples=count,
            seconds=elapsed,
            message=what,
            counterexample=last,
            scenario=scenario,
            reproduce=_reproduce_line(error),
        )
    return InvariantResult(
        name,
        "passed",
        protects,
        summary,
        examples=calls[0],
        seconds=time.perf_counter() - started,
    )
