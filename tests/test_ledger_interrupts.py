"""An interrupt (Ctrl-C, a signal handler's exception) can land between any two steps of a
ledger write, even just after BEGIN has returned or just before COMMIT starts, outside every
narrower guard. Whatever the write and wherever it lands, on SQLite and on a real PostgreSQL
server: no transaction is left open, a write that had not changed memory leaves the ledger
usable and unchanged, and one that had stops the ledger, whose journal then reopens to the
state before the write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ledger_exports import day, entered
from ledger_journals import JournalFactory, ledger_with_one_event

from credit_rules import Ledger, bundled
from credit_rules.errors import JournalError

LIANYUNGANG = bundled("lianyungang-2007")

#: Each kind of write, made on the ledger of :func:`ledger_with_one_event`.
WRITES: dict[str, Callable[[Ledger], Any]] = {
    "record": lambda ledger: ledger.record(
        entered("r2", "2009-01-06", "p0"), recorded_at=day("2009-01-06")
    ),
    "record_many": lambda ledger: ledger.record_many(
        [entered("r2", "2009-01-06", "p0"), entered("r3", "2009-01-06", "p0")],
        recorded_at=day("2009-01-06"),
    ),
    "add_subject": lambda ledger: ledger.add_subject({"id": "q0", "kind": "insured_person"}),
    "advance": lambda ledger: ledger.advance(day("2009-06-01")),
    "bulk_load": lambda ledger: ledger.bulk_load(
        [{"id": "q0", "kind": "insured_person"}],
        [(day("2009-01-06"), entered("r1", "2009-01-06", "q0"))],
        freeze=False,
    ),
}


def _after_begin(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = ledger.journal
    assert journal is not None
    begin = journal.begin

    def interrupted(expect: tuple[int, int]) -> bool:
        if begin(expect):
            raise KeyboardInterrupt("simulated, BEGIN has returned")
        return False

    monkeypatch.setattr(journal, "begin", interrupted)


def _before_commit(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt("simulated, memory has changed, COMMIT not begun")

    monkeypatch.setattr(ledger, "_finish", interrupted)


#: Where the interrupt lands, and whether memory had changed by then (the ledger stops).
INTERRUPTS = {"just after BEGIN": (_after_begin, False), "before COMMIT": (_before_commit, True)}


@pytest.mark.parametrize("where", sorted(INTERRUPTS))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_an_interrupt_inside_a_write_leaves_no_transaction_open(
    journal_factory: JournalFactory, monkeypatch: pytest.MonkeyPatch, write: str, where: str
) -> None:
    ledger = ledger_with_one_event(journal_factory)
    interrupt, stops = INTERRUPTS[where]
    interrupt(ledger, monkeypatch)
    with pytest.raises(KeyboardInterrupt, match="simulated"):
        WRITES[write](ledger)
    monkeypatch.undo()
    if stops:
        # Memory may hold what the journal does not: the ledger refuses to go on, and its
        # journal reopens to the state before the write.
        with pytest.raises(JournalError, match="stopped after a failed journal write"):
            ledger.record(entered("r9", "2010-01-04", "p0"), recorded_at=day("2010-01-04"))
        ledger.close()
        ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    assert ledger.subject_ids() == ("p0",)
    assert [event.seq for event in ledger.history("p0")] == [1]
    assert ledger.today == day("2008-03-10")
    # The transaction was rolled back: the same write begins one of its own, and succeeds.
    WRITES[write](ledger)
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    if write in ("add_subject", "bulk_load"):
        assert reopened.subject_ids() == ("p0", "q0")
    elif write == "advance":
        assert reopened.today == day("2009-06-01")
    else:
        assert len(reopened.history("p0")) == (2 if write == "record" else 3)
    reopened.close()


def test_a_ledger_without_a_journal_stops_and_says_there_is_nothing_to_reopen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject({"id": "p0", "kind": "insured_person"})
    _before_commit(ledger, monkeypatch)
    with pytest.raises(KeyboardInterrupt, match="simulated"):
        WRITES["record"](ledger)
    monkeypatch.undo()
    with pytest.raises(JournalError, match="no journal to reopen from") as stopped:
        WRITES["add_subject"](ledger)
    assert "reopen it from its journal" not in str(stopped.value)
    assert "请新建台账" in stopped.value.render("zh")
