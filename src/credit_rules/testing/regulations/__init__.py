"""Testing's one registry of regulations: which vocabularies histories can be drawn for."""

from __future__ import annotations

from collections.abc import Mapping

from credit_rules.model.pack import register
from credit_rules.model.vocabularies import PACKS as VOCABULARIES
from credit_rules.testing._draws import TestingPack
from credit_rules.testing.regulations import ganzhou, lianyungang

__all__ = ["PACKS"]

PACKS: Mapping[str, TestingPack] = register(
    "testing", (lianyungang.PACK, ganzhou.PACK), VOCABULARIES
)
