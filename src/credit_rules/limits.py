"""How large an input may be, checked before the work each limit protects.

Every front door (ruleset, layer, scenario, overlay and snapshot files, JSON, the Python API)
reads at most ``max_bytes`` of a file, then scans the YAML event stream, which costs time in
proportion to the text, before any node is built: a document whose aliases would expand
(billion laughs), nest too deep or hold too many values is refused at the event that crosses
the limit, with its line. A limit is exceeded with :class:`~credit_rules.errors.LimitExceeded`,
whose ``limit`` names the field to raise here for an input that is legitimately larger.

The defaults are far above the bundled rulesets (Ganzhou: 100 KB, about 2,500 values, 6 levels,
no alias) and far below what hurts: each refusal takes well under a second and 100 MB
(benchmarks/bench_resources.py measures them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from credit_rules.errors import ArgumentError, LimitExceeded, Problem, shown
from credit_rules.i18n import Message


@dataclass(frozen=True)
class Limits:
    """Resource limits of one read; pass ``Limits(max_bytes=...)`` to change one of them."""

    #: Bytes of one file or text (a file is never read further than this).
    max_bytes: int = 4_000_000
    #: Values in one YAML document, counting each alias as the values it stands for.
    max_nodes: int = 100_000
    #: Nesting of mappings and lists in one YAML document.
    max_depth: int = 64
    #: Aliases (``*name``) in one YAML document.
    max_aliases: int = 256
    #: Digits of one integer (a count of 10^30 is already no legal quantity).
    max_int_digits: int = 30
    #: Entries of one list or mapping.
    max_list_length: int = 50_000
    #: Characters of one condition.
    max_expression_length: int = 4_000
    #: Nesting of one condition (``not``, parentheses, function calls, ``if … else``).
    max_expression_depth: int = 50
    #: Layers under one ruleset (``extends`` of ``extends``…).
    max_extends: int = 16
    #: Facts in one chain of derivation (a fact read by a fact read by a fact…, the fact
    #: itself included); ganzhou-2023's longest is 5. Explanations walk such a chain
    #: recursively, and the first walk to fail (``explain --format json``) does so past about
    #: 250 facts, so a chain this limit accepts stays five times inside Python's recursion
    #: limit however deep its caller already is.
    max_fact_depth: int = 50

    def __post_init__(self) -> None:
        # A limit that is not a whole number of at least 1 would fail each read later with
        # an error that says nothing of the limit (a comparison of int with str), or read
        # as no limit at all (NaN compares false with everything).
        for name, value in vars(self).items():
            if type(value) is not int or value < 1:
                raise ArgumentError(
                    Message(
                        "Limits({name}=...) must be a whole number of at least 1, not {value}",
                        name=name,
                        value=shown(value),
                    )
                )


DEFAULT_LIMITS = Limits()

#: The last day any input may name (an event's date, ``as_of``, a ledger's today). A period of
#: up to 1,000 years (:data:`credit_rules.periods.LONGEST`) counted from it, plus a ledger's
#: lookahead, still lands before Python's last date, 9999-12-31, so near the end of the calendar
#: the answer is this clear refusal rather than an overflow halfway through an evaluation.
LAST_DAY = dt.date(7999, 12, 31)


def after_last_day(day: dt.date) -> str | None:
    """Why ``day`` is refused, or None if it may be used."""
    if day > LAST_DAY:
        return f"{day.isoformat()} is after {LAST_DAY.isoformat()}, the last day the library counts"
    return None


def too_large(
    source: str | None,
    limit: str,
    value: int,
    allowed: int,
    what: str,
    *,
    line: int | None = None,
    column: int | None = None,
    field: str = "",
) -> LimitExceeded:
    """The error for ``what`` being over ``limit``, phrased once for every front door."""
    message = Message(
        "{what} exceeds the limit {limit}={allowed:,}; pass Limits({limit}=...) to allow more",
        what=what,
        limit=limit,
        allowed=allowed,
    )
    problem = Problem(message, field=field, line=line, column=column)
    return LimitExceeded(source, problem, limit, value)


def read_capped(path: Path, limits: Limits, source: str) -> bytes:
    """The bytes of ``path``, reading at most one byte past ``max_bytes``: a device such as
    /dev/zero, or a file of 200 MB, is refused after that much and no more. ``OSError`` is
    left to the caller, which words it for its kind of file."""
    chunks: list[bytes] = []
    size = 0
    with path.open("rb") as handle:
        # In pieces: read(max_bytes + 1) would allocate all of max_bytes up front, however
        # small the file.
        while size <= limits.max_bytes:
            chunk = handle.read(min(_CHUNK, limits.max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    check_bytes(size, limits, source)
    return b"".join(chunks)


_CHUNK = 1 << 20


def check_bytes(size: int, limits: Limits, source: str | None) -> None:
    if size > limits.max_bytes:
        raise too_large(source, "max_bytes", size, limits.max_bytes, "the file", line=1)
