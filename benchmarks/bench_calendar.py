"""Benchmark: 1,000,000 ``add_working_days(d, 15)`` calls against naive day-by-day loops.

Run with ``python benchmarks/bench_calendar.py``. The dates are uniform over 2008-01-01 ..
2026-12-31 with a fixed seed, generated before timing. Three ways are timed on the same dates:

- ``indexed``: ``WorkingCalendar.add_working_days`` (precomputed cumulative count + list of
  working days: two tuple lookups per call), on all 1,000,000 dates;
- ``naive_holidays``: a loop that steps one day at a time and asks ``holidays``'
  ``is_working_day`` (what one writes with the ``holidays`` package alone);
- ``naive_set``: the same loop over a precomputed ``frozenset`` of working days, so the ratio
  shows the algorithm rather than ``holidays``' per-lookup overhead.

The naive loops are timed on a subsample (``--naive-sample``, 100,000 by default) and
extrapolated linearly to 1,000,000 calls; the output says so. All three must agree on every
sampled date. Results go to ``benchmarks/calendar-results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import holidays

from credit_rules.calendar import WorkingCalendar

SEED = 20240927
COUNT = 15
FIRST = dt.date(2008, 1, 1)
LAST = dt.date(2026, 12, 31)
ONE_DAY = dt.timedelta(days=1)
RESULTS = Path(__file__).with_name("calendar-results.json")


def random_dates(n: int, seed: int = SEED) -> list[dt.date]:
    rng = random.Random(seed)
    low, high = FIRST.toordinal(), LAST.toordinal()
    return [dt.date.fromordinal(rng.randint(low, high)) for _ in range(n)]


def naive_add(is_working_day: Callable[[dt.date], bool], start: dt.date, n: int) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += ONE_DAY
        if is_working_day(day):
            counted += 1
    return day


def best_of(repeats: int, run: Callable[[], list[dt.date]]) -> tuple[float, list[dt.date]]:
    best, result = float("inf"), []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "holidays": version("holidays"),
        # Other processes share this machine; a high load makes every figure slower alike.
        "load_average_1_5_15_min_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    host = machine()

    started = time.perf_counter()
    calendar = WorkingCalendar()
    build_seconds = time.perf_counter() - started
    dates = random_dates(args.calls)
    sample = dates[: min(args.naive_sample, args.calls)]

    add = calendar.add_working_days
    indexed_seconds, indexed = best_of(args.repeats, lambda: [add(d, COUNT) for d in dates])

    cn = holidays.country_holidays("CN", years=range(FIRST.year, LAST.year + 2))
    working = frozenset(
        FIRST + dt.timedelta(days=k)
        for k in range((dt.date(LAST.year + 1, 12, 31) - FIRST).days + 1)
        if cn.is_working_day(FIRST + dt.timedelta(days=k))
    )
    naive_h_seconds, naive_h = best_of(
        1, lambda: [naive_add(cn.is_working_day, d, COUNT) for d in sample]
    )
    naive_s_seconds, naive_s = best_of(
        args.repeats, lambda: [naive_add(working.__contains__, d, COUNT) for d in sample]
    )
    if not indexed[: len(sample)] == naive_h == naive_s:
        raise SystemExit("the indexed calendar and the naive loops disagree")

    scale = args.calls / len(sample)
    indexed_rate = args.calls / indexed_seconds
    naive_h_rate = len(sample) / naive_h_seconds
    naive_s_rate = len(sample) / naive_s_seconds
    result: dict[str, Any] = {
        "benchmark": f"add_working_days(d, {COUNT}) on uniform random dates {FIRST}..{LAST}",
        "seed": SEED,
        "calls": args.calls,
        "machine": host,
        "calendar_build_seconds": round(build_seconds, 4),
        "published_through": calendar.published_through,
        "indexed": {
            "seconds": round(indexed_seconds, 4),
            "calls_per_second": round(indexed_rate),
            "timing": f"best of {args.repeats} runs over all {args.calls} calls",
        },
        "naive_holidays": {
            "sample_calls": len(sample),
            "sample_seconds": round(naive_h_seconds, 4),
            "extrapolated_seconds": round(naive_h_seconds * scale, 2),
            "calls_per_second": round(naive_h_rate),
            "timing": f"one run over {len(sample)} calls, extrapolated x{scale:g}",
        },
        "naive_set": {
            "sample_calls": len(sample),
            "sample_seconds": round(naive_s_seconds, 4),
            "extrapolated_seconds": round(naive_s_seconds * scale, 2),
            "calls_per_second": round(naive_s_rate),
            "timing": f"best of {args.repeats} runs over {len(sample)} calls, "
            f"extrapolated x{scale:g}",
        },
        "speedup_vs_naive_holidays": round(indexed_rate / naive_h_rate, 1),
        "speedup_vs_naive_set": round(indexed_rate / naive_s_rate, 1),
        "agree_on_sample": True,
    }
    info = result["machine"]
    print(f"machine: {info['platform']}, {info['cpu_count']} CPUs ({info['processor']})")
    print(
        f"         {info['python']}, holidays {info['holidays']}, "
        f"load average {info['load_average_1_5_15_min_at_start']}"
    )
    print(
        f"calendar built in {build_seconds:.3f} s (published through {calendar.published_through})"
    )
    print(
        f"indexed:        {args.calls:>9,} calls in {indexed_seconds:8.3f} s "
        f"= {indexed_rate:>12,.0f} calls/s"
    )
    for name, seconds, rate in (
        ("naive_holidays", naive_h_seconds, naive_h_rate),
        ("naive_set", naive_s_seconds, naive_s_rate),
    ):
        print(
            f"{name + ':':<15} {len(sample):>9,} calls in {seconds:8.3f} s "
            f"= {rate:>12,.0f} calls/s "
            f"(extrapolated to {args.calls:,} calls: {seconds * scale:.2f} s)"
        )
    print(
        f"indexed is {result['speedup_vs_naive_holidays']}x the naive loop over holidays and "
        f"{result['speedup_vs_naive_set']}x the naive loop over a set"
    )
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
