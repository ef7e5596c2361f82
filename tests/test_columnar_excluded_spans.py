"""The days a deadline's clock leaves out (Ganzhou Art 20: inspection, testing, appraisal),
merged per clock on columns, are what merging each clock's periods by hand gives.

``_spans`` finds, for every clock at once, the excluded periods after the clock's start,
merges those that overlap or touch, and ranks them in day order. It works on the whole
sorted column rather than a window per clock, so a period of one clock must never merge
with, or take its rank from, a period of the clock before it.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

pl = pytest.importorskip("polars")

from credit_rules.columnar.deadlines import _EveryDay, _spans  # noqa: E402

EPOCH = dt.date(1970, 1, 1)
DAY0 = dt.date(2025, 1, 1)


def _by_hand(
    starts: dict[int, int], periods: list[tuple[int, dt.date, dt.date]]
) -> list[tuple[int, int, int, int]]:
    """(clock, rank, first, last) of each merged period, day numbers since 1970."""
    found = []
    for clock, start in sorted(starts.items()):
        mine = sorted(
            (max((first - EPOCH).days, start + 1), (last - EPOCH).days)
            for did, first, last in periods
            if did == clock
        )
        merged: list[list[int]] = []
        for low, high in mine:
            if low > high:
                continue  # wholly before the clock starts
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        found += [(clock, rank, low, high) for rank, (low, high) in enumerate(merged)]
    return found


def _on_columns(
    starts: dict[int, int], periods: list[tuple[int, dt.date, dt.date]]
) -> list[tuple[int, int, int, int]]:
    rows = pl.DataFrame(
        {"_did": list(starts), "_i": list(starts.values())},
        schema={"_did": pl.UInt32, "_i": pl.Int64},
    )
    excluded = pl.DataFrame(
        {
            "_did": [did for did, _, _ in periods],
            "_xfirst": [first for _, first, _ in periods],
            "_xlast": [last for _, _, last in periods],
        },
        schema={"_did": pl.UInt32, "_xfirst": pl.Date, "_xlast": pl.Date},
    )
    spans = _spans(excluded, rows, _EveryDay())
    return [
        (int(did), int(rank), int(low), int(high))
        for did, rank, low, high in spans.select("_did", "_k", "_lo", "_hi").iter_rows()
    ]


@pytest.mark.parametrize("seed", range(12))
def test_merged_periods_match_merging_each_clock_by_hand(seed: int) -> None:
    rng = random.Random(seed)
    # Clock numbers with gaps, each starting on some day; some clocks have no period.
    starts = {did: (DAY0 - EPOCH).days + rng.randrange(60) for did in range(0, 120, 3)}
    periods = []
    for clock in starts:
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            first = DAY0 + dt.timedelta(days=rng.randrange(-20, 90))
            last = first + dt.timedelta(days=rng.randrange(0, 15))
            periods.append((clock, first, last))
    rng.shuffle(periods)
    expected = _by_hand(starts, periods)
    assert _on_columns(starts, periods) == expected
    # The draw reaches the cases that matter: a clock with several merged periods, and
    # periods merged into one.
    assert any(rank > 0 for _, rank, _, _ in expected)
    assert len(expected) < sum(
        1 for did, first, last in periods if (last - EPOCH).days > starts[did]
    )


def test_a_clock_does_not_merge_with_the_clock_before_it() -> None:
    # Clock 1's one period starts the day after clock 0's long one ends, and clock 2's lies
    # inside it: by days they would merge, but they belong to different clocks.
    start = (DAY0 - EPOCH).days
    periods = [
        (0, DAY0 + dt.timedelta(days=1), DAY0 + dt.timedelta(days=40)),
        (1, DAY0 + dt.timedelta(days=41), DAY0 + dt.timedelta(days=42)),
        (2, DAY0 + dt.timedelta(days=5), DAY0 + dt.timedelta(days=6)),
    ]
    found = _on_columns({0: start, 1: start, 2: start}, periods)
    assert [(clock, rank) for clock, rank, _, _ in found] == [(0, 0), (1, 0), (2, 0)]


def test_no_period_gives_no_span() -> None:
    assert _on_columns({0: 100, 1: 200}, []) == []
