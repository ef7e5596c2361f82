"""hypothesis is the [testing] extra and rich the [cli] extra; the base install works without them.

A service installs ``credit-rules`` and evaluates; it must get neither a test framework nor a
terminal toolkit. Each check runs in a fresh interpreter in which importing ``rich`` or
``hypothesis`` fails exactly as it does where they are not installed.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from credit_rules import Engine, load_scenario
from credit_rules._plain import Table, Tree
from credit_rules.explain import render_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "rulesets" / "ganzhou-2023" / "scenarios" / "example.scenario.yaml"

# Makes `import rich` and `import hypothesis` fail as they do when not installed.
WITHOUT_EXTRAS = """
import sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("rich", "hypothesis"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
"""


def without_extras(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def details(text: str) -> list[str]:
    """The lines from the first subject on: everything but the summary tables."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Subject "))
    return lines[first:]


def test_the_base_install_depends_on_neither_hypothesis_nor_rich() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = " ".join(project["dependencies"])
    assert "hypothesis" not in base and "rich" not in base
    extras = project["optional-dependencies"]
    assert any(r.startswith("hypothesis") for r in extras["testing"])
    assert any(r.startswith("rich") for r in extras["cli"])
    # The README's test command installs [test,durable]; the suite needs both extras.
    assert any("testing" in r and "cli" in r for r in extras["test"] if "credit-rules[" in r)


def test_the_command_line_evaluates_without_rich_and_prints_the_same_details() -> None:
    run = without_extras(
        "from credit_rules.cli.main import main; sys.exit(main(sys.argv[1:]))",
        "evaluate",
        str(EXAMPLE),
    )
    assert run.returncode == 0, run.stderr
    assert "\x1b[" not in run.stdout
    assert "general_supervision  2024-09-27  open-ended  ACTIVE" in run.stdout
    scenario = load_scenario(EXAMPLE)
    result = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    assert details(run.stdout) == details(render_text(result))


def test_render_text_without_rich_keeps_every_detail_line() -> None:
    run = without_extras(
        "from credit_rules import Engine, load_scenario\n"
        "from credit_rules.explain import render_text\n"
        "s = load_scenario(sys.argv[1])\n"
        "r = Engine(s.ruleset).evaluate(s.subjects, s.events, as_of=s.as_of)\n"
        "print(render_text(r), end='')\n"
        "assert 'rich' not in sys.modules\n",
        str(EXAMPLE),
    )
    assert run.returncode == 0, run.stderr
    scenario = load_scenario(EXAMPLE)
    result = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    assert details(run.stdout) == details(render_text(result))


def test_a_command_that_needs_hypothesis_names_the_extra_and_the_others_still_start() -> None:
    run = without_extras(
        "from credit_rules.cli.main import main; sys.exit(main(sys.argv[1:]))",
        "check",
        "lianyungang-2007",
    )
    assert run.returncode == 2
    assert "pip install 'credit-rules[testing]'" in run.stderr
    assert "Traceback" not in run.stderr
    listing = without_extras(
        "from credit_rules.cli.main import main; sys.exit(main(sys.argv[1:]))", "--help"
    )
    assert listing.returncode == 0 and "(needs the [testing] extra)" in listing.stdout


def test_the_strategies_without_hypothesis_say_which_extra_to_install() -> None:
    run = without_extras("import credit_rules.testing.strategies")
    assert run.returncode == 1
    assert "ModuleNotFoundError" in run.stderr
    assert "pip install 'credit-rules[testing]'" in run.stderr


def test_the_scenario_runner_and_the_pytest_plugin_need_no_hypothesis() -> None:
    # The plugin is a pytest11 entry point: pytest loads it in every project that installs
    # credit_rules, so it must import wherever the base install does.
    run = without_extras(
        "import credit_rules.testing.pytest_plugin, credit_rules.testing.expectations\n"
        "import credit_rules.testing.coverage\n"
        "assert 'hypothesis' not in sys.modules\n"
    )
    assert run.returncode == 0, run.stderr


def test_a_plain_table_aligns_chinese_text_by_display_width() -> None:
    table = Table(title="T")
    table.add_column("name")
    table.add_column("n", justify="right")
    table.add_row("连云港", "7")
    table.add_row("ab", "15\n2")
    assert table.lines() == [
        "T",
        "name     n",
        "------  --",
        "连云港   7",
        "ab      15",
        "         2",
    ]


def test_a_plain_tree_is_guided_like_richs() -> None:
    tree = Tree("root")
    branch = tree.add("a")
    branch.add("a1")
    tree.add("b\nb2")
    assert tree.lines() == ["root", "├── a", "│   └── a1", "└── b", "    b2"]
