"""The suite itself is deterministic by default (issue 15): ``python -m pytest`` runs hypothesis
derandomised with no example database, so no run depends on an earlier one or on luck, and
hypothesis stores nothing in the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import storage_directory

ROOT = Path(__file__).resolve().parents[1]

chosen = os.environ.get("HYPOTHESIS_PROFILE")
under_default = pytest.mark.skipif(
    bool(chosen) and chosen != "ci", reason=f"HYPOTHESIS_PROFILE={chosen} chose another profile"
)


@under_default
def test_the_suite_runs_derandomised_without_an_example_database() -> None:
    assert settings.get_current_profile_name() == "ci"
    active = settings.default
    assert active is not None
    assert active.derandomize and active.database is None
    # Settings a test module builds at import (SETTINGS = settings(max_examples=...)) inherit
    # the profile; a @given test that sets nothing runs under settings.default itself.
    built = settings(max_examples=5)
    assert built.derandomize and built.database is None


def test_hypothesis_stores_nothing_in_the_repository() -> None:
    where = storage_directory("examples", intent_to_write=False).path.resolve()
    assert not where.is_relative_to(ROOT.resolve()), where
