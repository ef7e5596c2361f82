"""Durability without a database: a ledger written to, and read back from, one JSON Lines file,
appended to, never rewritten.

The first line is a header: the format and its version and the ruleset (id, version and
digest). Then come *segments*, each one export's news: a line per subject added since the
previous segment, in the order they were added, and a line per event recorded since, in
``seq`` order with its ``recorded_at``, closed by a **seal** line: how many subjects and
events the file holds by then, the ledger's today, the library version, the sha256 of the last
subject and event lines, and a checksum chained over everything before it (the sha256 of: the
previous seal's checksum, or for the first seal the header line; a newline; the seal's other
fields as a canonical JSON line; the hex sha256 of the segment's lines). The snapshot is what
the last complete seal covers.

Why each part is there:

- the **ruleset digest**: events mean what the ruleset says they mean; restoring them under
  other rules would silently change every answer, so a different digest is refused
  (:class:`~credit_rules.errors.SnapshotMismatch`);
- **segments** (issue 12): a nightly export of a million-person ledger appends the day's
  subjects and events and a seal, instead of rewriting 183 MiB. Before appending, the writer
  checks that the file is this ledger's past (same ruleset, the sealed counts within the
  ledger's, the last sealed subject and event lines equal to the ledger's own); otherwise it
  writes a new file;
- the **chained checksum and counts**: a line altered or lost anywhere before the last seal
  is refused whole (:class:`~credit_rules.errors.SnapshotCorrupt`), never partly restored.
  The checksum detects accidents, not an adversary, who could recompute it; protect the file
  as you would the ledger, which holds full identity numbers;
- **atomic writes**: a new file is written under a temporary name in the same directory,
  flushed to disk and renamed over the target (``os.replace``). An append writes its segment
  and then its seal, and flushes them to disk: a reader sees the snapshot before the append or
  after it, never half of one, because lines after the last complete seal (an append that was
  killed) are not part of the snapshot, and the next append removes them. Temporary files are
  owner-only (0o600), like the snapshot, and removed on every path: on an error by the writer,
  and, since a killed process removes nothing, by the next writer in the directory, which
  deletes those whose process (named in the file's name) is gone.

The library version is recorded for the reader's information; the format is versioned on its
own (``format_version``) and that is what decides whether a file can be read. Version 2, one
header with the checksum and no segments, is what releases before issue 12 wrote: it is read,
with the same guarantees as before (:mod:`credit_rules.ledger.snapshot_v2`), and never
appended to (the writer finds no version-3 seal in it, so it writes a new file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from credit_rules.errors import CreditRulesError, SnapshotCorrupt, SnapshotMismatch, os_reason
from credit_rules.i18n import Message
from credit_rules.ledger import snapshot_v2
from credit_rules.model.events import Event, parse_events
from credit_rules.model.subjects import SUBJECT_CLASSES, Subject
from credit_rules.ruleset import ir

FORMAT = "credit-rules-ledger"
FORMAT_VERSION = 3  # 2: the checksum covers the header too; 3: appended, sealed segments


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


def _seal(previous: bytes, fields: dict[str, Any], body_hex: str) -> str:
    """A seal's checksum, chained: the previous seal's checksum (the header line for the
    first), the seal's other fields, the hash of the segment's lines. An edited ``today``,
    library version or count is as much an alteration as an edited event."""
    return (
        "sha256:" + hashlib.sha256(previous + b"\n" + _line(fields) + body_hex.encode()).hexdigest()
    )


def _subject_line(subject: Subject) -> bytes:
    return _line({"subject": subject.model_dump(mode="json", exclude_none=True)})


def _event_line(seq: int, recorded_at: dt.date, event: Event) -> bytes:
    return _line(
        {"seq": seq, "recorded_at": recorded_at.isoformat(), "event": event.model_dump(mode="json")}
    )


def _fingerprint(line: bytes | None) -> str | None:
    return None if line is None else hashlib.sha256(line).hexdigest()


@dataclass(frozen=True)
class _Tail:
    """The last complete seal of a file: where it ends, and what it says."""

    end: int
    seal: dict[str, Any]


def write_snapshot(
    path: str | os.PathLike[str],
    *,
    ruleset: ir.Ruleset,
    library_version: str,
    today: dt.date | None,
    subject_count: int,
    event_count: int,
    subjects: Callable[[int], Iterable[Subject]],
    events: Callable[[int], Iterable[tuple[int, dt.date, Event]]],
) -> int:
    """Bring the snapshot at ``path`` up to the ledger: append a segment if the file is this
    ledger's past, else write a new file atomically. ``subjects(n)`` and ``events(n)`` give
    those after the first ``n``. Returns how many lines the segment holds."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    _remove_orphans(directory)
    tail = _tail(target, ruleset)
    if tail is not None and not _is_past(tail.seal, subject_count, event_count, subjects, events):
        tail = None
    start_subjects = tail.seal["subjects"] if tail is not None else 0
    start_events = tail.seal["events"] if tail is not None else 0
    if tail is None:
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
        }
        with _temporary(directory) as (out, out_path):
            out.write(_line(header))
            lines = _segment(
                out,
                _line(header).rstrip(b"\n"),
                None,
                library_version,
                today,
                (start_subjects, subject_count, subjects(0)),
                (start_events, event_count, events(0)),
            )
            out.flush()
            os.fsync(out.fileno())
            out.close()
            os.replace(out_path, target)
        _fsync_directory(directory)
        return lines
    with open(target, "r+b") as out:
        out.truncate(tail.end)  # an append that was killed left lines after the last seal
        out.seek(tail.end)
        lines = _segment(
            out,
            tail.seal["checksum"].encode(),
            tail.seal,
            library_version,
            today,
            (start_subjects, subject_count, subjects(start_subjects)),
            (start_events, event_count, events(start_events)),
        )
        out.flush()
        os.fsync(out.fileno())
    return lines


def _segment(
    out: IO[bytes],
    previous: bytes,
    before: dict[str, Any] | None,
    library_version: str,
    today: dt.date | None,
    new_subjects: tuple[int, int, Iterable[Subject]],
    new_events: tuple[int, int, Iterable[tuple[int, dt.date, Event]]],
) -> int:
    """Write the lines of a segment, then its seal; return how many lines."""
    digest = hashlib.sha256()
    last_subject = last_event = None
    lines = 0
    for subject in new_subjects[2]:
        last_subject = _subject_line(subject)
        digest.update(last_subject)
        out.write(last_subject)
        lines += 1
    for seq, recorded_at, event in new_events[2]:
        last_event = _event_line(seq, recorded_at, event)
        digest.update(last_event)
        out.write(last_event)
        lines += 1
    fields = {
        "subjects": new_subjects[1],
        "events": new_events[1],
        "today": today.isoformat() if today is not None else None,
        "library_version": library_version,
        "last_subject": _fingerprint(last_subject) or (before or {}).get("last_subject"),
        "last_event": _fingerprint(last_event) or (before or {}).get("last_event"),
    }
    fields["checksum"] = _seal(previous, fields, digest.hexdigest())
    out.write(_line({"seal": fields}))
    return lines


def _is_past(
    seal: dict[str, Any],
    subject_count: int,
    event_count: int,
    subjects: Callable[[int], Iterable[Subject]],
    events: Callable[[int], Iterable[tuple[int, dt.date, Event]]],
) -> bool:
    """Whether a file sealed as ``seal`` holds a prefix of this ledger."""
    n, m = seal["subjects"], seal["events"]
    if not (0 <= n <= subject_count and 0 <= m <= event_count):
        return False
    if n and _fingerprint(_subject_line(next(iter(subjects(n - 1))))) != seal["last_subject"]:
        return False
    return not m or _fingerprint(_event_line(*next(iter(events(m - 1))))) == seal["last_event"]


def _tail(target: Path, ruleset: ir.Ruleset) -> _Tail | None:
    """The last complete seal of a snapshot of ``ruleset`` at ``target``, if there is one."""
    try:
        with open(target, "rb") as stream:
            header = json.loads(stream.readline())
            if (
                not isinstance(header, dict)
                or header.get("format") != FORMAT
                or header.get("format_version") != FORMAT_VERSION
                or header.get("ruleset", {}).get("digest") != ruleset.digest
            ):
                return None
            size = stream.seek(0, os.SEEK_END)
            window = min(size, 1 << 16)
            stream.seek(size - window)
            chunk = stream.read(window)
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    end = len(chunk)
    while end > 0:
        start = chunk.rfind(b"\n", 0, end - 1) + 1
        line = chunk[start:end]
        if line.endswith(b"\n") and line.startswith(b'{"seal"'):
            try:
                seal = json.loads(line)["seal"]
            except (ValueError, KeyError, TypeError):
                return None
            if not isinstance(seal, dict) or not all(
                isinstance(seal.get(k), int) for k in ("subjects", "events")
            ):
                return None
            return _Tail(size - window + end, seal)
        if start == 0:
            return None
        end = start
    return None


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
    """Read and verify a snapshot up to its last complete seal (or, for a version-2 file, as
    a whole); refuse it whole at the first thing that does not match."""
    where = os.fspath(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, read line by line
    except OSError as error:
        raise SnapshotCorrupt(
            where, Message("cannot be read ({value})", value=os_reason(error))
        ) from error
    with stream:
        first = stream.readline()
        header = _header(where, first)
        if header["format_version"] == snapshot_v2.VERSION:
            # The header of a version-2 file carries what a seal carries.
            seal, rows = header, snapshot_v2.verified_v2_rows(where, header, stream)
        else:
            seal, rows = _sealed_rows(where, first.rstrip(b"\n"), stream)
    found_ruleset = header["ruleset"]
    if found_ruleset.get("digest") != ruleset.digest:
        raise SnapshotMismatch(
            where,
            written_under(
                (
                    found_ruleset.get("id"),
                    found_ruleset.get("version"),
                    found_ruleset.get("digest"),
                ),
                ruleset,
            ),
        )
    return _content(where, seal, rows, ruleset)


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


def _sealed_rows(
    where: str, previous: bytes, lines: Iterable[bytes]
) -> tuple[dict[str, Any], list[tuple[int, bytes]]]:
    """The last complete seal of a version-3 file and the numbered lines it covers, each seal
    checked against the chain."""
    digest = hashlib.sha256()
    rows: list[tuple[int, bytes]] = []
    segment: list[tuple[int, bytes]] = []
    seal: dict[str, Any] | None = None
    for number, raw in enumerate(lines, start=2):
        if not raw.startswith(b'{"seal"'):
            digest.update(raw)
            segment.append((number, raw))
            continue
        if not raw.endswith(b"\n"):
            break  # a seal cut short: the append did not finish
        found = _seal_of(where, number, raw)
        fields = {k: v for k, v in found.items() if k != "checksum"}
        if _seal(previous, fields, digest.hexdigest()) != found["checksum"]:
            raise SnapshotCorrupt(
                where,
                Message(
                    "the checksum does not match the content: the file is truncated or altered"
                ),
                line=number,
            )
        rows.extend(segment)
        if len(rows) != found["subjects"] + found["events"]:
            raise SnapshotCorrupt(
                where,
                Message(
                    "the seal announces {announced} lines, found {found}",
                    announced=found["subjects"] + found["events"],
                    found=len(rows),
                ),
                line=number,
            )
        seal, previous, segment, digest = found, found["checksum"].encode(), [], hashlib.sha256()
    if seal is None:
        raise SnapshotCorrupt(
            where, Message("no complete snapshot: the file is truncated or altered (no seal)")
        )
    return seal, rows


def _header(where: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        raise SnapshotCorrupt(where, Message("the file is empty"), line=1)
    try:
        header = json.loads(raw)
    except RecursionError:
        raise SnapshotCorrupt(where, Message("the header is nested too deeply"), line=1) from None
    except ValueError as error:
        raise SnapshotCorrupt(
            where, Message("the header is not JSON ({error})", error=error), line=1
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotCorrupt(
            where, Message("not a ledger snapshot (no format {FORMAT!r})", FORMAT=FORMAT), line=1
        )
    if header.get("format_version") not in (snapshot_v2.VERSION, FORMAT_VERSION):
        raise SnapshotCorrupt(
            where,
            Message(
                "format version {found!r}; this library reads {old} (read only) and {known}",
                found=header.get("format_version"),
                old=snapshot_v2.VERSION,
                known=FORMAT_VERSION,
            ),
            line=1,
        )
    if not isinstance(header.get("ruleset"), dict):
        raise SnapshotCorrupt(
            where, Message("the header has no valid {name!r}", name="ruleset"), line=1
        )
    return header


def _seal_of(where: str, number: int, raw: bytes) -> dict[str, Any]:
    row = _json(where, number, raw)
    seal = row.get("seal") if isinstance(row, dict) else None
    checks = {"checksum": str, "subjects": int, "events": int, "library_version": str}
    if not isinstance(seal, dict) or not all(
        isinstance(seal.get(name), kind) for name, kind in checks.items()
    ):
        raise SnapshotCorrupt(where, Message("not a valid seal line"), line=number)
    return seal


def _content(
    where: str, seal: dict[str, Any], rows: list[tuple[int, bytes]], ruleset: ir.Ruleset
) -> SnapshotContent:
    subject_rows: list[tuple[int, Any]] = []
    event_rows: list[tuple[int, Any]] = []
    for number, raw in rows:
        row = _json(where, number, raw)
        (subject_rows if isinstance(row, dict) and "subject" in row else event_rows).append(
            (number, row)
        )
    if len(subject_rows) != seal["subjects"]:
        raise SnapshotCorrupt(
            where,
            Message(
                "the snapshot announces {announced} subjects, found {found}",
                announced=seal["subjects"],
                found=len(subject_rows),
            ),
        )
    subjects = [_subject(where, number, row) for number, row in subject_rows]
    raw_events: list[Any] = []
    meta: list[tuple[int, dt.date]] = []
    for expected_seq, (number, row) in enumerate(event_rows, start=1):
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
    today = _today(where, seal.get("today"))
    if today is None and meta:
        raise SnapshotCorrupt(where, Message("events are recorded but the snapshot has no today"))
    if today is not None and meta and meta[-1][1] > today:
        raise SnapshotCorrupt(where, Message("an event is recorded after the snapshot's today"))
    return SnapshotContent(
        today=today,
        library_version=seal["library_version"],
        subjects=subjects,
        events=[(seq, at, event) for (seq, at), event in zip(meta, events, strict=True)],
    )


def _json(where: str, number: int, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
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
        raise SnapshotCorrupt(where, Message("the snapshot's today is not a date")) from None
