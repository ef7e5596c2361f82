"""The columnar backend of another commit beside this checkout's, in one process, in turns.

On a shared host a ratio between runs on different days measures the host as much as the
code: the hand-written query's best moved from 29 to 73 ms between two days here. This script
separates the two. It loads the ``credit_rules.columnar`` package of ``--rev`` (read with
``git show``) under another name, ``credit_rules._columnar_at_rev``, beside this checkout's,
on the same input (each validates it once, with its own classes, untimed), and then:

1. checks that both give the same four tables (decisions, duties, outcomes, deadlines), row
   for row and in order, and exits 1 if not;
2. runs the other commit's ``evaluate`` (or ``outcomes``), this checkout's and the
   hand-written query (``bench_columnar.handwritten_outcomes``, Lianyungang only), one after
   the other in each of ``--rounds`` rounds (``bench_columnar.interleaved``);
3. prints the best and median of each and the median of the rounds' own ratios (this
   checkout's time over the other commit's), and writes ``columnar-ab-results.json``.

Only the columnar package comes from ``--rev``: what it imports from the rest of the library
(the ruleset, the calendar, the engine's program) is this checkout's, so a change outside
``columnar/`` is not compared. The population is ``population.py``'s (Lianyungang) or
``bench_columnar_ganzhou.py``'s (Ganzhou).

    .venv/bin/python benchmarks/bench_columnar_ab.py --rev d2783db
    .venv/bin/python benchmarks/bench_columnar_ab.py --rev HEAD~1 --method outcomes --rounds 20
    .venv/bin/python benchmarks/bench_columnar_ab.py --rev d2783db --ruleset ganzhou-2023
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_columnar import AS_OF, handwritten_outcomes, header, interleaved  # noqa: E402
from bench_columnar_ganzhou import generate as ganzhou_population  # noqa: E402
from population import PopulationParams, generate  # noqa: E402

import credit_rules.columnar as current  # noqa: E402
from credit_rules import bundled  # noqa: E402

PACKAGE = "credit_rules.columnar"
ALIAS = "credit_rules._columnar_at_rev"
TABLES = ("decisions", "duties", "outcomes", "deadlines")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(HERE.parent), *args], capture_output=True, text=True, check=True
    ).stdout


def columnar_at(rev: str, folder: Path) -> ModuleType:
    """The columnar package as it is at ``rev``, imported as :data:`ALIAS`: each module's
    text with the package's name replaced, so that its modules import one another and not
    this checkout's."""
    names = [
        line.rsplit("/", 1)[1]
        for line in _git("ls-tree", "--name-only", rev, "src/credit_rules/columnar/").split()
        if line.endswith(".py")
    ]
    package = folder / ALIAS.rsplit(".", 1)[1]
    package.mkdir()
    for name in names:
        text = _git("show", f"{rev}:src/credit_rules/columnar/{name}")
        (package / name).write_text(text.replace(PACKAGE, ALIAS), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        ALIAS, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[ALIAS] = module
    spec.loader.exec_module(module)
    return module


def population_frames(ruleset: str, size: int) -> tuple[pl.DataFrame, pl.DataFrame | None, dt.date]:
    """The events (and, for Ganzhou, the subjects) as the columnar backend reads them, and the
    day to evaluate on: the populations of ``bench_columnar.py`` and
    ``bench_columnar_ganzhou.py``. ``bench_commits.py`` reads the same."""
    if ruleset == "lianyungang-2007":
        events = pl.DataFrame(
            generate(PopulationParams(persons=size)).events, infer_schema_length=None
        )
        return events, None, AS_OF
    subjects, rows = ganzhou_population(size)
    events = pl.DataFrame(
        rows, infer_schema_length=None, schema_overrides={"materials": pl.List(pl.String)}
    )
    return events, pl.DataFrame(subjects), dt.date(2025, 12, 31)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the commit to compare with")
    parser.add_argument(
        "--ruleset", choices=("lianyungang-2007", "ganzhou-2023"), default="lianyungang-2007"
    )
    parser.add_argument("--size", type=int, help="persons or institutions (1M or 100,000)")
    parser.add_argument("--method", choices=("evaluate", "outcomes"), default="evaluate")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--output", type=Path, default=HERE / "columnar-ab-results.json")
    args = parser.parse_args()
    size = args.size or (1_000_000 if args.ruleset == "lianyungang-2007" else 100_000)
    report = {
        **header("bench_columnar_ab.py"),
        "rev": _git("rev-parse", "--short", args.rev).strip(),
        "checkout": _git("rev-parse", "--short", "HEAD").strip(),
        "checkout_is_clean": not _git("status", "--porcelain", "src").strip(),
        "ruleset": args.ruleset,
        "size": size,
        "method": args.method,
    }
    ruleset = bundled(args.ruleset)
    events, subjects, as_of = population_frames(args.ruleset, size)
    # Kept to the end: a module may import another of its package only when first called.
    folder = tempfile.TemporaryDirectory()
    before = columnar_at(args.rev, Path(folder.name)).ColumnarEngine(ruleset)
    after = current.ColumnarEngine(ruleset)
    # Each version reads the input with its own classes, once, untimed.
    read_before, read_after = before.read(events, subjects), after.read(events, subjects)
    first = before.evaluate(read_before, as_of=as_of)
    second = after.evaluate(read_after, as_of=as_of)
    differ = [t for t in TABLES if not getattr(first, t).equals(getattr(second, t))]
    if differ:
        print(f"the tables differ: {', '.join(differ)}", file=sys.stderr)
        return 1
    # REV's call first: interleaved() gives every other call's time over the first's.
    calls: dict[str, Callable[[], Any]] = {
        "rev": lambda: getattr(before, args.method)(read_before, as_of=as_of),
        "checkout": lambda: getattr(after, args.method)(read_after, as_of=as_of),
    }
    if args.ruleset == "lianyungang-2007":
        calls["handwritten_outcomes"] = lambda: handwritten_outcomes(events, as_of)
    found = interleaved(calls, args.rounds)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["median_ratio_checkout_to_rev"] = found["median_ratio_in_round"]["checkout"]
    report.update(found)
    text = json.dumps(report, indent=2)
    print(text)
    args.output.write_text(text + "\n", encoding="utf-8")
    folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
