"""Choosing a ruleset by place and date: which measures governed this subject on that day?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from credit_rules.errors import NoRulesetInForce, require
from credit_rules.ruleset import ir
from credit_rules.ruleset.shipped import bundled, bundled_ids


def in_force(ruleset: ir.Ruleset, on: dt.date) -> bool:
    until = ruleset.in_force_until
    return ruleset.in_force_from <= on and (until is None or on <= until)


def select_ruleset(
    region: str, on: dt.date, *, candidates: Iterable[ir.Ruleset] | None = None
) -> ir.Ruleset:
    """The ruleset in force for ``region`` (e.g. ``cn-jx-ganzhou``) on ``on``.

    Among several in force (a layer over a base, say), the one that took effect last wins,
    then a layer over its base. Raises :class:`NoRulesetInForce` naming what is known.
    """
    require(region, str, "region")
    require(on, dt.date, "on")
    pool = list(candidates) if candidates is not None else [bundled(i) for i in bundled_ids()]
    for candidate in pool:
        require(candidate, ir.Ruleset, "candidates[...]")
    matching = [r for r in pool if r.region == region and in_force(r, on)]
    if not matching:
        known = [
            f"{r.id} ({r.region}, from {r.in_force_from.isoformat()}"
            + (f" until {r.in_force_until.isoformat()})" if r.in_force_until else ")")
            for r in pool
        ]
        raise NoRulesetInForce(region, on, known)
    return max(matching, key=lambda r: (r.in_force_from, len(r.layers), r.id))
