"""The calendar agrees with an independent source, chinesecalendar, on every day of 2008–2026.

chinesecalendar (LKI/chinese-calendar) is maintained separately from ``holidays`` and transcribes
the same State Council notices by hand, so a transcription slip in either shows up here. Every
day on which the two disagree must be listed below with the reason, checked against the notice;
the test fails on any disagreement that is not listed, and on any listed one that has gone away.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from credit_rules.calendar import default_calendar

#: Days of 2008–2026 on which chinesecalendar and credit_rules.calendar disagree, with the reason.
#: With holidays 0.109 and chinesecalendar 1.11.0 there are none: both encode every notice from
#: the 2008 schedule to the 2026 one identically, including the one-off days: the Victory Day
#: holiday of 2015-09-03/04 (with Sunday 2015-09-06 worked), the 2019 change of May Day to four
#: days, and the extension of the 2020 Spring Festival to 2020-02-02 (国务院办公厅关于延长2020年
#: 春节假期的通知, 国办发明电〔2020〕1号), which also cancelled the Saturday 2020-02-01 workday.
KNOWN_DISAGREEMENTS_2008_2026: dict[dt.date, str] = {}

#: Before the measures' years, for the record (chinesecalendar starts in 2004).
KNOWN_DISAGREEMENTS_2004_2007: dict[dt.date, str] = {
    dt.date(2005, 12, 31): (
        "Saturday 2005-12-31 was a working day: 国务院办公厅关于2006年部分节假日安排的通知 "
        "(国办发明电〔2005〕35号) moves it to Tuesday 2006-01-03 and says '12月31日（星期六）"
        "上班'. holidays has the swap; chinesecalendar 1.11.0 marks the day a rest day."
    ),
}


def _disagreements(first: dt.date, last: dt.date) -> dict[dt.date, tuple[bool, bool]]:
    calendar = default_calendar()
    found: dict[dt.date, tuple[bool, bool]] = {}
    day = first
    while day <= last:
        ours = calendar.is_working_day(day)
        theirs = chinese_calendar.is_workday(day)
        if ours != theirs:
            found[day] = (ours, theirs)
        day += dt.timedelta(days=1)
    return found


def _report(found: dict[dt.date, tuple[bool, bool]], known: dict[dt.date, str]) -> str:
    return "\n".join(
        f"{day.isoformat()} ({day:%a}): credit_rules says working={ours}, "
        f"chinesecalendar says working={theirs}"
        for day, (ours, theirs) in sorted(found.items())
        if day not in known
    )


def test_every_day_of_2008_to_2026_agrees_with_chinesecalendar_or_is_explained() -> None:
    found = _disagreements(dt.date(2008, 1, 1), dt.date(2026, 12, 31))
    unexplained = _report(found, KNOWN_DISAGREEMENTS_2008_2026)
    assert not unexplained, f"unexplained disagreements with chinesecalendar:\n{unexplained}"
    gone = sorted(set(KNOWN_DISAGREEMENTS_2008_2026) - set(found))
    assert not gone, f"listed disagreements that no longer occur: {gone}"


def test_2004_to_2007_disagree_only_on_the_explained_days() -> None:
    found = _disagreements(dt.date(2004, 1, 1), dt.date(2007, 12, 31))
    unexplained = _report(found, KNOWN_DISAGREEMENTS_2004_2007)
    assert not unexplained, f"unexplained disagreements with chinesecalendar:\n{unexplained}"
    assert set(found) == set(KNOWN_DISAGREEMENTS_2004_2007)


def test_the_cross_check_covers_adjusted_workdays_and_weekday_holidays() -> None:
    # Guard against a vacuous comparison: the span holds both kinds of special day.
    calendar = default_calendar()
    adjusted = [
        day
        for year in range(2008, 2027)
        for day, _ in calendar.schedule(year).workdays
        if chinese_calendar.is_workday(day)
    ]
    assert len(adjusted) > 100
    assert not calendar.is_working_day(dt.date(2020, 1, 31))  # Spring Festival extension
    assert not calendar.is_working_day(dt.date(2020, 2, 1))  # its cancelled Saturday workday
    assert calendar.is_working_day(dt.date(2020, 2, 3))
    assert calendar.is_working_day(dt.date(2015, 9, 6))  # Sunday worked for Victory Day
