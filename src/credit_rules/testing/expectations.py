"""Compare an evaluation with what a scenario file expects, and say plainly what differs."""

from __future__ import annotations

from credit_rules.model.results import Decision, Evaluation
from credit_rules.scenario import Expectation, ExpectedDecision


def _matches(expected: ExpectedDecision, actual: Decision) -> bool:
    return (
        expected.subject == actual.subject
        and expected.outcome == actual.outcome
        and (expected.from_ is None or expected.from_ == actual.from_)
        and (expected.until is None or expected.until == actual.until)
        and (expected.active is None or expected.active == actual.active)
    )


def _describe(decision: Decision | ExpectedDecision) -> str:
    start = decision.from_.isoformat() if decision.from_ else "any day"
    until = decision.until.isoformat() if decision.until else "open/any"
    active = "" if decision.active is None else (" active" if decision.active else " inactive")
    return f"{decision.subject}: {decision.outcome} from {start} until {until}{active}"


def check(expect: Expectation, evaluation: Evaluation) -> list[str]:
    """Every way ``evaluation`` falls short of ``expect``, as readable lines (empty if none)."""
    failures: list[str] = []
    unmatched = list(evaluation.decisions)
    for expected in expect.decisions:
        found = next((d for d in unmatched if _matches(expected, d)), None)
        if found is None:
            near = [d for d in evaluation.decisions if d.subject == expected.subject]
            seen = "; ".join(f"{_describe(d)} (rule {d.rule})" for d in near) or "no decisions"
            failures.append(f"expected {_describe(expected)}, but got: {seen}")
        else:
            unmatched.remove(found)
    if expect.exactly:
        for extra in unmatched:
            why = "; ".join(r.en for r in extra.because)
            failures.append(f"unexpected {_describe(extra)} (rule {extra.rule}: {why})")
    for outcome in expect.absent:
        for decision in evaluation.decisions:
            if decision.outcome == outcome and decision.active:
                why = "; ".join(r.en for r in decision.because)
                failures.append(
                    f"{outcome} should not apply on {evaluation.as_of.isoformat()}, but it does "
                    f"for {decision.subject} (rule {decision.rule}: {why})"
                )
    return failures
