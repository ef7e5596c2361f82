"""README.md promises exactly two set-up commands; CI must run the same test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_gives_exactly_two_setup_commands() -> None:
    blocks = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 2, blocks
    run, test = blocks
    assert "credit-rules evaluate" in run and "pip install" in run
    assert "pytest" in test and "pip install" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"TEST_COMMAND='{test_command}'" in ci
    assert 'bash -c "$TEST_COMMAND"' in ci


def test_ci_treats_no_tests_collected_as_a_failure() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '"$rc" -eq 5' in ci


def test_the_readme_example_scenario_exists() -> None:
    run = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))[0]
    scenario = re.search(r"evaluate (\S+\.yaml)", run)
    assert scenario is not None
    assert (ROOT / scenario.group(1)).is_file()


def test_the_readme_python_example_runs_as_a_doctest() -> None:
    import doctest

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no Python example"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for index, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README.md[{index}]", "README.md", 0)
        assert test.examples
        result = runner.run(test)
        assert result.failed == 0, f"README.md example {index} fails"


def test_the_repository_points_nowhere_outside_itself() -> None:
    files = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("rulesets/*.yaml")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for outside in ("../shared", "ARCHITECTURE.md"):
            assert outside not in text, f"{path.relative_to(ROOT)} refers to {outside}"


def test_the_worked_example_of_the_docs_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/index.md shows the README's first command and the table it prints; the table
    must be the one the command prints today (its first line names the ruleset's digest,
    which changes with every edit of the ruleset, so only its start is compared)."""
    from credit_rules.cli.main import main

    page = (ROOT / "docs" / "index.md").read_text("utf-8")
    block = re.search(r"```console\n\$ credit-rules (evaluate \S+)\n(.*?)```", page, re.S)
    assert block, "docs/index.md has no worked example"
    command, shown = block.group(1).split(), block.group(2).splitlines()
    assert (ROOT / command[1]).exists()
    assert main([command[0], str(ROOT / command[1])], environ={}) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(shown[0].partition("(sha256:")[0])
    assert printed[1 : len(shown)] == shown[1:]
