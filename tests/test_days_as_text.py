"""A day may be given as its ISO text wherever the library takes one.

``Engine.evaluate`` took ``as_of="2009-06-01"`` but refused ``known_at="2009-01-01"``, and a
``Ledger`` refused the text for ``as_of`` in ``status`` though ``status`` is documented as
``engine.evaluate`` on the subject's history. Every day a caller passes now reads ISO text
the same way, and refuses anything else as before.
"""

from __future__ import annotations

import datetime as dt

import pytest

from credit_rules import Engine, Ledger, bundled
from credit_rules.errors import ScenarioError

RULESET = bundled("lianyungang-2007")
PERSON = {"id": "p1", "kind": "insured_person"}
ENTRY = {"type": "dishonesty_entered", "subject": "p1", "record": "r1"} | {
    "category": "lend_certificate",
    "date": "2008-03-10",
}
SECOND = {**ENTRY, "record": "r2", "date": "2009-05-20"}


def test_the_engine_reads_known_at_as_text_as_it_reads_as_of() -> None:
    engine = Engine(RULESET)
    by_date = engine.evaluate(
        [PERSON], [ENTRY, SECOND], as_of=dt.date(2009, 6, 1), known_at=dt.date(2009, 1, 1)
    )
    by_text = engine.evaluate([PERSON], [ENTRY, SECOND], as_of="2009-06-01", known_at="2009-01-01")
    assert by_text == by_date
    with pytest.raises(ScenarioError, match=r"\[known_at\] '2009-02-30' is not a date"):
        engine.evaluate([PERSON], [ENTRY], as_of="2009-06-01", known_at="2009-02-30")


def _ledger(recorded_at: dt.date | str) -> Ledger:
    ledger = Ledger(RULESET)
    ledger.add_subject(PERSON)
    ledger.record(ENTRY, recorded_at=recorded_at)
    ledger.record(
        SECOND, recorded_at="2009-05-20" if isinstance(recorded_at, str) else dt.date(2009, 5, 20)
    )
    return ledger


def test_a_ledger_takes_every_day_as_text_too() -> None:
    by_date, by_text = _ledger(dt.date(2008, 3, 10)), _ledger("2008-03-10")
    assert by_text.today == by_date.today == dt.date(2009, 5, 20)
    day = dt.date(2009, 6, 1)
    assert by_text.status("p1", "2009-06-01") == by_date.status("p1", day)
    assert by_text.status("p1", "2009-06-01", known_at="2009-05-01") == by_date.status(
        "p1", day, known_at=dt.date(2009, 5, 1)
    )
    assert by_text.subjects_with("cash_settlement", "2009-06-01") == ("p1",)
    assert by_text.agenda("2009-06-01", horizon=30) == by_date.agenda(day, horizon=30)
    assert by_text.overdue("2009-06-01") == by_date.overdue(day)
    report = by_text.report("p1", "2009-06-01", known_at="2009-05-01")
    assert report == by_date.report("p1", day, known_at=dt.date(2009, 5, 1))
    by_text.advance("2009-07-01")
    assert by_text.today == dt.date(2009, 7, 1)


@pytest.mark.parametrize("bad", ["2009-6-1", "20090601", "2009-02-30"])
def test_a_ledger_refuses_text_that_is_no_day_and_changes_nothing(bad: str) -> None:
    ledger = _ledger(dt.date(2008, 3, 10))
    before = (len(ledger), ledger.seq, ledger.today)
    with pytest.raises(ScenarioError, match="is not a date"):
        ledger.advance(bad)
    with pytest.raises(ScenarioError, match="is not a date"):
        ledger.record({**ENTRY, "record": "r3"}, recorded_at=bad)
    with pytest.raises(ScenarioError, match="is not a date"):
        ledger.status("p1", bad)
    assert (len(ledger), ledger.seq, ledger.today) == before


def test_the_columnar_engine_reads_days_as_text_as_the_per_subject_engine_does() -> None:
    polars = pytest.importorskip("polars")
    from credit_rules.columnar import ColumnarEngine

    engine = ColumnarEngine(RULESET)
    frame = polars.DataFrame([ENTRY, SECOND])
    by_text = engine.evaluate(frame, as_of="2009-06-01", known_at="2009-06-01")
    by_date = engine.evaluate(frame, as_of=dt.date(2009, 6, 1), known_at=dt.date(2009, 6, 1))
    assert by_text.decisions.equals(by_date.decisions)
    assert engine.outcomes(frame, as_of="2009-06-01").equals(
        engine.outcomes(frame, as_of=dt.date(2009, 6, 1))
    )


def test_bulk_load_reads_recording_days_as_text_as_record_does() -> None:
    """``bulk_load``'s rows took only dates, where ``record`` took ISO text too."""
    by_text, by_date = Ledger(RULESET), Ledger(RULESET)
    by_text.bulk_load([PERSON], [("2008-03-10", ENTRY), ("2009-05-20", SECOND)])
    by_date.bulk_load([PERSON], [(dt.date(2008, 3, 10), ENTRY), (dt.date(2009, 5, 20), SECOND)])
    assert by_text.today == by_date.today == dt.date(2009, 5, 20)
    assert by_text.status("p1", "2009-06-01") == by_date.status("p1", "2009-06-01")
    for bad, problem in (("2009-02-30", "is not a date"), ("9999-12-31", "recorded_at")):
        ledger = Ledger(RULESET)
        with pytest.raises(ScenarioError, match=problem):
            ledger.bulk_load([PERSON], [(bad, ENTRY)])
        assert len(ledger) == 0 and ledger.seq == 0


def test_a_day_as_text_beyond_the_last_day_is_refused_as_the_date_is() -> None:
    ledger = _ledger(dt.date(2008, 3, 10))
    for late in (dt.date(9999, 12, 31), "9999-12-31"):
        with pytest.raises(ScenarioError) as caught:
            ledger.advance(late)
        assert "9999-12-31" in str(caught.value)
    assert ledger.today == dt.date(2009, 5, 20)
