"""What an evaluation returns: the JSON contract of ARCHITECTURE.md as typed, frozen values.

``Evaluation.model_dump(mode="json")`` is exactly what ``credit-rules evaluate --format json``
prints, so services and the CLI can never drift apart.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from credit_rules.model._base import Frozen

ReasonValue = bool | int | str | dt.date | None | tuple[str, ...]


class Citation(Frozen):
    """An article (and item) of the regulation, quoted in Chinese with an English rendering."""

    article: int = Field(ge=1)
    item: int | None = Field(default=None, ge=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Reason(Frozen):
    """One fact or parameter a rule used, with the value it had."""

    name: str
    value: ReasonValue
    en: str
    zh: str


class Decision(Frozen):
    """A measure on a subject, from a day to a day (both inclusive; ``until`` None is open)."""

    subject: str
    outcome: str
    from_: dt.date = Field(alias="from")
    until: dt.date | None
    active: bool
    rule: str
    cites: tuple[Citation, ...]
    because: tuple[Reason, ...]


class ExcludedDays(Frozen):
    """Days (inclusive) that do not count towards a deadline, and why (Ganzhou Art 20)."""

    first: dt.date
    last: dt.date
    reason: str


class Deadline(Frozen):
    """A day by which an act is due, counted on the PRC calendar.

    ``provisional`` is true when the count reaches into a year whose holiday schedule the
    calendar does not have yet; ``provisional_reason`` then says which year.
    """

    subject: str
    name: str
    start: dt.date
    due: dt.date
    provisional: bool
    rule: str
    cites: tuple[Citation, ...]
    unit: str = "working_days"
    count: int = 0
    excluded: tuple[ExcludedDays, ...] = ()
    extended_by: int = 0
    provisional_reason: str | None = None
    because: tuple[Reason, ...] = ()


class Duty(Frozen):
    """An act the administration owes a subject on a day (to notify it, to give it its report).

    Duties are not measures on the subject, so they are kept apart from ``decisions``.
    """

    subject: str
    name: str
    on: dt.date
    rule: str
    cites: tuple[Citation, ...]
    because: tuple[Reason, ...]


class RulesetRef(Frozen):
    """Which ruleset, and exactly which text of it, produced a result."""

    id: str
    version: str
    digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


class Evaluation(Frozen):
    """Everything that applies to the subjects on ``as_of``, and the history that led there."""

    ruleset: RulesetRef
    as_of: dt.date
    decisions: tuple[Decision, ...]
    deadlines: tuple[Deadline, ...]
    duties: tuple[Duty, ...] = ()

    def active(self, subject: str | None = None) -> tuple[Decision, ...]:
        """The decisions that apply on ``as_of`` (for one subject, or all)."""
        return tuple(
            d for d in self.decisions if d.active and (subject is None or d.subject == subject)
        )

    def outcomes(self, subject: str) -> frozenset[str]:
        """The names of the outcomes that apply to ``subject`` on ``as_of``."""
        return frozenset(d.outcome for d in self.active(subject))
