"""The ``credit-rules`` script: ``--version`` is answered before the command line is built.

Building the parser of every command imports most of the library (about a second on a quiet
machine); a version check in a CI log or a bug report needs none of it. Anything else goes to
:func:`credit_rules.cli.main.main`, imported only then.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from credit_rules._version import __version__

#: What may stand beside ``--version`` and still mean "print the version": the language.
_LANG_WORDS = frozenset({"--lang", "en", "zh"})


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if "--version" in words and all(
        word == "--version" or word in _LANG_WORDS or word.startswith("--lang=") for word in words
    ):
        print(f"credit-rules {__version__}")
        return 0
    cli = importlib.import_module("credit_rules.cli.main")
    code: int = cli.main(words)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
