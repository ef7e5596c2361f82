"""Layers point one way (docs/decisions/0011-layers.md).

Each module of ``src/credit_rules`` belongs to a layer, and imports only from its own layer or
below: errors and the YAML reader; periods and the calendar; the vocabulary of each regulation;
the ruleset; the engine; then explain, ledger, testing and the CLI; and on top the package's own
``__init__``, which re-exports the public names. The checks read the source with :mod:`ast` and
import nothing, so a cycle cannot hide behind import order and the test needs no new dependency.

An import inside a function counts like any other: hiding an import in a function to dodge a
cycle leaves the cycle in place, only later and harder to see. Imports under
``if TYPE_CHECKING:`` do not run, and those under ``if __name__ == "__main__":`` run only when
the module is a script; both are left out.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = "credit_rules"
SOURCE = Path(__file__).resolve().parents[1] / "src" / ROOT

#: From the bottom. A module belongs to the layer of the nearest name here that is the module
#: itself or a package holding it. The root ``credit_rules`` only ever means its ``__init__``, the
#: public facade; it does not claim the modules under it, so a new top-level module or package
#: fails ``test_every_module_has_a_layer`` until it is placed here.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "errors, the YAML reader and the console",
        frozenset(
            {
                "credit_rules.errors",
                "credit_rules.limits",
                "credit_rules.yaml_source",
                "credit_rules._version",
                "credit_rules._plain",
                "credit_rules._console",
                "credit_rules._masking",
                "credit_rules.i18n",
            }
        ),
    ),
    ("periods and the PRC calendar", frozenset({"credit_rules.periods", "credit_rules.calendar"})),
    ("the vocabulary: subjects, events, identifiers, results", frozenset({"credit_rules.model"})),
    (
        # A scenario file and the JSON Schemas name a ruleset and its vocabulary and no more.
        "the ruleset, and the files that name one",
        frozenset({"credit_rules.ruleset", "credit_rules.scenario", "credit_rules.schemas"}),
    ),
    (
        "the engine and its backends",
        frozenset({"credit_rules.engine", "credit_rules.columnar"}),
    ),
    (
        "views and services above the engine",
        frozenset(
            {
                "credit_rules.explain",
                "credit_rules.ledger",
                "credit_rules.testing",
                "credit_rules.cli",
            }
        ),
    ),
    ("the public facade", frozenset({ROOT, f"{ROOT}.__main__"})),
)

#: Imports that break the rules, each with why. Empty since the one-pipeline change; an entry
#: that no longer matches an import that breaks a rule fails
#: ``test_every_exception_is_still_needed``.
KNOWN_EXCEPTIONS: Mapping[tuple[str, str], str] = {}

#: Imports inside a function that are there on purpose, each with the optional, heavy dependency
#: that forces it: importing that module at the top would make every user install it or wait
#: for it. None needs it today: even the durable-rules backend loads its C module on demand.
OPTIONAL_IMPORTS: Mapping[tuple[str, str], str] = {
    ("credit_rules.cli.commands.batch", "credit_rules.columnar"): (
        "the columnar backend needs polars and pyarrow (the columnar extra); every other "
        "command starts without them"
    ),
    ("credit_rules.cli.commands.batch", "credit_rules.columnar.partitions"): (
        "evaluating a population in ranges of subjects needs polars too (the columnar extra)"
    ),
    ("credit_rules.cli.commands.batch", "credit_rules.cli.console"): (
        "rich is imported only when a progress bar is drawn on a terminal (docs/batch.md)"
    ),
    ("credit_rules.engine.engine", "credit_rules.columnar.typed"): (
        "Engine(backend='columnar') needs polars (the columnar extra); the other backends "
        "start without it"
    ),
    ("credit_rules.ledger.ledger", "credit_rules.ledger.bulk_tables"): (
        "loading a ledger from tables needs polars (the columnar extra); a ledger fed events "
        "one by one, or from iterables, does not"
    ),
    ("credit_rules.cli.ruleset_arg", "credit_rules.ruleset.loader"): (
        "a bundled ruleset comes compiled; the loader (pydantic, YAML) is for ruleset files"
    ),
    ("credit_rules.cli.commands.completion", "credit_rules.cli.main"): (
        "completion describes the whole command line, built only when asked for"
    ),
    ("credit_rules.cli.common", "credit_rules.scenario"): (
        "the scenario module (event models, the engine) is for commands that read a scenario"
    ),
    ("credit_rules.ruleset.shipped", "credit_rules.ruleset.loader"): (
        "the loader brings pydantic and the YAML reader; a bundled ruleset whose stored IR is "
        "current needs neither, which is the point of the stored IR (decision 13)"
    ),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool

    def __str__(self) -> str:
        where = "inside a function" if self.in_function else "at module level"
        return f"{self.importer}:{self.line} imports {self.imported} {where}"


def modules(source: Path, root: str) -> dict[str, Path]:
    """Every module under ``source`` by its dotted name; a package by its own name."""
    found: dict[str, Path] = {}
    for path in sorted(source.rglob("*.py")):
        parts = (root, *path.relative_to(source).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"``: the module run as a script, not imported by another."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _statements(
    node: ast.AST, in_function: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement under ``node`` that runs, with whether it runs inside a function."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, in_function
        return
    if isinstance(node, ast.If) and (_is_type_checking(node.test) or _is_main(node.test)):
        children: list[ast.AST] = list(node.orelse)
    else:
        children = list(ast.iter_child_nodes(node))
    inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    for child in children:
        yield from _statements(child, inside)


def imports(source: Path, root: str) -> list[Import]:
    """Every import of one module of the package by another, as the source spells it."""
    known = modules(source, root)
    found: list[Import] = []
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, in_function in _statements(tree, False):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    origin = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    origin = node.module or ""
                # ``from pkg import mod`` imports the module; ``from mod import name`` the module.
                targets = [
                    f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin
                    for alias in node.names
                ]
            for target in dict.fromkeys(targets):
                if target == root or target.startswith(root + "."):
                    found.append(Import(name, target, node.lineno, in_function))
    return found


def layer_of(module: str, layers: tuple[tuple[str, frozenset[str]], ...], root: str) -> int | None:
    names = {name: index for index, (_, members) in enumerate(layers) for name in members}
    if module == root:
        return names.get(root)
    parts = module.split(".")
    while len(parts) > 1:
        if ".".join(parts) in names:
            return names[".".join(parts)]
        parts.pop()
    return None


def upward(
    found: Iterable[Import], layers: tuple[tuple[str, frozenset[str]], ...], root: str
) -> list[str]:
    problems = []
    for item in found:
        low, high = layer_of(item.importer, layers, root), layer_of(item.imported, layers, root)
        if low is not None and high is not None and high > low:
            problems.append(f"{item}: layer {low} ({layers[low][0]}) imports layer {high}")
    return problems


def cycles(found: Iterable[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), and self-imports."""
    graph: dict[str, set[str]] = {}
    for item in found:
        graph.setdefault(item.importer, set()).add(item.imported)
        graph.setdefault(item.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _checked(found: Iterable[Import]) -> list[Import]:
    return [item for item in found if (item.importer, item.imported) not in KNOWN_EXCEPTIONS]


@pytest.fixture(scope="module")
def package_imports() -> list[Import]:
    return imports(SOURCE, ROOT)


# -- the package -------------------------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    unplaced = [name for name in modules(SOURCE, ROOT) if layer_of(name, LAYERS, ROOT) is None]
    assert not unplaced, f"place these modules in a layer of tests/test_layers.py: {unplaced}"


def test_every_name_in_the_layer_map_is_a_module() -> None:
    known = modules(SOURCE, ROOT)
    stale = [name for _, members in LAYERS for name in members if name not in known]
    assert not stale, f"the layer map names modules that do not exist: {stale}"


def test_no_import_points_upward(package_imports: list[Import]) -> None:
    problems = upward(_checked(package_imports), LAYERS, ROOT)
    assert not problems, "imports that point upward:\n" + "\n".join(problems)


def test_no_import_cycle(package_imports: list[Import]) -> None:
    found = cycles(_checked(package_imports))
    assert not found, f"modules that import each other (directly or through others): {found}"


def test_no_function_level_import_of_the_package(package_imports: list[Import]) -> None:
    hidden = [
        str(item)
        for item in _checked(package_imports)
        if item.in_function and (item.importer, item.imported) not in OPTIONAL_IMPORTS
    ]
    assert not hidden, (
        "import these at the top of the module, or list them in OPTIONAL_IMPORTS with the "
        "optional dependency that forces it:\n" + "\n".join(hidden)
    )


def test_every_exception_is_still_needed(package_imports: list[Import]) -> None:
    """An exception whose import is gone, or no longer breaks a rule, must leave its list."""
    inside = {(item.importer, item.imported) for item in package_imports if item.in_function}
    breaking = inside | {
        (item.importer, item.imported) for item in package_imports if upward([item], LAYERS, ROOT)
    }
    stale = [pair for pair in KNOWN_EXCEPTIONS if pair not in breaking]
    stale += [pair for pair in OPTIONAL_IMPORTS if pair not in inside]
    assert not stale, f"remove from KNOWN_EXCEPTIONS or OPTIONAL_IMPORTS: {stale}"


# -- the checks themselves, on a made-up package -----------------------------------------------

TOY_LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("bottom", frozenset({"toy.low"})),
    ("top", frozenset({"toy.high"})),
    ("facade", frozenset({"toy"})),
)


def _toy(tmp_path: Path, files: Mapping[str, str]) -> list[Import]:
    for name, text in {"__init__.py": "", **files}.items():
        path = tmp_path / "toy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return imports(tmp_path / "toy", "toy")


def test_an_upward_import_inside_a_function_is_found(tmp_path: Path) -> None:
    found = _toy(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "def f():\n    from toy.high import b\n",
            "high/__init__.py": "",
            "high/b.py": "from toy.low import a\n",
        },
    )
    assert [str(i) for i in found] == [
        "toy.high.b:1 imports toy.low.a at module level",
        "toy.low.a:2 imports toy.high.b inside a function",
    ]
    assert upward(found, TOY_LAYERS, "toy") == [
        "toy.low.a:2 imports toy.high.b inside a function: layer 0 (bottom) imports layer 1"
    ]
    assert cycles(found) == [["toy.high.b", "toy.low.a"]]


def test_type_checking_imports_are_left_out_and_relative_ones_resolved(tmp_path: Path) -> None:
    found = _toy(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "from . import b\nfrom .b import thing\n",
            "low/b.py": (
                "import typing\nif typing.TYPE_CHECKING:\n    from toy.low import a\n"
                "else:\n    import toy.low.c\nthing = 1\n"
            ),
            "low/c.py": "",
        },
    )
    assert [(i.importer, i.imported, i.line) for i in found] == [
        ("toy.low.a", "toy.low.b", 1),
        ("toy.low.a", "toy.low.b", 2),
        ("toy.low.b", "toy.low.c", 5),
    ]
    assert cycles(found) == []


def test_the_facade_is_the_top_and_claims_no_module_under_it(tmp_path: Path) -> None:
    found = _toy(tmp_path, {"low.py": "import toy\n", "stray.py": ""})
    assert upward(found, TOY_LAYERS, "toy") == [
        "toy.low:1 imports toy at module level: layer 0 (bottom) imports layer 2"
    ]
    assert layer_of("toy.stray", TOY_LAYERS, "toy") is None
