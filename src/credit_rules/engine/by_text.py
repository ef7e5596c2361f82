"""Engines kept by the text of their ruleset, for callers that meet one ruleset read several
ways (scenarios that choose other interpretations or parameters): each reading is compiled
once, and all of them are closed together."""

from __future__ import annotations

from credit_rules.engine.engine import Engine
from credit_rules.ruleset import ir


class EnginesByText:
    """One :class:`Engine` per ruleset digest, built on first use; a context manager that
    closes every engine it built."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    def of(self, ruleset: ir.Ruleset) -> Engine:
        engine = self._engines.get(ruleset.digest)
        if engine is None:
            engine = self._engines[ruleset.digest] = Engine(ruleset)
        return engine

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()

    def __enter__(self) -> EnginesByText:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
