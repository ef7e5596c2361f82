"""One hierarchy of errors, each carrying what a user needs to find and fix the problem.

Services catch :class:`CreditRulesError`; analysts read the message, which always names the
file, line and field when the problem came from a file.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from credit_rules._masking import mask_text


def closest(name: str, known: Iterable[str]) -> list[str]:
    """The names of ``known`` closest to a misspelt ``name``, closest first (at most three)."""
    return difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)


def suggestion(name: str, known: Iterable[str]) -> str:
    """``"; did you mean X?"`` naming the closest of ``known`` to a misspelt ``name``, or
    ``""`` when none is close: a short hint beats a list of every name to read through."""
    close = closest(name, known)
    if not close:
        return ""
    return "; did you mean " + " or ".join(close) + "?"


#: How much of a refused value a message shows.
_SHOWN = 120


def mask_identities(text: str) -> str:
    """``text`` with every identity number in it masked, keeping 4 characters at each end.

    Error messages echo what they refuse, and what they refuse is sometimes a person's identity
    number in a field where nobody expected one (a subject id, a record name, a list of ids);
    masking at the bottom of the hierarchy covers every field and shape at once.
    """
    return mask_text(text)


def shown(value: object) -> str:
    """A short, safe ``repr`` for a message: identity numbers masked, long values cut, and never
    an error of its own (an integer over Python's 4,300-digit limit cannot be printed)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<a {type(value).__name__} too large to print>"
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 1] + "…"
    return mask_identities(text)


class CreditRulesError(Exception):
    """Base class of every error this library raises on purpose.

    Its message and ``repr`` mask anything shaped like an identity number (subject ids are
    often one, see :mod:`credit_rules._masking`); ``unmasked`` gives the clear text to a caller
    who asks for it.
    """

    @property
    def unmasked(self) -> str:
        return super().__str__()

    def __str__(self) -> str:
        return mask_text(super().__str__())

    def __repr__(self) -> str:
        return mask_text(super().__repr__())


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", mask_identities(self.message))
        object.__setattr__(self, "field", mask_identities(self.field))

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


class LimitExceeded(InputError):
    """An input larger than a :class:`~credit_rules.limits.Limits` allows, refused before the
    work the limit protects (reading, parsing, building, validating). ``limit`` names the
    field of ``Limits`` to raise for an input that is legitimately this large."""

    def __init__(self, source: str | None, problem: Problem, limit: str, value: int) -> None:
        self.limit = limit
        self.value = value
        super().__init__(source, [problem])


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


class CalendarNotPublished(CreditRulesError):
    """A result that depends on a year whose State Council holiday schedule is not in the
    calendar's data, asked for in strict mode.

    Outside strict mode the same result comes back marked ``provisional`` instead; the library
    never silently guesses which days the State Council will make rest days.
    """

    def __init__(self, years: tuple[int, ...], published_through: int | None, what: str) -> None:
        self.years = years
        self.published_through = published_through
        self.what = what
        listed = ", ".join(str(year) for year in years)
        known = (
            f"the calendar has State Council schedules through {published_through}"
            if published_through is not None
            else "the calendar has no State Council schedule at all"
        )
        super().__init__(
            f"{what} depends on {listed}, whose holiday schedule is not published in the "
            f"calendar data ({known}); load the notice with WorkingCalendar.with_overlay() or "
            "accept a provisional result by leaving strict mode"
        )


class CalendarRangeError(CreditRulesError):
    """A day outside the years the calendar was built for (too early, or too far ahead)."""

    def __init__(self, day: dt.date, first_year: int, last_year: int, what: str) -> None:
        self.day = day
        self.first_year = first_year
        self.last_year = last_year
        self.what = what
        super().__init__(
            f"{what} needs {day.isoformat()}, outside the calendar's years "
            f"{first_year}–{last_year}; build a WorkingCalendar with a wider first_year/last_year"
        )


class CalendarOverlayError(InputError):
    """A holiday-schedule overlay (YAML/JSON) that is malformed or contradicts itself."""


class ExtensionOverCap(CreditRulesError):
    """Extensions of a deadline that add up to more than the law allows (e.g. Ganzhou Art 25:
    at most 15 working days). The library refuses rather than silently clamping."""

    def __init__(self, total: int, cap: int, unit: str, rule: str) -> None:
        self.total = total
        self.cap = cap
        self.unit = unit
        self.rule = rule
        by = f" under {rule}" if rule else ""
        super().__init__(f"extensions add up to {total} {unit}, over the cap of {cap} {unit}{by}")


class NoRulesetInForce(CreditRulesError):
    """No known ruleset applies to a region on a date."""

    def __init__(self, region: str, on: dt.date, known: list[str]) -> None:
        self.region = region
        self.on = on
        listed = "; ".join(known) or "none"
        super().__init__(
            f"no ruleset is in force for {region!r} on {on.isoformat()} (known: {listed})"
        )


class LedgerError(CreditRulesError):
    """Something a :class:`~credit_rules.Ledger` refuses to do; nothing was changed by it."""


class LedgerArgumentError(LedgerError, ValueError):
    """An argument of a ledger question that cannot be answered (a negative or too long
    agenda horizon, a batch that is not a list); a ``ValueError`` too, as it always was."""


class SubjectRejected(InputError, LedgerError):
    """A subject the ledger cannot hold: invalid, of a kind the ruleset does not know, or with
    an id the ledger already holds (subjects are never replaced, so the history stays auditable).
    """


class EventRejected(InputError, LedgerError):
    """Events refused on entry, whole: invalid in themselves, about an unknown subject, or
    contradicting the subject's history as the engine checks it. Each problem names the event
    (``event``, or ``batch[i]`` in a batch) or the recorded event it clashes with (``seq N``)."""


class UnknownSubject(LedgerError):
    """A question about a subject the ledger does not hold."""

    def __init__(self, subject_id: str) -> None:
        self.subject_id = subject_id
        super().__init__(f"the ledger holds no subject {subject_id!r}; add_subject() it first")


class UnknownOutcome(LedgerError):
    """A question about an outcome that is not a measure of the ledger's ruleset."""

    def __init__(self, outcome: str, ruleset_id: str, measures: tuple[str, ...]) -> None:
        self.outcome = outcome
        self.ruleset_id = ruleset_id
        super().__init__(
            f"{outcome!r} is not a measure of {ruleset_id} (measures: {', '.join(measures)})"
        )


class LedgerClockError(LedgerError):
    """A ``recorded_at`` or ``advance`` date before the ledger's today: transaction time only
    moves forward, or "what did we know on date Y" would change after the fact."""

    def __init__(self, what: str, day: object, today: dt.date | None) -> None:
        self.day = day
        self.today = today
        shown = today.isoformat() if today is not None else "not set"
        told = day.isoformat() if isinstance(day, dt.date) else repr(day)
        super().__init__(f"{what} {told} is not a date on or after the ledger's today ({shown})")


class DuplicateEventId(LedgerError):
    """An ``event_id`` already recorded for a different event. The same event under the same id
    is a replay and is acknowledged without being recorded again; a different one is refused,
    since one of the two producers is wrong and the ledger cannot tell which."""

    def __init__(self, event_id: str, seq: int, label: str) -> None:
        self.event_id = event_id
        self.seq = seq
        super().__init__(
            f"{label}: event_id {event_id!r} was recorded at seq {seq} for a different event"
        )


class MissingReference(LedgerError):
    """A procedural event naming an objection, application or evaluation that the subject's
    recorded history does not hold (an ``objection_decided`` for an objection never filed)."""

    def __init__(self, label: str, event_type: str, field: str, reference: str, subject: str):
        self.label = label
        self.event_type = event_type
        self.field = field
        self.reference = reference
        super().__init__(
            f"{label} ({event_type}): {field} {reference!r} is not recorded for subject {subject!r}"
        )


class JournalError(LedgerError):
    """The journal cannot be opened, read or written: the ledger stops rather than answer from
    a state that is not durable. Reopen it from the journal to go on."""


class SnapshotError(LedgerError):
    """A ledger snapshot that cannot be restored."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class SnapshotCorrupt(SnapshotError):
    """A snapshot that is truncated, altered or not a snapshot at all: its checksum, counts or
    content do not match its header. It is refused whole, never partly restored."""


class SnapshotMismatch(SnapshotError):
    """An intact snapshot written under a different ruleset (its digest differs): replaying its
    events under other rules would silently change what they mean."""


class InvariantViolation(CreditRulesError):
    """A property the regulation guarantees does not hold for one case: the counterexample.

    Raised by the invariants of :mod:`credit_rules.testing.invariants`. ``invariant`` names the
    property, ``cites`` the article (or convention of Chinese law) it protects, ``counterexample``
    is the case that breaks it, and ``scenario`` is that case as a ready-to-save scenario file
    (YAML), so an analyst can reproduce it with ``credit-rules evaluate``.
    """

    def __init__(
        self,
        invariant: str,
        message: str,
        *,
        cites: str = "",
        counterexample: object = None,
        scenario: str | None = None,
    ) -> None:
        self.invariant = invariant
        self.message = message
        self.cites = cites
        self.counterexample = counterexample
        self.scenario = scenario
        protects = f" ({cites})" if cites else ""
        text = f"invariant {invariant}{protects} violated: {message}"
        if scenario:
            text += "\ncounterexample (save as a .scenario.yaml file):\n" + scenario
        super().__init__(text)


class TableError(InputError):
    """Bad columnar input (an events or subjects table): the first problems, each naming the
    table, row, column and value, and how many there are in all. A table of a million rows can
    hold a million problems; a message that lists them all helps no one."""

    SHOWN = 20

    def __init__(self, source: str | None, problems: list[Problem], total: int) -> None:
        self.total = total
        shown = problems[: self.SHOWN]
        super().__init__(source, shown)
        if total > len(shown):
            self.args = (f"{self.args[0]}\n… {total} problems in all, {len(shown)} shown",)


class UnsupportedConstruct(CreditRulesError):
    """A backend was asked to run a ruleset using something it cannot compile. It is refused
    when the backend is built, never silently run by another backend."""

    def __init__(self, backend: str, ruleset: str, constructs: list[tuple[str, str]]) -> None:
        self.backend = backend
        self.ruleset = ruleset
        self.constructs = tuple(constructs)
        listed = "; ".join(f"{where}: {what}" for where, what in constructs)
        super().__init__(f"the {backend} backend cannot run {ruleset}: {listed}")
