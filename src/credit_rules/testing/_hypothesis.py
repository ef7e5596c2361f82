"""hypothesis, on which the strategies, profiles and invariants of this package are built.

It is the ``[testing]`` extra, not a dependency, so that a service which only evaluates
rulesets does not install a test framework. Every module here that needs it imports it from
this one, so its absence gives one message naming the extra. The scenario runner
(``expectations``), ``coverage``, ``cases`` and the pytest plugin do not need it, so
``credit-rules test`` and the ``*.scenario.yaml`` plugin work without the extra.
"""

from __future__ import annotations

MISSING = (
    "credit_rules.testing's strategies, profiles and invariants need hypothesis, "
    "which comes with the [testing] extra: pip install 'credit-rules[testing]'"
)

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ModuleNotFoundError as error:
    if (error.name or "").partition(".")[0] != "hypothesis":
        raise
    raise ModuleNotFoundError(MISSING, name="hypothesis") from None

__all__ = [
    "MISSING",
    "HealthCheck",
    "Phase",
    "SearchStrategy",
    "Verbosity",
    "given",
    "settings",
    "st",
]
