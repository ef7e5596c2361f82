"""``credit-rules``: the command line of credit_rules.

Bad input of any kind ends with one readable paragraph on stderr and exit code 2, never a
traceback: the people running this are policy analysts, not Python developers.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from credit_rules.cli import commands
from credit_rules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXTRAS, Parser
from credit_rules.errors import CreditRulesError, NotInForce

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="credit-rules",
        description="Evaluate Chinese medical-insurance credit rulesets and explain the results.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        try:
            command = importlib.import_module(f"{commands.__name__}.{module.name}")
        except ModuleNotFoundError as error:
            extra = EXTRAS.get((error.name or "").partition(".")[0])
            if extra is None:
                raise
            _register_unavailable(subparsers, module.name, extra)
        else:
            command.register(subparsers)
    return parser


def _register_unavailable(subparsers: Any, name: str, extra: str) -> None:
    """A command whose extra is not installed is still listed, and says what to install,
    rather than making every other command fail to start."""
    message = (
        f"`credit-rules {name}` needs the [{extra}] extra: pip install 'credit-rules[{extra}]'"
    )
    parser = subparsers.add_parser(name, help=f"(needs the [{extra}] extra)")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def run(args: argparse.Namespace) -> int:
        print(f"credit-rules: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT

    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except NotInForce as error:
        # The engine knows the ruleset, not the file that asked for the date; name it here.
        where = getattr(args, "scenario", None)
        print(f"credit-rules: {where + ': ' if where else ''}{error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CreditRulesError as error:
        print(f"credit-rules: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader of our output has gone (``| head``): stop quietly, as other tools do,
        # and point stdout at nothing so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
