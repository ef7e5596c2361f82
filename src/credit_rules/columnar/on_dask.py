"""The columnar backend on a Dask cluster: a Dask DataFrame of events in, of results out.

Events are shuffled so that each subject's events share a partition, then every partition goes
through :func:`~credit_rules.columnar.partitions.evaluate_partition` on a worker. The ruleset
travels to the workers by pickle and is compiled there once; so does a subjects table, once for
all partitions (the rulesets with several subject kinds are Ganzhou's, of institutions, whose
subjects table is small beside their events). Nothing is gathered on the client:
the result is a lazy Dask DataFrame like the input. Needs the ``dask`` extra.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
from dask.delayed import delayed

from credit_rules.columnar.partitions import ResultTable, evaluate_partition, result_schema
from credit_rules.ruleset import ir


def _partition(
    frame: pd.DataFrame,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable,
    subjects: pa.Table | None,
) -> pd.DataFrame:
    events = pa.Table.from_pandas(frame, preserve_index=False)
    return _pandas(evaluate_partition(events, ruleset, as_of, table, subjects))


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
    if not partitioned_by_subject:
        events = events.shuffle(on="subject")
    meta: Any = _pandas(result_schema(ruleset, as_of, table).empty_table())
    # One task holds the subjects table; every partition's task depends on it, so it is
    # sent to each worker once rather than copied into every task.
    shared = None if subjects is None else delayed(_arrow)(subjects)
    found: dd.DataFrame = events.map_partitions(  # type: ignore[no-untyped-call]
        _partition, ruleset, as_of, table, shared, meta=meta, align_dataframes=False
    )
    return found


def _arrow(subjects: Any) -> pa.Table:
    if isinstance(subjects, pd.DataFrame):
        return pa.Table.from_pandas(subjects, preserve_index=False)
    if isinstance(subjects, pa.Table):
        return subjects
    found: pa.Table = subjects.to_arrow()  # a Polars frame
    return found
