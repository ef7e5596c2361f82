"""Transaction time: the day the ledger learned of an event, from a clock the caller supplies.

Valid time stays on the events (``event.date``). Transaction time (``recorded_at``) decides what
"known at Y" means, so it must never go backwards across the ledger, or an answer about Y would
change after Y. Producers do not share a clock, though: a second producer sending yesterday's
date is normal, not an error. So the ledger asks a clock for each call's transaction day,
passing the day the caller proposes (or None) and the ledger's last one; the clock's answer is
checked never to go back.

- :class:`ForwardClock` (the default) takes the proposed day, or the ledger's last day if that
  is later: several producers write without tripping each other, and time only moves forward.
- :class:`StrictClock` refuses a proposed day before the ledger's last (the old behaviour:
  :class:`~credit_rules.errors.LedgerClockError`), for a single producer who wants to know.

Both refuse a proposed day more than ``max_leap`` days (3,653, ten years, by default) after
the ledger's last (:class:`~credit_rules.errors.LedgerClockLeap`): since today never goes
back, one mistyped year (7999, 2205 or 2052 for 2025) would otherwise hold every later call,
for good, at that day. Ten years, because a small ledger may well see no event for a few
years; a year off by ten or less (2035 for 2025) is therefore not caught. A bulk load holds
each step between its recording days to the same bound. A real leap is made on purpose with
``Ledger.advance``, or with ``max_leap=None``.
- :class:`SourceClock` reads a day from a callable the service supplies (its own clock, in its
  own time zone), clamped forward; the library itself never reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from credit_rules.errors import LedgerArgumentError, LedgerClockError, LedgerClockLeap, shown
from credit_rules.i18n import Message


class Clock(Protocol):
    def stamp(self, proposed: dt.date | None, last: dt.date | None) -> dt.date:
        """The transaction day of a call: never before ``last`` (the ledger's today)."""
        ...


#: How many days after the ledger's today a caller may propose, by default: ten years.
MAX_LEAP = 3653


def max_leap_of(clock: object) -> int | None:
    """The longest step between two recording days ``clock`` allows (None: any). A clock the
    caller wrote (:class:`Clock`) may not say; a bulk load, which stamps no day through the
    clock, holds its steps to this."""
    leap = getattr(clock, "max_leap", None)
    return leap if isinstance(leap, int) and not isinstance(leap, bool) else None


class _Bounded:
    """A clock that refuses a proposed day more than ``max_leap`` days after the last."""

    def __init__(self, *, max_leap: int | None = MAX_LEAP) -> None:
        if max_leap is not None and (
            not isinstance(max_leap, int) or isinstance(max_leap, bool) or max_leap < 1
        ):
            raise LedgerArgumentError(
                Message(
                    "max_leap must be a whole number of days, 1 or more (or None), got {value}",
                    value=shown(max_leap),
                )
            )
        self.max_leap = max_leap

    def _within_leap(self, proposed: dt.date, last: dt.date | None) -> dt.date:
        if (
            self.max_leap is not None
            and last is not None
            and (proposed - last).days > self.max_leap
        ):
            raise LedgerClockLeap(proposed, last, self.max_leap)
        return proposed


class ForwardClock(_Bounded):
    """The proposed day, or the ledger's last day if that is later."""

    def stamp(self, proposed: dt.date | None, last: dt.date | None) -> dt.date:
        if proposed is None:
            if last is None:
                raise LedgerClockError(Message("recorded_at"), None, None)
            return last
        return self._within_leap(proposed, last) if last is None or proposed > last else last


class StrictClock(_Bounded):
    """The proposed day, refused if it is before the ledger's last day."""

    def stamp(self, proposed: dt.date | None, last: dt.date | None) -> dt.date:
        if proposed is None or (last is not None and proposed < last):
            raise LedgerClockError(Message("recorded_at"), proposed, last)
        return self._within_leap(proposed, last)


class SourceClock:
    """Days from ``source()`` (the service's clock), ignoring what callers propose."""

    def __init__(self, source: Callable[[], dt.date]) -> None:
        self._source = source

    def stamp(self, proposed: dt.date | None, last: dt.date | None) -> dt.date:
        day = self._source()
        return day if last is None or day > last else last
