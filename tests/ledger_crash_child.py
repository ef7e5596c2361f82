"""A worker that records events into a journal until it is killed (tests/test_ledger_crash.py).

It resumes from the offset it committed with its last event (and replays that one, which must be
acknowledged and ignored), records event n with event_id ``e-n``, compacts every 7 events and
handles the outbox every 5; with ``later`` as its second argument it opens the ledger with
``settle="later"`` and settles every 3 events. It prints what it was told is durable, flushing
each line: ``ack e-n`` after ``record`` returned, ``acking ID`` before ``acknowledge`` and
``noted ID`` after it returned, and phase markers (``begin record``, ``begin settle``, ``begin
checkpoint``, ``begin outbox``) before each step, so the parent can kill it inside the step of
its choice.
"""

from __future__ import annotations

import datetime as dt
import sys

from credit_rules import Ledger, bundled
from credit_rules.ledger import SqliteJournal

SUBJECTS = 12
START = dt.date(2008, 1, 1)


def event(n: int) -> dict[str, object]:
    return {
        "type": "dishonesty_entered",
        "subject": f"p{n % SUBJECTS}",
        "record": f"r{n}",
        "category": "resell_drugs" if n % 3 else "lend_certificate",
        "date": (START + dt.timedelta(days=3 * n)).isoformat(),
    }


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(target: str, settle: str, exclusive: bool) -> None:
    journal = SqliteJournal(target, exclusive=True) if exclusive else target
    ledger = Ledger.open(journal, bundled("lianyungang-2007"), settle=settle)  # type: ignore[arg-type]
    for n in range(SUBJECTS):
        if f"p{n}" not in ledger:
            ledger.add_subject({"id": f"p{n}", "kind": "insured_person"})
    offset = int(ledger.metadata().get("offset", "-1"))
    n = max(offset, 0)
    say("ready")
    while True:
        say("begin record")
        day = START + dt.timedelta(days=3 * n)
        ledger.record(event(n), recorded_at=day, event_id=f"e-{n}", metadata={"offset": str(n)})
        say(f"ack e-{n}")
        if settle == "later" and n % 3 == 2:
            say("begin settle")
            ledger.settle()
        if n % 7 == 6:
            say("begin checkpoint")
            ledger.snapshot()
        if n % 5 == 4:
            say("begin outbox")
            pending = ledger.pending(limit=3)
            for note in pending:
                say(f"acking {note.id}")
            ledger.acknowledge([note.id for note in pending])
            for note in pending:
                say(f"noted {note.id}")
        n += 1


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2] if len(sys.argv) > 2 else "on_record",
        sys.argv[3:] == ["exclusive"],
    )
