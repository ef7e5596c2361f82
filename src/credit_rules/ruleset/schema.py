"""The shape of a ruleset file, as pydantic models that reject anything they do not know.

This is the file format analysts write; :mod:`credit_rules.ruleset.ir` is what engines run.
Keeping them apart means the file can stay friendly (texts beside rules, periods as "5 years")
while the IR stays small and typed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from credit_rules.model._base import IsoDate

Identifier = str  # checked by pattern in each field
_ID = r"^[a-z][a-z0-9_]*$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TextSpec(_Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ItemSpec(_Spec):
    number: int = Field(ge=1, strict=True)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ArticleSpec(_Spec):
    number: int = Field(ge=1, strict=True)
    role: Literal["executable", "context"]
    why_context: str | None = Field(
        default=None, description="One line saying why nothing here is executed."
    )
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    items: tuple[ItemSpec, ...] = ()


class CiteSpec(_Spec):
    article: int = Field(ge=1, strict=True)
    item: int | None = Field(default=None, ge=1, strict=True)


class ParameterSpec(_Spec):
    id: str = Field(pattern=_ID)
    type: Literal["count", "flag", "period"]
    value: int | bool | str
    description: TextSpec
    cites: tuple[CiteSpec, ...] = Field(min_length=1)
    min: int | None = Field(default=None, strict=True)
    max: int | None = Field(default=None, strict=True)


class RemovalSpec(_Spec):
    event: str = Field(pattern=_ID)
    action: str | None = Field(default=None, pattern=_ID)
    where: str | None = Field(default=None, description="A condition on the removing `event`.")


class RegisterSpec(_Spec):
    id: str = Field(pattern=_ID)
    description: TextSpec
    entered_by: str = Field(pattern=_ID)
    key: str = Field(default="record", pattern=_ID, description="The field naming a record.")
    validity: str | None = Field(
        default=None, pattern=_ID, description="A period parameter; none: valid until removed."
    )
    removed_by: RemovalSpec | None = None
    cites: tuple[CiteSpec, ...] = Field(min_length=1)


class CountSpec(_Spec):
    of: str = Field(pattern=_ID, description="The register whose records are counted.")
    valid_on: Literal["trigger", "assessment"]
    where: str | None = Field(default=None, description="A condition on each `record`.")


class EventQuerySpec(_Spec):
    type: str = Field(pattern=_ID, description="The event type looked for.")
    where: str | None = Field(default=None, description="A condition on each `event`.")
    value: str | None = Field(
        default=None, description="What to return of the match (default: its date)."
    )


class FactSpec(_Spec):
    id: str = Field(pattern=_ID)
    description: TextSpec
    for_each: str | None = Field(
        default=None, description="Only for rules on this trigger (lets it read `trigger`)."
    )
    count: CountSpec | None = None
    latest_entry: CountSpec | None = None
    first_event: EventQuerySpec | None = None
    last_event: EventQuerySpec | None = None
    count_events: EventQuerySpec | None = None
    collect_events: EventQuerySpec | None = None
    expr: str | None = None
    cites: tuple[CiteSpec, ...] = ()


class ExclusionSpec(_Spec):
    """Events whose [date, until] ranges do not count towards a deadline (Ganzhou Art 20)."""

    type: str = Field(pattern=_ID)
    where: str | None = None
    until_field: str = Field(default="until", pattern=_ID)
    reason_field: str = Field(default="reason", pattern=_ID)


class ExtensionSpec(_Spec):
    """Events that extend a deadline, within a cap (Ganzhou Art 25)."""

    type: str = Field(pattern=_ID)
    where: str | None = None
    field: str = Field(pattern=_ID, description="The field holding the extension's length.")
    cap: str = Field(pattern=_ID, description="A count parameter: the most it may add.")
    max_times: int | None = Field(
        default=None,
        ge=1,
        strict=True,
        description="How many extensions at most, where the text limits their number; "
        "none: only the cap on their total length applies.",
    )


class RuleSpec(_Spec):
    id: str = Field(pattern=_ID)
    description: TextSpec
    cites: tuple[CiteSpec, ...] = Field(min_length=1)
    for_each: str = Field(pattern=_ID, description="A register id or an event type.")
    when: str = Field(min_length=1)
    outcome: str = Field(pattern=_ID)
    from_: str = Field(alias="from", min_length=1)
    #: None: no end. An empty text is refused, not read as none: it is a value left out.
    until: str | None = Field(default=None, min_length=1)
    group: str | None = Field(
        default=None, pattern=_ID, description="Measures of one ladder: one applies on a day."
    )
    # No default: which measure wins is the analyst's decision, never a silent 0.
    priority: int | None = Field(
        default=None,
        strict=True,
        description="Within the rule's group, higher wins; required with a group, refused "
        "without one.",
    )
    shows: tuple[str, ...] = Field(
        default=(), description="Facts shown in the explanation beyond those the rule reads."
    )
    period: str | None = Field(default=None, description="Deadlines: a period parameter.")
    excluding: ExclusionSpec | None = None
    extended_by: ExtensionSpec | None = None


class OutcomeSpec(_Spec):
    id: str = Field(pattern=_ID)
    kind: Literal["measure", "duty", "deadline"]
    description: TextSpec
    cites: tuple[CiteSpec, ...] = Field(min_length=1)


class AlternativeSpec(_Spec):
    id: str = Field(pattern=_ID)
    en: str = Field(min_length=1)
    value: int | bool | str | None = None


class InterpretationSpec(_Spec):
    id: str = Field(pattern=_ID)
    cites: tuple[CiteSpec, ...] = Field(min_length=1)
    question: TextSpec
    alternatives: tuple[AlternativeSpec, ...] = Field(min_length=2)
    default: str = Field(pattern=_ID)
    parameter: str | None = Field(default=None, pattern=_ID)
    rationale: str = Field(min_length=1)


class TermSpec(_Spec):
    """A public identifier (a category, ground or action) and the article that defines it."""

    id: str = Field(pattern=_ID)
    kind: Literal["category", "ground", "action", "event"]
    description: TextSpec
    cites: tuple[CiteSpec, ...] = Field(min_length=1)


class BeforeInForceSpec(_Spec):
    """Event types whose events dated before ``in_force_from`` stay in view, where a reading of
    the text says so (Ganzhou: a dishonesty determined before the measures took effect can
    still be repaired under Arts 22-25). Such events are history the facts may look up; they
    enter no register and trigger no rule, so the measures attach no consequence to them."""

    types: tuple[str, ...] = Field(min_length=1, description="The event types kept.")
    when: str = Field(
        pattern=_ID, description="A flag parameter: the events are kept only while it is true."
    )
    cites: tuple[CiteSpec, ...] = Field(min_length=1)


class RulesetSpec(_Spec):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(min_length=1)
    title: TextSpec
    document_number: str = Field(min_length=1)
    jurisdiction: TextSpec
    region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-[a-z0-9]+)+$",
        description="Where the ruleset applies, e.g. cn-jx-ganzhou (country-province-city).",
    )
    issued: IsoDate | None = None
    in_force_from: IsoDate
    in_force_until: IsoDate | None = None
    in_force_cites: tuple[CiteSpec, ...] = Field(min_length=1)
    vocabulary: str
    subject_kinds: tuple[str, ...] = Field(min_length=1)
    articles: tuple[ArticleSpec, ...] = Field(min_length=1)
    terms: tuple[TermSpec, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    registers: tuple[RegisterSpec, ...] = ()
    facts: tuple[FactSpec, ...] = ()
    outcomes: tuple[OutcomeSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    interpretations: tuple[InterpretationSpec, ...] = ()
    before_in_force: BeforeInForceSpec | None = None
