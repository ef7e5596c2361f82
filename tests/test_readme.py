"""README.md promises exactly two set-up commands; CI must run the same test command."""

from __future__ import annotations

import re
from pathlib import Path

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
