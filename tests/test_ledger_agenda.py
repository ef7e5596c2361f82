"""The agenda lists what the administration owes, by due day, across Spring Festival; overdue
lists what is past due and not shown done by the history.

Every due day below was counted by hand on the State Council notice for 2025 (国办发明电〔2024〕
12号: rest 01-28..02-04, adjusted workdays Sun 01-26 and Sat 02-08), as in the Ganzhou scenario
files; the engine is what is under test, never the source of an expectation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from credit_rules import Engine, Ledger, NotInForce, bundled
from credit_rules.ledger import DEFAULT_DISCHARGES, Discharge

GANZHOU = bundled("ganzhou-2023")
LIANYUNGANG = bundled("lianyungang-2007")
BOTH_MATERIALS = ["application_and_commitment", "rectification_evidence"]
#: Hospital mi1's 2024 result, published on Fri 2025-01-10.
PUBLISHED = {
    "type": "evaluation_published",
    "subject": "mi1",
    "evaluation": "e2024",
    "year": 2024,
    "score": 72,
    "date": "2025-01-10",
}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rows(actions: Any) -> list[tuple[str, str, str, str]]:
    return [(a.due.isoformat(), a.subject, a.action, a.concerns) for a in actions]


@pytest.fixture
def spring_festival() -> Ledger:
    """Hospital mi1's 2024 result is published Fri 2025-01-10 and objected to on Fri 01-24;
    pharmacy ph1's repair of d1 is accepted Mon 2025-01-20."""
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    ledger.add_subject({"id": "ph1", "kind": "retail_pharmacy"})
    ledger.record(PUBLISHED, recorded_at=day("2025-01-10"))
    ledger.record_many(
        [
            {
                "type": "dishonesty_determined",
                "subject": "ph1",
                "record": "d1",
                "category": "false_billing",
                "date": "2024-06-03",
            },
            {
                "type": "repair_applied",
                "subject": "ph1",
                "application": "a1",
                "record": "d1",
                "materials": BOTH_MATERIALS,
                "date": "2025-01-17",
            },
        ],
        recorded_at=day("2025-01-17"),
    )
    ledger.record(
        {"type": "repair_accepted", "subject": "ph1", "application": "a1", "date": "2025-01-20"},
        recorded_at=day("2025-01-20"),
    )
    ledger.record(
        {
            "type": "objection_filed",
            "subject": "mi1",
            "objection": "o1",
            "evaluation": "e2024",
            "ground": "evaluation_result_disputed",
            "written": True,
            "date": "2025-01-24",
        },
        recorded_at=day("2025-01-24"),
    )
    return ledger


def test_art12_art20_art25_agenda_across_spring_festival_2025_sorted_by_due_day(
    spring_festival: Ledger,
) -> None:
    # Publicity: 01-13..01-17 1-5, 01-20 6, 01-21 7. Objection window: 15 working days from
    # publication, to Fri 02-07. Repair (accepted Mon 01-20): 01-21..01-24 1-4, Sun 01-26 5,
    # 01-27 6, 02-05..02-07 7-9, Sat 02-08 10, 02-10..02-14 11-15. Objection (filed Fri 01-24):
    # Sun 01-26 1, 01-27 2, 02-05..02-07 3-5, Sat 02-08 6, 02-10..02-14 7-11, 02-17..02-20 12-15.
    # The report is formed only once the objection is settled (Arts 12 and 20): form_report
    # waits for the objection's decision, due 02-20, not the window's close on 02-07.
    agenda = spring_festival.agenda(day("2025-01-10"), horizon=45)
    assert rows(agenda) == [
        ("2025-01-21", "mi1", "end_publicity", "evaluation_published e2024"),
        ("2025-02-14", "ph1", "decide_repair", "repair_accepted a1"),
        ("2025-02-20", "mi1", "decide_objection", "objection_filed o1"),
        ("2025-02-20", "mi1", "form_report", "evaluation_published e2024"),
    ]
    decide = agenda[2]
    assert (decide.kind, decide.source, decide.start) == (
        "deadline",
        "objection_decision_due",
        day("2025-01-24"),
    )
    assert [c.article for c in decide.cites] == [20]
    assert decide.provisional is False
    assert decide.discharged_by is not None
    discharged = decide.discharged_by
    assert (discharged.event, discharged.key) == ("objection_decided", "objection")
    assert decide.discharged_by.description == "objection_decided with the same objection"
    # The trigger as data: the objection, recorded at seq 5.
    assert (decide.trigger_type, decide.trigger_key, decide.trigger_seq) == (
        "objection_filed",
        "o1",
        5,
    )
    form = agenda[3]
    assert (form.trigger_type, form.trigger_key, form.trigger_seq) == (
        "evaluation_published",
        "e2024",
        1,
    )
    assert form.discharged_by is not None and form.discharged_by.outcome == "report_formed"


def test_agenda_covers_as_of_through_as_of_plus_horizon_inclusive(spring_festival: Ledger) -> None:
    assert rows(spring_festival.agenda(day("2025-02-07"), horizon=7)) == [
        ("2025-02-14", "ph1", "decide_repair", "repair_accepted a1"),
    ]
    assert rows(spring_festival.agenda(day("2025-02-08"), horizon=dt.timedelta(days=6))) == [
        ("2025-02-14", "ph1", "decide_repair", "repair_accepted a1"),
    ]


def test_art20_art25_overdue_after_spring_festival_lists_what_is_not_decided(
    spring_festival: Ledger,
) -> None:
    # Published 01-10, objected to 01-24: on 02-08 the objection's decision is not due until
    # 02-20, so the report is not late (Art 12 forms it after the objections are settled).
    assert rows(spring_festival.overdue(day("2025-02-08"))) == []
    assert rows(spring_festival.overdue(day("2025-02-20"))) == [
        ("2025-02-14", "ph1", "decide_repair", "repair_accepted a1"),
    ]
    # On its last day an act is not yet late (Civil Code Art 203).
    assert "decide_objection" not in {a.action for a in spring_festival.overdue(day("2025-02-20"))}
    assert rows(spring_festival.overdue(day("2025-02-21")))[-2:] == [
        ("2025-02-20", "mi1", "decide_objection", "objection_filed o1"),
        ("2025-02-20", "mi1", "form_report", "evaluation_published e2024"),
    ]


def test_art20_a_decided_objection_discharges_its_deadline_and_lets_the_report_form(
    spring_festival: Ledger,
) -> None:
    spring_festival.record(
        {
            "type": "objection_decided",
            "subject": "mi1",
            "objection": "o1",
            "evaluation": "e2024",
            "result": "rejected",
            "date": "2025-02-18",
        },
        recorded_at=day("2025-02-21"),
    )
    assert rows(spring_festival.overdue(day("2025-02-21"))) == [
        ("2025-02-14", "ph1", "decide_repair", "repair_accepted a1"),
    ]
    # Decided before its due day: gone from the agenda, replaced by the duty to notify (Art 20).
    assert rows(spring_festival.agenda(day("2025-02-18"), horizon=3)) == [
        ("2025-02-18", "mi1", "notify_objection_result", "objection_decided o1"),
    ]


def test_art25_a_repair_decision_discharges_the_repair_deadline(spring_festival: Ledger) -> None:
    spring_festival.record(
        {
            "type": "repair_decided",
            "subject": "ph1",
            "application": "a1",
            "record": "d1",
            "granted": True,
            "date": "2025-02-14",
        },
        recorded_at=day("2025-02-14"),
    )
    assert "decide_repair" not in {a.action for a in spring_festival.overdue(day("2025-03-01"))}
    assert rows(spring_festival.agenda(day("2025-02-14"), horizon=0)) == [
        ("2025-02-14", "ph1", "stop_dishonesty_publicity", "repair_decided a1"),
    ]


def test_art12_the_report_is_formed_the_day_after_the_window_when_nobody_objects() -> None:
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi2", "kind": "medical_institution"})
    ledger.record(
        {
            "type": "evaluation_published",
            "subject": "mi2",
            "evaluation": "e",
            "year": 2024,
            "score": 95,
            "date": "2025-01-10",
        },
        recorded_at=day("2025-01-10"),
    )
    assert rows(ledger.overdue(day("2025-02-08"))) == []
    assert ledger.agenda(day("2025-02-08"), horizon=30) == ()


def test_a_deadline_into_an_unpublished_year_is_provisional_on_the_agenda() -> None:
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi3", "kind": "medical_institution"})
    ledger.record(
        {
            "type": "evaluation_published",
            "subject": "mi3",
            "evaluation": "e",
            "year": 2026,
            "score": 70,
            "date": "2026-12-20",
        },
        recorded_at=day("2026-12-20"),
    )
    form = [a for a in ledger.agenda(day("2026-12-20"), horizon=40) if a.action == "form_report"]
    assert len(form) == 1
    assert form[0].provisional is True
    assert form[0].provisional_reason is not None and "2027" in form[0].provisional_reason


def test_lianyungang_art8_notify_entry_is_owed_on_the_day_of_entry_and_never_overdue() -> None:
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(
        {
            "type": "dishonesty_entered",
            "subject": "p1",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        },
        recorded_at=day("2008-03-10"),
    )
    agenda = ledger.agenda(day("2008-03-10"), horizon=0)
    assert rows(agenda) == [("2008-03-10", "p1", "notify_entry", "dishonesty_entered r1")]
    assert (agenda[0].kind, agenda[0].discharged_by, [c.article for c in agenda[0].cites]) == (
        "duty",
        None,
        [8],
    )
    assert ledger.agenda(day("2008-03-11"), horizon=30) == ()
    assert ledger.overdue(day("2009-01-01")) == ()


def test_discharges_are_data_a_service_may_extend() -> None:
    # Say a service records notifications as queries answered (Art 12): a row makes it so.
    ledger = Ledger(
        LIANYUNGANG,
        discharges={
            **DEFAULT_DISCHARGES,
            "provide_record_report": Discharge("answer_query", outcome="written_warning"),
        },
    )
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record_many(
        [
            {
                "type": "dishonesty_entered",
                "subject": "p1",
                "record": "r1",
                "category": "lend_certificate",
                "date": "2008-03-10",
            },
            {"type": "query_requested", "subject": "p1", "date": "2008-04-01"},
        ],
        recorded_at=day("2008-04-01"),
    )
    assert rows(ledger.overdue(day("2008-04-02"))) == [
        ("2008-04-01", "p1", "answer_query", "query_requested")
    ]
    with pytest.raises(ValueError, match="needs both"):
        Discharge("x", event="repair_decided")


def test_agenda_read_from_the_cache_equals_a_fresh_evaluation(spring_festival: Ledger) -> None:
    engine = Engine(GANZHOU)
    for as_of, span in [("2025-01-10", 60), ("2025-02-01", 10), ("2031-01-01", 30)]:
        end = day(as_of) + dt.timedelta(days=span)
        expected = set()
        for subject in spring_festival.subject_ids():
            history = [e.event for e in spring_festival.history(subject)]
            fresh = engine.evaluate(
                [spring_festival.subject(subject)], history, as_of=end, known_at=dt.date.max
            )
            expected |= {(d.on, subject, d.name) for d in fresh.duties if day(as_of) <= d.on <= end}
            expected |= {
                (d.due, subject, d.name) for d in fresh.deadlines if day(as_of) <= d.due <= end
            }
        # form_report waits for the objection (its due moves to the decision's): compared
        # apart, in test_art12_art20_art25_agenda_across_spring_festival_2025_sorted_by_due_day.
        expected = {item for item in expected if item[2] != "objection_window_closes"}
        listed = {
            (a.due, a.subject, a.source)
            for a in spring_festival.agenda(day(as_of), horizon=span)
            if a.source != "objection_window_closes"
        }
        # The agenda is the fresh evaluation's actions less those the history shows done.
        assert listed <= expected
        done = expected - listed
        assert all(source in DEFAULT_DISCHARGES for _, _, source in done)


def test_agenda_before_the_measures_were_in_force_raises() -> None:
    with pytest.raises(NotInForce):
        Ledger(GANZHOU).agenda(day("2024-01-12"), horizon=10)
    with pytest.raises(NotInForce):
        Ledger(GANZHOU).overdue(day("2024-01-12"))
    with pytest.raises(ValueError, match="horizon"):
        Ledger(GANZHOU).agenda(day("2024-02-01"), horizon=-1)


def test_trigger_seqs_name_the_first_event_of_each_type_and_of_each_type_and_key() -> None:
    """The one-pass index gives each trigger the seq a scan of the history for the first
    event of its type naming its key gives (the trigger without a key: of its type)."""
    from credit_rules.ledger.agenda import trigger_seqs
    from credit_rules.model.vocabularies import field_of

    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "mi1", "kind": "medical_institution"})
    filed = {"type": "objection_filed", "subject": "mi1", "evaluation": "e2024"}
    filed |= {"ground": "evaluation_result_disputed", "written": True}
    ledger.record_many(
        [
            PUBLISHED,
            {**filed, "objection": "o1", "date": "2025-01-13"},
            {**filed, "objection": "o2", "date": "2025-01-14"},
            {"type": "objection_decided", "subject": "mi1", "objection": "o2"}
            | {"result": "rejected", "date": "2025-01-20"},
        ],
        recorded_at=day("2025-01-20"),
    )
    events = [entry.event for entry in ledger.history("mi1")]
    seqs = [entry.seq for entry in ledger.history("mi1")]

    def scanned(ttype: str, key: str | None) -> int | None:
        for event, seq in zip(events, seqs, strict=True):
            name = field_of(event, "key_fields")
            if event.type == ttype and (key is None or getattr(event, name or "", None) == key):
                return seq
        return None

    index = trigger_seqs(events, seqs)
    asked = [(e.type, k) for e in events for k in (None, "o1", "o2", "e2024", "nothing")]
    assert {t: index.get(t) for t in asked} == {t: scanned(*t) for t in asked}
    assert index[("objection_filed", "o2")] == seqs[2]
    assert index[("objection_filed", None)] == seqs[1]
    assert ("objection_filed", "nothing") not in index
