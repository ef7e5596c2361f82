"""The columnar backend at several commits, each whole (its library and its rulesets), in turns.

``bench_columnar_ab.py`` loads only another commit's ``credit_rules.columnar`` beside this
checkout's, and it stops when the two give different tables. So it cannot time a commit whose
ruleset uses what an older columnar package refuses, and it cannot see a slowdown that came
with a legal change. Such a slowdown stood for a day: a roll of the Ganzhou objection window
past rest days (2922c67) doubled the Ganzhou evaluation, the tables changed on other commits
of the same hours, and the figure was taken for the host's. This script times whole commits
instead:

1. each ``REV`` is extracted (``git archive``: its ``src`` and ``rulesets``) into a temporary
   folder;
2. in each of ``--rounds`` rounds, every commit runs once in a fresh process of its own
   (``PYTHONPATH`` on its ``src``). The process builds the population (``population.py`` for
   Lianyungang, ``bench_columnar_ganzhou.py`` for Ganzhou, both from this checkout), loads
   that commit's ruleset file by its path, makes one first call and then ``--calls`` more,
   all timed. On the columnar backend the input is validated once beforehand, untimed; the
   per-subject engine (``--backend closures``) validates it in every call, as its callers see;
3. it prints and writes (``--output``, by default ``commits-results.json``, replaced on each
   run) each commit's best and median call, its first calls, and its rows per table, with
   whether every round gave the same rows. Rows that differ between commits are the legal
   changes between them, shown, not refused.

The ``credit_rules`` package is the commit's; data the package finds through an editable
install (the bundled rulesets by id, the JSON schemas) may still be this checkout's, which is
why each ruleset is loaded by the path of the commit's own file.

Alternating whole processes spreads the host's slow minutes over every commit. It cannot
remove them, so look at the best calls and at rounds that agree. Bisecting a slowdown is
running this on a few commits at a time.

    .venv/bin/python benchmarks/bench_commits.py 87d5536 2922c67 --ruleset ganzhou-2023
    .venv/bin/python benchmarks/bench_commits.py HEAD~5 HEAD --rounds 3 --calls 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TABLES = ("decisions", "duties", "outcomes", "deadlines")
RULESETS = ("lianyungang-2007", "ganzhou-2023")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def extracted(rev: str, into: Path) -> Path:
    """``rev``'s ``src`` and ``rulesets`` under ``into``/<short hash>."""
    folder = into / _git("rev-parse", "--short", rev)
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev, "src", "rulesets"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_commit(
    folder: Path, ruleset: str, size: int, method: str, calls: int, backend: str
) -> dict[str, Any]:
    """One fresh process on ``folder``'s library: what :func:`child` prints."""
    environment = {**os.environ, "PYTHONPATH": str(folder / "src")}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    command += ["--ruleset", ruleset, "--size", str(size), "--method", method]
    command += ["--calls", str(calls), "--backend", backend]
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode:
        # An older commit may lack what the script calls: say which, with its own words.
        raise SystemExit(f"{folder.name} failed:\n{done.stderr.strip()}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def child(folder: Path, ruleset_id: str, size: int, method: str, calls: int, backend: str) -> None:
    """In the commit's own process: its library (by ``PYTHONPATH``) on its own ruleset file."""
    sys.path.insert(0, str(HERE))
    from credit_rules import load_ruleset

    ruleset = load_ruleset(folder / "rulesets" / f"{ruleset_id}.yaml")
    if backend == "columnar":
        call, rows_of = _on_columns(ruleset, ruleset_id, size, method)
    else:
        call, rows_of = _per_subject(ruleset, ruleset_id, size, method)
    seconds = []
    result: Any = None
    for _ in range(calls + 1):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"first": seconds[0], "seconds": seconds[1:], "rows": rows_of(result)}))


Call = tuple[Callable[[], Any], Callable[[Any], dict[str, int]]]


def _on_columns(ruleset: Any, ruleset_id: str, size: int, method: str) -> Call:
    """``ColumnarEngine`` on the population as one events frame, validated once untimed."""
    from bench_columnar_ab import population_frames

    from credit_rules.columnar import ColumnarEngine

    events, subjects, as_of = population_frames(ruleset_id, size)
    engine = ColumnarEngine(ruleset)
    inputs = engine.read(events, subjects)

    def rows_of(result: Any) -> dict[str, int]:
        if method == "evaluate":
            return {table: getattr(result, table).height for table in TABLES}
        return {"outcomes": result.height}

    return lambda: getattr(engine, method)(inputs, as_of=as_of), rows_of


def _per_subject(ruleset: Any, ruleset_id: str, size: int, method: str) -> Call:
    """``Engine`` (the closures, one walk per subject) on the population as the benchmarks
    give it: typed models for Lianyungang (``bench_engine.py``), dicts for Ganzhou
    (``bench_columnar_ganzhou.py``)."""
    from credit_rules import Engine

    subjects: Any
    events: Any
    if ruleset_id == "lianyungang-2007":
        from bench_engine import DEFAULT_AS_OF as as_of
        from population import PopulationParams, build

        population = build(PopulationParams(persons=size))
        subjects, events = population.subjects, population.events
    else:
        from bench_columnar_ganzhou import YEAR
        from bench_columnar_ganzhou import generate as ganzhou

        subjects, events = ganzhou(size)
        as_of = dt.date(YEAR, 12, 31)
    engine = Engine(ruleset)

    def rows_of(result: Any) -> dict[str, int]:
        if method == "evaluate":
            return {table: len(getattr(result, table)) for table in TABLES if table != "outcomes"}
        return {"subjects_with_outcomes": len(result)}

    return lambda: getattr(engine, method)(subjects, events, as_of=as_of), rows_of


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revs", nargs="*", help="commits to time (at least two)")
    parser.add_argument("--ruleset", choices=RULESETS, default="lianyungang-2007")
    parser.add_argument("--size", type=int, help="persons or institutions (1M or 100,000)")
    parser.add_argument("--method", choices=("evaluate", "outcomes"), default="evaluate")
    parser.add_argument(
        "--backend",
        choices=("columnar", "closures"),
        default="columnar",
        help="ColumnarEngine on a frame, or Engine's walk per subject",
    )
    parser.add_argument("--rounds", type=int, default=3, help="processes per commit")
    parser.add_argument("--calls", type=int, default=3, help="timed calls after the first")
    parser.add_argument("--output", type=Path, default=HERE / "commits-results.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size or (1_000_000 if args.ruleset == "lianyungang-2007" else 100_000)
    if args.child is not None:
        child(args.child, args.ruleset, size, args.method, args.calls, args.backend)
        return 0
    # A commit named twice (HEAD and its hash, say) is timed once.
    commits = dict.fromkeys(_git("rev-parse", "--short", rev) for rev in args.revs)
    if len(commits) < 2:
        parser.error("give two different commits or more")
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls take 1 or more")
    load_before = [round(x, 2) for x in os.getloadavg()]
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folders = [extracted(commit, Path(scratch)) for commit in commits]
        for round_number in range(args.rounds):
            for folder in folders:
                found = run_commit(
                    folder, args.ruleset, size, args.method, args.calls, args.backend
                )
                runs.setdefault(folder.name, []).append(found)
                best = min(found["seconds"])
                print(f"round {round_number + 1}, {folder.name}: best {best:.3f} s", flush=True)
    timed = {}
    for name, found in runs.items():
        every = [s for run in found for s in run["seconds"]]
        timed[name] = {
            "seconds_best": round(min(every), 4),
            "seconds_median": round(statistics.median(every), 4),
            "best_per_round": [round(min(run["seconds"]), 4) for run in found],
            "first_calls": [round(run["first"], 4) for run in found],
            "rows": found[0]["rows"],
            "rows_same_every_round": all(run["rows"] == found[0]["rows"] for run in found),
        }
    report = {
        "benchmark": "bench_commits.py",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "ruleset": args.ruleset,
        "size": size,
        "method": args.method,
        "backend": args.backend,
        "rounds": args.rounds,
        "calls_per_round": args.calls,
        "commits": timed,
    }
    text = json.dumps(report, indent=2)
    print(text)
    args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
