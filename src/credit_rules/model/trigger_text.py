"""The words of a trigger's reason and the JSON text of a trigger, in one place for every writer.

The Python writers (:class:`credit_rules.model.results.Reason` and the JSON document) call
:func:`worded` and :func:`json_texts` with a trigger's parts. A backend that holds a
population's triggers in columns writes their texts for all of them at once instead, and
must not word them a second time: :func:`templates` gives it these same functions' output
with each part left as a numbered hole, from which it builds its column expressions. A
change of wording here changes both, and tests hold the two equal byte for byte.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, NamedTuple

from credit_rules.i18n import date_text
from credit_rules.model import json_text

#: The parts of a trigger's texts, in the order the templates number them.
PARTS: Final = ("kind", "named", "key", "day", "day_zh", "seq")


def dated(day: dt.date) -> tuple[str, str]:
    """A trigger's day as its reason writes it: ISO text, and Chinese (2008年3月10日)."""
    return day.isoformat(), date_text(day, "zh")


def labelled(named: str, key: str | None) -> str:
    """An event named with the id it names, if any (``dishonesty_entered r1``)."""
    return named if key is None else f"{named} {key}"


def worded(kind: str, named: str, key: str | None, day: str, day_zh: str) -> tuple[str, str, str]:
    """The one place the trigger's reason is worded: its value, English and Chinese, from
    the event's type (``kind``), its Chinese name (``named``), the id it names (``key``)
    and its day as ISO and Chinese text. The value and the English name the event by its
    id, which services and scenarios use; the Chinese by the ruleset's words for it
    (触发事件：2008年3月10日 失信信息录入 r1). The JSON writer gives the parts escaped."""
    what, said = labelled(kind, key), labelled(named, key)
    return (
        f"{what} on {day}",
        f"Triggered by {what} on {day}",
        f"触发事件：{day_zh} {said}",
    )


def json_texts(
    kind: str,
    named: str,
    key: str | None,
    keyed: str,
    day: str,
    day_zh: str,
    seq: str | None,
) -> tuple[str, str]:
    """The trigger's JSON (in the order of ``Trigger.dump``) and its reason's, from its
    parts written as JSON: ``kind``, ``named``, ``key`` and ``day_zh`` escaped (as inside a
    string), ``keyed`` the key as a JSON value (``null`` or the quoted key), ``seq`` the
    number's text or None (then left out, as the dump leaves it)."""
    written = (
        f'{{"type":"{kind}","key":{keyed},"date":"{day}"}}'
        if seq is None
        else f'{{"type":"{kind}","key":{keyed},"date":"{day}","seq":{seq}}}'
    )
    value, en, zh = worded(kind, named, key, day, day_zh)
    return written, f'{{"name":"trigger","value":"{value}","en":"{en}","zh":"{zh}"}}'


class Templates(NamedTuple):
    """The trigger's JSON and its reason's, for one shape of trigger (with or without a key
    and a sequence number)."""

    written: json_text.Template
    reason: json_text.Template


def templates(*, keyed: bool, numbered: bool) -> Templates:
    """:func:`json_texts` for a trigger with a key or without (``keyed``) and with a
    sequence number or without (``numbered``), each part (:data:`PARTS`) a hole."""
    kind, named, key, day, day_zh, seq = json_text.holes(len(PARTS))
    written, reason = json_texts(
        kind,
        named,
        key if keyed else None,
        f'"{key}"' if keyed else "null",
        day,
        day_zh,
        seq if numbered else None,
    )
    return Templates(json_text.template(written), json_text.template(reason))
