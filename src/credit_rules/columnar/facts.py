"""Facts on columns: each fact of each trigger on each stretch, by joins within its subject.

A count or latest entry joins the register's records valid on the trigger's day or the day
assessed; an event query joins the subject's events of its type known by the stretch's first
day, filters them by its ``where`` and counts, picks or collects them in the history's order.
Only the columns an expression reads travel through a join (:func:`narrow`).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from credit_rules.columnar.expressions import column
from credit_rules.columnar.plans import FactPlan
from credit_rules.columnar.workdays import DayIndex
from credit_rules.ruleset import ir


def fact_column(
    plan: FactPlan,
    grid: pl.DataFrame,
    known: pl.DataFrame,
    records: Mapping[str, pl.DataFrame],
    event_fields: tuple[str, ...],
    days: DayIndex,
) -> pl.DataFrame:
    """``grid`` (one row per trigger and stretch, keyed by ``_g``) with the fact's column."""
    fact = plan.fact
    derivation = fact.derivation
    name = fact.id
    if isinstance(derivation, ir.Computed):
        assert plan.value is not None
        if plan.overflow is not None:
            days.raise_if_past(grid.filter(plan.overflow), f"the fact {name}")
        return grid.with_columns(plan.value.alias(name))
    keys = ["_g"]
    # Only the columns the fact's expressions read travel through its join: the grid
    # holds every fact computed so far, and most of them are not read here.
    few = narrow(grid, plan.where, plan.value)
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        valid_on = pl.col("trigger_date") if derivation.valid_on == "trigger" else pl.col("_d")
        counted_records = records[derivation.register].rename({"_removed": "_gone"})
        joined = few.join(counted_records, on="_sid", how="inner").filter(
            (pl.col("_entered") <= valid_on)
            & (valid_on <= pl.col("_last_valid"))
            & (pl.col("_gone").is_null() | (pl.col("_gone") > pl.col("_d")))
        )
        if plan.where is not None:
            joined = joined.filter(plan.where)
        if isinstance(derivation, ir.CountOf):
            counted = joined.group_by(keys).agg(pl.len().cast(pl.Int64).alias(name))
            return grid.join(counted, on=keys, how="left").with_columns(pl.col(name).fill_null(0))
        latest = joined.group_by(keys).agg(pl.col("_entered").max().alias(name))
        return grid.join(latest, on=keys, how="left")
    assert isinstance(derivation, ir.EventQuery)
    events = known.filter(pl.col("type") == derivation.event_type).select(
        "_sid",
        pl.col("_seq").alias("_eseq"),
        pl.col("date").alias(column("event", "date")),
        *[pl.col(c).alias(column("event", c)) for c in event_fields if c != "date"],
    )
    joined = few.join(events, on="_sid", how="inner").filter(
        pl.col(column("event", "date")) <= pl.col("_d")
    )
    if plan.where is not None:
        joined = joined.filter(plan.where)
    if derivation.pick == "count":
        counted = joined.group_by(keys).agg(pl.len().cast(pl.Int64).alias(name))
        return grid.join(counted, on=keys, how="left").with_columns(pl.col(name).fill_null(0))
    value = plan.value if plan.value is not None else pl.col(column("event", "date"))
    picked = joined.with_columns(value.alias("_value")).sort("_eseq")
    if derivation.pick == "collect":
        # Every matching value in the history's order; none is an empty list, not null.
        found = picked.group_by(keys).agg(pl.col("_value").alias(name))
        kind = found.schema[name]
        return grid.join(found, on=keys, how="left").with_columns(
            pl.col(name).fill_null(pl.lit([], kind))
        )
    chosen = pl.col("_value").first() if derivation.pick == "first" else pl.col("_value").last()
    found = picked.group_by(keys).agg(chosen.alias(name))
    return grid.join(found, on=keys, how="left")


def narrow(grid: pl.DataFrame, *exprs: pl.Expr | None) -> pl.DataFrame:
    """The grid's key, subject and days, and the columns ``exprs`` read."""
    wanted = {"_g", "_sid", "_d", "trigger_date"}
    for expr in exprs:
        if expr is not None:
            wanted.update(expr.meta.root_names())
    return grid.select([c for c in grid.columns if c in wanted])
