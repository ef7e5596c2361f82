"""The outbox's rows: a notification's JSON is the text the journal has always held, so a
consumer reading the outbox table sees one format, whichever version wrote a row."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from credit_rules.ledger.outbox import Notification

_TEXT = st.text(max_size=12)
_OPTIONAL_TEXT = st.none() | _TEXT


def _as_json_dumps_wrote(note: Notification) -> str:
    """The row as the outbox wrote it before: the fields, sorted, by ``json.dumps``."""
    data: dict[str, Any] = {name: getattr(note, name) for name in note.__slots__}
    data["day"] = note.day.isoformat()
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@given(
    kind=st.sampled_from(("gained", "lost", "due", "overdue")),
    subject=_TEXT,
    day=st.dates(),
    name=_TEXT,
    trigger=st.none() | st.tuples(_TEXT, _OPTIONAL_TEXT),
    seq=st.integers(min_value=0, max_value=2**63 - 1),
    trigger_seq=st.none() | st.integers(min_value=0, max_value=2**63 - 1),
)
def test_a_notification_row_is_byte_for_byte_what_earlier_journals_hold(
    kind: Any,
    subject: str,
    day: dt.date,
    name: str,
    trigger: tuple[str, str | None] | None,
    seq: int,
    trigger_seq: int | None,
) -> None:
    note = Notification.make(kind, subject, day, name, trigger, seq, trigger_seq)
    row = note.to_json()
    assert row == _as_json_dumps_wrote(note)
    assert Notification.from_json(row) == note


def test_quotes_backslashes_and_text_beyond_ascii_are_escaped_as_json_does() -> None:
    note = Notification.make(
        "due", 'p"1\\连云港\n𝄞', dt.date(2008, 3, 10), "notify", ("objection_filed", None), 3
    )
    assert note.to_json() == _as_json_dumps_wrote(note)
    assert '"trigger_key": null' in note.to_json()
