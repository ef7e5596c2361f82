"""From pieces of measures found segment by segment to the decisions a person reads.

Rules are assessed on each stretch of days over which a subject's history does not change.
Each firing gives a *piece*: a rule, its trigger, and the days of that stretch it covers. Within
a group (a ladder of measures such as Lianyungang Arts 9–11) one measure applies on any day:
the one of highest priority, and among equals the one whose trigger is most recent, because a
new entry restarts the term (Lianyungang Art 10: "最近一次失信信息录入之日起"). Pieces of the
same rule and trigger that touch are then joined into one decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credit_rules.engine.history import Trigger

_ONE_DAY = dt.timedelta(days=1)


@dataclass(slots=True)
class Piece:
    rule: int
    group: str | None
    priority: int
    trigger: Trigger
    start: dt.date
    stop: dt.date | None  # inclusive; None means open-ended
    env: Any


def _before(day: dt.date) -> dt.date:
    return day - _ONE_DAY


def _subtract(
    start: dt.date, stop: dt.date | None, covered: list[tuple[dt.date, dt.date | None]]
) -> list[tuple[dt.date, dt.date | None]]:
    """The parts of [start, stop] not inside any covered interval."""
    parts: list[tuple[dt.date, dt.date | None]] = [(start, stop)]
    for c_start, c_stop in covered:
        remaining: list[tuple[dt.date, dt.date | None]] = []
        for p_start, p_stop in parts:
            overlaps = (c_stop is None or p_start <= c_stop) and (
                p_stop is None or c_start <= p_stop
            )
            if not overlaps:
                remaining.append((p_start, p_stop))
                continue
            if p_start < c_start:
                remaining.append((p_start, _before(c_start)))
            if c_stop is not None and (p_stop is None or c_stop < p_stop):
                remaining.append((c_stop + _ONE_DAY, p_stop))
        parts = remaining
    return parts


def resolve(pieces: Iterable[Piece]) -> list[Piece]:
    """Apply group precedence, then join touching pieces of the same rule and trigger."""
    grouped: dict[str | None, list[Piece]] = {}
    for piece in pieces:
        grouped.setdefault(piece.group, []).append(piece)
    kept: list[Piece] = list(grouped.pop(None, []))
    for members in grouped.values():
        members.sort(key=lambda p: (-p.priority, -p.trigger.date.toordinal(), p.rule))
        covered: list[tuple[dt.date, dt.date | None]] = []
        for piece in members:
            for start, stop in _subtract(piece.start, piece.stop, covered):
                kept.append(
                    Piece(
                        piece.rule,
                        piece.group,
                        piece.priority,
                        piece.trigger,
                        start,
                        stop,
                        piece.env,
                    )
                )
            covered.append((piece.start, piece.stop))
    return _join(kept)


def _join(pieces: list[Piece]) -> list[Piece]:
    pieces.sort(key=lambda p: (p.rule, p.trigger.date, p.trigger.key, p.start))
    joined: list[Piece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.rule == piece.rule
            and last.trigger is piece.trigger
            and last.stop is not None
            and last.stop + _ONE_DAY == piece.start
        ):
            # The later piece's facts describe the situation that holds at the end.
            joined[-1] = Piece(
                last.rule,
                last.group,
                last.priority,
                last.trigger,
                last.start,
                piece.stop,
                piece.env,
            )
        else:
            joined.append(piece)
    return joined
