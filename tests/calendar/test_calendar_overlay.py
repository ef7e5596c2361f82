"""Loading a newer year's schedule from YAML or JSON, and refusing self-contradicting ones."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from credit_rules.calendar import YearSchedule, default_calendar, load_overlay
from credit_rules.errors import CalendarOverlayError, InputError

D = dt.date
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "overlay-2027-example.yaml"

GOOD_YAML = """\
year: 2030
source:
  title: 国务院办公厅关于2030年部分节假日安排的通知 (test copy)
  number: 国办发明电〔2029〕99号
  url: https://example.invalid/notice-2030
  published: 2029-11-20
holidays:
  - {date: 2030-01-01, name: 元旦}
  - {from: 2030-02-02, to: 2030-02-08, name: 春节}
  - {from: 2030-10-01, to: 2030-10-07, name: 国庆节}
workdays:
  - {date: 2030-01-26, name: 春节调休上班}
  - {date: 2030-02-09}
  - {date: 2030-09-29, name: 国庆节调休上班}
"""


def _write(tmp_path: Path, text: str, name: str = "overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(source: Path | dict[str, Any]) -> list[tuple[str, int | None, str]]:
    with pytest.raises(CalendarOverlayError) as caught:
        load_overlay(source)
    return [(p.field, p.line, p.message) for p in caught.value.problems]


def test_a_good_yaml_overlay_gives_a_new_calendar_and_leaves_the_old_one_alone(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, GOOD_YAML)
    base = default_calendar()
    before = base.is_working_day(D(2030, 2, 4))
    calendar = base.with_overlay(path)
    assert not calendar.is_working_day(D(2030, 2, 4))  # Monday inside the holiday
    assert calendar.is_working_day(D(2030, 1, 26))  # Saturday worked
    assert calendar.is_working_day(D(2030, 2, 9))
    assert calendar.describe_day(D(2030, 2, 9)).name == "调休上班日"
    assert calendar.describe_day(D(2030, 2, 4)).name == "春节"
    assert not calendar.is_working_day(D(2030, 2, 10))  # Sunday not listed: rests
    schedule = calendar.schedule(2030)
    assert schedule.published
    assert schedule.source.number == "国办发明电〔2029〕99号"
    assert schedule.source.published == D(2029, 11, 20)
    assert str(path) in schedule.origin
    assert 2030 in calendar.published_years
    assert base.is_working_day(D(2030, 2, 4)) == before
    assert 2030 not in base.published_years


def test_a_json_overlay_and_a_mapping_give_the_same_schedule(tmp_path: Path) -> None:
    data = {
        "year": 2030,
        "source": {"title": "test notice"},
        "holidays": [{"from": "2030-10-01", "to": "2030-10-07", "name": "国庆节"}],
        "workdays": [{"date": "2030-09-29", "name": "国庆节调休上班"}],
    }
    path = _write(tmp_path, json.dumps(data, ensure_ascii=False, indent=2), "overlay.json")
    from_file = load_overlay(path)
    from_mapping = load_overlay(data)
    assert isinstance(from_file, YearSchedule)
    assert from_file.holidays == from_mapping.holidays
    assert from_file.workdays == ((D(2030, 9, 29), "国庆节调休上班"),)
    assert len(from_file.holidays) == 7


def test_the_documented_example_overlay_loads_and_stays_provisional() -> None:
    schedule = load_overlay(EXAMPLE)
    assert schedule.year == 2027
    assert not schedule.published
    assert "ILLUSTRATIVE EXAMPLE" in schedule.source.title
    calendar = default_calendar().with_overlay(EXAMPLE)
    assert not calendar.is_working_day(D(2027, 10, 4))
    if 2027 not in default_calendar().published_years:
        assert calendar.deadline(D(2027, 9, 30), 7, "working_days").provisional


def test_a_day_both_holiday_and_workday_is_refused_naming_file_line_and_field(
    tmp_path: Path,
) -> None:
    text = GOOD_YAML.replace("{date: 2030-02-09}", "{date: 2030-02-03}")
    path = _write(tmp_path, text)
    with pytest.raises(CalendarOverlayError) as caught:
        load_overlay(path)
    error = caught.value
    assert isinstance(error, InputError)
    assert error.source == str(path)
    [problem] = error.problems
    assert problem.field == "workdays[1].date"
    assert problem.line == 13
    assert "both a workday and a holiday" in problem.message
    assert "holidays[1], line 9" in problem.message
    assert f"{path}:13" in str(error)


def test_a_date_outside_the_declared_year_is_refused(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("{date: 2030-01-01, name: 元旦}", "{date: 2031-01-01, name: 元旦}")
    [(field, line, message)] = _problems(_write(tmp_path, text))
    assert (field, line) == ("holidays[0].date", 8)
    assert "outside the declared year 2030" in message


def test_a_day_listed_twice_is_refused_once_per_entry(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "  - {from: 2030-10-01, to: 2030-10-07, name: 国庆节}\n",
        "  - {from: 2030-10-01, to: 2030-10-07, name: 国庆节}\n"
        "  - {from: 2030-10-05, to: 2030-10-08, name: 国庆节}\n",
    )
    [(field, line, message)] = _problems(_write(tmp_path, text))
    assert (field, line) == ("holidays[3]", 11)
    assert "2030-10-05, 2030-10-06, 2030-10-07 listed twice in holidays" in message
    assert "holidays[2], line 10" in message


def test_an_adjusted_workday_must_be_a_weekend_day() -> None:
    overlay = {
        "year": 2030,
        "source": {"title": "t"},
        "holidays": [{"date": "2030-01-01", "name": "元旦"}],
        "workdays": [{"date": "2030-01-02"}],
    }
    [(field, line, message)] = _problems(overlay)
    assert (field, line) == ("workdays[0].date", None)
    assert "Wednesday" in message


def test_every_problem_of_a_bad_overlay_is_reported_at_once(tmp_path: Path) -> None:
    text = """\
year: 2030
colour: red
source:
  number: 国办发明电〔2029〕99号
holidays:
  - {from: 2030-02-08, to: 2030-02-02, name: 春节}
  - {date: "2030-13-01", name: 元旦}
  - {date: 2030-05-01}
"""
    problems = _problems(_write(tmp_path, text))
    fields = [field for field, _, _ in problems]
    assert "colour" in fields
    assert "source" in fields  # missing title
    assert "holidays[0].to" in fields  # before from
    assert "holidays[1].date" in fields  # not a date
    assert "holidays[2]" in fields  # missing name
    assert all(line is not None for _, line, _ in problems)


def test_an_impossible_date_is_refused_with_its_line(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("{date: 2030-01-01, name: 元旦}", "{date: 2030-02-30, name: 元旦}")
    [(field, line, message)] = _problems(_write(tmp_path, text))
    assert (field, line) == ("holidays[0].date", 8)
    assert "2030-02-30 is not a real date" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year: 2030\nyear: 2031\n", "duplicate key 'year'"),
        ("- just a list\n", "an overlay is a mapping"),
        ("year: [2030\n", "not valid YAML"),
        ("year: 2030\nsource: {title: t}\nholidays: []\n", "lists no holidays"),
        ("year: 1066\nsource: {title: t}\nholidays: [{date: 1066-01-01, name: x}]\n", "year"),
    ],
)
def test_malformed_overlays_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(CalendarOverlayError, match=expected.replace("[", r"\[")):
        load_overlay(_write(tmp_path, text))


def test_malformed_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "year": 2030,\n  "year": 2030\n}', "overlay.json")
    with pytest.raises(CalendarOverlayError, match="duplicate key 'year'"):
        load_overlay(path)
    path = _write(tmp_path, '{\n  "year": 2030,\n}', "broken.json")
    with pytest.raises(CalendarOverlayError) as caught:
        load_overlay(path)
    assert caught.value.problems[0].line == 3


def test_a_missing_overlay_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarOverlayError, match="cannot read"):
        load_overlay(tmp_path / "nope.yaml")
