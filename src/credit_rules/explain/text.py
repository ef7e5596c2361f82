"""A plain-text rendering of an evaluation, for people reading a terminal."""

from __future__ import annotations

from credit_rules.model.results import Citation, Deadline, Evaluation, Reason


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
        {d.subject for d in evaluation.decisions}
        | {d.subject for d in evaluation.duties}
        | {d.subject for d in evaluation.deadlines}
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
            lines.extend(_citation_lines(decision.cites))
        for duty in (d for d in evaluation.duties if d.subject == subject):
            cites = ", ".join(_cite(c) for c in duty.cites)
            lines.append(f"  duty {duty.name} on {duty.on.isoformat()} (rule {duty.rule}; {cites})")
            lines.extend(_reason_lines(duty.because))
        for deadline in (d for d in evaluation.deadlines if d.subject == subject):
            lines.extend(_deadline_lines(deadline))
    return "\n".join(lines) + "\n"


def _citation_lines(cites: tuple[Citation, ...]) -> list[str]:
    lines = []
    for citation in cites:
        label = _cite(citation)
        pad = " " * (len(label) + 7)
        zh, en = citation.zh.splitlines(), citation.en.splitlines()
        lines.append(f"      {label} {zh[0]}")
        lines.extend(f"{pad}{line}" for line in zh[1:])
        lines.extend(f"{pad}{line}" for line in en)
    return lines


def _deadline_lines(deadline: Deadline) -> list[str]:
    amount = f"{deadline.count} {deadline.unit.replace('_', ' ')}"
    extended = f" + {deadline.extended_by} extended" if deadline.extended_by else ""
    lines = [
        f"  deadline {deadline.name}: {amount}{extended} from {deadline.start.isoformat()}, "
        f"due {deadline.due.isoformat()}" + (" [PROVISIONAL]" if deadline.provisional else ""),
        f"    rule {deadline.rule}; cites " + ", ".join(_cite(c) for c in deadline.cites),
    ]
    for excluded in deadline.excluded:
        lines.append(
            f"    not counted: {excluded.first.isoformat()} to {excluded.last.isoformat()} "
            f"({excluded.reason})"
        )
    if deadline.provisional_reason:
        lines.append(f"    provisional: {deadline.provisional_reason}")
    return lines
