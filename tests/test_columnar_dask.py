"""The columnar backend on a real dask.distributed cluster of two worker processes gives
exactly the single-machine result."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")
if os.environ.get("CI"):
    import dask  # noqa: F401  # in CI a missing dask is a failure, not a skip
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from test_columnar_partitions import GANZHOU, GANZHOU_AS_OF, institutions  # noqa: E402

from credit_rules import bundled  # noqa: E402
from credit_rules.columnar import ColumnarEngine  # noqa: E402
from credit_rules.columnar.on_dask import evaluate_dask, write_parquet  # noqa: E402
from credit_rules.columnar.partitions import RESULT_TABLES  # noqa: E402
from credit_rules.errors import ArgumentError, TableError  # noqa: E402

RULESET = bundled("lianyungang-2007")
AS_OF = dt.date(2015, 6, 30)


def population(persons: int) -> pl.DataFrame:
    """Persons with 1-4 entries a few months apart, some removed: every measure occurs."""
    rows = []
    for index in range(persons):
        subject = f"p{index:05d}"
        for number in range(index % 5):
            day = dt.date(2012, 1, 1) + dt.timedelta(days=(index * 37 + number * 113) % 1300)
            rows.append(
                {
                    "type": "dishonesty_entered",
                    "subject": subject,
                    "record": f"r{number}",
                    "category": "lend_certificate",
                    "action": None,
                    "date": day,
                }
            )
            if (index + number) % 7 == 0:
                rows.append(
                    {
                        "type": "record_corrected",
                        "subject": subject,
                        "record": f"r{number}",
                        "category": None,
                        "action": "removed",
                        "date": day + dt.timedelta(days=30),
                    }
                )
    return pl.DataFrame(rows)


def _same(found: object, want: pl.DataFrame) -> None:
    got = pl.from_pandas(found)
    assert got.schema == want.schema
    # Partitions come back in any order; within the rows, every value is the same.
    key = [name for name, dtype in want.schema.items() if not dtype.is_nested()]
    assert got.sort(key).rows() == want.sort(key).rows()


def test_two_worker_processes_give_the_single_machine_result() -> None:
    events = population(600)
    alone = ColumnarEngine(RULESET).evaluate(events, as_of=AS_OF)
    assert alone.decisions.height > 500  # not a vacuous comparison
    assert alone.duties.height > 0 and alone.outcomes.height > 0
    # Ganzhou's institutions: several subject kinds, so a subjects table, and deadlines.
    clocks, institutions_ = institutions(40)
    # Without the list column: dask.dataframe.from_pandas turns object columns into text, and
    # its P2P shuffle does not take Arrow lists.
    clocks = clocks.drop("materials")
    counted = ColumnarEngine(GANZHOU).evaluate(clocks, institutions_, as_of=GANZHOU_AS_OF)
    assert counted.deadlines.height > 20
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Two worker processes, not threads of this one: the ruleset crosses by pickle.
        pids = client.run(os.getpid)
        assert len(pids) == 2 and len(set(pids.values())) == 2
        assert os.getpid() not in pids.values()
        # Rows in a random order, so partitions split subjects: the shuffle on subject must
        # bring each subject's events together again.
        mixed = events.sample(fraction=1.0, shuffle=True, seed=7)
        frame = dd.from_pandas(mixed.to_pandas(), npartitions=4, sort=False)
        owners = [set(frame.partitions[i]["subject"].compute()) for i in range(4)]
        assert owners[0] & owners[1], "no subject is split: the shuffle is not tested"
        for table in RESULT_TABLES:
            found = evaluate_dask(frame, RULESET, as_of=AS_OF, table=table).compute()
            _same(found, getattr(alone, table))
        mixed = clocks.sample(fraction=1.0, shuffle=True, seed=7)
        # pandas' nullable dtypes: numpy's would make the counts floats and the flags
        # objects, which dask then turns into text.
        nullable = {pl.Int64: "Int64", pl.Boolean: "boolean"}
        pandas = mixed.to_pandas().astype(
            {name: nullable[dtype] for name, dtype in mixed.schema.items() if dtype in nullable}
        )
        frame = dd.from_pandas(pandas, npartitions=4, sort=False)
        for table in RESULT_TABLES:
            found = evaluate_dask(
                frame, GANZHOU, as_of=GANZHOU_AS_OF, table=table, subjects=institutions_
            ).compute()
            _same(found, getattr(counted, table))
        # A partition refused on a worker reaches the client as the error it is, with its
        # rows and total.
        entry = events.filter(pl.col("type") == "dishonesty_entered").head(1)
        frame = dd.from_pandas(pl.concat([entry, entry]).to_pandas(), npartitions=1, sort=False)
        with pytest.raises(TableError, match="the same record entered twice") as caught:
            evaluate_dask(frame, RULESET, as_of=AS_OF).compute()
        assert caught.value.total == 2


def test_write_parquet_writes_all_partitions_or_nothing(tmp_path: Path) -> None:
    """docs/batch.md's nightly job on a cluster: the result folder appears only once every
    partition is written; bad input anywhere leaves nothing behind and is refused with one
    error counting the problems of all partitions, each named by its row in the input."""
    events = population(300)
    alone = ColumnarEngine(RULESET).evaluate(events, as_of=AS_OF)
    mixed = events.sample(fraction=1.0, shuffle=True, seed=11)
    out = tmp_path / "decisions"
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
    ):
        frame = dd.from_pandas(mixed.to_pandas(), npartitions=4, sort=False)
        sizes = [len(frame.partitions[i]) for i in range(4)]
        starts = [sum(sizes[:i]) for i in range(4)]
        # Rows 5 of partition 0, 3 and 4 of partition 1, and 0 of partition 3.
        places = [(0, 5), (1, 3), (1, 4), (3, 0)]
        bad_rows = [starts[p] + r for p, r in places]
        category = mixed.get_column("category").to_list()
        for row in bad_rows:
            category[row] = "bogus"
        broken = mixed.with_columns(pl.Series("category", category))
        frame = dd.from_pandas(broken.to_pandas(), npartitions=4, sort=False)
        assert [len(frame.partitions[i]) for i in range(4)] == sizes
        want = [f"events.partitions[{p}][{r}]" for p, r in places]
        with pytest.raises(TableError) as caught:
            write_parquet(frame, RULESET, out, as_of=AS_OF)
        assert caught.value.total == len(bad_rows)
        assert [p.cell.table + f"[{p.cell.row}]" for p in caught.value.problems] == want
        assert all(p.cell.column == "category" for p in caught.value.problems)
        assert list(tmp_path.iterdir()) == []  # nothing at the path, no partial folder
        # The lazy path names the same rows, one partition's at a time.
        with pytest.raises(TableError) as lazily:
            evaluate_dask(frame, RULESET, as_of=AS_OF).compute()
        assert {p.field.rsplit(".", 1)[0] for p in lazily.value.problems} <= set(want)

        frame = dd.from_pandas(mixed.to_pandas(), npartitions=4, sort=False)
        rows = write_parquet(frame, RULESET, out, as_of=AS_OF)
        assert rows == alone.decisions.height > 100
        assert [p.name for p in tmp_path.iterdir()] == ["decisions"]
        assert sorted(p.name for p in out.iterdir()) == [f"part.{i}.parquet" for i in range(4)]
        assert out.stat().st_mode & 0o777 == 0o700
        assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o600}
        written = pl.read_parquet(out)
        key = [n for n, dtype in written.schema.items() if not dtype.is_nested()]
        assert written.sort(key).rows() == alone.decisions.sort(key).rows()
        with pytest.raises(ArgumentError, match="exists already"):
            write_parquet(frame, RULESET, out, as_of=AS_OF, table="outcomes")
        rows = write_parquet(frame, RULESET, out, as_of=AS_OF, table="outcomes", overwrite=True)
        assert pl.read_parquet(out).sort("subject").rows() == alone.outcomes.sort("subject").rows()
        assert rows == alone.outcomes.height
