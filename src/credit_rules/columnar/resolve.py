"""Precedence and joining on columns: :func:`credit_rules.engine.timeline.resolve` for every
subject at once, and contradictions between events reported in bulk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from credit_rules.columnar.inputs import shown_rows, with_value
from credit_rules.columnar.schema import ENGINE
from credit_rules.errors import Problem, TableCell, TableError
from credit_rules.i18n import Message

#: An open end (until None) while intervals are computed; one day short of the last date so
#: that the day after it exists.
OPEN = dt.date(9999, 12, 30)


#: Polars' type of row numbers, as NumPy names it.
_INDEX = np.uint64 if pl.get_index_type() == pl.UInt64 else np.uint32

#: The order of the result tables: by subject, rule, trigger, then day.
_TABLE_ORDER = ["_sid", "_rule", "trigger_seq", "_first"]
#: What orders and joins the measures' pieces; the rest is the stretch's, read by ``_v``.
_KEPT = ["_v", "_sid", "_occ", "trigger_seq", "_first", "_last", "_rule"]
#: What finds the runs once the pieces are in order.
_MOVED = ["_v", "_sid", "_occ", "_first", "_last", "_rule"]


def days_later(day: pl.Expr, count: int) -> pl.Expr:
    """``day``, a date, ``count`` days later (earlier if negative), on its day number: Polars
    2.1 adds a duration to a date through a datetime, about forty times as slow (3.8 against
    0.1 ms on 450,000 dates)."""
    return (day.to_physical() + count).cast(pl.Date)


class HistoryProblems:
    """Contradictions between events (the per-subject engine's HistoryError), in bulk."""

    def __init__(self) -> None:
        self.shown: list[Problem] = []
        self.total = 0

    def rows(self, frame: pl.DataFrame, column_name: str, message: Message) -> None:
        self.total += frame.height
        room = TableError.SHOWN - len(self.shown)
        if room > 0 and frame.height:
            for table, row, value in shown_rows(frame.head(room).lazy(), column_name):
                self.shown.append(
                    Problem(
                        with_value(message, value),
                        f"{table}[{row}].{column_name}",
                        cell=TableCell(table, row, column_name),
                    )
                )

    def raise_if_any(self) -> None:
        if self.total:
            raise TableError(None, self.shown, self.total)


def sort_key(frame: pl.DataFrame, columns: list[str]) -> pl.Expr | None:
    """One Int64 that sorts as integer or date ``columns`` do, ascending, when their ranges
    fit in 62 bits and hold no null (they do for any real population); else None. One key
    instead of several costs less than half as much to sort, and two rows tie on the key
    exactly when they tie on every column."""
    keys = sort_keys(frame, columns[:-1], columns[-1:])
    return None if keys is None else keys[0]


def sort_keys(frame: pl.DataFrame, leading: list[str], last: list[str]) -> list[pl.Expr] | None:
    """:func:`sort_key` of ``leading`` and then each column of ``last`` in turn. The ``last``
    columns share one range, so one row's key compares with another's as their columns do:
    a piece's first day with another piece's last, within their subject, say."""
    # The ranges are read on the columns as they are stored (no copy cast to Int64 first).
    stored = [pl.col(c).to_physical() for c in leading]
    ends = [pl.col(c).to_physical() for c in last]
    schema = frame.schema
    unsigned = [schema[c] == pl.UInt64 for c in [*leading, *last]]
    stats = frame.select(
        *[p.min().cast(pl.Int64).alias(f"lo{i}") for i, p in enumerate(stored)],
        *[p.max().cast(pl.Int64).alias(f"hi{i}") for i, p in enumerate(stored)],
        *[p.null_count().alias(f"nulls{i}") for i, p in enumerate(stored)],
        pl.min_horizontal(e.min() for e in ends).cast(pl.Int64).alias("lo_last"),
        pl.max_horizontal(e.max() for e in ends).cast(pl.Int64).alias("hi_last"),
        pl.sum_horizontal(e.null_count() for e in ends).alias("nulls_last"),
    ).row(0, named=True)
    bounds = [(f"lo{i}", f"hi{i}", f"nulls{i}") for i in range(len(leading))]
    widths = []
    for lo, hi, nulls in [*bounds, ("lo_last", "hi_last", "nulls_last")]:
        if stats[nulls] or stats[lo] is None or stats[hi] is None:
            return None
        widths.append(int(stats[hi] - stats[lo]).bit_length())
    if sum(widths) > 62:
        return None
    # The key is the sum of each column, less its lower bound, times its place's weight: a
    # bound of 0 (a subject's number) is not subtracted, nor a weight of 1 multiplied by,
    # where shifting the key so far and adding each column costs two more passes a column.
    # Each term is at least 0 and the sum fits in 62 bits, so no step overflows.
    weights = [1 << sum(widths[i + 1 :]) for i in range(len(widths))]

    def term(expr: pl.Expr, unsigned: bool, low: int, weight: int) -> pl.Expr:
        # A UInt64 (a subject's number) below 2**63, as its maximum cast above shows, is
        # the same Int64 bit for bit: reinterpreted, not cast, which checks every value
        # (the cast costs seven times the arithmetic).
        wide = expr.reinterpret(signed=True) if unsigned else expr.cast(pl.Int64)
        wide = wide - low if low else wide
        return wide * weight if weight != 1 else wide

    prefix: pl.Expr | None = None
    for i, expr in enumerate(stored):
        part = term(expr, unsigned[i], stats[f"lo{i}"], weights[i])
        prefix = part if prefix is None else prefix + part
    keys = []
    for end, flag in zip(ends, unsigned[len(stored) :], strict=True):
        part = term(end, flag, stats["lo_last"], 1)
        keys.append(part if prefix is None else prefix + part)
    return keys


def sorted_by(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``frame`` sorted by integer or date ``columns``, ascending (by :func:`sort_key`)."""
    if frame.height < 2:
        return frame
    key = sort_key(frame, columns)
    return frame.sort(columns) if key is None else in_order(frame, order_of(frame.select(key)))


def in_order(frame: pl.DataFrame, order: pl.Series) -> pl.DataFrame:
    """The rows of ``frame`` at the row numbers ``order``, gathered from one chunk: a
    gather from several chunks can cost many times a copy into one (Ganzhou's deadlines, a
    list of structs in 3 chunks: 220 against 6 ms, the whole frame's copy 2.7 ms)."""
    return frame.rechunk()[order]


def order_of(keys: pl.DataFrame) -> pl.Series:
    """The row numbers of the one column of ``keys`` (integers, no null) in ascending
    order, ties in row order. NumPy's stable sort (a timsort, on 64-bit integers) finds
    the runs already in order, which the pieces mostly come in (each rule's, subject by
    subject), and costs half the CPU time of Polars' sort on them: 5.0 against 11.3 ms on
    the 683,614 keys of Lianyungang's pieces at a million persons, in 17,978 runs."""
    found = np.argsort(keys.to_series().to_numpy(), kind="stable")
    return pl.Series("_order", found.astype(_INDEX, copy=False))


@dataclass(frozen=True)
class Ranks:
    """What precedence reads of a rule, by the rule's number (``_rule``): its group's code
    (null: none), its priority and the rank of its kind of trigger (docs/decisions/0003).
    Looked up only for the pieces precedence compares: a piece carries none of them, nor
    its trigger's day, since most pieces are never compared."""

    group: pl.Series
    priority: pl.Series
    on: pl.Series

    def of(self, name: str) -> pl.Expr:
        """The rule's ``group``, ``priority`` or ``on``, looked up by ``_rule``."""
        return pl.lit(getattr(self, name)).gather(pl.col("_rule")).alias(f"_{name}")


def resolve(
    pieces: pl.DataFrame,
    ranks: Ranks,
    days: pl.Series,
    keys: pl.Series | None,
) -> pl.DataFrame:
    """Group precedence on elementary segments, then touching pieces joined (see the module
    doc): :func:`credit_rules.engine.timeline.resolve` for every subject at once. ``pieces``
    holds the measures' pieces, piece ``_pid`` in row ``_pid``, its rule's number and its
    stretch's row ``_v`` of the trigger and fact values; ``days`` holds the trigger's day of
    row ``_v`` and ``keys`` its trigger key, or None where the keys of triggers of one
    subject, day and kind are in the order of their ``trigger_seq`` (:func:`_segments`).
    The result names each run of pieces by its last piece's stretch (``_v``), with its
    subject, rule and days, in the order of the result tables. The duties' pieces meet no
    other piece and join none: :func:`in_table_order` alone orders them."""
    segments, inside = _precedence(pieces, ranks, days, keys)
    rest = pieces.select(_KEPT).filter(~inside)
    # In one chunk: a gather from several chunks costs up to eight times as much (texts).
    return _joined(pl.concat([segments, rest], rechunk=True)).collect(engine=ENGINE)


def _precedence(
    pieces: pl.DataFrame, ranks: Ranks, days: pl.Series, keys: pl.Series | None
) -> tuple[pl.DataFrame, pl.Series]:
    """The segments of the pieces that meet another of their group, each won by one
    piece (:func:`_segments`), and which pieces those were, row by row."""
    clusters = _clusters(pieces, ranks)
    # Piece _pid is row _pid: a mask and a gather, not joins, part the pieces.
    rows = clusters.get_column("_pid")
    inside = pl.repeat(False, pieces.height, dtype=pl.Boolean, eager=True).scatter(rows, True)
    meeting = pieces[rows].with_columns(
        clusters.get_column("_g"),
        ranks.of("priority"),
        ranks.of("on"),
        pl.lit(days).gather(pl.col("_v")).alias("trigger_date"),
    )
    return _segments(meeting, keys, _KEPT), inside


def in_table_order(alone: pl.DataFrame) -> pl.LazyFrame:
    """The pieces of the rules that give at most one piece per trigger and take no group
    (duties), in the columns of :func:`resolve`'s pieces, in the order of their table. The
    pieces come rule by rule, so where one duty rule gives them all (Lianyungang's), they
    are in order already, which costs one look to see; several rules' pieces are sorted."""
    return _in_table_order(alone, ["_v", "_sid", "_rule", "_first", "_last"], looked_at=True)


def _clusters(pieces: pl.DataFrame, ranks: Ranks) -> pl.DataFrame:
    """The pieces of a group whose terms meet another's of the same subject and group,
    directly or through others (``_pid``), each with its cluster (``_g``): precedence only
    compares those. Most clusters are one piece, which needs no precedence."""
    grouped = pieces.select("_pid", "_sid", ranks.of("group"), "_first", "_last")
    # Where every measure is in a group (Lianyungang's are), a look at the groups costs less
    # than a filter's copy of every piece.
    if grouped.select(pl.col("_group").is_null().any()).item():
        grouped = grouped.filter(pl.col("_group").is_not_null())
    # Each piece's first and last day as keys of its subject and group, in that order: a key
    # of one group is below every key of the next, so comparing keys compares days only
    # within a group.
    keys = sort_keys(grouped, ["_sid", "_group"], ["_first", "_last"])
    if keys is not None:
        keyed = grouped.select("_pid", keys[0].alias("_kf"), keys[1].alias("_kl"))
        ordered = in_order(keyed, order_of(keyed.select("_kf"))).lazy()
    else:
        # The same keys with a number per subject and group (the rows are sorted so),
        # offset far enough apart.
        group = (
            (
                (pl.col("_sid") != pl.col("_sid").shift(1))
                | (pl.col("_group") != pl.col("_group").shift(1))
            )
            .fill_null(True)
            .cum_sum()
            .cast(pl.Int64)
        )
        scale = 10_000_000
        ordered = (
            grouped.lazy()
            .sort(["_sid", "_group", "_first"])
            .with_columns(group.alias("_g"))
            .select(
                "_pid",
                (pl.col("_g") * scale + pl.col("_first").cast(pl.Int64)).alias("_kf"),
                (pl.col("_g") * scale + pl.col("_last").cast(pl.Int64)).alias("_kl"),
            )
        )
    # A running maximum of the last days says whether a piece meets one before it; one that
    # does not starts a cluster.
    meets = (pl.col("_kl").cum_max().shift(1) >= pl.col("_kf")).fill_null(False)
    # Every piece of a cluster but its first meets one before it, so a piece belongs to a
    # cluster of several if it meets one, or if the piece after it does.
    met = pl.col("_meets") | pl.col("_meets").shift(-1).fill_null(False)
    return (
        ordered.select("_pid", meets.alias("_meets"))
        .filter(met)
        # Each cluster's number: the pieces so far that start one (the kept pieces that meet
        # none before them), counted as the non-null values so far (a cumulative sum of the
        # flags costs five times as much). Counted once the pieces are few: a cumulative
        # count costs as much as a sort's gather of a column (2.3 ms on every piece).
        .select("_pid", pl.when(~pl.col("_meets")).then(1).cum_count().cast(pl.Int64).alias("_g"))
        .collect(engine=ENGINE)
    )


def _segments(meeting: pl.DataFrame, keys: pl.Series | None, kept: list[str]) -> pl.DataFrame:
    """The pieces of each cluster cut on its elementary segments, on each the one piece that
    wins by the order of docs/decisions/0003, in its ``kept`` columns. ``keys`` as for
    :func:`resolve`. ``meeting`` comes in the order of its clusters (``_g`` ascending, as
    :func:`_clusters` numbers them): a join of sorted keys is a merge, not a hash of every
    row."""
    meeting = meeting.with_columns(pl.col("_g").set_sorted())
    every = sorted_by(
        pl.concat(
            [
                meeting.select("_g", pl.col("_first").alias("_b")),
                meeting.select("_g", days_later(pl.col("_last"), 1).alias("_b")),
            ]
        ),
        ["_g", "_b"],
    )
    # Each bound once, with the day before the next bound of its cluster as its end.
    bounds = (
        every.lazy()
        .filter(
            (
                (pl.col("_g") != pl.col("_g").shift(-1)) | (pl.col("_b") != pl.col("_b").shift(-1))
            ).fill_null(True)
        )
        .with_columns(
            pl.col("_g").set_sorted(),
            pl.when(pl.col("_g") == pl.col("_g").shift(-1))
            .then(days_later(pl.col("_b").shift(-1), -1))
            .alias("_be"),
        )
        .drop_nulls("_be")
    )
    # Each cluster's pieces in the order of precedence, by their rows in ``meeting`` (_row):
    # only the cluster, the days and the row go through the join and its filters, which copy
    # each piece once per segment of its cluster (287,928 rows at a million persons), and
    # the winners' columns are gathered once they are chosen. With every column of the
    # pieces in the join, _segments cost 16 ms there; with these, 11.
    order = _ranked(meeting, keys)
    ranked = meeting.select(pl.col("_g", "_first", "_last").gather(order)).with_columns(
        pl.col("_g").set_sorted(), order.alias("_row")
    )
    # Every segment with the pieces of its cluster, segment by segment, each segment's in
    # that order (the join keeps the bounds' order, then the pieces'): the first piece
    # that covers a segment wins it.
    chosen = (pl.col("_g") != pl.col("_g").shift(1)) | (pl.col("_b") != pl.col("_b").shift(1))
    won = (
        bounds.join(ranked.lazy(), on="_g", how="inner", maintain_order="left_right")
        .filter((pl.col("_first") <= pl.col("_b")) & (pl.col("_be") <= pl.col("_last")))
        .filter(chosen.fill_null(True))
        .select("_row", "_b", "_be")
        .collect(engine=ENGINE)
    )
    row = won.get_column("_row")
    return meeting.select(
        pl.col(c).gather(row)
        if c not in ("_first", "_last")
        else won.get_column("_b" if c == "_first" else "_be").alias(c)
        for c in kept
    )


def _ranked(meeting: pl.DataFrame, keys: pl.Series | None) -> pl.Series:
    """The rows of ``meeting``, cluster by cluster, each cluster's in the order of
    docs/decisions/0003 as the walk and resolve apply it: priority, the newest trigger, the
    rule listed first, then the trigger walked first (by kind, then by key, a text, then the
    later in the history: the walk goes newest first). Ordered once per piece, not once per
    piece and segment."""
    numbers = ["_g", "_np", "_nd", "_rule", "_no"]
    ranked = meeting.select(
        "_g",
        (-pl.col("_priority")).alias("_np"),
        (-pl.col("trigger_date").cast(pl.Int32)).alias("_nd"),
        "_rule",
        (-pl.col("_on")).alias("_no"),
        # Two triggers that tie so far are of one subject, day and kind, and the canonical
        # order puts those in the order of their keys (day, type, then the id named): the
        # later in the history has the greater key or the same, so the seq alone orders them
        # as key then seq do, and no text is read.
        (-pl.col("trigger_seq")).alias("_ns"),
    )
    if keys is None:
        key = sort_key(ranked, [*numbers, "_ns"]) if ranked.height > 1 else None
        if key is not None:
            # The rows in order are the order itself: nothing else is moved.
            return order_of(ranked.select(key)).alias("_row")
        return sorted_by(ranked.with_row_index("_row"), [*numbers, "_ns"]).get_column("_row")
    found = ranked.with_columns(meeting.get_column("_v"), meeting.get_column("trigger_seq"))
    return _by_key(found.with_row_index("_row"), numbers, keys).get_column("_row")


def _by_key(candidates: pl.DataFrame, numbers: list[str], keys: pl.Series) -> pl.DataFrame:
    """``candidates`` in the order of ``numbers``, then of their trigger keys (a text, read
    only if the numbers tie, which they seldom do), descending, then of ``trigger_seq``,
    descending."""
    key = sort_key(candidates, numbers) if candidates.height > 1 else None
    if key is None:
        ordered = sorted_by(candidates, numbers)
        tied = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in numbers)
    else:
        ordered = candidates.with_columns(key.alias("_k")).sort("_k")
        tied = pl.col("_k") == pl.col("_k").shift(1)
    if ordered.select(tied.fill_null(False).any()).item():
        return ordered.with_columns(
            pl.lit(keys).gather(pl.col("_v")).fill_null("").alias("_key")
        ).sort([*numbers, "_key", "trigger_seq"], descending=[*[False] * len(numbers), True, True])
    return ordered


def _in_table_order(frame: pl.DataFrame, moved: list[str], *, looked_at: bool) -> pl.LazyFrame:
    """The ``moved`` columns of ``frame`` in the order of the result tables: by subject,
    rule, trigger, then day. With ``looked_at``, rows that are in that order already (the
    pieces of one duty rule) are seen to be so and not moved; a look costs a fifth of a
    sort."""
    key = sort_key(frame, _TABLE_ORDER) if frame.height > 1 else None
    if key is None:
        return frame.lazy().sort(_TABLE_ORDER).select(moved)
    keys = frame.select(key)
    if looked_at and keys.to_series().is_sorted():
        return frame.lazy().select(moved)
    return in_order(frame.select(moved), order_of(keys)).lazy()


def _joined(both: pl.DataFrame) -> pl.LazyFrame:
    """Touching pieces of one rule and trigger joined into one run, in the order of the
    result tables: by subject, rule, trigger, then day. A trigger is one place in its
    subject's history, so each rule's pieces on it are next to each other. The run's last
    piece carries the facts that hold at its end, and its first piece's first day is the
    run's. Only the columns that find the runs are moved into that order."""
    ordered = _in_table_order(both, _MOVED, looked_at=False)
    same = (
        (pl.col("_rule") == pl.col("_rule").shift(1))
        & (pl.col("_occ") == pl.col("_occ").shift(1))
        & (pl.col("_first") == days_later(pl.col("_last").shift(1), 1))
    ).fill_null(False)
    # A run is the rows from one that does not continue the row before it to the last that
    # the next does not continue: the n-th run's first row is the n-th that starts one, and
    # its last the n-th that ends one, so each run is two filters (a forward fill of the
    # first days costs twenty times a filter).
    starts = ~pl.col("_same")
    ends = ~pl.col("_same").shift(-1).fill_null(False)
    return ordered.with_columns(same.alias("_same")).select(
        pl.col("_v", "_sid", "_rule").filter(ends),
        pl.col("_first").filter(starts),
        pl.col("_last").filter(ends),
    )
