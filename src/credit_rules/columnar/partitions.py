"""One partition of a population, Arrow in and Arrow out: what a cluster runs.

A population partitioned by subject (every event of a subject in the same partition) can be
evaluated partition by partition, because no result reads another subject's events. The
function here takes the partition's events as an Arrow table and gives one result table as an
Arrow table, so any engine that maps Arrow batches can call it: Dask
(:mod:`credit_rules.columnar.on_dask`, the tested path), Spark's ``mapInArrow`` or Ray's
``map_batches`` (docs/batch.md).

On one machine the same property bounds memory: :func:`in_parts` cuts a validated population
into ranges of subjects and evaluates them one after the other. Every result table is sorted
by subject first, so the parts' results, in the order of their ranges, are the whole result.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Literal

import polars as pl

from credit_rules.columnar.backend import ColumnarEngine
from credit_rules.columnar.inputs import Inputs
from credit_rules.errors import TableError
from credit_rules.ruleset import ir

if TYPE_CHECKING:
    # pyarrow (with numpy) takes a few hundred milliseconds to import; the command line's
    # batch job reads and writes through Polars and never needs it.
    import pyarrow as pa

ResultTable = Literal["decisions", "duties", "deadlines", "outcomes"]
#: Every result table, in the order the command line and the docs give them.
RESULT_TABLES: tuple[ResultTable, ...] = ("decisions", "duties", "deadlines", "outcomes")


class _CompiledEngines:
    """The columnar engines a worker process has compiled, by what their ruleset is.

    A cluster calls :func:`evaluate_partition` once per partition with the ruleset it was
    given; compiling it each time would cost more than a small partition's evaluation. What
    is kept is a pure function's answer (an engine is immutable once compiled, and is keyed
    by the ruleset's id, digest and parameter values), so no result depends on it and two
    callers cannot interfere; it holds the last few only, so a long-lived worker that sees
    ruleset after ruleset does not grow without end.
    """

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._engines: OrderedDict[tuple[str, str, str], ColumnarEngine] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, ruleset: ir.Ruleset) -> ColumnarEngine:
        # A ruleset is not hashable; its identity, digest and parameter values say which it is.
        key = (ruleset.id, ruleset.digest, repr(sorted(ruleset.parameter_values().items())))
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
        engine = ColumnarEngine(ruleset)  # compiled outside the lock: other rulesets go on
        with self._lock:
            self._engines[key] = engine
            while len(self._engines) > self._kept:
                self._engines.popitem(last=False)
        return engine

    def __len__(self) -> int:
        return len(self._engines)


_ENGINES = _CompiledEngines(kept=4)


def _engine(ruleset: ir.Ruleset) -> ColumnarEngine:
    return _ENGINES.of(ruleset)


def evaluate_partition(
    events: pa.Table,
    ruleset: ir.Ruleset,
    as_of: dt.date,
    table: ResultTable = "decisions",
    subjects: pa.Table | None = None,
) -> pa.Table:
    """One result table for the subjects of one partition."""
    found: pl.DataFrame = getattr(_engine(ruleset).evaluate(events, subjects, as_of=as_of), table)
    return found.to_arrow()


def result_schema(ruleset: ir.Ruleset, as_of: dt.date, table: ResultTable) -> pa.Schema:
    """The schema of a result table, from an empty partition (a cluster's ``meta``)."""
    import pyarrow as pa

    empty = pa.table(
        {
            "type": pa.array([], pa.string()),
            "subject": pa.array([], pa.string()),
            "date": pa.array([], pa.date32()),
        }
    )
    nobody = pa.table({"id": pa.array([], pa.string()), "kind": pa.array([], pa.string())})
    return evaluate_partition(empty, ruleset, as_of, table, nobody).schema


#: Events per part when a population is evaluated in parts, by result table. The backend's
#: intermediate tables for decisions, duties and deadlines are several times its input, so
#: smaller parts need less memory; each part also pays a fixed cost. Measured with
#: ``credit-rules batch`` in a fresh process (2 shared cores, load 1-2.4), Lianyungang
#: 1,000,000 persons (461,124 events), decisions: parts of 50,000 events 1.46 s and 390 MiB
#: peak, 200,000 1.35-1.40 s and 530 MiB, 500,000 1.42-1.85 s and 650-720 MiB; in process,
#: 50,000 0.67-0.72 s against 200,000 0.52-0.58 s. Ganzhou 100,000 institutions (233,667
#: events), deadlines: 50,000 1.83-1.89 s and 440 MiB, 200,000 1.53-1.61 s and 600 MiB.
#: The outcomes on a day assess only triggers that can still cover it, so their tables are
#: small and parts mostly add that fixed cost.
EVENTS_PER_PART: Mapping[ResultTable, int] = {
    "decisions": 200_000,
    "duties": 200_000,
    "deadlines": 200_000,
    "outcomes": 500_000,
}


def subject_ranges(inputs: Inputs, events_per_part: int) -> list[Inputs]:
    """The input cut into consecutive ranges of subject ids of about ``events_per_part``
    events each, in the order of the ids; a subject's events are never split."""
    events = inputs.events
    parts = -(-events.height // max(events_per_part, 1))
    if parts <= 1:
        return [inputs]
    # Cut at quantiles of a regular sample of the ids (sorting all of them costs more than
    # the parts save); uneven parts are only a little slower, never wrong.
    step = max(1, events.height // (parts * 64))
    sample = events.get_column("subject").gather_every(step).sort()
    cuts = sample.gather([sample.len() * i // parts for i in range(1, parts)]).unique().sort()
    return inputs.split(cuts)


def one_by_one(parts: list[Inputs]) -> Iterator[Inputs]:
    """``parts`` in order, each let go by the list once the next is asked for: a part is
    evaluated once, and neither its events nor the order it keeps (``Inputs.in_order``) are
    needed after that, while the list would hold every part's until the last."""
    parts.reverse()
    while parts:
        yield parts.pop()


def in_parts(
    engine: ColumnarEngine,
    inputs: Inputs,
    as_of: dt.date,
    table: ResultTable,
    events_per_part: int | None = None,
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, int]]:
    """For each range of subjects in order: its result table, its outcomes on ``as_of``
    and how many events it held. Joined, the tables are exactly the whole population's.

    Events that contradict each other are found part by part, so the first part that has
    any would name only its own; the whole input is then evaluated once more, so that the
    error lists the first problems and the total of all of it, as one evaluation does."""
    try:
        size = EVENTS_PER_PART[table] if events_per_part is None else events_per_part
        for part in one_by_one(subject_ranges(inputs, size)):
            if table == "outcomes":
                found = engine.outcomes(part, as_of=as_of)
                yield found, found, part.events.height
            else:
                result = engine.evaluate(part, as_of=as_of)
                yield getattr(result, table), result.outcomes, part.events.height
    except TableError:
        engine.evaluate(inputs, as_of=as_of)
        raise
