"""The ledger at scale, in miniature: compact storage the collector need not walk, bulk load
streaming its input and refusing it whole, and group commit of concurrent calls. On SQLite and
on PostgreSQL (see tests/ledger_journals.py)."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from ledger_journals import JournalFactory

from credit_rules import Ledger, bundled
from credit_rules.errors import (
    EventRejected,
    LedgerClockError,
    SubjectRejected,
    UnknownSubject,
)
from credit_rules.ledger import bulk
from credit_rules.ledger.journal import Journal
from credit_rules.ledger.settlement import Settle

LIANYUNGANG = bundled("lianyungang-2007")
START = dt.date(2008, 3, 1)


def entered(record: str, date: dt.date, subject: str) -> dict[str, Any]:
    return {
        "type": "dishonesty_entered",
        "subject": subject,
        "record": record,
        "category": "lend_certificate",
        "date": date.isoformat(),
    }


def people(count: int) -> Iterator[dict[str, str]]:
    return ({"id": f"p{n}", "kind": "insured_person"} for n in range(count))


def feed(count: int, every: int) -> Iterator[tuple[dt.date, dict[str, Any]]]:
    """``count`` entries, for every ``every``-th person, one day apart."""
    for n in range(count):
        date = START + dt.timedelta(days=n // 50)
        yield date, entered(f"r{n}", date, f"p{(n * every) % 20_000}")


def test_a_loaded_ledger_gives_the_collector_little_to_walk() -> None:
    """20,000 subjects and 3,000 events: the ledger keeps events as text and subjects without
    events as one dict entry, so the objects the collector tracks grow with the subjects that
    have events, not with everything loaded."""
    ledger = Ledger(LIANYUNGANG)
    gc.collect()
    before = len(gc.get_objects())
    ledger.bulk_load(people(20_000), feed(3_000, 7), freeze=False)
    gc.collect()
    grown = len(gc.get_objects()) - before
    # Not even one object per subject with events: their states are not tracked either.
    with_events = len({f"p{(n * 7) % 20_000}" for n in range(3_000)})
    assert grown < with_events // 10, grown
    # ...and it answers as it did: a subject without events, one with.
    assert ledger.history("p1") == ()
    assert [e.event.record for e in ledger.history("p7")] == ["r1"]
    assert ledger.subject("p19999").kind == "insured_person"
    with pytest.raises(UnknownSubject):
        ledger.subject("p20000")


@pytest.mark.parametrize("settle", ["on_record", "later"])
def test_subjects_first_recorded_while_serving_add_nothing_the_collector_walks(
    settle: Settle,
) -> None:
    """3,000 single records on a loaded ledger, most of them a subject's first event, which
    makes the subject's state: states are not tracked (docs/decisions/0027), so a full
    collection after a day's intake walks next to nothing more than before it."""
    ledger = Ledger(LIANYUNGANG, settle=settle)
    ledger.bulk_load(people(20_000), feed(300, 7), freeze=False)
    ledger.warm(freeze=False)
    gc.collect()
    gc.collect()  # a tuple is untracked once what it holds is, one pass later
    before = len(gc.get_objects())
    for n in range(3_000):
        ledger.record(entered(f"n{n}", START + dt.timedelta(days=400), f"p{n * 3 + 1}"))
    ledger.settle()
    gc.collect()
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < 300, grown
    assert not gc.is_tracked(ledger._states["p1"])
    assert [e.event.record for e in ledger.history("p1")] == ["n0"]
    assert repr(ledger._states["p1"]) == "SubjectState(id='p1', events=1)"


def test_bulk_load_streams_and_refuses_a_late_bad_event_whole(
    journal_factory: JournalFactory,
) -> None:
    """The bad event comes after more than one chunk: nothing is written, nothing is held."""
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    count = bulk._CHUNK + 10

    last = max(day for day, _ in feed(count, 1))

    def bad() -> Iterator[tuple[dt.date, dict[str, Any]]]:
        yield from feed(count, 1)
        yield last + dt.timedelta(days=1), entered("x", START, "nobody")

    with pytest.raises(EventRejected, match="nobody") as caught:
        ledger.bulk_load(people(20_000), bad(), freeze=False)
    assert f"load[{count}]" in str(caught.value)
    assert len(ledger) == 0 and ledger.subject_ids() == ()
    ledger.close()
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    assert len(ledger) == 0 and ledger.subject_ids() == ()
    assert ledger.bulk_load(people(20_000), feed(count, 1), freeze=False) == count
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert len(reopened) == count and len(reopened.subject_ids()) == 20_000
    assert [e.seq for e in reopened.history("p5")] == [6, 20_006]
    reopened.close()


def test_subjects_with_more_than_an_id_and_a_kind_survive_reopening(
    journal_factory: JournalFactory,
) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    named = {"id": "u1", "kind": "insured_person", "name": "张三"}
    ledger.bulk_load([named, {"id": "u2", "kind": "insured_person"}], [], freeze=False)
    ledger.add_subject({"id": "u3", "kind": "insured_person", "name": "李四"})
    expected = [ledger.subject(s) for s in ("u1", "u2", "u3")]
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert [reopened.subject(s) for s in ("u1", "u2", "u3")] == expected
    assert expected[0].name == "张三" and expected[1].name is None
    reopened.close()


class _SlowCommits:
    """Makes a journal's commits take a while, counting them, so that concurrent calls queue."""

    def __init__(self, journal: Journal) -> None:
        self.commits = 0
        self._commit = journal.commit
        journal.commit = self.commit  # type: ignore[method-assign]

    def commit(self) -> None:
        self.commits += 1
        threading.Event().wait(0.05)
        self._commit()


def test_concurrent_records_share_commits_and_each_is_durable_once(
    journal_factory: JournalFactory,
) -> None:
    ledger = Ledger.open(journal_factory(), LIANYUNGANG)
    ledger.bulk_load(people(40), [], freeze=False)
    assert ledger.journal is not None
    slow = _SlowCommits(ledger.journal)
    errors: list[BaseException] = []
    day = dt.date(2009, 1, 5)

    def producer(n: int) -> None:
        for k in range(5):
            try:
                if n == 3 and k == 2:
                    ledger.record(entered("bad", day, "nobody"), recorded_at=day)
                else:
                    ledger.record(entered(f"r{n}-{k}", day, f"p{n}"), recorded_at=day)
            except EventRejected as error:
                errors.append(error)

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1 and "nobody" in str(errors[0])
    assert len(ledger) == 39
    assert slow.commits < 39, "no commit carried more than one call"
    ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    assert len(reopened) == 39
    for n in range(8):
        records = sorted(e.event.record for e in reopened.history(f"p{n}"))
        expected = sorted(f"r{n}-{k}" for k in range(5) if (n, k) != (3, 2))
        assert records == expected
    reopened.close()


def test_bulk_load_keeps_unusual_ids_and_loads_twice_as_one_by_one(
    journal_factory: JournalFactory,
) -> None:
    """The chunk-at-a-time paths (plain subjects written by ``str.format``, events kept by
    passes over whole chunks) against what they must equal: ids needing JSON escapes, a
    subject with more than an id and a kind, event ids, and a second load adding events to
    subjects of the first."""
    odd = ['q"uote', "back\\slash", "张三", "tab\tid", "p0"]
    subjects: list[dict[str, Any]] = [{"id": sid, "kind": "insured_person"} for sid in odd]
    subjects.append({"id": "named", "kind": "insured_person", "name": "李四"})
    first = [(START, entered(f"r{n}", START, sid)) for n, sid in enumerate(odd)]
    later = START + dt.timedelta(days=3)
    second: list[Any] = [(later, entered("s1", later, 'q"uote'), "id-1")]
    second += [(later, entered("s2", later, "named"))]
    one_by_one = Ledger(LIANYUNGANG)
    for subject in subjects:
        one_by_one.add_subject(subject)
    for recorded_at, event, *ids in [*first, *second]:
        one_by_one.record(event, recorded_at=recorded_at, event_id=ids[0] if ids else None)
    loaded = Ledger.open(journal_factory(), LIANYUNGANG)
    assert loaded.bulk_load(subjects, first, freeze=False) == len(first)
    assert loaded.bulk_load([], second, freeze=False) == len(first) + 2
    for ledger in (loaded, Ledger.open(journal_factory(), LIANYUNGANG)):
        assert ledger.subject_ids() == one_by_one.subject_ids()
        for sid in [*odd, "named"]:
            assert ledger.subject(sid) == one_by_one.subject(sid)
            assert ledger.history(sid) == one_by_one.history(sid)
            assert ledger.status(sid, later) == one_by_one.status(sid, later)
        ledger.close()
    reopened = Ledger.open(journal_factory(), LIANYUNGANG)
    with pytest.raises(EventRejected, match="id-1"):
        reopened.bulk_load([], [(later, entered("s3", later, "p0"), "id-1")], freeze=False)
    reopened.close()


def test_bulk_load_refuses_an_event_out_of_order_in_a_later_chunk() -> None:
    ledger = Ledger(LIANYUNGANG)
    count = bulk._CHUNK + 5
    events = list(feed(count, 1))
    events[-2], events[-1] = events[-1], events[-2]
    events[-2] = (events[-2][0] + dt.timedelta(days=1), events[-2][1])
    with pytest.raises(LedgerClockError):
        ledger.bulk_load(people(20_000), events, freeze=False)
    assert len(ledger) == 0 and ledger.subject_ids() == ()
    with pytest.raises(
        SubjectRejected, match=r"subjects\[20000\]\.id\] subject 'p3' is given twice"
    ):
        ledger.bulk_load([*people(20_000), {"id": "p3", "kind": "insured_person"}], [])
    assert ledger.subject_ids() == ()
