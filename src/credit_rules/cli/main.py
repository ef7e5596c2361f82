"""``credit-rules``: evaluate scenarios and validate rulesets from a terminal.

Bad input of any kind ends with one readable paragraph on stderr and exit code 2, never a
traceback: the people running this are policy analysts, not Python developers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from credit_rules.engine.engine import Engine
from credit_rules.errors import CreditRulesError, InputError
from credit_rules.explain.text import render_text
from credit_rules.ruleset.loader import load_ruleset
from credit_rules.scenario import load_scenario

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"credit-rules: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="credit-rules",
        description="Evaluate Chinese medical-insurance credit rulesets and explain the results.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    evaluate = commands.add_parser("evaluate", help="evaluate a scenario file")
    evaluate.add_argument("scenario", help="a scenario YAML file")
    evaluate.add_argument("--as-of", type=_date, help="override the scenario's as_of date")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument(
        "--backend",
        choices=("closures", "durable"),
        default="closures",
        help="the rule-matching backend (durable needs the [durable] extra)",
    )

    validate = commands.add_parser("validate", help="check a ruleset file")
    validate.add_argument("ruleset", help="a ruleset YAML file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        return _validate(args)
    except CreditRulesError as error:
        print(f"credit-rules: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _evaluate(args: argparse.Namespace) -> int:
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
        sys.stdout.write(render_text(evaluation))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.ruleset)
    executable = sum(1 for a in ruleset.articles if a.role == "executable")
    print(
        f"ok: {ruleset.id} {ruleset.version}: {len(ruleset.articles)} articles "
        f"({executable} executable), {len(ruleset.parameters)} parameters, "
        f"{len(ruleset.facts)} facts, {len(ruleset.rules)} rules, "
        f"{len(ruleset.interpretations)} interpretations"
    )
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
