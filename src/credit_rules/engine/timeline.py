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
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any, Final

from credit_rules.engine.history import Occasion

_ONE_DAY = dt.timedelta(days=1)
_END = dt.date.max

#: Where an occasion's pieces go among a rule's (see :func:`_join`): its day, the id it
#: names (or ""), its kind (``on``) and its trigger's place in the history (``seq``, or 0),
#: made once per occasion by the walk.
Place = tuple[dt.date, str, str, int]


Piece = tuple[int, str | None, int, Occasion, dt.date, dt.date | None, Any, Place]
"""A rule's days on one trigger over one stretch: the rule's index, group and priority, the
trigger's occasion, the first and last day (inclusive; None for open-ended), the facts it
was found on, and the occasion's :data:`Place`. A plain tuple, read by the positions below
or unpacked: a subject's walk makes one per firing (a population's by the million), and a
named tuple is made through a call of ``tuple.__new__``, a dataclass through its
``__init__``, each several times the cost of the tuple itself."""

RULE: Final = 0
GROUP: Final = 1
PRIORITY: Final = 2
OCCASION: Final = 3
START: Final = 4
STOP: Final = 5
ENV: Final = 6
PLACE: Final = 7


def with_days(piece: Piece, first: dt.date, last: dt.date | None) -> Piece:
    """``piece`` over the days from ``first`` to ``last`` instead."""
    rule, group, priority, occasion, _, _, env, place = piece
    return (rule, group, priority, occasion, first, last, env, place)


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


def resolve(
    free: Iterable[Piece], grouped: Iterable[Piece] = (), joinable: bool = True
) -> list[Piece]:
    """Apply group precedence, then join touching pieces of the same rule and trigger.

    ``free`` are pieces of no group, which nothing outranks, and ``grouped`` the others.
    ``joinable`` False says no two pieces of one rule and trigger come from different
    stretches (the walk knows), so that none can touch another: they are only put in order.
    """
    kept: list[Piece] = list(free)
    groups: dict[str, list[Piece]] = {}
    for piece in grouped:
        group = piece[GROUP]
        if group is None:
            kept.append(piece)
            continue
        members = groups.get(group)
        if members is None:
            groups[group] = [piece]
        else:
            members.append(piece)
    for members in groups.values():
        if len(members) == 1 or _apart(members):
            # No two of them share a day: none is outranked on any of its days, and each is
            # kept as it is (the ranking below would find the same). A subject with a few
            # records has its group's measures years apart, so this is the common case.
            kept.extend(members)
            continue
        members.sort(key=lambda p: (-p[PRIORITY], -p[OCCASION].date.toordinal(), p[RULE]))
        covered = Cover()
        for piece in members:
            start, stop = piece[START], piece[STOP]
            gaps = covered.gaps(start, stop)
            if len(gaps) == 1 and gaps[0] == (start, stop):
                kept.append(piece)  # outranked on none of its days: kept as it is
            else:
                # The parts of one piece, with days between them: none touches another.
                kept.extend(with_days(piece, first, last) for first, last in gaps)
            covered.add(start, stop)
    if not joinable:
        kept.sort(key=_JOIN_ORDER)  # in _join's order, with nothing to join
        return kept
    return _join(kept)


_BY_START = itemgetter(START)


def _apart(members: Sequence[Piece]) -> bool:
    """Whether no two of ``members`` share a day."""
    if len(members) == 2:
        (_, _, _, _, one_start, one_stop, _, _), (_, _, _, _, other_start, other_stop, _, _) = (
            members
        )
        return (one_stop is not None and one_stop < other_start) or (
            other_stop is not None and other_stop < one_start
        )
    ordered = sorted(members, key=_BY_START)
    end = ordered[0][STOP]
    for piece in ordered[1:]:
        if end is None or piece[START] <= end:
            return False
        end = piece[STOP]
    return True


#: By rule, then trigger (its place), then day: read in C, with no Python call per piece.
_JOIN_ORDER = itemgetter(RULE, PLACE, START)


def _join(pieces: list[Piece]) -> list[Piece]:
    # By rule, then trigger, then day, so that each trigger's pieces of a rule are next to
    # each other: two triggers of one day and key (two applications of one id on one day)
    # would otherwise interleave, and neither's touching pieces would be joined. A trigger's
    # place in the history (seq) tells such twins apart, in the history's order.
    pieces.sort(key=_JOIN_ORDER)
    joined: list[Piece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last[RULE] == piece[RULE]
            and last[OCCASION] is piece[OCCASION]
            and (stop := last[STOP]) is not None
            and stop + _ONE_DAY == piece[START]
        ):
            # The later piece's facts describe the situation that holds at the end.
            rule, group, priority, occasion, start, _, _, place = last
            joined[-1] = (rule, group, priority, occasion, start, piece[STOP], piece[ENV], place)
        else:
            joined.append(piece)
    return joined
