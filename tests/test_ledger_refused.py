"""A loaded subject whose history the engine refuses is held aside; the ledger goes on.

A bulk load without ``check`` (the default) does not evaluate what it loads, so it may hold a
history the engine refuses: one record entered twice, say. The journal is append-only and no
later event can take such a record back. If finding it refused every call that lets time
pass, as it did, one bad row of a bureau's export would stop the whole ledger for good. So the
subject is held aside (``refused_subjects``): no outcomes, in no answer, its own questions and
events refused as before, and every other subject served as if it were not there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_exports import day, entered
from ledger_journals import JournalFactory, journal_factory  # noqa: F401  (a fixture)

from credit_rules import Engine, Ledger, bundled
from credit_rules.errors import CreditRulesError, EventRejected

LIANYUNGANG = bundled("lianyungang-2007")
PEOPLE = [{"id": sid, "kind": "insured_person"} for sid in ("p1", "q", "r")]
#: p1's record r1 twice (refused by the engine); q one record; r two within five years.
LOADED = [
    (day("2008-03-10"), entered("r1", "2008-03-10", "p1")),
    (day("2008-03-10"), entered("r1", "2008-03-10", "p1")),
    (day("2008-03-10"), entered("q1", "2008-03-10", "q")),
    (day("2008-03-10"), entered("a", "2008-01-07", "r")),
    (day("2008-03-10"), entered("b", "2008-03-10", "r")),
]
LATER = day("2008-05-01")


def _measures_by_engine(events: list[dict[str, object]], subject: str, as_of: dt.date) -> set[str]:
    """What the engine itself says applies to ``subject``: the expectation, not the ledger's."""
    mine = [e for e in events if e["subject"] == subject]
    found = Engine(LIANYUNGANG).outcomes(
        [{"id": subject, "kind": "insured_person"}], mine, as_of=as_of
    )
    return set(found.get(subject, frozenset()))


def _loaded(journal_factory: JournalFactory) -> Ledger:  # noqa: F811
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.bulk_load(PEOPLE, LOADED)
    return ledger


def test_time_passes_for_everyone_else_and_the_refused_subject_is_listed(
    journal_factory: JournalFactory,  # noqa: F811
) -> None:
    ledger = _loaded(journal_factory)
    q2 = entered("q2", "2008-05-01", "q")
    ledger.record(q2, recorded_at=LATER)
    ledger.advance(day("2008-05-03"))
    refused = ledger.refused_subjects()
    assert list(refused) == ["p1"]
    assert "p1" in refused["p1"] and "entered twice" in refused["p1"]
    events = [*(event for _, event in LOADED), q2]
    as_of = day("2008-05-03")
    want = {sid: _measures_by_engine(events, sid, as_of) for sid in ("q", "r")}
    assert want["r"], "the scenario needs r under a measure"
    for measure in sorted(set().union(*want.values())):
        holders = tuple(sid for sid in ("q", "r") if measure in want[sid])
        assert ledger.subjects_with(measure, as_of) == holders
    ledger.agenda(as_of, horizon=30)  # answers, passing p1 by
    ledger.overdue(as_of)
    with pytest.raises(CreditRulesError, match="entered twice"):
        ledger.status("p1", as_of)
    assert ledger.status("r", as_of).outcomes("r") == frozenset(want["r"])
    ledger.close()


def test_an_event_for_the_refused_subject_is_refused_and_the_ledger_goes_on(
    journal_factory: JournalFactory,  # noqa: F811
) -> None:
    ledger = _loaded(journal_factory)
    seq = ledger.seq
    with pytest.raises(EventRejected, match="entered twice"):
        ledger.record(entered("r2", "2008-05-01", "p1"), recorded_at=LATER)
    assert ledger.seq == seq
    assert "p1" in ledger.refused_subjects()
    ledger.record(entered("q2", "2008-05-02", "q"), recorded_at=day("2008-05-02"))
    assert ledger.seq == seq + 1
    ledger.close()


def test_reopened_from_its_journal_the_subject_is_held_aside_again(
    journal_factory: JournalFactory,  # noqa: F811
) -> None:
    ledger = _loaded(journal_factory)
    ledger.advance(LATER)
    before = ledger.subjects_with("cash_settlement", LATER)
    seq = ledger.seq
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert reopened.seq == seq
    reopened.advance(day("2008-05-02"))
    assert list(reopened.refused_subjects()) == ["p1"]
    assert reopened.subjects_with("cash_settlement", LATER) == before
    reopened.close()


def test_a_subject_refused_after_a_second_load_keeps_nothing_of_what_it_had(
    journal_factory: JournalFactory,  # noqa: F811
) -> None:
    """r is under measures after the first load; a second load enters one of its records
    again. Its earlier outcomes, timeline and actions must not answer for the new history."""
    ledger = _loaded(journal_factory)
    ledger.warm(freeze=False)
    events = [event for _, event in LOADED]
    measures = _measures_by_engine(events, "r", LATER)
    assert measures and all(ledger.subjects_with(m, LATER) == ("r",) for m in measures)
    told = {n.id for n in ledger.pending(1000)}
    ledger.bulk_load([], [(LATER, entered("b", "2008-03-10", "r"))])
    ledger.advance(day("2008-05-02"))
    assert sorted(ledger.refused_subjects()) == ["p1", "r"]
    assert all(ledger.subjects_with(m, LATER) == () for m in measures)
    assert not any(action.subject == "r" for action in ledger.agenda(LATER, horizon=400))
    # Past the day r's measures would have ended (its old wake): time passes, and nothing
    # is said of r, whose outcomes the ledger no longer knows (refused_subjects says why).
    ledger.advance(day("2010-05-02"))
    assert not [n for n in ledger.pending(1000) if n.id not in told and n.subject == "r"]
    ledger.record(entered("q2", "2010-05-02", "q"), recorded_at=day("2010-05-02"))
    ledger.close()
