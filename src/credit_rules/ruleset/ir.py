"""The ruleset as engines see it: plain, frozen, engine-neutral data.

Nothing here knows which backend will run it, and nothing here can be changed after loading;
:meth:`Ruleset.with_parameters` returns a new, re-checked ruleset instead.

Every entry of a section knows where the file wrote it: ``line`` where the entry starts and
``lines`` where each of its keys is, so lint and explanations can point into the file without
reading it again. Positions are not meaning: they take no part in equality, and an entry a
layer kept from the ruleset below has none (the layer's file does not contain it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from credit_rules.periods import Period
from credit_rules.ruleset.expressions import BoolOp, Compare, Const, Expr, Type
from credit_rules.ruleset.expressions import Field as ExprField

ParameterValue = int | bool | Period
BUILTINS: Mapping[str, Type] = MappingProxyType({"trigger_date": "date", "subject_kind": "text"})
#: Names that stand for events in expressions and so cannot be ids of facts or parameters.
SCOPE_NAMES = frozenset({"trigger", "event", "record"})


@dataclass(frozen=True)
class Text:
    """A passage in both languages: the Chinese as enacted, which is what binds, and the
    English rendering readers outside China work from."""

    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    """An enumerated item of an article, (一), (二)…, numbered from 1 as citations name it
    ("Art 8(4)")."""

    number: int
    zh: str
    en: str


@dataclass(frozen=True)
class Article:
    number: int
    role: Literal["executable", "context"]
    why_context: str | None
    zh: str
    en: str
    items: tuple[Item, ...]
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def item(self, number: int) -> Item | None:
        return next((item for item in self.items if item.number == number), None)


@dataclass(frozen=True)
class Term:
    """A public identifier (category, ground, action, event) with the article defining it."""

    id: str
    kind: str
    description: Text
    cites: tuple[Cite, ...]
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Cite:
    article: int
    item: int | None = None


@dataclass(frozen=True)
class Parameter:
    id: str
    type: Literal["count", "flag", "period"]
    value: ParameterValue
    description: Text
    cites: tuple[Cite, ...]
    min: int | None = None
    max: int | None = None
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Register:
    """Records that enter on one event, stay valid for a period, and may be removed."""

    id: str
    description: Text
    entered_by: str
    key: str
    validity: str | None
    removed_by_event: str | None
    removed_by_action: str | None
    removed_by_where: Expr | None
    cites: tuple[Cite, ...]
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def removal_condition(self) -> Expr | None:
        """When a ``removed_by`` event removes a record, as one condition on ``event``: the
        file's ``action:`` shorthand (``event.action == '<action>'``) and its ``where``."""
        parts: list[Expr] = []
        if self.removed_by_action is not None:
            parts.append(
                Compare(
                    "==",
                    ExprField("event", "action", "text"),
                    Const(self.removed_by_action, "text"),
                )
            )
        if self.removed_by_where is not None:
            parts.append(self.removed_by_where)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))


@dataclass(frozen=True)
class CountOf:
    """How many records of a register are valid on the trigger's date or the assessment date."""

    register: str
    valid_on: Literal["trigger", "assessment"]
    where: Expr | None = None


@dataclass(frozen=True)
class LatestEntryOf:
    """The most recent entry date among the records counted as in :class:`CountOf`."""

    register: str
    valid_on: Literal["trigger", "assessment"]
    where: Expr | None = None


@dataclass(frozen=True)
class EventQuery:
    """The first or last matching event (its date, or ``value`` of it), how many match, or the
    ``value`` of every match (a list, for ``in``), among the events known on the assessment day."""

    pick: Literal["first", "last", "count", "collect"]
    event_type: str
    where: Expr | None
    value: Expr | None


@dataclass(frozen=True)
class Computed:
    expr: Expr


Derivation = CountOf | LatestEntryOf | EventQuery | Computed


@dataclass(frozen=True)
class Fact:
    id: str
    description: Text
    type: Type
    derivation: Derivation
    cites: tuple[Cite, ...]
    for_each: str | None = None
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: Literal["measure", "duty", "deadline"]
    description: Text
    cites: tuple[Cite, ...]
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Exclusion:
    event_type: str
    where: Expr | None
    until_field: str
    reason_field: str


@dataclass(frozen=True)
class Extension:
    event_type: str
    where: Expr | None
    field: str
    cap: str
    max_times: int | None


@dataclass(frozen=True)
class Rule:
    id: str
    description: Text
    cites: tuple[Cite, ...]
    on: str
    on_register: bool
    when: Expr
    outcome: str
    outcome_kind: Literal["measure", "duty", "deadline"]
    from_: Expr
    until: Expr | None
    group: str | None
    priority: int
    reads: tuple[str, ...]
    line: int | None = field(default=None, compare=False)
    period: str | None = None
    excluding: Exclusion | None = None
    extended_by: Extension | None = None
    #: Facts the rule shows in its explanation without reading them in an expression.
    shows: tuple[str, ...] = ()
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Alternative:
    id: str
    en: str
    value: ParameterValue | str | None


@dataclass(frozen=True)
class Interpretation:
    id: str
    cites: tuple[Cite, ...]
    question: Text
    alternatives: tuple[Alternative, ...]
    default: str
    parameter: str | None
    rationale: str
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class BeforeInForce:
    """Events of ``types`` dated before ``in_force_from`` are kept, while the flag parameter
    ``when`` is true, for the facts' event look-ups only: they enter no register and trigger
    no rule (see docs/decisions/0007)."""

    types: tuple[str, ...]
    when: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class Layer:
    """A ruleset file laid over another (Ganzhou Art 28: higher-level rules prevail)."""

    id: str
    extends: str
    source: str
    overridden: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    digest: str
    source: str
    title: Text
    document_number: str
    jurisdiction: Text
    region: str | None
    issued: dt.date | None
    in_force_from: dt.date
    in_force_until: dt.date | None
    in_force_cites: tuple[Cite, ...]
    vocabulary: str
    subject_kinds: tuple[str, ...]
    articles: tuple[Article, ...]
    terms: tuple[Term, ...]
    parameters: tuple[Parameter, ...]
    registers: tuple[Register, ...]
    facts: tuple[Fact, ...]
    outcomes: tuple[Outcome, ...]
    rules: tuple[Rule, ...]
    interpretations: tuple[Interpretation, ...]
    before_in_force: BeforeInForce | None = None
    layers: tuple[Layer, ...] = ()
    #: "<section>.<id>" of every entry a layer replaced, and the layer that replaced it.
    overridden: Mapping[str, str] = field(default_factory=dict)
    #: Line of each top-level key of the file (a layer's own file for a layered ruleset).
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    _articles_by_number: Mapping[int, Article] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_number = MappingProxyType({a.number: a for a in self.articles})
        object.__setattr__(self, "_articles_by_number", by_number)

    def __getstate__(self) -> dict[str, object]:
        # A ruleset travels to worker processes (Dask, Spark): the lookup table is rebuilt
        # there, and read-only views travel as plain mappings.
        state = {k: v for k, v in self.__dict__.items() if k != "_articles_by_number"}
        return {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in state.items()}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    def article(self, number: int) -> Article:
        return self._articles_by_number[number]

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.id == name)

    def parameter_values(self) -> dict[str, ParameterValue]:
        return {p.id: p.value for p in self.parameters}

    def fact(self, name: str) -> Fact:
        return next(f for f in self.facts if f.id == name)

    def outcome(self, name: str) -> Outcome:
        return next(o for o in self.outcomes if o.id == name)
