"""What no column can hold is refused, never run as a null or a crash.

A rule's working-day count past the calendar's years is refused by both backends.

An analyst may write a measure's term in working days (Lianyungang Art 11's time-limited
reimbursement as "15 working days", say). Past the last year whose holiday schedule the
calendar holds, no working day can be counted: the walk raises ``CalendarRangeError``. The
columnar backend's count is null there, and a null ``until`` used to be a measure without end
(``credit-rules batch`` wrote it so); a null inside ``when`` a rule that never fires. Both
must refuse instead, in ``evaluate`` and ``outcomes``; inside the calendar they agree.

A whole number beyond 64 bits in an expression is the walk's to compare; the columnar
backend refuses it when it is built, naming the rule, where Polars used to fail with its own
error when the plan ran.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")

from credit_rules import Engine, loads_ruleset  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.errors import CalendarRangeError, UnsupportedConstruct  # noqa: E402

SOURCE = (Path(__file__).resolve().parents[1] / "rulesets" / "lianyungang-2007.yaml").read_text(
    encoding="utf-8"
)
TERM = "    value: 1 year\n    cites: [{article: 11}]"
WORKING = SOURCE.replace(TERM, "    value: 15 working days\n    cites: [{article: 11}]")
WHEN = 'when: "record_count >= time_limited_records"'
IN_WHEN = WORKING.replace(
    WHEN,
    'when: "record_count >= time_limited_records and trigger_date + time_limited_term > '
    'trigger_date"',
)
PEOPLE = [{"id": "p1", "kind": "insured_person"}]


def _history(days: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": f"r{number}",
            "category": "lend_certificate",
            "date": day,
        }
        for number, day in enumerate(days)
    ]


def _table(events: list[dict[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(events).with_columns(pl.col("date").str.to_date())


def test_the_edits_are_made() -> None:
    assert WORKING != SOURCE and IN_WHEN != WORKING


@pytest.mark.parametrize("text", [WORKING, IN_WHEN], ids=["until", "when"])
@pytest.mark.parametrize(
    ("days", "as_of"),
    [
        (("2040-01-15", "2040-02-15", "2040-03-15"), dt.date(2040, 4, 1)),
        (("2036-01-15", "2036-02-15", "2036-12-20"), dt.date(2036, 12, 30)),
    ],
    ids=["past-the-calendar", "running-past-its-last-day"],
)
def test_a_count_past_the_calendar_is_refused_by_both(
    text: str, days: tuple[str, ...], as_of: dt.date
) -> None:
    ruleset = loads_ruleset(text)
    events = _history(days)
    assert ruleset.rules  # the edited text loads
    for question in (Engine(ruleset).evaluate, Engine(ruleset).outcomes):
        with pytest.raises(CalendarRangeError):
            question(PEOPLE, events, as_of=as_of)
    columnar = ColumnarEngine(ruleset)
    for columns in (columnar.evaluate, columnar.outcomes):
        with pytest.raises(CalendarRangeError):
            columns(_table(events), as_of=as_of)


@pytest.mark.parametrize("text", [WORKING, IN_WHEN], ids=["until", "when"])
def test_inside_the_calendar_the_two_agree(text: str) -> None:
    ruleset = loads_ruleset(text)
    events = _history(("2030-01-15", "2030-02-15", "2030-03-15"))
    for as_of in (dt.date(2030, 3, 20), dt.date(2030, 4, 30)):
        walked = Engine(ruleset).evaluate(PEOPLE, events, as_of=as_of)
        want = sorted((d.outcome, d.from_, d.until, d.active) for d in walked.decisions)
        found = ColumnarEngine(ruleset).evaluate(_table(events), as_of=as_of).decisions
        got = sorted(found.select("outcome", "from", "until", "active").iter_rows())
        assert got == want
        assert ("time_limited_reimbursement", dt.date(2030, 3, 15)) in {w[:2] for w in want}
        active = Engine(ruleset).outcomes(PEOPLE, events, as_of=as_of).get("p1", frozenset())
        columns = ColumnarEngine(ruleset).outcomes(_table(events), as_of=as_of)
        assert set(columns.get_column("outcome").to_list()) == set(active)


@pytest.mark.parametrize(("bound", "refused"), [(2**127, True), (2**63, True), (2**63 - 1, False)])
def test_a_whole_number_beyond_64_bits_is_refused_when_the_engine_is_built(
    bound: int, refused: bool
) -> None:
    text = SOURCE.replace(
        WHEN, f'when: "record_count >= time_limited_records and record_count != {bound}"'
    )
    assert text != SOURCE
    ruleset = loads_ruleset(text)
    events = _history(("2008-01-15", "2008-02-15", "2008-03-15"))
    as_of = dt.date(2008, 3, 20)
    walked = Engine(ruleset).outcomes(PEOPLE, events, as_of=as_of)
    assert "time_limited_reimbursement" in walked["p1"]
    if refused:
        with pytest.raises(UnsupportedConstruct) as caught:
            ColumnarEngine(ruleset)
        named = dict(caught.value.constructs)
        assert "beyond 64 bits" in named["rule art11_time_limited_reimbursement"]
        # The refusal reads in Chinese too, every construct named in it.
        chinese = caught.value.render("zh")
        assert f"规则 art11_time_limited_reimbursement：数值 {bound}，这是超出 64 位的整数" in (
            chinese
        ), chinese
        return
    columns = ColumnarEngine(ruleset).outcomes(_table(events), as_of=as_of)
    assert set(columns.get_column("outcome").to_list()) == set(walked["p1"])
