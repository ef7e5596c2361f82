"""``credit-rules docs RULESET... -o DIR``: one Markdown page per ruleset, article by article.

The pages are what the project's mkdocs site publishes under ``docs/rulesets/``; the scenarios
that cover each article are read from ``<id>/scenarios/`` beside the ruleset file and counted
exactly as ``credit-rules test --coverage`` counts them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import InputError, Problem
from credit_rules.explain.coverage import ruleset_coverage
from credit_rules.explain.ruleset_docs import render_ruleset_page
from credit_rules.i18n import N_, Gettext
from credit_rules.scenario import load_scenario

HELP = N_("write a Markdown page per ruleset: articles, rules, parameters, scenarios")
DESCRIPTION = N_(
    "Write one Markdown page per ruleset, article by article: the text, the rules and "
    "parameters that carry it out, and the scenarios that exercise it."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "docs", _, help=_(HELP), description=_(DESCRIPTION))
    common.ruleset_argument(parser, _, many=True)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help=_("the folder to write <id>.md in, or - to print the pages on standard output"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    to_stdout = args.output == common.STDIO
    output = Path(args.output)
    if not to_stdout and output.exists() and not output.is_dir():
        raise InputError(str(output), [Problem(_("-o must name a directory, not a file"))])
    pages = []
    # Everything is read and checked before anything is written: a bad ruleset or scenario
    # leaves the directory as it was.
    for name in args.rulesets:
        named = resolve(name)
        folder = named.scenarios_dir
        paths = sorted(folder.rglob("*.scenario.yaml")) if folder is not None else []
        scenarios = [load_scenario(p) for p in paths]
        coverage = ruleset_coverage(named.ruleset, scenarios)
        source = named.file.name if named.file is not None else f"{named.ruleset.id}.yaml"
        text = render_ruleset_page(
            named.ruleset,
            coverage,
            source_name=source,
            written_to=None if to_stdout else output,
            descriptions={s.path: s.description or "" for s in scenarios},
            lang=common.lang_of(args),
        )
        pages.append((named.ruleset.id, text, len(paths)))
    if to_stdout:
        common.write_text(common.STDIO, "\n".join(text for _id, text, _count in pages))
        return common.EXIT_OK
    console = stdout_console()
    for ruleset_id, text, count in pages:
        target = output / f"{ruleset_id}.md"
        common.write_text(target, text, make_folder=True)
        console.print(
            _("wrote {path} ({count} scenarios)").format(path=target, count=count),
            soft_wrap=True,
        )
    return common.EXIT_OK
