"""One hierarchy of errors, each carrying what a user needs to find and fix the problem.

Services catch :class:`CreditRulesError`; analysts read the message, which always names the
file, line and field when the problem came from a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class CreditRulesError(Exception):
    """Base class of every error this library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None

    def render(self, source: str | None) -> str:
        where = source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


class InputError(CreditRulesError):
    """Bad input: every problem found, not just the first, so one edit cycle fixes them all."""

    def __init__(self, source: str | None, problems: list[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render(source) for p in self.problems))


class RulesetError(InputError):
    """A ruleset file that does not parse, does not match the schema, or does not type-check."""


class ScenarioError(InputError):
    """A scenario file (subjects, events, expectations) that cannot be evaluated."""


class HistoryError(InputError):
    """Events that are individually valid but contradict each other (a duplicate record id, a
    correction of a record that was never entered)."""


class NotInForce(CreditRulesError):
    """An evaluation date before the ruleset took effect: the law did not apply yet."""

    def __init__(
        self,
        ruleset_id: str,
        as_of: dt.date,
        in_force_from: dt.date,
        in_force_until: dt.date | None = None,
    ) -> None:
        self.ruleset_id = ruleset_id
        self.as_of = as_of
        self.in_force_from = in_force_from
        self.in_force_until = in_force_until
        span = f"from {in_force_from.isoformat()}"
        if in_force_until is not None:
            span += f" until {in_force_until.isoformat()}"
        super().__init__(
            f"{ruleset_id} is in force {span}; it cannot be evaluated as of {as_of.isoformat()}"
        )


class BackendUnavailable(CreditRulesError):
    """An optional backend whose extra is not installed or cannot run on this Python."""
