"""The ledger's one registry of regulations: how each one's actions are shown done.

A ledger reads the discharges of its ruleset's vocabulary from here; a regulation without a
module here owes no action the ledger can see done (its duties are listed, never overdue).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from credit_rules.ledger.agenda import Discharge, LedgerPack
from credit_rules.ledger.regulations import ganzhou, lianyungang
from credit_rules.model.pack import register
from credit_rules.model.vocabularies import PACKS as VOCABULARIES

__all__ = ["DEFAULT_DISCHARGES", "PACKS", "discharges_for", "references_for"]

PACKS: Mapping[str, LedgerPack] = register("ledger", (lianyungang.PACK, ganzhou.PACK), VOCABULARIES)

#: Every registered regulation's discharges together, for a caller that extends them by hand
#: (``{**DEFAULT_DISCHARGES, "my_deadline": Discharge(...)}``); outcome names do not collide.
DEFAULT_DISCHARGES: Mapping[str, Discharge] = MappingProxyType(
    {name: row for pack in PACKS.values() for name, row in pack.discharges.items()}
)

_NONE: Mapping[str, Discharge] = MappingProxyType({})


def discharges_for(vocabulary: str) -> Mapping[str, Discharge]:
    """The discharges of one regulation (none for a vocabulary the ledger has no module for)."""
    pack = PACKS.get(vocabulary)
    return pack.discharges if pack is not None else _NONE


def references_for(vocabulary: str) -> Mapping[tuple[str, str], str]:
    """Which procedural events of one regulation must name an id already on record: those
    the vocabulary declares (every backend refuses them dangling in valid time, too), and
    those the ledger alone asks on entry (its pack's ``references``)."""
    pack = PACKS.get(vocabulary)
    declared = VOCABULARIES[vocabulary].references if vocabulary in VOCABULARIES else {}
    return MappingProxyType({**declared, **(pack.references if pack is not None else {})})
