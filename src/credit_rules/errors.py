"""One hierarchy of errors, each carrying what a user needs to find and fix the problem.

Services catch :class:`CreditRulesError`; analysts read the message, which always names the
file, line and field when the problem came from a file. Every message is a
:class:`~credit_rules.i18n.Message`: ``str(error)`` is English, ``error.render("zh")`` the same
paragraph in Chinese, rendered where the reader's language is known (the command line).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import difflib
import errno
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from credit_rules._masking import mask_text
from credit_rules.i18n import N_, OR, Lang, Message, Quantity, join, listing, render


def closest(name: str, known: Iterable[str]) -> list[str]:
    """The names of ``known`` closest to a misspelt ``name``, closest first (at most three)."""
    return difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)


def suggestion(name: str, known: Iterable[str]) -> str:
    """``"; did you mean X?"`` naming the closest of ``known`` to a misspelt ``name``, or
    ``""`` when none is close: a short hint beats a list of every name to read through."""
    close = closest(name, known)
    if not close:
        return ""
    if len(close) == 1:
        return Message("; did you mean {name}?", name=close[0])
    return Message(
        "; did you mean {names} or {last}?",
        names=listing(close[:-1]),
        last=close[-1],
    )


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


_OS_REASONS: Mapping[int, str] = {
    errno.ENOENT: N_("no such file or directory"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a directory"),
    errno.ENOTDIR: N_("a part of the path is not a directory"),
    errno.ENOSPC: N_("no space left on the device"),
    errno.EROFS: N_("the file system is read-only"),
    errno.ENAMETOOLONG: N_("the file name is too long"),
}


def os_reason(error: OSError) -> Message | str:
    """Why the operating system refused a file, in words the reader's language has: the
    system's own text (``strerror``) is in the language of the machine, which is not the
    reader's. A reason not listed keeps the system's text."""
    known = _OS_REASONS.get(error.errno) if error.errno is not None else None
    if known is not None:
        return Message(known)
    return error.strerror or type(error).__name__


def why_not_a_date(text: str) -> str:
    """Why YYYY-MM-DD text names no day: "2011-02 has 28 days", "there is no month 13"."""
    try:
        year, month, day = (int(part) for part in text.split("-"))
    except ValueError:
        return Message("write it as YYYY-MM-DD")
    if not 1 <= month <= 12:
        return Message("there is no month {month}", month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return Message("{year}-{month:02d} has {days} days", year=year, month=month, days=days)
    return Message("write it as YYYY-MM-DD")


class CreditRulesError(Exception):
    """Base class of every error this library raises on purpose.

    Its message and ``repr`` mask anything shaped like an identity number (subject ids are
    often one, see :mod:`credit_rules._masking`); ``unmasked`` gives the clear text to a caller
    who asks for it.
    """

    @property
    def unmasked(self) -> str:
        return super().__str__()

    def render(self, lang: Lang) -> str:
        """The message in ``lang`` (masked like ``str``): what the command line prints."""
        return mask_text(render(self.args[0], lang) if self.args else "")

    def __str__(self) -> str:
        return mask_text(super().__str__())

    def __repr__(self) -> str:
        return mask_text(super().__repr__())

    def __reduce__(self) -> tuple[Any, ...]:
        # An error raised in a worker process (a process pool's) reaches the caller by
        # pickle. Exception's own reduction calls ``type(self)(*self.args)``, which no
        # subclass with its own arguments accepts; rebuild from the state instead.
        return (_rebuilt, (type(self), self.args, dict(vars(self))))


def _rebuilt(
    cls: type[CreditRulesError], args: tuple[Any, ...], state: dict[str, Any]
) -> CreditRulesError:
    """An error as it was pickled, its ``__init__`` not run again (see ``__reduce__``)."""
    error = cls.__new__(cls)
    error.args = args
    vars(error).update(state)
    return error


class TableCell(NamedTuple):
    """Where a problem of columnar input sits, as data: the table's name as the problem
    shows it (``events``, a file's path, ``events[dishonesty_entered]``), the row (0 is the
    first row of data) and the column. A caller that gave the rows in pieces (a cluster's
    partitions) maps the row back to its own numbering from here, not from the text."""

    table: str
    row: int
    column: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None
    #: For a row of a table, where it is (the ``field`` says the same in text).
    cell: TableCell | None = None
    #: The message and field as given, before masking: what ``error.unmasked`` shows a
    #: caller who asks for clear values. Not compared and not shown by ``repr``.
    clear_message: str = dataclasses.field(default="", init=False, repr=False, compare=False)
    clear_field: str = dataclasses.field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        message = self.message
        object.__setattr__(self, "clear_message", message)
        object.__setattr__(self, "clear_field", self.field)
        if isinstance(message, Message):
            message = message.map_values(mask_identities)
        else:
            message = Message.raw(mask_identities(message))
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "field", mask_identities(self.field))

    def render(self, source: str | None, lang: Lang = "en", *, clear: bool = False) -> str:
        where = source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        said = self.clear_field if clear else self.field
        field = f" [{said}]" if said else ""
        text = f"{where}:{field} {render(self.clear_message if clear else self.message, lang)}"
        return text if clear else mask_identities(text)


class InputError(CreditRulesError):
    """Bad input: every problem found, not just the first, so one edit cycle fixes them all.

    ``problems`` holds them all; the message lists the first :attr:`SHOWN` and says how many
    there are. A population's list of events can hold a hundred thousand problems (every
    event naming a subject left out, say), and a message of a hundred thousand lines helps no
    one: it floods a log and is built before anyone reads it."""

    SHOWN = 50

    def __init__(
        self, source: str | None, problems: list[Problem], total: int | None = None
    ) -> None:
        self.source = source
        self.problems = tuple(problems)
        #: How many problems there are in all (a table's error keeps only its first few).
        self.total = len(self.problems) if total is None else total
        # The clear text, as every error keeps it (``unmasked``); str, repr and render mask.
        super().__init__(self._listed("en", clear=True))

    def _listed(self, lang: Lang, *, clear: bool = False) -> str:
        shown = self.problems[: self.SHOWN]
        text = "\n".join(p.render(self.source, lang, clear=clear) for p in shown)
        if self.total > len(shown):
            more = Message(
                "\n… {total} problems in all, {shown} shown", total=self.total, shown=len(shown)
            )
            text += render(more, lang)
        return text

    def render(self, lang: Lang) -> str:
        return self._listed(lang)


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
        if in_force_until is None:
            message = Message(
                "{ruleset} is in force from {start}; it cannot be evaluated as of {as_of}",
                ruleset=ruleset_id,
                start=in_force_from,
                as_of=as_of,
            )
        else:
            message = Message(
                "{ruleset} is in force from {start} until {end}; it cannot be evaluated as of "
                "{as_of}",
                ruleset=ruleset_id,
                start=in_force_from,
                end=in_force_until,
                as_of=as_of,
            )
        super().__init__(message)


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
            Message(
                "the calendar has State Council schedules through {year}",
                year=str(published_through),
            )
            if published_through is not None
            else Message("the calendar has no State Council schedule at all")
        )
        super().__init__(
            Message(
                "{what} depends on {years}, whose holiday schedule is not published in the "
                "calendar data ({known}); load the notice with WorkingCalendar.with_overlay() "
                "or accept a provisional result by leaving strict mode",
                what=what,
                years=listed,
                known=known,
            )
        )


class CalendarRangeError(CreditRulesError):
    """A day outside the years the calendar was built for (too early, or too far ahead)."""

    def __init__(self, day: dt.date, first_year: int, last_year: int, what: str) -> None:
        self.day = day
        self.first_year = first_year
        self.last_year = last_year
        self.what = what
        super().__init__(
            Message(
                "{what} needs {day}, outside the calendar's years {first}–{last}; build a "
                "WorkingCalendar with a wider first_year/last_year",
                what=what,
                day=day,
                first=str(first_year),
                last=str(last_year),
            )
        )


class CalendarOverlayError(InputError):
    """A holiday-schedule overlay (YAML/JSON) that is malformed or contradicts itself."""


class ExtensionOverCap(CreditRulesError):
    """Extensions of a deadline that add up to more than the law allows (e.g. Ganzhou Art 25:
    at most 15 working days). The library refuses rather than silently clamping."""

    def __init__(
        self,
        total: int,
        cap: int,
        unit: str,
        rule: str,
        subject: str | None = None,
        *,
        subject_number: int | None = None,
    ) -> None:
        # ``unit`` is a period's unit as the rulesets write it (working_days), which each
        # language words its own way.
        self.total = total
        self.cap = cap
        self.unit = unit
        self.rule = rule
        #: Whose history it is, once known: the calendar that counts it knows no subject.
        self.subject = subject
        #: The columnar backend's number of the subject, until it is named (``of_subject``).
        self.subject_number = subject_number
        template = (
            N_("extensions add up to {total}, over the cap of {cap} under {rule}")
            if rule
            else N_("extensions add up to {total}, over the cap of {cap}")
        )
        message = Message(template, total=Quantity(total, unit), cap=Quantity(cap, unit), rule=rule)
        if subject is not None:
            message = Message("subject {subject}: {problem}", subject=subject, problem=message)
        super().__init__(message)

    def of_subject(self, subject: str) -> ExtensionOverCap:
        """The same refusal, naming the subject whose history it is."""
        return ExtensionOverCap(self.total, self.cap, self.unit, self.rule, subject)


class NoRulesetInForce(CreditRulesError):
    """No known ruleset applies to a region on a date."""

    def __init__(self, region: str, on: dt.date, known: list[str]) -> None:
        self.region = region
        self.on = on
        listed = "; ".join(known) or Message("none")
        super().__init__(
            Message(
                "no ruleset is in force for {region!r} on {on} (known: {known})",
                region=region,
                on=on,
                known=listed,
            )
        )


class LedgerError(CreditRulesError):
    """Something a :class:`~credit_rules.Ledger` refuses to do; nothing was changed by it."""


class ArgumentError(CreditRulesError, ValueError):
    """An argument of a call that is not of the kind the call takes (an engine built on a
    ruleset's id instead of the ruleset, an unknown backend, a ruleset path that is a
    number); a ``ValueError`` too, as the unknown backend always was."""


def require(value: object, kind: type[Any] | tuple[type[Any], ...], name: str) -> None:
    """Refuse an argument of another type than ``kind`` with :class:`ArgumentError` naming
    it, before it reaches code that would fail on it with a bare ``TypeError`` or
    ``AttributeError`` saying nothing of which argument was wrong."""
    if isinstance(value, kind):
        return
    expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
    raise ArgumentError(
        Message(
            "argument {name} must be {expected}, not {value}",
            name=name,
            expected=expected,
            value=shown(value),
        )
    )


class LedgerArgumentError(LedgerError, ArgumentError):
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
        super().__init__(
            Message(
                "the ledger holds no subject {subject!r}; add_subject() it first",
                subject=subject_id,
            )
        )


class NotEvaluated(CreditRulesError, LookupError):
    """A question about a subject an evaluation did not include: an empty answer would read
    as "nothing applies to this subject", which is not what happened."""

    def __init__(self, subject: str, evaluated: int) -> None:
        self.subject = subject
        super().__init__(
            Message(
                "{subject!r} is not a subject of this evaluation ({count} evaluated)",
                subject=subject,
                count=evaluated,
            )
        )


class UnknownOutcome(LedgerError):
    """A question about an outcome that is not a measure of the ledger's ruleset."""

    def __init__(self, outcome: str, ruleset_id: str, measures: tuple[str, ...]) -> None:
        self.outcome = outcome
        self.ruleset_id = ruleset_id
        super().__init__(
            Message(
                "{outcome!r} is not a measure of {ruleset} (measures: {measures})",
                outcome=outcome,
                ruleset=ruleset_id,
                measures=", ".join(measures),
            )
        )


class LedgerClockError(LedgerError):
    """A ``recorded_at`` or ``advance`` date before the ledger's today: transaction time only
    moves forward, or "what did we know on date Y" would change after the fact."""

    def __init__(self, what: str, day: object, today: dt.date | None) -> None:
        self.day = day
        self.today = today
        told = day if isinstance(day, dt.date) else repr(day)
        if today is None:
            message = Message(
                "{what} {day} is not a date on or after the ledger's today (not set)",
                what=what,
                day=told,
            )
        else:
            message = Message(
                "{what} {day} is not a date on or after the ledger's today ({today})",
                what=what,
                day=told,
                today=today,
            )
        super().__init__(message)


class LedgerClockLeap(LedgerClockError):
    """A ``recorded_at`` further after the ledger's today (or, in a bulk load, after the
    recording day before it) than its clock allows in one step.

    Today never goes back, and the journal is append-only, so a mistyped year (7999 for 2025)
    would move every later call to that day for good, and evaluate every subject that far
    ahead. A real leap is made on purpose, with ``advance``."""

    def __init__(self, day: dt.date, today: dt.date, most: int, label: str | None = None) -> None:
        if label is None:
            message = Message(
                "recorded_at {day} is {days} days after the ledger's today ({today}), more "
                "than its clock allows in one step ({most} days): today never goes back, so "
                "a mistyped year would stay for good; if that much time has passed, "
                "advance() to the day first",
                day=day,
                days=(day - today).days,
                today=today,
                most=most,
            )
        else:
            message = Message(
                "{label}: recorded_at {day} is {days} days after the recording day before it "
                "({today}), more than the ledger's clock allows in one step ({most} days): a "
                "mistyped year would move the ledger's today there for good",
                label=label,
                day=day,
                days=(day - today).days,
                today=today,
                most=most,
            )
        LedgerError.__init__(self, message)
        self.day = day
        self.today = today
        self.most = most


class DuplicateEventId(LedgerError):
    """An ``event_id`` already recorded for a different event. The same event under the same id
    is a replay and is acknowledged without being recorded again; a different one is refused,
    since one of the two producers is wrong and the ledger cannot tell which."""

    def __init__(self, event_id: str, seq: int, label: str) -> None:
        self.event_id = event_id
        self.seq = seq
        super().__init__(
            Message(
                "{label}: event_id {event_id!r} was recorded at seq {seq} for a different event",
                label=label,
                event_id=event_id,
                seq=seq,
            )
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
            Message(
                "{label} ({event_type}): {field} {reference!r} is not recorded for subject "
                "{subject!r}",
                label=label,
                event_type=event_type,
                field=field,
                reference=reference,
                subject=subject,
            )
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
        super().__init__(where + Message.raw(": ") + reason)


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
        if cites:
            text = Message(
                "invariant {invariant} ({cites}) violated: {message}",
                invariant=invariant,
                cites=cites,
                message=message,
            )
        else:
            text = Message(
                "invariant {invariant} violated: {message}", invariant=invariant, message=message
            )
        if scenario:
            text += Message("\ncounterexample (save as a .scenario.yaml file):\n") + scenario
        super().__init__(text)


class TableError(InputError):
    """Bad columnar input (an events or subjects table): the first problems, each naming the
    table, row, column and value, and how many there are in all. A table of a million rows can
    hold a million problems; a message that lists them all helps no one."""

    SHOWN = 20

    def __init__(self, source: str | None, problems: list[Problem], total: int) -> None:
        # Only the first problems are kept (the table's rows were looked at for those
        # alone); the total was counted.
        super().__init__(source, problems[: self.SHOWN], total)


class UnsupportedConstruct(CreditRulesError):
    """A backend was asked to run a ruleset using something it cannot compile. It is refused
    when the backend is built, never silently run by another backend."""

    def __init__(self, backend: str, ruleset: str, constructs: Sequence[tuple[str, str]]) -> None:
        self.backend = backend
        self.ruleset = ruleset
        self.constructs = tuple(constructs)
        listed = join(
            Message.bilingual("; ", "；"),
            (where + Message.bilingual(": ", "：") + what for where, what in constructs),
        )
        super().__init__(
            Message(
                "the {backend} backend cannot run {ruleset}: {listed}",
                backend=backend,
                ruleset=ruleset,
                listed=listed,
            )
        )


# -- pydantic's findings in our words ---------------------------------------------------------

#: pydantic's error types that a file can cause, each in words of our own (translated in the
#: catalogue); ``{expected}`` and the like are filled from the error's ``ctx``.
_VALIDATION: dict[str, str] = {
    "bool_parsing": N_("expected true or false"),
    "bool_type": N_("expected true or false"),
    "date_from_datetime_inexact": N_("expected a date without a time"),
    "date_from_datetime_parsing": N_("expected a date, written YYYY-MM-DD"),
    "date_parsing": N_("expected a date, written YYYY-MM-DD"),
    "date_type": N_("expected a date, written YYYY-MM-DD"),
    "dict_type": N_("expected a mapping of keys to values"),
    "enum": N_("expected one of {expected}"),
    "extra_forbidden": N_("unknown field (check its spelling)"),
    "finite_number": N_("expected a finite number"),
    "float_parsing": N_("expected a number"),
    "float_type": N_("expected a number"),
    "frozen_set_type": N_("expected a list"),
    "greater_than": N_("expected a number greater than {gt}"),
    "greater_than_equal": N_("expected a number of at least {ge}"),
    "int_from_float": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_parsing_size": N_("the number is too large"),
    "int_type": N_("expected a whole number"),
    "invalid_key": N_("a key must be text"),
    "iterable_type": N_("expected a list"),
    "json_invalid": N_("is not valid JSON"),
    "json_type": N_("expected JSON text"),
    "less_than": N_("expected a number less than {lt}"),
    "less_than_equal": N_("expected a number of at most {le}"),
    "list_type": N_("expected a list"),
    "literal_error": N_("expected {expected}"),
    "mapping_type": N_("expected a mapping of keys to values"),
    "missing": N_("this field is required"),
    "model_attributes_type": N_("expected a mapping of keys to values"),
    "model_type": N_("expected a mapping of keys to values"),
    "multiple_of": N_("expected a multiple of {multiple_of}"),
    "none_required": N_("expected no value"),
    "recursion_loop": N_("the value contains itself"),
    "set_type": N_("expected a list"),
    "string_not_ascii": N_("expected text in ASCII characters"),
    "string_pattern_mismatch": N_("does not have the required form {pattern}"),
    "string_too_long": N_("is longer than {max_length} characters"),
    "string_too_short": N_("is shorter than {min_length} characters"),
    "string_type": N_("expected text"),
    "string_unicode": N_("expected text"),
    "too_long": N_("has more than {max_length} items"),
    "too_short": N_("has fewer than {min_length} items"),
    "tuple_type": N_("expected a list"),
    "union_tag_invalid": N_("unknown {discriminator}: {tag}; expected one of {expected_tags}"),
    "union_tag_not_found": N_("the entry has no '{discriminator}'"),
}


def validation_message(item: Mapping[str, Any]) -> Message:
    """One of pydantic's error items (``ValidationError.errors()``) as a :class:`Message`.

    Our own validators raise ``ValueError(Message(...))``; pydantic keeps that error in the
    item's ``ctx``, so the message comes back whole, in both languages. pydantic's own types
    are phrased by :data:`_VALIDATION`; a type not listed there keeps pydantic's English words
    (shown as they are), so a new pydantic message is never lost, only untranslated.
    """
    context = item.get("ctx") or {}
    error = context.get("error")
    if isinstance(error, BaseException) and error.args and isinstance(error.args[0], Message):
        return error.args[0]
    location = item.get("loc") or ()
    if item.get("type") == "missing" and location and isinstance(location[-1], str):
        # The field's name, as the ruleset and scenario loaders say it of theirs.
        return Message("the required field {key!r} is missing", key=location[-1])
    template = _VALIDATION.get(str(item.get("type")))
    if template is None:
        said = str(item.get("msg", ""))
        return Message.bilingual(said, f"值无效（pydantic：{said}）")
    values: dict[str, Any] = {
        key: _choices(value) if key in ("expected", "expected_tags") else _plain_context(value)
        for key, value in context.items()
    }
    return Message(template, **values) if values else Message(template)


def _plain_context(value: Any) -> str:
    text = str(value)
    return text.replace("'", "")


_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _choices(value: Any) -> str:
    """pydantic's list of the values a field takes (``'a', 'b' or 'c'``) joined in the
    reader's language: "a, b or c", "a、b 或 c"."""
    names: list[str] = _CHOICE.findall(str(value))
    if len(names) < 2:
        return _plain_context(value)
    return listing(names[:-1]) + OR + names[-1]
