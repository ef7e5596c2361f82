"""pytest plugin: every ``*.scenario.yaml`` file with ``expect:`` is a test.

It is registered as the ``pytest11`` entry point ``credit_rules``, so installing credit_rules is
all a project needs: pytest collects scenario files wherever it collects tests (the paths on
the command line, or ``testpaths``), and a failing one is reported exactly as
``credit-rules test`` reports it: file and line, subject, outcome, the field that differs, and
the rule and facts behind it. A scenario file without ``expect:`` is an example, not a test,
and is not collected. ``-p no:credit_rules`` turns the plugin off.

How this project runs its own bundled scenarios exactly once: ``testpaths`` is ``["tests"]``
and the scenarios live under ``rulesets/``, so a plain ``pytest`` runs them through
``tests/test_lianyungang_scenarios.py``, which parametrizes over ``rulesets/*/scenarios`` and
marks each case ``scenario_file(path)``. When the plugin would collect a file that such a
marked test already runs (``pytest .``, or ``pytest tests rulesets``), it deselects its own
item, so no scenario runs twice whatever paths are given; ``pytest rulesets/`` alone runs them
through the plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credit_rules.testing.expectations import SCENARIO_SUFFIX, Runner, ScenarioResult
from credit_rules.yaml_source import YamlSyntaxError, read_yaml

MARKER = "scenario_file"
_RUNNER = pytest.StashKey[Runner]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(path): this test runs the scenario file at path, so the credit_rules "
        "plugin does not collect that file again",
    )


def _runner(config: pytest.Config) -> Runner:
    """One runner per session: each ruleset is compiled once for all its scenario files."""
    if _RUNNER not in config.stash:
        config.stash[_RUNNER] = Runner()
    return config.stash[_RUNNER]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SCENARIO_SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    covered = {
        Path(str(marker.args[0])).resolve()
        for item in items
        if not isinstance(item, ScenarioItem)
        for marker in item.iter_markers(MARKER)
        if marker.args
    }
    if not covered:
        return
    dropped = [i for i in items if isinstance(i, ScenarioItem) and i.path.resolve() in covered]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


class ScenarioFile(pytest.File):
    """A scenario file: one test if it has ``expect:``, none if it is only an example."""

    def collect(self) -> Iterator[pytest.Item]:
        if _has_expectations(self.path):
            name = self.path.name[: -len(SCENARIO_SUFFIX)]
            yield ScenarioItem.from_parent(self, name=name)


def _has_expectations(path: Path) -> bool:
    """A cheap look before running; a file that cannot be read or parsed is collected, so that
    running it reports the loader's error with its line."""
    try:
        data, _ = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return True
    return not isinstance(data, dict) or "expect" in data


class ScenarioFailed(Exception):
    """A scenario whose expectations were not met, or that could not be run."""

    def __init__(self, result: ScenarioResult) -> None:
        self.result = result
        super().__init__(result.render())


class ScenarioItem(pytest.Item):
    """Runs one scenario file and checks its ``expect:``."""

    def runtest(self) -> None:
        result = _runner(self.config).run(self.path)
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return excinfo.value.result.render()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario {self.path.name}"
