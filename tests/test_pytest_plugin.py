"""The pytest plugin: scenario files in a project's own test run, failures reported like the CLI.

Each test builds a small project with ``pytester`` and runs pytest in it; the plugin is active
there as it is in any project that installs credit_rules (the ``pytest11`` entry point).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

# Lianyungang Art 10(1): entered 2009-05-20, the settlement change lasts to 2010-05-20.
SCENARIO = """\
ruleset: lianyungang-2007
as_of: 2010-05-20
subjects:
  - {id: p1, kind: insured_person}
events:
  - {type: dishonesty_entered, subject: p1, record: r1, category: lend_certificate,
     date: 2008-03-10}
  - {type: dishonesty_entered, subject: p1, record: r2, category: resell_drugs,
     date: 2009-05-20}
"""
RIGHT = "expect:\n  decisions:\n    - {subject: p1, outcome: cash_settlement, until: 2010-05-20}\n"
WRONG = "expect:\n  decisions:\n    - {subject: p1, outcome: cash_settlement, until: 2010-05-21}\n"


def test_a_scenario_file_is_a_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenario.yaml", art10_last_day=SCENARIO + RIGHT)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*art10_last_day.scenario.yaml::art10_last_day PASSED*"])


def test_a_wrong_expectation_fails_with_the_cli_message(pytester: pytest.Pytester) -> None:
    path = pytester.makefile(".scenario.yaml", art10_wrong=SCENARIO + WRONG)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    line = SCENARIO.count("\n") + 3
    assert f"{path}:{line}: subject p1, outcome cash_settlement: until differs" in out
    assert re.search(r"until\s+2010-05-21\s+2010-05-20", out), out
    assert "rule art10_cash_settlement, because:" in out
    # The scenario's story, not the plugin's Python, is what the reader sees.
    assert "runtest" not in out and "Traceback" not in out


def test_an_example_without_expect_is_not_collected(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenario.yaml", example=SCENARIO)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_broken_file_fails_with_its_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenario.yaml", broken="ruleset: lianyungang-2007\nas_of: [2010\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.scenario.yaml: cannot load the scenario:*"])
    result.stdout.fnmatch_lines(["*broken.scenario.yaml:*not valid YAML*"])


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenario.yaml", art10_last_day=SCENARIO + RIGHT)
    result = pytester.runpytest("-p", "no:credit_rules")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_file_a_marked_test_runs_is_not_collected_again(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenario.yaml", art10_last_day=SCENARIO + RIGHT)
    pytester.makepyfile(
        test_scenarios="""
        from pathlib import Path
        import pytest
        from credit_rules.testing.expectations import run_scenario

        PATH = Path(__file__).parent / "art10_last_day.scenario.yaml"

        @pytest.mark.scenario_file(str(PATH))
        def test_it():
            assert run_scenario(PATH).passed
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, deselected=1)


def test_this_project_runs_each_bundled_scenario_exactly_once() -> None:
    """Even when rulesets/ is collected beside the suite, each bundled scenario file is one
    test: through tests/test_lianyungang_scenarios.py, the plugin deselecting its own copy.
    (A plain ``pytest`` never looks in rulesets/: testpaths is ["tests"].)"""
    files = sorted(ROOT.glob("rulesets/*/scenarios/*.scenario.yaml"))
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts="]
    paths = ["tests/test_lianyungang_scenarios.py", "rulesets"]
    collected = subprocess.run(
        [*command, "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    assert f"({len(files) - 1} deselected)" in collected[-1], collected[-1]
    for file in files:
        stem = file.name[: -len(".scenario.yaml")]
        ids = {
            f"tests/test_lianyungang_scenarios.py::test_scenario_meets_its_expectations"
            f"[{file.name}]",
            f"{file.relative_to(ROOT)}::{stem}",
        }
        mentions = [line for line in collected if line in ids]
        assert len(mentions) == 1, (file.name, mentions)
