"""The columnar backend on a Dask cluster: a Dask DataFrame of events in, of results out.

Events are shuffled so that each subject's events share a partition, then every partition goes
through :func:`~credit_rules.columnar.partitions.evaluate_partition` on a worker. The ruleset
travels to the workers by pickle and is compiled there once; so does a subjects table, once for
all partitions (the rulesets with several subject kinds are Ganzhou's, of institutions, whose
subjects table is small beside their events). Nothing is gathered on the client:
the result is a lazy Dask DataFrame like the input. Needs the ``dask`` extra.

Each event carries its place in the input (partition and row) through the shuffle, so that a
problem names the row the caller gave (``events.partitions[3][1500].category``), not its place
in a shuffled partition. :func:`write_parquet` is the nightly job's whole step: it writes
nothing at the output path unless every partition was evaluated, and refuses bad input with
one error that counts the problems of all partitions.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

import dask.dataframe as dd
import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dask.base import compute, tokenize
from dask.delayed import delayed
from fsspec.implementations.local import LocalFileSystem

from credit_rules.columnar.partitions import ResultTable, evaluate_partition, result_schema
from credit_rules.errors import ArgumentError, Problem, TableCell, TableError
from credit_rules.i18n import Message
from credit_rules.ruleset import ir

#: The column that carries each event's place in the input through the shuffle: its
#: partition number above bit 32, its row within that partition below.
_PLACE = "__credit_rules_place"
_ROW_BITS = 32


def _placed(frame: pd.DataFrame, partition_info: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """``frame`` with each row's place in the input (:data:`_PLACE`)."""
    number = int(partition_info["number"]) if partition_info else 0
    places = np.arange(len(frame), dtype=np.int64) + (number << _ROW_BITS)
    return frame.assign(**{_PLACE: places})


#: Where a problem that names no row of the events sorts: after those that do.
_NO_PLACE = 1 << 62


def _in_input(error: TableError, places: np.ndarray[Any, Any]) -> TableError:
    """``error`` of one partition's events with each row named by its place in the input
    (``events.partitions[P][R]``)."""
    return TableError(error.source, [p for _, p in _placed_problems(error, places)], error.total)


def _placed_problems(error: TableError, places: np.ndarray[Any, Any]) -> list[tuple[int, Problem]]:
    """Each problem of ``error`` with its row renamed by its place in the input, read off the
    problem's cell (never off its text), and that place as a number that sorts the input's
    rows in order."""
    found = []
    for problem in error.problems:
        cell = problem.cell
        if cell is None or cell.table != "events":
            found.append((_NO_PLACE, problem))
            continue
        place = int(places[cell.row])
        table = f"events.partitions[{place >> _ROW_BITS}]"
        row = place & ((1 << _ROW_BITS) - 1)
        renamed = Problem(
            problem.clear_message,
            f"{table}[{row}].{cell.column}",
            cell=TableCell(table, row, cell.column),
        )
        found.append((place, renamed))
    return found


def _partition(
    frame: pd.DataFrame,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable,
    subjects: pa.Table | None,
) -> pd.DataFrame:
    return _pandas(_evaluated(frame, ruleset, as_of, table, subjects))


def _evaluated(
    frame: pd.DataFrame,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable,
    subjects: pa.Table | None,
) -> pa.Table:
    """One partition's result table; its problems name the input's rows."""
    places, events = _split(frame)
    try:
        return evaluate_partition(events, ruleset, as_of, table, subjects)
    except TableError as error:
        raise _in_input(error, places) from None


def _split(frame: pd.DataFrame) -> tuple[np.ndarray[Any, Any], pa.Table]:
    """The places of a partition's rows in the input (every partition has them, from
    :func:`_by_subject`), and its events without them."""
    places = frame[_PLACE].to_numpy()
    return places, pa.Table.from_pandas(frame.drop(columns=[_PLACE]), preserve_index=False)


def _pandas(table: pa.Table) -> pd.DataFrame:
    # Arrow-backed columns: no conversion of every string and date to a Python object, and
    # the next step (to_parquet, or another Arrow consumer) gets the Arrow arrays back.
    found: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return found


def evaluate_dask(
    events: dd.DataFrame,
    ruleset: ir.Ruleset,
    *,
    as_of: dt.date,
    table: ResultTable = "decisions",
    partitioned_by_subject: bool = False,
    subjects: Any = None,
) -> dd.DataFrame:
    """One result table for a whole population held as a Dask DataFrame of events (the long
    form of docs/batch.md). Unless ``partitioned_by_subject`` says the partitions already keep
    each subject's events together, they are shuffled on ``subject`` first. ``subjects``
    (``id``, ``kind``: an Arrow table, a Polars or pandas frame) is required where the ruleset
    has several subject kinds; every partition reads it whole."""
    events = _by_subject(events, partitioned_by_subject)
    meta: Any = _pandas(result_schema(ruleset, as_of, table).empty_table())
    found: dd.DataFrame = events.map_partitions(  # type: ignore[no-untyped-call]
        _partition, ruleset, as_of, table, _shared(subjects), meta=meta, align_dataframes=False
    )
    return found


def _by_subject(events: dd.DataFrame, partitioned_by_subject: bool) -> dd.DataFrame:
    """``events`` with their places in the input, each subject's in one partition."""
    meta = _placed(events._meta)
    placed: dd.DataFrame = events.map_partitions(_placed, meta=meta)  # type: ignore[no-untyped-call]
    return placed if partitioned_by_subject else placed.shuffle(on="subject")


def _shared(subjects: Any) -> Any:
    # One task holds the subjects table; every partition's task depends on it, so it is
    # sent to each worker once rather than copied into every task.
    return None if subjects is None else delayed(_arrow)(subjects)


def write_parquet(
    events: dd.DataFrame,
    ruleset: ir.Ruleset,
    path: str | os.PathLike[str],
    *,
    as_of: dt.date,
    table: ResultTable = "decisions",
    partitioned_by_subject: bool = False,
    subjects: Any = None,
    overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None,
) -> int:
    """Evaluate ``events`` as :func:`evaluate_dask` does and write the result table to the
    folder ``path`` (any fsspec URL: a local path, ``s3://…``), one Parquet file per
    partition; return the number of rows written.

    Nothing is written at ``path`` unless every partition was evaluated: the workers write
    into a folder beside it, which takes its name when all are done and is removed on any
    failure. Bad input is refused with one :class:`~credit_rules.errors.TableError` that
    counts the problems of every partition and shows the first ones, each naming its row
    in the input (``events.partitions[P][R].column``). An existing ``path`` is refused
    unless ``overwrite``, and is then replaced only once the new result is complete. On a
    local disk the files are readable by their owner only, as ``credit-rules batch`` writes
    its output: results name persons."""
    fs, root = fsspec.core.url_to_fs(os.fspath(path), **dict(storage_options or {}))
    root = root.rstrip("/")
    if fs.exists(root) and not overwrite:
        raise ArgumentError(
            Message(
                "{path} exists already; pass overwrite=True to replace it", path=os.fspath(path)
            )
        )
    events = _by_subject(events, partitioned_by_subject)
    partial = f"{root}.partial-{tokenize(root, ruleset.digest, as_of, table, events)[:16]}"
    fs.makedirs(partial, exist_ok=True)
    if _is_local(fs):
        os.chmod(partial, 0o700)
    parts = events.to_delayed()  # type: ignore[no-untyped-call]
    shared = _shared(subjects)
    try:
        written = compute(  # type: ignore[no-untyped-call]
            *(
                delayed(_written_part)(part, number, ruleset, as_of, table, shared, fs, partial)
                for number, part in enumerate(parts)
            )
        )
        total = sum(count for _, _, count in written)
        if total:
            # Each partition's first problems, in the order of the input's rows.
            shown = sorted((pair for _, found, _ in written for pair in found), key=_first)
            raise TableError(None, [problem for _, problem in shown], total)
        if fs.exists(root):
            fs.rm(root, recursive=True)
        fs.mv(partial, root, recursive=True)
        return sum(rows for rows, _, _ in written)
    finally:
        if fs.exists(partial):
            fs.rm(partial, recursive=True)


def _written_part(
    frame: pd.DataFrame,
    number: int,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable,
    subjects: pa.Table | None,
    fs: Any,
    folder: str,
) -> tuple[int, list[tuple[int, Problem]], int]:
    """Partition ``number``'s result written to ``folder`` as ``part.N.parquet``: its rows,
    and no problems. A partition refused as bad input writes nothing and gives its first
    problems (each with its place in the input) and their total instead."""
    places, events = _split(frame)
    try:
        result = evaluate_partition(events, ruleset, as_of, table, subjects)
    except TableError as error:
        return 0, _placed_problems(error, places), error.total
    target = f"{folder}/part.{number}.parquet"
    with fs.open(target, "wb") as handle:
        pq.write_table(result, handle)
    if _is_local(fs):
        os.chmod(target, 0o600)
    return result.num_rows, [], 0


def _first(pair: tuple[int, Problem]) -> int:
    return pair[0]


def _is_local(fs: Any) -> bool:
    return isinstance(fs, LocalFileSystem)


def _arrow(subjects: Any) -> pa.Table:
    if isinstance(subjects, pd.DataFrame):
        return pa.Table.from_pandas(subjects, preserve_index=False)
    if isinstance(subjects, pa.Table):
        return subjects
    found: pa.Table = subjects.to_arrow()  # a Polars frame
    return found
