"""Scenario files: a ruleset, a date, subjects and events, and optionally what to expect.

A scenario is the unit analysts think in ("this person, these records, on this day"), so the
CLI, the test runner and the examples all read the same format, with the same line-numbered
errors as ruleset files.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from credit_rules.errors import (
    InputError,
    Problem,
    RulesetError,
    ScenarioError,
    mask_identities,
    os_reason,
    require,
    suggestion,
    validation_message,
)
from credit_rules.i18n import N_, Message, listing
from credit_rules.limits import DEFAULT_LIMITS, Limits, read_capped
from credit_rules.model._base import IsoDate
from credit_rules.model.events import Event, parse_events
from credit_rules.ruleset import ir
from credit_rules.ruleset.loader import load_ruleset, with_parameters
from credit_rules.ruleset.shipped import bundled, bundled_ids
from credit_rules.yaml_source import SourceMap, YamlSyntaxError, not_utf8, plain, read_yaml


class ExpectedDecision(BaseModel):
    """One decision the scenario expects; fields left out are not checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    subject: str
    outcome: str
    from_: IsoDate | None = Field(default=None, alias="from")
    until: IsoDate | None = None
    active: bool | None = Field(default=None, strict=True)
    provisional: bool | None = Field(
        default=None,
        strict=True,
        description="Whether the decision rests on working days counted through a year whose "
        "holidays are not yet published.",
    )


class ExpectedDeadline(BaseModel):
    """A deadline the scenario expects (Ganzhou Arts 12, 20, 25); fields left out are not
    checked. ``provisional`` says whether the count reaches a year whose holidays are not yet
    published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    name: str
    start: IsoDate | None = None
    due: IsoDate | None = None
    provisional: bool | None = Field(default=None, strict=True)


class ExpectedDuty(BaseModel):
    """An act the administration owes the subject on a day (to notify, to record, to verify);
    fields left out are not checked. ``provisional`` as for a decision: whether the day rests
    on working days counted through a year whose holidays are not yet published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    name: str
    on: IsoDate | None = None
    provisional: bool | None = Field(default=None, strict=True)


#: The lists of an ``expect:`` that ``exactly:`` may say are complete.
CompleteList = Literal["decisions", "deadlines", "duties"]
COMPLETE_LISTS: tuple[CompleteList, ...] = get_args(CompleteList)


class Expectation(BaseModel):
    """What a scenario expects: decisions, deadlines and duties that must be present, and
    measures that must not be active."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decisions: tuple[ExpectedDecision, ...] = ()
    deadlines: tuple[ExpectedDeadline, ...] = ()
    duties: tuple[ExpectedDuty, ...] = ()
    absent: tuple[str, ...] = Field(
        default=(),
        description="Outcomes that must not be there for any subject: a measure must not be "
        "active on as_of; a deadline or a duty must not be owed at all.",
    )
    exactly: bool | tuple[CompleteList, ...] = Field(
        default=False,
        description="true: the listed decisions must be all the decisions (deadlines and "
        "duties are then checked one by one only). A list of decisions, deadlines and duties: "
        "for each kind it names, the listed results must be all of that kind.",
    )
    error: str | None = Field(
        default=None,
        min_length=1,
        description="The history must be refused: evaluating it must raise an error whose "
        "message contains this text (a history the regulation does not allow, such as "
        "extensions over Ganzhou Art 25's cap). It stands alone: decisions, deadlines, "
        "duties, absent or exactly beside it are refused.",
    )

    @field_validator("exactly", mode="before")
    @classmethod
    def _true_false_or_lists(cls, value: Any) -> Any:
        """One plain message for a wrong ``exactly:``, not one per branch of its type."""
        if isinstance(value, bool):
            return value
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            unknown = [item for item in value if item not in COMPLETE_LISTS]
            if not unknown:
                return tuple(value)
            raise ValueError(
                Message(
                    "{name!r} is no list of expect:, use decisions, deadlines or duties",
                    name=unknown[0],
                )
                + suggestion(unknown[0], COMPLETE_LISTS)
            )
        # The error's own text adds what was written: "(got yes)".
        raise ValueError(
            Message("expected true, false or a list of decisions, deadlines and duties")
        )

    @property
    def complete(self) -> frozenset[CompleteList]:
        """The kinds of result whose lists must be complete: ``exactly: true`` is decisions."""
        if isinstance(self.exactly, bool):
            return frozenset({"decisions"}) if self.exactly else frozenset()
        return frozenset(self.exactly)

    def checks_nothing(self) -> bool:
        """Whether no result could fail this expectation: it would pass whatever the ruleset
        does, so a scenario file with it is refused, and so is comparing it with results."""
        return self.error is None and not (
            self.decisions or self.deadlines or self.duties or self.absent or self.exactly
        )


class _ScenarioSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ruleset: str = Field(min_length=1)
    interpretations: dict[str, str] = Field(
        default_factory=dict,
        description="Readings other than the ruleset's defaults, by interpretation id: the id "
        "of the alternative to take (objection_window_grounds: disputed_result_only). Each "
        "sets the parameter that carries the alternative out.",
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters set to other values than the ruleset's, written as in a "
        "ruleset file (objection_window: 15 days); checked against each parameter's type "
        "and bounds.",
    )
    as_of: IsoDate
    description: str | None = None
    subjects: tuple[dict[str, Any], ...] = ()
    events: tuple[dict[str, Any], ...] = ()
    expect: Expectation | None = None


@dataclass(frozen=True)
class Scenario:
    """A parsed, validated scenario file."""

    path: str
    ruleset: ir.Ruleset
    as_of: dt.date
    description: str | None
    subjects: tuple[dict[str, Any], ...]
    events: tuple[Event, ...]
    expect: Expectation | None
    lines: Mapping[str, int] = field(default_factory=dict)
    #: The parameters the scenario sets (through ``interpretations:`` and ``parameters:``),
    #: already applied to :attr:`ruleset`.
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: The ruleset as the scenario names it, before its settings (None: :attr:`ruleset`).
    named_ruleset: ir.Ruleset | None = None

    @property
    def base(self) -> ir.Ruleset:
        """The ruleset the scenario names, as its file says it: what it covers."""
        return self.named_ruleset if self.named_ruleset is not None else self.ruleset

    def on(self, ruleset: ir.Ruleset) -> ir.Ruleset:
        """``ruleset`` read as this scenario reads it: with the parameters it sets. The
        scenarios beside a layer are evaluated against the layer, under their own readings."""
        return with_parameters(ruleset, self.settings) if self.settings else ruleset

    def locate(self, error: InputError) -> InputError:
        """The same error, naming this file and the line of each subject or event it names.

        The engine knows events by index only; the scenario knows where each one was written.
        """
        problems = []
        for problem in error.problems:
            key = problem.field.split(".")[0]
            line = problem.line if problem.line is not None else self.lines.get(key)
            # Made from the clear message and field, which the new problem masks and keeps.
            problems.append(
                Problem(problem.clear_message, problem.clear_field, line, problem.column)
            )
        return type(error)(error.source or self.path, problems)


def load_scenario(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Scenario:
    """Read a scenario file; the ruleset is a bundled id or a path relative to the file.
    ``limits`` bound the file and, for a ruleset named by path, the ruleset too."""
    require(path, (str, os.PathLike), "path")
    require(limits, Limits, "limits")
    file = Path(path)
    source = str(file)
    try:
        raw = read_capped(file, limits, source)
    except OSError as error:
        raise ScenarioError(
            source,
            [Problem(Message("cannot read the file: {strerror}", strerror=os_reason(error)))],
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(source, [not_utf8(raw, error)]) from None
    return loads_scenario(text, source=source, base_dir=file.parent, limits=limits)


def loads_scenario(
    text: str,
    *,
    source: str = "<string>",
    base_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Scenario:
    """A scenario from its text (standard input, a test); ``base_dir`` resolves a ruleset named
    by a relative path, as the folder of a scenario file does, and ``limits`` bound the text
    and a ruleset it names by path."""
    file = (base_dir or Path.cwd()) / "<scenario>"
    try:
        data, source_map = read_yaml(text, limits, source)
    except YamlSyntaxError as error:
        raise ScenarioError(source, [error.problem]) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            source, [Problem(Message("a scenario file must be a YAML mapping"), line=1)]
        )
    if "ruleset" not in data and {"rules", "articles"} <= data.keys():
        # One problem, not a line per key a ruleset has and a scenario lacks.
        raise ScenarioError(
            source,
            [
                Problem(
                    Message(
                        "this is a ruleset file, not a scenario: a scenario names its ruleset "
                        "(ruleset:) and gives as_of, subjects and events"
                    ),
                    line=1,
                )
            ],
        )
    try:
        spec = _ScenarioSpec.model_validate(data)
    except ValidationError as error:
        problems = [
            source_map.problem(tuple(item["loc"]), _message(item)) for item in error.errors()
        ]
        raise ScenarioError(source, problems) from None
    named = _resolve_ruleset(spec.ruleset, file, source, source_map, limits)
    settings, refused = _settings(spec, named, source_map)
    ruleset, wrong = _read_as(named, settings, source_map)
    if refused or wrong:
        raise ScenarioError(source, [*refused, *wrong])
    if spec.expect is not None:
        unusable = [
            *_idle_expectations(spec.expect, source_map),
            *_unknown_expectations(spec.expect, ruleset, source_map),
            *_unknown_subjects(spec.expect, spec.subjects, source_map),
        ]
        if unusable:
            raise ScenarioError(source, unusable)
    lines = {i: source_map.locate(("events", i))[0] or 0 for i in range(len(spec.events))}
    events = parse_events(ruleset.vocabulary, spec.events, source=source, lines=lines)
    located = {f"events[{i}]": line for i, line in lines.items()}
    for i in range(len(spec.subjects)):
        located[f"subjects[{i}]"] = source_map.locate(("subjects", i))[0] or 0
    if spec.expect is not None:
        # Each expectation's line, so a failing one is reported where the analyst wrote it.
        for section in ("decisions", "deadlines", "duties", "absent"):
            for i in range(len(getattr(spec.expect, section))):
                line = source_map.locate(("expect", section, i))[0]
                located[f"expect.{section}[{i}]"] = line or 0
        if spec.expect.exactly:
            located["expect.exactly"] = source_map.locate(("expect", "exactly"))[0] or 0
    return Scenario(
        path=source,
        ruleset=ruleset,
        as_of=spec.as_of,
        description=spec.description,
        subjects=spec.subjects,
        events=tuple(events),
        expect=spec.expect,
        lines=located,
        settings=settings.values,
        named_ruleset=named if settings.values else None,
    )


@dataclass(frozen=True)
class _Settings:
    """The parameters a scenario sets, and where each was set (for the messages)."""

    values: Mapping[str, Any]
    paths: Mapping[str, tuple[str, str]]


def _settings(
    spec: _ScenarioSpec, ruleset: ir.Ruleset, source_map: SourceMap
) -> tuple[_Settings, list[Problem]]:
    """The parameter values of the readings and parameters the scenario chooses, and the
    problems of those it cannot take: an interpretation or alternative the ruleset does not
    have, an alternative no parameter carries out, one parameter set twice; each located
    where it is written."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    paths: dict[str, tuple[str, str]] = {}
    readings = {i.id: i for i in ruleset.interpretations}
    for name, chosen in spec.interpretations.items():
        path = ("interpretations", name)
        reading = readings.get(name)
        if reading is None:
            message = Message(
                "{name!r} is not an interpretation of {ruleset}", name=name, ruleset=ruleset.id
            )
            problems.append(source_map.problem(path, message + suggestion(name, readings)))
            continue
        alternatives = {a.id: a for a in reading.alternatives}
        alternative = alternatives.get(chosen)
        if alternative is None:
            message = Message(
                "{chosen!r} is not an alternative of {name} (it has {known})",
                chosen=chosen,
                name=name,
                known=listing(alternatives),
            )
            problems.append(source_map.problem(path, message))
            continue
        if chosen == reading.default:
            continue  # the ruleset's own reading: nothing to set
        if reading.parameter is None or alternative.value is None:
            message = Message(
                "alternative {chosen} of {name} is not carried out by a parameter, so no "
                "scenario can take it; write a layer with the rules it needs",
                chosen=chosen,
                name=name,
            )
            problems.append(source_map.problem(path, message))
            continue
        values[reading.parameter] = alternative.value
        paths[reading.parameter] = path
    for name, value in spec.parameters.items():
        path = ("parameters", name)
        if name in paths:
            message = Message(
                "parameter {name} is set here and by interpretations.{reading}",
                name=name,
                reading=paths[name][1],
            )
            problems.append(source_map.problem(path, message))
            continue
        values[name] = value
        paths[name] = path
    return _Settings(values, paths), problems


def _read_as(
    ruleset: ir.Ruleset, settings: _Settings, source_map: SourceMap
) -> tuple[ir.Ruleset, list[Problem]]:
    """``ruleset`` with the scenario's parameters, and the problem of each value refused,
    said where the scenario wrote it."""
    if not settings.values:
        return ruleset, []
    try:
        return with_parameters(ruleset, settings.values), []
    except RulesetError as error:
        problems = []
        for problem in error.problems:
            name = problem.field.removeprefix("parameters.").split(".")[0]
            path = settings.paths.get(name, ("parameters", name))
            problems.append(source_map.problem(path, problem.clear_message))
        return ruleset, problems


#: The kinds of outcome, in the words of a message (translated where it is rendered).
_KIND_WORDS = {kind: Message(kind) for kind in (N_("measure"), N_("deadline"), N_("duty"))}


#: The keys of ``expect:`` that check results, which ``error:`` leaves unchecked.
_RESULT_KEYS = ("decisions", "deadlines", "duties", "absent", "exactly")


def _idle_expectations(expect: Expectation, source_map: SourceMap) -> list[Problem]:
    """An ``expect:`` that checks nothing would pass whatever the ruleset does, and keys
    written beside ``error:`` would never be checked: both are mistakes in the scenario."""
    if expect.error is not None:
        beside = [key for key in _RESULT_KEYS if key in expect.model_fields_set]
        if not beside:
            return []
        return [
            source_map.problem(
                ("expect", "error"),
                Message(
                    "cannot be combined with {keys}: a history that must be refused has no "
                    "results to check",
                    keys=", ".join(beside),
                ),
            )
        ]
    if not expect.checks_nothing():
        return []
    return [
        source_map.problem(
            ("expect",),
            Message(
                "checks nothing: list decisions, deadlines, duties or absent measures, set "
                "exactly: true, or give error (leave expect: out of an example that is not a "
                "test)"
            ),
        )
    ]


def _unknown_subjects(
    expect: Expectation, subjects: tuple[dict[str, Any], ...], source_map: SourceMap
) -> list[Problem]:
    """An expectation about a subject the scenario does not have can never hold: a typo in the
    scenario, so bad input, like an outcome the ruleset does not have."""
    known = sorted({s["id"] for s in subjects if isinstance(s.get("id"), str)})
    named = [
        *((("decisions", i), item.subject) for i, item in enumerate(expect.decisions)),
        *((("deadlines", i), item.subject) for i, item in enumerate(expect.deadlines)),
        *((("duties", i), item.subject) for i, item in enumerate(expect.duties)),
    ]
    return [
        source_map.problem(
            ("expect", section, i, "subject"),
            Message("there is no subject {subject!r} in the scenario", subject=subject)
            + suggestion(subject, known),
        )
        for (section, i), subject in named
        if subject not in known
    ]


def _unknown_expectations(
    expect: Expectation, ruleset: ir.Ruleset, source_map: SourceMap
) -> list[Problem]:
    """An expectation naming an outcome the ruleset does not have can never hold: it is a typo
    in the scenario, not a failure of the ruleset, so it is bad input."""
    kinds = {o.id: o.kind for o in ruleset.outcomes}
    problems = []

    def check(path: tuple[str | int, ...], name: str, kind: str) -> None:
        if kinds.get(name) == kind:
            return
        known = sorted(o for o, k in kinds.items() if k == kind)
        if name in kinds:
            message = Message(
                "{name} is a {kinds}, not a {kind}, in {id}",
                name=name,
                kinds=_KIND_WORDS.get(kinds[name], Message.raw(kinds[name])),
                kind=_KIND_WORDS[kind],
                id=ruleset.id,
            )
        else:
            message = Message(
                "{name} is not a {kind} of {id}", name=name, kind=_KIND_WORDS[kind], id=ruleset.id
            )
        problems.append(source_map.problem(path, message + suggestion(name, known)))

    for i, decision in enumerate(expect.decisions):
        check(("expect", "decisions", i, "outcome"), decision.outcome, "measure")
    for i, deadline in enumerate(expect.deadlines):
        check(("expect", "deadlines", i, "name"), deadline.name, "deadline")
    for i, duty in enumerate(expect.duties):
        check(("expect", "duties", i, "name"), duty.name, "duty")
    for i, name in enumerate(expect.absent):
        # Any outcome: a measure must not be active on as_of, a deadline or a duty must not
        # be owed at all (testing.expectations.compare looks for each kind).
        if name not in kinds:
            message = Message("{name} is not an outcome of {id}", name=name, id=ruleset.id)
            problems.append(
                source_map.problem(("expect", "absent", i), message + suggestion(name, kinds))
            )
    return problems


def _message(item: Any) -> str:
    if item["type"] == "missing":
        return validation_message(item)  # names the field: what it was given is beside it
    if item["type"] == "extra_forbidden":
        return Message("unknown key {key!r} (check its spelling)", key=item["loc"][-1])
    return Message(
        "{message} (got {value})",
        message=validation_message(item),
        value=mask_identities(plain(item.get("input"))),
    )


def _resolve_ruleset(
    name: str, file: Path, source: str, source_map: SourceMap, limits: Limits
) -> ir.Ruleset:
    if name in bundled_ids():
        return bundled(name)
    candidate = (file.parent / name) if not Path(name).is_absolute() else Path(name)
    if not candidate.exists():
        known = ", ".join(bundled_ids())
        raise ScenarioError(
            source,
            [
                source_map.problem(
                    ("ruleset",),
                    Message(
                        "{name!r} is neither a bundled ruleset ({known}) nor a file next to "
                        "the scenario",
                        name=name,
                        known=known,
                    ),
                )
            ],
        )
    try:
        return load_ruleset(candidate, limits=limits)
    except RulesetError:
        raise
