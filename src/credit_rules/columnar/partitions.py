"""One partition of a population, Arrow in and Arrow out: what a cluster runs.

A population partitioned by subject (every event of a subject in the same partition) can be
evaluated partition by partition, because no result reads another subject's events. The
function here takes the partition's events as an Arrow table and gives one result table as an
Arrow table, so any engine that maps Arrow batches can call it: Dask
(:mod:`credit_rules.columnar.on_dask`, the tested path), Spark's ``mapInArrow`` or Ray's
``map_batches`` (docs/batch.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pyarrow as pa

from credit_rules.columnar.backend import ColumnarEngine
from credit_rules.ruleset import ir

ResultTable = Literal["decisions", "duties", "outcomes"]


_ENGINES: dict[tuple[str, str, str], ColumnarEngine] = {}


def _engine(ruleset: ir.Ruleset) -> ColumnarEngine:
    # Compiled once per worker process and ruleset, not once per partition. A ruleset is not
    # hashable; its identity, digest and parameter values say which it is.
    key = (ruleset.id, ruleset.digest, repr(sorted(ruleset.parameter_values().items())))
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = ColumnarEngine(ruleset)
    return engine


def evaluate_partition(
    events: pa.Table,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable = "decisions",
    subjects: pa.Table | None = None,
) -> pa.Table:
    """One result table for the subjects of one partition."""
    result = _engine(ruleset).evaluate(events, subjects, as_of=as_of)
    frame = {"decisions": result.decisions, "duties": result.duties, "outcomes": result.outcomes}
    return frame[table].to_arrow()


def result_schema(ruleset: ir.Ruleset, as_of: dt.date, table: ResultTable) -> pa.Schema:
    """The schema of a result table, from an empty partition (a cluster's ``meta``)."""
    empty = pa.table(
        {
            "type": pa.array([], pa.string()),
            "subject": pa.array([], pa.string()),
            "date": pa.array([], pa.date32()),
        }
    )
    return evaluate_partition(empty, ruleset, as_of, table).schema
