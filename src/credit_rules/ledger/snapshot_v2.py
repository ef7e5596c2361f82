"""Exports of format version 2 (releases before issue 12), read only, so a bureau that upgrades
keeps its exports.

A version-2 file is one header line (format, version, library version, ruleset, today, how
many subjects and events follow, and a checksum), then one line per subject and one per event:
the same subject and event lines as version 3, without segments or seals. The checksum is the
sha256 of the header's other fields as a canonical JSON line, followed by the hex sha256 of
every byte after the header; it covers the header too, so an edited today, library version,
count or ruleset is refused like an edited event.

This module only verifies: it hands back the lines it checked and the header, which carries
the fields a version-3 seal does (``subjects``, ``events``, ``today``, ``library_version``),
and :func:`credit_rules.ledger.snapshot.read_snapshot` turns them into the same
:class:`~credit_rules.ledger.snapshot.SnapshotContent` as a version-3 file. Nothing writes
version 2: ``snapshot(path)`` over a version-2 file replaces it with a new version-3 file
(written atomically), because the file is not a version-3 export to append to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from credit_rules.errors import SnapshotCorrupt
from credit_rules.i18n import Message

VERSION = 2

_HEADER_FIELDS = {
    "checksum": str,
    "subjects": int,
    "events": int,
    "ruleset": dict,
    "library_version": str,
}


def verified_v2_rows(
    where: str, header: dict[str, Any], lines: Iterable[bytes]
) -> list[tuple[int, bytes]]:
    """The numbered lines after a version-2 header, once the checksum and counts say the file
    is whole and unaltered; refused whole otherwise, as the version-2 reader did."""
    for name, kind in _HEADER_FIELDS.items():
        if not isinstance(header.get(name), kind):
            raise SnapshotCorrupt(
                where, Message("the header has no valid {name!r}", name=name), line=1
            )
    digest = hashlib.sha256()
    rows: list[tuple[int, bytes]] = []
    for number, raw in enumerate(lines, start=2):
        digest.update(raw)
        rows.append((number, raw))
    if _checksum(header, digest.hexdigest()) != header["checksum"]:
        raise SnapshotCorrupt(
            where,
            Message("the checksum does not match the content: the file is truncated or altered"),
        )
    expected = header["subjects"] + header["events"]
    if len(rows) != expected:
        raise SnapshotCorrupt(
            where,
            Message(
                "the header announces {announced} lines, found {found}",
                announced=expected,
                found=len(rows),
            ),
        )
    return rows


def _checksum(header: dict[str, Any], body_hex: str) -> str:
    fields = {name: value for name, value in header.items() if name != "checksum"}
    line = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(line.encode("utf-8") + b"\n" + body_hex.encode()).hexdigest()
