"""Layering: a ruleset that extends another and overrides some of its entries.

Ganzhou Art 28 says national and provincial rules prevail where they say otherwise. A higher
level's changes are written as a small file that ``extends`` the city's ruleset and replaces
parameters, rules, facts or interpretations by id (or adds new ones). The merged document is
then checked exactly like a single file, so a layer can never produce a ruleset the loader
would reject, and every entry a layer replaced is remembered for explanations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credit_rules.i18n import Message
from credit_rules.yaml_source import SourceMap

#: List sections and the key that identifies an entry in each.
SECTIONS: Mapping[str, str] = {
    "articles": "number",
    "terms": "id",
    "parameters": "id",
    "registers": "id",
    "facts": "id",
    "outcomes": "id",
    "rules": "id",
    "interpretations": "id",
}


@dataclass(frozen=True)
class Merged:
    document: dict[str, Any]
    source_map: SourceMap
    overridden: dict[str, str]  # "<section>.<id>" -> the overriding layer's id
    added: tuple[str, ...]


def merge(
    base: Mapping[str, Any],
    child: Mapping[str, Any],
    child_map: SourceMap,
    layer_id: str,
    base_lines: Mapping[tuple[str, str], str] | None = None,
) -> Merged:
    """``base`` with ``child``'s entries laid over it. Positions in the result point into the
    child's file for what the child wrote; entries kept from the base carry no position
    (the base was already checked on its own). ``base_lines`` gives, by section and id, the
    ``file:line`` where the base writes an entry: a problem the layer causes in it is then
    named where the writer can read it, not at a slot of the merged list."""
    where_in_base = base_lines or {}
    document: dict[str, Any] = {k: v for k, v in base.items() if k != "extends"}
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {}
    written_as: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}
    inherited: dict[tuple[str | int, ...], Message] = {}
    overridden: dict[str, str] = {}
    added: list[str] = []
    for key, value in child.items():
        if key == "extends":
            continue
        if key not in SECTIONS or not isinstance(value, list):
            document[key] = value
            _copy_positions(child_map, (key,), (key,), positions)
            continue
        ident = SECTIONS[key]
        entries = list(document.get(key, []))
        index_of = {
            entry.get(ident): i for i, entry in enumerate(entries) if isinstance(entry, Mapping)
        }
        replaced: set[Any] = set()
        for child_index, entry in enumerate(value):
            name = entry.get(ident) if isinstance(entry, Mapping) else None
            # A base entry the layer gives twice replaces it once; the second is kept as an
            # entry of its own, so the check names the duplicate instead of one silently losing.
            if name in index_of and name not in replaced:
                replaced.add(name)
                target = index_of[name]
                entries[target] = entry
                overridden[f"{key}.{name}"] = layer_id
            else:
                target = len(entries)
                entries.append(entry)
                added.append(f"{key}.{name}")
            _copy_positions(child_map, (key, child_index), (key, target), positions)
            written_as[(key, target)] = (key, child_index)
        document[key] = entries
        if (key,) in child_map.positions:
            positions[(key,)] = child_map.positions[(key,)]
    if () in child_map.positions:
        positions[()] = child_map.positions[()]
    # Every entry the layer did not write is the base's, in every section, touched or not.
    for key, ident in SECTIONS.items():
        section = document.get(key)
        for target, entry in enumerate(section if isinstance(section, list) else ()):
            if (key, target) not in written_as:
                name = entry.get(ident) if isinstance(entry, Mapping) else target
                line = where_in_base.get((key, str(name)))
                inherited[(key, target)] = Message(
                    " (entry {name!r} of {base}{where}, which this layer extends, read with "
                    "the layer's changes)",
                    name=name,
                    base=base.get("id", "<base>"),
                    where="" if line is None else Message.bilingual(", ", "，") + line,
                )
    return Merged(document, SourceMap(positions, written_as, inherited), overridden, tuple(added))


def _copy_positions(
    source: SourceMap,
    old_prefix: tuple[str | int, ...],
    new_prefix: tuple[str | int, ...],
    into: dict[tuple[str | int, ...], tuple[int, int]],
) -> None:
    size = len(old_prefix)
    for path, position in source.positions.items():
        if path[:size] == old_prefix:
            into[new_prefix + path[size:]] = position
