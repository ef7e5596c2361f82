"""Reading a newer year's holiday schedule from a YAML or JSON overlay.

The State Council publishes each year's schedule late in the year before (国务院办公厅关于某年
部分节假日安排的通知). Users should not have to wait for a ``holidays`` release to count
deadlines in that year, so a year can be loaded from a small file that copies the notice::

    year: 2027
    source:
      title: 国务院办公厅关于2027年部分节假日安排的通知
      number: 国办发明电〔2026〕N号
      url: https://www.gov.cn/...
      published: 2026-11-12
    holidays:
      - {date: 2027-01-01, name: 元旦}
      - {from: 2027-02-05, to: 2027-02-11, name: 春节}
    workdays:
      - {date: 2027-02-14, name: 春节调休上班}

The overlay is the whole schedule of its year: the listed holidays are rest days, the listed
workdays are Saturdays or Sundays worked, every other weekday works and every other weekend day
rests. ``provisional: true`` marks a schedule that is not (yet) an official notice; its year is
used but results touching it stay provisional.

A schedule that contradicts itself is refused with every problem found, each located by file,
line and field: a day both a holiday and a workday, a day listed twice, a day outside the
declared year, a "workday" that is already a weekday, unknown keys, missing fields.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

import yaml

from credit_rules.calendar.schedules import ADJUSTED_WORKDAY, ScheduleSource, YearSchedule
from credit_rules.errors import CalendarOverlayError, Problem
from credit_rules.i18n import Message
from credit_rules.limits import DEFAULT_LIMITS, read_capped
from credit_rules.yaml_source import (
    Path,
    SourceMap,
    YamlSyntaxError,
    format_path,
    read_yaml,
)

_TOP_KEYS = {"year", "source", "holidays", "workdays", "provisional", "note"}
_SOURCE_KEYS = {"title", "number", "url", "published"}
_HOLIDAY_KEYS = {"date", "from", "to", "name"}
_WORKDAY_KEYS = {"date", "name"}
# Holiday schedules exist from 1950 (the first PRC holiday measures) and ``holidays`` computes
# lunar festivals only within its own range; beyond these years an overlay is surely a typo.
_YEARS = range(1950, 2100)


def load_overlay(overlay: str | os.PathLike[str] | Mapping[str, Any]) -> YearSchedule:
    """Read and check one year's schedule from a file (YAML, or JSON by its ``.json`` suffix)
    or from an already-parsed mapping. Raises :class:`CalendarOverlayError` listing every
    problem found."""
    if isinstance(overlay, Mapping):
        return _Checker("<overlay mapping>", SourceMap()).schedule(overlay)
    path = FilePath(overlay)
    source = str(path)
    try:
        text = read_capped(path, DEFAULT_LIMITS, source).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarOverlayError(
            source, [Problem(Message("cannot read the overlay: {error}", error=error))]
        ) from None
    data, source_map = _parse(text, source, json_syntax=path.suffix.lower() == ".json")
    return _Checker(source, source_map).schedule(data)


def _parse(text: str, source: str, *, json_syntax: bool) -> tuple[Any, SourceMap]:
    if not json_syntax:
        try:
            return read_yaml(text, DEFAULT_LIMITS, source)
        except YamlSyntaxError as error:
            raise CalendarOverlayError(source, [error.problem]) from None
        except ValueError:
            # PyYAML turns anything shaped like a date into one, and fails outright on an
            # impossible date such as 2027-02-30; say where it is instead of crashing.
            raise CalendarOverlayError(source, _impossible_dates(text)) from None
    # JSON is YAML, so the YAML reader says on which line each value is, and its limits are
    # checked before json.loads, which would recurse on deep nesting.
    try:
        _, source_map = read_yaml(text, DEFAULT_LIMITS, source)
    except YamlSyntaxError:
        source_map = SourceMap()
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        problem = Problem(
            Message("not valid JSON: {msg}", msg=error.msg), line=error.lineno, column=error.colno
        )
        raise CalendarOverlayError(source, [problem]) from None
    except _DuplicateKey as error:
        raise CalendarOverlayError(
            source, [Problem(Message("duplicate key {key!r}", key=error.key))]
        ) from None
    except (ValueError, RecursionError) as error:
        problem = Problem(Message("not valid JSON: {error}", error=str(error)[:120]))
        raise CalendarOverlayError(source, [problem]) from None
    return data, source_map


def _impossible_dates(text: str) -> list[Problem]:
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))
        elif node.tag == "tag:yaml.org,2002:timestamp":
            try:
                dt.date.fromisoformat(str(node.value))
            except ValueError:
                problems.append(
                    Problem(
                        Message("{value} is not a real date", value=node.value),
                        field=format_path(path),
                        line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1,
                    )
                )

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return problems or [Problem(Message("holds a value that cannot be read as a date"))]


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _Checker:
    """Collects every problem of one overlay before refusing it, so one edit fixes them all."""

    def __init__(self, source: str, source_map: SourceMap) -> None:
        self.source = source
        self.map = source_map
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(self.map.problem(path, message))

    def where(self, path: Path) -> str:
        """``at holidays[1], line 12``: how a message points at another entry."""
        line, _ = self.map.locate(path)
        return f"at {format_path(path)}" + (f", line {line}" if line is not None else "")

    def schedule(self, data: Any) -> YearSchedule:
        if not isinstance(data, Mapping):
            self.fail((), "an overlay is a mapping with year, source, holidays and workdays")
            raise CalendarOverlayError(self.source, self.problems)
        self.keys(data, (), _TOP_KEYS, required={"year", "source", "holidays"})
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or year not in _YEARS:
            self.fail(("year",), f"must be a year from 1950 to 2099, such as 2027, not {year!r}")
            year = None
        source = self.source_notice(data["source"]) if "source" in data else None
        holidays = []
        if "holidays" in data:
            holidays = self.days(data["holidays"], "holidays", year, ranges=True)
        workdays = self.days(data.get("workdays", []), "workdays", year, ranges=False)
        if data.get("holidays") == []:
            self.fail(("holidays",), "lists no holidays; an overlay states the whole year")
        self.contradictions(holidays, workdays)
        provisional = data.get("provisional", False)
        if not isinstance(provisional, bool):
            self.fail(("provisional",), f"must be true or false, not {provisional!r}")
        if "note" in data and not isinstance(data["note"], str):
            self.fail(("note",), "must be text")
        if self.problems or year is None or source is None:
            if not self.problems:  # pragma: no cover - every path above records its problem
                self.fail((), "is not a complete overlay")
            raise CalendarOverlayError(self.source, self.problems)
        return YearSchedule(
            year=year,
            holidays=tuple(sorted((day, name) for day, name, _ in holidays)),
            workdays=tuple(sorted((day, name) for day, name, _ in workdays)),
            source=source,
            published=not provisional,
            origin=f"overlay {self.source}",
        )

    def keys(
        self, data: Mapping[Any, Any], path: Path, allowed: set[str], required: set[str]
    ) -> None:
        for key in data:
            if key not in allowed:
                self.fail(
                    (*path, str(key)),
                    f"unknown key {key!r}; expected one of {', '.join(sorted(allowed))}",
                )
        for key in sorted(required - set(data)):
            self.fail(path, f"missing {key!r}")

    def source_notice(self, data: Any) -> ScheduleSource | None:
        if not isinstance(data, Mapping):
            self.fail(("source",), "must be a mapping with at least a title (the notice)")
            return None
        self.keys(data, ("source",), _SOURCE_KEYS, required={"title"})
        texts: dict[str, str] = {}
        for key in ("title", "number", "url"):
            value = data.get(key, "")
            if not isinstance(value, str):
                self.fail(("source", key), f"must be text, not {value!r}")
            else:
                texts[key] = value.strip()
        if "title" in data and not texts.get("title"):
            self.fail(("source", "title"), "must name the notice the schedule comes from")
        published = None
        if "published" in data:
            published = self.date(data["published"], ("source", "published"))
        if len(texts) < 3 or not texts["title"]:
            return None
        return ScheduleSource(
            title=texts["title"], number=texts["number"], url=texts["url"], published=published
        )

    def days(
        self, data: Any, field: str, year: int | None, *, ranges: bool
    ) -> list[tuple[dt.date, str, Path]]:
        """Every day listed under ``field``, with its name and where it was written."""
        if not isinstance(data, list):
            self.fail((field,), "must be a list of entries")
            return []
        found: list[tuple[dt.date, str, Path]] = []
        seen: dict[dt.date, Path] = {}
        for position, entry in enumerate(data):
            path: Path = (field, position)
            if not isinstance(entry, Mapping):
                self.fail(path, "each entry is a mapping such as {date: 2027-01-01, name: 元旦}")
                continue
            self.keys(
                entry,
                path,
                _HOLIDAY_KEYS if ranges else _WORKDAY_KEYS,
                required={"name"} if ranges else set(),
            )
            name = entry.get("name", "" if ranges else ADJUSTED_WORKDAY)
            if "name" in entry and (not isinstance(name, str) or not name.strip()):
                self.fail((*path, "name"), "must name the day, e.g. 春节")
            name = name if isinstance(name, str) else ""
            twice: dict[Path, tuple[Path, list[dt.date]]] = {}
            for day, where in self.entry_days(entry, path, year, ranges=ranges):
                if day in seen:
                    twice.setdefault(seen[day], (where, []))[1].append(day)
                    continue
                seen[day] = where
                if not ranges and day.weekday() < 5:
                    self.fail(
                        where,
                        f"{day.isoformat()} is a {day.strftime('%A')}: an adjusted workday "
                        "(调休上班日) is a Saturday or Sunday made a working day",
                    )
                found.append((day, name.strip(), where))
            for earlier, (where, repeated) in twice.items():
                listed = ", ".join(day.isoformat() for day in repeated)
                self.fail(where, f"{listed} listed twice in {field} (also {self.where(earlier)})")
        return found

    def entry_days(
        self, entry: Mapping[str, Any], path: Path, year: int | None, *, ranges: bool
    ) -> list[tuple[dt.date, Path]]:
        if "date" in entry:
            if "from" in entry or "to" in entry:
                self.fail(path, "give either date, or from and to, not both")
            day = self.date(entry["date"], (*path, "date"))
            return self.in_year([(day, (*path, "date"))], year)
        if not ranges:
            self.fail(path, "missing 'date'")
            return []
        if "from" not in entry or "to" not in entry:
            self.fail(path, "give date, or from and to")
            return []
        first = self.date(entry["from"], (*path, "from"))
        last = self.date(entry["to"], (*path, "to"))
        if first is None or last is None:
            return []
        if last < first:
            self.fail((*path, "to"), f"{last.isoformat()} is before from {first.isoformat()}")
            return []
        checked = self.in_year([(first, (*path, "from")), (last, (*path, "to"))], year)
        if len(checked) < 2:
            return []
        span = (last - first).days
        return [(first + dt.timedelta(days=offset), path) for offset in range(span + 1)]

    def in_year(
        self, days: list[tuple[dt.date | None, Path]], year: int | None
    ) -> list[tuple[dt.date, Path]]:
        kept: list[tuple[dt.date, Path]] = []
        for day, where in days:
            if day is None:
                continue
            if year is not None and day.year != year:
                self.fail(where, f"{day.isoformat()} is outside the declared year {year}")
                continue
            kept.append((day, where))
        return kept

    def date(self, value: Any, path: Path) -> dt.date | None:
        if isinstance(value, dt.datetime):
            self.fail(path, f"must be a date, not a date and time ({value!r})")
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(path, f"must be a date written YYYY-MM-DD, not {value!r}")
        return None

    def contradictions(
        self,
        holidays: list[tuple[dt.date, str, Path]],
        workdays: list[tuple[dt.date, str, Path]],
    ) -> None:
        off = {day: where for day, _, where in holidays}
        for day, _, where in workdays:
            if day in off:
                self.fail(
                    where,
                    f"{day.isoformat()} is both a workday and a holiday "
                    f"(holiday {self.where(off[day])})",
                )
