"""Independent steps of one evaluation run on threads, side by side.

Each kind of trigger's pieces, or precedence beside the deadlines, read nothing of each
other. One Polars plan uses both cores only part of the time: its small steps, the Python
between them and the optimizer run on one thread, and on a shared host every parallel step
waits for its threads to wake. Steps on threads of their own fill those gaps, since Polars
releases the interpreter while it runs (Lianyungang at a million persons: the evaluation
took a median 0.84–0.89 of the time with its five kinds side by side, in rounds interleaved
with the steps one after another).

The answers, and the error raised, are those of the steps run one after another: results
come back in the order of the steps, and where several fail, the first of them in that order
is raised, once every step started has finished (none is left running behind the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, cast

import polars as pl

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


def side_by_side(steps: Sequence[Callable[[], T]]) -> list[T]:
    """The result of each of ``steps``, in their order, computed on as many threads as
    Polars has (one: one after another, on the caller's thread)."""
    workers = min(len(steps), pl.thread_pool_size())
    if workers < 2:
        return [step() for step in steps]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="credit-rules") as pool:
        running = [pool.submit(step) for step in steps]
        # Every step finishes before the first failure is raised: leaving the block waits
        # for them, and an error is read only from the step that raised it.
        errors = [future.exception() for future in running]
    for error in errors:
        if error is not None:
            raise error
    return [future.result() for future in running]


def both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """:func:`side_by_side` of two steps whose results differ in type."""
    one, two = side_by_side([first, second])
    return cast(A, one), cast(B, two)
