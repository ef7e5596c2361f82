"""JSON text written straight from values, for the contract's largest documents.

An evaluation of a population holds hundreds of thousands of results. Dumping each to dicts and
lists and then encoding those allocates millions of short-lived containers, and while a
population's events sit in memory every one of them makes the garbage collector's full passes
longer: writing the JSON cost more than the evaluation itself. Strings are never tracked by the
collector, so writing the text directly from the values, with the parts that depend only on a
rule written once (see :class:`Fragments`), costs a fraction of that.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from credit_rules.i18n import Message

_T = TypeVar("_T")

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: A JSON string literal, as ``_encode`` writes one (ensure_ascii off), by the C function the
#: encoder itself calls for a string: a document of a million results writes several million
#: strings, and the encoder's method around it, or a Python function, costs more than the
#: encoding.
string: Callable[[str], str] = json.encoder.encode_basestring

#: How many rendered fragments one rule keeps; a service evaluating for years sees ever new
#: dates, so the memory is bounded and simply starts again when full.
MEMO_LIMIT = 4096
#: How many whole result tails (provenance, citations and reasons, several kilobytes each) one
#: rule keeps: a few sets of fact values cover most results, and a rule whose facts are dates
#: must not hold thousands of them.
TAIL_LIMIT = 128


class Template(NamedTuple):
    """A text as literal pieces and holes, for a writer that fills the holes column by column
    (the columnar backend's): each item is literal text, or the number of the part that goes
    there."""

    items: tuple[str | int, ...]


_HOLE = re.compile("\x00([0-9]+)\x00")


def holes(count: int) -> list[str]:
    """``count`` numbered holes to give a writing function in place of its parts; the text it
    writes, read by :func:`template`, is its template. NUL characters mark them: no text the
    library writes of its own contains one (:func:`template` checks)."""
    return [f"\x00{number}\x00" for number in range(count)]


def template(text: str) -> Template:
    """The template of a text written with :func:`holes` for its parts."""
    pieces = _HOLE.split(text)
    items: list[str | int] = []
    for at, piece in enumerate(pieces):
        if at % 2:
            items.append(int(piece))
        elif piece:
            if "\x00" in piece:
                raise ValueError(
                    Message(
                        "a text written with holes contains a NUL character: {piece}", piece=piece
                    )
                )
            items.append(piece)
    return Template(tuple(items))


def inside(text: str) -> str:
    """A JSON string literal without its quotes: what goes between them, to write inside a
    longer literal."""
    return string(text)[1:-1]


def encode(document: Any) -> str:
    """A JSON-ready value (dicts, lists, plain values) as compact UTF-8 JSON text."""
    return _encode(document)


def shape(item: Any) -> Any:
    """What, beside equality, decides the text of ``item``: its type, and inside a tuple each
    item's (``1 == True`` and ``(1,) == (True,)``, but they write ``1``, ``true``, ``[1]`` and
    ``[true]``). A memo keyed on a value keys on its shape too."""
    kind = type(item)
    if kind is tuple:
        kinds = tuple(map(type, item))
        # Asked of every result written: nested tuples (the only case that recurses) are rare.
        return (kind, kinds if tuple not in kinds else tuple(map(shape, item)))
    return kind


def value(item: Any, fallback: Callable[[Any], Any]) -> str:
    """A JSON value: plain values directly, anything else as ``fallback`` makes it JSON-ready
    (a period as its text, a tuple as a list)."""
    if item is None:
        return "null"
    if item is True:
        return "true"
    if item is False:
        return "false"
    kind = type(item)
    if kind is str:
        return string(item)
    if kind is int:
        return str(item)
    if kind is dt.date:
        return f'"{item.isoformat()}"'
    return _encode(fallback(item))


def obj(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from keys and already written values, in order."""
    return "{" + ",".join(f"{string(key)}:{text}" for key, text in pairs) + "}"


class Fragments:
    """What one rule's results write alike, written once: memoised JSON text by key.

    Held by the rule's fixed texts, so it belongs to one engine and goes with it; two engines
    never share one. Entries are pure functions of their key, so two threads writing the
    same entry at once write the same text.
    """

    __slots__ = ("_found", "_limit")

    def __init__(self, limit: int = MEMO_LIMIT) -> None:
        self._found: dict[Hashable, Any] = {}
        self._limit = limit

    def get(self, key: Hashable, write: Callable[..., _T], *args: Any) -> _T:
        """The text under ``key`` (or the pieces of text), written by ``write(*args)`` the
        first time."""
        try:
            found = self._found.get(key)
        except TypeError:  # an unhashable value: written each time
            return write(*args)
        if found is None:
            if len(self._found) >= self._limit:
                self._found = {}
            found = self._found[key] = write(*args)
        return found

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fragments, (self._limit,))
