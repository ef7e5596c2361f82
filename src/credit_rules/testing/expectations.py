"""Compare an evaluation with what a scenario file expects, and say plainly what differs.

A failure names the scenario file and the line of the expectation, the subject, the outcome
(or deadline or duty) and the field that differs, with the expected and the actual value. It
then says which rule and which facts made the difference: the ``because`` of the result that
came closest, or, for a result that did not come at all, the first condition that was false in
each rule that could have given it. ``credit-rules test``, the pytest plugin and the project's
own suite all print these same messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypeVar

from credit_rules.engine.by_text import EnginesByText
from credit_rules.engine.engine import Engine
from credit_rules.errors import (
    ArgumentError,
    CreditRulesError,
    InputError,
    Problem,
    ScenarioError,
)
from credit_rules.explain.whynot import Why, explain
from credit_rules.i18n import Message, join
from credit_rules.model.results import Deadline, Decision, Duty, Evaluation, Reason
from credit_rules.scenario import (
    Expectation,
    ExpectedDeadline,
    ExpectedDecision,
    ExpectedDuty,
    Scenario,
    load_scenario,
)

Kind = Literal["decision", "deadline", "duty"]
SCENARIO_SUFFIX = ".scenario.yaml"

#: What a failure calls each kind of result, in the words of a message (translated where it is
#: rendered): a decision is about an outcome.
_NOUNS: Mapping[Kind, Message] = {
    "decision": Message("outcome"),
    "deadline": Message("deadline"),
    "duty": Message("duty"),
}
#: The problem of an expected result that did not come at all.
MISSING = Message("missing")


@dataclass(frozen=True)
class Difference:
    """One field of a result: what the scenario expects and what the evaluation gave. The
    field is named as the scenario format names it; the values are :class:`Message` where they
    are words (``present``, ``none (open-ended)``), so they render in the reader's language."""

    field: str
    expected: str
    actual: str


@dataclass(frozen=True)
class Mismatch:
    """One expectation the evaluation does not meet. ``problem``, the values of
    ``differences`` and each ``because`` are :class:`Message` where this library wrote them;
    ``str()`` of each is the English text."""

    scenario: str
    line: int | None
    subject: str
    kind: Kind
    name: str
    problem: str
    differences: tuple[Difference, ...]
    rule: str | None = None
    because: tuple[str, ...] = ()

    @property
    def label(self) -> Message:
        return Message(
            "subject {subject}, {noun} {name}: {problem}",
            subject=self.subject,
            noun=_NOUNS[self.kind],
            name=self.name,
            problem=self.problem,
        )

    def render(self) -> str:
        where = self.scenario + (f":{self.line}" if self.line else "")
        lines = [f"{where}: {self.label}"]
        width = max([len("field"), *(len(d.field) for d in self.differences)])
        expected_width = max([len("expected"), *(len(d.expected) for d in self.differences)])
        lines.append(f"    {'field':<{width}}  {'expected':<{expected_width}}  actual")
        for difference in self.differences:
            lines.append(
                f"    {difference.field:<{width}}  {difference.expected:<{expected_width}}  "
                f"{difference.actual}"
            )
        if self.because:
            lines.append(f"    {'rule ' + self.rule + ', ' if self.rule else ''}because:")
            lines.extend(f"      - {reason}" for reason in self.because)
        return "\n".join(lines)


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of running one scenario file."""

    path: str
    scenario: Scenario | None = None
    evaluation: Evaluation | None = None
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @property
    def skipped(self) -> bool:
        """A scenario without ``expect:`` is an example, not a test."""
        return self.error is None and self.scenario is not None and self.scenario.expect is None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    def render(self) -> str:
        if self.error is not None:
            return self.error
        return "\n".join(m.render() for m in self.mismatches)


# -- running scenario files ---------------------------------------------------------------------


def find_scenarios(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, and every ``*.scenario.yaml`` under the directories named."""
    found: list[Path] = []
    missing: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{SCENARIO_SUFFIX}")))
        elif path.is_file():
            found.append(path)
        else:
            missing.append(str(given))
    if missing:
        raise ScenarioError(", ".join(missing), [Problem(Message("no such file or directory"))])
    return list(dict.fromkeys(found))


class Runner:
    """Runs scenario files, compiling one engine per ruleset text for the whole run."""

    def __init__(
        self, *, explain_error: Callable[[CreditRulesError], object] | None = None
    ) -> None:
        self._engines = EnginesByText()
        #: How an error of the engine is said in a result: as it is, or (the command line)
        #: with advice its reader can follow in place of the one for Python callers.
        self._explain_error = explain_error or (lambda error: error)

    def engine(self, scenario: Scenario) -> Engine:
        return self._engines.of(scenario.ruleset)

    def run(
        self, path: str | Path, *, load: Callable[[str], Scenario] | None = None
    ) -> ScenarioResult:
        """``load`` reads the scenario named ``path`` (by default from the file; the command
        line passes one that reads standard input for ``-``)."""
        source = str(path)
        try:
            scenario = load(source) if load is not None else load_scenario(path)
        except CreditRulesError as error:
            return ScenarioResult(
                source,
                error=Message(
                    "{source}: cannot load the scenario:\n{error}", source=source, error=error
                ),
            )
        if scenario.expect is None:
            return ScenarioResult(source, scenario)
        engine = self.engine(scenario)
        refused = scenario.expect.error
        try:
            evaluation = engine.evaluate(scenario.subjects, scenario.events, as_of=scenario.as_of)
        except CreditRulesError as error:
            if refused is not None and refused in str(error):
                return ScenarioResult(source, scenario)
            if isinstance(error, InputError):
                located = scenario.locate(error)
                return ScenarioResult(
                    source, scenario, error=Message("cannot evaluate:\n{error}", error=located)
                )
            return ScenarioResult(
                source,
                scenario,
                error=Message(
                    "{source}: cannot evaluate: {error}",
                    source=source,
                    error=self._explain_error(error),
                ),
            )
        if refused is not None:
            # The regulation does not allow this history, yet it was evaluated.
            accepted = Mismatch(
                source,
                None,
                Message("(history)"),
                "decision",
                "error",
                Message("expected the history to be refused"),
                (
                    Difference(
                        "error",
                        Message("containing {text!r}", text=refused),
                        Message("none: evaluated"),
                    ),
                ),
            )
            return ScenarioResult(source, scenario, evaluation, (accepted,))
        mismatches = compare(scenario.expect, evaluation, source, scenario.lines)
        mismatches = [_with_why_not(engine, scenario, m) for m in mismatches]
        return ScenarioResult(source, scenario, evaluation, tuple(mismatches))


def run_scenario(path: str | Path) -> ScenarioResult:
    """Load, evaluate and check one scenario file."""
    return Runner().run(path)


def _with_why_not(engine: Engine, scenario: Scenario, mismatch: Mismatch) -> Mismatch:
    """For a result that never came, say what each rule that could give it saw instead."""
    if mismatch.problem != MISSING:
        return mismatch
    try:
        found = explain(
            engine,
            scenario.subjects,
            scenario.events,
            subject=mismatch.subject,
            as_of=scenario.as_of,
            outcome=mismatch.name,
        )
    except CreditRulesError as error:
        return replace(mismatch, because=(*mismatch.because, Message("{error}", error=error)))
    lines = list(mismatch.because)
    if not found.why_not:
        # The outcome applies on the scenario's day, so no rule failed to give it: say which
        # rules gave it, and when, for the reader to set beside the expected line.
        lines.extend(_given(item) for item in found.why)
    for item in found.why_not:
        on = Message(" for {trigger}", trigger=item.trigger) if item.trigger else ""
        seen = ""
        if item.failed is not None:
            values = ", ".join(f"{link.name} = {_shown(link.value)}" for link in item.failed.seen)
            seen = Message(" (saw {values})", values=values) if values else ""
        lines.append(
            Message(
                "rule {rule}{on}: {note}{seen}", rule=item.rule, on=on, note=item.note, seen=seen
            )
        )
    return replace(mismatch, because=tuple(lines))


def _given(item: Why) -> str:
    """One line of what a rule gave: a measure's period, a duty's day, a deadline's due day."""
    if item.kind == "measure":
        period = _span_of(item.first, item.last)
    elif item.kind == "duty":
        period = Message("on {day}", day=item.first.isoformat())
    else:
        period = Message("due {day}", day=str(item.last))
    return Message("rule {rule}: gave it {period}", rule=item.rule, period=period)


# -- comparing ----------------------------------------------------------------------------------


def check(expect: Expectation, evaluation: Evaluation) -> list[str]:
    """Every way ``evaluation`` falls short of ``expect``, as readable lines (empty if none)."""
    return [m.render() for m in compare(expect, evaluation)]


def compare(
    expect: Expectation,
    evaluation: Evaluation,
    source: str = "<scenario>",
    lines: Mapping[str, int] | None = None,
) -> list[Mismatch]:
    """Every way ``evaluation`` falls short of ``expect``. ``lines`` maps ``expect.decisions[i]``
    (and deadlines, duties, absent) to the line it was written on."""
    if expect.error is not None:
        raise ArgumentError(
            Message(
                "an expectation of an error is held by running its scenario (run_scenario), "
                "not by comparing it with an evaluation"
            )
        )
    if expect.checks_nothing():
        raise ArgumentError(
            Message(
                "this expectation checks nothing: list decisions, deadlines, duties or absent "
                "measures, or set exactly=True"
            )
        )
    where = lines or {}
    found: list[Mismatch] = []
    leftover = _pair(
        expect.decisions,
        list(evaluation.decisions),
        _decision_fields,
        lambda i, e, d: _mismatch(source, where.get(f"expect.decisions[{i}]"), "decision", e, d),
        found,
    )
    unlisted_deadlines = _pair(
        expect.deadlines,
        list(evaluation.deadlines),
        _deadline_fields,
        lambda i, e, d: _mismatch(source, where.get(f"expect.deadlines[{i}]"), "deadline", e, d),
        found,
    )
    unlisted_duties = _pair(
        expect.duties,
        list(evaluation.duties),
        _duty_fields,
        lambda i, e, d: _mismatch(source, where.get(f"expect.duties[{i}]"), "duty", e, d),
        found,
    )
    found = [_with_context(m, evaluation) for m in found]
    complete = expect.complete
    problem = (
        Message("unexpected (exactly: true)")
        if expect.exactly is True
        else Message("unexpected (exactly: {lists})", lists=", ".join(sorted(complete)))
    )
    unlisted: list[tuple[Kind, Decision | Deadline | Duty, str, Message]] = [
        *(
            ("decision", d, "outcome", _describe_decision(d))
            for d in (leftover if "decisions" in complete else ())
        ),
        *(
            ("deadline", d, "name", _deadline_days(d))
            for d in (unlisted_deadlines if "deadlines" in complete else ())
        ),
        *(
            ("duty", d, "name", Message("on {day}", day=d.on.isoformat()))
            for d in (unlisted_duties if "duties" in complete else ())
        ),
    ]
    for kind, extra, field, described in unlisted:
        found.append(
            Mismatch(
                source,
                where.get("expect.exactly"),
                extra.subject,
                kind,
                extra.outcome,
                problem,
                (Difference(field, Message("not listed"), described),),
                extra.rule,
                _reasons(extra.because),
            )
        )
    for index, outcome in enumerate(expect.absent):
        for decision in evaluation.decisions:
            if decision.outcome == outcome and decision.active:
                found.append(
                    Mismatch(
                        source,
                        where.get(f"expect.absent[{index}]"),
                        decision.subject,
                        "decision",
                        outcome,
                        Message(
                            "should not apply on {day} (listed under absent)",
                            day=evaluation.as_of,
                        ),
                        (
                            Difference(
                                "active", "false", Message("true ({span})", span=_span(decision))
                            ),
                        ),
                        decision.rule,
                        _reasons(decision.because),
                    )
                )
        owed: list[tuple[Kind, Deadline | Duty, dt.date]] = [
            *(("deadline", d, d.due) for d in evaluation.deadlines if d.name == outcome),
            *(("duty", d, d.on) for d in evaluation.duties if d.name == outcome),
        ]
        for kind, result, day in owed:
            found.append(
                Mismatch(
                    source,
                    where.get(f"expect.absent[{index}]"),
                    result.subject,
                    kind,
                    outcome,
                    Message("should not be owed (listed under absent)"),
                    (Difference("owed", Message("none"), Message("on {day}", day=day)),),
                    result.rule,
                    _reasons(result.because),
                )
            )
    return found


_Expected = TypeVar("_Expected", ExpectedDecision, ExpectedDeadline, ExpectedDuty)
_Actual = TypeVar("_Actual", Decision, Deadline, Duty)


def _pair(
    expected: Sequence[_Expected],
    actual: list[_Actual],
    fields: Callable[[_Expected, _Actual], list[Difference] | None],
    report: Callable[[int, _Expected, tuple[_Actual | None, list[Difference]]], Mismatch],
    found: list[Mismatch],
) -> list[_Actual]:
    """Match each expectation to an actual result: exact matches first, then the nearest
    remaining result of the same subject and name, so each difference is reported on the
    result it most likely concerns. Returns the results no expectation took."""
    unmatched = list(actual)
    pending: list[int] = []
    for index, item in enumerate(expected):
        exact = next((a for a in unmatched if fields(item, a) == []), None)
        if exact is None:
            pending.append(index)
        else:
            unmatched.remove(exact)
    for index in pending:
        item = expected[index]
        near = [(a, fields(item, a)) for a in unmatched]
        scored = [(a, diffs) for a, diffs in near if diffs is not None]
        if not scored:
            found.append(report(index, item, (None, [])))
            continue
        # Fewest fields apart first, then the nearest in days: a duty expected a day off is
        # reported against the duty of that day, not against the first of its name.
        best, differences = min(
            scored, key=lambda pair: (len(pair[1] or ()), _days_apart(pair[1] or ()))
        )
        unmatched.remove(best)
        found.append(report(index, item, (best, differences or [])))
    return unmatched


def _days_apart(differences: Sequence[Difference]) -> int:
    """How many days the dates that differ are apart, in all (0 where a value is no date)."""
    total = 0
    for difference in differences:
        try:
            expected = dt.date.fromisoformat(str(difference.expected))
            actual = dt.date.fromisoformat(str(difference.actual))
        except ValueError:
            continue
        total += abs((expected - actual).days)
    return total


def _mismatch(
    source: str,
    line: int | None,
    kind: Kind,
    expected: ExpectedDecision | ExpectedDeadline | ExpectedDuty,
    pair: tuple[Decision | Deadline | Duty | None, list[Difference]],
) -> Mismatch:
    actual, differences = pair
    name = expected.outcome if isinstance(expected, ExpectedDecision) else expected.name
    if actual is None:
        return Mismatch(
            source,
            line,
            expected.subject,
            kind,
            name,
            MISSING,
            (Difference(kind, _describe_expected(expected), Message("none")),),
        )
    if len(differences) == 1:
        problem = Message("{field} differs", field=differences[0].field)
    else:
        fields = join(Message(" and "), (d.field for d in differences))
        problem = Message("{fields} differ", fields=fields)
    return Mismatch(
        source,
        line,
        expected.subject,
        kind,
        name,
        problem,
        tuple(differences),
        actual.rule,
        _reasons(actual.because),
    )


def _with_context(mismatch: Mismatch, evaluation: Evaluation) -> Mismatch:
    """A missing result: say what the subject has instead, so a misspelt outcome shows."""
    if mismatch.problem != MISSING:
        return mismatch
    names = sorted(
        {d.outcome for d in evaluation.decisions if d.subject == mismatch.subject}
        | {d.name for d in evaluation.deadlines if d.subject == mismatch.subject}
        | {d.name for d in evaluation.duties if d.subject == mismatch.subject}
    )
    if mismatch.name in names:
        # The subject has results of this name, each one taken by another expectation: "none"
        # beside a list naming it would read as a contradiction.
        # Which ones, so that the reader can see which expected line took the one meant.
        periods = (
            [
                f"{d.from_} – {d.until if d.until is not None else '…'}"
                for d in evaluation.decisions
                if d.subject == mismatch.subject and d.outcome == mismatch.name
            ]
            or [
                str(d.due)
                for d in evaluation.deadlines
                if d.subject == mismatch.subject and d.name == mismatch.name
            ]
            or [
                str(d.on)
                for d in evaluation.duties
                if d.subject == mismatch.subject and d.name == mismatch.name
            ]
        )
        has = Message(
            "none left: {subject}'s {name} ({periods}) each match another expected line",
            name=mismatch.name,
            subject=mismatch.subject,
            periods="; ".join(periods),
        )
    else:
        has = Message(
            "none; {subject} has {names}",
            subject=mismatch.subject,
            names=", ".join(names) if names else Message("nothing"),
        )
    (difference,) = mismatch.differences
    return replace(mismatch, differences=(replace(difference, actual=has),))


def _decision_fields(expected: ExpectedDecision, actual: Decision) -> list[Difference] | None:
    if (expected.subject, expected.outcome) != (actual.subject, actual.outcome):
        return None
    return _differences(
        ("from", expected.from_, actual.from_),
        ("until", expected.until, actual.until),
        ("active", expected.active, actual.active),
        ("provisional", expected.provisional, actual.provisional),
    )


def _deadline_fields(expected: ExpectedDeadline, actual: Deadline) -> list[Difference] | None:
    if (expected.subject, expected.name) != (actual.subject, actual.name):
        return None
    return _differences(
        ("start", expected.start, actual.start),
        ("due", expected.due, actual.due),
        ("provisional", expected.provisional, actual.provisional),
    )


def _duty_fields(expected: ExpectedDuty, actual: Duty) -> list[Difference] | None:
    if (expected.subject, expected.name) != (actual.subject, actual.name):
        return None
    return _differences(
        ("on", expected.on, actual.on),
        ("provisional", expected.provisional, actual.provisional),
    )


def _differences(*fields: tuple[str, object, object]) -> list[Difference]:
    """The fields the expectation names (not None) whose value differs. An open-ended
    ``until`` can only be expected by leaving ``until`` out."""
    return [
        Difference(name, _shown(want), _shown(got))
        for name, want, got in fields
        if want is not None and want != got
    ]


def _shown(value: object) -> str:
    if value is None:
        return Message("none (open-ended)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _span(decision: Decision) -> Message:
    return _span_of(decision.from_, decision.until)


def _span_of(first: dt.date, until: dt.date | None) -> Message:
    # Days as the scenario file writes them, in either language: they are compared with it.
    if until is None:
        return Message("from {first} until open-ended", first=first.isoformat())
    return Message("from {first} until {until}", first=first.isoformat(), until=until.isoformat())


def _deadline_days(deadline: Deadline) -> Message:
    # Days as the scenario file writes them, as _span does.
    return Message(
        "start {start}, due {due}", start=deadline.start.isoformat(), due=deadline.due.isoformat()
    )


def _provisional(flag: bool) -> Message:
    return Message("provisional") if flag else Message("not provisional")


def _state(active: bool) -> Message:
    return Message("active") if active else Message("not active")


def _describe_decision(decision: Decision) -> Message:
    return Message("{span}, {state}", span=_span(decision), state=_state(decision.active))


def _describe_expected(expected: ExpectedDecision | ExpectedDeadline | ExpectedDuty) -> Message:
    parts: list[Message] = []
    if isinstance(expected, ExpectedDecision):
        if expected.from_:
            parts.append(Message("from {day}", day=_shown(expected.from_)))
        if expected.until:
            parts.append(Message("until {day}", day=_shown(expected.until)))
        if expected.active is not None:
            parts.append(_state(expected.active))
        if expected.provisional is not None:
            parts.append(_provisional(expected.provisional))
    elif isinstance(expected, ExpectedDeadline):
        if expected.start:
            parts.append(Message("start {day}", day=_shown(expected.start)))
        if expected.due:
            parts.append(Message("due {day}", day=_shown(expected.due)))
        if expected.provisional is not None:
            parts.append(_provisional(expected.provisional))
    else:
        if expected.on:
            parts.append(Message("on {day}", day=_shown(expected.on)))
        if expected.provisional is not None:
            parts.append(_provisional(expected.provisional))
    return join(" ", parts) if parts else Message("present")


def _reasons(because: tuple[Reason, ...]) -> tuple[str, ...]:
    """Each reason in words, in both languages (the engine gives both), with the fact's or
    parameter's name to find it in the ruleset."""
    return tuple(
        Message.bilingual(reason.en, reason.zh)
        if reason.name in ("trigger", "outcome", "override")
        else Message.bilingual(reason.en, reason.zh) + Message.raw(f" [{reason.name}]")
        for reason in because
    )
