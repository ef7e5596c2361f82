"""``credit-rules test``: scenario files checked against their ``expect:``, failures that say
what differs and why, and the ways the input can be unusable.

The scenarios here are small copies of bundled ones with one expectation made wrong on purpose;
the correct values come from the articles (Lianyungang Art 10: one year from the latest entry;
Ganzhou Art 12 and 20: 7 and 15 working days, counted on the 2024 holiday notice).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from test_ganzhou_scenarios import DUTY_LAYER

from credit_rules.calendar import default_calendar
from credit_rules.cli.main import main
from credit_rules.scenario import load_scenario
from credit_rules.testing.expectations import compare, find_scenarios

TWO_RECORDS = """\
ruleset: lianyungang-2007
as_of: 2010-05-20
subjects:
  - {id: p1, kind: insured_person}
events:
  - {type: dishonesty_entered, subject: p1, record: r1, category: lend_certificate,
     date: 2008-03-10}
  - {type: dishonesty_entered, subject: p1, record: r2, category: resell_drugs,
     date: 2009-05-20}
expect:
"""

# Ganzhou Art 12/20: published Mon 2024-11-04; no holiday in November 2024, so 7 working days
# end Wed 11-13 and 15 working days end Mon 11-25.
PUBLISHED = """\
ruleset: ganzhou-2023
as_of: 2024-11-04
subjects:
  - {id: ph1, kind: retail_pharmacy}
events:
  - {type: evaluation_published, subject: ph1, evaluation: e2024, year: 2024, score: 92,
     date: 2024-11-04}
expect:
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if needle in text)


# -- passing ----------------------------------------------------------------------------------


def test_art10_correct_expectations_pass_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "art10.scenario.yaml",
        TWO_RECORDS
        + "  exactly: true\n"
        + "  decisions:\n"
        + "    - {subject: p1, outcome: written_warning, from: 2008-03-10, until: 2008-03-10}\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2009-05-20, until: 2010-05-20}\n"
        + "    - {subject: p1, outcome: audit_flag, from: 2009-05-20, until: 2010-05-20}\n",
    )
    code, out, err = run(capsys, "test", str(tmp_path))
    assert code == 0, out + err
    assert "1 scenario file: 1 passed, 0 failed" in out
    assert "FAIL" not in out


def test_art12_art20_deadlines_and_art8_duties_can_be_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "deadlines.scenario.yaml",
        PUBLISHED
        + "  deadlines:\n"
        + "    - {subject: ph1, name: publicity_ends, due: 2024-11-13, provisional: false}\n"
        + "    - {subject: ph1, name: objection_window_closes,\n"
        + "       start: 2024-11-04, due: 2024-11-25}\n",
    )
    write(
        tmp_path,
        "duties.scenario.yaml",
        TWO_RECORDS
        + "  duties:\n"
        + "    - {subject: p1, name: notify_entry, on: 2008-03-10}\n"
        + "    - {subject: p1, name: notify_entry, on: 2009-05-20}\n",
    )
    code, out, err = run(capsys, "test", str(tmp_path))
    assert code == 0, out + err
    assert "2 passed" in out


def test_a_file_named_explicitly_need_not_end_in_scenario_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "case.yaml",
        TWO_RECORDS + "  decisions:\n    - {subject: p1, outcome: audit_flag}\n",
    )
    assert find_scenarios([tmp_path]) == []
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0, out


# -- failing: the message names the file, the subject, the outcome and the field --------------


def test_wrong_until_names_file_line_subject_outcome_field_rule_and_facts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Art 10(1): one year from the latest entry, 2009-05-20, ends on 2010-05-20, not 05-21.
    path = write(
        tmp_path,
        "wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2009-05-20, until: 2010-05-21}\n",
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    line = line_of(path, "until: 2010-05-21")
    assert f"{path}:{line}" in out
    assert "subject p1, outcome cash_settlement: until differs" in out
    assert re.search(r"until\s+2010-05-21\s+2010-05-20", out), out
    assert "rule art10_cash_settlement, because:" in out
    assert "Records that set the measure: 2 [record_count]" in out
    assert "1 failed" in out


def test_a_duty_expected_a_day_off_is_reported_against_the_nearest_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two notify_entry duties (Art 8), on 2008-03-10 and 2009-05-20: an expectation of
    # 2009-05-19 is one day off the second, and must be compared with it, not with the first.
    path = write(
        tmp_path,
        "near.scenario.yaml",
        TWO_RECORDS + "  duties:\n" + "    - {subject: p1, name: notify_entry, on: 2009-05-19}\n",
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert re.search(r"on\s+2009-05-19\s+2009-05-20", out), out
    assert "2008-03-10" not in out.split("because:")[0], out
    assert "Triggered by dishonesty_entered r2 on 2009-05-20" in out


def test_a_second_expectation_of_an_outcome_had_once_says_the_one_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One cash settlement (Art 10, from 2009-05-20), expected twice: the second is missing,
    # and saying "none" beside a list that names cash_settlement would contradict itself.
    path = write(
        tmp_path,
        "twice.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2009-05-20, until: 2010-05-20}\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2008-03-10, until: 2009-03-10}\n",
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert "outcome cash_settlement: missing" in out
    assert (
        "none left: p1's cash_settlement (2009-05-20 – 2010-05-20) each match another expected line"
    ) in out
    assert "none;" not in out
    # No rule failed to give it (it applies on the day), so the lines say which rule gave it.
    assert (
        "because:\n      - rule art10_cash_settlement: gave it from 2009-05-20 until 2010-05-20"
        in out
    )


def test_missing_outcome_says_which_condition_failed_and_what_it_saw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Art 11 needs three records; p1 has two.
    write(
        tmp_path,
        "missing.scenario.yaml",
        TWO_RECORDS + "  decisions:\n    - {subject: p1, outcome: time_limited_reimbursement}\n",
    )
    code, out, _ = run(capsys, "test", str(tmp_path))
    assert code == 1
    assert "outcome time_limited_reimbursement: missing" in out
    assert "p1 has audit_flag, cash_settlement, notify_entry, written_warning" in out
    assert "rule art11_time_limited_reimbursement for dishonesty_entered r2 on 2009-05-20" in out
    assert "record_count >= time_limited_records is false" in out
    assert "saw record_count = 2, time_limited_records = 3" in out


def test_exactly_and_absent_report_the_extra_and_the_active_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "extra.scenario.yaml",
        TWO_RECORDS
        + "  exactly: true\n"
        + "  decisions:\n"
        + "    - {subject: p1, outcome: written_warning}\n"
        + "    - {subject: p1, outcome: cash_settlement}\n"
        + "  absent: [audit_flag]\n",
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert f"{path}:{line_of(path, 'exactly: true')}" in out
    assert "outcome audit_flag: unexpected (exactly: true)" in out
    assert f"{path}:{line_of(path, 'absent:')}" in out
    assert "outcome audit_flag: should not apply on 2010-05-20" in out
    assert re.search(r"active\s+false\s+true", out), out


def test_wrong_deadline_and_duty_name_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "deadline.scenario.yaml",
        PUBLISHED
        + "  deadlines:\n"
        + "    - {subject: ph1, name: publicity_ends, due: 2024-11-12, provisional: true}\n",
    )
    write(
        tmp_path,
        "duty.scenario.yaml",
        TWO_RECORDS + "  duties:\n    - {subject: p1, name: notify_entry, on: 2008-03-11}\n",
    )
    code, out, _ = run(capsys, "test", str(tmp_path))
    assert code == 1
    assert "subject ph1, deadline publicity_ends: due and provisional differ" in out
    assert re.search(r"due\s+2024-11-12\s+2024-11-13", out), out
    assert re.search(r"provisional\s+true\s+false", out), out
    assert "rule art12_publicity_ends" in out
    assert "subject p1, duty notify_entry: on differs" in out
    assert "2 failed" in out


def test_each_expectation_is_matched_to_its_nearest_result() -> None:
    # Two warnings expected, one per entry; only the second is wrong, so only it is reported.
    scenario = load_scenario(
        Path(__file__).parents[1]
        / "rulesets/lianyungang-2007/scenarios/art10-measure-last-day.scenario.yaml"
    )
    from credit_rules import Engine
    from credit_rules.scenario import Expectation

    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    expect = Expectation.model_validate(
        {
            "duties": [
                {"subject": "p1", "name": "notify_entry", "on": "2009-05-21"},
                {"subject": "p1", "name": "notify_entry", "on": "2008-03-10"},
            ]
        }
    )
    (mismatch,) = compare(expect, evaluation)
    assert (mismatch.name, mismatch.problem) == ("notify_entry", "on differs")
    assert mismatch.differences[0].actual == "2009-05-20"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({}, "checks nothing"),
        ({"decisions": [], "absent": []}, "checks nothing"),
        ({"error": "over the cap"}, "run_scenario"),
    ],
)
def test_an_expectation_built_in_python_that_checks_nothing_is_refused(
    given: dict[str, object], said: str
) -> None:
    """A scenario file with such an expect: is refused when it is read; one built in Python
    would otherwise pass against any result, so comparing it is refused too."""
    from credit_rules import Engine, bundled
    from credit_rules.errors import ArgumentError
    from credit_rules.scenario import Expectation

    evaluation = Engine(bundled("lianyungang-2007")).evaluate([], [], as_of="2009-01-01")
    with pytest.raises(ArgumentError, match=said):
        compare(Expectation.model_validate(given), evaluation)
    assert compare(Expectation(exactly=True), evaluation) == []


# -- bad input: exit 2 ------------------------------------------------------------------------


def test_missing_path_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "test", str(tmp_path / "nowhere"))
    assert code == 2
    assert "nowhere: no such file or directory" in err
    assert "Traceback" not in err


def test_directory_without_scenarios_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "test", str(tmp_path))
    assert code == 2
    assert "no *.scenario.yaml files" in err


def test_scenarios_without_expect_leave_nothing_to_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "example.scenario.yaml", TWO_RECORDS.replace("expect:\n", ""))
    code, out, err = run(capsys, "test", str(tmp_path))
    assert code == 2
    assert "1 without expect: (not run)" in out
    assert "nothing to test" in err


def test_a_misspelt_expect_key_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "typo.scenario.yaml",
        TWO_RECORDS + "  deadline:\n    - {subject: p1, name: notify_entry}\n",
    )
    write(
        tmp_path,
        "wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n    - {subject: p1, outcome: cash_settlement, active: false}\n",
    )
    code, out, err = run(capsys, "test", str(tmp_path))
    # One file cannot be used, so the run is bad input even though another file also fails.
    assert code == 2
    assert f"{path}:{line_of(path, 'deadline:')}" in err
    assert "unknown key 'deadline'" in err
    assert "1 could not be run" in out
    assert "outcome cash_settlement: active differs" in out


def test_absent_names_an_outcome_of_the_ruleset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "absent.scenario.yaml", TWO_RECORDS + "  absent: [cash_setlement]\n")
    code, out, err = run(capsys, "test", str(path))
    assert code == 2, out + err
    assert f"{path}:{line_of(path, 'absent:')}:" in err
    assert "[expect.absent[0]] cash_setlement is not an outcome of lianyungang-2007" in err
    assert "did you mean cash_settlement?" in err
    assert "1 could not be run" in out and "passed" not in out.replace("0 passed", "")


def test_absent_says_a_deadline_or_duty_is_not_owed_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A measure is active or not on as_of; a deadline or a duty is owed or not. Art 8(4)
    owes notify_entry on each entry day, so listing it under absent fails on each; a
    deadline the history never raises holds."""
    path = write(tmp_path, "absent.scenario.yaml", TWO_RECORDS + "  absent: [notify_entry]\n")
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert out.count("duty notify_entry: should not be owed (listed under absent)") == 2
    assert re.search(r"owed\s+none\s+on 2008-03-10", out), out
    published = write(
        tmp_path, "none.scenario.yaml", PUBLISHED + "  absent: [objection_decision_due]\n"
    )
    code, out, _ = run(capsys, "test", str(published))
    assert code == 0, out


@pytest.mark.parametrize(
    "expect",
    [
        "expect: {}\n",
        "expect:\n  decisions: []\n",
        "expect:\n  exactly: false\n  absent: []\n",
    ],
)
def test_an_expect_that_checks_nothing_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expect: str
) -> None:
    # It would pass whatever the ruleset decides; without expect: the file is an example.
    path = write(tmp_path, "idle.scenario.yaml", TWO_RECORDS.replace("expect:\n", expect))
    code, out, err = run(capsys, "test", str(path))
    assert code == 2, out + err
    assert f"{path}:{line_of(path, 'expect:')}:1: [expect] checks nothing" in err
    assert "1 could not be run" in out and "0 passed" in out


def test_exactly_true_alone_checks_that_nothing_is_decided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "none.scenario.yaml", TWO_RECORDS + "  exactly: true\n")
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert "outcome audit_flag: unexpected (exactly: true)" in out


def test_exactly_may_say_deadlines_are_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """exactly: [deadlines] holds the listed deadlines to be all of them, and leaves the
    decisions, which this scenario does not list, unchecked."""
    path = write(
        tmp_path,
        "deadlines.scenario.yaml",
        PUBLISHED
        + "  exactly: [deadlines]\n"
        + "  deadlines:\n"
        + "    - {subject: ph1, name: publicity_ends, due: 2024-11-13}\n",
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1, out
    assert f"{path}:{line_of(path, 'exactly:')}" in out
    assert "deadline objection_window_closes: unexpected (exactly: deadlines)" in out
    assert "start 2024-11-04, due 2024-11-25" in out
    assert "general_supervision" not in out.split("unexpected")[0]
    complete = PUBLISHED + (
        "  exactly: [deadlines]\n"
        "  deadlines:\n"
        "    - {subject: ph1, name: publicity_ends, due: 2024-11-13}\n"
        "    - {subject: ph1, name: objection_window_closes, due: 2024-11-25}\n"
    )
    path.write_text(complete, encoding="utf-8")
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0, out


def test_exactly_may_name_several_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decisions = (
        "  decisions:\n"
        "    - {subject: p1, outcome: written_warning}\n"
        "    - {subject: p1, outcome: cash_settlement}\n"
        "    - {subject: p1, outcome: audit_flag}\n"
    )
    path = write(
        tmp_path,
        "duties.scenario.yaml",
        TWO_RECORDS + "  exactly: [decisions, duties]\n" + decisions,
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1, out
    unexpected = [line for line in out.splitlines() if "unexpected" in line]
    assert len(unexpected) == 2, out
    assert all(
        "duty notify_entry: unexpected (exactly: decisions, duties)" in u for u in unexpected
    )
    assert "on 2008-03-10" in out and "on 2009-05-20" in out
    duties = (
        "  duties:\n"
        "    - {subject: p1, name: notify_entry, on: 2008-03-10}\n"
        "    - {subject: p1, name: notify_entry, on: 2009-05-20}\n"
    )
    path.write_text(
        TWO_RECORDS + "  exactly: [decisions, duties]\n" + decisions + duties, encoding="utf-8"
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0, out


@pytest.mark.parametrize(
    ("exactly", "said"),
    [
        ("[]", "checks nothing"),
        ("[decision]", "decisions"),
        ("yes", "exactly"),
    ],
)
def test_an_exactly_that_says_nothing_or_names_no_list_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exactly: str, said: str
) -> None:
    path = write(tmp_path, "bad.scenario.yaml", TWO_RECORDS + f"  exactly: {exactly}\n")
    code, out, err = run(capsys, "test", str(path))
    assert code == 2, out + err
    assert (
        f"{path}:{line_of(path, 'exactly') if exactly != '[]' else line_of(path, 'expect:')}" in err
    )
    assert said in err


def _published_at_the_calendars_edge(ruleset: str, expected: str) -> str:
    """A Ganzhou scenario up to its ``expect:`` list ``expected``: an evaluation published on
    the last Friday of the calendar's last published year, whose window of 15 working days
    runs into the next, unpublished one."""
    through = default_calendar().published_through
    assert through is not None
    last = dt.date(through, 12, 31)
    friday = last - dt.timedelta(days=(last.weekday() - 4) % 7)
    return (
        f"ruleset: {ruleset}\n"
        f"as_of: {friday.isoformat()}\n"
        "subjects:\n  - {id: ph1, kind: retail_pharmacy}\n"
        "events:\n"
        "  - {type: evaluation_published, subject: ph1, evaluation: e1, year: "
        f"{through}, score: 78, date: {friday.isoformat()}}}\n"
        f"expect:\n  {expected}:\n"
    )


#: Per kind of result: the expectation (formatted with the value of ``provisional``), the words
#: that name it in a failure, and what else the passing scenario expects.
PROVISIONAL_CASES = {
    # Art 12: the report forms the day after the window counted through the next year; the
    # supervision by grade counts no working day.
    "decisions": (
        "    - {{subject: ph1, outcome: report_formed, provisional: {}}}\n",
        "outcome report_formed",
        "    - {subject: ph1, outcome: general_supervision, provisional: false}\n",
    ),
    # A layer's duty owed the day the report forms.
    "duties": (
        "    - {{subject: ph1, name: tell_subject_of_report, provisional: {}}}\n",
        "tell_subject_of_report",
        "",
    ),
}


@pytest.mark.parametrize("expected", sorted(PROVISIONAL_CASES))
def test_a_result_may_be_expected_provisional_or_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expected: str
) -> None:
    """A result of an evaluation published on the last Friday of the calendar's last
    published year, on a day counted through the next, unpublished one."""
    item, named, more = PROVISIONAL_CASES[expected]
    ruleset = (
        "ganzhou-2023"
        if expected == "decisions"
        else str(write(tmp_path, "layer.yaml", DUTY_LAYER))
    )
    scenario = _published_at_the_calendars_edge(ruleset, expected)
    path = write(tmp_path, "result.scenario.yaml", scenario + item.format("false"))
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1, out
    assert named in out and re.search(r"provisional\s+false\s+true", out), out
    path.write_text(scenario + item.format("true") + more, encoding="utf-8")
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0, out


def test_error_beside_expected_results_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing but the refusal is checked, so the decisions written beside it would be ignored.
    path = write(
        tmp_path,
        "refused.scenario.yaml",
        TWO_RECORDS
        + "  error: entered twice\n"
        + "  exactly: true\n"
        + "  decisions:\n    - {subject: p1, outcome: cash_settlement}\n",
    )
    code, out, err = run(capsys, "test", str(path))
    assert code == 2, out + err
    assert f"{path}:{line_of(path, 'error:')}:3: [expect.error] cannot be combined with" in err
    assert "decisions, exactly" in err
    assert "1 could not be run" in out


def test_an_expectation_about_a_subject_not_in_the_scenario_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "nobody.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n    - {subject: p7, outcome: written_warning}\n"
        + "  duties:\n    - {subject: p11, name: notify_entry}\n",
    )
    code, out, err = run(capsys, "test", str(path))
    # Not a failing expectation (exit 1): the scenario names no p7, so it can never hold.
    assert code == 2, out + err
    assert "FAIL" not in out
    assert (
        f"{path}:{line_of(path, 'p7')}:8: [expect.decisions[0].subject] "
        "there is no subject 'p7' in the scenario" in err
    )
    assert f"{path}:{line_of(path, 'p11')}:" in err and "did you mean p1?" in err


def test_a_scenario_may_take_another_reading_and_set_a_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Art 9 under the alternative reading while_record_valid: the warning of 2008-03-10
    stands for the record's 5-year validity. A parameter is set beside the reading (one record
    still gives a warning), and the scenario counts for lianyungang-2007's coverage as any of
    its scenarios does."""
    reading = TWO_RECORDS.replace(
        "as_of: 2010-05-20\n",
        "interpretations:\n  written_warning_is_one_off: while_record_valid\n"
        "parameters:\n  warning_records: 1\nas_of: 2009-01-01\n",
    ).split("  - {type: dishonesty_entered, subject: p1, record: r2")[0]
    path = write(
        tmp_path,
        "reading.scenario.yaml",
        reading
        + "expect:\n  exactly: true\n  decisions:\n"
        + "    - {subject: p1, outcome: written_warning, from: 2008-03-10, until: 2013-03-10,"
        + " active: true}\n",
    )
    code, out, err = run(capsys, "test", str(path))
    assert code == 0, out + err
    assert "1 passed" in out
    # Coverage (which fails: one scenario leaves most articles uncovered) is of the ruleset
    # the scenario names, not of a ruleset of its own.
    _, out, _ = run(capsys, "test", "--coverage", str(path))
    assert out.count("Article coverage: lianyungang-2007 1.0.0 (1 scenarios") == 1
    assert "+warning_term" not in out
    scenario = load_scenario(path)
    assert scenario.settings == {"warning_term": "5 years", "warning_records": 1}
    assert scenario.base.digest != scenario.ruleset.digest
    assert scenario.on(scenario.base).digest == scenario.ruleset.digest


def test_a_reading_or_parameter_the_ruleset_cannot_take_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "readings.scenario.yaml",
        TWO_RECORDS.replace(
            "as_of: 2010-05-20\n",
            "interpretations:\n"
            "  written_warning_is_one_of: while_record_valid\n"
            "  audit_flag_term: forever\n"
            "  terms_in_principle: case_by_case\n"
            "  audit_flag_beyond_two: exactly_two\n"
            "parameters:\n"
            "  audit_flag_beyond_two: false\n"
            "  warning_records: x\n"
            "as_of: 2010-05-20\n",
        )
        + "  exactly: true\n",
    )
    code, out, err = run(capsys, "test", str(path))
    assert code == 2, out + err
    expected = [
        (
            "written_warning_is_one_of",
            "is not an interpretation of lianyungang-2007; did you "
            "mean written_warning_is_one_off?",
        ),
        (
            "audit_flag_term: forever",
            "'forever' is not an alternative of audit_flag_term (it "
            "has with_settlement_change, while_record_valid)",
        ),
        (
            "case_by_case",
            "alternative case_by_case of terms_in_principle is not carried out by a parameter",
        ),
        (
            "audit_flag_beyond_two: false",
            "parameter audit_flag_beyond_two is set here and by "
            "interpretations.audit_flag_beyond_two",
        ),
        ("warning_records: x", "[parameters.warning_records] expected a whole number, got 'x'"),
    ]
    for needle, said in expected:
        assert f"{path}:{line_of(path, needle)}:" in err and said in err, (needle, err)
    # In Chinese the alternatives are listed with the enumeration comma.
    code, _, err = run(capsys, "--lang", "zh", "test", str(path))
    assert code == 2 and "（已有：with_settlement_change、while_record_valid）" in err, err


def test_broken_yaml_and_unknown_ruleset_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "broken.scenario.yaml", "ruleset: [lianyungang-2007\n")
    write(
        tmp_path, "unknown.scenario.yaml", TWO_RECORDS.replace("lianyungang-2007", "nowhere-1999")
    )
    code, _, err = run(capsys, "test", str(tmp_path))
    assert code == 2
    assert "broken.scenario.yaml" in err and "not valid YAML" in err
    assert "'nowhere-1999' is neither a bundled ruleset" in err


def test_events_that_contradict_each_other_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TWO_RECORDS.replace("record: r2", "record: r1") + (
        "  decisions:\n    - {subject: p1, outcome: written_warning}\n"
    )
    path = write(tmp_path, "twice.scenario.yaml", text)
    code, _, err = run(capsys, "test", str(path))
    assert code == 2
    assert "entered twice" in err
    assert f"{path}:{line_of(path, 'resell_drugs')}" in err


# -- output -----------------------------------------------------------------------------------


def test_json_report_for_ci(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path,
        "a-wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n    - {subject: p1, outcome: cash_settlement, from: 2009-05-21}\n",
    )
    write(
        tmp_path,
        "b-right.scenario.yaml",
        TWO_RECORDS + "  decisions:\n    - {subject: p1, outcome: cash_settlement}\n",
    )
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code, _, _ = run(capsys, "test", str(tmp_path), "--json", str(report))
    assert code == 1
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["summary"] == {
        "files": 2,
        "passed": 1,
        "failed": 1,
        "errors": 0,
        "skipped": 0,
    }
    wrong, right = document["scenarios"]
    assert right["status"] == "passed"
    assert wrong["status"] == "failed"
    (mismatch,) = wrong["mismatches"]
    assert mismatch["subject"] == "p1" and mismatch["name"] == "cash_settlement"
    assert mismatch["differences"] == [
        {"field": "from", "expected": "2009-05-21", "actual": "2009-05-20"}
    ]
    assert "coverage" not in document


def test_failures_and_errors_follow_lang_zh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "a-wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2009-05-21, until: 2010-05-21}\n"
        + "    - {subject: p1, outcome: time_limited_reimbursement}\n"
        + "  absent: [audit_flag]\n",
    )
    write(tmp_path, "b-broken.scenario.yaml", "ruleset: [lianyungang-2007\n")
    report = tmp_path / "report.json"
    code, out, err = run(capsys, "test", str(tmp_path), "--lang", "zh", "--json", str(report))
    assert code == 2, out + err
    assert "主体 p1，结果 cash_settlement：from、until 不同" in out
    assert "主体 p1，结果 time_limited_reimbursement：缺失" in out
    assert "无；p1 有 audit_flag, cash_settlement, notify_entry, written_warning" in out
    assert "主体 p1，结果 audit_flag：在 2010年5月20日 不应适用（列于 absent 下）" in out
    assert "true（自 2009-05-20 至 2010-05-20）" in out
    # Art 10(1)'s reasons in the ruleset's Chinese, each with its fact's id.
    assert "据以确定措施的失信记录数：2 [record_count]" in out
    assert "\n错误 " in "\n" + err and "ERROR" not in err
    for english in ("subject", "outcome", "differ", "missing", "none", "Records", "apply"):
        assert english not in out, english
    document = json.loads(report.read_text(encoding="utf-8"))
    mismatch = document["scenarios"][0]["mismatches"][0]
    assert mismatch["problem"] == "from、until 不同"
    assert "据以确定措施的失信记录数：2 [record_count]" in mismatch["because"]


def test_failures_in_english_keep_their_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n"
        + "    - {subject: p1, outcome: cash_settlement, from: 2009-05-21, until: 2010-05-21}\n",
    )
    write(tmp_path, "broken.scenario.yaml", "ruleset: [lianyungang-2007\n")
    code, out, err = run(capsys, "test", str(tmp_path), "--lang", "en")
    assert code == 2
    assert "subject p1, outcome cash_settlement: from and until differ" in out
    assert "      - Records that set the measure: 2 [record_count]\n" in out
    assert err.startswith("ERROR ")


def failing(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "wrong.scenario.yaml",
        TWO_RECORDS
        + "  decisions:\n    - {subject: p1, outcome: cash_settlement, active: false}\n",
    )


def test_no_escape_codes_when_piped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = run(capsys, "test", str(failing(tmp_path)))
    assert "\x1b[" not in out + err


def test_colour_on_a_terminal_and_none_under_no_color(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = failing(tmp_path)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the output as a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, coloured, _ = run(capsys, "test", str(path))
    assert "\x1b[1;31mFAIL" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, "test", str(path))
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", plain), "a colour code under NO_COLOR"
    assert "FAIL" in plain
