"""``credit-rules validate RULESET [--strict]``: check a ruleset file and summarise it.

Without ``--strict`` a ruleset is valid when it loads: the schema, the names and the types
check. ``--strict`` adds the static checks of :mod:`credit_rules.ruleset.lint` (conflicting
rules, unreachable rules, gaps in a ladder, unused parameters and facts, context articles cited
as law) and exits 1 when any of them finds something.
"""

from __future__ import annotations

import argparse
from typing import Any

from credit_rules._console import Table, Text
from credit_rules.cli.common import EXIT_FAILED, EXIT_OK
from credit_rules.cli.console import stdout_console
from credit_rules.ruleset.lint import lint
from credit_rules.ruleset.loader import load_ruleset


def register(commands: Any) -> None:
    parser = commands.add_parser("validate", help="check a ruleset file")
    parser.add_argument("ruleset", help="a ruleset YAML file")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also run the static checks (lint); exit 1 if any finds something",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.ruleset)
    executable = sum(1 for a in ruleset.articles if a.role == "executable")
    console = stdout_console()
    if not console.is_terminal:
        # Piped output goes to CI logs and files: give the findings table room.
        console.width = max(console.width, 160)
    console.print(
        Text(
            f"ok: {ruleset.id} {ruleset.version}: {len(ruleset.articles)} articles "
            f"({executable} executable), {len(ruleset.parameters)} parameters, "
            f"{len(ruleset.facts)} facts, {len(ruleset.rules)} rules, "
            f"{len(ruleset.interpretations)} interpretations"
        ),
        soft_wrap=True,
    )
    if not args.strict:
        return EXIT_OK
    findings = lint(ruleset)
    if not findings:
        console.print(Text("strict: no findings", style="green"))
        return EXIT_OK
    table = Table(title=f"{len(findings)} findings in {args.ruleset}", title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("check", style="yellow")
    table.add_column("finding", overflow="fold")
    table.add_column("suggested fix", overflow="fold", style="green")
    for finding in findings:
        line = str(finding.line) if finding.line is not None else ""
        table.add_row(line, finding.check, Text(finding.message), Text(finding.fix))
    console.print(table)
    # One line per finding as compilers print them, for editors and CI annotations.
    for finding in findings:
        where = f"{args.ruleset}:{finding.line}" if finding.line is not None else args.ruleset
        console.print(Text(f"{where}: {finding.check}: {finding.message}"), soft_wrap=True)
    return EXIT_FAILED
