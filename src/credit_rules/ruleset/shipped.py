"""The rulesets shipped in the package, and their IR compiled ahead of time.

Loading a ruleset file imports pydantic (the file schema, every event's fields) and checks
every name and type, which costs a fresh process about 0.2 s: most of what a CLI call or a
service's start pays before its first answer. A bundled ruleset's IR depends only on the
bundled files and on the loader's code, so it is built once, ahead, and stored beside the files
(``rulesets/_compiled/<id>.ir``, package data like the files themselves). :func:`bundled` uses
the stored IR only when its key is the key of the files and code in this process; otherwise it
loads the file as any other. An edited ruleset or an edited loader therefore never gets a stale
answer, only a slower one, and ``tests/test_compiled_rulesets.py`` says when to recompile:

    python -m credit_rules.ruleset.shipped

The key is a sha256 over every bundled ruleset file and the source of every module the loader
imports (:data:`LOADER_SOURCES`, kept complete by that test). A stored IR is a pickle read only
from this package's own data, never from a user's path; its header is checked before the
pickle is read, so an IR whose classes have since changed is never unpickled.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import pickle
import sys
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from credit_rules.errors import Problem, RulesetError, require
from credit_rules.i18n import Message
from credit_rules.ruleset import ir
from credit_rules.ruleset.bundle import (
    BUNDLED_PACKAGE,
    bundled_ids,
    bundled_source,
    ruleset_files,
)

__all__ = ["bundled", "bundled_ids", "bundled_source", "compile_bundled", "key", "main"]

COMPILED_DIR = "_compiled"
#: Bumped when the stored form changes (header fields, what is pickled).
FORMAT = 1

#: Source files (relative to the credit_rules package) of every module that loading a
#: ruleset imports, apart from ``credit_rules/__init__.py``, which only re-exports names.
LOADER_SOURCES = (
    "_masking.py",
    "_version.py",
    "errors.py",
    "i18n.py",
    "limits.py",
    "model/__init__.py",
    "model/_base.py",
    "model/ganzhou.py",
    "model/identifiers.py",
    "model/lianyungang.py",
    "model/pack.py",
    "model/subjects.py",
    "model/vocabularies.py",
    "periods.py",
    "ruleset/__init__.py",
    "ruleset/analysis.py",
    "ruleset/bundle.py",
    "ruleset/expressions.py",
    "ruleset/ir.py",
    "ruleset/layering.py",
    "ruleset/loader.py",
    "ruleset/normal_form.py",
    "ruleset/printer.py",
    "ruleset/schema.py",
    "ruleset/shipped.py",
    "yaml_source.py",
)


def bundled(ruleset_id: str) -> ir.Ruleset:
    """A ruleset shipped with the package, by id (for example ``"lianyungang-2007"``).

    The files inside an installed package do not change, and a ruleset is immutable, so each is
    loaded once per process and shared.
    """
    require(ruleset_id, str, "ruleset_id")
    return _bundled(ruleset_id)


@functools.cache
def _bundled(ruleset_id: str) -> ir.Ruleset:
    if ruleset_id not in bundled_ids():
        known = ", ".join(bundled_ids())
        raise RulesetError(
            None,
            [
                Problem(
                    Message(
                        "no bundled ruleset {ruleset_id!r}; bundled: {known}",
                        ruleset_id=ruleset_id,
                        known=known,
                    ),
                    "ruleset_id",
                )
            ],
        )
    stored = _stored(ruleset_id)
    if stored is not None:
        return stored
    # Imported here, on the slow path only: not needing the loader (and pydantic) when the
    # stored IR is current is what this module is for.
    from credit_rules.ruleset.loader import loads_ruleset

    return loads_ruleset(bundled_source(ruleset_id), source=f"<bundled>/{ruleset_id}.yaml")


@functools.cache
def key() -> str | None:
    """The key of the bundled files and the loader's code in this process; None when some
    source is not there to hash (an install without ``.py`` files), so nothing stored is used."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    package = Path(__file__).resolve().parents[1]
    try:
        for name in LOADER_SOURCES:
            digest.update(f"{name}\n".encode())
            digest.update((package / name).read_bytes())
    except OSError:
        return None
    for file in sorted(ruleset_files(), key=lambda p: p.name):
        digest.update(f"{file.name}\n".encode())
        digest.update(file.read_bytes())
    return "sha256:" + digest.hexdigest()


def _stored(ruleset_id: str) -> ir.Ruleset | None:
    file = resources.files(BUNDLED_PACKAGE) / COMPILED_DIR / f"{ruleset_id}.ir"
    try:
        data = file.read_bytes()
    except OSError:
        return None
    head, _, payload = data.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return None
    current = key()
    if current is None or header != {"format": FORMAT, "key": current, "id": ruleset_id}:
        return None
    ruleset = pickle.loads(payload)
    return ruleset if isinstance(ruleset, ir.Ruleset) else None


def compile_bundled(directory: Path) -> list[Path]:
    """Load every bundled ruleset with the loader and store its IR in ``directory``; remove
    stored IRs of rulesets no longer bundled. Returns the files written (a current one is
    left as it is)."""
    from credit_rules.ruleset.loader import loads_ruleset

    current = key()
    if current is None:
        raise RuntimeError(
            Message("the loader's sources are not all present; nothing can be compiled")
        )
    directory.mkdir(parents=True, exist_ok=True)
    ids = bundled_ids()
    for stale in directory.glob("*.ir"):
        if stale.stem not in ids:
            stale.unlink()
    written = []
    for ruleset_id in ids:
        header = json.dumps({"format": FORMAT, "key": current, "id": ruleset_id}, sort_keys=True)
        target = directory / f"{ruleset_id}.ir"
        if target.is_file() and target.read_bytes().partition(b"\n")[0] == header.encode():
            continue  # current already; pickles of sets differ run to run, so do not rewrite
        ruleset = loads_ruleset(bundled_source(ruleset_id), source=f"<bundled>/{ruleset_id}.yaml")
        target.write_bytes(header.encode() + b"\n" + _dumps(ruleset))
        written.append(target)
    return written


class _Pickler(pickle.Pickler):
    """Rebuilds a Ruleset through its constructor (its article index is derived, and a
    mapping proxy cannot be pickled) and stores mapping proxies as the dicts they wrap."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return MappingProxyType, (dict(obj),)
        if type(obj) is ir.Ruleset:
            init = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.init}
            return _ruleset, (init,)
        return NotImplemented


def _ruleset(init: dict[str, Any]) -> ir.Ruleset:
    return ir.Ruleset(**init)


def _dumps(ruleset: ir.Ruleset) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=5).dump(ruleset)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """``python -m credit_rules.ruleset.shipped [DIR]``: recompile the bundled rulesets, by
    default into the package's own ``_compiled`` folder (``rulesets/_compiled`` in a checkout
    installed with ``pip install -e``)."""
    args = sys.argv[1:] if argv is None else argv
    directory = (
        Path(args[0]) if args else Path(str(resources.files(BUNDLED_PACKAGE) / COMPILED_DIR))
    )
    for path in compile_bundled(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    # Through the imported module, not this __main__ copy: the pickles must name
    # credit_rules.ruleset.shipped._ruleset, which every process can import.
    from credit_rules.ruleset import shipped

    raise SystemExit(shipped.main())
