"""``credit-rules batch``: Parquet or CSV in, one result table out, nothing partial on error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")

from credit_rules.cli.main import EXIT_BAD_INPUT, EXIT_OK, main  # noqa: E402

EVENTS = pl.DataFrame(
    {
        "type": ["dishonesty_entered", "dishonesty_entered"],
        "subject": ["p2", "p2"],
        "record": ["r1", "r2"],
        "category": ["lend_certificate", "resell_drugs"],
        "date": [dt.date(2008, 3, 10), dt.date(2009, 5, 20)],
    }
)


def test_batch_writes_parquet_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.write_parquet(source)
    out = tmp_path / "outcomes.parquet"
    args = ["batch", "lianyungang-2007", "--events", str(source), "--as-of", "2009-06-01"]
    assert main([*args, "-o", str(out), "--table", "outcomes"]) == EXIT_OK
    assert sorted(pl.read_parquet(out).iter_rows()) == [
        ("p2", "audit_flag"),
        ("p2", "cash_settlement"),
    ]
    assert "cash_settlement 1" in capsys.readouterr().out
    csv = tmp_path / "decisions.csv"
    assert main([*args, "-o", str(csv)]) == EXIT_OK
    assert pl.read_csv(csv)["outcome"].to_list() == [
        "written_warning",
        "cash_settlement",
        "audit_flag",
    ]


def test_bad_input_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "events.parquet"
    EVENTS.with_columns(pl.lit("2009-02-30").alias("date")).write_parquet(source)
    out = tmp_path / "out.parquet"
    code = main(
        [
            "batch",
            "lianyungang-2007",
            "--events",
            str(source),
            "--as-of",
            "2009-06-01",
            "-o",
            str(out),
        ]
    )
    assert code == EXIT_BAD_INPUT
    assert "events.parquet[0].date" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [source]
