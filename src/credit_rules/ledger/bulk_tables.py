"""Bulk load from tables: a bureau's export as Arrow tables, Polars frames or Parquet files.

The same contract as :mod:`credit_rules.ledger.bulk` (every event validated and checked before
one journal transaction writes the whole load; nothing evaluated; a refused load leaves the
ledger and its journal as they were), for input that is already columns. Rows are not turned
into dicts and pydantic models to be checked one by one: the columnar backend's validation
checks whole columns (:func:`credit_rules.columnar.inputs.read_records`; a property test holds
it to refuse exactly what the event models refuse), and Polars writes each event's journal
row, so the load costs a few passes in C and the journal's own inserts.

Beside the event fields, the events table may carry ``recorded_at`` (the transaction day of
each event; where null or absent, the ``recorded_at`` given for the whole load) and
``event_id`` (for idempotent replays; see :meth:`~credit_rules.ledger.Ledger.record`). Events
are appended in order of ``recorded_at``, those of one day in the order given. A subjects
table with only ``id`` and ``kind`` is checked on its columns; one with other fields (an
identity number, say) is validated by the subject model row by row, as the iterable path does.
Procedural events that introduce or name an id (an objection, a repair application) are
checked in order against what the ledger holds and what the load introduces before them; only
those rows become models.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from credit_rules.columnar.inputs import EventTables, Table, read_records
from credit_rules.columnar.schema import ENGINE, ColumnKind, vocabulary_schema
from credit_rules.errors import (
    EventRejected,
    LedgerClockError,
    LedgerClockLeap,
    Problem,
    SubjectRejected,
)
from credit_rules.i18n import Message
from credit_rules.ledger import bulk
from credit_rules.ledger.clock import max_leap_of
from credit_rules.ledger.references import Introductions
from credit_rules.model.vocabularies import parse_events

if TYPE_CHECKING:
    from credit_rules.ledger.ledger import Ledger

#: Columns an events table may carry beside the event's own fields.
CARRIED: Mapping[str, ColumnKind] = {"recorded_at": "date", "event_id": "text"}
#: ``date.toordinal()`` of Polars' day 0, 1970-01-01.
_EPOCH = dt.date(1970, 1, 1).toordinal()
#: A field left out (null): dropped from the row, as a mapping without it would be written.
#: Keys are field names (identifiers); inside a JSON string every quote is escaped, so
#: ``,"`` never occurs there.
_NULL_FIELD = r',"[A-Za-z_][A-Za-z0-9_]*":null'
_SHOWN = 20


def load_tables(
    ledger: Ledger,
    events: EventTables,
    subjects: Table | None,
    *,
    recorded_at: dt.date | None,
    check: bool,
) -> int:
    """See the module docstring; the caller holds the ledger's lock with the collector off."""
    frame, people = read_records(ledger.ruleset, events, subjects, CARRIED)
    frame = _in_recording_order(ledger, frame, recorded_at)
    new = _new_subjects(ledger, people)
    return bulk.commit(ledger, new, _loaded(ledger, new, frame), check=check)


def _label(table: str, row: int) -> str:
    return f"{table}[{row}]"


def _in_recording_order(
    ledger: Ledger, frame: pl.DataFrame, recorded_at: dt.date | None
) -> pl.DataFrame:
    """Every event with its recording day, in the order the ledger appends them."""
    if recorded_at is not None:
        frame = frame.with_columns(pl.col("recorded_at").fill_null(recorded_at))
    lacking = frame.filter(pl.col("recorded_at").is_null())
    if lacking.height:
        raise EventRejected(
            None,
            [
                Problem(
                    Message("every event needs a recording day: a column, or recorded_at="),
                    f"{_label(table, row)}.recorded_at",
                )
                for table, row in lacking.select("_table", "_row").head(_SHOWN).iter_rows()
            ],
        )
    frame = frame.sort("recorded_at", maintain_order=True)
    today = ledger._today
    if frame.height and today is not None:
        first = frame.row(0, named=True)
        if first["recorded_at"] < today:
            raise LedgerClockError(
                Message("{labels} recorded_at", labels=_label(first["_table"], first["_row"])),
                first["recorded_at"],
                today,
            )
    leap = max_leap_of(ledger.clock)
    if frame.height and leap is not None:
        # The steps between recording days in order, the first from today (or from itself).
        start = pl.lit(today) if today is not None else pl.col("recorded_at").first()
        before = pl.col("recorded_at").shift(1, fill_value=start)
        steps = frame.select(
            (pl.col("recorded_at") - before).dt.total_days().alias("_step"),
            "recorded_at",
            "_table",
            "_row",
        )
        over = steps.filter(pl.col("_step") > leap)
        if over.height:
            row = over.row(0, named=True)
            raise LedgerClockLeap(
                row["recorded_at"],
                row["recorded_at"] - dt.timedelta(days=row["_step"]),
                leap,
                _label(row["_table"], row["_row"]),
            )
    return frame


def _new_subjects(ledger: Ledger, people: pl.DataFrame | None) -> dict[str, str]:
    """The subjects to load, id -> source, checked: none held already."""
    if people is None or not people.height:
        return {}
    fields = [c for c in people.columns if c not in ("_table", "_row")]
    if set(fields) > {"id", "kind"}:
        rows = [
            {k: v for k, v in row.items() if v is not None}
            for row in people.select(fields).iter_rows(named=True)
        ]
        return bulk.new_subjects(ledger, rows)
    ids: list[str] = people.get_column("id").to_list()
    held = ledger._held
    if not held.keys().isdisjoint(ids):
        at = next(n for n, i in enumerate(ids) if i in held)
        place = people.row(at, named=True)
        raise SubjectRejected(
            None,
            [
                Problem(
                    Message("the ledger already holds subject {id!r}", id=ids[at]),
                    f"{_label(place['_table'], place['_row'])}.id",
                )
            ],
        )
    codec = ledger._codec
    kinds = {kind: codec.kind(kind) for kind in people.get_column("kind").unique().to_list()}
    if len(kinds) == 1:  # a bureau's persons: one shared kind, no list of a million of them
        return dict.fromkeys(ids, next(iter(kinds.values())))
    return dict(zip(ids, map(kinds.__getitem__, people.get_column("kind").to_list()), strict=True))


class _TableLoaded(bulk.Loaded):
    """The load's events as the ledger keeps them, and its frame, which groups them by
    subject in one Polars pass instead of a Python loop over every event."""

    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self._frame = frame

    def groups(self, inert: frozenset[str]) -> Iterator[bulk.Group]:
        grouped = (
            self._frame.lazy()
            .with_row_index("_at")
            .group_by("subject", maintain_order=True)
            .agg(
                pl.col("_at"),
                _ordinal("recorded_at"),
                pl.col("_body"),
                _ordinal("date").max(),
                (~pl.col("type").is_in(sorted(inert))).any(),
            )
            .collect(engine=ENGINE)
        )
        return grouped.iter_rows()


def _ordinal(column: str) -> pl.Expr:
    return (pl.col(column).dt.epoch("d") + _EPOCH).alias(column)


def _loaded(ledger: Ledger, new: Mapping[str, str], frame: pl.DataFrame) -> bulk.Loaded:
    """What the ledger and its journal keep of the events, once every check has passed."""
    if not frame.height:
        return bulk.Loaded()
    subjects: list[str] = frame.get_column("subject").to_list()
    _check_subjects(ledger, new, frame, subjects)
    ids = _event_ids(ledger, frame)
    _check_references(ledger, frame)
    frame = frame.with_columns(_bodies(ledger.ruleset.vocabulary, frame))
    loaded = _TableLoaded(frame.select("subject", "recorded_at", "_body", "date", "type"))
    loaded.ids = ids
    loaded.subjects = subjects
    loaded.types = frame.get_column("type").to_list()
    loaded.bodies = frame.get_column("_body").to_list()
    loaded.dates = array("l", frame.select(_ordinal("date")).to_series().to_list())
    loaded.recorded = array("l", frame.select(_ordinal("recorded_at")).to_series().to_list())
    return loaded


def _check_subjects(
    ledger: Ledger, new: Mapping[str, str], frame: pl.DataFrame, subjects: list[str]
) -> None:
    held = ledger._held
    missing = [s for s in set(subjects) if s not in new and s not in held]
    if not missing:
        return
    bad = frame.filter(pl.col("subject").is_in(missing)).head(_SHOWN)
    raise EventRejected(
        None,
        [
            Problem(
                Message("subject {subject!r} is neither held nor loaded", subject=subject),
                f"{_label(table, row)}.subject",
            )
            for table, row, subject in bad.select("_table", "_row", "subject").iter_rows()
        ],
    )


def _event_ids(ledger: Ledger, frame: pl.DataFrame) -> dict[int, str]:
    """Position in the load -> event_id, for the events that carry one; refused if one is
    recorded already or given twice."""
    given = (
        frame.select(pl.col("event_id"), pl.col("_table"), pl.col("_row"))
        .with_row_index("_at")
        .filter(pl.col("event_id").is_not_null())
    )
    if not given.height:
        return {}
    known = ledger._event_ids
    ids: list[str] = given.get_column("event_id").to_list()
    recorded = [event_id for event_id in ids if event_id in known]
    clashes = given.filter(pl.col("event_id").is_duplicated() | pl.col("event_id").is_in(recorded))
    if clashes.height:
        raise EventRejected(
            None,
            [
                Problem(
                    Message("event_id {i!r} is already recorded or given twice", i=event_id),
                    f"{_label(table, row)}.event_id",
                )
                for event_id, table, row in clashes.select("event_id", "_table", "_row")
                .head(_SHOWN)
                .iter_rows()
            ],
        )
    return dict(given.select("_at", "event_id").iter_rows())


def _check_references(ledger: Ledger, frame: pl.DataFrame) -> None:
    """The reference checks of :mod:`credit_rules.ledger.references`, in order, on the rows
    of the types that introduce or name an id; only they are made models."""
    references = ledger.references
    types = {t for t, _ in references} | set(references.values())
    if not types:
        return
    rows = frame.filter(pl.col("type").is_in(sorted(types)))
    if not rows.height:
        return
    schema = vocabulary_schema(ledger.ruleset.vocabulary)
    raws: list[dict[str, Any]] = []
    labels: list[str] = []
    for row in rows.iter_rows(named=True):
        own = schema.fields[row["type"]]
        raw = {k: row[k] for k in ("type", "subject", "date")}
        raw.update((k, row[k]) for k in own if row[k] is not None)
        raws.append(raw)
        labels.append(_label(row["_table"], row["_row"]))
    held = ledger._held
    introductions = Introductions(
        references, lambda sid: ledger._state(sid).events if sid in held else []
    )
    for index, event in enumerate(parse_events(ledger.ruleset.vocabulary, raws)):
        introductions.check(event, labels, index)


def _bodies(vocabulary: str, frame: pl.DataFrame) -> pl.Series:
    """Each event's journal row, its fields given (nulls left out), written by Polars a type
    at a time and put back in the load's order."""
    schema = vocabulary_schema(vocabulary)
    indexed = frame.with_row_index("_at")
    parts = []
    for (event_type,), part in indexed.partition_by("type", as_dict=True).items():
        fields = ["type", "subject", "date", *schema.fields[str(event_type)]]
        parts.append(
            part.lazy().select(
                "_at",
                pl.struct(fields)
                .struct.json_encode()
                .str.replace_all(_NULL_FIELD, "")
                .alias("_body"),
            )
        )
    return pl.concat(parts).sort("_at").collect(engine=ENGINE).get_column("_body")
