"""Whole populations in columns: the columnar backend (docs/batch.md).

Events and subjects come as Arrow tables, Polars frames or Parquet files; a ruleset compiles
once into Polars plans; decisions, duties and the outcomes on a day come back as Polars frames.
The per-subject engine (:class:`credit_rules.Engine`) is its reference: tests require the same
rows. This package needs ``polars`` and ``pyarrow``; ``import credit_rules`` never loads it.
"""

from __future__ import annotations

from credit_rules.columnar.backend import ColumnarEngine, ColumnarResult, evaluate
from credit_rules.columnar.inputs import Inputs, read_inputs

__all__ = ["ColumnarEngine", "ColumnarResult", "Inputs", "evaluate", "read_inputs"]
