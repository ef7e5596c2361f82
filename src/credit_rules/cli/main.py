"""``credit-rules``: the command line of credit_rules.

Bad input of any kind ends with one readable paragraph on stderr and exit code 2, never a
traceback: the people running this are policy analysts, not Python developers.

The language of every message, help text and reason is chosen once, here, from ``--lang`` or
else the locale (:func:`credit_rules.i18n.language_from_environment`), and handed to the
commands as ``args.lang`` and ``args.gettext``; nothing reads a global language.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from credit_rules._masking import MaskedStream
from credit_rules._version import __version__
from credit_rules.cli import commands
from credit_rules.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXTRAS,
    Parser,
    add_lang,
    explain_error,
    located_errors,
    print_json,
    shows_identity_numbers,
)
from credit_rules.errors import (
    CalendarRangeError,
    CreditRulesError,
    InputError,
    NotInForce,
)
from credit_rules.i18n import (
    LANGUAGES,
    Gettext,
    Lang,
    Message,
    language_from_environment,
    render,
    translator,
)

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "build_parser", "chosen_language", "main"]


def build_parser(_: Gettext, only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line in one language: every command, option and help text; with
    ``only``, the parser of that one command (what a call naming it needs)."""
    parser = Parser(
        prog="credit-rules",
        gettext=_,
        description=_(
            "Evaluate Chinese medical-insurance credit rulesets and explain the results."
        ),
        epilog=_(
            "Exit codes: 0 ok; 1 a finding (a failed expectation, a lint finding, changed "
            "outcomes under diff --exit-code); 2 input that could not be used. "
            "'-' in place of a file reads standard input or writes standard output."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"credit-rules {__version__}",
        help=_("print the version and exit"),
    )
    add_lang(parser, _)
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title=_("commands"), parser_class=Parser
    )
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if only is not None and module.name != only:
            continue
        try:
            command = importlib.import_module(f"{commands.__name__}.{module.name}")
        except ModuleNotFoundError as error:
            extra = EXTRAS.get((error.name or "").partition(".")[0])
            if extra is None:
                raise
            _register_unavailable(subparsers, module.name, extra, _)
        else:
            command.register(subparsers, _)
    return parser


def _register_unavailable(subparsers: Any, name: str, extra: str, _: Gettext) -> None:
    """A command whose extra is not installed is still listed, and says what to install,
    rather than making every other command fail to start."""
    message = _(
        "`credit-rules {name}` needs the [{extra}] extra: pip install 'credit-rules[{extra}]'"
    ).format(name=name, extra=extra)
    parser = subparsers.add_parser(
        name,
        help=_("(needs the [{extra}] extra)").format(extra=extra),
        gettext=_,
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def run(args: argparse.Namespace) -> int:
        print(f"credit-rules: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT

    parser.set_defaults(func=run)


def chosen_language(argv: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """``--lang`` wherever it is on the command line, else the locale's language. Read before
    the parser is built, because the parser's own help is in that language."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        value = None
        if word == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith("--lang="):
            value = word.partition("=")[2]
        for lang in LANGUAGES:
            if value == lang:
                return lang
    return language_from_environment(environ)


def _command_named(words: Sequence[str]) -> str | None:
    """The command a call names, if it is one: the first word that is neither an option nor
    the language after ``--lang``. Anything else (no command, a misspelt one) gets the whole
    parser, whose messages list every command."""
    after_lang = False
    for word in words:
        if after_lang:
            after_lang = False
        elif word == "--lang":
            after_lang = True
        elif word == "--" or not word.startswith("-"):
            known = {module.name for module in pkgutil.iter_modules(commands.__path__)}
            return word if word in known else None
    return None


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if shows_identity_numbers(words):
        return _main(words, environ)
    # Everything written, by any command, through rich, print or sys.stdout, is masked
    # (credit_rules._masking): identity numbers often are the subject ids themselves.
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskedStream(sys.stdout), MaskedStream(sys.stderr)
    try:
        return _main(words, environ)
    finally:
        for masked in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                masked.flush()
        sys.stdout, sys.stderr = streams


def _main(words: list[str], environ: Mapping[str, str] | None) -> int:
    lang = chosen_language(words, os.environ if environ is None else environ)
    _ = translator(lang)
    # Each command module imports what its command needs (evaluate: the scenario module,
    # batch: Polars); building only the one named spared `batch` 0.35 s of a 1.1 s run
    # (docs/batch.md, "Where a fresh credit-rules batch spends its time").
    parser = build_parser(_, only=_command_named(words))
    args, unknown = parser.parse_known_args(words)
    if unknown:
        # Refused by the command's own parser, so that its usage, not the whole command
        # line's, is shown with the error.
        named: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        named.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.lang, args.gettext, args.parser = lang, _, parser
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except (NotInForce, CalendarRangeError) as error:
        # The engine knows the ruleset, not the file that asked for the date; name it here,
        # and say a day past the calendar in the command line's words (explain_error).
        said = explain_error(error)
        print(f"credit-rules: {_scenario_named(args)}{said.render(lang)}", file=sys.stderr)
        _refused_json(args, words, said, lang)
        return EXIT_BAD_INPUT
    except CreditRulesError as error:
        print(f"credit-rules: {error.render(lang)}", file=sys.stderr)
        _refused_json(args, words, error, lang)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        # Ctrl-C is the user's own act: one line, not a traceback from inside Polars. The
        # commands write their files whole or not at all, so nothing partial is left.
        stopped = _("interrupted")
        print(f"credit-rules: {stopped}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output has gone (``| head``): stop quietly, as other tools do,
        # and point stdout at nothing so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    return code


def _refused_json(
    args: argparse.Namespace, words: list[str], error: CreditRulesError | Message, lang: Lang
) -> None:
    """Under ``--format json``, the ``Refused`` document of schemas/cli-output.schema.json on
    stdout, so that a program reading it gets one document whatever happens; the message
    stays on stderr. Nothing was printed on stdout yet: every command prints its document
    once its work is done."""
    if getattr(args, "format", None) != "json" or getattr(args, "refusal_printed", False):
        return
    if isinstance(error, InputError):
        errors = located_errors(error, lang)
        total = error.total
    else:
        where = getattr(args, "scenario", None)
        errors = [
            {
                "file": None if where is None else str(where),
                "line": None,
                "column": None,
                "field": None,
                "message": render(error, lang)
                if isinstance(error, Message)
                else error.render(lang),
            }
        ]
        total = 1
    print_json({"command": _command_named(words), "ok": False, "total": total, "errors": errors})


def _scenario_named(args: argparse.Namespace) -> str:
    """``"file: "`` for a command given a scenario file, which an error raised by the engine
    cannot name itself; ``""`` otherwise."""
    where = getattr(args, "scenario", None)
    return f"{where}: " if where else ""


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
