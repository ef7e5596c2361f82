"""Every error of the library survives pickle: a worker process (``multiprocessing``,
``concurrent.futures.ProcessPoolExecutor``) sends the error it raised to the caller that way.
Python's default for exceptions calls the class with ``self.args``, which no error with
arguments of its own accepts, so the caller got a ``TypeError`` from unpickling instead of
the error (26 of the 33 classes)."""

from __future__ import annotations

import datetime as dt
import inspect
import pickle
from collections.abc import Callable

import pytest

from credit_rules import errors
from credit_rules.errors import CreditRulesError, Problem
from credit_rules.i18n import Message

DAY = dt.date(2025, 1, 10)
PROBLEMS = [Problem(Message("{value} is not a date", value="2025-13-01"), "events[0].date", 3, 7)]

MADE: dict[str, Callable[[], CreditRulesError]] = {
    "ArgumentError": lambda: errors.ArgumentError(Message("limit must be 1 or more")),
    "BackendUnavailable": lambda: errors.BackendUnavailable(Message("durable is missing")),
    "CalendarNotPublished": lambda: errors.CalendarNotPublished((2031,), 2026, "a deadline"),
    "CalendarOverlayError": lambda: errors.CalendarOverlayError("overlay.yaml", PROBLEMS),
    "CalendarRangeError": lambda: errors.CalendarRangeError(DAY, 2030, 2040, "a day"),
    "CreditRulesError": lambda: errors.CreditRulesError(Message("something is wrong")),
    "DuplicateEventId": lambda: errors.DuplicateEventId("m-41", 3, "event"),
    "EventRejected": lambda: errors.EventRejected(None, PROBLEMS),
    "ExtensionOverCap": lambda: errors.ExtensionOverCap(16, 15, "working_days", "art25"),
    "HistoryError": lambda: errors.HistoryError("s.yaml", PROBLEMS),
    "InputError": lambda: errors.InputError(None, PROBLEMS),
    "InvariantViolation": lambda: errors.InvariantViolation(
        "monotonicity", Message("milder"), cites="Art 10", scenario="as_of: 2025-01-10\n"
    ),
    "JournalError": lambda: errors.JournalError(Message("the journal is gone")),
    "LedgerArgumentError": lambda: errors.LedgerArgumentError(Message("limit must be 1")),
    "LedgerClockError": lambda: errors.LedgerClockError("recorded_at", DAY, DAY),
    "LedgerClockLeap": lambda: errors.LedgerClockLeap(dt.date(7999, 1, 1), DAY, 3653),
    "LedgerError": lambda: errors.LedgerError(Message("the ledger stopped")),
    "LimitExceeded": lambda: errors.LimitExceeded("r.yaml", PROBLEMS[0], "max_nodes", 10),
    "MissingReference": lambda: errors.MissingReference(
        "event", "objection_decided", "objection", "o7", "110101199003071234"
    ),
    "NoRulesetInForce": lambda: errors.NoRulesetInForce("cn-js", DAY, ["lianyungang-2007"]),
    "NotEvaluated": lambda: errors.NotEvaluated("p9", 2),
    "NotInForce": lambda: errors.NotInForce("ganzhou-2023", DAY, dt.date(2024, 1, 13)),
    "RulesetError": lambda: errors.RulesetError("r.yaml", PROBLEMS),
    "ScenarioError": lambda: errors.ScenarioError(None, PROBLEMS),
    "SnapshotCorrupt": lambda: errors.SnapshotCorrupt("s.jsonl", "cut short", 4),
    "SnapshotError": lambda: errors.SnapshotError("s.jsonl", "unreadable"),
    "SnapshotMismatch": lambda: errors.SnapshotMismatch("s.jsonl", "another ruleset"),
    "SubjectRejected": lambda: errors.SubjectRejected(None, PROBLEMS),
    "TableError": lambda: errors.TableError("events", PROBLEMS, 450_000),
    "UnknownOutcome": lambda: errors.UnknownOutcome(
        "cash", "lianyungang-2007", ("cash_settlement",)
    ),
    "UnknownSubject": lambda: errors.UnknownSubject("110101199003071234"),
    "UnsupportedConstruct": lambda: errors.UnsupportedConstruct(
        "durable", "lianyungang-2007", [("art9", "a working-day period")]
    ),
}


def test_every_error_class_has_a_case_here() -> None:
    classes = {
        name
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, CreditRulesError) and cls.__module__ == errors.__name__
    }
    assert classes == set(MADE)


@pytest.mark.parametrize("name", sorted(MADE))
def test_an_error_comes_back_from_pickle_as_it_was(name: str) -> None:
    error = MADE[name]()
    error.add_note("raised in partition 3")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error) and repr(again) == repr(error)
    assert again.render("zh") == error.render("zh")
    assert again.unmasked == error.unmasked
    assert vars(again) == vars(error)  # the fields a caller reads (problems, day, total…)
    if "110101199003071234" in error.unmasked:
        assert "1101**********1234" in str(again)  # still masked, as the original is


def _refuse(events: list[dict[str, object]]) -> None:
    from credit_rules import Engine, bundled

    Engine(bundled("lianyungang-2007")).evaluate(
        [{"id": "p1", "kind": "insured_person"}], events, as_of=DAY
    )


def test_a_process_pool_hands_back_the_error_its_worker_raised() -> None:
    from concurrent.futures import ProcessPoolExecutor

    entry = {
        "type": "dishonesty_entered",
        "subject": "p1",
        "record": "r1",
        "category": "lend_certificate",
        "date": "2008-03-10",
    }
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_refuse, [entry, entry])
        with pytest.raises(errors.HistoryError, match="the same record entered twice") as caught:
            future.result()
    assert caught.value.problems[0].field == "events[1]"
