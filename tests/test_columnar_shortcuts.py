"""The columnar backend's shortcuts give what the plain operations they replace give: the
packed-key sort, the per-day lookup of a period's last day, the count of valid records by
as-of joins, the canonical order and its subject numbers, and the duplicate-record check.

The differential test holds the whole backend to the per-subject engine; these hold each
shortcut to its plain form on inputs chosen to reach the edges the differential test may
seldom draw (sort keys too wide to pack, nulls, records removed on the day assessed, many
records of one subject on one day)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")

from credit_rules import Engine, bundled, loads_ruleset  # noqa: E402
from credit_rules.calendar import default_calendar  # noqa: E402
from credit_rules.columnar import ColumnarEngine, Inputs, read_inputs  # noqa: E402
from credit_rules.columnar.expressions import add_period, per_day, shifted  # noqa: E402
from credit_rules.columnar.facts import EventsOfType, _count_valid  # noqa: E402
from credit_rules.columnar.known import _hashed_ids  # noqa: E402
from credit_rules.columnar.resolve import _clusters, in_order, order_of, sorted_by  # noqa: E402
from credit_rules.columnar.workdays import DayIndex  # noqa: E402
from credit_rules.errors import TableError  # noqa: E402
from credit_rules.periods import Period  # noqa: E402

DAY0 = dt.date(2016, 1, 1)


def _frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_sid": pl.Series([(i * 7919) % 97 for i in range(rows)], dtype=pl.UInt64),
            "_rule": pl.Series([(i * 31) % 5 for i in range(rows)], dtype=pl.Int32),
            "trigger_seq": [(i * 13) % 11 for i in range(rows)],
            "_first": [DAY0 + dt.timedelta(days=(i * 37) % 900) for i in range(rows)],
            "_pid": list(range(rows)),
        }
    )


def test_the_packed_sort_is_the_plain_sort() -> None:
    frame = _frame(2000)
    columns = ["_sid", "_rule", "trigger_seq", "_first"]
    assert sorted_by(frame, columns).equals(frame.sort(columns))


def test_keys_too_wide_to_pack_or_with_nulls_are_sorted_plainly() -> None:
    frame = _frame(300).with_columns(
        (pl.col("_pid") * (1 << 40)).alias("wide"),
        pl.when(pl.col("_pid") % 9 == 0).then(None).otherwise(pl.col("_rule")).alias("holes"),
    )
    for columns in (["wide", "_sid", "_first"], ["holes", "_sid", "_pid"]):
        assert sorted_by(frame, columns).equals(frame.sort(columns))


@pytest.mark.parametrize(
    "period", [Period(5, "years"), Period(1, "years"), Period(3, "months"), Period(10, "days")]
)
def test_the_last_day_looked_up_per_day_is_the_offset_one(period: Period) -> None:
    # Leap days, month ends and a null, over a span shorter than the column (the lookup).
    days = [DAY0 + dt.timedelta(days=(i * 53) % 1500) for i in range(3000)]
    dates = pl.Series("date", [dt.date(2020, 2, 29), dt.date(2019, 1, 31), None, *days])
    plain = pl.select(add_period(pl.lit(dates), period)).to_series()
    assert shifted(dates, period).to_list() == plain.to_list()


def _trigger_days(rows: int, spread: int) -> pl.DataFrame:
    """Trigger days over ``spread`` days (leap days and month ends among them), one null."""
    days = [DAY0 + dt.timedelta(days=(i * 53) % spread) for i in range(rows)]
    return pl.DataFrame(
        {
            "trigger_date": pl.Series([dt.date(2020, 2, 29), None, *days], dtype=pl.Date),
            "count": list(range(rows + 2)),
        }
    )


WORKING_DAYS = DayIndex(default_calendar())
#: Starts and ends as the compiler builds them from the trigger's day alone.
ON_THE_TRIGGER_DAY = {
    "plus a year": add_period(pl.col("trigger_date"), Period(1, "years")),
    "plus 15 working days": add_period(
        pl.col("trigger_date"), Period(15, "working_days"), WORKING_DAYS
    ),
    "a condition on the day": pl.when(pl.col("trigger_date") >= dt.date(2017, 6, 1))
    .then(add_period(pl.col("trigger_date"), Period(3, "months")))
    .otherwise(pl.col("trigger_date")),
}


@pytest.mark.parametrize("name", ON_THE_TRIGGER_DAY)
def test_a_start_looked_up_per_day_is_the_one_computed_per_row(name: str) -> None:
    expr = ON_THE_TRIGGER_DAY[name]
    frame = _trigger_days(3000, 1500)
    looked_up = per_day(expr, frame)
    assert looked_up is not expr  # the span is shorter than the column: a lookup
    assert (
        frame.select(looked_up.alias("x")).to_series().to_list()
        == frame.select(expr.alias("x")).to_series().to_list()
    )


def test_per_day_keeps_what_it_cannot_look_up() -> None:
    frame = _trigger_days(300, 1500)
    year = add_period(pl.col("trigger_date"), Period(1, "years"))
    # A span longer than the column: counting each row costs less than the table.
    assert per_day(year, frame) is year
    dense = _trigger_days(3000, 1500)
    # The column alone, an expression of two columns, a column that is not a date.
    column = pl.col("trigger_date")
    both = pl.when(pl.col("count") > 3).then(year).otherwise(column)
    for expr in (column, both, pl.col("count") + 1):
        assert per_day(expr, dense) is expr


def test_valid_records_counted_by_as_of_joins_are_those_a_join_counts() -> None:
    # Three subjects; several records on one day; records removed before, on and after the
    # day assessed; days asked before the first entry and after the last valid day.
    entered = [DAY0 + dt.timedelta(days=d) for d in (0, 0, 0, 40, 400, 400, 800, 1900, 2100)]
    sids = [0, 0, 0, 0, 1, 1, 1, 2, 2]
    removed = [None, DAY0 + dt.timedelta(days=45), None, None, None, None,
               DAY0 + dt.timedelta(days=801), None, DAY0 + dt.timedelta(days=2100)]  # fmt: skip
    records = pl.DataFrame(
        {
            "_sid": pl.Series(sids, dtype=pl.UInt64),
            "_entered": entered,
            "_last_valid": [d + dt.timedelta(days=365) for d in entered],
            "_removed": pl.Series(removed, dtype=pl.Date),
        }
    )
    asked = [DAY0 + dt.timedelta(days=d) for d in (-1, 0, 44, 45, 365, 366, 400, 801, 2100)]
    grid = pl.DataFrame(
        {
            "_g": list(range(len(asked) * 3)),
            "_sid": pl.Series([s for s in (0, 1, 2) for _ in asked], dtype=pl.UInt64),
            "trigger_date": asked * 3,
            "_d": [d + dt.timedelta(days=3) for d in asked] * 3,
        }
    )
    for valid_on in (pl.col("trigger_date"), pl.col("_d")):
        fast = _count_valid(grid, records, valid_on)
        assert fast is not None
        joined = (
            grid.with_columns(valid_on.alias("_v"))
            .join(records, on="_sid", how="left")
            .with_columns(
                (
                    (pl.col("_entered") <= pl.col("_v"))
                    & (pl.col("_v") <= pl.col("_last_valid"))
                    & (pl.col("_removed").is_null() | (pl.col("_removed") > pl.col("_d")))
                )
                .fill_null(False)
                .alias("_valid")
            )
            .group_by("_g", maintain_order=True)
            .agg(pl.col("_valid").sum().cast(pl.Int64))
        )
        assert fast.to_list() == joined.get_column("_valid").to_list()


LIANYUNGANG = ColumnarEngine(bundled("lianyungang-2007"))


def test_subjects_keep_the_order_of_their_ids_and_events_the_canonical_order() -> None:
    # Ids that do not sort as numbers do, and several events of one subject on one day.
    rows = [
        ("p10", "r2", dt.date(2012, 5, 1)),
        ("p2", "r1", dt.date(2012, 5, 1)),
        ("p10", "r1", dt.date(2012, 5, 1)),
        ("p2", "r0", dt.date(2011, 1, 3)),
        ("p1", "r9", dt.date(2013, 2, 2)),
    ]
    events = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * len(rows),
            "subject": [s for s, _, _ in rows],
            "record": [r for _, r, _ in rows],
            "category": ["resell_drugs"] * len(rows),
            "date": [d for _, _, d in rows],
        }
    )
    result = LIANYUNGANG.evaluate(events, as_of=dt.date(2014, 1, 1))
    duties = result.duties.select("subject", "trigger_key", "trigger_seq")
    assert duties.rows() == [
        ("p1", "r9", 0),
        ("p10", "r1", 0),
        ("p10", "r2", 1),
        ("p2", "r0", 0),
        ("p2", "r1", 1),
    ]


def test_a_record_entered_twice_is_found_among_many_that_are_not() -> None:
    persons = 3000
    events = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * (persons + 1),
            "subject": [f"p{i}" for i in range(persons)] + ["p77"],
            "record": ["r1"] * (persons + 1),
            "category": ["resell_drugs"] * (persons + 1),
            "date": [dt.date(2012, 1, 1) + dt.timedelta(days=i % 300) for i in range(persons)]
            + [dt.date(2013, 1, 1)],
        }
    )
    for evaluate in (LIANYUNGANG.evaluate, LIANYUNGANG.outcomes):
        with pytest.raises(TableError) as raised:
            evaluate(events, as_of=dt.date(2014, 1, 1))
        assert raised.value.total == 2


def test_input_read_once_is_looked_at_for_records_entered_twice_once_and_still_refused() -> None:
    """Reading finds, register by register, whether any two entries share subject and
    record; an evaluation skips the look only for the registers found distinct. Input with
    a record entered twice, input built by hand, the parts of either, and input read under a
    ruleset without the evaluating engine's register are all still refused."""
    clean = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * 3,
            "subject": ["p1", "p1", "p2"],
            "record": ["r1", "r2", "r1"],
            "category": ["resell_drugs"] * 3,
            "date": [dt.date(2012, 1, 1), dt.date(2012, 2, 1), dt.date(2012, 3, 1)],
        }
    )
    again = clean.head(1).with_columns(pl.lit(dt.date(2013, 1, 1)).alias("date"))
    twice = pl.concat([clean, again])
    as_of = dt.date(2014, 1, 1)
    register = ("dishonesty_entered", "record")
    assert LIANYUNGANG.read(clean).distinct_entries == {register}
    read = LIANYUNGANG.read(twice)
    assert read.distinct_entries == frozenset()
    by_hand = Inputs(read.events, kind="insured_person")
    assert by_hand.distinct_entries == frozenset()
    parts = read.split(pl.Series(["p2"]))
    assert [part.distinct_entries for part in parts] == [frozenset(), frozenset()]
    # Read under a ruleset that has no register: nothing is claimed for the engine's own.
    elsewhere = read_inputs(replace(LIANYUNGANG.ruleset, registers=()), twice, None)
    assert elsewhere.distinct_entries == frozenset()
    for given in (read, by_hand, parts[0], elsewhere):
        for evaluate in (LIANYUNGANG.evaluate, LIANYUNGANG.outcomes):
            with pytest.raises(TableError, match="entered twice"):
                evaluate(given, as_of=as_of)
    # A true claim: carried by the parts, and the same results as without it.
    claimed = LIANYUNGANG.read(clean)
    assert all(p.distinct_entries == {register} for p in claimed.split(pl.Series(["p2"])))
    unclaimed = Inputs(claimed.events, kind="insured_person")
    found, plain = (LIANYUNGANG.evaluate(i, as_of=as_of) for i in (claimed, unclaimed))
    assert found.decisions.height > 0
    assert found.decisions.equals(plain.decisions) and found.duties.equals(plain.duties)
    applying = LIANYUNGANG.outcomes(claimed, as_of=as_of)
    assert applying.equals(LIANYUNGANG.outcomes(unclaimed, as_of=as_of))
    # Given other events after reading, the input claims nothing and is looked at again.
    claimed.events = pl.concat([claimed.events, read.events.tail(1)])
    assert claimed.distinct_entries == frozenset()
    with pytest.raises(TableError, match="entered twice"):
        LIANYUNGANG.outcomes(claimed, as_of=as_of)


def test_subjects_are_numbered_by_hash_unless_two_of_those_named_share_one() -> None:
    """The narrowing's subjects stand for every id the history can name: distinct hashes
    among them number subjects by hash; a shared hash (simulated here by naming one id
    twice, as two ids with one hash would count) falls back to ranks, which never collide."""
    frame = pl.DataFrame({"subject": ["b", "a", "b"]})
    by_hash = frame.select(_hashed_ids(frame, pl.Series(["a", "b"]))).to_series()
    assert by_hash.to_list() == frame.get_column("subject").hash().to_list()
    ranked = frame.select(_hashed_ids(frame, pl.Series(["a", "a"]))).to_series()
    assert ranked.to_list() == [2, 1, 2]
    assert frame.select(_hashed_ids(frame, None)).to_series().to_list() == by_hash.to_list()


def _differential() -> Any:
    """The differential test's comparison (tests is not a package, so it is loaded by path)."""
    path = Path(__file__).with_name("test_columnar_differential.py")
    spec = importlib.util.spec_from_file_location("_columnar_differential", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_triggers_that_tie_on_every_number_are_ordered_by_key_as_the_engine_orders_them() -> None:
    # Art 10 and Art 11 terms that meet, from records entered on one day: the same rule, the
    # same priority and the same trigger day, so only the records' keys tell them apart.
    day = dt.date(2012, 5, 1)
    events = [
        {"type": "dishonesty_entered", "subject": subject, "record": record,
         "category": "resell_drugs", "date": (day + dt.timedelta(days=shift)).isoformat()}
        for subject, records, shift in (("s0", ("r1", "r2", "r10"), 0), ("s1", ("b", "a"), 0),
                                        ("s1", ("c",), 100))
        for record in records
    ]  # fmt: skip
    subjects = [{"id": "s0", "kind": "insured_person"}, {"id": "s1", "kind": "insured_person"}]
    differential = _differential()
    pair = differential.PAIRS["lianyungang-2007", "default"]
    for as_of in (dt.date(2012, 5, 1), dt.date(2012, 9, 1), dt.date(2013, 8, 1)):
        differential._same(pair, (subjects, events, as_of, None))


def test_records_keyed_by_another_field_than_the_id_are_ordered_by_their_keys() -> None:
    """Triggers that tie on every number are ordered by their keys, then their seq. When a
    register's records are keyed by the field its entries name as their id, the canonical
    order has already put them so and the seq alone orders them (no text is read). Keyed by
    another field (the category here, against the order of the record ids), the keys are
    read, and the rows are still the engine's."""
    source = (Path(__file__).resolve().parents[1] / "rulesets" / "lianyungang-2007.yaml").read_text(
        encoding="utf-8"
    )
    entered = "    entered_by: dishonesty_entered\n"
    ruleset = loads_ruleset(source.replace(entered, entered + "    key: category\n", 1))
    pair = (Engine(ruleset), ColumnarEngine(ruleset))
    assert LIANYUNGANG._keys_in_seq and not pair[1]._keys_in_seq
    day = dt.date(2012, 5, 1)
    events = [
        {"type": "dishonesty_entered", "subject": "s0", "record": record, "category": category,
         "date": (day + dt.timedelta(days=shift)).isoformat()}
        for record, category, shift in (("r1", "resell_drugs", -30),
                                        ("r2", "use_others_certificate", 0),
                                        ("r3", "forge_documents", 0))
    ]  # fmt: skip
    subjects = [{"id": "s0", "kind": "insured_person"}]
    for as_of in (day, dt.date(2012, 9, 1)):
        _differential()._same(pair, (subjects, events, as_of, None))
    # The record the category puts last wins the day, not the one entered last.
    found = pair[1].evaluate(pl.DataFrame(events), as_of=day).decisions
    winner = found.filter(pl.col("rule") == "art11_time_limited_reimbursement")
    assert winner.get_column("trigger_key").to_list() == ["use_others_certificate"]


def test_the_canonical_order_is_found_once_per_frame_and_each_day_filters_it() -> None:
    """Input read once keeps its events in the canonical order (``Inputs.in_order``) for
    every evaluation of whole histories: what is known on a day, by a day of knowledge, is a
    filter of them. Each day gives what input read afresh gives; input given another frame
    is put in order again."""
    events = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * 4 + ["record_corrected"],
            "subject": ["p10", "p2", "p10", "p2", "p2"],
            "record": ["r2", "r1", "r1", "r0", "r1"],
            "category": ["resell_drugs"] * 5,
            "action": [None] * 4 + ["removed"],
            "date": [dt.date(2012, 5, 1), dt.date(2012, 5, 1), dt.date(2012, 5, 1),
                     dt.date(2011, 1, 3), dt.date(2012, 8, 1)],
            "decided_on": [None] * 4 + [dt.date(2012, 9, 1)],
        }
    )  # fmt: skip
    inputs = LIANYUNGANG.read(events)
    days = [(dt.date(2011, 6, 1), None), (dt.date(2012, 8, 15), None),
            (dt.date(2012, 8, 15), dt.date(2012, 9, 1)), (dt.date(2013, 1, 1), None)]  # fmt: skip
    for as_of, known_at in days:
        kept = LIANYUNGANG.evaluate(inputs, as_of=as_of, known_at=known_at)
        fresh = LIANYUNGANG.evaluate(events, as_of=as_of, known_at=known_at)
        assert kept.decisions.equals(fresh.decisions) and kept.duties.equals(fresh.duties)
    # Found on the first day and kept (the row numbers alone): asked again, it is not found
    # again.
    order = inputs.in_order("lianyungang-2007", lambda frame: pytest.fail("found again"))
    whole = inputs.events[order]
    assert whole.get_column("subject").to_list() == ["p10", "p10", "p2", "p2", "p2"]
    assert whole.get_column("record").to_list() == ["r1", "r2", "r0", "r1", "r1"]
    # So are the columns the engine reads, in that order, made once: each day filters them.
    (key,) = inputs._in_order
    assert key[0] == "lianyungang-2007" and {"subject", "record", "date"} <= set(key[1])
    kept_columns = inputs.columns_in_order(*key, lambda: pytest.fail("put in order again"))
    assert kept_columns.get_column("record").to_list() == ["r1", "r2", "r0", "r1", "r1"]
    # Given another frame, the input puts that one in order.
    inputs.events = LIANYUNGANG.read(events.head(2)).events
    found: list[pl.DataFrame] = []

    def order_of(frame: pl.DataFrame) -> pl.Series:
        found.append(frame)
        return pl.Series([1, 0])

    again = inputs.in_order("lianyungang-2007", order_of)
    assert len(found) == 1 and found[0] is inputs.events and again.to_list() == [1, 0]
    made = inputs.columns_in_order(*key, lambda: inputs.events.select(key[1])[again])
    assert made.get_column("record").to_list() == ["r1", "r2"]  # made again, of that frame


def test_precedence_looks_up_each_rules_group_priority_and_kind_by_its_number() -> None:
    """Pieces carry their rule's number only; precedence looks up the rest (Ranks) for the
    few pieces it compares. Lianyungang: Art 9, 10 and 11's settlement measures share a
    group, with priorities 1 to 3; the audit flag is a group of its own; duties have none."""
    ranks = LIANYUNGANG._ranks
    rules = LIANYUNGANG.ruleset.rules
    pieces = pl.DataFrame({"_rule": pl.Series(range(len(rules)), dtype=pl.Int32)})
    found = pieces.select(ranks.of("group"), ranks.of("priority"), ranks.of("on"))
    codes = sorted({rule.group for rule in rules if rule.group is not None})
    kinds = sorted({rule.on for rule in rules})
    assert found.rows() == [
        (
            None if rule.group is None else codes.index(rule.group),
            rule.priority,
            kinds.index(rule.on),
        )
        for rule in rules
    ]
    by_id = {rule.id: row for rule, row in zip(rules, found.rows(), strict=True)}
    assert by_id["art11_time_limited_reimbursement"][:2] == (codes.index("settlement_measure"), 3)
    assert by_id["art10_audit_flag"][0] == codes.index("audit_flag")


def _overlapping(pieces: pl.DataFrame, groups: list[int | None]) -> set[frozenset[int]]:
    """The clusters by their definition: pieces of one subject and group joined when their
    terms share a day, directly or through others; those of two pieces or more."""
    members: dict[tuple[int, int | None], list[tuple[int, dt.date, dt.date]]] = {}
    for pid, sid, rule, first, last in pieces.select(
        "_pid", "_sid", "_rule", "_first", "_last"
    ).rows():
        members.setdefault((sid, groups[rule]), []).append((pid, first, last))
    clusters: set[frozenset[int]] = set()
    for pieces_of_one in members.values():
        joined = {pid: {pid} for pid, _, _ in pieces_of_one}
        for a, a_first, a_last in pieces_of_one:
            for b, b_first, b_last in pieces_of_one:
                if a_first <= b_last and b_first <= a_last and joined[a] is not joined[b]:
                    union = joined[a] | joined[b]
                    for pid in union:
                        joined[pid] = union
        clusters |= {frozenset(found) for found in joined.values() if len(found) > 1}
    return clusters


def test_precedence_compares_the_pieces_whose_terms_share_a_day_however_wide_the_numbers() -> None:
    """Precedence compares only the pieces of a subject and group whose terms share a day
    with another's, directly or through others. Each piece's first and last day are packed
    with its subject and group into one integer each; numbers too wide to pack take a plain
    sort, and both find the clusters of the definition."""
    ranks = LIANYUNGANG._ranks
    rules = LIANYUNGANG.ruleset.rules
    grouped = [i for i, rule in enumerate(rules) if rule.group is not None]
    draw = random.Random(20071001)
    rows = 400
    firsts = [DAY0 + dt.timedelta(days=draw.randrange(600)) for _ in range(rows)]
    pieces = pl.DataFrame(
        {
            "_pid": pl.Series(range(rows), dtype=pl.UInt32),
            "_sid": pl.Series([draw.randrange(12) for _ in range(rows)], dtype=pl.UInt64),
            "_rule": pl.Series([draw.choice(grouped) for _ in range(rows)], dtype=pl.Int32),
            "_first": firsts,
            "_last": [first + dt.timedelta(days=draw.randrange(90)) for first in firsts],
        }
    )
    expected = _overlapping(pieces, ranks.group.to_list())
    assert len(expected) > 10
    for frame in (pieces, pieces.with_columns(pl.col("_sid") * (1 << 52))):
        found = _clusters(frame, ranks).group_by("_g").agg("_pid").get_column("_pid")
        assert {frozenset(cluster) for cluster in found.to_list()} == expected


def test_a_tables_rows_show_their_rules_facts_and_keep_every_fact_column() -> None:
    """A result table holds a column per fact of any rule, typed as the fact is; a row shows
    its own rule's facts. A fact no rule of the table reads is not gathered for it (the
    duties read no record count), and still is a column of its type, all null."""
    events = pl.DataFrame(
        {
            "type": [
                "dishonesty_entered",
                "dishonesty_entered",
                "objection_filed",
                "record_corrected",
            ],
            "subject": ["p1", "p1", "p1", "p1"],
            "record": ["r1", "r2", "r1", "r1"],
            "category": ["resell_drugs", "resell_drugs", None, None],
            "ground": [None, None, "inaccurate", None],
            "action": [None, None, None, "amended"],
            "date": [
                dt.date(2012, 1, 5),
                dt.date(2012, 3, 1),
                dt.date(2012, 3, 20),
                dt.date(2012, 4, 2),
            ],
        }
    )
    result = LIANYUNGANG.evaluate(events, as_of=dt.date(2012, 6, 1))
    facts = [c for c in result.decisions.columns if c.startswith("fact_")]
    assert facts == [c for c in result.duties.columns if c.startswith("fact_")]
    for table in (result.decisions, result.duties):
        assert all(table.schema[c] == pl.Int64 for c in facts)
    duties = result.duties.select("rule", "fact_record_count", "fact_records_in_force")
    assert duties.rows() == [
        ("art8_notify_entry", None, None),
        ("art8_notify_entry", None, None),
        ("art13_verify_objection", None, 2),
        ("art13_notify_objection_result", None, 2),
    ]
    decisions = result.decisions.select("rule", "fact_record_count", "fact_records_in_force")
    assert set(decisions.rows()) == {
        ("art9_written_warning", 1, None),
        ("art10_cash_settlement", 2, None),
        ("art10_audit_flag", 2, None),
    }


def test_an_occasion_is_cut_where_its_facts_change_and_its_first_stretches_come_first() -> None:
    """A record removed during another's term cuts that occasion into stretches. The grid
    holds each occasion's first stretch, from its trigger's day, in the order of the
    occasions, then the few later ones: a duty owed on its trigger's day takes its piece from
    the first, in the occasions' order, and precedence puts every other piece in the result
    tables' order."""
    events = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * 3 + ["record_corrected"] * 2,
            "subject": ["p1", "p1", "p2", "p1", "p2"],
            "record": ["r1", "r2", "r1", "r1", "r1"],
            "category": ["resell_drugs"] * 5,
            "action": [None, None, None, "removed", "amended"],
            "date": [dt.date(2012, 1, 5), dt.date(2012, 3, 1), dt.date(2012, 2, 1),
                     dt.date(2012, 6, 1), dt.date(2012, 7, 1)],
        }
    )  # fmt: skip
    as_of = dt.date(2013, 1, 1)
    engine = LIANYUNGANG
    known = engine._history.known(engine.read(events), as_of)
    records = {s.register.id: engine._history.records(s, known) for s in engine._registers}
    typed = EventsOfType(known, engine._used["event"], engine._used["trigger"], engine._schema.keys)
    occasions = engine._occasions("dishonesty_records", typed, records)
    grid = engine._stretches(
        occasions, known, typed, records, as_of, ("records_in_force", "records_at_entry")
    )
    # p1's r1 is cut when r2 enters, and ends the day before its removal; r2 is cut then.
    rows = grid.select("_occ", "_d", "_e").rows()
    assert sorted(rows) == [
        (0, dt.date(2012, 1, 5), dt.date(2012, 2, 29)),
        (0, dt.date(2012, 3, 1), dt.date(2012, 5, 31)),
        (1, dt.date(2012, 3, 1), dt.date(2012, 5, 31)),
        (1, dt.date(2012, 6, 1), None),
        (2, dt.date(2012, 2, 1), None),
    ]
    assert rows[:3] == [
        (0, dt.date(2012, 1, 5), dt.date(2012, 2, 29)),
        (1, dt.date(2012, 3, 1), dt.date(2012, 5, 31)),
        (2, dt.date(2012, 2, 1), None),
    ]


def test_a_record_removed_on_its_entry_day_keeps_an_empty_stretch_from_which_nothing_fires() -> (
    None
):
    """An occasion removed by its trigger's day keeps one stretch in the grid, ending the day
    before it starts (not a copy of every other occasion without it). No rule fires on it
    and no count on it is refused, as the per-subject engine never assesses it."""
    day = dt.date(2012, 3, 1)
    events = [
        {"type": "dishonesty_entered", "subject": "p1", "record": "r1",
         "category": "resell_drugs", "date": day.isoformat()},
        {"type": "record_corrected", "subject": "p1", "record": "r1", "action": "removed",
         "date": day.isoformat()},
        {"type": "dishonesty_entered", "subject": "p1", "record": "r2",
         "category": "resell_drugs", "date": "2012-05-01"},
        {"type": "dishonesty_entered", "subject": "p2", "record": "r1",
         "category": "resell_drugs", "date": day.isoformat()},
    ]  # fmt: skip
    subjects = [{"id": s, "kind": "insured_person"} for s in ("p1", "p2")]
    frame = pl.DataFrame(events)
    engine = LIANYUNGANG
    known = engine._history.known(engine.read(frame), dt.date(2013, 1, 1))
    records = {s.register.id: engine._history.records(s, known) for s in engine._registers}
    typed = EventsOfType(known, engine._used["event"], engine._used["trigger"], engine._schema.keys)
    occasions = engine._occasions("dishonesty_records", typed, records)
    grid = engine._stretches(occasions, known, typed, records, dt.date(2013, 1, 1), ())
    empty = grid.filter(pl.col("_e") < pl.col("_d")).select("_occ", "_d", "_e").rows()
    assert empty == [(0, day, day - dt.timedelta(days=1))]
    differential = _differential()
    pair = differential.PAIRS["lianyungang-2007", "default"]
    for as_of in (day, dt.date(2012, 6, 1), dt.date(2013, 1, 1)):
        differential._same(pair, (subjects, events, as_of, None))
    # Nothing is owed, nor any measure taken, on the record removed on its entry day.
    found = engine.evaluate(frame, as_of=dt.date(2013, 1, 1))
    for table in (found.decisions, found.duties):
        assert ("p1", "r1") not in set(table.select("subject", "trigger_key").rows())
        assert ("p2", "r1") in set(table.select("subject", "trigger_key").rows())


def test_rows_put_in_order_from_several_chunks_are_the_rows_a_sort_gives() -> None:
    """``in_order`` gathers from one chunk (a list of structs in several costs many times
    more); the rows are those of a sort by the same key, whatever the chunks."""
    first = pl.DataFrame(
        {"k": [3, 1], "spans": [[{"first": dt.date(2024, 1, 2)}], []], "name": ["c", "a"]}
    )
    second = pl.DataFrame({"k": [2, 0], "spans": [[], [{"first": dt.date(2024, 1, 1)}]],
                           "name": ["b", "z"]})  # fmt: skip
    frame = pl.concat([first, second], rechunk=False)
    assert frame.n_chunks() == 2
    ordered = in_order(frame, order_of(frame.select("k")))
    assert ordered.equals(frame.sort("k")) and ordered.n_chunks() == 1
    assert ordered.get_column("name").to_list() == ["z", "a", "b", "c"]
