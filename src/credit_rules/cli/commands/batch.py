"""``credit-rules batch RULESET --events PATH... [--subjects PATH] --as-of DATE -o OUT``.

``-`` reads one table (CSV) from standard input, or writes the result as CSV to standard
output (the summary then goes to standard error); ``--format json`` gives the summary as one
JSON document.

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
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_rules.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    STDIO,
    add_command,
    add_format,
    date_type,
    gettext_of,
    lang_of,
    ruleset_ref,
    whole_number,
)
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import Problem, ScenarioError, TableError, os_reason
from credit_rules.i18n import Gettext, Message, date_text, listed, named_text

if TYPE_CHECKING:
    import polars as pl

    from credit_rules.columnar import ColumnarEngine, Inputs

TABLES = ("decisions", "duties", "deadlines", "outcomes")


def register(commands: Any, _: Gettext) -> None:
    parser = add_command(
        commands,
        "batch",
        _,
        help=_("evaluate a whole population from Parquet/CSV files (columnar backend)"),
        description=_(
            "Evaluate a population's events from Parquet or CSV tables through the columnar "
            "backend as of a day, and write one table of results (decisions, duties, the "
            "deadlines counted on that day or the outcomes on it) to Parquet or CSV, with a "
            "one-line summary."
        ),
    )
    parser.add_argument(
        "ruleset", metavar="RULESET", help=_("a ruleset file or the id of a bundled ruleset")
    )
    parser.add_argument(
        "--events",
        nargs="+",
        required=True,
        metavar="PATH",
        help=_("events tables (Parquet/CSV), or - for one CSV table on standard input"),
    )
    parser.add_argument("--subjects", metavar="PATH", help=_("subjects table (id, kind)"))
    parser.add_argument(
        "--as-of",
        required=True,
        type=date_type(_),
        metavar="YYYY-MM-DD",
        help=_("the day the outcomes are taken on"),
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help=_("result file: .parquet or .csv, or - for CSV on standard output"),
    )
    parser.add_argument(
        "--table", choices=TABLES, default="decisions", help=_("which result to write")
    )
    parser.add_argument(
        "--events-per-part",
        type=whole_number(_, 1),
        default=None,
        metavar="N",
        help=_(
            "evaluate ranges of subjects of about N events one after another, which bounds "
            "memory (default 200000; 500000 for --table outcomes)"
        ),
    )
    add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = gettext_of(args)
    # polars is an extra: loaded only by this command, never by `credit-rules` itself.
    try:
        from credit_rules.columnar import ColumnarEngine
    except ModuleNotFoundError as error:
        message = _(
            "`credit-rules batch` needs the [columnar] extra ({name} is missing): "
            "pip install 'credit-rules[columnar]'"
        ).format(name=error.name)
        print(f"credit-rules: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT

    to_stdout = args.output == STDIO
    output = Path(args.output)
    if not to_stdout and output.suffix not in (".parquet", ".csv"):
        raise ScenarioError(
            None,
            [Problem(Message("the output must end in .parquet or .csv"), f"-o {args.output}")],
        )
    if not to_stdout:
        # Before the evaluation, not after it: a path that cannot be written is bad input.
        folder = output.parent  # Path("out.parquet").parent is Path(".")
        if not folder.is_dir():
            raise ScenarioError(
                None, [Problem(Message("no such folder: {folder}", folder=str(folder)), "-o")]
            )
        if output.is_dir():
            raise ScenarioError(
                None, [Problem(Message("{path} is a folder, not a file", path=str(output)), "-o")]
            )
    named = [p for p in (*args.events, args.subjects) if p is not None and p != STDIO]
    missing = [p for p in named if not Path(p).is_file()]
    if missing:
        raise ScenarioError(None, [Problem(Message("no such file"), p) for p in missing])
    if not to_stdout and output.exists():
        # -o naming an input would replace the night's source data with its results.
        clash = [p for p in named if Path(p).is_file() and os.path.samefile(p, output)]
        if clash:
            raise ScenarioError(
                None,
                [
                    Problem(
                        Message(
                            "{path} is an input of this run; write the results elsewhere",
                            path=str(output),
                        ),
                        "-o",
                    )
                ],
            )
    if args.events.count(STDIO) + (args.subjects == STDIO) > 1:
        raise ScenarioError(
            None, [Problem(Message("only one table can be read from standard input"), "-")]
        )
    started = time.perf_counter()
    engine = ColumnarEngine(resolve(args.ruleset).ruleset)
    inputs = read(engine, args)
    total = inputs.events.height
    table, outcomes = evaluate(engine, inputs, args)
    del inputs  # the results are written from here; the input's memory is not needed
    deliver(table, args)
    elapsed = time.perf_counter() - started
    counts = dict(outcomes.group_by("outcome").len().sort("outcome").iter_rows())
    people = outcomes["subject"].n_unique()
    rate = total / elapsed if elapsed > 0 else 0.0
    if args.format == "json":
        document = {
            "ruleset": ruleset_ref(engine.ruleset),
            "as_of": args.as_of.isoformat(),
            "table": args.table,
            "rows": table.height,
            "output": args.output,
            "subjects_under_measures": people,
            "outcomes": counts,
            "seconds": round(elapsed, 3),
            "events": total,
            "events_per_second": round(rate),
        }
        # The table itself goes to standard output under -o -; the document then to stderr.
        stream = sys.stderr if to_stdout else sys.stdout
        stream.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    lang = lang_of(args)
    per_outcome = listed(
        (
            f"{named_text(name, engine.ruleset.outcome(name).description.zh, lang)} {n}"
            for name, n in counts.items()
        ),
        lang,
    ) or _("none")
    rows = _counted(table.height, _("1 row"), _("{count} rows"))
    under = _counted(people, _("1 subject under measures"), _("{count} subjects under measures"))
    counted = _counted(total, _("1 event"), _("{count} events"))
    summary = _(
        "{table}: {rows} to {output}; on {day} {people} ({outcomes}); {events} in "
        "{seconds:.2f} s ({rate:,.0f} events/s)"
    ).format(
        table=args.table,
        rows=rows,
        output=_("standard output") if to_stdout else output,
        day=date_text(args.as_of, lang_of(args)),
        people=under,
        outcomes=per_outcome,
        seconds=elapsed,
        events=counted,
        rate=rate,
    )
    print(summary, file=sys.stderr if to_stdout else sys.stdout)
    return EXIT_OK


# The stages of a run, apart so that benchmarks/bench_batch_stages.py times these very calls.


def read(engine: ColumnarEngine, args: argparse.Namespace) -> Inputs:
    """The input tables named on the command line, validated."""
    with tempfile.TemporaryDirectory(prefix="credit-rules-batch-") as folder:
        # Standard input is read as a CSV file would be, through the same reader.
        events = [_from_stdin(folder) if p == STDIO else p for p in args.events]
        subjects = _from_stdin(folder) if args.subjects == STDIO else args.subjects
        try:
            return engine.read(events[0] if len(events) == 1 else events, subjects)
        except TableError as error:
            if STDIO not in (*args.events, args.subjects):
                raise
            raise _named_stdin(error, str(Path(folder) / "stdin.csv")) from None


def _named_stdin(error: TableError, copy: str) -> TableError:
    """``error`` with standard input called ``<stdin>``, not by the temporary file it was
    read through, which is gone by the time the message is read. The file's name is the
    table's name in each problem's field, so the field is renamed, not its words."""

    def renamed(text: str) -> str:
        return text.replace(copy, STDIN_NAME)

    problems = [
        Problem(
            p.clear_message,
            renamed(p.clear_field),
            p.line,
            p.column,
            None if p.cell is None else p.cell._replace(table=renamed(p.cell.table)),
        )
        for p in error.problems
    ]
    source = None if error.source is None else renamed(error.source)
    return TableError(source, problems, error.total)


def evaluate(
    engine: ColumnarEngine, inputs: Inputs, args: argparse.Namespace
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The table asked for and the outcomes on the day, range of subjects by range."""
    import polars as pl

    from credit_rules.columnar.partitions import in_parts

    tables, on_the_day = [], []
    with _progress(inputs.events.height, f"{args.table}: events") as advance:
        for part, outcomes_part, done in in_parts(
            engine, inputs, args.as_of, args.table, args.events_per_part
        ):
            tables.append(part)
            on_the_day.append(outcomes_part)
            advance(done)
    return pl.concat(tables, rechunk=False), pl.concat(on_the_day)


def deliver(table: pl.DataFrame, args: argparse.Namespace) -> None:
    """The table to its file, or as CSV to standard output."""
    if args.output == STDIO:
        sys.stdout.write(_flat(table).write_csv())
        sys.stdout.flush()
    else:
        _write(table, Path(args.output))


def _progress(total: int, description: str) -> Any:
    """The progress bar on a terminal. Piped or in a log no bar is drawn, and rich (a tenth
    of the start of a short job) is not even imported."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext(lambda _: None)
    from credit_rules.cli.console import progress_bar

    return progress_bar(total, description)


#: What problems in a table read from standard input call it.
STDIN_NAME = "<stdin>"


def _from_stdin(folder: str) -> str:
    path = Path(folder) / "stdin.csv"
    path.write_bytes(sys.stdin.buffer.read())
    return str(path)


def _write(table: Any, output: Path) -> None:
    """Write to a temporary file beside ``output`` and rename it into place when complete.
    A folder that cannot be written (its permissions, a full disk) is bad input, said so."""
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=output.suffix, dir=output.parent or "."
        )
    except OSError as error:
        raise _unwritable(output, error) from None
    os.close(handle)
    try:
        if output.suffix == ".csv":
            _flat(table).write_csv(temporary)
        else:
            table.write_parquet(temporary)
        os.replace(temporary, output)
    except OSError as error:
        raise _unwritable(output, error) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _counted(count: int, one: str, many: str) -> str:
    """``one`` for a count of one, else ``many`` with the count in it (both translated)."""
    return one if count == 1 else many.format(count=count)


def _unwritable(output: Path, error: OSError) -> ScenarioError:
    return ScenarioError(
        str(output),
        [Problem(Message("cannot write: {strerror}", strerror=os_reason(error)), "-o")],
    )


def _flat(table: Any) -> Any:
    """The table with each nested column (a deadline's excluded periods) as JSON text: CSV
    holds only plain values."""
    import polars as pl

    nested = [name for name, dtype in table.schema.items() if dtype.is_nested()]
    if not nested:
        return table
    # json_encode works on structs: wrap the value in {"v": ...} and keep what follows "v".
    return table.with_columns(
        pl.when(pl.col(name).is_not_null())
        .then(
            pl.struct(pl.col(name).alias("v"))
            .struct.json_encode()
            .str.slice(len('{"v":'))
            .str.strip_suffix("}")
        )
        .alias(name)
        for name in nested
    )
