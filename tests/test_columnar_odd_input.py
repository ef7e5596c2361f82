"""Input a bureau's files can hold and Python cannot: dates outside Python's range, a per-type
table whose ``type`` column is not text, and ``as_of``/``known_at`` of the wrong kind. Each
gets one TableError naming the row and showing the value as written, as the per-subject
engine refuses the same (a ScenarioError); none crashes with Polars' or Python's own error,
and none is accepted. Found by a review that fed both engines the same odd tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")

from credit_rules import Engine, Ledger, bundled  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.errors import ScenarioError, TableError  # noqa: E402
from credit_rules.yaml_source import plain  # noqa: E402

LIANYUNGANG = bundled("lianyungang-2007")
PERSON = [{"id": "p1", "kind": "insured_person"}]
ENTERED: dict[str, Any] = {
    "type": "dishonesty_entered",
    "subject": "p1",
    "date": "2008-01-10",
    "record": "r1",
    "category": "lend_certificate",
}
CORRECTED: dict[str, Any] = {
    "type": "record_corrected",
    "subject": "p1",
    "date": "2008-01-10",
    "record": "r1",
    "action": "removed",
    "decided_on": "2008-02-01",
}


#: The Gregorian calendar repeats every 400 years, which are 146,097 days: a day outside
#: Python's years is the day a whole number of cycles away inside them, years moved by 400 each.
CYCLE_DAYS = 146_097
EPOCH = dt.date(1970, 1, 1)


def _named(days: int) -> str:
    """The text of the day ``days`` after 1970-01-01, for any year, by the 400-year cycle."""
    cycles = days // CYCLE_DAYS
    inside = EPOCH + dt.timedelta(days=days - cycles * CYCLE_DAYS)
    year = inside.year + 400 * cycles
    return f"{'-' if year < 0 else ''}{abs(year):04d}-{inside.month:02d}-{inside.day:02d}"


def _days(*days: int) -> Any:
    """A Polars date column holding these days from 1970-01-01, whatever their year."""
    return pl.Series("date", list(days), dtype=pl.Int32).cast(pl.Date)


# A day of year 10183, the last day Polars' Date holds (year 275760), and one of year -221.
@pytest.mark.parametrize(
    ("days", "year", "why"),
    [
        (3_000_000, "10183", "after 7999-12-31"),
        (10**8, "275760", "after 7999-12-31"),
        (-800_000, "-0221", "not a real date"),
    ],
)
def test_a_date_python_cannot_hold_is_refused_and_shown_as_written(
    days: int, year: str, why: str
) -> None:
    shown = _named(days)
    assert shown.startswith(f"{year}-")
    events = pl.DataFrame([ENTERED, {**ENTERED, "record": "r2"}]).with_columns(_days(13_888, days))
    with pytest.raises(TableError, match=rf"events\[1\]\.date\] {why}.*value '{shown}'") as error:
        ColumnarEngine(LIANYUNGANG).read(events)
    assert error.value.total == 1


@pytest.mark.parametrize("column", ["date", "decided_on"])
def test_a_text_date_of_year_zero_is_refused_as_the_event_models_refuse_it(column: str) -> None:
    event = {**CORRECTED, column: "0000-02-29"}
    with pytest.raises(ScenarioError, match="not a real date"):
        Engine(LIANYUNGANG).evaluate(PERSON, [ENTERED, event], as_of=dt.date(2008, 6, 1))
    with pytest.raises(TableError, match=rf"\.{column}\] not a real date.*value '0000-02-29'"):
        ColumnarEngine(LIANYUNGANG).read(pl.DataFrame([ENTERED, event]))


def test_a_time_past_polars_dates_is_not_a_date_rather_than_a_missing_one() -> None:
    # Polars gives no date for it (null): it was taken as an event without a date.
    days, rest = divmod(2**62, 86_400_000)
    seconds = rest // 1000
    shown = f"{_named(days)}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    times = pl.Series("date", [0, 2**62], dtype=pl.Int64).cast(pl.Datetime("ms"))
    events = pl.DataFrame([ENTERED, {**ENTERED, "record": "r2"}]).with_columns(times)
    with pytest.raises(TableError, match=rf"events\[1\]\.date\] not a date \(value '{shown}'\)"):
        ColumnarEngine(LIANYUNGANG).read(events)


def test_the_ledger_and_the_batch_file_refuse_such_dates_too(tmp_path: Path) -> None:
    frame = pl.DataFrame([ENTERED, {**ENTERED, "record": "r2"}]).with_columns(_days(13_888, -1))
    frame = frame.with_columns(pl.lit(dt.date(2008, 2, 1)).alias("recorded_at"))
    year_zero = frame.with_columns(_days(13_888, -719_469))  # 0000-02-29
    ledger = Ledger(LIANYUNGANG)
    with pytest.raises(TableError, match=r"not a real date.*value '0000-02-29'"):
        ledger.bulk_load_tables(year_zero, pl.DataFrame(PERSON))
    path = tmp_path / "events.parquet"
    frame.with_columns(_days(13_888, 3_000_000)).write_parquet(path)
    with pytest.raises(TableError, match=rf"after 7999-12-31.*value '{_named(3_000_000)}'"):
        ColumnarEngine(LIANYUNGANG).read(path)
    assert ledger.subject_ids() == ()  # nothing of the refused load is held


@pytest.mark.parametrize(
    "column",
    [
        pl.Series("type", [["dishonesty_entered"]]),
        pl.Series("type", [3]),
        pl.Series("type", [object()], dtype=pl.Object),
    ],
    ids=["list", "integer", "object"],
)
def test_a_per_type_table_whose_type_column_is_not_text_is_named(column: Any) -> None:
    table = pl.DataFrame([ENTERED]).drop("type").with_columns(column)
    with pytest.raises(
        TableError, match=r"events\[dishonesty_entered\]\[0\]\.type\] expected text, the column"
    ):
        ColumnarEngine(LIANYUNGANG).read({"dishonesty_entered": table})


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"as_of": dt.date(8000, 1, 1)}, r"\[as_of\] 8000-01-01 is after 7999-12-31"),
        ({"as_of": dt.date(9999, 12, 31)}, r"\[as_of\] 9999-12-31 is after 7999-12-31"),
        # ISO text is a day to both (tests/test_days_as_text.py); other text to neither.
        ({"known_at": "2009-1-1"}, r"\[known_at\] '2009-1-1' is not a date"),
        ({"as_of": "2008-6-1"}, r"\[as_of\] '2008-6-1' is not a date"),
        ({"known_at": 5}, r"\[known_at\] known_at must be a date, got 5"),
        ({"known_at": dt.datetime(2008, 1, 15, 12)}, r"\[known_at\] known_at must be a date"),
    ],
)
def test_as_of_and_known_at_are_checked_as_the_per_subject_engine_checks_them(
    keywords: dict[str, Any], message: str
) -> None:
    arguments = {"as_of": dt.date(2008, 6, 1), **keywords}
    with pytest.raises(ScenarioError):
        Engine(LIANYUNGANG).evaluate(PERSON, [ENTERED, CORRECTED], **arguments)
    engine = ColumnarEngine(LIANYUNGANG)
    frame = pl.DataFrame([ENTERED, CORRECTED])
    with pytest.raises(TableError, match=message):
        engine.evaluate(frame, **arguments)
    with pytest.raises(TableError, match=message):
        engine.outcomes(frame, **arguments)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("2024"), "2024"), (dt.time(1, 2), "01:02:00"), ({"a": Decimal("1")}, "{'a'")],
)
def test_a_value_yaml_cannot_write_is_shown_as_its_text(value: object, shown: str) -> None:
    assert plain(value).startswith(shown)
    event = {**ENTERED, "record": value}
    with pytest.raises(ScenarioError, match=r"events\[0\]\.record\] expected text"):
        Engine(LIANYUNGANG).evaluate(PERSON, [event], as_of=dt.date(2008, 6, 1))
