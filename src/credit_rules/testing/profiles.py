"""Hypothesis profiles for suites that test regulations: ``ci`` and ``dev``.

- ``ci``: derandomised (the same examples on every run, so a red build is red again on a
  laptop), more examples, no deadline (a slow shared runner must not fail a correct rule),
  the ``too_slow`` health check suppressed, no example database, and the
  ``@reproduce_failure`` blob printed with every failure.
- ``dev``: random examples (each run explores new ones), fewer of them for quick feedback, the
  example database on (a failure found once is tried first next time), no deadline, and the
  blob printed too.

In a project's ``tests/conftest.py``::

    from credit_rules.testing.profiles import load_profile

    load_profile()  # HYPOTHESIS_PROFILE=ci in CI; "dev" otherwise

A failing invariant also prints its counterexample as a scenario file
(:class:`credit_rules.errors.InvariantViolation`), which reproduces it without hypothesis.
"""

from __future__ import annotations

import os
from typing import Final

from credit_rules.i18n import Message
from credit_rules.testing._hypothesis import HealthCheck, settings

__all__ = [
    "CHECK_EXAMPLES",
    "CI",
    "DEV",
    "ENVIRONMENT_VARIABLE",
    "PROFILES",
    "load_profile",
    "profile_settings",
    "register_profiles",
]

CI: Final = "ci"
DEV: Final = "dev"
PROFILES: Final = (CI, DEV)
ENVIRONMENT_VARIABLE: Final = "HYPOTHESIS_PROFILE"

#: Examples per invariant that :func:`credit_rules.testing.invariants.check_ruleset` draws under
#: each profile unless told otherwise. Each example evaluates a history several times (with and
#: without each record, on several days), so these are smaller than a plain property's count;
#: the whole suite on both bundled rulesets stays well within a CI minute.
CHECK_EXAMPLES: Final = {CI: 100, DEV: 40}

_EXAMPLES: Final = {CI: 200, DEV: 50}


def profile_settings(name: str) -> settings:
    """The settings of profile ``name`` (``"ci"`` or ``"dev"``), without registering or loading
    anything: for code that runs hypothesis itself, as ``credit-rules check`` does."""
    parent = settings.get_profile("default")
    if name == CI:
        return settings(
            parent,
            derandomize=True,
            max_examples=_EXAMPLES[CI],
            deadline=None,
            database=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow],
        )
    if name == DEV:
        return settings(parent, max_examples=_EXAMPLES[DEV], deadline=None, print_blob=True)
    raise ValueError(
        Message(
            "unknown hypothesis profile {name!r}; use one of {PROFILES}",
            name=name,
            PROFILES=", ".join(PROFILES),
        )
    )


def register_profiles() -> None:
    """Register ``ci`` and ``dev`` with hypothesis (``ci`` replaces hypothesis' own profile of
    that name). Call it at import time, as hypothesis requires, e.g. in ``conftest.py``."""
    for name in PROFILES:
        settings.register_profile(name, profile_settings(name))


def load_profile(name: str | None = None, *, default: str = DEV) -> str:
    """Register the profiles and load ``name``, else the one named by the environment variable
    ``HYPOTHESIS_PROFILE``, else ``default``. Returns the name loaded."""
    register_profiles()
    chosen = name or os.environ.get(ENVIRONMENT_VARIABLE) or default
    if chosen not in PROFILES:
        raise ValueError(
            Message(
                "{ENVIRONMENT_VARIABLE}={chosen!r} is not a profile; use one of {PROFILES}",
                ENVIRONMENT_VARIABLE=ENVIRONMENT_VARIABLE,
                chosen=chosen,
                PROFILES=", ".join(PROFILES),
            )
        )
    settings.load_profile(chosen)
    return chosen
