"""Long, realistic, deterministic histories of one subject, for complexity tests and benchmarks.

A subject with years of history is where an engine's cost shows: a pharmacy with a decade of
evaluations, objections and repairs, or an insured person with a record entered every week.
These generators lay such a history out procedure by procedure, as the measures prescribe (an
objection follows a publication, a decision follows an objection, a repair follows a
determination), and cut it after ``n`` events. No randomness: the same ``n`` gives the same
history, and the first ``n`` events of a longer history are the history of length ``n``. Each
regulation's generator lives in its module of :mod:`credit_rules.testing.regulations`.
"""

from __future__ import annotations

from typing import Any

from credit_rules.testing.regulations import PACKS
from credit_rules.testing.regulations.ganzhou import ganzhou_history
from credit_rules.testing.regulations.lianyungang import lianyungang_history

__all__ = ["ganzhou_history", "lianyungang_history", "long_history", "long_history_vocabularies"]


def long_history_vocabularies() -> tuple[str, ...]:
    """The vocabularies a long history can be laid out for."""
    return tuple(sorted(PACKS))


def long_history(vocabulary: str, n: int) -> list[dict[str, Any]]:
    """``n`` events of one subject of the regulation ``vocabulary`` names (a ``KeyError`` for
    one without a testing module)."""
    return PACKS[vocabulary].long_history(n)
