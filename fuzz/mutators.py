"""Hypothesis strategies that mutate valid inputs into hostile or careless ones.

Each mutant carries ``must_refuse``: True when the documented format forbids what the mutation
made (a timestamp for a date, a boolean for a number, an unknown key, a name in full-width
letters, a changed byte of a snapshot...), so that loading it without an error is a *silent
accept*. A mutation whose result may well be valid (a deleted list item, a changed word) is
``must_refuse=False``: then only an untyped exception or a hang counts against the library.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
RULESET_TEXT = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
RULESET_DATA: dict[str, Any] = yaml.safe_load(RULESET_TEXT)
ID_NUMBER = "110101199003074514"

SCENARIO: dict[str, Any] = {
    "ruleset": "lianyungang-2007",
    "as_of": "2009-06-01",
    "subjects": [{"id": "p2", "kind": "insured_person"}, {"id": "p3", "kind": "insured_person"}],
    "events": [
        {
            "type": "dishonesty_entered",
            "subject": "p2",
            "record": "r1",
            "category": "lend_certificate",
            "date": "2008-03-10",
        },
        {
            "type": "dishonesty_entered",
            "subject": "p2",
            "record": "r2",
            "category": "resell_drugs",
            "date": "2009-05-20",
        },
        {
            "type": "record_corrected",
            "subject": "p2",
            "record": "r1",
            "action": "removed",
            "date": "2009-05-25",
        },
        {
            "type": "dishonesty_entered",
            "subject": "p3",
            "record": "r7",
            "category": "lend_certificate",
            "date": "2008-11-02",
        },
    ],
}


@dataclass(frozen=True)
class Mutant:
    kind: str  # which mutation made it, for the report
    text: str | bytes | None = None  # a file's content
    data: Any = None  # or a value for the Python API
    must_refuse: bool = False
    detail: str = ""  # the path and value changed, for the report


# Values that are never a date, a whole number or a flag, as the format defines them.
NOT_A_DATE = [
    "2007-10-01T10:61:00",
    "2024-01-01T24:00:00",
    "2024-01-01T00:00:00+08:00",
    "20090601",
    "2009-06-01 10:00",
    1704067200,
    1704067200.0,
    0,
    True,
    "2030-02-30",
    "９９９９-01-01",
]
NOT_A_NUMBER = [True, False, "5", 5.5, "五", [], {}]
WEIRD = [
    None,
    True,
    0,
    -1,
    "",
    " ",
    "x" * 300,
    [],
    {},
    [None],
    "tｒue",
    "𝐫𝐞𝐜𝐨𝐫𝐝",
    "\u202e",
    ID_NUMBER,
    [ID_NUMBER],
    "2009-06-01",
    1e308,
]
CHARACTERS = [
    *["\x1b", "\x00", "\x7f", "\ufeff", "ｒ", "𝐫", "'", '"', ":", "{", "[", "&", "*", "!"],
    *["\t", "#", "%", "\\", "\n  "],
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


RULESET_PATHS = [p for p in _paths(RULESET_DATA) if p]
DATE_PATHS = [p for p in RULESET_PATHS if p[-1] in ("in_force_from", "issued")]
NUMBER_PATHS = [p for p in RULESET_PATHS if p[-1] in ("article", "item", "number", "priority")]
EXPRESSION_PATHS = [p for p in RULESET_PATHS if p[-1] in ("when", "from", "until", "where")]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def _delete(data: Any, path: tuple[Any, ...]) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


MAPPINGS = [p for p in [(), *RULESET_PATHS] if isinstance(_get(RULESET_DATA, p), dict)]


@st.composite
def ruleset_mutants(draw: st.DrawFn) -> Mutant:
    """One mutant of the Lianyungang ruleset, as the text of a file."""
    choice = draw(st.integers(0, 9))
    text = RULESET_TEXT
    if choice == 0:  # a character inserted anywhere
        at = draw(st.integers(0, len(text)))
        character = draw(st.sampled_from(CHARACTERS))
        return Mutant("insert-char", text[:at] + character + text[at:])
    if choice == 1:  # cut short
        at = draw(st.integers(0, len(text)))
        return Mutant("truncate", text[:at])
    if choice == 2:  # a span deleted
        at = draw(st.integers(0, len(text)))
        length = draw(st.integers(1, 200))
        return Mutant("delete-span", text[:at] + text[at + length :])
    if choice == 3:  # a line repeated or moved
        lines = text.splitlines(keepends=True)
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines.insert(j, lines[i])
        return Mutant("duplicate-line", "".join(lines))
    if choice == 4:  # any value replaced by something odd
        path = draw(st.sampled_from(RULESET_PATHS))
        return Mutant("weird-value", _dump(_set(RULESET_DATA, path, draw(st.sampled_from(WEIRD)))))
    if choice == 5:  # a date that is not an ISO date
        path = draw(st.sampled_from(DATE_PATHS))
        value = draw(st.sampled_from(NOT_A_DATE))
        data = _set(RULESET_DATA, path, value)
        return Mutant("not-a-date", _dump(data), must_refuse=True, detail=f"{path}={value!r}")
    if choice == 6:  # a number that is not a whole number
        path = draw(st.sampled_from(NUMBER_PATHS))
        value = draw(st.sampled_from(NOT_A_NUMBER))
        data = _set(RULESET_DATA, path, value)
        return Mutant("not-a-number", _dump(data), must_refuse=True, detail=f"{path}={value!r}")
    if choice == 7:  # an unknown key
        path = draw(st.sampled_from(MAPPINGS))
        key = draw(st.sampled_from(["colour", "Id", "ｉd", "when_", "x"]))
        mapping = _get(RULESET_DATA, path) if path else RULESET_DATA
        data = _set(RULESET_DATA, (*path, key), 1) if path else {**RULESET_DATA, key: 1}
        return Mutant("unknown-key", _dump(data), must_refuse=key not in mapping)
    if choice == 8:  # an expression attacked
        path = draw(st.sampled_from(EXPRESSION_PATHS))
        original = str(_get(RULESET_DATA, path))
        attack = draw(
            st.sampled_from(
                [
                    ("fullwidth", original.replace("r", "ｒ", 1), "r" in original),
                    ("bold", original.replace("e", "𝐞", 1), "e" in original),
                    ("deep-not", "not " * draw(st.integers(60, 3000)) + "true", True),
                    ("deep-paren", "(" * draw(st.integers(60, 500)) + "true" + ")" * 500, True),
                    ("call", "__import__('os')", True),
                    ("attribute", "trigger.__class__", True),
                    ("lambda", "(lambda: 1)()", True),
                    ("long-and", " and ".join(["true"] * draw(st.integers(900, 5000))), True),
                    ("garbage", original[: len(original) // 2], False),
                ]
            )
        )
        name, value, refuse = attack
        return Mutant(f"expr-{name}", _dump(_set(RULESET_DATA, path, value)), must_refuse=refuse)
    # a list item or key deleted
    path = draw(st.sampled_from(RULESET_PATHS))
    return Mutant("delete-value", _dump(_delete(RULESET_DATA, path)))


SCENARIO_PATHS = [p for p in _paths(SCENARIO) if p and p[0] in ("subjects", "events", "as_of")]
EVENT_DATES = [p for p in SCENARIO_PATHS if p[-1] == "date"]


@st.composite
def scenario_mutants(draw: st.DrawFn) -> Mutant:
    """One mutant of a small Lianyungang scenario, as data for the Python API (``data``) and
    as the text of a scenario file (``text``)."""
    choice = draw(st.integers(0, 7))
    data: Any
    must_refuse = False
    kind: str
    # A valid day to evaluate on, so that the same mutation is tried against many histories.
    day = draw(st.dates(dt.date(2007, 10, 1), dt.date(2015, 12, 31)))
    base = _set(SCENARIO, ("as_of",), day.isoformat())
    detail = base["as_of"]
    if choice == 0:
        path = draw(st.sampled_from(SCENARIO_PATHS))
        value = draw(st.sampled_from(WEIRD))
        data, kind, detail = _set(base, path, value), "weird-value", f"{path}={value!r}"
    elif choice == 1:
        path = draw(st.sampled_from([*EVENT_DATES, ("as_of",)]))
        value = draw(st.sampled_from(NOT_A_DATE))
        data, kind, detail = _set(base, path, value), "not-a-date", f"{path}={value!r}"
        must_refuse = True
    elif choice == 2:
        index = draw(st.sampled_from([0, 1, 3]))
        data = copy.deepcopy(base)
        data["events"].insert(draw(st.integers(0, 4)), copy.deepcopy(SCENARIO["events"][index]))
        kind, must_refuse = "same-record-twice", True
    elif choice == 3:
        section = draw(st.sampled_from(["subjects", "events"]))
        value = draw(st.sampled_from([None, "p2", {"id": "p2"}, 5, [ID_NUMBER], ID_NUMBER]))
        data, kind, must_refuse = _set(base, (section,), value), "not-a-list", True
    elif choice == 4:
        path = draw(st.sampled_from(SCENARIO_PATHS))
        data, kind = _delete(base, path), "delete-value"
        must_refuse = path[-1] in ("as_of", "type", "subject", "record", "date", "id", "kind")
    elif choice == 5:
        index = draw(st.integers(0, 3))
        key = draw(st.sampled_from(["colour", "Date", "ｄate", "score"]))
        data = _set(base, ("events", index, key), 1)
        kind, must_refuse = "unknown-field", True
    elif choice == 6:
        data = _set(base, ("subjects", 0, "id"), ID_NUMBER)
        data = _set(data, ("subjects", 0, "kind"), draw(st.sampled_from(["nope", None, 5])))
        kind, must_refuse = "identity-number", True
    else:
        count = draw(st.integers(2, 60))
        data = copy.deepcopy(base)
        data["events"] = [
            {**SCENARIO["events"][0], "record": f"r{i}", "date": f"2008-{1 + i % 12:02d}-10"}
            for i in range(count)
        ]
        kind = "many-records"
    try:
        text = _dump(data)
    except yaml.YAMLError:
        text = None
    return Mutant(kind, text, data, must_refuse, detail)


@st.composite
def snapshot_mutants(draw: st.DrawFn, snapshot: bytes) -> Mutant:
    """A snapshot with one change: every change to what its last seal covers must be refused
    (the chained checksum covers it all). Lines after the last seal are an append that did not
    finish: they are not part of the snapshot, which restores as it was sealed."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        at = draw(st.integers(0, len(snapshot) - 1))
        byte = draw(st.integers(0, 255).filter(lambda b: b != snapshot[at]))
        flipped = snapshot[:at] + bytes([byte]) + snapshot[at + 1 :]
        return Mutant("flip-byte", flipped, must_refuse=True)
    if choice == 1:
        at = draw(st.integers(0, len(snapshot) - 1))
        return Mutant("truncate", snapshot[:at], must_refuse=True)
    lines = snapshot.splitlines(keepends=True)
    header, body, seal = lines[0], lines[1:-1], lines[-1]
    if choice == 2:
        fields = json.loads(seal)["seal"]
        name = draw(st.sampled_from(["today", "library_version", "subjects", "events"]))
        value = draw(st.sampled_from(["2031-01-01", "0.0.1", 0, 99, None, {"id": "x"}]))
        if fields.get(name) == value:
            value = "changed"
        fields[name] = value
        edited = header + b"".join(body) + json.dumps({"seal": fields}).encode() + b"\n"
        return Mutant(f"seal-{name}", edited, must_refuse=True)
    if choice == 3:
        i, j = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, len(body)))
        moved = [*body]
        moved.insert(j, body[i])
        return Mutant("duplicate-line", header + b"".join(moved) + seal, must_refuse=True)
    i = draw(st.integers(0, len(lines) - 1))
    return Mutant("unsealed-tail", snapshot + lines[i][: draw(st.integers(1, len(lines[i])))])
