"""``credit-rules batch RULESET --events PATH... [--subjects PATH] --as-of DATE -o OUT``.

The nightly job of a bureau: a population's events from Parquet (or CSV) files through the
columnar backend, one table of results written to Parquet or CSV (by the output's extension),
and one summary line. The output is written to a temporary file beside it and renamed into
place only when complete, so a bad input or a failure leaves no partial file behind.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from credit_rules.cli.common import EXIT_BAD_INPUT, EXIT_OK, add_command, date_type
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import Problem, ScenarioError
from credit_rules.i18n import Gettext, Message

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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # polars is an extra: loaded only by this command, never by `credit-rules` itself.
    try:
        from credit_rules.columnar import ColumnarEngine
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
            None,
            [
                Problem(
                    Message("the output must end in .parquet or .csv"),
                    f"-o {args.output}",
                )
            ],
        )
    missing = [p for p in (*args.events, args.subjects) if p is not None and not Path(p).is_file()]
    if missing:
        raise ScenarioError(None, [Problem(Message("no such file"), p) for p in missing])
    started = time.perf_counter()
    engine = ColumnarEngine(resolve(args.ruleset).ruleset)
    events = args.events[0] if len(args.events) == 1 else list(args.events)
    result = engine.evaluate(events, args.subjects, as_of=args.as_of)
    table = getattr(result, args.table)
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
    elapsed = time.perf_counter() - started
    counts = result.outcomes.group_by("outcome").len().sort("outcome").iter_rows()
    per_outcome = ", ".join(f"{name} {n}" for name, n in counts) or "none"
    people = result.outcomes["subject"].n_unique()
    print(
        f"{args.table}: {table.height} rows to {output}; on {args.as_of.isoformat()} "
        f"{people} subjects under measures ({per_outcome}); {elapsed:.2f} s",
        file=sys.stderr if str(output) == "-" else sys.stdout,
    )
    return EXIT_OK
