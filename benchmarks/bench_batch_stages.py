"""Where the wall time of ``credit-rules batch`` goes, stage by stage, in fresh processes.

``bench_columnar.py`` gives the end-to-end figure (Parquet in, Parquet out, a fresh process);
this script splits it. On the same generated population (``population.py``, 1,000,000 persons
by default) it runs, ``--repeat`` times each and for each ``--table``:

- ``command``: the command itself, ``python -m credit_rules.cli.main batch ...``, from a small
  launcher process that reports its wall time and peak RSS (as ``bench_columnar.py`` does);
- ``stages``: a fresh process that makes the command's own calls one after another and times
  each: the command line's imports and its parser (``build_parser(only="batch")``), the
  columnar backend's imports (Polars), the ruleset, the engine's compilation, reading the
  Parquet file, validating it (``engine.read`` on the frame read, what ``engine.read`` on the
  path does after reading), the evaluation in ranges of subjects and writing the result
  (``credit_rules.cli.commands.batch.evaluate`` and ``deliver``, the very functions ``run``
  calls). What the process spends outside them (the interpreter's start, ``site``, and its
  exit) is its wall time less their sum;
- ``interpreter``: ``python -c pass``, the floor.

The best run of each figure is reported, and every run is kept (the machine is shared, so the
load average is written beside them). Results go to ``benchmarks/batch-stages-results.json``.

    .venv/bin/python benchmarks/bench_batch_stages.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_columnar import _LAUNCHER, AS_OF, header
from population import PopulationParams, generate

RESULTS = Path(
    os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "batch-stages-results.json")
)

#: Runs in the child: the command's stages, in its order, each timed; one JSON line out.
_STAGES = """
import json, sys, time
marks = [("start", time.perf_counter())]
def mark(name):
    marks.append((name, time.perf_counter()))
from credit_rules.cli import main as cli
from credit_rules.i18n import translator
_ = translator("en")
words = sys.argv[1:]
try:
    parser = cli.build_parser(_, only="batch")
except TypeError:  # the code before the parser could be built for one command
    parser = cli.build_parser(_)
args = parser.parse_args(words)
args.lang, args.gettext = "en", _
from credit_rules.cli.commands import batch
mark("cli_imports_and_parser")
from credit_rules.columnar import ColumnarEngine
mark("polars_and_backend_imports")
from credit_rules.cli.ruleset_arg import resolve
ruleset = resolve(args.ruleset).ruleset
mark("ruleset")
engine = ColumnarEngine(ruleset)
mark("engine_compile")
from credit_rules.columnar.inputs import read_table
frame, _name = read_table(args.events[0], "events")
mark("read_parquet")
inputs = engine.read(frame)
mark("validate")
if hasattr(batch, "evaluate"):
    table, outcomes = batch.evaluate(engine, inputs, args)
else:  # the code before run was cut into stages: its own lines
    import polars as pl
    from credit_rules.columnar.partitions import in_parts
    parts = [p for p, _, _ in in_parts(engine, inputs, args.as_of, args.table, None)]
    table = pl.concat(parts, rechunk=False)
mark("evaluate_in_ranges")
del inputs
if hasattr(batch, "deliver"):
    batch.deliver(table, args)
else:
    from pathlib import Path
    batch._write(table, Path(args.output))
mark("write")
print(json.dumps({name: marks[i + 1][1] - marks[i][1] for i, (name, _) in enumerate(marks[1:])}))
"""


def launched(command: list[str]) -> dict[str, Any]:
    """Wall time and peak RSS of ``command``, from a small launcher process."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    if found["code"] != 0:
        raise SystemExit(f"{command[:4]} failed: {found['stderr']}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--table", nargs="+", default=["outcomes", "decisions"])
    args = parser.parse_args()

    params = PopulationParams(persons=args.persons)
    raw = generate(params)
    report: dict[str, Any] = {
        **header("bench_batch_stages.py"),
        "as_of": AS_OF.isoformat(),
        "population": {**params.as_json(), **raw.counts},
        "repeat": args.repeat,
    }
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "events.parquet"
        pl.DataFrame(raw.events, infer_schema_length=None).write_parquet(source)
        del raw
        floor = [launched([sys.executable, "-c", "pass"])["seconds"] for _ in range(args.repeat)]
        report["interpreter_seconds"] = {"best": round(min(floor), 3), "every_run": floor}
        for table in args.table:
            out = Path(folder) / f"{table}.parquet"
            words = [
                "batch", "lianyungang-2007", "--events", str(source),
                "--as-of", AS_OF.isoformat(), "-o", str(out), "--table", table,
            ]  # fmt: skip
            commands, stages = [], []
            for _ in range(args.repeat):
                done = launched([sys.executable, "-m", "credit_rules.cli.main", *words])
                commands.append(
                    {
                        "seconds_wall": round(done["seconds"], 3),
                        "cpu_seconds": round(done["cpu"], 3),
                        "peak_rss_mib": round(done["peak_kib"] / 1024, 1),
                    }
                )
                staged = launched([sys.executable, "-c", _STAGES, *words])
                times = json.loads(staged["stdout"])
                times["outside_the_stages"] = staged["seconds"] - sum(times.values())
                times["wall"] = staged["seconds"]
                stages.append({name: round(value, 3) for name, value in times.items()})
            best = min(range(args.repeat), key=lambda i: stages[i]["wall"])
            report[table] = {
                "command_best": min(commands, key=lambda c: c["seconds_wall"]),
                "command_every_run": commands,
                "stages_of_the_fastest_run": stages[best],
                "stages_every_run": stages,
                "rows_written": pl.read_parquet(out).height,
            }
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
