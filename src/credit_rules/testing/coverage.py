"""Article coverage for ``credit-rules test --coverage``.

The definition lives in :mod:`credit_rules.explain.coverage`, beside the ruleset pages that
show it too; this module keeps the name analysts and CI scripts import from the testing kit.
"""

from __future__ import annotations

from credit_rules.explain.coverage import (
    ArticleCoverage,
    Coverage,
    CoverageCollector,
    Exercise,
    RulesetCoverage,
    ScenarioExercise,
    exercised,
    measure,
    ruleset_coverage,
)

__all__ = [
    "ArticleCoverage",
    "Coverage",
    "CoverageCollector",
    "Exercise",
    "RulesetCoverage",
    "ScenarioExercise",
    "exercised",
    "measure",
    "ruleset_coverage",
]
