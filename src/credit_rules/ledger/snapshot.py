"""Durability without a database: a ledger written to, and read back from, one JSON Lines file.

The first line is a header: the format and its version, the library version, the ruleset
(id, version and digest), the ledger's today, how many subjects and events follow, and a
sha256 checksum covering the header's other fields and every byte after it (the sha256 of
the header's canonical JSON line without ``checksum``, followed by the hex sha256 of the body).
Then one line per subject, in the order they
were added, and one line per event, in ``seq`` order with its ``recorded_at``.

Why each part is there:

- the **ruleset digest**: events mean what the ruleset says they mean; restoring them under
  other rules would silently change every answer, so a different digest is refused
  (:class:`~credit_rules.errors.SnapshotMismatch`);
- the **checksum and counts**: a file cut short by a full disk or altered by hand is refused
  whole (:class:`~credit_rules.errors.SnapshotCorrupt`), never partly restored. The checksum
  detects accidents, not an adversary, who could recompute it; protect the file as you would
  the ledger, which holds full identity numbers;
- **atomic writes**: the file is written under a temporary name in the same directory, flushed
  to disk and renamed over the target (``os.replace``), so a reader sees the old snapshot or
  the new one, never half of one. Temporary files are owner-only (0o600), like the snapshot,
  and removed on every path: on an error by the writer, and, since a killed process removes
  nothing, by the next writer in the directory, which deletes those whose process (named in
  the file's name) is gone.

The library version is recorded for the reader's information; the format is versioned on its
own (``format_version``) and that is what decides whether a file can be read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from credit_rules.errors import CreditRulesError, SnapshotCorrupt, SnapshotMismatch
from credit_rules.i18n import Message
from credit_rules.model.events import Event, parse_events
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.ruleset import ir

FORMAT = "credit-rules-ledger"
FORMAT_VERSION = 2  # 2: the checksum covers the header too


@dataclass(frozen=True)
class SnapshotContent:
    """What a verified snapshot holds, ready to be loaded into a ledger."""

    today: dt.date | None
    library_version: str
    subjects: list[Subject]
    events: list[tuple[int, dt.date, Event]]


def _line(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def _seal(header: dict[str, Any], body: str) -> str:
    """The checksum of the whole file: the header's every other field, then the body's hash.
    An edited ``today``, library version or ruleset is as much an alteration as an edited
    event, and restoring it would silently move the ledger's clock."""
    fields = {name: value for name, value in header.items() if name != "checksum"}
    return "sha256:" + hashlib.sha256(_line(fields) + body.encode()).hexdigest()


def write_snapshot(
    path: str | os.PathLike[str],
    *,
    ruleset: ir.Ruleset,
    library_version: str,
    today: dt.date | None,
    subjects: Iterable[Subject],
    events: Iterable[tuple[int, dt.date, Event]],
) -> None:
    """Write the snapshot atomically: body to one temporary file (hashing it), then the header
    and the body to a second, which replaces ``path`` only once complete and on disk."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    digest = hashlib.sha256()
    subject_count = event_count = 0
    _remove_orphans(directory)
    with _temporary(directory) as (body, _):
        for subject in subjects:
            line = _line({"subject": subject.model_dump(mode="json", exclude_none=True)})
            digest.update(line)
            body.write(line)
            subject_count += 1
        for seq, recorded_at, event in events:
            line = _line(
                {
                    "seq": seq,
                    "recorded_at": recorded_at.isoformat(),
                    "event": event.model_dump(mode="json"),
                }
            )
            digest.update(line)
            body.write(line)
            event_count += 1
        body.flush()
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "library_version": library_version,
            "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
            "today": today.isoformat() if today is not None else None,
            "subjects": subject_count,
            "events": event_count,
        }
        header["checksum"] = _seal(header, digest.hexdigest())
        with _temporary(directory) as (out, out_path):
            out.write(_line(header))
            body.seek(0)
            shutil.copyfileobj(body, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
            out.close()
            os.replace(out_path, target)
    _fsync_directory(directory)


def _remove_orphans(directory: Path) -> None:
    """Delete temporary files left by writers that were killed (their pid is not running)."""
    for path in directory.glob(".ledger-*-*.tmp"):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or _running(int(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _temporary(directory: Path) -> Iterator[tuple[IO[bytes], str]]:
    # mkstemp creates the file 0o600: it holds full identity numbers.
    handle, name = tempfile.mkstemp(prefix=f".ledger-{os.getpid()}-", suffix=".tmp", dir=directory)
    stream = os.fdopen(handle, "w+b")
    try:
        yield stream, name
    finally:
        stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is; not every platform allows it.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_snapshot(path: str | os.PathLike[str], ruleset: ir.Ruleset) -> SnapshotContent:
    """Read and verify a snapshot; refuse it whole at the first thing that does not match."""
    where = os.fspath(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, read line by line
    except OSError as error:
        raise SnapshotCorrupt(
            where, Message("cannot be read ({value})", value=error.strerror or error)
        ) from error
    with stream:
        header = _header(where, stream.readline())
        digest = hashlib.sha256()
        rows: list[tuple[int, Any]] = []
        for number, raw in enumerate(stream, start=2):
            digest.update(raw)
            rows.append((number, raw))
    if _seal(header, digest.hexdigest()) != header["checksum"]:
        raise SnapshotCorrupt(
            where,
            Message("the checksum does not match the content: the file is truncated or altered"),
        )
    expected = header["subjects"] + header["events"]
    if len(rows) != expected:
        raise SnapshotCorrupt(
            where,
            Message(
                "the header announces {expected} lines, found {rows}",
                expected=expected,
                rows=len(rows),
            ),
        )
    found = header["ruleset"]
    if found.get("digest") != ruleset.digest:
        written = [found.get(key) for key in ("id", "version", "digest")]
        raise SnapshotMismatch(where, written_under(written, ruleset))
    return _content(where, header, rows, ruleset)


def written_under(written: Sequence[object], ruleset: ir.Ruleset) -> Message:
    """Why a snapshot or journal of another ruleset (id, version, digest) is refused."""
    old_id, old_version, old_digest = written
    return Message(
        "written under ruleset {old_id} {old_version} ({old_digest}), not {id} {version} "
        "({digest})",
        old_id=old_id,
        old_version=old_version,
        old_digest=old_digest,
        id=ruleset.id,
        version=ruleset.version,
        digest=ruleset.digest,
    )


def _header(where: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        raise SnapshotCorrupt(where, Message("the file is empty"), line=1)
    try:
        header = json.loads(raw)
    except ValueError as error:
        raise SnapshotCorrupt(
            where, Message("the header is not JSON ({error})", error=error), line=1
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotCorrupt(
            where, Message("not a ledger snapshot (no format {FORMAT!r})", FORMAT=FORMAT), line=1
        )
    if header.get("format_version") != FORMAT_VERSION:
        raise SnapshotCorrupt(
            where,
            Message(
                "format version {found!r}; this library reads {known}",
                found=header.get("format_version"),
                known=FORMAT_VERSION,
            ),
            line=1,
        )
    checks = {
        "checksum": str,
        "subjects": int,
        "events": int,
        "ruleset": dict,
        "library_version": str,
    }
    for name, kind in checks.items():
        if not isinstance(header.get(name), kind):
            raise SnapshotCorrupt(
                where, Message("the header has no valid {name!r}", name=name), line=1
            )
    return header


def _content(
    where: str, header: dict[str, Any], rows: list[tuple[int, Any]], ruleset: ir.Ruleset
) -> SnapshotContent:
    subject_rows = rows[: header["subjects"]]
    event_rows = rows[header["subjects"] :]
    subjects = [_subject(where, number, _json(where, number, raw)) for number, raw in subject_rows]
    raw_events: list[Any] = []
    meta: list[tuple[int, dt.date]] = []
    for expected_seq, (number, raw) in enumerate(event_rows, start=1):
        row = _json(where, number, raw)
        if not isinstance(row, dict) or row.get("seq") != expected_seq:
            raise SnapshotCorrupt(
                where,
                Message("expected event seq {expected_seq}", expected_seq=expected_seq),
                line=number,
            )
        try:
            recorded_at = dt.date.fromisoformat(row["recorded_at"])
        except (KeyError, TypeError, ValueError):
            raise SnapshotCorrupt(where, Message("no valid recorded_at"), line=number) from None
        if meta and recorded_at < meta[-1][1]:
            raise SnapshotCorrupt(where, Message("recorded_at goes backwards"), line=number)
        meta.append((expected_seq, recorded_at))
        raw_events.append(row.get("event"))
    try:
        events = parse_events(ruleset.vocabulary, raw_events)
    except CreditRulesError as error:
        raise SnapshotCorrupt(
            where, Message("events do not validate: {error}", error=error)
        ) from None
    today = _today(where, header.get("today"))
    if today is None and meta:
        raise SnapshotCorrupt(
            where, Message("events are recorded but the header has no today"), line=1
        )
    if today is not None and meta and meta[-1][1] > today:
        raise SnapshotCorrupt(
            where, Message("an event is recorded after the snapshot's today"), line=1
        )
    return SnapshotContent(
        today=today,
        library_version=header["library_version"],
        subjects=subjects,
        events=[(seq, at, event) for (seq, at), event in zip(meta, events, strict=True)],
    )


def _json(where: str, number: int, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise SnapshotCorrupt(where, Message("not a JSON line"), line=number) from None


def _subject(where: str, number: int, row: Any) -> Subject:
    data = row.get("subject") if isinstance(row, dict) else None
    if not isinstance(data, dict):
        raise SnapshotCorrupt(where, Message("expected a subject line"), line=number)
    model = SUBJECT_CLASSES.get(str(data.get("kind")), Subject)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise SnapshotCorrupt(
            where, Message("invalid subject: {error}", error=error), line=number
        ) from None


def _today(where: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SnapshotCorrupt(where, Message("the header's today is not a date"), line=1) from None
