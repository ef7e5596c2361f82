"""Steps of one columnar evaluation run on threads: the answers and the error raised are
those of the steps run one after another."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import polars as pl
import pytest

from credit_rules.columnar.side_by_side import both, side_by_side


def test_results_come_back_in_the_order_of_the_steps() -> None:
    # The first step finishes last: its result still comes first.
    def slow() -> str:
        time.sleep(0.05)
        return "slow"

    assert side_by_side([slow, lambda: "quick", lambda: "third"]) == ["slow", "quick", "third"]


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Set how many threads Polars reports having, whatever this machine has."""

    def use(count: int) -> None:
        monkeypatch.setattr(pl, "thread_pool_size", lambda: count)

    return use


def test_steps_run_on_threads_of_their_own_when_polars_has_several(
    threads: Callable[[int], None],
) -> None:
    threads(2)
    # Each step waits for the other: one after another, the first would wait forever.
    met = threading.Barrier(2, timeout=10)

    def meet() -> int:
        return met.wait()

    assert sorted(side_by_side([meet, meet])) == [0, 1]


@pytest.mark.parametrize("count", [1, 2])
def test_the_first_failure_in_the_order_of_the_steps_is_raised_once_every_step_ends(
    threads: Callable[[int], None], count: int
) -> None:
    threads(count)
    finished: list[str] = []

    def late_failure() -> None:
        time.sleep(0.05)
        finished.append("first")
        raise ValueError("first")

    def early_failure() -> None:
        finished.append("second")
        raise KeyError("second")

    def last() -> None:
        time.sleep(0.1)
        finished.append("third")

    with pytest.raises(ValueError, match="first"):
        side_by_side([late_failure, early_failure, last])
    if count == 1:
        assert finished == ["first"]  # one after another: nothing runs after a failure
    else:
        assert sorted(finished) == ["first", "second", "third"]


def test_one_step_or_one_thread_runs_on_the_callers_thread(
    threads: Callable[[int], None],
) -> None:
    threads(2)
    assert side_by_side([threading.get_ident]) == [threading.get_ident()]
    threads(1)
    here = threading.get_ident()
    assert side_by_side([threading.get_ident, threading.get_ident]) == [here, here]
    assert side_by_side([]) == []


def test_both_keeps_each_result_with_its_type() -> None:
    number, text = both(lambda: 1, lambda: "one")
    assert (number, text) == (1, "one")
