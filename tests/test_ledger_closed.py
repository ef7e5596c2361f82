"""A closed ledger answers from what it holds and refuses to change, saying it is closed.

An in-memory ledger took on recording after close() as if nothing had happened, and one on a
journal failed with the database's own "Cannot operate on a closed database".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from credit_rules import Ledger, bundled
from credit_rules.errors import LedgerError

RULESET = bundled("lianyungang-2007")
ENTRY = {"type": "dishonesty_entered", "subject": "p1", "record": "r1"} | {
    "category": "lend_certificate",
    "date": "2008-03-10",
}


@pytest.mark.parametrize("journalled", [False, True])
def test_a_closed_ledger_answers_and_refuses_every_change(journalled: bool, tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "j.db", RULESET) if journalled else Ledger(RULESET)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(ENTRY, recorded_at=dt.date(2008, 3, 10))
    answer = ledger.status("p1", dt.date(2008, 3, 10))
    ledger.close()
    for change in (
        lambda: ledger.record({**ENTRY, "record": "r2"}, recorded_at=dt.date(2008, 3, 11)),
        lambda: ledger.add_subject({"id": "p2", "kind": "insured_person"}),
        lambda: ledger.advance(dt.date(2009, 1, 1)),
        lambda: ledger.acknowledge([]),
    ):
        with pytest.raises(LedgerError, match="is closed: open it again"):
            change()
    assert ledger.status("p1", dt.date(2008, 3, 10)) == answer
    assert (len(ledger), ledger.seq, ledger.today) == (1, 1, dt.date(2008, 3, 10))
