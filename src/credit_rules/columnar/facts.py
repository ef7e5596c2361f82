"""Facts on columns: each fact of each trigger on each stretch, by joins within its subject.

A count or latest entry joins the register's records valid on the trigger's day or the day
assessed; an event query joins the subject's events of its type known by the stretch's first
day, filters them by its ``where`` and counts, picks or collects them in the history's order.
Only the columns an expression reads travel through a join (:func:`narrow`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import polars as pl

from credit_rules.columnar.expressions import ON_STRETCH, column
from credit_rules.columnar.plans import FactPlan
from credit_rules.columnar.schema import ENGINE
from credit_rules.columnar.workdays import DayIndex
from credit_rules.ruleset import ir


def fact_column(
    plan: FactPlan,
    grid: pl.DataFrame,
    events: EventsOfType,
    records: Mapping[str, pl.DataFrame],
    days: DayIndex,
) -> pl.DataFrame:
    """``grid`` (one row per trigger and stretch, keyed by ``_g``) with the fact's column."""
    fact = plan.fact
    derivation = fact.derivation
    name = fact.id
    if isinstance(derivation, ir.Computed):
        assert plan.value is not None
        if plan.overflow is not None:
            days.raise_if_past(grid.filter(plan.overflow & ON_STRETCH), f"the fact {name}")
        return grid.with_columns(plan.value.alias(name))
    keys = ["_g"]
    # Only the columns the fact's expressions read travel through its join: the grid
    # holds every fact computed so far, and most of them are not read here.
    few = narrow(grid, plan.where, plan.value)
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        valid_on = pl.col("trigger_date") if derivation.valid_on == "trigger" else pl.col("_d")
        if isinstance(derivation, ir.CountOf) and plan.where is None:
            fast = _count_valid(few, records[derivation.register], valid_on)
            if fast is not None:
                return grid.with_columns(fast.alias(name))
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
            return _put_back(grid, counted, name, pl.lit(0, pl.Int64))
        latest = joined.group_by(keys).agg(pl.col("_entered").max().alias(name))
        return _put_back(grid, latest, name)
    assert isinstance(derivation, ir.EventQuery)
    if derivation.pick == "count" and grid.height == 0:
        # No trigger of the kind: its events are not cut out of the history to count none.
        return grid.with_columns(pl.lit(0, pl.Int64).alias(name))
    # One lazy plan from the join to the grid's new column: the matched rows, which are the
    # most rows of any step, are never a frame of their own.
    matched = (
        few.lazy()
        .join(events.of(derivation.event_type).lazy(), on="_sid", how="inner")
        .filter(pl.col(column("event", "date")) <= pl.col("_d"))
    )
    if plan.where is not None:
        matched = matched.filter(plan.where)
    if derivation.pick == "count":
        tally = matched.group_by(keys).agg(pl.len().cast(pl.Int64).alias(name))
        return _put_back(grid, tally.collect(engine=ENGINE), name, pl.lit(0, pl.Int64))
    value = plan.value if plan.value is not None else pl.col(column("event", "date"))
    picked = matched.with_columns(value.alias("_value")).sort("_eseq")
    if derivation.pick == "collect":
        # Every matching value in the history's order; none is an empty list, not null.
        found = picked.group_by(keys).agg(pl.col("_value").alias(name)).collect(engine=ENGINE)
        return _put_back(grid, found, name, pl.lit([], found.schema[name]))
    chosen = pl.col("_value").first() if derivation.pick == "first" else pl.col("_value").last()
    found = picked.group_by(keys).agg(chosen.alias(name)).collect(engine=ENGINE)
    return _put_back(grid, found, name)


def _put_back(
    grid: pl.DataFrame, found: pl.DataFrame, name: str, missing: pl.Expr | None = None
) -> pl.DataFrame:
    """``grid`` with ``found``'s column ``name`` on the rows its ``_g`` names (``_g`` is the
    grid's row number: numbered last, after every join that could move rows), ``missing``
    (or null) on the others. A gather by a scattered index, not a left join on ``_g``: the
    join hashes every row of the grid (Ganzhou's 164,385 stretches: 7.4 against 3.6 ms a
    collected fact, most of the grid's rows having no value)."""
    at = pl.repeat(None, grid.height, dtype=pl.UInt32, eager=True).scatter(
        found.get_column("_g"), pl.int_range(found.height, dtype=pl.UInt32, eager=True)
    )
    value = found.get_column(name).gather(at)
    return grid.with_columns(value if missing is None else value.fill_null(missing))


class EventsOfType:
    """The known events of each type, cut out of the history once per evaluation, when first
    asked for: many facts query the same few types, and each kind of trigger is one type. A
    type nobody asks for is never copied (at 1M persons the entries, 438,207 of 448,171
    events, were copied out with the rest only to be left unread). ``of`` gives a type's
    events in the columns event queries read (named as the ``event`` scope names them),
    ``raw`` in the history's own columns (``_sid``, ``_seq``, ``date``, ``_key``,
    ``_early`` and the fields in ``fields``). ``keys`` names, by type, the field that holds
    the id an event names (``_key``: null for a type without one). The kinds of trigger of
    one evaluation share it from threads of their own (:mod:`.side_by_side`): a type is cut
    out under a lock, once, and not once per thread that asks for it."""

    def __init__(
        self,
        known: pl.DataFrame,
        event_fields: tuple[str, ...],
        fields: tuple[str, ...],
        keys: Mapping[str, str],
    ) -> None:
        self._known = known
        self._event_fields = event_fields
        self._keys = keys
        self._columns = list(dict.fromkeys(("_sid", "_seq", "date", "_early", *event_fields)))
        self._fields = fields
        self._parts: dict[str, pl.DataFrame] = {}
        self._named: dict[str, pl.DataFrame] = {}
        self._lock = threading.RLock()

    def raw(self, event_type: str) -> pl.DataFrame:
        with self._lock:
            found = self._parts.get(event_type)
            if found is None:
                # Lazy, so that only the columns selected are copied out of the wide history.
                field = self._keys.get(event_type)
                key = pl.lit(None, pl.String) if field is None else pl.col(field)
                found = self._parts[event_type] = (
                    self._known.lazy()
                    .filter(pl.col("type") == event_type)
                    .select(
                        *self._columns,
                        key.alias("_key"),
                        *[c for c in self._fields if c not in self._columns],
                    )
                    .collect(engine=ENGINE)
                )
            return found

    def of(self, event_type: str) -> pl.DataFrame:
        with self._lock:
            found = self._named.get(event_type)
            if found is None:
                found = self._named[event_type] = self.raw(event_type).select(
                    "_sid",
                    pl.col("_seq").alias("_eseq"),
                    pl.col("date").alias(column("event", "date")),
                    *[
                        pl.col(c).alias(column("event", c))
                        for c in self._event_fields
                        if c != "date"
                    ],
                )
            return found


def of_few_subjects(rows: pl.DataFrame, asking: pl.DataFrame) -> pl.DataFrame:
    """``rows`` of the subjects in ``asking`` alone, when ``asking`` is small beside them (a
    few corrections or queries): what each asks reads its own subject's rows only, and every
    step over all the rows costs their whole length however few ask. Otherwise ``rows``."""
    if asking.height * 4 >= rows.height:
        return rows
    if asking.height == 0:
        return rows.clear()  # nobody asks: no row is looked up to be left out
    return rows.filter(pl.col("_sid").is_in(asking.get_column("_sid").unique().implode()))


def _count_valid(grid: pl.DataFrame, records: pl.DataFrame, valid_on: pl.Expr) -> pl.Series | None:
    """For each grid row, its subject's records valid on ``valid_on`` and not removed by
    ``_d``, counted without a join: the records entered by that day, less those whose last
    valid day is before it (a record is valid from its entry, so those were entered before
    it too), each number found by a binary search in a sorted column of (subject, day)
    keys; the few removed records are then taken off by a join of their own. None when the
    days do not fit the keys (the caller joins)."""
    if grid.height == 0:
        return pl.Series("_n", [], pl.Int64)
    # A few triggers (corrections, queries) count among their own subjects' records only.
    records = of_few_subjects(records, grid)
    # The range of every day read, each column's read where it is (not copied into one).
    span = [pl.col("_entered"), pl.col("_last_valid")]
    own = records.select(
        pl.min_horizontal(day.min() for day in span).alias("low"),
        pl.max_horizontal(day.max() for day in span).alias("high"),
        pl.sum_horizontal(day.null_count() for day in span).alias("nulls"),
        (pl.col("_last_valid") < pl.col("_entered")).any().alias("backwards"),
    ).row(0, named=True)
    asked_days = grid.select(
        valid_on.min().alias("low"),
        valid_on.max().alias("high"),
        valid_on.null_count().alias("nulls"),
    ).row(0, named=True)
    if own["nulls"] or asked_days["nulls"] or own["backwards"]:
        return None
    ends = (own["low"], own["high"], asked_days["low"], asked_days["high"])
    found_days = [day for day in ends if day is not None]
    if not found_days:
        return None
    low, high = min(found_days), max(found_days)
    width = ((high - low).days + 1).bit_length()
    most = max(grid.get_column("_sid").max() or 0, records.get_column("_sid").max() or 0)
    assert isinstance(most, int)
    if width + most.bit_length() > 62:
        return None
    base = pl.lit(low, pl.Date).cast(pl.Int32).cast(pl.Int64)

    # A UInt64 subject number below 2**62 (checked above) is the same Int64 bit for bit:
    # reinterpreted, not cast, which checks every value (seven times the arithmetic).
    sid = pl.col("_sid")
    unsigned = grid.schema["_sid"] == records.schema["_sid"] == pl.UInt64
    wide_sid = sid.reinterpret(signed=True) if unsigned else sid

    def key(day: pl.Expr) -> pl.Expr:
        subject: pl.Expr = wide_sid.cast(pl.Int64) * (1 << width)
        return subject + (day.cast(pl.Int32).cast(pl.Int64) - base)

    # Each (subject, day) key of the records, sorted. Records in the history's order are in
    # the order of their keys already, and a look at them costs a twentieth of a sort that
    # finds it out (0.08 against 1.9 ms on 438,207 keys).
    entered, last_valid = (
        _sorted(records.select(key(pl.col(day)).alias("_k")).to_series())
        for day in ("_entered", "_last_valid")
    )

    # The merges below and the removals' join read nothing of each other: their plans are
    # collected together, and Polars runs them side by side.
    plans: list[pl.LazyFrame] = []

    def counted(questions: pl.Series, ordered: bool) -> Callable[[list[pl.DataFrame]], pl.Series]:
        """The records valid on each of the ``questions`` (keys): those entered by its day
        less those whose last valid day is before it, read from the collected ``plans``.
        Questions in order (``ordered``), as many as the records, are answered by an as-of
        join on sorted keys, one merge, where a binary search per row costs several times
        more; a few, in any order, by a binary search each, where a merge would walk every
        record's key."""
        if questions.len() * 8 < entered.len() or not ordered:
            at_most = entered.search_sorted(questions, side="right").cast(pl.Int64)
            found = at_most - last_valid.search_sorted(questions, side="left").cast(pl.Int64)
            return lambda _: found
        frame = questions.set_sorted().to_frame("_k").lazy()

        def below(keys: pl.Series, exact: bool) -> pl.LazyFrame:
            return frame.join_asof(
                keys.to_frame("_k").with_row_index("_n").lazy(),
                on="_k",
                strategy="backward",
                allow_exact_matches=exact,
            ).select((pl.col("_n").cast(pl.Int64) + 1).fill_null(0))

        at = len(plans)
        plans.extend((below(entered, True), below(last_valid, False)))
        return lambda done: done[at].to_series() - done[at + 1].to_series()

    asked = grid.select(key(valid_on)).to_series()
    # The grid holds each occasion's first stretch in the occasions' order, so its keys are
    # in order up to the few later stretches after them: that head is asked as it is, in
    # one merge, and the rest (a few, out of order) by binary searches.
    descents = asked.diff().lt(0).arg_true()
    head = int(descents[0]) if descents.len() else asked.len()
    count = counted(asked.slice(0, head), ordered=True)
    tail = asked.slice(head)
    back, order = None, None
    if tail.len():
        # Many out of order are sorted, asked in one merge, and the counts put back in place
        # by a scatter, where an inverse permutation would sort them a second time.
        order = tail.arg_sort() if tail.len() * 8 >= entered.len() else None
        back = counted(tail, False) if order is None else counted(tail.gather(order), True)
    removed = records.select("_sid", "_entered", "_last_valid", "_removed").filter(
        pl.col("_removed").is_not_null()
    )
    if removed.height:
        # Only the rows of subjects with a removed record (a few of them) are joined.
        hit = pl.col("_sid").is_in(removed.get_column("_sid").unique().implode())
        plans.append(
            grid.lazy()
            .select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
                "_sid",
                "_d",
                valid_on.alias("_v"),
            )
            .filter(hit)
            .join(removed.lazy(), on="_sid")
            .filter(
                (pl.col("_entered") <= pl.col("_v"))
                & (pl.col("_v") <= pl.col("_last_valid"))
                & (pl.col("_removed") <= pl.col("_d"))
            )
            .group_by("_i")
            .agg(pl.len().cast(pl.Int64).alias("_gone"))
        )
    done = pl.collect_all(plans, engine=ENGINE)
    found = count(done)
    if back is not None:
        later = back(done)
        if order is not None:
            later = pl.repeat(0, tail.len(), dtype=pl.Int64, eager=True).scatter(order, later)
        found = pl.concat([found, later], rechunk=True)
    if removed.height:
        gone = done[-1]
        rows = gone.get_column("_i")
        found = found.scatter(rows, found.gather(rows) - gone.get_column("_gone"))
    return found


def _sorted(keys: pl.Series) -> pl.Series:
    """``keys`` in ascending order, flagged so."""
    return keys.set_sorted() if keys.is_sorted() else keys.sort()


def narrow(grid: pl.DataFrame, *exprs: pl.Expr | None) -> pl.DataFrame:
    """The grid's key, subject and days, and the columns ``exprs`` read."""
    wanted = {"_g", "_sid", "_d", "trigger_date"}
    for expr in exprs:
        if expr is not None:
            wanted.update(expr.meta.root_names())
    return grid.select([c for c in grid.columns if c in wanted])
