"""A population evaluated in ranges of subjects gives exactly the whole population's tables,
and an error found in one range is still reported for the whole input."""

from __future__ import annotations

import datetime as dt

import pytest

pl = pytest.importorskip("polars")

from credit_rules import bundled  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.columnar.partitions import (  # noqa: E402
    RESULT_TABLES,
    in_parts,
    one_by_one,
    result_schema,
    subject_ranges,
)
from credit_rules.errors import TableError  # noqa: E402
from credit_rules.testing.regulations.ganzhou import ganzhou_history  # noqa: E402

ENGINE = ColumnarEngine(bundled("lianyungang-2007"))
AS_OF = dt.date(2014, 3, 31)


def events(persons: int) -> pl.DataFrame:
    """0-4 entries per person within a few years, every seventh removed a month later, and
    ids that do not sort as numbers do (p10 before p2)."""
    entries = (
        pl.DataFrame({"n": range(persons)})
        .with_columns(pl.int_ranges(0, pl.col("n") % 5).alias("k"))
        .explode("k")
        .drop_nulls("k")
        .select(
            pl.lit("dishonesty_entered").alias("type"),
            ("p" + pl.col("n").cast(pl.String)).alias("subject"),
            ("r" + pl.col("k").cast(pl.String)).alias("record"),
            pl.lit("resell_drugs").alias("category"),
            pl.lit(None, pl.String).alias("action"),
            (
                pl.date(2011, 1, 1) + pl.duration(days=(pl.col("n") * 41 + pl.col("k") * 97) % 1200)
            ).alias("date"),
            ((pl.col("n") + pl.col("k")) % 7 == 0).alias("_removed"),
        )
    )
    removals = entries.filter("_removed").with_columns(
        pl.lit("record_corrected").alias("type"),
        pl.lit(None, pl.String).alias("category"),
        pl.lit("removed").alias("action"),
        (pl.col("date") + pl.duration(days=30)).alias("date"),
    )
    return pl.concat([entries, removals]).drop("_removed")


def joined(
    table: str,
    events_per_part: int,
    frame: pl.DataFrame,
    engine: ColumnarEngine = ENGINE,
    subjects: pl.DataFrame | None = None,
    as_of: dt.date = AS_OF,
) -> pl.DataFrame:
    inputs = engine.read(frame, subjects)
    return pl.concat(
        [found for found, _, _ in in_parts(engine, inputs, as_of, table, events_per_part)]
    )


GANZHOU = bundled("ganzhou-2023")
GANZHOU_ENGINE = ColumnarEngine(GANZHOU)
#: Within the first year of the histories: objections and repairs with their clocks running.
GANZHOU_AS_OF = dt.date(2025, 6, 30)


def institutions(count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events and subjects of ``count`` medical institutions, each with a history of its own
    length (Ganzhou Arts 12, 20-25), so that on one day their clocks stand at every stage."""
    events = [
        event
        for number in range(count)
        for event in ganzhou_history(20 + (number * 7) % 150, subject=f"m{number}")
    ]
    frame = pl.DataFrame(
        events, infer_schema_length=None, schema_overrides={"materials": pl.List(pl.String)}
    )
    ids = [f"m{number}" for number in range(count)]
    return frame, pl.DataFrame({"id": ids, "kind": ["medical_institution"] * count})


@pytest.mark.parametrize("table", ["decisions", "duties", "outcomes"])  # Lianyungang: no clocks
def test_ranges_of_subjects_give_the_whole_table_row_for_row(table: str) -> None:
    frame = events(400)
    whole = ENGINE.evaluate(frame, as_of=AS_OF)
    want = whole.outcomes if table == "outcomes" else getattr(whole, table)
    assert want.height > 30  # not a vacuous comparison
    assert len(subject_ranges(ENGINE.read(frame), 97)) > 5
    got = joined(table, 97, frame)
    assert got.rows() == want.rows()  # the same rows in the same order
    assert got.schema == want.schema


def test_no_subject_is_split_between_ranges() -> None:
    inputs = ENGINE.read(events(300))
    parts = subject_ranges(inputs, 50)
    seen = [set(part.events["subject"]) for part in parts]
    assert sum(len(s) for s in seen) == len(set().union(*seen))
    assert sum(part.events.height for part in parts) == inputs.events.height
    firsts = [min(s) for s in seen if s]
    assert firsts == sorted(firsts)


def test_a_contradiction_in_one_range_is_reported_for_the_whole_input() -> None:
    frame = events(300)
    # The same record entered twice, by a person early in the ids and one late.
    twice = frame.filter(
        pl.col("subject").is_in(["p1", "p98"]) & (pl.col("type") == "dishonesty_entered")
    )
    with pytest.raises(TableError) as whole:
        ENGINE.evaluate(pl.concat([frame, twice]), as_of=AS_OF)
    with pytest.raises(TableError) as parted:
        joined("decisions", 60, pl.concat([frame, twice]))
    assert whole.value.total == parted.value.total > 2
    assert str(whole.value) == str(parted.value)


def test_ranges_of_institutions_give_the_whole_deadlines_table_row_for_row() -> None:
    frame, subjects = institutions(40)
    whole = GANZHOU_ENGINE.evaluate(frame, subjects, as_of=GANZHOU_AS_OF)
    assert whole.deadlines.height > 20 and whole.deadlines["name"].n_unique() > 1
    assert len(subject_ranges(GANZHOU_ENGINE.read(frame, subjects), 300)) > 5
    got = joined("deadlines", 300, frame, GANZHOU_ENGINE, subjects, GANZHOU_AS_OF)
    assert got.rows() == whole.deadlines.rows()
    assert got.schema == whole.deadlines.schema


@pytest.mark.parametrize("table", RESULT_TABLES)
def test_the_schema_before_any_data_is_the_results(table: str) -> None:
    frame, subjects = institutions(10)
    whole = GANZHOU_ENGINE.evaluate(frame, subjects, as_of=GANZHOU_AS_OF)
    schema = result_schema(GANZHOU, GANZHOU_AS_OF, table)  # type: ignore[arg-type]
    assert pl.from_arrow(schema.empty_table()).schema == getattr(whole, table).schema


def test_each_part_is_let_go_once_the_next_is_asked_for() -> None:
    """A part is evaluated once; the list of parts would hold every part's events, and the
    order each keeps once evaluated, until the last. ``one_by_one`` gives them in order and
    lets each go from the list when the next is asked for."""
    engine = ColumnarEngine(bundled("lianyungang-2007"))
    parts = subject_ranges(engine.read(events(300)), 100)
    assert len(parts) >= 3
    held = list(parts)
    given = one_by_one(parts)
    first = next(given)
    assert first is held[0] and len(parts) == len(held) - 1 and held[0] not in parts
    assert [first, *given] == held and parts == []


def test_a_worker_compiles_each_ruleset_once_and_keeps_the_last_few() -> None:
    """A cluster calls evaluate_partition once per partition with the ruleset it was given:
    a worker compiles it once, tells rulesets apart by their parameter values too, and keeps
    only the last few it used."""
    from credit_rules.columnar.partitions import _CompiledEngines
    from credit_rules.ruleset.loader import with_parameters

    lianyungang = bundled("lianyungang-2007")
    engines = _CompiledEngines(kept=2)
    first = engines.of(lianyungang)
    assert engines.of(bundled("lianyungang-2007")) is first
    longer = engines.of(with_parameters(lianyungang, {"warning_records": 2}))
    assert longer is not first and len(engines) == 2
    engines.of(bundled("ganzhou-2023"))
    assert len(engines) == 2
    assert engines.of(lianyungang) is not first  # the least recently used was let go


@pytest.mark.parametrize("ruleset_id", ["lianyungang-2007", "ganzhou-2023"])
def test_every_fact_column_has_its_facts_type_in_every_table(ruleset_id: str) -> None:
    """The deadlines table had a Null column for each fact no deadline rule reads, which
    warehouses refuse, and which would not stack with the other tables' columns."""
    ruleset = bundled(ruleset_id)
    schemas = {
        table: result_schema(ruleset, dt.date(2025, 6, 30), table)
        for table in ("decisions", "duties", "deadlines")
    }
    types = {
        (field.name, str(field.type))
        for schema in schemas.values()
        for field in schema
        if field.name.startswith("fact_")
    }
    assert all(kind != "null" for _, kind in types), sorted(types)
    assert len({name for name, _ in types}) == len(types)  # one type per fact, every table
