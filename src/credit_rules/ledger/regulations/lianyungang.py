"""Lianyungang 2007 as the ledger knows it.

Its only action is a duty (notify the subject of an entry, Art 8(四); tell an objector the
result, Art 13), and no event says "the subject was notified", so nothing here can be shown
done: the duties are listed on their day and never overdue. A dismissal of an objection
(Art 13) answers one, so the objection must be on record first.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from credit_rules.ledger.agenda import LedgerPack

PACK: Final = LedgerPack(
    vocabulary="lianyungang-2007",
    # Art 13: a dismissal answers an objection, which must be on record first: the
    # vocabulary declares it (ObjectionDismissed.refers_to), so nothing more is asked here.
    discharges=MappingProxyType({}),
)
