"""Subscribers are told, in date order, what starts and stops applying: when an event is
recorded, and when time passes (``advance``). The durable-rules backend tells the same."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from credit_rules import Ledger, Subject, bundled
from credit_rules.errors import LedgerClockError
from credit_rules.ledger import Change

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
CATEGORIES = ["lend_certificate", "use_others_certificate", "forge_documents", "resell_drugs"]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def entered(record: str, date: str, subject: str = "p1") -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "lend_certificate",
        "date": date,
    }


class Log:
    """A subscriber that notes each call with the ledger's today at the time."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.calls: list[tuple[str, str, list[str], list[str]]] = []

    def __call__(self, subject: Subject, gained: frozenset[str], lost: frozenset[str]) -> None:
        today = self.ledger.today
        assert today is not None
        self.calls.append((today.isoformat(), subject.id, sorted(gained), sorted(lost)))


def lianyungang(*subjects: str) -> tuple[Ledger, Log]:
    ledger = Ledger(LIANYUNGANG)
    for subject in subjects:
        ledger.add_subject({"id": subject, "kind": "insured_person"})
    log = Log(ledger)
    ledger.subscribe(log)
    return ledger, log


def test_art9_art10_recording_an_entry_reports_the_measures_it_brings_today() -> None:
    ledger, log = lianyungang("p1")
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    assert log.calls == [("2008-03-10", "p1", ["written_warning"], [])]
    ledger.record(entered("r2", "2008-06-01"), recorded_at=day("2008-06-01"))
    assert log.calls[1:] == [
        # The one-day warning (Art 9) ended by itself; time passing is reported first.
        ("2008-03-11", "p1", [], ["written_warning"]),
        ("2008-06-01", "p1", ["audit_flag", "cash_settlement"], []),
    ]


def test_art13_recording_a_correction_reports_the_measures_it_lifts() -> None:
    ledger, log = lianyungang("p2")
    ledger.record_many(
        [entered("r1", "2008-03-10", "p2"), entered("r2", "2009-05-20", "p2")],
        recorded_at=day("2009-05-20"),
    )
    ledger.record(
        {
            "type": "record_corrected",
            "subject": "p2",
            "record": "r2",
            "action": "removed",
            "date": "2009-05-20",
            "decided_on": "2009-07-01",
        },
        recorded_at=day("2009-07-01"),
    )
    assert log.calls == [
        ("2009-05-20", "p2", ["audit_flag", "cash_settlement"], []),
        ("2009-07-01", "p2", [], ["audit_flag", "cash_settlement"]),
    ]


def test_an_event_that_changes_nothing_today_calls_nobody() -> None:
    ledger, log = lianyungang("p1")
    ledger.record(
        {"type": "query_requested", "subject": "p1", "date": "2008-03-10"},
        recorded_at=day("2008-03-10"),
    )
    ledger.record(entered("r1", "2008-05-01"), recorded_at=day("2008-04-01"))  # effective later
    assert log.calls == []
    ledger.advance(day("2008-05-01"))
    assert log.calls == [("2008-05-01", "p1", ["written_warning"], [])]


def test_art10_art11_advance_reports_the_ends_of_measures_in_date_order() -> None:
    ledger, log = lianyungang("a", "b", "c")
    ledger.record_many(
        [
            entered("r1", "2008-01-15", "a"),
            entered("r2", "2008-02-01", "a"),
            entered("r1", "2008-01-20", "b"),
            entered("r2", "2008-01-20", "b"),
            entered("r3", "2008-01-25", "b"),
            entered("r1", "2008-02-01", "c"),
        ],
        recorded_at=day("2008-02-01"),
    )
    log.calls.clear()
    changes = ledger.advance(day("2009-12-31"))
    expected = [
        ("2008-02-02", "c", [], ["written_warning"]),
        # b: three records on 2008-01-25, time-limited reimbursement for one year (Art 11).
        ("2009-01-26", "b", [], ["audit_flag", "time_limited_reimbursement"]),
        # a: two records on 2008-02-01, cash settlement for one year (Art 10(一)).
        ("2009-02-02", "a", [], ["audit_flag", "cash_settlement"]),
    ]
    assert log.calls == expected
    assert [
        (c.on.isoformat(), c.subject, sorted(c.gained), sorted(c.lost)) for c in changes
    ] == expected
    assert all(isinstance(c, Change) and c.cause == "time" and c.seq is None for c in changes)
    assert ledger.today == day("2009-12-31")


def test_ganzhou_art15_advance_reports_the_ban_lifting_the_day_after_its_last_day() -> None:
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    log = Log(ledger)
    ledger.subscribe(log)
    ledger.record(
        {"type": "agreement_terminated", "subject": "mi1", "date": "2024-02-29"},
        recorded_at=day("2024-02-29"),
    )
    assert ledger.advance(day("2027-02-28")) == ()
    changes = ledger.advance(day("2027-03-01"))
    assert [(c.on, c.lost) for c in changes] == [(day("2027-03-01"), {"application_ban"})]
    assert log.calls == [
        ("2024-02-29", "mi1", ["application_ban"], []),
        ("2027-03-01", "mi1", [], ["application_ban"]),
    ]


def test_advance_never_goes_back_and_advancing_to_today_is_a_no_op() -> None:
    ledger, _ = lianyungang("p1")
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    assert ledger.advance(day("2008-03-10")) == ()
    with pytest.raises(LedgerClockError):
        ledger.advance(day("2008-03-09"))
    assert ledger.today == day("2008-03-10")


def test_unsubscribe_stops_the_calls_and_callbacks_may_read_the_ledger() -> None:
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    seen: list[frozenset[str]] = []

    def reads(subject: Subject, gained: frozenset[str], lost: frozenset[str]) -> None:
        today = ledger.today
        assert today is not None
        seen.append(ledger.status(subject.id, today).outcomes(subject.id))

    unsubscribe = ledger.subscribe(reads)
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    unsubscribe()
    ledger.record(entered("r2", "2008-04-10"), recorded_at=day("2008-04-10"))
    assert seen == [frozenset({"written_warning"})]


# -- the durable-rules backend tells the same ---------------------------------------------


def feed(seed: int, subjects: int = 6) -> list[tuple[dt.date, dict[str, Any]]]:
    """A reproducible Lianyungang feed: entries, objections and corrections, in recorded order."""
    rng = random.Random(seed)
    items: list[tuple[dt.date, int, dict[str, Any]]] = []
    for n in range(subjects):
        subject = f"p{n}"
        for k in range(rng.randint(0, 4)):
            on = day("2008-01-01") + dt.timedelta(days=rng.randint(0, 1500))
            items.append(
                (
                    on,
                    len(items),
                    {
                        **entered(f"r{k}", on.isoformat(), subject),
                        "category": rng.choice(CATEGORIES),
                    },
                )
            )
            if rng.random() < 0.3:
                decided = on + dt.timedelta(days=rng.randint(1, 60))
                effect = on if rng.random() < 0.5 else decided
                items.append(
                    (
                        decided,
                        len(items),
                        {
                            "type": "record_corrected",
                            "subject": subject,
                            "record": f"r{k}",
                            "action": rng.choice(["removed", "amended"]),
                            "date": effect.isoformat(),
                            "decided_on": decided.isoformat(),
                        },
                    )
                )
    items.sort(key=lambda item: (item[0], item[1]))
    return [(recorded_at, event) for recorded_at, _, event in items]


def run(backend: Any, seed: int) -> tuple[list[Any], list[Any], list[Any]]:
    ledger = Ledger(LIANYUNGANG, backend=backend)
    with ledger:
        for n in range(6):
            ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
        log = Log(ledger)
        ledger.subscribe(log)
        for recorded_at, event in feed(seed):
            ledger.record(event, recorded_at=recorded_at)
        ledger.advance(day("2013-01-01"))
        answers = [
            ledger.status(f"p{n}", day(as_of)).model_dump()
            for n in range(6)
            for as_of in ("2008-06-30", "2009-06-30", "2010-06-30", "2012-12-31")
        ]
        listed = [ledger.subjects_with("cash_settlement", day("2010-06-30"))]
        return log.calls, answers, listed


@pytest.mark.parametrize("seed", range(4))
def test_the_durable_backend_reports_and_answers_exactly_as_the_closures(seed: int) -> None:
    pytest.importorskip("durable_rules_engine")
    assert run("durable", seed) == run("closures", seed)


def test_a_failing_callback_undoes_nothing_and_costs_no_other_subscriber_its_call() -> None:
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.add_subject({"id": "p2", "kind": "insured_person"})

    def broken(subject: Subject, gained: frozenset[str], lost: frozenset[str]) -> None:
        raise RuntimeError(f"cannot send mail about {subject.id}")

    log = Log(ledger)
    ledger.subscribe(broken)
    ledger.subscribe(log)
    with pytest.raises(RuntimeError, match="about p1") as caught:
        ledger.record_many(
            [entered("r1", "2008-03-10", "p1"), entered("r1", "2008-03-10", "p2")],
            recorded_at=day("2008-03-10"),
        )
    assert "1 more exception" in "".join(caught.value.__notes__)
    assert len(ledger) == 2
    assert [subject for _, subject, _, _ in log.calls] == ["p1", "p2"]
    with pytest.raises(RuntimeError):
        ledger.advance(day("2008-12-31"))
    assert ledger.today == day("2008-12-31")
    assert [(on, subject) for on, subject, _, _ in log.calls[2:]] == [
        ("2008-03-11", "p1"),
        ("2008-03-11", "p2"),
    ]
