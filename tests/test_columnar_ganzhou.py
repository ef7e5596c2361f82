"""Ganzhou on the columnar backend: the edges of a deadline clock, named one by one.

The differential test draws histories at random; these are the boundaries it reaches only by
luck: a suspension that begins on the very day the count would end, or the day after; periods
that overlap, touch or lie before the filing; extensions up to and over the Art 25 cap; a long
history; and the constructs still refused, named when the engine is built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

pl = pytest.importorskip("polars")

from credit_rules import Engine, bundled, with_parameters  # noqa: E402
from credit_rules.calendar import default_calendar  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.errors import (  # noqa: E402
    CalendarRangeError,
    ExtensionOverCap,
    ScenarioError,
    TableError,
    UnsupportedConstruct,
)
from credit_rules.testing.regulations.ganzhou import ganzhou_history  # noqa: E402

GANZHOU = bundled("ganzhou-2023")
ENGINE = Engine(GANZHOU)
COLUMNAR = ColumnarEngine(GANZHOU)
SUBJECTS = [{"id": "m1", "kind": "medical_institution"}]
FILED = dt.date(2024, 3, 1)
#: 15 working days after FILED, with no suspension.
DUE = dt.date(2024, 3, 22)


def _frame(events: list[dict[str, Any]]) -> Any:
    lists = {"materials": pl.List(pl.String)} if any("materials" in e for e in events) else {}
    return pl.DataFrame(events, infer_schema_length=None, schema_overrides=lists)


def _clocks(events: list[dict[str, Any]], as_of: dt.date) -> tuple[set[Any], set[Any]]:
    """The deadlines of both engines as comparable rows."""
    want = ENGINE.evaluate(SUBJECTS, events, as_of=as_of).deadlines
    got = COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=as_of).deadlines
    engine = {
        (d.rule, d.trigger.key, d.start, d.due, d.extended_by, d.provisional, _spans(d.excluded))
        for d in want
    }
    columnar = {
        (
            *(r[c] for c in ("rule", "trigger_key", "start", "due", "extended_by", "provisional")),
            tuple((e["first"], e["last"], e["reason"]) for e in r["excluded"]),
        )
        for r in got.iter_rows(named=True)
    }
    return engine, columnar


def _spans(excluded: Any) -> tuple[Any, ...]:
    return tuple((e.first, e.last, e.reason) for e in excluded)


def _objection(*suspensions: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "type": "evaluation_published",
            "subject": "m1",
            "evaluation": "e1",
            "year": 2024,
            "score": 85,
            "date": FILED - dt.timedelta(days=3),
        },
        {
            "type": "objection_filed",
            "subject": "m1",
            "objection": "o1",
            "evaluation": "e1",
            "ground": "evaluation_result_disputed",
            "date": FILED,
        },
    ]
    for first, last in suspensions:
        events.append(
            {
                "type": "objection_suspended",
                "subject": "m1",
                "objection": "o1",
                "reason": "inspection",
                "date": first,
                "until": last,
            }
        )
    return events


@pytest.mark.parametrize(
    "suspensions",
    [
        (),
        ((DUE, DUE),),  # begins on the day the count would end: it still pushes
        ((DUE + dt.timedelta(days=1), DUE + dt.timedelta(days=5)),),  # after it: no push
        ((FILED - dt.timedelta(days=2), FILED),),  # before the count starts
        ((FILED - dt.timedelta(days=2), FILED + dt.timedelta(days=3)),),  # across the start
        (
            (dt.date(2024, 3, 5), dt.date(2024, 3, 8)),
            (dt.date(2024, 3, 7), dt.date(2024, 3, 12)),  # overlaps the first
            (dt.date(2024, 3, 13), dt.date(2024, 3, 13)),  # touches the second
            (dt.date(2024, 4, 1), dt.date(2024, 4, 30)),  # reached only after the others
        ),
    ],
)
def test_suspended_objection_clocks_are_the_engines(
    suspensions: tuple[tuple[dt.date, dt.date], ...],
) -> None:
    engine, columnar = _clocks(_objection(*suspensions), dt.date(2024, 6, 30))
    assert engine == columnar
    assert any(row[0] == "art20_objection_decision_due" for row in engine)


def _repair(*extensions: int) -> list[dict[str, Any]]:
    accepted = dt.date(2024, 9, 27)  # before the National Day holidays and their workdays
    events: list[dict[str, Any]] = [
        {
            "type": "dishonesty_determined",
            "subject": "m1",
            "record": "d1",
            "category": "c1",
            "severity": "general",
            "date": dt.date(2024, 2, 29),
        },
        {
            "type": "repair_applied",
            "subject": "m1",
            "application": "a1",
            "record": "d1",
            "materials": ["application_and_commitment", "rectification_evidence"],
            "date": dt.date(2024, 9, 20),
        },
        {"type": "repair_accepted", "subject": "m1", "application": "a1", "date": accepted},
    ]
    for number, days in enumerate(extensions):
        events.append(
            {
                "type": "repair_extended",
                "subject": "m1",
                "application": "a1",
                "working_days": days,
                "date": accepted + dt.timedelta(days=number + 1),
            }
        )
    return events


@pytest.mark.parametrize("extensions", [(), (5,), (7, 8), (15,)])
def test_extended_repair_clocks_are_the_engines(extensions: tuple[int, ...]) -> None:
    engine, columnar = _clocks(_repair(*extensions), dt.date(2024, 12, 31))
    assert engine == columnar
    (clock,) = [row for row in columnar if row[0] == "art25_repair_decision_due"]
    assert clock[4] == sum(extensions)


def test_extensions_over_the_cap_are_refused_by_both() -> None:
    """Both name the subject whose history it is (a bureau's table of a million rows gave
    "extensions add up to 16 working days", and nothing to find them by)."""
    events = _repair(10, 6)
    said = r"subject m1: extensions add up to 16 working days, over the cap of 15"
    with pytest.raises(ExtensionOverCap, match=said) as walked:
        ENGINE.evaluate(SUBJECTS, events, as_of=dt.date(2024, 12, 31))
    with pytest.raises(ExtensionOverCap, match=said) as columns:
        COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=dt.date(2024, 12, 31))
    assert walked.value.subject == columns.value.subject == "m1"
    assert "主体 m1：" in columns.value.render("zh")


@pytest.mark.parametrize(
    ("extensions", "counted"),
    [((1, 2**63 - 1), 2**63), ((15, 2**63 - 1), 2**63 + 14), ((2**62, 2**62), 2**62)],
)
def test_extensions_adding_up_past_64_bits_are_over_the_cap_for_both(
    extensions: tuple[int, ...], counted: int
) -> None:
    """Each fits an event table's column, their total does not: the backend must not wrap it
    round to a small (or negative) number that passes under the cap. Extensions are counted
    in order while the period runs; once the count is over the cap, the next is not looked
    at (the history is refused with the total so far)."""
    events = _repair(*extensions)
    total = f"{counted} working days, over the cap of 15"
    with pytest.raises(ExtensionOverCap, match=total):
        ENGINE.evaluate(SUBJECTS, events, as_of=dt.date(2024, 12, 31))
    with pytest.raises(ExtensionOverCap, match=total):
        COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=dt.date(2024, 12, 31))


def test_an_extension_beyond_64_bits_is_refused_as_input_by_both() -> None:
    events = _repair(2**63)
    with pytest.raises(ScenarioError) as walked:
        ENGINE.evaluate(SUBJECTS, events, as_of=dt.date(2024, 12, 31))
    with pytest.raises(TableError) as columns:
        COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=dt.date(2024, 12, 31))
    assert [p.field for p in walked.value.problems] == ["events[3].working_days"]
    assert [p.field for p in columns.value.problems] == ["events[3].working_days"]


def test_a_long_history_gives_the_engines_rows() -> None:
    """Years of evaluations, objections, suspensions, repairs and extensions of one
    institution (the benchmark's history), into years not yet published."""
    events = ganzhou_history(600)
    as_of = max(event["date"] for event in events)
    want = ENGINE.evaluate(SUBJECTS, events, as_of=as_of)
    got = COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=as_of)
    assert got.decisions.height == len(want.decisions)
    # A decision that rests on working days counted into an unpublished year says so in both.
    assert got.decisions["provisional"].sum() == sum(d.provisional for d in want.decisions) > 0
    assert got.duties.height == len(want.duties)
    engine, columnar = _clocks(events, as_of)
    assert engine == columnar
    assert any(row[5] for row in engine), "some count reaches an unpublished year"
    outcomes = {subject: frozenset(names) for subject, names in [("m1", set())]}
    outcomes["m1"] = frozenset(got.outcomes["outcome"].to_list())
    assert outcomes == {"m1": ENGINE.outcomes(SUBJECTS, events, as_of=as_of).get("m1", frozenset())}


def test_a_window_in_calendar_days_is_rolled_past_rest_days_by_both() -> None:
    """With the objection window set to 15 calendar days, a last day on a rest day moves to
    the next working day (Civil Code Art 203, ``working_day_on_or_after``): the backend rolls
    it on its day index as the engine does on its calendar, and says the same decisions are
    provisional where the roll lands in a year not yet published."""
    ruleset = with_parameters(GANZHOU, {"objection_window": "15 days"})
    events = ganzhou_history(600)
    as_of = max(event["date"] for event in events)
    want = Engine(ruleset).evaluate(SUBJECTS, events, as_of=as_of)
    got = ColumnarEngine(ruleset).evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=as_of)
    columns = ("rule", "trigger_key", "from", "until", "provisional")
    assert sorted(got.decisions.select(columns).iter_rows()) == sorted(
        (d.rule, d.trigger.key, d.from_, d.until, d.provisional) for d in want.decisions
    )
    window = got.decisions.select("fact_objection_window_opens", "fact_objection_window_last_day")
    rolled = window.drop_nulls().filter(
        pl.col("fact_objection_window_last_day")
        != pl.col("fact_objection_window_opens") + pl.duration(days=15)
    )
    assert rolled.height > 0, "some 15th day falls on a rest day"
    assert any(d.provisional for d in want.decisions)


def test_a_count_past_the_calendar_is_refused_by_both() -> None:
    """An evaluation published in the calendar's last days: its objection window (a fact that
    adds working days) runs past the calendar, which the engine refuses; so does the backend,
    rather than read a null."""
    last = dt.date(default_calendar().last_year, 12, 24)
    events = [
        {
            "type": "evaluation_published",
            "subject": "m1",
            "evaluation": "e1",
            "year": last.year,
            "score": 95,
            "date": last,
        }
    ]
    with pytest.raises(CalendarRangeError):
        ENGINE.evaluate(SUBJECTS, events, as_of=last)
    with pytest.raises(CalendarRangeError, match="objection_window_last_day"):
        COLUMNAR.evaluate(_frame(events), pl.DataFrame(SUBJECTS), as_of=last)


def test_constructs_it_cannot_compile_are_refused_when_built_with_their_names() -> None:
    rules = tuple(
        dataclasses.replace(rule, period="application_ban_term")
        if rule.id == "art20_objection_decision_due"
        else rule
        for rule in GANZHOU.rules
    )
    variant = dataclasses.replace(GANZHOU, rules=rules)
    with pytest.raises(UnsupportedConstruct) as caught:
        ColumnarEngine(variant, calendar=default_calendar().with_strict())
    named = dict(caught.value.constructs)
    assert "excluded periods on a deadline in years" in named["rule art20_objection_decision_due"]
    assert "strict" in named["calendar"]
    chinese = caught.value.render("zh")
    assert "规则 art20_objection_decision_due：以 years 计的期限上的扣除期间" in chinese, chinese
    assert "日历：严格模式的日历" in chinese, chinese


def test_a_list_field_in_a_csv_file_is_json_text_as_batch_writes_it(tmp_path: Any) -> None:
    """Ganzhou's ``materials`` could not be given in a CSV file at all ("expected list, the
    column is String"); as JSON text, the form `credit-rules batch` writes lists in, it reads
    as the list, and text that is no list of texts is refused where it is."""
    events = _repair(5)
    frame = _frame(events)
    path = tmp_path / "events.csv"
    texts = pl.col("materials").map_elements(
        lambda items: json.dumps(list(items)), return_dtype=pl.String
    )
    frame.with_columns(texts.alias("materials")).write_csv(path)
    as_of = dt.date(2024, 12, 31)
    read_back = COLUMNAR.evaluate(str(path), pl.DataFrame(SUBJECTS), as_of=as_of)
    in_memory = COLUMNAR.evaluate(frame, pl.DataFrame(SUBJECTS), as_of=as_of)
    assert read_back.decisions.equals(in_memory.decisions)
    assert read_back.decisions.height > 0
    bad = path.read_text("utf-8").replace('"[""application_and_commitment""', '"[oops', 1)
    path.write_text(bad, "utf-8")
    with pytest.raises(TableError, match=r"\[materials\] not a list: write it as JSON text"):
        COLUMNAR.read(str(path), pl.DataFrame(SUBJECTS))
