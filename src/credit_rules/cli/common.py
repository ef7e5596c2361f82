"""What every ``credit-rules`` command shares: exit codes, argument types, the parser class."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys

EXIT_OK = 0
#: The command ran and found something wrong (a failing scenario, a violated invariant).
EXIT_FAILED = 1
#: The input could not be used: a bad file, a bad date, a bad argument.
EXIT_BAD_INPUT = 2

#: The optional packages some commands need, and the extra that installs each.
EXTRAS = {"hypothesis": "testing", "rich": "cli", "durable_rules": "durable"}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def iso_date(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates, and only those: Python 3.11 would also read
    ``20090601`` or ``2009-W23-1`` as dates, which the documented format does not allow."""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


class Parser(argparse.ArgumentParser):
    """An argument parser that exits with 2 and one line, the same as any other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"credit-rules: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
