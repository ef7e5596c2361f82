"""``credit-rules explain SCENARIO --subject ID [--outcome NAME]``: why an outcome applies to a
subject, why it does not, and the next day anything changes if nothing else happens."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from typing import Any

from credit_rules._console import Console, Text, Tree
from credit_rules.cli.common import (
    EXIT_OK,
    add_command,
    add_format,
    as_of_argument,
    gettext_of,
    print_json,
    read_scenario,
    ruleset_ref,
    scenario_argument,
)
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError
from credit_rules.explain.whynot import Explanation, Link, NextChange, Why, WhyNot, explain
from credit_rules.i18n import Gettext
from credit_rules.model.results import Citation


def register(commands: Any, _: Gettext) -> None:
    parser = add_command(
        commands,
        "explain",
        _,
        help=_("why an outcome applies to a subject, or why not, and when it could change"),
        description=_(
            "Explain one subject of a scenario: the chain of facts, parameters and articles "
            "behind each outcome; for an outcome that does not apply, the first condition that "
            "failed in each rule that could give it; and the next day the outcomes change."
        ),
    )
    scenario_argument(parser, _)
    parser.add_argument(
        "--subject", required=True, metavar="ID", help=_("the id of the subject to explain")
    )
    parser.add_argument(
        "--outcome",
        metavar="NAME",
        help=_("the outcome to explain, also when it does not apply (default: those that do)"),
    )
    as_of_argument(parser, _)
    add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = read_scenario(args.scenario)
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
        print_json({**_plain(found), "ruleset": ruleset_ref(scenario.ruleset)})
    else:
        render(console, found, gettext_of(args))
    return EXIT_OK


def render(console: Console, found: Explanation, _: Gettext = lambda m: m) -> None:
    """The explanation for a person: a tree for each chain of facts."""
    console.print(
        Text.assemble(
            (_("Subject") + " ", "bold"),
            (found.subject, "bold cyan"),
            _(" on {as_of} ({ruleset})").format(
                as_of=found.as_of.isoformat(), ruleset=found.ruleset
            ),
        ),
        soft_wrap=True,
    )
    active = ", ".join(found.active) or _("none")
    console.print(Text(_("Outcomes that apply: {active}").format(active=active)), soft_wrap=True)
    for why in found.why:
        console.print()
        console.print(_why(why))
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
            console.print(_why_not(item))
    console.print()
    console.print(_change(found.next_change, _), soft_wrap=True)


def _why(why: Why) -> Tree:
    until = why.last.isoformat() if why.last is not None else "open-ended"
    span = {
        "measure": f"from {why.first.isoformat()} until {until}",
        "duty": f"owed on {why.first.isoformat()}",
        "deadline": f"counted from {why.first.isoformat()}, due {until}",
    }[why.kind]
    state = "applies" if why.active else "does not apply on this day"
    head = Text.assemble(
        ("Why ", "bold"),
        (why.outcome, "bold green" if why.active else "bold"),
        f" {span} ({state})",
        (f" — rule {why.rule}{_line(why.line)}", "dim"),
    )
    tree = Tree(head)
    for link in why.chain:
        _add_link(tree, link)
    articles = tree.add(Text("articles", style="bold"))
    for citation in why.cites:
        articles.add(_citation(citation))
    return tree


def _why_not(item: WhyNot) -> Tree:
    cites = ", ".join(_label(c) for c in item.cites)
    on = f" for {item.trigger}" if item.trigger else ""
    tree = Tree(
        Text.assemble(
            ("rule ", "dim"),
            (item.rule, "bold"),
            (f"{_line(item.line)}, {cites}", "dim"),
            on,
            ": ",
            item.note,
        )
    )
    if item.failed is not None:
        failed = tree.add(
            Text.assemble("first condition that failed: ", (item.failed.condition, "bold red"))
        )
        for link in item.failed.seen:
            _add_link(failed, link)
    return tree


def _add_link(tree: Tree, link: Link) -> None:
    value = _value(link.value)
    if link.kind == "trigger":
        tree.add(Text.assemble(("trigger: ", "dim"), str(link.value)))
        return
    cites = ", ".join(_label(c) for c in link.cites)
    branch = tree.add(
        Text.assemble(
            (link.name, "bold"),
            " = ",
            (value, "cyan"),
            (f"  {link.kind}: {link.en}", "dim"),
            (f" [{cites}]" if cites else "", "dim"),
        )
    )
    for part in link.parts:
        _add_link(branch, part)


def _citation(citation: Citation) -> Text:
    return Text.assemble(
        (_label(citation), "bold"), " ", citation.zh, "\n", (citation.en, "italic")
    )


def _change(change: NextChange | None, _: Gettext) -> Text:
    if change is None:
        return Text(_("When could it change: never, unless something else happens"), style="bold")
    text = Text.assemble(
        (_("When could it change:") + " ", "bold"), (change.on.isoformat(), "bold magenta")
    )
    for cause in change.causes:
        text.append(f"\n  - {cause}")
    return text


def _label(citation: Citation) -> str:
    return f"Art {citation.article}" + (f"({citation.item})" if citation.item else "")


def _line(line: int | None) -> str:
    return f", line {line}" if line is not None else ""


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


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
