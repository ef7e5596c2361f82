"""An evaluation rendered for people: summary tables, then each subject's reasons and articles.

The same content serves two readers. On a terminal it is printed with rich: tables, and colour
where it helps (what is active, what is provisional), never under ``NO_COLOR``. Piped, or
through :func:`render_text`, it is plain text with no escape codes, and every detail line is
one unbroken line (``general_supervision: 2024-09-27 to open-ended [ACTIVE on 2024-10-21]``), so
that it can be searched with grep and compared in tests. Without rich (the ``[cli]`` extra) the
summary tables are plain aligned columns and the detail lines are the same.
"""

from __future__ import annotations

import io

from credit_rules._console import Console, Table, Text
from credit_rules.model.results import Citation, Deadline, Decision, Duty, Evaluation, Reason

#: The width of :func:`render_text`'s tables; detail lines are never wrapped at any width.
TEXT_WIDTH = 100

_OUTCOME = "bold cyan"
_ACTIVE = "bold green"
_INACTIVE = "dim"
_ARTICLE = "bold"
_DEADLINE = "bold magenta"
_WARN = "bold yellow"


def render_text(evaluation: Evaluation) -> str:
    """Every decision and duty with its period, rule, reasons and citations (zh and en), as
    plain text."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=TEXT_WIDTH,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )
    print_evaluation(evaluation, console)
    return buffer.getvalue()


def print_evaluation(evaluation: Evaluation, console: Console) -> None:
    """Print ``evaluation`` on ``console``; the console decides about colour."""
    ref = evaluation.ruleset
    as_of = evaluation.as_of.isoformat()
    header = f"Ruleset {ref.id} {ref.version} ({ref.digest[:19]}…) as of {as_of}"
    console.print(Text(header, style="bold"), soft_wrap=True)
    subjects = sorted(
        {d.subject for d in evaluation.decisions}
        | {d.subject for d in evaluation.duties}
        | {d.subject for d in evaluation.deadlines}
    )
    if not subjects:
        console.print("No decisions: no subject has anything that applies.", soft_wrap=True)
        return
    if evaluation.decisions:
        console.print()
        console.print(_decision_table(evaluation))
    if evaluation.deadlines:
        console.print()
        console.print(_deadline_table(evaluation))
    for subject in subjects:
        console.print()
        console.print(Text(f"Subject {subject}", style="bold underline"), soft_wrap=True)
        lines: list[Text] = []
        for decision in (d for d in evaluation.decisions if d.subject == subject):
            lines.extend(_decision_lines(decision, as_of))
        for duty in (d for d in evaluation.duties if d.subject == subject):
            lines.extend(_duty_lines(duty))
        for deadline in (d for d in evaluation.deadlines if d.subject == subject):
            lines.extend(_deadline_lines(deadline))
        for line in lines:
            console.print(line, soft_wrap=True)


# -- the summary tables -----------------------------------------------------------------------


def _decision_table(evaluation: Evaluation) -> Table:
    """One row per decision; the rule and reasons are in the details below it."""
    as_of = evaluation.as_of.isoformat()
    several = len({d.subject for d in evaluation.decisions}) > 1
    table = Table(title=f"Decisions as of {as_of}", title_justify="left", header_style="bold")
    if several:
        table.add_column("Subject", overflow="fold")
    for column in ("Outcome", "From", "Until", "Active"):
        table.add_column(column, no_wrap=True)
    table.add_column("Cites", overflow="fold")
    for d in evaluation.decisions:
        row = [
            Text(d.outcome, style=_OUTCOME),
            Text(d.from_.isoformat()),
            Text(d.until.isoformat() if d.until else "open-ended"),
            Text("ACTIVE", style=_ACTIVE) if d.active else Text("no", style=_INACTIVE),
            Text(", ".join(_cite(c) for c in d.cites)),
        ]
        table.add_row(*([Text(d.subject)] if several else []), *row)
    return table


def _deadline_table(evaluation: Evaluation) -> Table:
    several = len({d.subject for d in evaluation.deadlines}) > 1
    table = Table(title="Deadlines", title_justify="left", header_style="bold")
    if several:
        table.add_column("Subject", overflow="fold")
    for column in ("Deadline", "From", "Due"):
        table.add_column(column, no_wrap=True)
    table.add_column("Counted", overflow="fold")
    table.add_column("Cites", overflow="fold")
    for d in evaluation.deadlines:
        due = Text(d.due.isoformat())
        if d.provisional:
            due.append(" provisional", style=_WARN)
        row = [
            Text(d.name, style=_DEADLINE),
            Text(d.start.isoformat()),
            due,
            Text(_amount(d)),
            Text(", ".join(_cite(c) for c in d.cites)),
        ]
        table.add_row(*([Text(d.subject)] if several else []), *row)
    return table


# -- the detail lines -------------------------------------------------------------------------


def _cite(citation: Citation) -> str:
    item = f"({citation.item})" if citation.item is not None else ""
    return f"Art {citation.article}{item}"


def _reason_lines(because: tuple[Reason, ...]) -> list[Text]:
    return [Text(f"      - {reason.en} / {reason.zh}") for reason in because]


def _decision_lines(decision: Decision, as_of: str) -> list[Text]:
    until = decision.until.isoformat() if decision.until else "open-ended"
    state = (
        Text("ACTIVE", style=_ACTIVE) if decision.active else Text("not active", style=_INACTIVE)
    )
    head = Text.assemble(
        "  ",
        (decision.outcome, _OUTCOME),
        f": {decision.from_.isoformat()} to {until} [",
        state,
        f" on {as_of}]",
    )
    return [
        head,
        Text(f"    rule {decision.rule}; because:"),
        *_reason_lines(decision.because),
        Text("    cites:"),
        *_citation_lines(decision.cites),
    ]


def _duty_lines(duty: Duty) -> list[Text]:
    cites = ", ".join(_cite(c) for c in duty.cites)
    head = Text.assemble(
        "  duty ", (duty.name, _OUTCOME), f" on {duty.on.isoformat()} (rule {duty.rule}; {cites})"
    )
    return [head, *_reason_lines(duty.because)]


def _citation_lines(cites: tuple[Citation, ...]) -> list[Text]:
    lines = []
    for citation in cites:
        label = _cite(citation)
        pad = " " * (len(label) + 7)
        zh, en = citation.zh.splitlines(), citation.en.splitlines()
        lines.append(Text.assemble("      ", (label, _ARTICLE), f" {zh[0]}"))
        lines.extend(Text(f"{pad}{line}") for line in zh[1:])
        lines.extend(Text(f"{pad}{line}", style="italic") for line in en)
    return lines


def _amount(deadline: Deadline) -> str:
    amount = f"{deadline.count} {deadline.unit.replace('_', ' ')}"
    return amount + (f" + {deadline.extended_by} extended" if deadline.extended_by else "")


def _deadline_lines(deadline: Deadline) -> list[Text]:
    head = Text.assemble(
        "  deadline ",
        (deadline.name, _DEADLINE),
        f": {_amount(deadline)} from {deadline.start.isoformat()}, due {deadline.due.isoformat()}",
    )
    if deadline.provisional:
        head.append(" [PROVISIONAL]", style=_WARN)
    lines = [
        head,
        Text(f"    rule {deadline.rule}; cites " + ", ".join(_cite(c) for c in deadline.cites)),
    ]
    for excluded in deadline.excluded:
        lines.append(
            Text(
                f"    not counted: {excluded.first.isoformat()} to {excluded.last.isoformat()} "
                f"({excluded.reason})"
            )
        )
    if deadline.provisional_reason:
        lines.append(Text(f"    provisional: {deadline.provisional_reason}", style="yellow"))
    return lines
