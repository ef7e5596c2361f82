"""What every ``credit-rules`` command shares: exit codes, arguments, inputs and outputs.

Conventions kept by every command, so an analyst learns them once:

- ``-`` in place of a file reads standard input, or writes standard output;
- a ruleset is named by its file or by the id of a bundled ruleset, alike;
- ``--format json`` prints one JSON document, in which a ruleset is always
  ``{"id", "version", "digest"}``;
- exit code 0 is success, 1 a finding (a failed expectation, a lint finding, changed outcomes
  under ``diff --exit-code``), 2 input that could not be used.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_rules.errors import (
    CalendarRangeError,
    CreditRulesError,
    InputError,
    Problem,
    closest,
    os_reason,
)
from credit_rules.i18n import LANGUAGES, Gettext, Lang, Message, render
from credit_rules.ruleset import ir

if TYPE_CHECKING:
    # The scenario module brings the event models and the engine (about 0.2 s): only the
    # commands that read a scenario import it, when they read one; `batch` never does.
    from credit_rules.scenario import Scenario

EXIT_OK = 0
#: The command ran and found something wrong (a failing scenario, a violated invariant).
EXIT_FAILED = 1
#: The input could not be used: a bad file, a bad date, a bad argument.
EXIT_BAD_INPUT = 2
#: Stopped by Ctrl-C (SIGINT), as shells report it: 128 + the signal's number.
EXIT_INTERRUPTED = 130

#: The optional packages some commands need, and the extra that installs each.
EXTRAS = {
    "hypothesis": "testing",
    "rich": "cli",
    "durable_rules": "durable",
    "polars": "columnar",
    "pyarrow": "columnar",
}

#: The name that stands for standard input or standard output in place of a file.
STDIO = "-"

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def date_type(_: Gettext) -> Callable[[str], dt.date]:
    """An argparse type for YYYY-MM-DD dates that says why an impossible date is impossible."""

    def parse(text: str) -> dt.date:
        match = _ISO.match(text.strip())
        if match is None:
            raise argparse.ArgumentTypeError(
                _("{text} is not a date; write it as YYYY-MM-DD, e.g. 2011-02-28").format(text=text)
            )
        year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            raise argparse.ArgumentTypeError(
                _("{text} is not a date: there is no month {month}").format(text=text, month=month)
            )
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise argparse.ArgumentTypeError(
                _("{text} is not a date: {year}-{month:02d} has {days} days").format(
                    text=text, year=year, month=month, days=days
                )
            )
        return dt.date(year, month, day)

    return parse


def whole_number(_: Gettext, least: int) -> Callable[[str], int]:
    """An argparse type for a whole number of at least ``least``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("{text} is not a whole number").format(text=text)
            ) from None
        if value < least:
            raise argparse.ArgumentTypeError(
                _("{text} is less than {least}").format(text=text, least=least)
            )
        return value

    return parse


def add_format(parser: argparse.ArgumentParser, _: Gettext) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=_("text for people (default), or json: one JSON document on standard output"),
    )


def add_lang(parser: argparse.ArgumentParser, _: Gettext) -> None:
    """The options every command takes: the language, and whether identity numbers are
    shown in clear (see :func:`shows_identity_numbers`)."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_("the language of messages and reasons (default: from the locale, LANG)"),
    )
    parser.add_argument(
        SHOW_IDENTITY_NUMBERS,
        action="store_true",
        default=argparse.SUPPRESS,
        help=_(
            "print identity numbers and unified social credit codes in clear (by default "
            "anything shaped like one is masked in all output)"
        ),
    )


SHOW_IDENTITY_NUMBERS = "--show-identity-numbers"


def shows_identity_numbers(argv: Sequence[str]) -> bool:
    """Whether the caller asked for clear identity numbers, wherever the option stands (read
    before parsing, so that even the parser's own messages are masked otherwise)."""
    words = list(argv)
    if "--" in words:
        words = words[: words.index("--")]
    return SHOW_IDENTITY_NUMBERS in words


def add_command(subparsers: Any, name: str, _: Gettext, *, help: str, description: str) -> Any:
    """A command's parser, with the options every command takes."""
    parser = subparsers.add_parser(name, help=help, description=description, gettext=_)
    add_lang(parser, _)
    parser.set_defaults(command_parser=parser)
    return parser


def read_bytes(name: str, what: str) -> tuple[bytes, str, Path]:
    """A file's bytes, its name for messages and the folder its relative names resolve in;
    ``-`` is standard input, resolved in the current folder."""
    if name == STDIO:
        return sys.stdin.buffer.read(), "<stdin>", Path.cwd()
    path = Path(name)
    try:
        return path.read_bytes(), str(path), path.parent
    except OSError as error:
        raise InputError(
            name,
            [
                Problem(
                    Message(
                        "cannot read the {what}: {strerror}", what=what, strerror=os_reason(error)
                    )
                )
            ],
        ) from None


def write_text(name: str | Path, text: str, *, make_folder: bool = False) -> None:
    """Write ``text`` to a file, or to standard output for ``-``; ``make_folder`` creates the
    file's folder (an output folder the command names), else a missing folder is bad input."""
    if str(name) == STDIO:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    path = Path(name)
    try:
        if make_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            str(path), [Problem(Message("cannot write: {strerror}", strerror=os_reason(error)))]
        ) from None


def print_json(document: Any) -> None:
    """The one JSON document a ``--format json`` command prints."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def located_errors(error: InputError, lang: Lang) -> list[dict[str, Any]]:
    """Each problem of ``error`` as the ``errors`` of a JSON document give it (the
    ``Validate`` and ``Refused`` documents of schemas/cli-output.schema.json)."""
    return [
        {
            "file": error.source,
            "line": problem.line,
            "column": problem.column,
            "field": problem.field or None,
            "message": render(problem.message, lang),
        }
        for problem in error.problems
    ]


def ruleset_ref(ruleset: ir.Ruleset) -> dict[str, str]:
    """A ruleset in every JSON document: the same three keys as an evaluation's ``ruleset``."""
    return {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest}


def gettext_of(args: argparse.Namespace) -> Gettext:
    found: Gettext = args.gettext
    return found


def lang_of(args: argparse.Namespace) -> Lang:
    found: Lang = args.lang
    return found


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def iso_date(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates, and only those: Python 3.11 would also read
    ``20090601`` or ``2009-W23-1`` as dates, which the documented format does not allow."""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            Message("{text!r} is not a date; write YYYY-MM-DD", text=text)
        ) from None


class Parser(argparse.ArgumentParser):
    """An argument parser that exits with 2 and one paragraph, like any other bad input, and
    speaks the chosen language in its own words (usage, options, errors)."""

    def __init__(self, *args: Any, gettext: Gettext | None = None, **kwargs: Any) -> None:
        self.gettext: Gettext = gettext or (lambda message: message)
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", _formatter(self.gettext))
        super().__init__(*args, **kwargs)
        _ = self.gettext
        self._positionals.title = _("arguments")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", help=_("show this help and exit"))

    def error(self, message: str) -> None:  # type: ignore[override]
        _ = self.gettext
        self.print_usage(sys.stderr)
        said = _("error: {message}").format(message=_translate_argparse(message, _))
        print(f"credit-rules: {said}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _formatter(_: Gettext) -> type[argparse.HelpFormatter]:
    class Formatter(argparse.RawDescriptionHelpFormatter):
        def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any = None) -> None:
            super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headings: list[str] = []

        def start_section(self, heading: str | None) -> None:
            # argparse ends a section's heading with its own ASCII colon; a Chinese heading
            # takes the full-width one, as the usage line does (用法：).
            if heading:
                self.headings.append(heading)
            super().start_section(heading)

        def format_help(self) -> str:
            text = super().format_help()
            for heading in self.headings:
                text = text.replace(f"{heading}:\n", _("{heading}:").format(heading=heading) + "\n")
            return text

    return Formatter


#: argparse's own messages, as patterns, so they can be given in the chosen language too.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (?P<names>.*)", "missing"),
    (r"unrecognized arguments: (?P<names>.*)", "unrecognised"),
    (r"argument (?P<names>[^:]+): invalid choice: (?P<rest>.*)", "choice"),
    (r"argument (?P<names>[^:]+): expected one argument", "one"),
    (r"argument (?P<names>[^:]+): (?P<rest>.*)", "argument"),
)


def _translate_argparse(message: str, _: Gettext) -> str:
    for pattern, kind in _ARGPARSE_MESSAGES:
        match = re.fullmatch(pattern, message)
        if match is None:
            continue
        names, rest = match.group("names"), match.groupdict().get("rest", "")
        if kind == "missing":
            return _("these arguments are required: {names}").format(names=names)
        if kind == "unrecognised":
            return _("unknown arguments: {names}").format(names=names)
        if kind == "choice":
            bad = re.match(r"'(?P<bad>[^']*)' \(choose from (?P<choices>.*)\)", rest)
            if bad is None:
                return _("argument {names}: not one of the choices: {rest}").format(
                    names=names, rest=rest
                )
            choices = re.findall(r"'([^']*)'", bad.group("choices"))
            return _("argument {names}: {value} is not one of {choices}").format(
                names=names, value=bad.group("bad"), choices=", ".join(choices)
            ) + hint(bad.group("bad"), choices, _)
        if kind == "one":
            return _("argument {names} needs a value").format(names=names)
        return _("argument {names}: {rest}").format(names=names, rest=rest)
    return message


def read_scenario(name: str) -> Scenario:
    """A scenario file, or standard input for ``-`` (its ruleset path then resolves in the
    current folder)."""
    from credit_rules.scenario import load_scenario, loads_scenario

    if name != STDIO:
        return load_scenario(name)
    raw, source, folder = read_bytes(name, "scenario")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            source, [Problem(Message("the input is not UTF-8 ({reason})", reason=error.reason))]
        ) from None
    return loads_scenario(text, source=source, base_dir=folder)


def scenario_argument(parser: argparse.ArgumentParser, _: Gettext) -> None:
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        help=_("a scenario YAML file, or - for standard input"),
    )


def as_of_argument(parser: argparse.ArgumentParser, _: Gettext) -> None:
    parser.add_argument(
        "--as-of",
        type=date_type(_),
        metavar="YYYY-MM-DD",
        help=_("evaluate on this date instead of the scenario's as_of"),
    )


def ruleset_argument(parser: argparse.ArgumentParser, _: Gettext, *, many: bool = False) -> None:
    """The RULESET positional; with ``many``, one or more of them, as ``rulesets``."""
    parser.add_argument(
        "rulesets" if many else "ruleset",
        nargs="+" if many else None,
        metavar="RULESET",
        help=_("a ruleset YAML file, the id of a bundled ruleset, or - for standard input"),
    )


def hint(name: str, known: Iterable[str], _: Gettext) -> str:
    """ "; did you mean X?" in the chosen language, or "" when no known name is close."""
    close = closest(name, known)
    if not close:
        return ""
    return _("; did you mean {names}?").format(names=_(" or ").join(close))


def past_the_calendar(error: CalendarRangeError) -> Message:
    """A count that needs a day beyond the working-day calendar, with what a user of the
    command line can do. The error's own advice (build a ``WorkingCalendar`` with wider
    years) is for Python callers: no option of the command line widens the calendar."""
    return Message(
        "{what} needs {day}, outside the years {first}–{last} that the working-day "
        "calendar covers; use dates within those years",
        what=error.what,
        day=error.day,
        first=str(error.first_year),
        last=str(error.last_year),
    )


def explain_error(error: CreditRulesError) -> CreditRulesError | Message:
    """An error of the engine as the command line says it: in its own words where the
    library's advice is for Python callers (:func:`past_the_calendar`), else as it is."""
    return past_the_calendar(error) if isinstance(error, CalendarRangeError) else error
