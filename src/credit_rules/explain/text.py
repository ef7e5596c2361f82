"""A plain-text rendering of an evaluation, for people reading a terminal."""

from __future__ import annotations

from credit_rules.model.results import Citation, Evaluation, Reason


def _cite(citation: Citation) -> str:
    item = f"({citation.item})" if citation.item is not None else ""
    return f"Art {citation.article}{item}"


def _reason_lines(because: tuple[Reason, ...]) -> list[str]:
    return [f"      - {reason.en} / {reason.zh}" for reason in because]


def render_text(evaluation: Evaluation) -> str:
    """Every decision and duty with its period, rule, reasons and citations (zh and en)."""
    ref = evaluation.ruleset
    lines = [
        f"Ruleset {ref.id} {ref.version} ({ref.digest[:19]}…) as of {evaluation.as_of.isoformat()}"
    ]
    subjects = sorted(
        {d.subject for d in evaluation.decisions} | {d.subject for d in evaluation.duties}
    )
    if not subjects:
        lines.append("No decisions: no subject has anything that applies.")
    for subject in subjects:
        lines.append("")
        lines.append(f"Subject {subject}")
        for decision in (d for d in evaluation.decisions if d.subject == subject):
            until = decision.until.isoformat() if decision.until else "open-ended"
            state = "ACTIVE" if decision.active else "not active"
            lines.append(
                f"  {decision.outcome}: {decision.from_.isoformat()} to {until} "
                f"[{state} on {evaluation.as_of.isoformat()}]"
            )
            lines.append(f"    rule {decision.rule}; because:")
            lines.extend(_reason_lines(decision.because))
            lines.append("    cites:")
            for citation in decision.cites:
                lines.append(f"      {_cite(citation)} {citation.zh}")
                lines.append(f"      {' ' * len(_cite(citation))} {citation.en}")
        for duty in (d for d in evaluation.duties if d.subject == subject):
            cites = ", ".join(_cite(c) for c in duty.cites)
            lines.append(f"  duty {duty.name} on {duty.on.isoformat()} (rule {duty.rule}; {cites})")
    for deadline in evaluation.deadlines:
        flag = " (provisional)" if deadline.provisional else ""
        lines.append(
            f"  deadline {deadline.name} for {deadline.subject}: "
            f"due {deadline.due.isoformat()}{flag}"
        )
    return "\n".join(lines) + "\n"
