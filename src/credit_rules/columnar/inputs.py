"""Columnar input: events and subjects as Arrow tables, Polars frames or Parquet files.

Events come as one long table (``type``, ``subject``, ``date`` and a nullable column for every
other field, null meaning absent) or one table per event type (a mapping from type to table).
Every check the per-subject front door makes with pydantic is made here as a filter over whole
columns, so a million events cost a few column scans and no Python object each. All problems
are collected, and one :class:`~credit_rules.errors.TableError` names the first of them with
table, row, column and value, and the total.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from pydantic import ValidationError

from credit_rules.columnar.schema import BASE, ENGINE, ColumnKind, FieldSpec, vocabulary_schema
from credit_rules.errors import (
    ArgumentError,
    Problem,
    TableCell,
    TableError,
    suggestion,
    validation_message,
)
from credit_rules.i18n import Message
from credit_rules.limits import LAST_DAY
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.ruleset import ir

Table = Any  # a polars DataFrame or LazyFrame, a pyarrow Table, or a Parquet path
EventTables = Table | Mapping[str, Table] | Sequence[Table]

#: The Polars type of each kind of column.
COLUMN_DTYPES: dict[ColumnKind, pl.DataType] = {
    "text": pl.String(),
    "date": pl.Date(),
    "count": pl.Int64(),
    "flag": pl.Boolean(),
    "list": pl.List(pl.String()),
}
#: Each kind of column in the reader's language, as a problem names what a column should hold
#: (the English words are the kinds' own names, which the docs use).
KIND_WORDS: dict[ColumnKind, Message] = {
    "text": Message("text"),
    "date": Message("date"),
    "count": Message("count"),
    "flag": Message("flag"),
    "list": Message("list"),
}
#: The text pydantic reads as a flag (lower-cased), for flags given as text (a CSV file).
_TRUE = ["1", "on", "t", "true", "y", "yes"]
_FALSE = ["0", "f", "false", "n", "no", "off"]
#: Problems beyond this many per check are counted but not rendered.
_KEEP = TableError.SHOWN
#: The checked ``type`` column keeps the text given beside it, for the problems that show it.
_TYPE_GIVEN = "_type_given"


def event_types(vocabulary: str) -> pl.Enum:
    """The checked ``type`` column's dtype: the vocabulary's event types, in the order of
    their names, so that sorting by the column sorts by the name (the canonical order's). A
    test of the type then compares small integers, not text, on every row; a type outside
    the vocabulary is null in it (the text given stays in ``_type_given`` until checked)."""
    return pl.Enum(sorted(vocabulary_schema(vocabulary).fields))


_K = TypeVar("_K")
_V = TypeVar("_V")


class Inputs:
    """Validated input in canonical columns: ``events`` has ``type``, ``subject``, ``date``,
    one column per field of the vocabulary, and ``_table``/``_row`` saying where each event
    came from; ``subjects`` has ``subject`` and ``subject_kind``.

    Without a subjects table (a ruleset with one subject kind) the subjects are those the
    events name; finding them costs a pass over a million strings that most evaluations
    never need (only a rule reading ``subject_kind`` joins them), so it is done on first use.

    ``distinct_entries`` names the registers, as (entry type, key field), whose entries
    :func:`read_inputs` found pairwise distinct: no two share the hash of their subject and
    record (:func:`alike`), so none is entered twice and an evaluation need not look again
    on every day it is asked. It names registers, not an engine, so input read by one engine
    and evaluated by another (a layer with a register of its own) is looked at for the
    registers not named. The claim holds for the frame as read: once ``events`` is given
    another frame it names nothing (a Polars frame changed in place is not seen; treat the
    frames of an ``Inputs`` as read-only). Anything else (an ``Inputs`` built by hand,
    entries that share a hash) is looked at by the evaluation itself.

    The canonical order of the events (:meth:`in_order`, their row numbers) is kept once
    found, for the frame it was found on, the same way: the order is the same on every day
    asked, and finding it (a sort led by a million subject ids) costs more than anything else
    one evaluation of whole histories does with them.
    """

    __slots__ = (
        "_checked",
        "_distinct_entries",
        "_in_order",
        "_kind",
        "_ordered",
        "_subjects",
        "events",
    )

    def __init__(
        self, events: pl.DataFrame, subjects: pl.DataFrame | None = None, kind: str | None = None
    ) -> None:
        if subjects is None and kind is None:
            raise ArgumentError(Message("Inputs needs a subjects table or the one subject kind"))
        self.events = events
        self._subjects = subjects
        self._kind = kind
        self._distinct_entries: frozenset[tuple[str, str]] = frozenset()
        #: The frame ``_distinct_entries`` was found on.
        self._checked: pl.DataFrame | None = None
        #: By vocabulary: the frame the canonical order was found on, and its row numbers.
        self._ordered: dict[str, tuple[pl.DataFrame, pl.Series]] = {}
        #: By vocabulary and columns: the frame they were put in that order from, and they.
        self._in_order: dict[tuple[str, tuple[str, ...]], tuple[pl.DataFrame, pl.DataFrame]] = {}

    @property
    def distinct_entries(self) -> frozenset[tuple[str, str]]:
        if self.events is not self._checked:
            return frozenset()
        return self._distinct_entries

    def _claim(self, distinct: frozenset[tuple[str, str]]) -> None:
        """Record that the registers ``distinct`` have no two entries alike in ``events``."""
        self._distinct_entries = distinct
        self._checked = self.events

    def in_order(self, vocabulary: str, order: Callable[[pl.DataFrame], pl.Series]) -> pl.Series:
        """``order(events)``, the row numbers of the events in the canonical order of
        ``vocabulary``'s histories, found once for the frame ``events`` holds. The order
        depends on nothing but the events and the vocabulary (what is known on a day is a
        filter of it, which keeps it), so evaluations on several days, or by several engines
        of one vocabulary, sort once; only the row numbers are kept, not a sorted copy."""
        return self._once(self._ordered, vocabulary, lambda: order(self.events))

    def columns_in_order(
        self, vocabulary: str, columns: tuple[str, ...], put: Callable[[], pl.DataFrame]
    ) -> pl.DataFrame:
        """``put()``, the events' ``columns`` in the canonical order of ``vocabulary``'s
        histories (:meth:`in_order`), made once for the frame ``events`` holds. What is known
        on a day is then a filter of them, which reads them in turn, where a gather by the
        order reads them at random (Lianyungang at a million persons: 9.5 ms an evaluation,
        the filter 2 to 3). They stay while the inputs do: at a million persons, about 46 MB
        for the eight columns its engine reads (texts are views of the events' own)."""
        return self._once(self._in_order, (vocabulary, columns), put)

    def _once(self, kept: dict[_K, tuple[pl.DataFrame, _V]], key: _K, make: Callable[[], _V]) -> _V:
        """``make()``, kept under ``key`` for the frame ``events`` holds: made again once
        ``events`` is another frame."""
        found = kept.get(key)
        if found is not None and found[0] is self.events:
            return found[1]
        made = make()
        kept[key] = (self.events, made)
        return made

    @property
    def subjects(self) -> pl.DataFrame:
        if self._subjects is None:
            self._subjects = (
                self.events.select("subject")
                .drop_nulls()
                .unique()
                .with_columns(pl.lit(self._kind).alias("subject_kind"))
            )
        return self._subjects

    def split(self, cuts: pl.Series) -> list[Inputs]:
        """The input cut at the sorted subject ids ``cuts``: part ``i`` holds the subjects
        from ``cuts[i - 1]`` up to, not including, ``cuts[i]``, with all their events. One
        binary search a row and one pass to part the rows: no filter per part."""

        def parted(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
            index = cuts.search_sorted(frame.get_column("subject"), side="right")
            found = frame.with_columns(index.alias("_part")).partition_by(
                "_part", as_dict=True, include_key=False, maintain_order=True
            )
            return {int(key[0]): part for key, part in found.items()}

        events = parted(self.events)
        given = None if self._subjects is None else parted(self._subjects)
        parts = []
        for number in range(len(cuts) + 1):
            mine = events.get(number, self.events.clear())
            theirs = None if given is None else given.get(number, self.subjects.clear())
            if mine.height or (theirs is not None and theirs.height):
                part = Inputs(mine, theirs, self._kind)
                # A part's entries are some of the whole's: distinct if those are.
                part._claim(self.distinct_entries)
                parts.append(part)
        return parts


def entry_pair(key: str, rows: pl.Expr | None = None) -> pl.Expr:
    """One hash of an entry's subject and record ``key``: equal for two entries of one
    record, and for the rare pair whose hashes collide. With ``rows``, of those rows only."""
    subject, named = pl.col("subject"), pl.col(key)
    if rows is not None:
        subject, named = subject.filter(rows), named.filter(rows)
    return subject.hash(seed=1) ^ named.hash(seed=2)


def alike(entered_by: str, key: str) -> pl.Expr:
    """Whether two ``entered_by`` events share :func:`entry_pair`: an aggregate over all
    entries (run inside validation's pass) that can clear a population of records entered
    twice. Counting the distinct hashes takes half the time of sorting them to compare
    neighbours (9 against 18 ms for 450,000 entries, Polars 2.1)."""
    # The entries are cut out before they are hashed, not after: a hash of every event's
    # subject and key, for each register, cost twice the count (Ganzhou's nine pairs over
    # 233,667 events).
    hashes = entry_pair(key, pl.col("type") == entered_by)
    return hashes.n_unique() < hashes.len()


def alike_entries(events: pl.DataFrame, entered_by: str, key: str) -> bool:
    """:func:`alike` on ``events``."""
    return bool(events.lazy().select(alike(entered_by, key)).collect(engine=ENGINE).item())


def hashes_differ(events: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether no two subject ids of ``events`` share a hash. Both counts are a pass over
    every event; in one select they run side by side."""
    ids, hashes = (
        events.lazy()
        .select(pl.col("subject").n_unique(), pl.col("subject").hash().n_unique().alias("_h"))
        .collect(engine=ENGINE)
        .row(0)
    )
    return bool(ids == hashes)


def read_table(source: Table, name: str) -> tuple[pl.DataFrame, str]:
    """A table as a Polars frame, and the name problems will call it by. A source that is no
    table, or a file that cannot be read, is a TableError naming it, never a reader's own
    exception: a nightly job's log must say which input was wrong."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        csv = path.suffix.lower() == ".csv"
        try:
            if csv:
                return pl.read_csv(path, try_parse_dates=False, infer_schema=False), str(path)
            return pl.read_parquet(path), str(path)
        except (OSError, ValueError, pl.exceptions.PolarsError) as error:
            raise _unreadable(str(path), "CSV" if csv else "Parquet", error) from None
    if isinstance(source, pl.LazyFrame):
        try:
            return source.collect(engine=ENGINE), name
        except pl.exceptions.PolarsError as error:
            raise _unreadable(name, "a Polars LazyFrame", error) from None
    if isinstance(source, pl.DataFrame):
        return source, name
    if source is None or isinstance(source, Mapping | list | tuple | str | bytes):
        frame = None  # rows, not a table: the per-subject engine takes those
    else:
        try:
            frame = pl.from_arrow(source)
        except (TypeError, ValueError):
            frame = None
        except pl.exceptions.PolarsError as error:  # an Arrow table Polars cannot take
            raise _unreadable(name, "a table", error) from None
    if not isinstance(frame, pl.DataFrame):
        raise TableError(
            None,
            [
                Problem(
                    Message(
                        "expected a table (an Arrow table, a Polars frame, or a Parquet or CSV "
                        "path), got {type}",
                        type=type(source).__name__,
                    ),
                    name,
                )
            ],
            1,
        )
    return frame, name


def _unreadable(name: str, form: str, error: Exception) -> TableError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return TableError(
        None,
        [Problem(Message("cannot be read as {form} ({error})", form=form, error=first), name)],
        1,
    )


def shown_rows(rows: pl.LazyFrame, column: str) -> list[tuple[str, int, object]]:
    """``_table``, ``_row`` and ``column`` of ``rows``, to show in a problem. A date or time
    outside Python's range (a Parquet file may hold one, a text date of year 0 parses) has no
    Python value, and Polars cannot always write it as text: it is shown as the text of its
    day, worked out from its distance to 1970-01-01."""
    dtype = rows.collect_schema()[column]
    if dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        found = rows.select("_table", "_row", column).collect(engine=ENGINE)
        return [(str(t), int(r), v) for t, r, v in found.iter_rows()]
    day = dtype == pl.Date
    low, high = (dt.date.min, dt.date.max) if day else (dt.datetime.min, dt.datetime.max)
    value = pl.col(column)
    # The bounds are naive; a time with a time zone is compared as its wall-clock time.
    naive = value.dt.replace_time_zone(None) if getattr(dtype, "time_zone", None) else value
    found = rows.select(
        "_table",
        "_row",
        pl.when(naive.is_between(low, high)).then(value).alias("_value"),
        value.to_physical().alias("_physical"),
    ).collect(engine=ENGINE)
    per_day = 1 if day else _UNITS_PER_DAY[getattr(dtype, "time_unit", "us")]
    return [
        (
            str(table),
            int(row),
            found_value
            if found_value is not None or physical is None
            else _out_of_range(int(physical), per_day),
        )
        for table, row, found_value, physical in found.iter_rows()
    ]


_UNITS_PER_DAY = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _out_of_range(physical: int, per_day: int) -> str:
    """The text of a day (and time, for a time unit) ``physical`` units after 1970-01-01,
    for any integer: the proleptic Gregorian calendar worked out by hand (H. Hinnant's
    civil_from_days), since neither Python nor Polars holds such a day."""
    days, rest = divmod(physical, per_day)
    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day_of_month = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    text = f"{'-' if year < 0 else ''}{abs(year):04d}-{month:02d}-{day_of_month:02d}"
    if per_day == 1:
        return text
    seconds = rest // (per_day // 86_400)
    return f"{text}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def with_value(message: Message, value: object) -> Message:
    """A row's problem with the value found in it, as every table problem shows it; an empty
    cell is said so, not in Python's word (None)."""
    if value is None:
        return message + Message(" (the cell is empty)")
    if isinstance(value, dt.date | dt.time):
        # As the file or a person writes it, not Python's repr (datetime.datetime(2020, 1,
        # 7, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))). A datetime is a date.
        value = value.isoformat()
    return message + Message(" (value {value!r})", value=value)


class _Problems:
    """Checks collected while the input is read, and made at the end: every mask of a table
    is counted in one pass over it (one parallel scan instead of one filter per check), and
    only the checks that found something look at their rows, for the first few to show."""

    def __init__(self) -> None:
        self._checks: list[
            tuple[pl.DataFrame | None, pl.Expr | None, str, Message, str | None]
        ] = []
        self._wanted: list[tuple[pl.DataFrame, str, pl.Expr]] = []
        #: The row of a problem added alone (:meth:`add`), by its place among the checks.
        self._cells: dict[int, TableCell] = {}
        #: The values :meth:`also` asked for, once :meth:`raise_if_any` has passed.
        self.found: dict[str, Any] = {}
        #: CSV files read, by the name their problems call them, with their number of rows:
        #: their problems can name a line of the file (:meth:`_located`).
        self._csv: dict[str, int] = {}

    def read(self, source: Table, name: str) -> tuple[pl.DataFrame, str]:
        """:func:`read_table`, noting a CSV file for :meth:`_located`."""
        frame, named = read_table(source, name)
        if isinstance(source, str | os.PathLike) and Path(source).suffix.lower() == ".csv":
            self._csv[named] = frame.height
        return frame, named

    def also(self, frame: pl.DataFrame, name: str, value: pl.Expr) -> None:
        """One more aggregate of ``frame``, wanted whatever the checks find, computed in
        their pass over it: Polars runs a select's expressions side by side."""
        self._wanted.append((frame, name, value))

    def add(self, message: Message, field: str = "", cell: TableCell | None = None) -> None:
        """One problem, not of a mask's rows; ``cell`` if it is in one row all the same."""
        if cell is not None:
            self._cells[len(self._checks)] = cell
        self._checks.append((None, None, field, message, None))

    def rows(
        self,
        frame: pl.DataFrame,
        mask: pl.Expr,
        column: str,
        message: Message,
        shown: str | None = None,
    ) -> None:
        """One problem per row of ``frame`` where ``mask`` holds (``frame`` has the
        ``_table`` and ``_row`` columns); the value shown is the row's ``column``, or its
        ``shown`` column where the value given is kept apart."""
        self._checks.append((frame, mask, column, message, shown))

    def _counts(self) -> list[int]:
        tables: dict[int, tuple[pl.DataFrame, dict[str, pl.Expr]]] = {}
        for index, (frame, mask, _, _, _) in enumerate(self._checks):
            if frame is not None and mask is not None:
                tables.setdefault(id(frame), (frame, {}))[1][str(index)] = mask.sum().cast(pl.Int64)
        for frame, name, value in self._wanted:
            tables.setdefault(id(frame), (frame, {}))[1][f"_{name}"] = value
        counts = [1] * len(self._checks)  # a problem without rows is one problem
        for frame, values in tables.values():
            row = frame.lazy().select(**values).collect(engine=ENGINE).row(0, named=True)
            for name, value in row.items():
                if name.startswith("_"):
                    self.found[name[1:]] = value
                else:
                    counts[int(name)] = value
        return counts

    def raise_if_any(self) -> None:
        counts = self._counts()
        total = sum(counts)
        if not total:
            return
        shown: list[Problem] = []
        rows: list[tuple[str, int, str] | None] = []
        checks = zip(self._checks, counts, strict=True)
        for index, ((frame, mask, column, message, given), count) in enumerate(checks):
            room = _KEEP - len(shown)
            if not count or room <= 0:
                continue
            if frame is None or mask is None:
                shown.append(Problem(message, column, cell=self._cells.get(index)))
                rows.append(None)
                continue
            value = given or (column if column in frame.columns else "_row")
            bad = frame.lazy().filter(mask).head(room)
            for table, row, found in shown_rows(bad, value):
                shown.append(
                    Problem(
                        with_value(message, found),
                        f"{table}[{row}].{column}",
                        cell=TableCell(table, row, column),
                    )
                )
                rows.append((table, row, column))
        located = self._located(shown, rows)
        if located is not None:
            source, shown = located
            raise TableError(source, shown, total)
        raise TableError(None, shown, total)

    def _located(
        self, shown: list[Problem], rows: list[tuple[str, int, str] | None]
    ) -> tuple[str, list[Problem]] | None:
        """The problems of one CSV file as its lines: ``file:LINE: [column]``, as a file's
        problems are given everywhere else, where the row numbers say less (0 is the first
        row after the header, line 2). Only when every problem shown is in that file and
        each row is one line of it (no field spans lines, no line is blank, which the file's
        count of lines tells); otherwise None, and the rows stay as they are."""
        tables = {row[0] for row in rows if row is not None}
        if len(tables) != 1 or None in rows:
            return None
        (table,) = tables
        height = self._csv.get(table)
        if height is None:
            return None
        try:
            data = Path(table).read_bytes()
        except OSError:
            return None
        # A header and a line per row: as many newlines as rows, one more if the last ends.
        ends = data.count(b"\n")
        if ends not in (height, height + 1) or b"\n\n" in data.replace(b"\r\n", b"\n"):
            return None
        located = []
        for problem, place in zip(shown, rows, strict=True):
            assert place is not None
            _, row, column = place
            located.append(Problem(problem.clear_message, column, line=row + 2, cell=problem.cell))
        return table, located


def _text_list(text: str) -> list[str] | None:
    """``text`` as a list of texts if it is one in JSON, else None."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if isinstance(items, list) and all(isinstance(item, str) for item in items):
        return items
    return None


def _blank(ids: pl.Expr) -> pl.Expr:
    """An id of white space only (spaces, a tab, the ideographic space), which the subject
    model refuses: a person can neither tell it from none nor type it back."""
    return (ids != "") & (ids.str.strip_chars() == "")


def _typed(frame: pl.DataFrame, column: str, kind: ColumnKind, problems: _Problems) -> pl.Expr:
    """The column in its canonical type; a value that cannot be read so is a problem."""
    dtype = frame.schema[column]
    target = COLUMN_DTYPES[kind]
    source = pl.col(column)
    if dtype == target or dtype == pl.Null:
        return source.cast(target)
    if kind == "list" and dtype == pl.List(pl.Null):
        # What Polars infers for a list field given only as [] or null (``to_dicts`` of a
        # long table); a list of nothing is a list of text.
        return source.cast(target)
    if kind == "list" and dtype in (pl.String, pl.Categorical):
        # A CSV file holds a list as JSON text, as `credit-rules batch` writes one: ["a", "b"].
        # Read once per distinct text (a list field takes a few values, over many rows).
        text = source.cast(pl.String)
        given = frame.select(text.drop_nulls().unique()).to_series().to_list()
        lists = {value: items for value in given if (items := _text_list(value)) is not None}
        problems.rows(
            frame,
            text.is_not_null() & ~text.is_in(list(lists)),
            column,
            Message('not a list: write it as JSON text, ["a", "b"]'),
        )
        if not lists:
            return pl.lit(None, target)
        return text.replace_strict(
            list(lists), list(lists.values()), default=None, return_dtype=target
        )
    if kind == "date" and dtype in (pl.String, pl.Categorical):
        # Only the form the event models take, YYYY-MM-DD: a lenient parser would read
        # "2009-05-2" as the 2nd, a date silently changed.
        text = source.cast(pl.String)
        parsed = (
            pl.when(text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            .then(text.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
            .otherwise(None)
        )
        problems.rows(frame, source.is_not_null() & parsed.is_null(), column, Message("not a date"))
        return parsed
    if kind == "date" and isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        problems.rows(
            frame, source.is_not_null(), column, Message("not a date (a time with a time zone)")
        )
        return pl.lit(None, pl.Date)
    if kind == "date" and isinstance(dtype, pl.Datetime):
        # pandas keeps dates as midnight timestamps; a time of day is not a date.
        day = source.dt.date()
        # A time past Python's and Polars' range has no date (null): not a date either.
        problems.rows(
            frame,
            source.is_not_null() & (source != day.cast(dtype)).fill_null(True),
            column,
            Message("not a date"),
        )
        return day
    if kind == "text" and (dtype == pl.Categorical or isinstance(dtype, pl.Enum)):
        return source.cast(pl.String)
    if kind == "count" and dtype == pl.String:
        # Whole numbers as plain decimal text (a CSV file's), nothing a reader would guess at.
        parsed = (
            pl.when(source.str.contains(r"^-?(0|[1-9][0-9]*)$"))
            .then(source.cast(pl.Int64, strict=False))
            .otherwise(None)
        )
        problems.rows(
            frame, source.is_not_null() & parsed.is_null(), column, Message("not a whole number")
        )
        return parsed
    if kind == "count" and dtype.is_integer():
        wide = source.cast(pl.Int64, strict=False)
        problems.rows(
            frame, source.is_not_null() & wide.is_null(), column, Message("too large a number")
        )
        return wide
    if kind == "flag" and dtype in (pl.String, pl.Categorical):
        # What the event models accept for a flag (pydantic's lenient booleans), so that a
        # CSV file can carry one.
        word = source.cast(pl.String).str.to_lowercase()
        flag = pl.when(word.is_in(_TRUE)).then(True).when(word.is_in(_FALSE)).then(False)
        problems.rows(
            frame,
            source.is_not_null() & flag.is_null(),
            column,
            Message("not a flag (true or false)"),
        )
        return flag.cast(pl.Boolean)
    if kind == "flag" and dtype.is_integer():
        flag = pl.when(source == 1).then(True).when(source == 0).then(False)
        problems.rows(
            frame, source.is_not_null() & flag.is_null(), column, Message("not a flag (1 or 0)")
        )
        return flag.cast(pl.Boolean)
    problems.rows(
        frame,
        source.is_not_null(),
        column,
        Message("expected {kind}, the column is {dtype}", kind=KIND_WORDS[kind], dtype=str(dtype)),
    )
    return pl.lit(None, target)


def _one_frame(
    events: EventTables,
    vocabulary: str,
    problems: _Problems,
    carried: Mapping[str, ColumnKind] | None = None,
) -> pl.DataFrame:
    """Every events table in canonical columns, stacked; ``carried`` columns (not event
    fields: what a caller keeps beside each event, such as a ledger's recording day) are
    typed and kept too, null where a table lacks them."""
    schema = vocabulary_schema(vocabulary)
    carried = carried or {}
    needed = _needed(vocabulary)
    if isinstance(events, Mapping):
        named = [(table, f"events[{t}]", t) for t, table in events.items()]
    elif isinstance(events, Sequence) and not isinstance(events, str | bytes):
        named = [(table, f"events[{i}]", None) for i, table in enumerate(events)]
    else:
        named = [(events, "events", None)]
    frames = []
    for source, default, event_type in named:
        frame, name = problems.read(source, default)
        reserved = [c for c in frame.columns if c.startswith("_")]
        for column in reserved:
            problems.add(
                Message("{column!r}: names starting with _ are the library's own", column=column),
                f"{name}.{column}",
            )
        frame = frame.drop(reserved)
        header = frame.columns
        frame = frame.with_columns(
            pl.lit(name).alias("_table"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_row")
        )
        if event_type is not None:
            declared = frame.schema.get("type")
            if declared in (pl.String, pl.Categorical, pl.Null) or isinstance(declared, pl.Enum):
                # A table filed under one type whose rows name another: which is meant?
                problems.rows(
                    frame,
                    pl.col("type").cast(pl.String) != event_type,
                    "type",
                    Message("the table is given for {type}", type=event_type),
                )
            elif declared is not None:
                problems.rows(
                    frame,
                    pl.col("type").is_not_null(),
                    "type",
                    Message(
                        "expected {kind}, the column is {dtype}",
                        kind=KIND_WORDS["text"],
                        dtype=str(declared),
                    ),
                )
            frame = frame.with_columns(pl.lit(event_type).alias("type"))
        if frame.height == 0 and not header and not isinstance(source, str | os.PathLike):
            # What pl.DataFrame([]) makes of an empty list of events: no events. A file of
            # no columns is another matter (a failed extract), and is refused below.
            continue
        # A header is checked even with no rows under it: a misspelt header, or a failed
        # extract written as a file of no columns, would otherwise pass tonight as "no
        # events" and fail, or mislead, on a later night.
        missing = [c for c in BASE if c not in frame.columns]
        for column in missing:
            problems.add(
                Message("the table has no {column!r} column", column=column), f"{name}.{column}"
            )
        unknown = [
            c
            for c in frame.columns
            if c not in schema.columns and c not in (*BASE, *carried, "_table", "_row")
        ]
        for column in unknown:
            unknown_field = Message(
                "{column!r} is not a field of any {vocabulary} event",
                column=column,
                vocabulary=vocabulary,
            ) + suggestion(column, (*missing, *schema.columns))
            if frame.height == 0:
                problems.add(unknown_field, f"{name}.{column}")
            else:
                problems.rows(frame, pl.col(column).is_not_null(), column, unknown_field)
        if missing or frame.height == 0:
            continue
        given_type = _typed(frame, "type", "text", problems)
        typed = [
            given_type.cast(event_types(vocabulary), strict=False).alias("type"),
            given_type.alias(_TYPE_GIVEN),
            _typed(frame, "subject", "text", problems).alias("subject"),
            _typed(frame, "date", "date", problems).alias("date"),
        ]
        for column, kind in {**schema.columns, **carried}.items():
            if column in frame.columns:
                typed.append(_typed(frame, column, kind, problems).alias(column))
            else:
                typed.append(pl.lit(None, COLUMN_DTYPES[kind]).alias(column))
        # Whether each value some event needs was given at all: one given but unreadable is
        # reported once, as unreadable, not again as missing.
        given = [
            (pl.col(c).is_not_null() if c in frame.columns else pl.lit(False)).alias(_given(c))
            for c in needed
        ]
        frames.append(frame.select(*typed, "_table", "_row", *given))
    if not frames:
        problems.raise_if_any()
        return pl.DataFrame(
            schema={
                "type": event_types(vocabulary),
                _TYPE_GIVEN: pl.String,
                "subject": pl.String,
                "date": pl.Date,
                **{c: COLUMN_DTYPES[k] for c, k in {**schema.columns, **carried}.items()},
                "_table": pl.String,
                "_row": pl.Int64,
                **{_given(c): pl.Boolean for c in needed},
            }
        )
    return pl.concat(frames, how="vertical")


def _needed(vocabulary: str) -> list[str]:
    """The columns some event type of ``vocabulary`` cannot do without, ``date`` first."""
    schema = vocabulary_schema(vocabulary)
    fields = schema.fields.values()
    required = {c for named in fields for c, spec in named.items() if spec.required}
    return ["date", *sorted(required - {"date"})]


def _given(column: str) -> str:
    return f"_given_{column}"


def _without_flags(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop(c for c in frame.columns if c.startswith("_given_") or c == _TYPE_GIVEN)


def _check_fields(frame: pl.DataFrame, vocabulary: str, problems: _Problems) -> None:
    schema = vocabulary_schema(vocabulary)
    known = sorted(schema.fields)
    problems.rows(
        frame,
        pl.col("type").is_null(),  # absent, or not one of the vocabulary's
        "type",
        Message(
            "not an event type of {vocabulary} ({types})",
            vocabulary=vocabulary,
            types=", ".join(known),
        ),
        shown=_TYPE_GIVEN,
    )
    problems.rows(
        frame,
        pl.col("subject").is_null() | (pl.col("subject") == ""),
        "subject",
        Message("every event needs a subject"),
    )
    problems.rows(frame, _blank(pl.col("subject")), "subject", Message("an id must not be blank"))
    # A date that was given but could not be read is reported once, as not a date.
    problems.rows(frame, ~pl.col(_given("date")), "date", Message("every event needs a date"))
    # Only the types present are checked, and a check that a column's null count already
    # answers (no value at all, or no null) costs nothing: a long table is mostly nulls.
    # Which types are present: a test for each of a vocabulary's few types, side by side,
    # costs half of finding the distinct values of a long text column.
    present = {
        name
        for name, found in frame.select(
            (pl.col("type") == event_type).any().alias(event_type) for event_type in known
        )
        .row(0, named=True)
        .items()
        if found
    }
    for event_type, fields in schema.fields.items():
        if event_type not in present:
            continue
        mine = pl.col("type") == event_type
        for column in schema.columns:
            spec = fields.get(column)
            value = pl.col(column)
            nulls = frame.get_column(column).null_count()
            if spec is None:
                if nulls < frame.height:
                    problems.rows(
                        frame,
                        mine & value.is_not_null(),
                        column,
                        Message("a {type} event has no {column!r}", type=event_type, column=column),
                    )
                continue
            if spec.required and nulls:
                # No article before the type: "a objection_filed event" read wrong.
                needed = Message("{type} events need it", type=event_type)
                problems.rows(frame, mine & ~pl.col(_given(column)), column, needed)
            if nulls == frame.height:
                continue
            if spec.allowed is not None and spec.kind == "text":
                allowed = sorted(spec.allowed)
                problems.rows(
                    frame,
                    mine & value.is_not_null() & ~value.is_in(allowed),
                    column,
                    Message("not one of {allowed}", allowed=", ".join(allowed)),
                )
            elif spec.allowed is not None and spec.kind == "list":
                allowed = sorted(spec.allowed)
                outside = (~pl.element().is_in(allowed)).fill_null(True)
                problems.rows(
                    frame,
                    mine & value.list.eval(outside).list.any(),
                    column,
                    Message("every item must be one of {allowed}", allowed=", ".join(allowed)),
                )
            elif spec.non_empty and spec.kind == "text":
                problems.rows(frame, mine & (value == ""), column, Message("must not be empty"))
            _check_constraints(frame, mine & value.is_not_null(), spec, problems)
        for later, earlier in schema.not_before.get(event_type, ()):
            problems.rows(
                frame,
                mine & (pl.col(later) < pl.col(earlier)),
                later,
                Message("must not be before its {earlier}", earlier=earlier),
            )
    _check_date_range(
        frame, ("date", *(c for c, kind in schema.columns.items() if kind == "date")), problems
    )


def _check_date_range(frame: pl.DataFrame, columns: Iterable[str], problems: _Problems) -> None:
    """Dates the library counts: a Polars date may lie before year 1 (a text date of year 0
    parses) or far past 9999, where no Python date exists; the event models refuse both."""
    for column in columns:
        if frame.get_column(column).null_count() < frame.height:
            problems.rows(
                frame,
                pl.col(column) < dt.date.min,
                column,
                Message("not a real date (before {first})", first=dt.date.min),
            )
            problems.rows(
                frame,
                pl.col(column) > LAST_DAY,
                column,
                Message("after {last}, the last day the library counts", last=LAST_DAY),
            )


def _check_constraints(
    frame: pl.DataFrame, given: pl.Expr, spec: FieldSpec, problems: _Problems
) -> None:
    """The bounds and pattern pydantic checks of a field, over the rows of its type that give
    it."""
    value = pl.col(spec.name)
    if spec.ge is not None:
        problems.rows(
            frame, given & (value < spec.ge), spec.name, Message("must be at least {n}", n=spec.ge)
        )
    if spec.le is not None:
        problems.rows(
            frame, given & (value > spec.le), spec.name, Message("must be at most {n}", n=spec.le)
        )
    if spec.pattern is not None:
        problems.rows(
            frame,
            given & ~value.str.contains(spec.pattern),
            spec.name,
            Message("does not match {pattern}", pattern=spec.pattern),
        )


def _subjects(
    subjects: Table | None, ruleset: ir.Ruleset, problems: _Problems, *, keep: bool = False
) -> pl.DataFrame | None:
    """The subjects table, checked; None when the events name the subjects, which are all of
    the ruleset's one kind (:class:`Inputs` finds them if they are needed). With ``keep``,
    every column of the table, ``id`` and ``kind`` in their checked form; else only those
    two, as ``subject`` and ``subject_kind`` (all the backend reads of a subject)."""
    kinds = sorted(ruleset.subject_kinds)
    if subjects is None:
        if len(kinds) != 1:
            problems.add(
                Message(
                    "{ruleset} has subjects of several kinds ({kinds}); give a subjects table "
                    "with id and kind",
                    ruleset=ruleset.id,
                    kinds=", ".join(kinds),
                ),
                "subjects",
            )
            return pl.DataFrame(schema={"subject": pl.String, "subject_kind": pl.String})
        return None
    frame, name = problems.read(subjects, "subjects")
    frame = frame.with_columns(
        pl.lit(name).alias("_table"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_row")
    )
    if "id" not in frame.columns:
        problems.add(Message("the table has no {column!r} column", column="id"), f"{name}.id")
        return pl.DataFrame(schema={"subject": pl.String, "subject_kind": pl.String})
    ids = _typed(frame, "id", "text", problems)
    if "kind" in frame.columns:
        kind = _typed(frame, "kind", "text", problems)
    elif len(kinds) == 1:
        kind = pl.lit(kinds[0])
    else:
        problems.add(Message("the table has no {column!r} column", column="kind"), f"{name}.kind")
        kind = pl.lit(None, pl.String)
    frame = frame.with_columns(ids.alias("id"), kind.alias("kind"))
    problems.rows(
        frame,
        pl.col("id").is_null() | (pl.col("id") == ""),
        "id",
        Message("a subject needs an id"),
    )
    problems.rows(frame, _blank(pl.col("id")), "id", Message("an id must not be blank"))
    problems.rows(frame, pl.col("id").is_duplicated(), "id", Message("duplicate subject id"))
    problems.rows(
        frame,
        pl.col("kind").is_null() | ~pl.col("kind").is_in(kinds),
        "kind",
        Message(
            "not a subject kind of {ruleset} ({kinds})", ruleset=ruleset.id, kinds=", ".join(kinds)
        ),
    )
    _check_subject_fields(frame, problems)
    if keep:
        return frame
    return frame.select(pl.col("id").alias("subject"), pl.col("kind").alias("subject_kind"))


def _check_subject_fields(frame: pl.DataFrame, problems: _Problems) -> None:
    """Fields beyond ``id`` and ``kind`` (a name, an identity number, Art 5's details) are
    read by no rule, but they are not taken unchecked: the rows that give any are validated by
    their kind's subject model, as the per-subject engine validates them (a column with no
    value gives nothing). A bureau's persons table of ids and kinds costs nothing here."""
    extra = [
        c
        for c in frame.columns
        if c not in ("id", "kind", "_table", "_row")
        and frame.get_column(c).null_count() < frame.height
    ]
    if not extra:
        return
    given = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in extra))
    for row in given.select("_table", "_row", "id", "kind", *extra).iter_rows(named=True):
        raw = {k: v for k, v in row.items() if k not in ("_table", "_row") and v is not None}
        try:
            SUBJECT_CLASSES.get(str(raw.get("kind")), Subject).model_validate(raw)
        except ValidationError as error:
            for item in error.errors():
                where = "".join(f".{part}" for part in item["loc"])
                cell = TableCell(row["_table"], row["_row"], str(item["loc"][0]))
                problems.add(
                    validation_message(item), f"{row['_table']}[{row['_row']}]{where}", cell
                )


def read_records(
    ruleset: ir.Ruleset,
    events: EventTables,
    subjects: Table | None,
    carried: Mapping[str, ColumnKind],
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Events and subjects checked as :func:`read_inputs` checks them, but for a store that
    already holds subjects (a ledger): an event's subject need not be in ``subjects``, the
    subjects table keeps every column it has (``id`` and ``kind`` checked), and ``carried``
    columns are kept beside the events' own. One TableError for all problems."""
    problems = _Problems()
    frame = _one_frame(events, ruleset.vocabulary, problems, carried)
    _check_fields(frame, ruleset.vocabulary, problems)
    _check_date_range(frame, (c for c, kind in carried.items() if kind == "date"), problems)
    people = None
    if subjects is not None:
        people = _subjects(subjects, ruleset, problems, keep=True)
    problems.raise_if_any()
    return _without_flags(frame), people


def read_inputs(ruleset: ir.Ruleset, events: EventTables, subjects: Table | None) -> Inputs:
    """Validate and normalise one population's input; raise one TableError for all of it."""
    problems = _Problems()
    frame = _one_frame(events, ruleset.vocabulary, problems)
    _check_fields(frame, ruleset.vocabulary, problems)
    people = _subjects(subjects, ruleset, problems)
    if people is not None and subjects is not None:
        problems.rows(
            frame,
            pl.col("subject").is_not_null() & ~pl.col("subject").is_in(people["subject"].implode()),
            "subject",
            Message("the event concerns a subject that is not among the subjects"),
        )
    # Part of reading, in the checks' pass: input read once and evaluated on many days is
    # looked at for records entered twice once, and for events one per key named twice.
    pairs = sorted(
        {(register.entered_by, register.key) for register in ruleset.registers}
        | set(vocabulary_schema(ruleset.vocabulary).once.items())
    )
    for number, (entered_by, key) in enumerate(pairs):
        problems.also(frame, f"alike_{number}", alike(entered_by, key))
    problems.raise_if_any()
    kinds = sorted(ruleset.subject_kinds)
    inputs = Inputs(_without_flags(frame), people, kinds[0] if len(kinds) == 1 else None)
    inputs._claim(
        frozenset(
            pair for number, pair in enumerate(pairs) if not problems.found[f"alike_{number}"]
        )
    )
    return inputs
