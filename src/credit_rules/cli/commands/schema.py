"""``credit-rules schema [WHICH] -o DIR``: JSON Schemas of ruleset and scenario files, for editors.

The bundled files point at the committed copies in ``schemas/`` with a first line
``# yaml-language-server: $schema=<relative path>``; write that line into a new file to get
completion and checking while typing. ``-o -`` prints one schema on standard output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.errors import InputError, Problem
from credit_rules.i18n import N_, Gettext
from credit_rules.schemas import schema_texts

_WHICH = {"ruleset": "ruleset.schema.json", "scenario": "scenario.schema.json"}


HELP = N_("write the JSON Schemas of ruleset and scenario files (for editors)")
DESCRIPTION = N_(
    "Write the JSON Schemas of ruleset and scenario files, which editors use to "
    "complete and check YAML while it is typed."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "schema", _, help=_(HELP), description=_(DESCRIPTION))
    parser.add_argument(
        "which",
        nargs="?",
        choices=("all", *_WHICH),
        default="all",
        help=_("which schema to write: ruleset, scenario or all (default)"),
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help=_(
            "the folder to write ruleset.schema.json and scenario.schema.json in, or - to "
            "print one schema (ruleset or scenario) on standard output"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    texts = schema_texts()
    names = list(texts) if args.which == "all" else [_WHICH[args.which]]
    if args.output == common.STDIO:
        if len(names) != 1:
            raise InputError(
                common.STDIO, [Problem(_("-o - prints one schema: name it (ruleset or scenario)"))]
            )
        common.write_text(common.STDIO, texts[names[0]])
        return common.EXIT_OK
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise InputError(str(output), [Problem(_("-o must name a directory, not a file"))])
    console = stdout_console()
    for name in names:
        target = output / name
        common.write_text(target, texts[name], make_folder=True)
        console.print(_("wrote {path}").format(path=target), soft_wrap=True)
    return common.EXIT_OK
