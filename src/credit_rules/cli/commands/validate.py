"""``credit-rules validate RULESET``: check a ruleset file and summarise it."""

from __future__ import annotations

import argparse
from typing import Any

from credit_rules.cli.common import EXIT_OK
from credit_rules.ruleset.loader import load_ruleset


def register(commands: Any) -> None:
    parser = commands.add_parser("validate", help="check a ruleset file")
    parser.add_argument("ruleset", help="a ruleset YAML file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.ruleset)
    executable = sum(1 for a in ruleset.articles if a.role == "executable")
    print(
        f"ok: {ruleset.id} {ruleset.version}: {len(ruleset.articles)} articles "
        f"({executable} executable), {len(ruleset.parameters)} parameters, "
        f"{len(ruleset.facts)} facts, {len(ruleset.rules)} rules, "
        f"{len(ruleset.interpretations)} interpretations"
    )
    return EXIT_OK
