"""Masking of identity-number-shaped text wherever it sits, not only in the field meant for it.

PRC systems often use a resident identity number (GB 11643, 18 characters, the last a digit or
X) or a unified social credit code (GB 32100, 18 characters) as the subject id itself, so a
number can reach any message: an error about an unknown subject, a ``repr`` in a log line, an
agenda item. Masking one field (``identity_number``) is therefore not enough; every message and
``repr`` the ledger and the errors produce passes through :func:`mask_text`. The pattern is a
shape, not a validation: a false positive costs a few hidden characters, a false negative
leaks a person's number (Ganzhou Art 5 collects it for credit management, not display).

Callers who need the clear value (an operator tracing one case) ask for it explicitly: the
objects themselves keep it (``error.unmasked``, ``entry.event.subject``).
"""

from __future__ import annotations

import re

# 18 characters: 17 digits and a digit or X (GB 11643), or the GB 32100 alphabet (digits and
# capitals without I, O, S, V, Z). Not inside a longer run of letters or digits.
_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10})"
    r"(?![0-9A-Za-z])"
)


def _mask(match: re.Match[str]) -> str:
    number = match.group(0)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_text(text: str) -> str:
    """``text`` with every identity-number-shaped run masked as ``3607**********1234``."""
    if len(text) < 18:
        return text
    return _SHAPE.sub(_mask, text)
