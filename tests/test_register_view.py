"""A register view answers its counts two ways: by looking at each record (a few records) and
by bisecting sorted arrays (more). Both must give what the article's words define: a record
counts on a day if it was entered by then, is still valid (Arts 10, 11, 14: valid for a
period from its entry) and had not been removed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from credit_rules.engine.history import SCAN_UP_TO, Record, RegisterView

_START = dt.date(2008, 1, 1)


@st.composite
def _records(draw: st.DrawFn) -> list[Record]:
    """Records in entry order (as ``build_records`` gives them), some removed, some removed
    on the day they entered, with validities of a few days to a few years."""
    found = []
    for seq in range(draw(st.integers(0, 2 * SCAN_UP_TO))):
        entered = _START + dt.timedelta(days=draw(st.integers(0, 1500)))
        last_valid = entered + dt.timedelta(days=draw(st.integers(0, 800)))
        removed = draw(st.none() | st.integers(0, 900))
        removed_from = None if removed is None else entered + dt.timedelta(days=removed)
        event: Any = None  # the counts never read it
        found.append(Record("r", f"k{seq}", entered, last_valid, removed_from, event, seq))
    return sorted(found, key=lambda record: (record.entered, record.key))


def _days(draw: st.DrawFn) -> dt.date:
    return _START + dt.timedelta(days=draw(st.integers(-10, 2500)))


@settings(max_examples=300)
@given(records=_records(), data=st.data())
def test_looking_at_each_record_and_bisecting_count_alike(
    records: list[Record], data: st.DataObject
) -> None:
    scanning = RegisterView(records, scan_up_to=len(records))
    bisecting = RegisterView(records, scan_up_to=-1)
    assert scanning.scanned and not bisecting.scanned
    for _ in range(5):
        day = _days(data.draw)
        known = day + dt.timedelta(days=data.draw(st.integers(0, 900)))
        on_day = sum(1 for r in records if r.entered <= day <= r.counts_until)
        assert scanning.count_on(day) == bisecting.count_on(day) == on_day
        valid_at = sum(
            1
            for r in records
            if r.entered <= day <= r.last_valid
            and (r.removed_from is None or r.removed_from > known)
        )
        assert scanning.count_valid_at(day, known) == valid_at
        assert bisecting.count_valid_at(day, known) == valid_at
        removals = sorted(r.removed_from for r in records if r.removed_from is not None)
        next_removal = next((removed for removed in removals if removed > known), None)
        assert scanning.next_removal(known) == bisecting.next_removal(known) == next_removal
        # The walk asks both at once (facts.RegisterStep.value_and_change).
        both = (valid_at, next_removal)
        assert scanning.count_valid_and_next_removal(day, known) == both
        assert bisecting.count_valid_and_next_removal(day, known) == both


def test_a_view_of_a_few_records_looks_at_each_and_of_more_bisects() -> None:
    record = Record("r", "k", _START, _START, None, None, 0)  # type: ignore[arg-type]
    assert RegisterView([record] * SCAN_UP_TO).scanned
    assert not RegisterView([record] * (SCAN_UP_TO + 1)).scanned
