"""The columnar backend on a Dask cluster: a Dask DataFrame of events in, of results out.

Events are shuffled so that each subject's events share a partition, then every partition goes
through :func:`~credit_rules.columnar.partitions.evaluate_partition` on a worker. The ruleset
travels to the workers by pickle and is compiled there once. Nothing is gathered on the client:
the result is a lazy Dask DataFrame like the input. Needs the ``dask`` extra.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

from credit_rules.columnar.partitions import ResultTable, evaluate_partition, result_schema
from credit_rules.ruleset import ir


def _partition(
    frame: pd.DataFrame, ruleset: ir.Ruleset, as_of: dt.date, table: ResultTable
) -> pd.DataFrame:
    events = pa.Table.from_pandas(frame, preserve_index=False)
    return _pandas(evaluate_partition(events, ruleset, as_of, table))


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
) -> dd.DataFrame:
    """One result table for a whole population held as a Dask DataFrame of events (the long
    form of docs/batch.md). Unless ``partitioned_by_subject`` says the partitions already keep
    each subject's events together, they are shuffled on ``subject`` first."""
    if not partitioned_by_subject:
        events = events.shuffle(on="subject")
    meta: Any = _pandas(result_schema(ruleset, as_of, table).empty_table())
    found: dd.DataFrame = events.map_partitions(  # type: ignore[no-untyped-call]
        _partition, ruleset, as_of, table, meta=meta, align_dataframes=False
    )
    return found
