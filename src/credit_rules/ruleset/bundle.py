"""Where the bundled ruleset files are, and their text: the one thing both the loader (a layer
may extend a bundled id) and the stored-IR fast path (:mod:`credit_rules.ruleset.shipped`)
need, kept apart so that neither has to import the other at module level."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

BUNDLED_PACKAGE = "credit_rules._rulesets"


def bundled_ids() -> tuple[str, ...]:
    """The ids of the rulesets shipped with the package."""
    return tuple(sorted(p.name[: -len(".yaml")] for p in ruleset_files()))


def bundled_source(ruleset_id: str) -> bytes:
    """The text of a bundled ruleset file."""
    return (resources.files(BUNDLED_PACKAGE) / f"{ruleset_id}.yaml").read_bytes()


def ruleset_files() -> list[Traversable]:
    root = resources.files(BUNDLED_PACKAGE)
    return [p for p in root.iterdir() if p.name.endswith(".yaml")]
