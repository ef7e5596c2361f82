"""From pieces of measures found stretch by stretch to the decisions a person reads.

Rules are assessed on each stretch of days over which what a trigger's rules read does not
change. Each firing gives a *piece*: a rule, its trigger, and the days of that stretch it
covers. Within a group (a ladder of measures such as Lianyungang Arts 9–11) one measure applies
on any day: the one of highest priority, and among equals the one whose trigger is most recent,
because a new entry restarts the term (Lianyungang Art 10: "最近一次失信信息录入之日起"). Pieces of
the same rule and trigger that touch are then joined into one decision.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credit_rules.engine.history import Occasion

_ONE_DAY = dt.timedelta(days=1)
_END = dt.date.max


@dataclass(slots=True)
class Piece:
    rule: int
    group: str | None
    priority: int
    occasion: Occasion
    start: dt.date
    stop: dt.date | None  # inclusive; None means open-ended
    env: Any


class Cover:
    """A union of day intervals, kept as sorted, disjoint, non-touching [first, last] pairs."""

    __slots__ = ("firsts", "lasts")

    def __init__(self) -> None:
        self.firsts: list[dt.date] = []
        self.lasts: list[dt.date] = []

    def add(self, first: dt.date, last: dt.date | None) -> None:
        last = _END if last is None else last
        if first > last:
            return
        # Every interval that overlaps or touches [first, last] is merged into it.
        low = bisect.bisect_left(self.lasts, first - _ONE_DAY) if first > dt.date.min else 0
        high = bisect.bisect_right(self.firsts, last + _ONE_DAY if last < _END else last)
        if low < high:
            first = min(first, self.firsts[low])
            last = max(last, self.lasts[high - 1])
        self.firsts[low:high] = [first]
        self.lasts[low:high] = [last]

    def until(self, day: dt.date) -> dt.date | None:
        """The last day of the covered run holding ``day``, or None if ``day`` is not covered."""
        index = bisect.bisect_right(self.firsts, day) - 1
        if index >= 0 and self.lasts[index] >= day:
            return self.lasts[index]
        return None

    def gaps(self, first: dt.date, last: dt.date | None) -> list[tuple[dt.date, dt.date | None]]:
        """The parts of [first, last] not covered."""
        end = _END if last is None else last
        parts: list[tuple[dt.date, dt.date | None]] = []
        index = max(bisect.bisect_right(self.firsts, first) - 1, 0)
        cursor = first
        while index < len(self.firsts) and self.firsts[index] <= end:
            c_first, c_last = self.firsts[index], self.lasts[index]
            index += 1
            if c_last < cursor:
                continue
            if c_first > cursor:
                parts.append((cursor, c_first - _ONE_DAY))
            if c_last >= end:
                return parts
            cursor = c_last + _ONE_DAY
        parts.append((cursor, last))
        return parts


def resolve(pieces: Iterable[Piece]) -> list[Piece]:
    """Apply group precedence, then join touching pieces of the same rule and trigger."""
    grouped: dict[str | None, list[Piece]] = {}
    for piece in pieces:
        grouped.setdefault(piece.group, []).append(piece)
    kept: list[Piece] = list(grouped.pop(None, []))
    for members in grouped.values():
        if len(members) == 1:
            kept.append(members[0])  # nothing to outrank it
            continue
        members.sort(key=lambda p: (-p.priority, -p.occasion.date.toordinal(), p.rule))
        covered = Cover()
        for piece in members:
            gaps = covered.gaps(piece.start, piece.stop)
            if len(gaps) == 1 and gaps[0] == (piece.start, piece.stop):
                kept.append(piece)  # outranked on none of its days: kept as it is
            else:
                kept.extend(
                    Piece(
                        piece.rule,
                        piece.group,
                        piece.priority,
                        piece.occasion,
                        first,
                        last,
                        piece.env,
                    )
                    for first, last in gaps
                )
            covered.add(piece.start, piece.stop)
    return _join(kept)


def _join(pieces: list[Piece]) -> list[Piece]:
    # By rule, then trigger, then day, so that each trigger's pieces of a rule are next to
    # each other: two triggers of one day and key (two applications of one id on one day)
    # would otherwise interleave, and neither's touching pieces would be joined. A trigger's
    # place in the history (seq) tells such twins apart, in the history's order.
    pieces.sort(
        key=lambda p: (
            p.rule,
            p.occasion.date,
            p.occasion.key or "",
            p.occasion.on,
            p.occasion.trigger.seq or 0,
            p.start,
        )
    )
    joined: list[Piece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.rule == piece.rule
            and last.occasion is piece.occasion
            and last.stop is not None
            and last.stop + _ONE_DAY == piece.start
        ):
            # The later piece's facts describe the situation that holds at the end.
            last.stop = piece.stop
            last.env = piece.env
        else:
            joined.append(piece)
    return joined
