"""A generated case (subjects, events, a day) and its rendering as a scenario file.

Invariants are checked on cases, and a case that breaks one is handed back to the analyst as
a scenario file that ``credit-rules evaluate`` runs as it is: the counterexample is then
something to read, save beside the regulation's other scenarios and fix, not a Python repr.

    >>> import datetime as dt
    >>> from credit_rules import bundled
    >>> from credit_rules.model.events import QueryRequested
    >>> from credit_rules.model.subjects import InsuredPerson
    >>> case = Case(
    ...     (InsuredPerson(id="p1"),),
    ...     (QueryRequested(subject="p1", date=dt.date(2008, 3, 10)),),
    ...     as_of=dt.date(2008, 3, 10),
    ... )
    >>> print(render_scenario(bundled("lianyungang-2007"), case), end="")
    ruleset: lianyungang-2007
    as_of: 2008-03-10
    subjects:
      - {id: p1, kind: insured_person}
    events:
      - {type: query_requested, subject: p1, date: 2008-03-10}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from credit_rules.model.events import Event
from credit_rules.model.subjects import Subject
from credit_rules.model.vocabularies import field_of
from credit_rules.periods import Period
from credit_rules.ruleset import ir

__all__ = ["Case", "ParameterOverride", "render_scenario", "ruleset_reference"]

ParameterOverride = int | bool | str
"""A parameter value as :func:`credit_rules.with_parameters` takes it (periods as ``"3 years"``)."""

_BUNDLED_PREFIX = "<bundled>/"


@dataclass(frozen=True)
class Case:
    """One situation an invariant is checked on: subjects, their events, and the day to
    evaluate on.

    ``events`` may include events dated after ``as_of`` (time locality is about them) and
    before the ruleset took effect (non-retroactivity is about those). ``parameters`` holds
    parameter changes within their declared bounds, as pairs, for cases drawn with
    :func:`credit_rules.testing.strategies.cases` and ``vary_parameters=True``; invariants
    evaluate such a case on ``with_parameters(engine.ruleset, case.overrides)``.
    """

    subjects: tuple[Subject, ...]
    events: tuple[Event, ...]
    as_of: dt.date
    parameters: tuple[tuple[str, ParameterOverride], ...] = ()

    def __repr__(self) -> str:
        # What hypothesis prints for a failing example: the scenario's lines, not pydantic reprs.
        subjects = ", ".join(_flow(_subject_mapping(s)) for s in self.subjects)
        events = ", ".join(_flow(_event_mapping(e)) for e in self.events)
        changed = f", parameters={dict(self.parameters)!r}" if self.parameters else ""
        return (
            f"Case(as_of={self.as_of.isoformat()}, subjects=[{subjects}], "
            f"events=[{events}]{changed})"
        )

    @property
    def overrides(self) -> dict[str, ParameterOverride]:
        """``parameters`` as the mapping :func:`credit_rules.with_parameters` takes."""
        return dict(self.parameters)

    def with_events(self, events: Iterable[Event], *, as_of: dt.date | None = None) -> Case:
        """The same subjects (and parameters) with other events, and perhaps another day."""
        return dataclasses.replace(
            self, events=tuple(events), as_of=self.as_of if as_of is None else as_of
        )

    def known(self) -> tuple[Event, ...]:
        """The events dated on or before ``as_of``: all that is known on that day."""
        return tuple(event for event in self.events if event.date <= self.as_of)


def ruleset_reference(ruleset: ir.Ruleset, *, relative_to: Path | None = None) -> str:
    """What a scenario's ``ruleset:`` key should say to load ``ruleset``: a bundled id, or the
    file's path (relative to ``relative_to``, the folder the scenario is saved in, if given)."""
    if ruleset.source.startswith(_BUNDLED_PREFIX):
        return ruleset.source[len(_BUNDLED_PREFIX) :].removesuffix(".yaml")
    path = Path(ruleset.source)
    if not path.is_file():
        return ruleset.id
    if relative_to is None:
        return str(path)
    try:
        return os.path.relpath(path.resolve(), relative_to.resolve())
    except ValueError:  # another drive on Windows
        return str(path.resolve())


def render_scenario(
    ruleset: ir.Ruleset,
    case: Case,
    *,
    expect: Mapping[str, Any] | None = None,
    comments: Sequence[str] = (),
    description: str | None = None,
    relative_to: Path | None = None,
) -> str:
    """``case`` as a scenario file for ``ruleset`` (the format ``credit-rules evaluate`` reads).

    ``expect`` is the scenario's ``expect:`` block (``decisions``, ``absent``, ``exactly``);
    ``comments`` go at the top, for what a scenario cannot express (a property, a parameter
    changed in Python). ``relative_to`` is the folder the file will be saved in, so that a
    ruleset path is written relative to it, as scenario files resolve it.
    """
    lines = [f"# {line}" if line else "#" for text in comments for line in text.splitlines()]
    lines.extend(_parameter_comments(ruleset, case))
    lines.append(f"ruleset: {_flow(ruleset_reference(ruleset, relative_to=relative_to))}")
    if not ruleset.source.startswith(_BUNDLED_PREFIX) and not Path(ruleset.source).is_file():
        lines.append(
            f"# {ruleset.id} was not loaded from a file ({ruleset.source}); point `ruleset:` at it"
        )
    lines.append(f"as_of: {case.as_of.isoformat()}")
    if description:
        lines.append(f"description: {_flow(description)}")
    lines.append("subjects:" if case.subjects else "subjects: []")
    lines.extend(f"  - {_flow(_subject_mapping(s))}" for s in case.subjects)
    lines.append("events:" if case.events else "events: []")
    lines.extend(f"  - {_flow(_event_mapping(e))}" for e in case.events)
    if expect:
        lines.append("expect:")
        for key, value in expect.items():
            if isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
                lines.append(f"  {key}:")
                lines.extend(f"    - {_flow(_plain(item))}" for item in value)
            else:
                lines.append(f"  {key}: {_flow(_plain(value))}")
    return "\n".join(lines) + "\n"


def _parameter_comments(ruleset: ir.Ruleset, case: Case) -> list[str]:
    # A scenario names a ruleset file and cannot change its parameters; say what was changed
    # and how to reproduce it, rather than hand back a scenario that does not fail.
    lines: list[str] = []
    if "+" in ruleset.version:
        changed = ruleset.version.split("+", 1)[1]
        lines.append(f"# The ruleset was evaluated with parameters changed in Python: {changed}")
    if case.parameters:
        lines.append("# This case changes parameters within their declared bounds:")
        lines.extend(f"#   {name}: {_flow(_plain(value))}" for name, value in case.parameters)
        lines.append(
            "# Reproduce with with_parameters(load_ruleset(...), {...}) and Engine.evaluate, or "
            "write a layer that sets them."
        )
    return lines


def _subject_mapping(subject: Subject) -> dict[str, Any]:
    data = _plain(subject.model_dump(exclude_none=True))
    assert isinstance(data, dict)
    # id and kind first: they are what the reader looks for.
    return {"id": subject.id, "kind": subject.kind, **data}


def _event_mapping(event: Event) -> dict[str, Any]:
    data = _plain(event.model_dump(exclude_defaults=True))
    assert isinstance(data, dict)
    decided = field_of(event, "decision_day_fields")
    if decided is not None and data.get(decided) == data.get("date"):
        # The decision day defaults to the day the event takes effect (Lianyungang Art 13).
        data.pop(decided)
    # Other days after ``date``: a suspension reads best as "from date until until", a
    # correction as "takes effect on date, decided on decided_on".
    rest = {k: v for k, v in data.items() if k not in ("type", "subject", "date")}
    days = {k for k, v in rest.items() if isinstance(v, dt.date)}
    ordered: dict[str, Any] = {"type": event.type, "subject": event.subject}
    ordered.update({k: v for k, v in rest.items() if k not in days})
    ordered["date"] = event.date
    ordered.update({k: v for k, v in rest.items() if k in days})
    return ordered


def _plain(value: Any) -> Any:
    """Plain data: enums as their values, periods as text, tuples and sets as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    return value


# Written by hand rather than with yaml.safe_dump: the emitter costs milliseconds per item, and
# a shrinking run renders hundreds of counterexamples. Anything not plainly safe is written as a
# JSON string, which YAML reads as the same string.
_PLAIN = re.compile(r"^[^\W\d][\w./-]*$")
_KEYWORDS = frozenset(
    {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "nan", "inf"}
)


def _flow(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_flow(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _KEYWORDS:
        return text
    return json.dumps(text, ensure_ascii=False)
