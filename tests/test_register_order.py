"""A history in canonical order lists a register's entries in entry order already.

The walk builds each subject's records from its events as ``FrontDoor.canonical`` orders them
(by day, then type, then the key the vocabulary names), and skips sorting the entries when
the register's key is that key (``RegisterSpec.in_entry_order``). Records out of entry order
would make every count by bisection wrong, so the shortcut is held to the sort it skips, on
generated histories of both rulesets with extra entries on one day, listed in any order.
"""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from credit_rules import Engine, bundled
from credit_rules.engine.history import build_records
from credit_rules.testing import strategies as crs

ENGINES = {name: Engine(bundled(name)) for name in ("lianyungang-2007", "ganzhou-2023")}


def _records_both_ways(engine: Engine, history: crs.History, shuffle: random.Random) -> None:
    entries = [e for e in history.events if e.type == "dishonesty_entered"]
    extra = (
        [
            entries[0].model_copy(update={"record": f"{entries[0].record}{tail}"})
            for tail in ("-z", "-a", "-m")
        ]
        if entries
        else []
    )
    events = [*history.events, *extra]
    shuffle.shuffle(events)
    mine = engine._door.canonical(history.subject.kind, events, range(len(events)))
    for spec in engine._program.registers:
        assert spec.in_entry_order  # both bundled registers are keyed by the event's own key
        found = [
            build_records(
                spec.register,
                spec.validity,
                mine.events,
                mine.positions,
                spec.removal,
                mine.early,
                spec.decided_field,
                spec.last_valid_of,
                in_entry_order=in_order,
            )
            for in_order in (True, False)
        ]
        assert found[0] == found[1]


@given(history=crs.lianyungang_histories(max_records=5), seed=st.integers(0, 2**16))
def test_lianyungang_entries_come_in_entry_order(history: crs.History, seed: int) -> None:
    _records_both_ways(ENGINES["lianyungang-2007"], history, random.Random(seed))


@given(history=crs.ganzhou_histories(max_records=3), seed=st.integers(0, 2**16))
def test_ganzhou_entries_come_in_entry_order(history: crs.History, seed: int) -> None:
    _records_both_ways(ENGINES["ganzhou-2023"], history, random.Random(seed))
