"""``credit-rules schema -o DIR``: JSON Schemas of ruleset and scenario files, for editors.

The bundled files point at the committed copies in ``schemas/`` with a first line
``# yaml-language-server: $schema=<relative path>``; write that line into a new file to get
completion and checking while typing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli.common import EXIT_OK
from credit_rules.cli.console import stdout_console
from credit_rules.errors import InputError, Problem
from credit_rules.schemas import schema_texts


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "schema", help="write the JSON Schemas of ruleset and scenario files (for editors)"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="where to write ruleset.schema.json and scenario.schema.json",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.exists() and not output.is_dir():
        raise InputError(str(output), [Problem("-o must name a directory, not a file")])
    texts = schema_texts()
    console = stdout_console()
    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            target = output / name
            target.write_text(text, encoding="utf-8")
            console.print(f"wrote {target}", soft_wrap=True)
    except OSError as error:
        raise InputError(str(output), [Problem(f"cannot write: {error.strerror}")]) from None
    return EXIT_OK
