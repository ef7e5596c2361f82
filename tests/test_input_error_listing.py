"""An input error keeps every problem but lists only the first in its message.

A population's list of events can hold a problem per event (each naming a subject left out
of the subjects, say). The error must still name every one of them to a program
(``problems``), and its message must stay readable: the first ``InputError.SHOWN`` and how
many there are in all, in English and in Chinese.
"""

from __future__ import annotations

import pickle

import pytest

from credit_rules import Engine, bundled
from credit_rules.errors import HistoryError, InputError, Problem, TableError

AS_OF = "2009-06-01"


def _strangers(count: int) -> list[dict[str, str]]:
    return [
        {
            "type": "dishonesty_entered",
            "subject": f"x{index:05d}",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        }
        for index in range(count)
    ]


def test_an_engine_refusing_thousands_of_events_lists_the_first_and_counts_them_all() -> None:
    engine = Engine(bundled("lianyungang-2007"))
    with pytest.raises(HistoryError) as caught:
        engine.evaluate([{"id": "p1", "kind": "insured_person"}], _strangers(3000), as_of=AS_OF)
    error = caught.value
    assert len(error.problems) == 3000
    assert {p.field for p in error.problems} == {f"events[{i}].subject" for i in range(3000)}
    lines = str(error).splitlines()
    assert len(lines) == InputError.SHOWN + 1
    assert "[events[0].subject]" in lines[0]
    assert f"[events[{InputError.SHOWN - 1}].subject]" in lines[InputError.SHOWN - 1]
    assert lines[-1] == f"… 3000 problems in all, {InputError.SHOWN} shown"
    chinese = error.render("zh").splitlines()
    assert len(chinese) == InputError.SHOWN + 1
    assert "3000" in chinese[-1] and str(InputError.SHOWN) in chinese[-1]


def test_a_few_problems_are_all_listed_with_no_count() -> None:
    problems = [Problem(f"bad {i}", f"events[{i}]") for i in range(InputError.SHOWN)]
    error = HistoryError(None, problems)
    assert str(error).splitlines() == [f"<input>: [events[{i}]] bad {i}" for i in range(50)]


def test_the_listing_survives_pickling() -> None:
    error = HistoryError("feed", [Problem(f"bad {i}", f"events[{i}]") for i in range(70)])
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert again.problems == error.problems
    assert str(again).endswith(f"… 70 problems in all, {InputError.SHOWN} shown")


def test_a_table_error_counts_the_rows_it_did_not_look_at() -> None:
    shown = [Problem("not a date", f"events[{i}].date") for i in range(TableError.SHOWN + 5)]
    error = TableError(None, shown, 1000)
    assert len(error.problems) == TableError.SHOWN
    lines = str(error).splitlines()
    assert len(lines) == TableError.SHOWN + 1
    assert lines[-1] == f"… 1000 problems in all, {TableError.SHOWN} shown"
