"""The wheel ships every package of the source tree.

The package list in pyproject.toml is written out by hand (the bundled rulesets and schemas are
mapped in from folders outside ``src/``), so a new subpackage is easily forgotten: an editable
install still finds it, and only a plain ``pip install .`` then fails at import.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_src_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    source = ROOT / "src"
    found = {
        ".".join(init.parent.relative_to(source).parts)
        for init in source.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found, "no package found under src/"
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_metadata_names_no_address_the_project_does_not_have() -> None:
    """The project has no public home; a made-up URL in the metadata would send users to a
    page that does not exist. The licence, authors and classifiers are there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "urls" not in project
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert project["authors"] and any("Chinese" in c for c in project["classifiers"])
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
