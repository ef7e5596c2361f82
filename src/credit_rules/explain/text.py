"""An evaluation rendered for people: summary tables, then each subject's reasons and articles.

The same content serves two readers. On a terminal it is printed with rich: tables, and colour
where it helps (what is active, what is provisional), never under ``NO_COLOR``. Piped, or
through :func:`render_text`, it is plain text with no escape codes, and every detail line is
one unbroken line (``general_supervision: 2024-09-27 to open-ended [ACTIVE on 2024-10-21]``), so
that it can be searched with grep and compared in tests. Without rich (the ``[cli]`` extra) the
summary tables are plain aligned columns and the detail lines are the same.
"""

from __future__ import annotations

import datetime as dt
import io

from credit_rules._console import Console, Table, Text
from credit_rules.i18n import Gettext, Lang, date_text, listed, named_text, translator
from credit_rules.model.results import Citation, Deadline, Decision, Duty, Evaluation, Reason

#: The width of :func:`render_text`'s tables; detail lines are never wrapped at any width.
TEXT_WIDTH = 100

_OUTCOME = "bold cyan"
_ACTIVE = "bold green"
_INACTIVE = "dim"
_ARTICLE = "bold"
_DEADLINE = "bold magenta"
_WARN = "bold yellow"


def render_text(evaluation: Evaluation, lang: Lang | None = None) -> str:
    """Every decision and duty with its period, rule, reasons and citations, as plain text
    (see :func:`print_evaluation` for ``lang``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=TEXT_WIDTH,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )
    print_evaluation(evaluation, console, lang=lang)
    return buffer.getvalue()


def print_evaluation(evaluation: Evaluation, console: Console, lang: Lang | None = None) -> None:
    """Print ``evaluation`` on ``console``; the console decides about colour. In English (the
    default) every reason and article is given in English and Chinese; in Chinese, headings,
    reasons and articles are in Chinese only."""
    _ = translator(lang or "en")
    ref = evaluation.ruleset
    as_of = _day(evaluation.as_of, lang)
    header = _("Ruleset {id} {version} ({digest}…) as of {as_of}").format(
        id=ref.id, version=ref.version, digest=ref.digest[:19], as_of=as_of
    )
    console.print(Text(header, style="bold"), soft_wrap=True)
    subjects = sorted(
        {d.subject for d in evaluation.decisions}
        | {d.subject for d in evaluation.duties}
        | {d.subject for d in evaluation.deadlines}
    )
    if not subjects:
        console.print(_("No decisions: no subject has anything that applies."), soft_wrap=True)
        return
    if evaluation.decisions:
        console.print()
        console.print(_decision_table(evaluation, _, lang))
    if evaluation.deadlines:
        console.print()
        console.print(_deadline_table(evaluation, _, lang))
    for subject in subjects:
        console.print()
        console.print(
            Text(_("Subject {subject}").format(subject=subject), style="bold underline"),
            soft_wrap=True,
        )
        lines: list[Text] = []
        for decision in (d for d in evaluation.decisions if d.subject == subject):
            lines.extend(_decision_lines(decision, as_of, _, lang))
        for duty in (d for d in evaluation.duties if d.subject == subject):
            lines.extend(_duty_lines(duty, _, lang))
        for deadline in (d for d in evaluation.deadlines if d.subject == subject):
            lines.extend(_deadline_lines(deadline, _, lang))
        for line in lines:
            console.print(line, soft_wrap=True)


# -- the summary tables -----------------------------------------------------------------------


def _decision_table(evaluation: Evaluation, _: Gettext, lang: Lang | None) -> Table:
    """One row per decision; the rule and reasons are in the details below it."""
    as_of = _day(evaluation.as_of, lang)
    several = len({d.subject for d in evaluation.decisions}) > 1
    table = Table(
        title=_("Decisions as of {as_of}").format(as_of=as_of),
        title_justify="left",
        header_style="bold",
    )
    if several:
        table.add_column(_("Subject"), overflow="fold")
    _add_name_column(table, _("Outcome"), lang)
    for column in (_("From"), _("Until"), _("Active")):
        table.add_column(column, no_wrap=True)
    table.add_column(_("Cites"), overflow="fold")
    for d in evaluation.decisions:
        start = Text(_day(d.from_, lang))
        if d.provisional:
            start.append(" " + _("provisional"), style=_WARN)
        row = [
            Text(_named(d, lang, in_table=True), style=_OUTCOME),
            start,
            Text(_day(d.until, lang) if d.until else _("open-ended")),
            Text(_("ACTIVE"), style=_ACTIVE) if d.active else Text(_("no"), style=_INACTIVE),
            Text(listed((_cite(c, _, lang) for c in d.cites), lang)),
        ]
        table.add_row(*([Text(d.subject)] if several else []), *row)
    return table


def _deadline_table(evaluation: Evaluation, _: Gettext, lang: Lang | None) -> Table:
    several = len({d.subject for d in evaluation.deadlines}) > 1
    table = Table(title=_("Deadlines"), title_justify="left", header_style="bold")
    if several:
        table.add_column(_("Subject"), overflow="fold")
    _add_name_column(table, _("Deadline"), lang)
    for column in (_("From"), _("Due")):
        table.add_column(column, no_wrap=True)
    table.add_column(_("Counted"), overflow="fold")
    table.add_column(_("Cites"), overflow="fold")
    for d in evaluation.deadlines:
        due = Text(_day(d.due, lang))
        if d.provisional:
            due.append(" " + _("provisional"), style=_WARN)
        row = [
            Text(_named(d, lang, in_table=True), style=_DEADLINE),
            Text(_day(d.start, lang)),
            due,
            Text(_amount(d, _)),
            Text(listed((_cite(c, _, lang) for c in d.cites), lang)),
        ]
        table.add_row(*([Text(d.subject)] if several else []), *row)
    return table


# -- the detail lines -------------------------------------------------------------------------


def _named(result: Decision | Duty | Deadline, lang: Lang | None, *, in_table: bool = False) -> str:
    """In Chinese, the outcome in the ruleset's Chinese words, then its id in brackets
    (书面警告（written_warning）): the words are what a Chinese reader knows, the id what
    scenarios, the JSON and ``--outcome`` name. A table, narrow with Chinese dates, shows
    the words alone; the lines below it give both. In English, the id alone, as ever."""
    if lang == "zh" and in_table:
        return result.meaning.zh
    return named_text(result.outcome, result.meaning.zh, lang)


def _add_name_column(table: Table, title: str, lang: Lang | None) -> None:
    """The column of outcome names: an id is kept on one line (with rich's ellipsis, as
    ever); Chinese words may fold, anywhere."""
    if lang == "zh":
        table.add_column(title, overflow="fold")
    else:
        table.add_column(title, no_wrap=True)


def _day(day: dt.date, lang: Lang | None) -> str:
    return date_text(day, lang or "en")


def _cite(citation: Citation, _: Gettext, lang: Lang | None) -> str:
    """``Art 10(1)``, or 第10条第1项 as Chinese documents cite an item."""
    if citation.item is None:
        item = ""
    else:
        item = f"第{citation.item}项" if lang == "zh" else f"({citation.item})"
    return _("Art {article}{item}").format(article=citation.article, item=item)


def _reason_lines(because: tuple[Reason, ...], lang: Lang | None) -> list[Text]:
    """In Chinese, the Chinese reasons; in English, each reason followed by its Chinese, the
    language of the regulation, which an English reader may need to quote."""
    if lang == "zh":
        return [Text(f"      - {reason.zh}") for reason in because]
    return [Text(f"      - {reason.en} / {reason.zh}") for reason in because]


def _decision_lines(decision: Decision, as_of: str, _: Gettext, lang: Lang | None) -> list[Text]:
    until = _day(decision.until, lang) if decision.until else _("open-ended")
    state = (
        Text(_("ACTIVE"), style=_ACTIVE)
        if decision.active
        else Text(_("not active"), style=_INACTIVE)
    )
    head = Text.assemble(
        "  ",
        (_named(decision, lang), _OUTCOME),
        _(": {start} to {until} [").format(start=_day(decision.from_, lang), until=until),
        state,
        _(" on {as_of}]").format(as_of=as_of),
    )
    if decision.provisional:
        # The deadline it was counted from (listed below) says which year, and why.
        head.append(" [" + _("PROVISIONAL") + "]", style=_WARN)
    return [
        head,
        Text("    " + _("rule {rule}; because:").format(rule=decision.rule)),
        *_reason_lines(decision.because, lang),
        Text("    " + _("cites:")),
        *_citation_lines(decision.cites, _, lang),
    ]


def _duty_lines(duty: Duty, _: Gettext, lang: Lang | None) -> list[Text]:
    cites = listed((_cite(c, _, lang) for c in duty.cites), lang)
    head = Text.assemble(
        "  " + _("duty") + " ",
        (_named(duty, lang), _OUTCOME),
        _(" on {on} (rule {rule}; {cites})").format(
            on=_day(duty.on, lang), rule=duty.rule, cites=cites
        ),
    )
    if duty.provisional:
        head.append(" [" + _("PROVISIONAL") + "]", style=_WARN)
    return [head, *_reason_lines(duty.because, lang)]


def _citation_lines(cites: tuple[Citation, ...], _: Gettext, lang: Lang | None) -> list[Text]:
    lines = []
    for citation in cites:
        label = _cite(citation, _, lang)
        pad = " " * (len(label) + 7)
        zh, en = citation.zh.splitlines(), citation.en.splitlines()
        lines.append(Text.assemble("      ", (label, _ARTICLE), f" {zh[0]}"))
        lines.extend(Text(f"{pad}{line}") for line in zh[1:])
        if lang != "zh":
            lines.extend(Text(f"{pad}{line}", style="italic") for line in en)
    return lines


def _amount(deadline: Deadline, _: Gettext) -> str:
    units = {
        "working_days": _("working days"),
        "days": _("days"),
        "months": _("months"),
        "years": _("years"),
    }
    amount = f"{deadline.count} {units.get(deadline.unit, deadline.unit)}"
    extended = _(" + {count} extended").format(count=deadline.extended_by)
    return amount + (extended if deadline.extended_by else "")


def _deadline_lines(deadline: Deadline, _: Gettext, lang: Lang | None) -> list[Text]:
    head = Text.assemble(
        "  " + _("deadline") + " ",
        (_named(deadline, lang), _DEADLINE),
        _(": {amount} from {start}, due {due}").format(
            amount=_amount(deadline, _),
            start=_day(deadline.start, lang),
            due=_day(deadline.due, lang),
        ),
    )
    if deadline.provisional:
        head.append(" [" + _("PROVISIONAL") + "]", style=_WARN)
    cites = listed((_cite(c, _, lang) for c in deadline.cites), lang)
    lines = [
        head,
        Text("    " + _("rule {rule}; cites {cites}").format(rule=deadline.rule, cites=cites)),
    ]
    for excluded in deadline.excluded:
        lines.append(
            Text(
                "    "
                + _("not counted: {first} to {last} ({reason})").format(
                    first=_day(excluded.first, lang),
                    last=_day(excluded.last, lang),
                    reason=excluded.reason,
                )
            )
        )
    if deadline.provisional_reason:
        # The reason is the calendar's English sentence, and says "provisional" itself; in
        # Chinese the same is said from the deadline's own days, which it is about.
        reason = (
            deadline.provisional_reason
            if lang != "zh"
            else _(
                "provisional: a year the count from {start} to {due} runs through has no State "
                "Council holiday schedule in the calendar data yet, so the day due may change "
                "once it is published"
            ).format(start=_day(deadline.start, lang), due=_day(deadline.due, lang))
        )
        lines.append(Text("    " + reason, style="yellow"))
    return lines
