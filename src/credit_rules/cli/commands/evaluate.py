"""``credit-rules evaluate SCENARIO``: what applies, with reasons and citations."""

from __future__ import annotations

import argparse
import json
from typing import Any

from credit_rules.cli.common import EXIT_OK, iso_date
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError
from credit_rules.explain.text import print_evaluation
from credit_rules.scenario import load_scenario


def register(commands: Any) -> None:
    parser = commands.add_parser("evaluate", help="evaluate a scenario file")
    parser.add_argument("scenario", help="a scenario YAML file")
    parser.add_argument("--as-of", type=iso_date, help="override the scenario's as_of date")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--backend",
        choices=("closures", "durable"),
        default="closures",
        help="the rule-matching backend (durable needs the [durable] extra)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    as_of = args.as_of or scenario.as_of
    with Engine(scenario.ruleset, backend=args.backend) as engine:
        try:
            evaluation = engine.evaluate(scenario.subjects, scenario.events, as_of=as_of)
        except InputError as error:
            raise scenario.locate(error) from None
    if args.format == "json":
        print(json.dumps(evaluation.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        # Tables and colour on a terminal; plain, unwrapped lines when piped or under NO_COLOR.
        print_evaluation(evaluation, stdout_console())
    return EXIT_OK
