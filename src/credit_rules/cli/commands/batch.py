"""``credit-rules batch RULESET --events PATH... [--subjects PATH] --as-of DATE -o OUT``.

The nightly job of a bureau: a population's events from Parquet (or CSV) files through the
columnar backend, one table of results written to Parquet or CSV (by the output's extension),
and one summary line (rows written, subjects per outcome on the day, time, events per
second). On a terminal a progress bar on stderr follows the evaluation, range of subjects by
range of subjects; piped or redirected, only the summary is printed. The output is written to
a temporary file beside it and renamed into place only when complete, so a bad input or a
failure leaves no partial file behind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from credit_rules.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_command,
    date_type,
    whole_number,
)
from credit_rules.cli.console import progress_bar
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import Problem, ScenarioError
from credit_rules.i18n import Gettext

TABLES = ("decisions", "duties", "outcomes")


def register(commands: Any, _: Gettext) -> None:
    parser = add_command(
        commands,
        "batch",
        _,
        help="evaluate a whole population from Parquet/CSV files (columnar backend)",
        description=(
            "Evaluate a population's events from Parquet or CSV tables through the columnar "
            "backend as of a day, and write one table of results (decisions, duties or the "
            "outcomes on that day) to Parquet or CSV, with a one-line summary."
        ),
    )
    parser.add_argument("ruleset", help="a ruleset file or the id of a bundled ruleset")
    parser.add_argument(
        "--events", nargs="+", required=True, metavar="PATH", help="events tables (Parquet/CSV)"
    )
    parser.add_argument("--subjects", metavar="PATH", help="subjects table (id, kind)")
    parser.add_argument("--as-of", required=True, type=date_type(_), help="the day, YYYY-MM-DD")
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="result file: .parquet or .csv"
    )
    parser.add_argument(
        "--table", choices=TABLES, default="decisions", help="which result to write"
    )
    parser.add_argument(
        "--events-per-part",
        type=whole_number(_, 1),
        default=None,
        metavar="N",
        help="evaluate ranges of subjects of about N events one after another, which bounds "
        "memory (default 50000; 500000 for --table outcomes)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # polars is an extra: loaded only by this command, never by `credit-rules` itself.
    try:
        import polars as pl

        from credit_rules.columnar import ColumnarEngine
        from credit_rules.columnar.partitions import in_parts
    except ModuleNotFoundError as error:
        print(
            f"credit-rules: `credit-rules batch` needs the [columnar] extra ({error.name} is "
            "missing): pip install 'credit-rules[columnar]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    output = Path(args.output)
    if output.suffix not in (".parquet", ".csv"):
        raise ScenarioError(
            None, [Problem("the output must end in .parquet or .csv", f"-o {args.output}")]
        )
    missing = [p for p in (*args.events, args.subjects) if p is not None and not Path(p).is_file()]
    if missing:
        raise ScenarioError(None, [Problem("no such file", p) for p in missing])
    started = time.perf_counter()
    engine = ColumnarEngine(resolve(args.ruleset).ruleset)
    events = args.events[0] if len(args.events) == 1 else list(args.events)
    inputs = engine.read(events, args.subjects)
    total = inputs.events.height
    tables, outcomes = [], []
    with progress_bar(total, f"{args.table}: events") as advance:
        for table, on_the_day, done in in_parts(
            engine, inputs, args.as_of, args.table, args.events_per_part
        ):
            tables.append(table)
            outcomes.append(on_the_day)
            advance(done)
    del inputs  # the results are written from here; the input's memory is not needed
    result = pl.concat(tables, rechunk=False)
    _write(result, output)
    elapsed = time.perf_counter() - started
    print(
        summary(args.table, result.height, output, args.as_of, pl.concat(outcomes), total, elapsed)
    )
    return EXIT_OK


def _write(table: Any, output: Path) -> None:
    """The table at ``output``, complete or not at all: written beside it, then renamed."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=output.suffix, dir=output.parent or "."
    )
    os.close(handle)
    try:
        if output.suffix == ".csv":
            table.write_csv(temporary)
        else:
            table.write_parquet(temporary)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def summary(
    table: str,
    rows: int,
    output: Path,
    as_of: dt.date,
    outcomes: Any,
    events: int,
    seconds: float,
) -> str:
    """The one line a nightly job's log keeps: what was written, the subjects under each
    measure on the day, and how fast (input events per second, the figure that scales)."""
    counts = outcomes.group_by("outcome").len().sort("outcome").iter_rows()
    per_outcome = ", ".join(f"{name} {n}" for name, n in counts) or "none"
    people = outcomes["subject"].n_unique()
    rate = events / seconds if seconds > 0 else 0.0
    return (
        f"{table}: {rows} rows to {output}; on {as_of.isoformat()} {people} subjects under "
        f"measures ({per_outcome}); {events} events in {seconds:.2f} s ({rate:,.0f} events/s)"
    )
