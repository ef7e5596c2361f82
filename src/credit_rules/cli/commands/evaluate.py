"""``credit-rules evaluate SCENARIO``: what applies, with reasons and citations."""

from __future__ import annotations

import argparse
from typing import Any

from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError
from credit_rules.explain.text import print_evaluation
from credit_rules.i18n import N_, Gettext

HELP = N_("evaluate a scenario file: decisions, duties and deadlines, with reasons")
DESCRIPTION = N_(
    "Evaluate the subjects and events of a scenario file on its as_of date (or "
    "--as-of) and print every decision, duty and deadline with the facts, parameters "
    "and articles behind it."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "evaluate", _, help=_(HELP), description=_(DESCRIPTION))
    common.scenario_argument(parser, _)
    common.as_of_argument(parser, _)
    common.add_format(parser, _)
    parser.add_argument(
        "--backend",
        choices=("closures", "durable"),
        default="closures",
        help=_("the rule-matching backend (durable needs the [durable] extra)"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = common.read_scenario(args.scenario)
    as_of = args.as_of or scenario.as_of
    with Engine(scenario.ruleset, backend=args.backend) as engine:
        try:
            evaluation = engine.evaluate(scenario.subjects, scenario.events, as_of=as_of)
        except InputError as error:
            raise scenario.locate(error) from None
    if args.format == "json":
        common.print_json(evaluation.model_dump(mode="json"))
    else:
        # Tables and colour on a terminal; plain, unwrapped lines when piped or under NO_COLOR.
        print_evaluation(evaluation, stdout_console(), lang=common.lang_of(args))
    return common.EXIT_OK
