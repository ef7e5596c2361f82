"""A subject's report and an error mask an identity number wherever it sits, unless asked not
to.

The report is made to be handed over (ledger/report.py), and a subject's id is often its
identity number: it was masked in the identity field but shown whole as the subject's id, on
every event of the history and on every decision and deadline.
"""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from credit_rules import Ledger, bundled
from credit_rules._masking import mask_text
from credit_rules.errors import EventRejected

NUMBER = "11010519491231002X"
MASKED = "1101**********002X"


def _ledger() -> Ledger:
    ledger = Ledger(bundled("lianyungang-2007"))
    person = {"id": NUMBER, "kind": "insured_person", "identity_number": NUMBER, "name": "王五"}
    ledger.add_subject(person)
    entry = {"type": "dishonesty_entered", "subject": NUMBER, "record": "r1"}
    entry |= {"category": "lend_certificate", "date": "2008-03-10"}
    ledger.record(entry, recorded_at=dt.date(2008, 3, 10))
    ledger.record({**entry, "record": "r2", "date": "2009-05-20"}, recorded_at="2009-05-20")
    return ledger


def test_a_report_shows_no_identity_number_in_any_field() -> None:
    report = _ledger().report(NUMBER, dt.date(2009, 6, 1))
    dumped = report.model_dump_json()
    assert NUMBER not in dumped and MASKED in dumped
    assert NUMBER not in str(report.model_dump(mode="python"))
    assert report.subject["id"] == MASKED and report.subject["identity_number"] == MASKED
    assert {e.event.subject for e in report.history} == {MASKED}
    assert {d.subject for d in report.decisions} == {MASKED}
    # Masking changes no answer: the same measures, days and records.
    clear = _ledger().report(NUMBER, dt.date(2009, 6, 1), clear=True)
    assert [(d.outcome, d.from_, d.until) for d in report.decisions] == [
        (d.outcome, d.from_, d.until) for d in clear.decisions
    ]
    assert [r.record for r in report.records] == [r.record for r in clear.records] == ["r1", "r2"]


def test_asked_for_clear_values_the_report_gives_the_ids_as_they_are() -> None:
    report = _ledger().report(NUMBER, dt.date(2009, 6, 1), clear=True)
    assert report.subject["id"] == NUMBER
    assert {e.event.subject for e in report.history} == {NUMBER}
    # The identity field itself stays masked: it is shown, never handed over whole.
    assert report.subject["identity_number"] == MASKED


def test_an_input_error_keeps_its_clear_text_for_a_caller_who_asks() -> None:
    """docs/services.md: ``error.unmasked`` gives an error's clear text. An input error's
    problems were masked when made, so its clear text was masked too."""
    ledger = _ledger()
    entry = {"type": "dishonesty_entered", "subject": NUMBER, "record": "r1"}
    entry |= {"category": "lend_certificate", "date": "2009-06-01"}
    with pytest.raises(EventRejected) as caught:
        ledger.record(entry, recorded_at="2009-06-01")
    error = caught.value
    assert NUMBER not in str(error) and NUMBER not in repr(error) and MASKED in str(error)
    assert NUMBER not in error.render("zh")
    assert NUMBER not in str(error.problems[0].message) and NUMBER not in repr(error.problems)
    assert f"subject '{NUMBER}' is entered twice" in error.unmasked
    assert error.unmasked == mask_text(error.unmasked).replace(MASKED, NUMBER)
    again = pickle.loads(pickle.dumps(error))
    assert again.unmasked == error.unmasked and str(again) == str(error)
