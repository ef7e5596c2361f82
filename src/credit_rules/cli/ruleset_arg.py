"""A ruleset named on the command line: a file, or the id of a bundled ruleset.

Analysts work on files (``rulesets/lianyungang-2007.yaml``, a layer of their own, or one piped
in as ``-``), while a quick comparison against what ships is easier by id
(``lianyungang-2007``). Either way, a ruleset's scenarios live beside it in
``<id>/scenarios/``, the layout of ``rulesets/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from credit_rules.cli.common import STDIO, read_bytes
from credit_rules.errors import Problem, RulesetError, suggestion
from credit_rules.i18n import Message
from credit_rules.ruleset import ir
from credit_rules.ruleset.shipped import bundled, bundled_ids

_BUNDLED_PACKAGE = "credit_rules._rulesets"


@dataclass(frozen=True)
class NamedRuleset:
    ruleset: ir.Ruleset
    #: The file it was read from; for a bundled ruleset, the file inside the package.
    file: Path | None

    @property
    def scenarios_dir(self) -> Path | None:
        """``<dir>/<id>/scenarios`` beside the file, or beside a file named after the id
        (a layer's own id differs from its file's stem), if it exists."""
        if self.file is None:
            return None
        for stem in dict.fromkeys((self.ruleset.id, self.file.stem)):
            candidate = self.file.parent / stem / "scenarios"
            if candidate.is_dir():
                return candidate
        return None


def resolve(name: str) -> NamedRuleset:
    """Load ``name`` as a file if one exists, else as a bundled id, ``-`` from standard input
    (a layer's relative ``extends`` then resolves in the current folder); else one clear error
    suggesting the closest bundled id or file."""
    # The loader (the file schema, YAML) is imported for a file only: a bundled ruleset comes
    # compiled (credit_rules.ruleset.shipped), which spares `batch` its imports.
    if name == STDIO:
        from credit_rules.ruleset.loader import loads_ruleset

        raw, source, folder = read_bytes(name, "ruleset")
        return NamedRuleset(loads_ruleset(raw, source=source, base_dir=folder), None)
    path = Path(name)
    if path.is_file():
        from credit_rules.ruleset.loader import load_ruleset

        return NamedRuleset(load_ruleset(path), path)
    if name in bundled_ids():
        return NamedRuleset(bundled(name), bundled_file(name))
    if path.is_dir():
        rulesets = sorted(
            str(p) for p in path.glob("*.yaml") if not p.name.endswith(".scenario.yaml")
        )
        raise RulesetError(
            name,
            [
                Problem(
                    Message(
                        "a folder, not a ruleset file; name one of its files ({files})",
                        files=", ".join(rulesets),
                    )
                    if rulesets
                    else Message("a folder, not a ruleset file, and it holds no .yaml file")
                )
            ],
        )
    known = ", ".join(bundled_ids())
    nearby = [str(p) for p in path.parent.glob("*.yaml")] if path.parent.is_dir() else []
    raise RulesetError(
        name,
        [
            Problem(
                Message("no such file, and not the id of a bundled ruleset ({known})", known=known)
                + suggestion(name, [*bundled_ids(), *nearby])
            )
        ],
    )


def bundled_file(ruleset_id: str) -> Path | None:
    """The bundled file on disk, when the package is installed as files (it usually is)."""
    candidate = Path(str(resources.files(_BUNDLED_PACKAGE))) / f"{ruleset_id}.yaml"
    return candidate if candidate.is_file() else None
