"""Explain's one registry of regulations: which vocabularies a population can be drawn for."""

from __future__ import annotations

from collections.abc import Mapping

from credit_rules.explain.regulations import ganzhou, lianyungang
from credit_rules.explain.sampling import PopulationPack
from credit_rules.model.pack import register
from credit_rules.model.vocabularies import PACKS as VOCABULARIES

__all__ = ["PACKS"]

PACKS: Mapping[str, PopulationPack] = register(
    "explain", (lianyungang.PACK, ganzhou.PACK), VOCABULARIES
)
