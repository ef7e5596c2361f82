"""A snapshot is one JSON Lines file, written atomically, that restores a ledger giving identical
answers; a truncated, altered or foreign file is refused whole with a typed error."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from ledger_exports import (
    IDENTITY_NUMBER,
    LIANYUNGANG,
    V2_EXPORT,
    V2_RULESET,
    day,
    entered,
    sample_ledger,
)

from credit_rules import Ledger, LedgerError, __version__, bundled, with_parameters
from credit_rules.errors import SnapshotCorrupt, SnapshotError, SnapshotMismatch

GANZHOU = bundled("ganzhou-2023")


@pytest.fixture
def ledger() -> Ledger:
    return sample_ledger()


def answers(ledger: Ledger) -> list[Any]:
    found: list[Any] = [ledger.today, len(ledger), ledger.subject_ids()]
    for subject in ledger.subject_ids():
        found.append(ledger.subject(subject))
        found.append(ledger.history(subject))
        for as_of in ("2008-03-10", "2009-06-15", "2010-01-01"):
            for known_at in (None, day("2009-06-20")):
                found.append(ledger.status(subject, day(as_of), known_at=known_at).model_dump())
        found.append(ledger.report(subject, day("2009-08-01")).model_dump())
    found.append(ledger.subjects_with("cash_settlement", day("2009-06-15")))
    found.append(ledger.agenda(day("2008-01-01"), horizon=800))
    return found


def test_restoring_a_snapshot_gives_identical_answers(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger.snapshot(path)
    restored = Ledger.restore(path, LIANYUNGANG)
    assert answers(restored) == answers(ledger)
    # The full identity number is kept (the ledger needs it); reports still mask it.
    assert restored.subject("p1").identity_number == IDENTITY_NUMBER  # type: ignore[attr-defined]
    # And both go on alike: the same changes as time passes and as events arrive.
    assert restored.advance(day("2011-01-01")) == ledger.advance(day("2011-01-01"))
    event = entered("r3", "2011-01-01", "p2")
    assert restored.record(event, recorded_at=day("2011-01-01")) == ledger.record(
        event, recorded_at=day("2011-01-01")
    )
    assert answers(restored) == answers(ledger)


def test_the_snapshot_is_json_lines_with_a_header(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger.snapshot(path)
    lines = path.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    assert header["format"] == "credit-rules-ledger"
    assert header["ruleset"] == {
        "id": LIANYUNGANG.id,
        "version": LIANYUNGANG.version,
        "digest": LIANYUNGANG.digest,
    }
    seal = json.loads(lines[-1])["seal"]
    assert (seal["subjects"], seal["events"], seal["today"]) == (3, 5, "2009-08-01")
    assert seal["library_version"] == __version__
    assert seal["checksum"] == sealed(lines[0].rstrip(b"\n"), seal, b"".join(lines[1:-1]))
    rows = [json.loads(line) for line in lines[1:-1]]
    assert [row["seq"] for row in rows[3:]] == [1, 2, 3, 4, 5]
    assert rows[-1]["event"]["decided_on"] == "2009-07-01"


def test_a_snapshot_is_appended_to_never_rewritten(ledger: Ledger, tmp_path: Path) -> None:
    """A second export appends a sealed segment of what is new; an append that was killed
    leaves the snapshot before it readable, and the next append drops its unfinished lines."""
    path = tmp_path / "ledger.jsonl"
    ledger.snapshot(path)
    first = path.read_bytes()
    ledger.add_subject({"id": "p9", "kind": "insured_person"})
    ledger.record(entered("r9", "2009-08-02", "p9"), recorded_at=day("2009-08-02"))
    assert ledger.snapshot(path) == 2  # one subject line, one event line
    second = path.read_bytes()
    assert second.startswith(first)
    assert len(second.splitlines()) == len(first.splitlines()) + 3  # and a seal
    assert answers(Ledger.restore(path, LIANYUNGANG)) == answers(ledger)
    assert ledger.snapshot(path) == 0  # nothing new: a seal only
    # A killed append: lines after the last seal, the last one cut short.
    killed = path.read_bytes() + second.splitlines(keepends=True)[-3] + b'{"seq": 7, "rec'
    path.write_bytes(killed)
    restored = Ledger.restore(path, LIANYUNGANG)
    assert len(restored) == 6 and "p9" in restored
    ledger.record(entered("r10", "2009-08-03", "p9"), recorded_at=day("2009-08-03"))
    assert ledger.snapshot(path) == 1
    assert b'"rec\n' not in path.read_bytes() and not path.read_bytes().endswith(b"rec")
    assert answers(Ledger.restore(path, LIANYUNGANG)) == answers(ledger)
    # Another ledger's snapshot at the path is not its past: a new file replaces it.
    other = Ledger(LIANYUNGANG)
    other.add_subject({"id": "q1", "kind": "insured_person"})
    other.snapshot(path)
    assert Ledger.restore(path, LIANYUNGANG).subject_ids() == ("q1",)


def test_an_empty_ledger_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    Ledger(GANZHOU).snapshot(path)
    restored = Ledger.restore(path, GANZHOU)
    assert (len(restored), restored.today, restored.subject_ids()) == (0, None, ())


def test_a_ganzhou_ledger_round_trips_with_its_deadlines(tmp_path: Path) -> None:
    ledger = Ledger(GANZHOU)
    ledger.add_subject(
        {
            "id": "mi1",
            "kind": "medical_institution",
            "unified_social_credit_code": "91350100M000100Y43",
        }
    )
    ledger.record_many(
        [
            {
                "type": "evaluation_published",
                "subject": "mi1",
                "evaluation": "e",
                "year": 2024,
                "score": 72,
                "date": "2025-01-10",
            },
            {
                "type": "objection_filed",
                "subject": "mi1",
                "objection": "o1",
                "evaluation": "e",
                "ground": "evaluation_result_disputed",
                "date": "2025-01-24",
            },
            {
                "type": "objection_suspended",
                "subject": "mi1",
                "objection": "o1",
                "reason": "expert_review",
                "date": "2025-02-05",
                "until": "2025-02-07",
            },
        ],
        recorded_at=day("2025-02-07"),
    )
    path = tmp_path / "g.jsonl"
    ledger.snapshot(path)
    restored = Ledger.restore(path, GANZHOU)
    assert restored.agenda(day("2025-02-07"), horizon=60) == ledger.agenda(
        day("2025-02-07"), horizon=60
    )
    assert restored.overdue(day("2025-04-01")) == ledger.overdue(day("2025-04-01"))


def test_writing_replaces_the_file_atomically_and_leaves_no_temporary_file(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.jsonl"
    other = Ledger(LIANYUNGANG)
    other.add_subject({"id": "q1", "kind": "insured_person"})
    other.snapshot(path)  # not the past of ``ledger``: a new file is written, atomically
    before = path.read_bytes()

    def fail(*args: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        ledger.snapshot(path)
    assert path.read_bytes() == before  # the old snapshot is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.jsonl"]
    monkeypatch.undo()
    ledger.snapshot(path)
    assert path.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.jsonl"]


# -- refused snapshots -----------------------------------------------------------------------


@pytest.fixture
def written(ledger: Ledger, tmp_path: Path) -> Path:
    path = tmp_path / "ledger.jsonl"
    ledger.snapshot(path)
    return path


def refused(path: Path, ruleset: Any = LIANYUNGANG) -> SnapshotError:
    with pytest.raises(SnapshotError) as caught:
        Ledger.restore(path, ruleset)
    assert isinstance(caught.value, LedgerError)
    assert str(path) in str(caught.value)
    return caught.value


def test_a_truncated_snapshot_is_refused(written: Path) -> None:
    data = written.read_bytes()
    for cut in (len(data) // 2, len(data) - 1, data.index(b"\n") + 1):
        written.write_bytes(data[:cut])
        error = refused(written)
        assert isinstance(error, SnapshotCorrupt)
        assert "truncated or altered" in str(error) or "announces" in str(error)


def test_a_snapshot_missing_its_last_line_is_refused(written: Path) -> None:
    lines = written.read_bytes().splitlines(keepends=True)
    written.write_bytes(b"".join(lines[:-1]))
    assert isinstance(refused(written), SnapshotCorrupt)


def test_an_altered_event_is_refused(written: Path) -> None:
    text = written.read_text(encoding="utf-8")
    written.write_text(
        text.replace('"date":"2009-05-20"', '"date":"2009-05-21"', 1), encoding="utf-8"
    )
    error = refused(written)
    assert isinstance(error, SnapshotCorrupt) and "checksum" in str(error)


def test_an_altered_body_with_a_recomputed_checksum_is_still_checked(written: Path) -> None:
    lines = written.read_bytes().splitlines(keepends=True)
    # Enter p1's r1 a second time: the history check refuses it, as record() would.
    rows = [json.loads(line) for line in lines[1:-1]]
    rows[-2] = {**rows[-2], "event": {**rows[3]["event"]}}
    body = b"".join(
        json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        for row in rows
    )
    seal = json.loads(lines[-1])["seal"]
    seal["checksum"] = sealed(lines[0].rstrip(b"\n"), seal, body)
    written.write_bytes(lines[0] + body + json.dumps({"seal": seal}).encode() + b"\n")
    error = refused(written)
    assert isinstance(error, SnapshotCorrupt) and "entered twice" in str(error)


def sealed(previous: bytes, seal: dict[str, Any], body: bytes) -> str:
    """The documented checksum: the previous seal's checksum (the header line for the first),
    a newline, the seal's other fields (canonical JSON line), the hex sha256 of the body."""
    fields = {k: v for k, v in seal.items() if k != "checksum"}
    line = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    inner = hashlib.sha256(body).hexdigest()
    return (
        "sha256:"
        + hashlib.sha256(previous + b"\n" + line.encode() + b"\n" + inner.encode()).hexdigest()
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("today", "2031-01-01"), ("library_version", "0.0.1"), ("subjects", 0)],
)
def test_an_edited_seal_is_refused_by_the_checksum(
    written: Path, field: str, value: object
) -> None:
    lines = written.read_bytes().splitlines(keepends=True)
    seal = json.loads(lines[-1])
    seal["seal"][field] = value
    written.write_bytes(b"".join(lines[:-1]) + json.dumps(seal).encode() + b"\n")
    error = refused(written)
    assert isinstance(error, SnapshotCorrupt) and "checksum" in str(error)


def test_a_header_that_is_not_json_or_not_a_snapshot_is_refused(
    written: Path, tmp_path: Path
) -> None:
    data = written.read_bytes()
    written.write_bytes(b"{not json\n" + data[data.index(b"\n") + 1 :])
    assert isinstance(refused(written), SnapshotCorrupt)
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": "world"}\n', encoding="utf-8")
    assert "not a ledger snapshot" in str(refused(other))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert "empty" in str(refused(empty))
    assert "cannot be read" in str(refused(tmp_path / "missing.jsonl"))


def test_a_snapshot_of_another_ruleset_is_refused(written: Path) -> None:
    assert isinstance(refused(written, GANZHOU), SnapshotMismatch)
    variant = with_parameters(LIANYUNGANG, {"measure_ends_when_older_record_expires": True})
    error = refused(written, variant)
    assert isinstance(error, SnapshotMismatch) and LIANYUNGANG.digest in str(error)


def test_a_killed_writers_temporary_files_are_removed_and_files_are_owner_only(
    tmp_path: Path,
) -> None:
    import os
    import stat
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f".ledger-{dead.stdout.strip()}-abc.tmp"
    orphan.write_text("11010519491231002X")
    mine = tmp_path / f".ledger-{os.getpid()}-live.tmp"  # a writer still running: kept
    mine.write_text("")
    ledger = Ledger(LIANYUNGANG)
    ledger.add_subject({"id": "p1", "kind": "insured_person"})
    target = tmp_path / "snap.jsonl"
    ledger.snapshot(target)
    assert not orphan.exists() and mine.exists()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "snap.jsonl"])


# -- exports of format version 2 (releases before issue 12) ----------------------------------


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    """A copy of the export an earlier release wrote (see tests/ledger_exports.py)."""
    path = tmp_path / "old.jsonl"
    path.write_bytes(V2_EXPORT.read_bytes())
    return path


def test_the_version_2_export_was_written_by_the_version_2_writer(v2: Path) -> None:
    # Guards the fixture: regenerated by today's writer, it would test nothing.
    lines = v2.read_bytes().splitlines()
    header = json.loads(lines[0])
    assert (header["format_version"], header["subjects"], header["events"]) == (2, 3, 5)
    assert not any(line.startswith(b'{"seal"') for line in lines)


def test_a_version_2_export_restores_the_ledger_it_was_written_from(v2: Path) -> None:
    original = sample_ledger(V2_RULESET)
    restored = Ledger.restore(v2, V2_RULESET)
    assert answers(restored) == answers(original)  # every history with its seq and recorded_at
    assert restored.seq == original.seq == 5
    assert restored.subject("p1").identity_number == IDENTITY_NUMBER  # type: ignore[attr-defined]
    # And it goes on like the original.
    event = entered("r3", "2011-01-01", "p2")
    assert restored.record(event, recorded_at=day("2011-01-01")) == original.record(
        event, recorded_at=day("2011-01-01")
    )
    assert answers(restored) == answers(original)


def test_every_altered_byte_of_a_version_2_export_is_refused(v2: Path) -> None:
    data = v2.read_bytes()
    for at in range(len(data)):
        altered = bytearray(data)
        altered[at] ^= 0x01  # a digit, a letter, a quote, a brace or a newline: another byte
        v2.write_bytes(bytes(altered))
        error = refused(v2, V2_RULESET)
        assert isinstance(error, SnapshotCorrupt), (at, error)


def test_a_cut_or_shortened_version_2_export_is_refused(v2: Path) -> None:
    data = v2.read_bytes()
    lines = data.splitlines(keepends=True)
    for cut in (data.index(b"\n") + 1, len(data) // 2, len(data) - 1):
        v2.write_bytes(data[:cut])
        error = refused(v2, V2_RULESET)
        assert isinstance(error, SnapshotCorrupt) and "truncated or altered" in str(error)
    v2.write_bytes(b"".join(lines[:4] + lines[5:]))  # one event line lost
    assert isinstance(refused(v2, V2_RULESET), SnapshotCorrupt)
    v2.write_bytes(data + lines[-1])  # one event line twice
    assert isinstance(refused(v2, V2_RULESET), SnapshotCorrupt)


def v2_checksum(header: dict[str, Any], body: bytes) -> str:
    """The version-2 checksum as that release documented it: the sha256 of the header's other
    fields as a canonical JSON line, followed by the hex sha256 of the body."""
    fields = {k: v for k, v in header.items() if k != "checksum"}
    line = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    inner = hashlib.sha256(body).hexdigest()
    return "sha256:" + hashlib.sha256(line.encode() + b"\n" + inner.encode()).hexdigest()


def test_a_version_2_body_with_a_recomputed_checksum_is_still_checked(v2: Path) -> None:
    lines = v2.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    assert v2_checksum(header, b"".join(lines[1:])) == header["checksum"]
    rows = [json.loads(line) for line in lines[1:]]
    rows[-2] = {**rows[-2], "event": {**rows[3]["event"]}}  # p1's r1 entered a second time
    body = b"".join(
        json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        for row in rows
    )
    header["checksum"] = v2_checksum(header, body)
    v2.write_bytes(json.dumps(header).encode() + b"\n" + body)
    error = refused(v2, V2_RULESET)
    assert isinstance(error, SnapshotCorrupt) and "entered twice" in str(error)


def test_a_version_2_export_of_another_ruleset_is_refused(v2: Path) -> None:
    assert isinstance(refused(v2, GANZHOU), SnapshotMismatch)
    variant = with_parameters(V2_RULESET, {"measure_ends_when_older_record_expires": True})
    error = refused(v2, variant)
    assert isinstance(error, SnapshotMismatch) and V2_RULESET.digest in str(error)
    # Today's bundled ruleset is another ruleset too: it has changed since (Art 13).
    assert isinstance(refused(v2, LIANYUNGANG), SnapshotMismatch)


def test_an_unknown_format_version_is_refused_naming_those_read(v2: Path) -> None:
    data = v2.read_bytes()
    v2.write_bytes(data.replace(b'"format_version":2', b'"format_version":4', 1))
    error = refused(v2, V2_RULESET)
    assert isinstance(error, SnapshotCorrupt)
    assert "format version 4" in str(error) and "2 (read only) and 3" in str(error)


def test_snapshot_over_a_version_2_export_writes_a_new_version_3_file(v2: Path) -> None:
    """Never appended to: the writer finds no version-3 seal in it and replaces it, atomically,
    with a version-3 export of the whole ledger."""
    old = v2.read_bytes()
    ledger = Ledger.restore(v2, V2_RULESET)
    ledger.record(entered("r3", "2011-01-01", "p2"), recorded_at=day("2011-01-01"))
    assert ledger.snapshot(v2) == 3 + 6  # every subject and event line, in a new file
    new = v2.read_bytes()
    assert json.loads(new.splitlines()[0])["format_version"] == 3
    assert old.splitlines()[0] not in new and new.splitlines()[-1].startswith(b'{"seal"')
    assert sorted(p.name for p in v2.parent.iterdir()) == [v2.name]
    assert answers(Ledger.restore(v2, V2_RULESET)) == answers(ledger)
    # From now on it is a version-3 export of this ledger: appended to.
    ledger.record(entered("r4", "2011-01-02", "p2"), recorded_at=day("2011-01-02"))
    assert ledger.snapshot(v2) == 1 and v2.read_bytes().startswith(new)
    assert answers(Ledger.restore(v2, V2_RULESET)) == answers(ledger)
