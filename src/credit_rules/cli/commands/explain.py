"""``credit-rules explain SCENARIO --subject ID [--outcome NAME]``: why an outcome applies to a
subject, why it does not, and the next day anything changes if nothing else happens."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from credit_rules._console import Console, Text, Tree
from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError
from credit_rules.explain.whynot import Explanation, Link, NextChange, Why, WhyNot, explain
from credit_rules.i18n import N_, Gettext, Lang, clauses, date_text, listed
from credit_rules.i18n import render as in_language
from credit_rules.model.results import Citation, shown

HELP = N_("why an outcome applies to a subject, or why not, and when it could change")
DESCRIPTION = N_(
    "Explain one subject of a scenario: the chain of facts, parameters and articles "
    "behind each outcome; for an outcome that does not apply, the first condition that "
    "failed in each rule that could give it; and the next day the outcomes change."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "explain", _, help=_(HELP), description=_(DESCRIPTION))
    common.scenario_argument(parser, _)
    parser.add_argument(
        "--subject", required=True, metavar="ID", help=_("the id of the subject to explain")
    )
    parser.add_argument(
        "--outcome",
        metavar="NAME",
        help=_("the outcome to explain, also when it does not apply (default: those that do)"),
    )
    common.as_of_argument(parser, _)
    common.add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = common.read_scenario(args.scenario)
    as_of = args.as_of or scenario.as_of
    with Engine(scenario.ruleset) as engine:
        try:
            found = explain(
                engine,
                scenario.subjects,
                scenario.events,
                subject=args.subject,
                as_of=as_of,
                outcome=args.outcome,
            )
        except InputError as error:
            raise scenario.locate(error) from None
    console = stdout_console()
    if args.format == "json":
        common.print_json({**_plain(found), "ruleset": common.ruleset_ref(scenario.ruleset)})
    else:
        render(console, found, common.gettext_of(args), common.lang_of(args))
    return common.EXIT_OK


def render(
    console: Console, found: Explanation, _: Gettext = lambda m: m, lang: Lang = "en"
) -> None:
    """The explanation for a person: a tree for each chain of facts."""
    words = _Words(_, lang)
    console.print(
        Text.assemble(
            (_("Subject") + " ", "bold"),
            (found.subject, "bold cyan"),
            _(" on {as_of} ({ruleset})").format(
                as_of=date_text(found.as_of, lang), ruleset=found.ruleset
            ),
        ),
        soft_wrap=True,
    )
    active = listed(found.active, lang) or _("none")
    console.print(Text(_("Outcomes that apply: {active}").format(active=active)), soft_wrap=True)
    for why in found.why:
        console.print()
        console.print(_why(why, words))
    if found.outcome is not None and not any(w.active for w in found.why):
        console.print()
        console.print(
            Text.assemble(
                (_("Why") + " ", "bold"),
                (found.outcome, "bold yellow"),
                (" " + _("does not apply"), "bold"),
            ),
            soft_wrap=True,
        )
        if not found.why_not:
            console.print("  " + _("no rule of the ruleset gives this outcome"))
        for item in found.why_not:
            console.print(_why_not(item, words))
    console.print()
    console.print(_change(found.next_change, _, lang), soft_wrap=True)


@dataclass(frozen=True)
class _Words:
    """The chosen language, as the tree's helpers need it."""

    _: Gettext
    lang: Lang

    @property
    def colon(self) -> str:
        """Between a label and what it labels: a full-width colon in Chinese."""
        return "：" if self.lang == "zh" else ": "

    def day(self, day: dt.date | None) -> str:
        return date_text(day, self.lang) if day is not None else self._("open-ended")


_LINK_KINDS = {"fact": N_("fact"), "parameter": N_("parameter"), "built-in": N_("built-in")}


def _why(why: Why, words: _Words) -> Tree:
    _ = words._
    first, until = words.day(why.first), words.day(why.last)
    span = {
        "measure": _("from {first} until {until}"),
        "duty": _("owed on {first}"),
        "deadline": _("counted from {first}, due {until}"),
    }[why.kind].format(first=first, until=until)
    state = _("applies") if why.active else _("does not apply on this day")
    head = Text.assemble(
        (_("Why") + " ", "bold"),
        (why.outcome, "bold green" if why.active else "bold"),
        f" {span} ({state})",
        (" — " + _("rule {rule}").format(rule=why.rule) + _line(why.line, _), "dim"),
    )
    tree = Tree(head)
    for link in why.chain:
        _add_link(tree, link, words)
    articles = tree.add(Text(_("articles"), style="bold"))
    for citation in why.cites:
        articles.add(_citation(citation, words))
    return tree


def _why_not(item: WhyNot, words: _Words) -> Tree:
    _ = words._
    cites = listed((_label(c, words) for c in item.cites), words.lang)
    trigger = in_language(item.trigger, words.lang) if item.trigger else ""
    on = " " + _("for {trigger}").format(trigger=trigger) if trigger else ""
    tree = Tree(
        Text.assemble(
            (_("rule") + " ", "dim"),
            (item.rule, "bold"),
            (f"{_line(item.line, _)}{clauses(words.lang)}{cites}", "dim"),
            on,
            words.colon,
            in_language(item.note, words.lang),
        )
    )
    if item.failed is not None:
        failed = tree.add(
            Text.assemble(_("first condition that failed: "), (item.failed.condition, "bold red"))
        )
        for link in item.failed.seen:
            _add_link(failed, link, words)
    return tree


def _add_link(tree: Tree, link: Link, words: _Words) -> None:
    _ = words._
    value = shown(link.value, words.lang)
    if link.kind == "trigger":
        tree.add(
            Text.assemble(
                (_("trigger: "), "dim"), link.zh if words.lang == "zh" else str(link.value)
            )
        )
        return
    cites = listed((_label(c, words) for c in link.cites), words.lang)
    kind = _(_LINK_KINDS[link.kind]) if link.kind in _LINK_KINDS else link.kind
    described = link.zh if words.lang == "zh" else link.en
    branch = tree.add(
        Text.assemble(
            (link.name, "bold"),
            " = ",
            (value, "cyan"),
            (f"  {kind}{words.colon}{described}", "dim"),
            (f" [{cites}]" if cites else "", "dim"),
        )
    )
    for part in link.parts:
        _add_link(branch, part, words)


def _citation(citation: Citation, words: _Words) -> Text:
    if words.lang == "zh":
        return Text.assemble((_label(citation, words), "bold"), " ", citation.zh)
    return Text.assemble(
        (_label(citation, words), "bold"), " ", citation.zh, "\n", (citation.en, "italic")
    )


def _change(change: NextChange | None, _: Gettext, lang: Lang) -> Text:
    if change is None:
        return Text(_("When could it change: never, unless something else happens"), style="bold")
    text = Text.assemble(
        # A Chinese label ends in a full-width colon, which takes no space after it.
        (_("When could it change:") + ("" if lang == "zh" else " "), "bold"),
        (date_text(change.on, lang), "bold magenta"),
    )
    for cause in change.causes:
        text.append(f"\n  - {in_language(cause, lang)}")
    return text


def _label(citation: Citation, words: _Words) -> str:
    """``Art 10(1)``, or 第10条第1项 as Chinese documents cite an item."""
    _ = words._
    item = f"({citation.item})" if citation.item else ""
    if citation.item and words.lang == "zh":
        item = f"第{citation.item}项"
    return _("Art {article}{item}").format(article=citation.article, item=item)


def _line(line: int | None, _: Gettext) -> str:
    return _(", line {line}").format(line=line) if line is not None else ""


def _plain(found: Explanation) -> Any:
    """The explanation as JSON data: dates as ISO strings, citations in full."""

    def convert(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Citation):
            return value.model_dump(mode="json")
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return convert(dataclasses.asdict(found))
