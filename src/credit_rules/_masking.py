"""Masking of identity-number-shaped text wherever it sits, not only in the field meant for it.

PRC systems often use a resident identity number (GB 11643, 18 characters, the last a digit or
X) or a unified social credit code (GB 32100, 18 characters) as the subject id itself, so a
number can reach any message: an error about an unknown subject, a ``repr`` in a log line, an
agenda item. Masking one field (``identity_number``) is therefore not enough; every message and
``repr`` the ledger and the errors produce passes through :func:`mask_text`. The pattern is a
shape, not a validation: a false positive costs a few hidden characters, a false negative
leaks a person's number (Ganzhou Art 5 collects it for credit management, not display).

Callers who need the clear value (an operator tracing one case) ask for it explicitly: the
objects themselves keep it (``error.unmasked``, ``entry.event.subject``), and the command line
prints it only under ``--show-identity-numbers`` (every other line it writes passes through
:class:`MaskedStream`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TextIO

# 18 characters: 17 digits and a digit or X (GB 11643), or the GB 32100 alphabet (digits and
# letters without I, O, S, V, Z, in either case: systems lower-case codes too). Not inside a
# longer run of letters or digits, except behind up to 12 letters (an id such as
# ``p110101199003071234``, a prefix glued to the number). The run is then at most 30
# characters, so no hex digest the library writes (16, 32 or 64 characters) is ever taken for
# one.
_CODE = "[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]"
#: A run of 18 to 30 letters and digits standing alone: the only places a number can be, found
#: in one pass as fast as the number itself would be; only these are looked at closely.
#: Digits are any the Unicode standard calls decimal (``\d``): a number typed on a Chinese
#: keyboard in full width (１１０１…, check character Ｘ) is a number all the same.
_RUN = re.compile(r"(?<![\dA-Za-zＸｘ])[\dA-Za-zＸｘ]{18,30}(?![\dA-Za-zＸｘ])")
_NUMBER = re.compile(rf"([A-Za-z]{{0,12}}?)(\d{{17}}[\dXxＸｘ]|{_CODE}{{2}}\d{{6}}{_CODE}{{10}})")


def _mask(match: re.Match[str]) -> str:
    run = match.group(0)
    found = _NUMBER.fullmatch(run)
    if found is None:
        return run
    number = found.group(2)
    return found.group(1) + number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_text(text: str) -> str:
    """``text`` with every identity-number-shaped run masked as ``3607**********1234``."""
    if len(text) < 18:
        return text
    return _RUN.sub(_mask, text)


class MaskedStream:
    """A text stream that masks what is written to it, line by line, before passing it on.

    The command line writes through rich, ``print`` and ``sys.stdout.write``, from many
    commands; wrapping the two streams once masks all of it, whatever field or message a
    number sits in. Text is held until a line ends (or :meth:`flush`), so a number written in
    two pieces is still seen whole. Everything else (``isatty``, ``encoding``, ``fileno``) is
    the wrapped stream's.
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            done, _, self._pending = self._pending.rpartition("\n")
            self.inner.write(mask_text(done + "\n"))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(mask_text(self._pending))
            self._pending = ""
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
