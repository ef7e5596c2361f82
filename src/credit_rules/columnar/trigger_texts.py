"""The JSON texts of a population's triggers, made in columns when a document is written.

A population's JSON document writes each trigger's JSON and its reason once, for the two or
three results it sets off: in Python that is several string operations per trigger, a third
of the document's cost on the columnar backend (Lianyungang, 200,000 persons: 87,348
triggers). The typed API's results keep the trigger columns they were made from, and the
document asks this module for all the texts at once (:class:`TriggerColumns`). The words
come from :mod:`credit_rules.model.trigger_text` as templates, so nothing is worded twice;
a trigger whose texts would need escaping is left to the document, which escapes it as
always.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import cast

import polars as pl

from credit_rules.model import json_text, trigger_text
from credit_rules.model.results import Trigger

#: A character JSON escapes inside a string (a quote, a backslash, a control character).
_ESCAPED = r'["\\\x00-\x1f]'
_TYPE, _KEY, _DATE, _SEQ = "trigger_type", "trigger_key", "trigger_date", "trigger_seq"
#: Day 0 of a Polars date.
_EPOCH = dt.date(1970, 1, 1)


class TriggerColumns:
    """The triggers of an evaluation and the columns they were made from, part by part
    (the typed API evaluates a population in ranges of subjects). Holds the trigger objects
    alive, so the document finds each by its identity."""

    __slots__ = ("_named", "_parts")

    def __init__(self, named: Mapping[str, str | None]) -> None:
        #: Each event type's Chinese name as its rules' reasons give it ("" where the
        #: ruleset has none: the type is shown), None where two rules disagree: those
        #: triggers are left to the document, which words each by its result's rule.
        self._named = dict(named)
        self._parts: list[tuple[list[Trigger], pl.DataFrame]] = []

    def add(self, triggers: list[Trigger], table: pl.DataFrame) -> None:
        """One part's triggers and the rows they were made from, in the same order (the
        columns ``trigger_type``, ``trigger_key``, ``trigger_date``, ``trigger_seq``)."""
        self._parts.append((triggers, table.select(_TYPE, _KEY, _DATE, _SEQ)))

    def texts(
        self, utf8: bool
    ) -> tuple[Sequence[Trigger], Sequence[str], Sequence[str] | Sequence[bytes]]:
        """:meth:`credit_rules.model.results.TriggerColumns.texts`."""
        if not self._parts:
            return (), (), ()
        table = pl.concat([part for _, part in self._parts], rechunk=True)
        triggers = list(chain.from_iterable(found for found, _ in self._parts))
        named, plain = self._names(table)
        iso, chinese = _day_texts(table.get_column(_DATE))
        parts = [pl.col(_TYPE), named, pl.col(_KEY), iso, chinese, pl.col(_SEQ).cast(pl.String)]
        shapes = _shapes(table)
        written, reason = (_by_shape(parts, which, shapes) for which in (0, 1))
        made = (
            table.with_row_index("_at")
            .filter(plain)
            .select(
                "_at",
                written.alias("written"),
                (reason.cast(pl.Binary) if utf8 else reason).alias("reason"),
            )
        )
        if made.height < table.height:
            triggers = [triggers[at] for at in made.get_column("_at").to_list()]
        return (
            triggers,
            made.get_column("written").to_list(),
            made.get_column("reason").to_list(),
        )

    def _names(self, table: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
        """The Chinese name of each row's event type, escaped, and which rows the columns
        write: those of a type whose name is known and whose type and key need no escaping."""
        kinds = table.get_column(_TYPE).unique().drop_nulls().to_list()
        known = [kind for kind in kinds if self._named.get(kind) is not None]
        words = [json_text.inside(self._named[kind] or kind) for kind in known]
        named = pl.col(_TYPE).replace_strict(known, words, default=None, return_dtype=pl.String)
        plain = (
            named.is_not_null()
            & ~pl.col(_TYPE).str.contains(_ESCAPED)
            & ~pl.col(_KEY).str.contains(_ESCAPED).fill_null(False)
            & pl.col(_DATE).is_not_null()
        )
        return named, plain


def _day_texts(days: pl.Series) -> tuple[pl.Expr, pl.Expr]:
    """Each row's day as ISO text and as Chinese text escaped, as the document writes them:
    made once per distinct day and taken by the day's place from the first (a gather costs
    a fraction of a lookup by value)."""
    numbers = days.to_physical()
    low = numbers.min()
    if not isinstance(low, int):  # no day at all
        return pl.lit(None, pl.String), pl.lit(None, pl.String)
    distinct = numbers.unique().drop_nulls().to_list()
    isos: list[str] = []
    chinese: list[str] = []
    for number in distinct:
        iso, zh = trigger_text.dated(_EPOCH + dt.timedelta(days=number))
        isos.append(iso)
        chinese.append(json_text.inside(zh))
    span = cast(int, numbers.max()) - low + 1
    if span > 2 * len(numbers) + 4096:
        # Days far apart (a few across centuries): a list over the whole span would cost
        # more than looking each row's day up.
        return (
            pl.col(_DATE).to_physical().replace_strict(distinct, isos, return_dtype=pl.String),
            pl.col(_DATE).to_physical().replace_strict(distinct, chinese, return_dtype=pl.String),
        )
    iso_at: list[str | None] = [None] * span
    chinese_at: list[str | None] = [None] * span
    for number, iso, zh in zip(distinct, isos, chinese, strict=True):
        iso_at[number - low] = iso
        chinese_at[number - low] = zh
    place = pl.col(_DATE).to_physical() - low
    return (
        pl.lit(pl.Series(iso_at, dtype=pl.String)).gather(place),
        pl.lit(pl.Series(chinese_at, dtype=pl.String)).gather(place),
    )


def _shapes(table: pl.DataFrame) -> list[tuple[bool, bool]]:
    """The shapes of trigger present (with a key or not, with a sequence number or not):
    a column of one shape is written by its template alone, where a choice between
    templates would make every row by each of them."""
    keyed = [bool(table.height - table.get_column(_KEY).null_count())]
    if table.get_column(_KEY).null_count():
        keyed.append(False)
    numbered = [bool(table.height - table.get_column(_SEQ).null_count())]
    if table.get_column(_SEQ).null_count():
        numbered.append(False)
    return [(k, n) for k in dict.fromkeys(keyed) for n in dict.fromkeys(numbered)]


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
