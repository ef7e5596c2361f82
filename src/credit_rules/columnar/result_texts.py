"""The JSON texts of a population's results, made in columns when a document is written.

A population's JSON document writes, for each result, its own fields and its trigger (the
"first piece"), then the tail its rule and fact values share with other results, and once per
trigger that trigger's JSON and reason. In Python the first pieces and the triggers are
several string operations each, most of the document's cost (Lianyungang, 200,000 persons:
214,251 results, 87,348 triggers). The typed API's results keep the columns they were made
from (:class:`ResultColumns`), and the document asks for all these texts at once
(:class:`credit_rules.model.results.ColumnTexts`). The words and the layout come from the
model's own writers as templates (:mod:`credit_rules.model.trigger_text`,
``FIRST_TEMPLATES``), so nothing is written two ways; a result or trigger whose text would
need escaping is left to the document, which escapes it as always.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import cast

import polars as pl

from credit_rules.model import json_text, trigger_text
from credit_rules.model.results import (
    FIRST_PARTS,
    FIRST_TEMPLATES,
    WrittenColumns,
    WrittenList,
)

#: A character JSON escapes inside a string (a quote, a backslash, a control character).
_ESCAPED = r'["\\\x00-\x1f]'
_TYPE, _KEY, _DATE, _SEQ = "trigger_type", "trigger_key", "trigger_date", "trigger_seq"
#: The column numbering each result's trigger among all the triggers' rows.
_TRIGGER = "_trigger"
#: Day 0 of a Polars date.
_EPOCH = dt.date(1970, 1, 1)
#: The columns a list's results are written from: the parts of its first piece, each a
#: column of the same name, but the trigger, which is written from the triggers' columns.
_FIELDS = {
    name: tuple(part for part in parts if part != "trigger") for name, parts in FIRST_PARTS.items()
}
_DAYS = {"from", "until", "on"}
_FLAGS = {"active", "provisional"}


class ResultColumns:
    """The results of an evaluation as the columns they were made from, part by part (the
    typed API evaluates a population in ranges of subjects), with their triggers'."""

    __slots__ = ("_lists", "_named", "_triggers")

    def __init__(self, named: Mapping[str, str | None]) -> None:
        #: Each event type's Chinese name as its rules' reasons give it ("" where the
        #: ruleset has none: the type is shown), None where two rules disagree: those
        #: triggers are left to the document, which words each by its result's rule.
        self._named = dict(named)
        self._triggers: list[pl.DataFrame] = []
        self._lists: dict[str, list[pl.DataFrame]] = {name: [] for name in _FIELDS}

    def add(
        self, triggers: pl.DataFrame, lists: Mapping[str, tuple[pl.DataFrame, pl.Series]]
    ) -> None:
        """One part's triggers, a row each (the columns ``trigger_type``, ``trigger_key``,
        ``trigger_date``, ``trigger_seq``), and by list ("decisions", "duties") the table its
        results were made from, row by row, with each row's trigger numbered among them."""
        offset = sum(part.height for part in self._triggers)
        self._triggers.append(triggers.select(_TYPE, _KEY, _DATE, _SEQ))
        for name, (rows, numbers) in lists.items():
            numbered = (numbers.cast(pl.Int64) + offset).alias(_TRIGGER)
            self._lists[name].append(rows.select(*_FIELDS[name]).with_columns(numbered))

    def texts(self, utf8: bool) -> WrittenColumns:
        """:meth:`credit_rules.model.results.ColumnTexts.texts`."""
        if not self._triggers:
            return {}
        table = pl.concat(self._triggers, rechunk=True)
        named, plain = self._names(table)
        lists = {name: pl.concat(rows) for name, rows in self._lists.items() if rows}
        days = _DayTexts(
            [table.get_column(_DATE)]
            + [rows.get_column(c) for rows in lists.values() for c in rows.columns if c in _DAYS]
        )
        iso, chinese = days.iso(_DATE), days.chinese(_DATE)
        parts = [pl.col(_TYPE), named, pl.col(_KEY), iso, chinese, pl.col(_SEQ).cast(pl.String)]
        shapes = _shapes(table)
        written, reason = (_by_shape(parts, which, shapes) for which in (0, 1))
        made = table.select(
            pl.when(plain).then(written).alias("written"),
            pl.when(plain).then(reason.cast(pl.Binary) if utf8 else reason).alias("reason"),
        )
        texts = made.get_column("written")
        reasons = made.get_column("reason").to_list()
        return {
            name: WrittenList(
                rows.height, _FirstPieces(name, rows, days, texts, reasons, utf8).pieces
            )
            for name, rows in lists.items()
        }

    def _names(self, table: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
        """The Chinese name of each row's event type, escaped, and which rows the columns
        write: those of a type whose name is known and whose type and key need no escaping."""
        kinds = table.get_column(_TYPE).unique().drop_nulls().to_list()
        known = [kind for kind in kinds if self._named.get(kind) is not None]
        words = [json_text.inside(self._named[kind] or kind) for kind in known]
        named = pl.col(_TYPE).replace_strict(known, words, default=None, return_dtype=pl.String)
        plain = (
            named.is_not_null()
            & _plain(pl.col(_TYPE))
            & _plain(pl.col(_KEY)).fill_null(True)
            & pl.col(_DATE).is_not_null()
        )
        return named, plain


class _FirstPieces:
    """The first pieces of one list's results, a range of rows at a time
    (:class:`credit_rules.model.results.WrittenList`)."""

    def __init__(
        self,
        name: str,
        rows: pl.DataFrame,
        days: _DayTexts,
        written: pl.Series,
        reasons: list[str] | list[bytes],
        utf8: bool,
    ) -> None:
        """``rows`` are the list's tables, ``written`` each trigger's JSON (null where the
        columns do not write it) and ``reasons`` each trigger's reason."""
        trigger = pl.lit(written).gather(pl.col(_TRIGGER))
        plain = trigger.is_not_null()
        values: list[pl.Expr] = []
        for field in FIRST_PARTS[name]:
            if field == "trigger":
                values.append(trigger)
            elif field in _DAYS:
                values.append(days.quoted(field).fill_null(pl.lit("null")))
            elif field in _FLAGS:
                flag = pl.when(pl.col(field)).then(pl.lit("true")).otherwise(pl.lit("false"))
                values.append(flag)
            else:
                plain &= _plain(pl.col(field))
                values.append(pl.concat_str([pl.lit('"'), pl.col(field), pl.lit('"')]))
        items = FIRST_TEMPLATES[name].items
        first = pl.concat_str([pl.lit(i) if isinstance(i, str) else values[i] for i in items])
        self._first = first.cast(pl.Binary) if utf8 else first
        self._plain = plain
        self._rows = rows
        self._reasons = cast("list[str | bytes | None]", reasons)

    def pieces(
        self, start: int, stop: int
    ) -> tuple[list[str | bytes | None], list[str | bytes | None]]:
        """Each result's first piece, led by a comma, and its trigger's reason, for the rows
        from ``start`` to ``stop``; None for a result whose texts need escaping or whose
        trigger the columns do not write."""
        rows = self._rows.slice(start, stop - start)
        # Where every row is plain (the usual case), no choice per row: a choice between two
        # columns of text copies both (Lianyungang, 126,903 decisions: 64 against 40 ms).
        if rows.select(self._plain.all()).item():
            made = rows.select(self._first)
        else:
            made = rows.select(pl.when(self._plain).then(self._first))
        numbers = rows.get_column(_TRIGGER).to_list()
        return made.to_series().to_list(), list(map(self._reasons.__getitem__, numbers))


def _plain(texts: pl.Expr) -> pl.Expr:
    """Texts JSON writes as they are (no quote, backslash or control character)."""
    return ~texts.str.contains(_ESCAPED)


class _DayTexts:
    """Each day of the results and their triggers as the document writes it: ISO text, quoted
    ISO text (a JSON value) and Chinese text escaped. Made once per distinct day of all the
    columns, and taken by the day's place from the first (a gather costs a fraction of a
    lookup by value)."""

    def __init__(self, days: list[pl.Series]) -> None:
        numbers = pl.concat([column.to_physical() for column in days]).unique().drop_nulls()
        self._distinct: list[int] = numbers.to_list()
        self._low = cast(int, numbers.min()) if self._distinct else 0
        span = cast(int, numbers.max()) - self._low + 1 if self._distinct else 0
        # Days far apart (a few across centuries): a list over the whole span would cost
        # more than looking each row's day up.
        self._by_value = span > 2 * len(self._distinct) + 4096
        size = len(self._distinct) if self._by_value else span
        self._texts: list[list[str | None]] = [[None] * size for _ in range(3)]
        iso_at, quoted_at, zh_at = self._texts
        for at, number in enumerate(self._distinct):
            iso, zh = trigger_text.dated(_EPOCH + dt.timedelta(days=number))
            place = at if self._by_value else number - self._low
            iso_at[place] = iso
            quoted_at[place] = f'"{iso}"'
            zh_at[place] = json_text.inside(zh)

    def iso(self, column: str) -> pl.Expr:
        return self._of(column, 0)

    def quoted(self, column: str) -> pl.Expr:
        return self._of(column, 1)

    def chinese(self, column: str) -> pl.Expr:
        return self._of(column, 2)

    def _of(self, column: str, which: int) -> pl.Expr:
        texts = pl.Series(self._texts[which], dtype=pl.String)
        physical = pl.col(column).to_physical()
        if self._by_value:
            return physical.replace_strict(self._distinct, texts, return_dtype=pl.String)
        return pl.lit(texts).gather(physical - self._low)


def _shapes(table: pl.DataFrame) -> list[tuple[bool, bool]]:
    """The shapes of trigger present (with a key or not, with a sequence number or not):
    a column of one shape is written by its template alone, where a choice between
    templates would make every row by each of them."""

    def present(column: str) -> list[bool]:
        nulls = table.get_column(column).null_count()
        found = [flag for flag, seen in ((True, nulls < table.height), (False, nulls > 0)) if seen]
        return found or [False]

    return [(keyed, numbered) for keyed in present(_KEY) for numbered in present(_SEQ)]


def _by_shape(parts: list[pl.Expr], which: int, shapes: list[tuple[bool, bool]]) -> pl.Expr:
    """The text ``which`` (0: the trigger's JSON, 1: its reason's) of each row, by the
    template of its shape (one of ``shapes``)."""

    def shaped(keyed: bool, numbered: bool) -> pl.Expr:
        template = trigger_text.templates(keyed=keyed, numbered=numbered)[which]
        items = [pl.lit(item) if isinstance(item, str) else parts[item] for item in template.items]
        return pl.concat_str(items)

    *chosen, (last_keyed, last_numbered) = shapes
    found = shaped(last_keyed, last_numbered)
    for keyed, numbered in reversed(chosen):
        of_shape = pl.col(_KEY).is_null() ^ keyed
        of_shape &= pl.col(_SEQ).is_null() ^ numbered
        found = pl.when(of_shape).then(shaped(keyed, numbered)).otherwise(found)
    return found
