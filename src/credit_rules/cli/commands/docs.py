"""``credit-rules docs RULESET... -o DIR``: one Markdown page per ruleset, article by article.

The pages are what the project's mkdocs site publishes under ``docs/rulesets/``; the scenarios
that cover each article are read from ``<id>/scenarios/`` beside the ruleset file and counted
exactly as ``credit-rules test --coverage`` counts them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli.common import EXIT_OK
from credit_rules.cli.console import stdout_console
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import InputError, Problem
from credit_rules.explain.coverage import ruleset_coverage
from credit_rules.explain.ruleset_docs import render_ruleset_page
from credit_rules.scenario import load_scenario


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "docs", help="write a Markdown page per ruleset: articles, rules, parameters, scenarios"
    )
    parser.add_argument("rulesets", nargs="+", metavar="RULESET", help="a YAML file or bundled id")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="where to write <id>.md"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.exists() and not output.is_dir():
        raise InputError(str(output), [Problem("-o must name a directory, not a file")])
    pages = []
    # Everything is read and checked before anything is written: a bad ruleset or scenario
    # leaves the directory as it was.
    for name in args.rulesets:
        named = resolve(name)
        folder = named.scenarios_dir
        paths = sorted(folder.rglob("*.scenario.yaml")) if folder is not None else []
        coverage = ruleset_coverage(named.ruleset, [load_scenario(p) for p in paths])
        source = named.file.name if named.file is not None else f"{named.ruleset.id}.yaml"
        text = render_ruleset_page(named.ruleset, coverage, source_name=source)
        pages.append((named.ruleset.id, text, len(paths)))
    try:
        output.mkdir(parents=True, exist_ok=True)
        console = stdout_console()
        for ruleset_id, text, scenarios in pages:
            target = output / f"{ruleset_id}.md"
            target.write_text(text, encoding="utf-8")
            console.print(f"wrote {target} ({scenarios} scenarios)", soft_wrap=True)
    except OSError as error:
        raise InputError(str(output), [Problem(f"cannot write: {error.strerror}")]) from None
    return EXIT_OK
