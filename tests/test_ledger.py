"""The ledger holds subjects and events append-only, checks them on entry, and answers exactly
as the engine does on the same history, on both time axes (valid time: an event's ``date``;
transaction time: its ``recorded_at``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from credit_rules import (
    CreditRulesError,
    Engine,
    EventRejected,
    Ledger,
    NotInForce,
    ScenarioError,
    SubjectRejected,
    bundled,
)
from credit_rules.errors import (
    LedgerArgumentError,
    LedgerClockError,
    LedgerClockLeap,
    UnknownOutcome,
    UnknownSubject,
)
from credit_rules.ledger.clock import ForwardClock, SourceClock, StrictClock
from credit_rules.model.events import DishonestyEntered
from credit_rules.model.subjects import InsuredPerson

LIANYUNGANG = bundled("lianyungang-2007")
GANZHOU = bundled("ganzhou-2023")
ENGINE = Engine(LIANYUNGANG)
# A valid GB 11643-1999 number (check character computed), used only to test masking.
IDENTITY_NUMBER = "11010519491231002X"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def entered(record: str, date: str, subject: str = "p2", **extra: Any) -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": extra.pop("category", "lend_certificate"),
        "date": date,
        **extra,
    }


def removed(record: str, date: str, decided_on: str, subject: str = "p2") -> dict[str, Any]:
    return {
        "type": "record_corrected",
        "subject": subject,
        "record": record,
        "action": "removed",
        "date": date,
        "decided_on": decided_on,
    }


def ledger_with(*subjects: str) -> Ledger:
    ledger = Ledger(LIANYUNGANG)
    for subject in subjects:
        ledger.add_subject({"id": subject, "kind": "insured_person"})
    return ledger


def engine_answer(ledger: Ledger, subject: str, as_of: str, count: int | None = None) -> Any:
    history = [entry.event for entry in ledger.history(subject)][:count]
    return ENGINE.evaluate(
        [ledger.subject(subject)], history, as_of=day(as_of), known_at=dt.date.max
    ).model_dump()


# -- the bitemporal example of issue 7 ---------------------------------------------------------


@pytest.fixture
def corrected() -> Ledger:
    """r1 entered 2008-03-10 and r2 2009-05-20, each recorded on the day; an objection leads to
    a correction recorded on 2009-07-01 that removes r2 as void from its entry (Art 13)."""
    ledger = ledger_with("p2")
    ledger.record(entered("r1", "2008-03-10"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2009-05-20"), recorded_at=day("2009-05-20"))
    ledger.record(
        {
            "type": "objection_filed",
            "subject": "p2",
            "record": "r2",
            "ground": "inaccurate",
            "date": "2009-06-25",
        },
        recorded_at=day("2009-06-25"),
    )
    ledger.record(removed("r2", "2009-05-20", "2009-07-01"), recorded_at=day("2009-07-01"))
    return ledger


def test_art10_what_was_believed_on_2009_06_20_about_2009_06_15_is_cash_settlement(
    corrected: Ledger,
) -> None:
    believed = corrected.status("p2", day("2009-06-15"), known_at=day("2009-06-20"))
    assert "cash_settlement" in believed.outcomes("p2")
    assert believed.outcomes("p2") == {"cash_settlement", "audit_flag"}


def test_art13_after_the_correction_is_recorded_the_same_day_had_no_cash_settlement(
    corrected: Ledger,
) -> None:
    believed = corrected.status("p2", day("2009-06-15"), known_at=day("2009-07-02"))
    assert "cash_settlement" not in believed.outcomes("p2")
    assert believed.outcomes("p2") == frozenset()


def test_known_at_selects_the_events_recorded_by_then_and_equals_the_engine(
    corrected: Ledger,
) -> None:
    for known_at, count in [("2008-03-09", 0), ("2009-06-20", 2), ("2009-06-30", 3), (None, 4)]:
        known = day(known_at) if known_at else None
        got = corrected.status("p2", day("2009-06-15"), known_at=known)
        assert got.model_dump() == engine_answer(corrected, "p2", "2009-06-15", count)


def test_without_known_at_status_equals_engine_evaluate_on_the_subjects_history(
    corrected: Ledger,
) -> None:
    for as_of in [
        "2008-03-10",
        "2008-03-11",
        "2009-05-20",
        "2009-06-15",
        "2010-05-20",
        "2014-01-01",
    ]:
        assert corrected.status("p2", day(as_of)).model_dump() == engine_answer(
            corrected, "p2", as_of
        )


def test_status_is_served_again_from_the_cache_and_stays_equal(corrected: Ledger) -> None:
    first = corrected.status("p2", day("2009-06-15"))
    assert corrected.status("p2", day("2009-06-15")) is first
    corrected.record(entered("r3", "2009-08-01"), recorded_at=day("2009-08-01"))
    assert corrected.status("p2", day("2009-06-15")) is not first


# -- entry: subjects -----------------------------------------------------------------------


def test_add_subject_accepts_a_typed_subject_or_a_mapping() -> None:
    ledger = Ledger(LIANYUNGANG)
    assert ledger.add_subject(InsuredPerson(id="a")).id == "a"
    assert isinstance(ledger.add_subject({"id": "b", "kind": "insured_person"}), InsuredPerson)
    assert ledger.subject_ids() == ("a", "b")


def test_a_subject_is_never_replaced() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(SubjectRejected, match="already holds subject 'p1'"):
        ledger.add_subject({"id": "p1", "kind": "insured_person"})


def test_a_subject_of_a_kind_the_ruleset_does_not_know_is_rejected() -> None:
    with pytest.raises(SubjectRejected, match="medical_institution"):
        Ledger(LIANYUNGANG).add_subject({"id": "h1", "kind": "medical_institution"})


def test_an_invalid_subject_is_rejected_without_echoing_its_identity_number() -> None:
    with pytest.raises(SubjectRejected) as caught:
        Ledger(LIANYUNGANG).add_subject(
            {"id": "p1", "kind": "insured_person", "identity_number": "110105194912310021"}
        )
    assert "110105194912310021" not in str(caught.value)


# -- entry: events -------------------------------------------------------------------------


def test_record_assigns_sequence_numbers_and_keeps_recorded_at() -> None:
    ledger = ledger_with("p1", "p2")
    first = ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    batch = ledger.record_many(
        [entered("r1", "2008-04-01", "p2"), entered("r2", "2008-04-01", "p1")],
        recorded_at=day("2008-04-02"),
    )
    assert [first.seq, *(entry.seq for entry in batch)] == [1, 2, 3]
    assert [entry.recorded_at for entry in batch] == [day("2008-04-02")] * 2
    assert isinstance(first.event, DishonestyEntered)
    assert [entry.seq for entry in ledger.history("p1")] == [1, 3]
    assert len(ledger) == 3
    assert ledger.today == day("2008-04-02")


def test_typed_events_are_accepted_as_they_are() -> None:
    ledger = ledger_with("p1")
    event = DishonestyEntered(
        subject="p1", record="r1", category="resell_drugs", date=day("2008-03-10")
    )
    assert ledger.record(event, recorded_at=day("2008-03-10")).event is event


def test_an_invalid_event_is_rejected_whole_with_its_field() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(EventRejected) as caught:
        ledger.record(
            entered("r1", "2008-03-10", "p1", category="stealing"), recorded_at=day("2008-03-10")
        )
    assert caught.value.problems[0].field == "event.category"
    assert len(ledger) == 0 and ledger.today is None


def test_an_event_of_another_rulesets_vocabulary_is_rejected() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(EventRejected, match="unknown event type repair_applied"):
        ledger.record(
            {
                "type": "repair_applied",
                "subject": "p1",
                "application": "a",
                "record": "r",
                "date": "2008-03-10",
            },
            recorded_at=day("2008-03-10"),
        )


def test_an_event_about_an_unknown_subject_is_rejected() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(EventRejected, match="subject 'nobody' is not in the ledger"):
        ledger.record(entered("r1", "2008-03-10", "nobody"), recorded_at=day("2008-03-10"))


def test_art8_a_record_entered_twice_is_rejected_and_names_the_recorded_event() -> None:
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    before = ledger.status("p1", day("2009-01-01"))
    with pytest.raises(EventRejected) as caught:
        ledger.record(entered("r1", "2008-05-10", "p1"), recorded_at=day("2008-05-10"))
    problem = caught.value.problems[0]
    assert problem.field == "event.record"
    assert "seq 1" in problem.message
    assert isinstance(caught.value, CreditRulesError)
    # Nothing was half-applied: no event, no change of today, the same answers.
    assert len(ledger) == 1 and ledger.today == day("2008-03-10")
    assert ledger.status("p1", day("2009-01-01")) == before


def test_art13_a_correction_of_a_record_never_entered_is_rejected() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(EventRejected, match="correction of record 'r9'"):
        ledger.record(
            removed("r9", "2008-03-10", "2008-04-01", "p1"), recorded_at=day("2008-04-01")
        )


def test_art13_a_correction_after_the_records_removal_is_rejected() -> None:
    """A removed record is no longer in the register: a second removal has nothing to
    correct, and the ledger keeps the history it had."""
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(removed("r1", "2008-03-10", "2008-04-01", "p1"), recorded_at=day("2008-04-01"))
    before = ledger.status("p1", day("2008-06-01"))
    with pytest.raises(EventRejected, match=r"decided on 2008-05-01, .* removed by seq 2"):
        ledger.record(
            removed("r1", "2008-03-10", "2008-05-01", "p1"), recorded_at=day("2008-05-01")
        )
    assert len(ledger) == 2
    assert ledger.status("p1", day("2008-06-01")) == before


def test_a_rejection_names_the_ledgers_events_in_either_language() -> None:
    """The engine names the earlier entry by its place in the history it walked; the ledger
    names it by its sequence number, and the Chinese message says the same."""
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    with pytest.raises(EventRejected) as caught:
        ledger.record(entered("r1", "2008-05-10", "p1"), recorded_at=day("2008-05-10"))
    assert caught.value.render("en").endswith(
        "[event.record] record 'r1' of subject 'p1' is entered twice (first at seq 1)"
    )
    assert caught.value.render("zh").endswith(
        "[event.record] 主体 'p1' 的记录 'r1' 录入了两次（第一次在 seq 1）"
    )


def test_a_refusal_that_names_no_event_keeps_its_chinese_too() -> None:
    """Ganzhou Art 25: a second extension past the cap of 15 working days is rejected; the
    engine's error, which names no event, is said in Chinese with the unit in Chinese."""
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "ph1", "kind": "retail_pharmacy"})
    application = {"subject": "ph1", "application": "a1"}
    materials = ["application_and_commitment", "rectification_evidence"]
    events: list[dict[str, Any]] = [
        {"type": "dishonesty_determined", "subject": "ph1", "record": "d1"}
        | {"category": "false_billing", "date": "2024-06-03"},
        {**application, "type": "repair_applied", "record": "d1", "materials": materials}
        | {"date": "2024-09-04"},
        {**application, "type": "repair_accepted", "date": "2024-09-05"},
        {**application, "type": "repair_extended", "working_days": 10, "date": "2024-09-20"},
    ]
    for event in events:
        ledger.record(event, recorded_at=day(event["date"]))
    over = {**application, "type": "repair_extended", "working_days": 10, "date": "2024-10-15"}
    with pytest.raises(EventRejected) as caught:
        ledger.record(over, recorded_at=day("2024-10-15"))
    assert caught.value.render("en").endswith(
        "extensions add up to 20 working days, over the cap of 15 working days under "
        "art25_repair_decision_due"
    )
    assert caught.value.render("zh").endswith(
        "延长合计 20个工作日，超过 art25_repair_decision_due 规定的上限 15个工作日"
    )


def test_a_batch_with_one_bad_event_records_nothing() -> None:
    ledger = ledger_with("p1", "p2")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    calls: list[Any] = []
    ledger.subscribe(lambda *args: calls.append(args))
    with pytest.raises(EventRejected) as caught:
        ledger.record_many(
            [
                entered("r1", "2008-06-01", "p2"),  # fine on its own
                entered("r2", "2008-06-01", "p1"),  # fine on its own
                entered("r1", "2008-06-02", "p1"),  # r1 of p1 again
            ],
            recorded_at=day("2008-06-02"),
        )
    assert [p.field for p in caught.value.problems] == ["batch[2].record"]
    assert len(ledger) == 1
    assert ledger.history("p2") == ()
    assert ledger.today == day("2008-03-10")
    assert calls == []


def test_a_batch_reports_every_bad_event_at_once() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(EventRejected) as caught:
        ledger.record_many(
            [entered("r1", "2008-06-01", "p1", category="x"), {"type": "nope", "subject": "p1"}],
            recorded_at=day("2008-06-02"),
        )
    assert {p.field.split(".")[0] for p in caught.value.problems} == {"batch[0]", "batch[1]"}


def test_a_batch_may_enter_a_record_and_correct_it_together() -> None:
    ledger = ledger_with("p1")
    ledger.record_many(
        [entered("r1", "2008-03-10", "p1"), removed("r1", "2008-03-10", "2008-03-20", "p1")],
        recorded_at=day("2008-03-20"),
    )
    assert ledger.status("p1", day("2008-03-10")).decisions == ()


def test_a_strict_clock_refuses_a_recorded_at_before_today() -> None:
    ledger = Ledger(LIANYUNGANG, clock=StrictClock())
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    with pytest.raises(LedgerClockError, match="recorded_at 2008-03-09 is not a date on or after"):
        ledger.record(entered("r3", "2008-03-01", "p1"), recorded_at=day("2008-03-09"))
    ledger.advance(day("2008-06-01"))
    with pytest.raises(LedgerClockError) as caught:
        ledger.record(entered("r3", "2008-05-01", "p1"), recorded_at=day("2008-05-31"))
    assert "datetime" not in str(caught.value)
    assert len(ledger) == 2


def test_the_default_clock_stamps_a_late_producer_with_today_never_going_back() -> None:
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    # A second producer sends yesterday's date: recorded, at the ledger's today.
    late = ledger.record(entered("r2", "2008-03-01", "p1"), recorded_at=day("2008-03-09"))
    assert late.recorded_at == day("2008-03-10")
    assert ledger.record(entered("r3", "2008-03-02", "p1")).recorded_at == day("2008-03-10")
    assert [e.recorded_at for e in ledger.history("p1")] == [day("2008-03-10")] * 3


@pytest.mark.parametrize("clock", [None, StrictClock()])
def test_a_mistyped_year_is_refused_and_today_stays(clock: StrictClock | None) -> None:
    """A recorded_at in 7999 for 2025 would move today there for good (it never goes back)
    and evaluate every subject that far ahead: more than ten years past today is refused,
    the ledger unchanged; a real leap is made with advance()."""
    ledger = Ledger(LIANYUNGANG, clock=clock)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    with pytest.raises(
        LedgerClockLeap, match=r"recorded_at 7999-03-11 is 2188168 days after"
    ) as caught:
        ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("7999-03-11"))
    assert caught.value.most == 3653 and isinstance(caught.value, LedgerClockError)
    assert ledger.today == day("2008-03-10") and len(ledger) == 1
    with pytest.raises(LedgerClockLeap, match="3654 days after"):
        ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("2018-03-12"))
    # Ten years is one step; more is made on purpose.
    ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("2018-03-11"))
    ledger.advance(day("2030-01-01"))
    late = ledger.record(entered("r3", "2029-12-31", "p1"), recorded_at=day("2030-01-01"))
    assert late.recorded_at == day("2030-01-01") and len(ledger) == 3


def test_a_clock_may_allow_any_leap_but_not_a_nonsense_one() -> None:
    ledger = Ledger(LIANYUNGANG, clock=ForwardClock(max_leap=None))
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2008-03-11", "p1"), recorded_at=day("2022-03-10"))
    assert ledger.today == day("2022-03-10")
    for wrong in (0, -1, 1.5, True, "366"):
        with pytest.raises(LedgerArgumentError, match="max_leap must be a whole number"):
            StrictClock(max_leap=wrong)  # type: ignore[arg-type]


def test_a_source_clock_stamps_from_the_service_clock_and_never_goes_back() -> None:
    days = iter([day("2008-03-10"), day("2008-03-05"), day("2008-03-12")])
    ledger = Ledger(LIANYUNGANG, clock=SourceClock(lambda: next(days)))
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    stamped = [
        ledger.record(
            entered(f"r{n}", "2008-03-01", "p1"), recorded_at=day("2001-01-01")
        ).recorded_at
        for n in range(3)
    ]
    assert stamped == [day("2008-03-10"), day("2008-03-10"), day("2008-03-12")]


def test_recorded_at_must_be_a_date_not_a_timestamp() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(ScenarioError, match="recorded_at must be a date"):
        ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=dt.datetime(2008, 3, 10, 9))  # type: ignore[arg-type]


def test_events_dated_after_they_are_recorded_take_effect_on_their_date() -> None:
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2008-04-01", "p1"), recorded_at=day("2008-03-15"))
    assert ledger.status("p1", day("2008-03-20")).outcomes("p1") == frozenset()
    assert ledger.status("p1", day("2008-04-01")).outcomes("p1") == {
        "cash_settlement",
        "audit_flag",
    }


def test_art8_earlier_stages_are_recorded_and_change_nothing() -> None:
    ledger = ledger_with("p1")
    for stage, on in [
        ("dishonesty_collected", "2008-03-01"),
        ("dishonesty_verified", "2008-03-05"),
    ]:
        ledger.record(
            {
                "type": stage,
                "subject": "p1",
                "record": "r1",
                "category": "lend_certificate",
                "date": on,
            },
            recorded_at=day(on),
        )
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    for as_of in ["2008-03-05", "2008-03-10", "2008-03-11"]:
        assert ledger.status("p1", day(as_of)).model_dump() == engine_answer(ledger, "p1", as_of)
    assert ledger.subjects_with("written_warning", day("2008-03-10")) == ("p1",)


# -- questions -----------------------------------------------------------------------------


def test_questions_about_an_unknown_subject_raise_unknown_subject() -> None:
    ledger = ledger_with("p1")
    for ask in (
        lambda: ledger.status("p9", day("2009-01-01")),
        lambda: ledger.report("p9", day("2009-01-01")),
        lambda: ledger.history("p9"),
    ):
        with pytest.raises(UnknownSubject, match="'p9'"):
            ask()


def test_status_before_the_measures_were_in_force_raises_not_in_force() -> None:
    ledger = ledger_with("p1")
    with pytest.raises(NotInForce):
        ledger.status("p1", day("2007-09-30"))


def test_art10_subjects_with_lists_everyone_under_cash_settlement_on_a_day() -> None:
    ledger = ledger_with("a", "b", "c", "d")
    ledger.record_many(
        [
            entered("r1", "2008-03-10", "a"),
            entered("r2", "2008-03-10", "a"),
            entered("r1", "2008-03-10", "b"),
            entered("r1", "2008-03-10", "c"),
            entered("r2", "2008-03-10", "c"),
            entered("r3", "2008-03-10", "c"),
        ],
        recorded_at=day("2008-03-10"),
    )
    ledger.record(entered("r1", "2008-06-01", "d"), recorded_at=day("2008-06-01"))
    ledger.record(entered("r2", "2008-06-01", "d"), recorded_at=day("2008-06-01"))
    assert ledger.subjects_with("cash_settlement", day("2008-06-01")) == ("a", "d")
    assert ledger.subjects_with("time_limited_reimbursement", day("2008-06-01")) == ("c",)
    assert ledger.subjects_with("audit_flag", day("2008-06-01")) == ("a", "c", "d")
    assert ledger.subjects_with("cash_settlement", day("2009-03-11")) == ("d",)
    assert ledger.subjects_with("written_warning", day("2008-03-10")) == ("b",)
    # Far past every cached horizon, the subjects are evaluated afresh.
    assert ledger.subjects_with("cash_settlement", day("2030-01-01")) == ()


def test_subjects_with_needs_a_measure_of_the_ruleset() -> None:
    ledger = ledger_with("a")
    with pytest.raises(UnknownOutcome, match="notify_entry"):
        ledger.subjects_with("notify_entry", day("2009-01-01"))
    with pytest.raises(NotInForce):
        ledger.subjects_with("cash_settlement", day("2007-01-01"))


# -- report (Lianyungang Art 12, Ganzhou Art 12) --------------------------------------------


def test_art12_report_lists_records_measures_and_history_with_the_number_masked() -> None:
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject(
        {"id": "p1", "kind": "insured_person", "identity_number": IDENTITY_NUMBER, "name": "张三"}
    )
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(
        entered("r2", "2009-05-20", "p1", category="resell_drugs"), recorded_at=day("2009-05-20")
    )
    ledger.record(removed("r1", "2009-06-01", "2009-06-01", "p1"), recorded_at=day("2009-06-01"))
    report = ledger.report("p1", day("2014-01-01"))
    dumped = report.model_dump(mode="json")
    assert IDENTITY_NUMBER not in json.dumps(dumped, ensure_ascii=False)
    assert dumped["subject"]["identity_number"] == "1101**********002X"
    assert [
        (r["record"], r["status"], r["valid_until"], r["category"]) for r in dumped["records"]
    ] == [
        ("r1", "removed", "2013-03-10", "lend_certificate"),
        ("r2", "in_force", "2014-05-20", "resell_drugs"),
    ]
    assert [entry["event"]["type"] for entry in dumped["history"]] == [
        "dishonesty_entered",
        "dishonesty_entered",
        "record_corrected",
    ]
    assert dumped["history"][1]["event"]["category"] == "resell_drugs"
    assert [c["article"] for c in dumped["cites"]] == [12]
    assert report.decisions == ledger.status("p1", day("2014-01-01")).decisions


def test_art12_report_as_of_a_day_leaves_out_later_events_and_shows_expiry() -> None:
    ledger = ledger_with("p1")
    ledger.record(entered("r1", "2008-03-10", "p1"), recorded_at=day("2008-03-10"))
    ledger.record(entered("r2", "2014-01-01", "p1"), recorded_at=day("2014-01-01"))
    report = ledger.report("p1", day("2013-03-11"))
    assert [(r.record, r.status) for r in report.records] == [("r1", "expired")]
    assert len(report.history) == 1


def test_ganzhou_art12_credit_report_masks_a_persons_number() -> None:
    ledger = Ledger(GANZHOU)
    ledger.add_subject({"id": "x1", "kind": "other_individual", "identity_number": IDENTITY_NUMBER})
    ledger.record(
        {
            "type": "evaluation_published",
            "subject": "x1",
            "evaluation": "e2024",
            "year": 2024,
            "score": 84,
            "date": "2025-01-24",
        },
        recorded_at=day("2025-01-24"),
    )
    report = ledger.report("x1", day("2025-03-01"))
    assert IDENTITY_NUMBER not in report.model_dump_json()
    assert [c.article for c in report.cites] == [12]
    assert "report_formed" in {d.outcome for d in report.decisions}


def test_the_engine_is_given_a_bare_subject_as_two_fields_and_a_full_one_as_its_model() -> None:
    """What the engine reads of a subject is its id and kind: a subject with nothing else is
    handed over as those two, not rebuilt as a model on each evaluation; one with more fields
    as its model. Either way the ledger answers as the engine does on the subject itself."""
    ledger = Ledger(GANZHOU)
    bare = {"id": "mi1", "kind": "medical_institution"}
    full = {"id": "mi2", "kind": "medical_institution", "name": "某某医院"}
    ledger.add_subject(bare)
    ledger.add_subject(full)
    assert ledger._state("mi1").bare == bare
    assert ledger._state("mi2").bare == ledger.subject("mi2")
    assert ledger._state("mi2").bare.name == "某某医院"  # type: ignore[union-attr]
    for subject in (bare, full):
        event = {
            "type": "dishonesty_determined",
            "subject": subject["id"],
            "record": "d1",
            "category": "false_billing",
            "severity": "serious",
            "date": "2025-03-03",
        }
        ledger.record(event, recorded_at=dt.date(2025, 3, 3))
        as_of = dt.date(2025, 6, 1)
        expected = Engine(GANZHOU).evaluate([ledger.subject(subject["id"])], [event], as_of=as_of)
        assert ledger.status(subject["id"], as_of) == expected
