"""Columnar input: the forms it takes, the problems it names, and what it refuses to run."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

from credit_rules import Engine, bundled  # noqa: E402
from credit_rules.columnar import ColumnarEngine, Inputs  # noqa: E402
from credit_rules.errors import CreditRulesError, HistoryError, TableError  # noqa: E402

RULESET = bundled("lianyungang-2007")
ENGINE = ColumnarEngine(RULESET)
AS_OF = dt.date(2009, 6, 1)
EVENTS = [
    {
        "type": "dishonesty_entered",
        "subject": "p2",
        "record": "r1",
        "category": "lend_certificate",
        "date": dt.date(2008, 3, 10),
    },
    {
        "type": "dishonesty_entered",
        "subject": "p2",
        "record": "r2",
        "category": "resell_drugs",
        "date": dt.date(2009, 5, 20),
    },
    {
        "type": "query_requested",
        "subject": "p3",
        "record": None,
        "category": None,
        "date": dt.date(2009, 5, 21),
    },
]


def outcomes(result: object) -> list[tuple[str, str]]:
    return sorted(result.outcomes.iter_rows())  # type: ignore[attr-defined]


def test_the_architecture_example_in_every_input_form(tmp_path: Path) -> None:
    frame = pl.DataFrame(EVENTS)
    want = [("p2", "audit_flag"), ("p2", "cash_settlement")]
    assert outcomes(ENGINE.evaluate(frame, as_of=AS_OF)) == want
    assert outcomes(ENGINE.evaluate(frame.lazy(), as_of=AS_OF)) == want
    assert outcomes(ENGINE.evaluate(frame.to_arrow(), as_of=AS_OF)) == want
    path = tmp_path / "events.parquet"
    frame.write_parquet(path)
    assert outcomes(ENGINE.evaluate(str(path), as_of=AS_OF)) == want
    # One table per event type, each without a type column.
    per_type = {
        t: frame.filter(pl.col("type") == t).drop("type")
        for t in ("dishonesty_entered", "query_requested")
    }
    assert outcomes(ENGINE.evaluate(per_type, as_of=AS_OF)) == want
    subjects = pl.DataFrame({"id": ["p2", "p3", "p4"], "kind": ["insured_person"] * 3})
    assert outcomes(ENGINE.evaluate(frame, subjects, as_of=AS_OF)) == want


def test_a_bad_table_gets_one_error_naming_row_column_and_value() -> None:
    bad = pl.DataFrame(
        {
            "type": ["dishonesty_entered", "dishonesty_enterd", "dishonesty_entered"],
            "subject": ["p1", "p1", "nobody"],
            "record": ["r1", "r2", "r3"],
            "category": ["lend_certificate", "lend_certificate", "stealing"],
            "date": ["2008-03-10", "2008-02-30", "2008-04-01"],
        }
    )
    subjects = pl.DataFrame({"id": ["p1"], "kind": ["insured_person"]})
    with pytest.raises(TableError) as caught:
        ENGINE.evaluate(bad, subjects, as_of=AS_OF)
    message = str(caught.value)
    assert "events[1].date" in message and "'2008-02-30'" in message  # impossible date
    assert "events[1].type" in message and "dishonesty_enterd" in message  # unknown type
    assert "events[2].category" in message and "'stealing'" in message  # not an Art 7 item
    assert "events[2].subject" in message and "'nobody'" in message  # unknown subject
    assert caught.value.total == 4
    assert isinstance(caught.value, CreditRulesError)


def test_a_wrong_column_type_is_named() -> None:
    bad = pl.DataFrame(
        {
            "type": ["dishonesty_entered"],
            "subject": ["p1"],
            "record": [7],
            "category": ["lend_certificate"],
            "date": [dt.date(2008, 3, 10)],
        }
    )
    with pytest.raises(TableError, match=r"events\[0\]\.record.*expected text"):
        ENGINE.evaluate(bad, as_of=AS_OF)


def test_many_problems_are_capped_with_the_total() -> None:
    bad = pl.DataFrame(
        {"type": ["nothing"] * 500, "subject": ["p1"] * 500, "date": [dt.date(2008, 1, 1)] * 500}
    )
    with pytest.raises(TableError) as caught:
        ENGINE.evaluate(bad, as_of=AS_OF)
    assert caught.value.total == 500
    assert len(caught.value.problems) == TableError.SHOWN
    assert "500 problems in all, 20 shown" in str(caught.value)


def test_contradicting_events_are_refused_like_the_engine_does() -> None:
    """One event listed twice is said to be that, as the walk says it; two different entries
    of one record are two entries. Each row is named with its own words."""
    other = {**EVENTS[0], "category": "resell_drugs"}
    same = "the same record entered twice; list each event once (value 'r1')"
    two = "a record of register dishonesty_records entered twice (value 'r1')"
    for given, said in (
        ([EVENTS[0], EVENTS[0]], [(0, same), (1, same)]),
        ([EVENTS[0], other], [(0, two), (1, two)]),
        ([EVENTS[0], other, EVENTS[0]], [(1, two), (0, same), (2, same)]),
    ):
        with pytest.raises(TableError) as caught:
            ENGINE.evaluate(pl.DataFrame(given), as_of=AS_OF)
        found = [(p.field, str(p.message)) for p in caught.value.problems]
        assert found == [(f"events[{row}].record", text) for row, text in said]


def test_a_correction_after_the_records_removal_is_refused_like_the_engine_does() -> None:
    """Removed on 2008-04-01, r1 has nothing left to correct: a second removal and an
    amendment decided later are refused, in evaluate and outcomes alike (the latter looks at
    every subject with a correction, however old), and nothing is refused without them."""
    correction = {"type": "record_corrected", "subject": "p2", "record": "r1", "category": None}
    removal = {**correction, "action": "removed", "date": dt.date(2008, 4, 1)}
    rows = [
        *EVENTS,
        removal,
        {**removal, "date": dt.date(2008, 5, 1)},
        {**correction, "action": "amended", "date": dt.date(2008, 6, 1)},
    ]
    frame = pl.DataFrame(rows)
    said = "a correction of a record decided on or after the day it was removed (value 'r1')"
    for ask in (ENGINE.evaluate, ENGINE.outcomes):
        with pytest.raises(TableError) as caught:
            ask(frame, as_of=AS_OF)
        found = [(p.field, str(p.message)) for p in caught.value.problems]
        assert found == [("events[4].record", said), ("events[5].record", said)]
    # A removal refused for itself (dated before the entry) removes nothing, so the removal
    # after it is no correction after a removal: one problem, as the walk finds.
    early = [
        *EVENTS,
        {**removal, "date": dt.date(2008, 3, 1)},
        {**removal, "date": dt.date(2008, 5, 1)},
    ]
    with pytest.raises(TableError) as caught:
        ENGINE.evaluate(pl.DataFrame(early), as_of=AS_OF)
    assert [p.field for p in caught.value.problems] == ["events[3].record"]
    people = [{"id": s, "kind": "insured_person"} for s in ("p2", "p3")]
    given = [{k: v for k, v in event.items() if v is not None} for event in rows]
    # The first removal alone is accepted by both, with the same answer.
    # (On r2's entry day, r1 removed: one record, a written warning.)
    entry_day = dt.date(2009, 5, 20)
    walked = Engine(RULESET).outcomes(people, given[:4], as_of=entry_day)
    want_rows = sorted((s, o) for s, found in walked.items() for o in found)
    assert want_rows == [("p2", "written_warning")]
    assert outcomes(ENGINE.evaluate(pl.DataFrame(rows[:4]), as_of=entry_day)) == want_rows
    with pytest.raises(HistoryError, match=r"\[events\[4\]\.record\].*removed by events\[3\]"):
        Engine(RULESET).evaluate(people, given, as_of=AS_OF)


def test_the_engine_pickles_for_worker_processes() -> None:
    again = pickle.loads(pickle.dumps(ENGINE))
    frame = pl.DataFrame(EVENTS)
    assert outcomes(again.evaluate(frame, as_of=AS_OF)) == outcomes(
        ENGINE.evaluate(frame, as_of=AS_OF)
    )


def test_without_a_subjects_table_the_subjects_are_those_the_events_name() -> None:
    inputs = ENGINE.read(pl.DataFrame(EVENTS))
    assert sorted(inputs.subjects.iter_rows()) == [
        ("p2", "insured_person"),
        ("p3", "insured_person"),
    ]


def test_the_checked_type_is_an_enum_sorted_by_name_and_a_text_type_answers_alike() -> None:
    """Checking makes ``type`` an Enum of the vocabulary's types in name order (a test of it
    compares integers); an ``Inputs`` built by hand with the type as text answers the same."""
    inputs = ENGINE.read(pl.DataFrame(EVENTS))
    dtype = inputs.events.schema["type"]
    assert isinstance(dtype, pl.Enum)
    names = dtype.categories.to_list()
    assert names == sorted(names) and {"dishonesty_entered", "query_requested"} <= set(names)
    assert "_type_given" not in inputs.events.columns
    as_text = inputs.events.with_columns(pl.col("type").cast(pl.String))
    by_hand = Inputs(as_text, None, "insured_person")
    for as_of in (AS_OF, dt.date(2008, 3, 10)):
        want = ENGINE.evaluate(inputs, as_of=as_of)
        got = ENGINE.evaluate(by_hand, as_of=as_of)
        assert got.decisions.equals(want.decisions) and got.duties.equals(want.duties)
        assert ENGINE.outcomes(by_hand, as_of=as_of).equals(ENGINE.outcomes(inputs, as_of=as_of))
    people = [{"id": s, "kind": "insured_person"} for s in ("p2", "p3")]
    given = [{k: v for k, v in event.items() if v is not None} for event in EVENTS]
    walked = Engine(RULESET).outcomes(people, given, as_of=AS_OF)
    want_rows = sorted((s, o) for s, found in walked.items() for o in found)
    assert want_rows and outcomes(ENGINE.evaluate(inputs, as_of=AS_OF)) == want_rows


# -- columns with no value at all: what ``pl.DataFrame(frame.to_dicts())`` gives ---------------

GANZHOU = bundled("ganzhou-2023")
GANZHOU_ENGINE = ColumnarEngine(GANZHOU)
INSTITUTION = pl.DataFrame({"id": ["m1"], "kind": ["medical_institution"]})
#: A repair under Art 25 of the Ganzhou measures, accepted the next week: one deadline clock.
REPAIR = [
    {
        "type": "dishonesty_determined",
        "subject": "m1",
        "record": "d1",
        "category": "c1",
        "severity": "general",
        "date": dt.date(2024, 2, 29),
        "materials": None,
        "application": None,
    },
    {
        "type": "repair_applied",
        "subject": "m1",
        "record": "d1",
        "category": None,
        "severity": None,
        "date": dt.date(2024, 9, 20),
        "materials": [],
        "application": "a1",
    },
    {
        "type": "repair_accepted",
        "subject": "m1",
        "record": None,
        "category": None,
        "severity": None,
        "date": dt.date(2024, 9, 27),
        "materials": None,
        "application": "a1",
    },
]


def test_a_column_with_no_value_means_every_event_lacks_the_field() -> None:
    """Polars types a column of nulls as Null, and a list column of [] and nulls as
    List(Null); both are the field left out, as the typed schema would read it."""
    typed = pl.DataFrame(
        REPAIR, schema_overrides={"materials": pl.List(pl.String)}, infer_schema_length=None
    )
    inferred = pl.DataFrame(typed.to_dicts())
    assert inferred.schema["materials"] == pl.List(pl.Null)
    want = GANZHOU_ENGINE.evaluate(typed, INSTITUTION, as_of=dt.date(2024, 12, 31))
    got = GANZHOU_ENGINE.evaluate(inferred, INSTITUTION, as_of=dt.date(2024, 12, 31))
    assert want.deadlines.height == 1
    assert got.deadlines.rows() == want.deadlines.rows()
    assert got.decisions.rows() == want.decisions.rows()
    # Lianyungang: a correction's decision day and a collection's source, never given.
    rows = [{**event, "decided_on": None, "source": None} for event in EVENTS]
    nulls = pl.DataFrame(pl.DataFrame(rows).to_dicts())
    assert nulls.schema["decided_on"] == pl.Null and nulls.schema["source"] == pl.Null
    assert outcomes(ENGINE.evaluate(nulls, as_of=AS_OF)) == outcomes(
        ENGINE.evaluate(pl.DataFrame(EVENTS), as_of=AS_OF)
    )


def test_a_value_of_the_wrong_type_is_still_named_where_it_is() -> None:
    # An empty list where text is expected is a value, not an absence.
    listed = pl.DataFrame([{**REPAIR[2], "severity": []}])
    assert listed.schema["severity"] == pl.List(pl.Null)
    with pytest.raises(TableError, match=r"events\[0\]\.severity.*expected text") as caught:
        GANZHOU_ENGINE.evaluate(listed, INSTITUTION, as_of=dt.date(2024, 12, 31))
    assert caught.value.total == 1
    counted = pl.DataFrame([{**REPAIR[1], "materials": 2}, {**REPAIR[2], "materials": None}])
    with pytest.raises(TableError, match=r"events\[0\]\.materials.*expected list") as caught:
        GANZHOU_ENGINE.evaluate(counted, INSTITUTION, as_of=dt.date(2024, 12, 31))
    assert caught.value.total == 1


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("identity_number", "110101199003070000", r"subjects\[0\]\.identity_number\] character 18"),
        ("nickname", "x", r"subjects\[0\]\.nickname\] unknown field \(check its spelling\)"),
    ],
)
def test_a_subject_field_is_validated_by_its_model_not_ignored(
    column: str, value: str, problem: str
) -> None:
    subjects = pl.DataFrame({"id": ["p2"], "kind": ["insured_person"], column: [value]})
    with pytest.raises(TableError, match=problem):
        ENGINE.outcomes(pl.DataFrame(EVENTS[:1]), subjects, as_of=AS_OF)


def test_valid_subject_fields_and_empty_columns_are_accepted() -> None:
    subjects = pl.DataFrame(
        {
            "id": ["p2"],
            "kind": ["insured_person"],
            "identity_number": ["11010519491231002X"],
            "nickname": [None],
        }
    )
    found = ENGINE.outcomes(pl.DataFrame(EVENTS[:1]), subjects, as_of=dt.date(2008, 3, 10))
    assert found.rows() == [("p2", "written_warning")]


LIANYUNGANG_PEOPLE = {"id": ["p2"], "kind": ["insured_person"]}


@pytest.mark.parametrize("text", ["2009-5-20", " 2009-05-20", "+2009-05-20", "2009-05-2"])
def test_a_date_as_text_is_read_only_in_the_form_the_models_take(text: str) -> None:
    table = pl.DataFrame([{**EVENTS[1], "date": text}])
    with pytest.raises(TableError, match=r"events\[0\]\.date\] not a date"):
        ENGINE.outcomes(table, pl.DataFrame(LIANYUNGANG_PEOPLE), as_of=AS_OF)


def test_a_table_filed_under_one_type_whose_rows_name_another_is_refused() -> None:
    table = pl.DataFrame(EVENTS[:2])  # dishonesty_entered rows
    with pytest.raises(TableError, match=r"\[events\[dishonesty_verified\]\[0\]\.type\]"):
        ENGINE.outcomes({"dishonesty_verified": table}, as_of=AS_OF)


@pytest.mark.parametrize("column", ["_row", "_table", "_dated"])
def test_names_starting_with_an_underscore_are_refused(column: str) -> None:
    table = pl.DataFrame([{**EVENTS[1], column: "x"}])
    with pytest.raises(TableError, match=rf"events\.{column}\] '{column}': names starting"):
        ENGINE.outcomes(table, as_of=AS_OF)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (None, r"\[events\] expected a table .* got NoneType"),
        ([EVENTS[1]], r"\[events\[0\]\] expected a table .* got dict"),
        ("missing.parquet", r"missing\.parquet\] cannot be read as Parquet"),
    ],
)
def test_what_is_no_table_is_named_not_crashed_on(source: object, problem: str) -> None:
    with pytest.raises(TableError, match=problem):
        ENGINE.outcomes(source, as_of=AS_OF)


def test_a_file_that_is_not_parquet_and_an_upper_case_csv_suffix(tmp_path: Path) -> None:
    bogus = tmp_path / "events.parquet"
    bogus.write_text("not parquet", encoding="utf-8")
    with pytest.raises(TableError, match=r"events\.parquet\] cannot be read as Parquet"):
        ENGINE.outcomes(bogus, as_of=AS_OF)
    upper = tmp_path / "events.CSV"
    pl.DataFrame([{**EVENTS[1], "date": "2009-05-20"}]).write_csv(upper)
    warned = ENGINE.outcomes(upper, as_of=dt.date(2009, 5, 20))
    assert warned.rows() == [("p2", "written_warning")]


def test_a_time_zone_makes_a_time_not_a_date() -> None:
    when = dt.datetime(2009, 5, 20, tzinfo=dt.UTC)
    table = pl.DataFrame([{**EVENTS[1], "date": when}])
    with pytest.raises(TableError, match="a time with a time zone") as caught:
        ENGINE.outcomes(table, as_of=AS_OF)
    # The value as a person writes it, not Python's repr of it.
    assert "(value '2009-05-20T00:00:00+00:00')" in str(caught.value)
    assert "datetime.datetime" not in str(caught.value)


FILED = {
    "type": "objection_filed",
    "subject": "m1",
    "date": dt.date(2025, 3, 1),
    "objection": "o1",
    "ground": "overdue_use",
}


@pytest.mark.parametrize(("given", "read"), [("no", False), ("TRUE", True), (0, False), (1, True)])
def test_a_flag_is_read_from_text_and_numbers_as_the_models_read_it(
    given: object, read: bool
) -> None:
    inputs = GANZHOU_ENGINE.read(pl.DataFrame([{**FILED, "written": given}]), INSTITUTION)
    assert inputs.events.get_column("written").to_list() == [read]


@pytest.mark.parametrize(("given", "problem"), [("maybe", "not a flag"), (2, "not a flag")])
def test_a_flag_neither_true_nor_false_is_refused(given: object, problem: str) -> None:
    with pytest.raises(TableError, match=problem):
        GANZHOU_ENGINE.read(pl.DataFrame([{**FILED, "written": given}]), INSTITUTION)


@pytest.mark.parametrize(
    ("score", "problem"),
    [("+900", "not a whole number"), ("0900", "not a whole number"), (2**64 - 1, "too large")],
)
def test_a_whole_number_is_read_only_as_plain_decimal_and_in_range(
    score: object, problem: str
) -> None:
    event = {
        "type": "evaluation_published",
        "subject": "m1",
        "date": dt.date(2025, 3, 1),
        "evaluation": "e1",
        "year": 2024,
    }
    dtype = pl.UInt64 if isinstance(score, int) else pl.String
    table = pl.DataFrame([event]).with_columns(pl.Series("score", [score], dtype=dtype))
    with pytest.raises(TableError, match=problem):
        GANZHOU_ENGINE.read(table, INSTITUTION)


@pytest.mark.parametrize(
    ("name", "event", "as_of"),
    [
        # dated after as_of: not known yet, still listed twice
        ("lianyungang-2007", {**EVENTS[0], "date": dt.date(2009, 7, 1)}, AS_OF),
        # before the in-force date (Lianyungang reads none of it; Ganzhou keeps it in view)
        ("lianyungang-2007", {**EVENTS[0], "date": dt.date(2007, 5, 1)}, AS_OF),
        (
            "ganzhou-2023",
            {
                "type": "dishonesty_determined",
                "subject": "m1",
                "date": dt.date(2023, 5, 1),
                "record": "r1",
                "category": "fraud",
                "severity": "general",
            },
            dt.date(2024, 12, 31),
        ),
    ],
)
def test_an_entry_listed_twice_is_refused_like_the_front_door_whether_known_or_not(
    name: str, event: dict[str, object], as_of: dt.date
) -> None:
    ruleset = bundled(name)
    kind = sorted(ruleset.subject_kinds)[0] if name == "lianyungang-2007" else "medical_institution"
    people = [{"id": event["subject"], "kind": kind}]
    with pytest.raises(CreditRulesError, match="entered twice"):
        Engine(ruleset).outcomes(people, [event, dict(event)], as_of=as_of)
    with pytest.raises(TableError, match="the same record entered twice"):
        ColumnarEngine(ruleset).outcomes(
            pl.DataFrame([event, event]), pl.DataFrame(people), as_of=as_of
        )


@pytest.mark.parametrize(
    ("column", "given", "problem"),
    [
        ("score", "88 points", "not a whole number"),
        ("year", "2024x", "not a whole number"),
        ("date", "2025-13-10", "not a date"),
    ],
)
def test_a_needed_value_given_but_unreadable_is_one_problem_not_two(
    column: str, given: str, problem: str
) -> None:
    """A score an evaluation needs, written as text that is no number, is reported once as
    unreadable: not again as missing (which would send the analyst looking for a value that is
    there)."""
    row = {
        "type": "evaluation_published",
        "subject": "m1",
        "evaluation": "e1",
        "year": "2024",
        "score": "88",
        "date": "2025-01-10",
        column: given,
    }
    with pytest.raises(TableError) as caught:
        GANZHOU_ENGINE.read(pl.DataFrame([row]), INSTITUTION)
    assert caught.value.total == 1
    assert [(p.field, str(p.message)) for p in caught.value.problems] == [
        (f"events[0].{column}", f"{problem} (value {given!r})")
    ]


def test_a_needed_value_left_empty_is_still_missing() -> None:
    row = {"type": "evaluation_published", "subject": "m1", "evaluation": "e1", "year": "2024"}
    table = pl.DataFrame(
        [{**row, "score": None, "date": "2025-01-10"}], schema_overrides={"score": pl.String}
    )
    with pytest.raises(
        TableError, match=r"events\[0\]\.score\] evaluation_published events need it"
    ):
        GANZHOU_ENGINE.read(table, INSTITUTION)


@pytest.mark.parametrize(
    "again",
    [
        {"score": 72},  # the same event listed twice
        {"score": 90, "date": dt.date(2025, 3, 5)},  # another event under the same id
        {"score": 72, "date": dt.date(2026, 3, 5)},  # not known yet on as_of
    ],
)
def test_an_evaluation_published_twice_is_refused_by_both_engines(
    again: dict[str, object],
) -> None:
    """An evaluation id names one evaluation (Arts 12-13): a second event publishing it,
    known or not, alike or not, would raise each of its deadlines twice. Both engines refuse
    it, naming the field."""
    first = {
        "type": "evaluation_published",
        "subject": "m1",
        "date": dt.date(2025, 3, 3),
        "evaluation": "e1",
        "year": 2024,
        "score": 72,
    }
    second = {**first, **again}
    people = [{"id": "m1", "kind": "medical_institution"}]
    as_of = dt.date(2025, 12, 31)
    ruleset = bundled("ganzhou-2023")
    for question in (Engine(ruleset).evaluate, Engine(ruleset).outcomes):
        with pytest.raises(HistoryError) as walked:
            question(people, [first, second], as_of=as_of)
        assert [p.field for p in walked.value.problems] == ["events[1].evaluation"]
    with pytest.raises(TableError) as read:
        ColumnarEngine(ruleset).evaluate(
            pl.DataFrame([first, second]), pl.DataFrame(people), as_of=as_of
        )
    assert [p.field for p in read.value.problems] == [
        "events[0].evaluation",
        "events[1].evaluation",
    ]
    assert "another evaluation_published of the subject names the same evaluation" in str(
        read.value
    )


def test_a_misspelt_column_is_named_with_the_field_it_was_meant_to_be() -> None:
    """A header typo (``categry``) is one problem per row; each says which field it was
    meant to be, and the field left without a value is said to be empty, not None."""
    misspelt = pl.DataFrame(
        {
            "type": ["dishonesty_entered"] * 2,
            "subject": ["p1", "p2"],
            "record": ["r1", "r1"],
            "categry": ["lend_certificate"] * 2,
            "date": ["2008-03-10", "2008-04-01"],
        }
    )
    with pytest.raises(TableError) as caught:
        ENGINE.evaluate(misspelt, as_of=AS_OF)
    message = str(caught.value)
    assert "[events[0].categry] 'categry' is not a field of any lianyungang-2007 event" in message
    assert "did you mean category?" in message
    assert "(the cell is empty)" in message and "None" not in message
    assert "单元格为空" in caught.value.render("zh")


_HEADER = "type,subject,record,category,date\n"
_GOOD = "dishonesty_entered,p1,r1,lend_certificate,2008-03-10\n"


def _refused(*sources: object) -> TableError:
    with pytest.raises(TableError) as caught:
        ENGINE.read(list(sources) if len(sources) > 1 else sources[0])
    return caught.value


def test_problems_of_a_csv_file_name_its_lines(tmp_path: Path) -> None:
    """README: bad input names the file, line and field. A CSV file's problems are given as
    its lines (the header is line 1), not as rows counted from 0."""
    path = tmp_path / "events.csv"
    path.write_text(_HEADER + _GOOD + _GOOD.replace("p1", "p2").replace("03-10", "02-30"), "utf-8")
    error = _refused(path)
    assert error.source == str(path)
    [problem] = error.problems
    assert (problem.line, problem.field) == (3, "date")
    assert str(error) == f"{path}:3: [date] not a date (value '2008-02-30')"


@pytest.mark.parametrize("shape", ["a field over two lines", "a blank line", "two files"])
def test_rows_stay_rows_where_lines_would_mislead(tmp_path: Path, shape: str) -> None:
    bad = _GOOD.replace("p1", "p2").replace("03-10", "02-30")
    path = tmp_path / "events.csv"
    sources: list[object] = [path]
    if shape == "a field over two lines":
        path.write_text(_HEADER + _GOOD.replace("r1", '"r\n1"') + bad, "utf-8")
    elif shape == "a blank line":
        path.write_text(_HEADER + _GOOD + "\n" + bad, "utf-8")
    else:
        path.write_text(_HEADER + bad, "utf-8")
        other = tmp_path / "more.csv"
        other.write_text(_HEADER + bad.replace("p2", "p3"), "utf-8")
        sources.append(other)
    error = _refused(*sources)
    assert error.source is None
    assert all(problem.line is None for problem in error.problems)
    assert "[" + str(path) + "[" in str(error)


def test_the_header_of_a_file_with_no_rows_is_still_checked(tmp_path: Path) -> None:
    """A misspelt or foreign header is refused tonight, while the file is empty, not on the
    first night it has rows, and so is a file of no columns at all (a failed extract); a
    right header with no rows is no events, as is a table in memory of no columns (what
    ``pl.DataFrame([])`` makes of an empty list of events)."""
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text("type,subjet,date,categry\n", "utf-8")
    error = _refused(misspelt)
    message = str(error)
    assert "misspelt.csv.subject] the table has no 'subject' column" in message
    assert "'subjet' is not a field of any lianyungang-2007 event; did you mean subject?" in message
    assert (
        "'categry' is not a field of any lianyungang-2007 event; did you mean category?" in message
    )
    assert len(error.problems) == 3
    right = tmp_path / "right.csv"
    right.write_text(_HEADER, "utf-8")
    assert ENGINE.evaluate(right, as_of=AS_OF).decisions.height == 0
    nothing = tmp_path / "nothing.parquet"
    pl.DataFrame().write_parquet(nothing)
    assert "the table has no 'subject' column" in str(_refused(nothing))
    for empty in (pl.DataFrame([]), {"dishonesty_entered": pl.DataFrame()}):
        assert ENGINE.evaluate(empty, as_of=AS_OF).decisions.height == 0


@pytest.mark.parametrize("blank", ["  ", "\t", "\u3000"])
def test_an_id_of_white_space_only_is_refused_as_the_subject_model_refuses_it(blank: str) -> None:
    """The per-subject engine refuses a subject id of spaces; the columnar one wrote
    decisions for subject '  '."""
    events = pl.DataFrame(EVENTS[:1]).with_columns(pl.lit(blank).alias("subject"))
    with pytest.raises(TableError, match=r"\[events\[0\]\.subject\] an id must not be blank"):
        ENGINE.read(events)
    subjects = pl.DataFrame({"id": [blank], "kind": ["insured_person"]})
    with pytest.raises(TableError, match=r"\[subjects\[0\]\.id\] an id must not be blank"):
        ENGINE.read(events, subjects)
    with pytest.raises(CreditRulesError, match="an id must not be blank"):
        Engine(RULESET).evaluate([{"id": blank, "kind": "insured_person"}], [], as_of=AS_OF)


def test_a_column_of_the_wrong_kind_is_named_in_the_readers_language() -> None:
    """A Ganzhou `year` read as floats (nulls through numpy) is refused; in Chinese the kind
    it should hold is said in Chinese too, not as the English name of the kind."""
    events = pl.DataFrame(
        {
            "type": ["evaluation_published"],
            "subject": ["s1"],
            "evaluation": ["e1"],
            "year": [2024.0],
            "score": [70],
            "date": [dt.date(2024, 3, 1)],
        }
    )
    subjects = pl.DataFrame({"id": ["s1"], "kind": ["retail_pharmacy"]})
    with pytest.raises(TableError) as caught:
        ColumnarEngine(bundled("ganzhou-2023")).evaluate(events, subjects, as_of="2024-06-01")
    assert "[events[0].year] expected count, the column is Float64" in str(caught.value)
    assert "应为 计数（整数），而该列为 Float64" in caught.value.render("zh")
    cell = caught.value.problems[0].cell
    assert cell is not None and (cell.table, cell.row, cell.column) == ("events", 0, "year")
