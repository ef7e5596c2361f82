"""The one model configuration every value in credit_rules shares, and the base of every event.

The event base lives here, below each regulation's module of events, so that
:mod:`credit_rules.model.vocabularies` can import every regulation and
:mod:`credit_rules.model.events` can import the registry, with no cycle.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from credit_rules._masking import mask_text
from credit_rules.errors import why_not_a_date
from credit_rules.i18n import Message
from credit_rules.limits import LAST_DAY, after_last_day

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _iso_date(value: Any) -> Any:
    """Dates only as the documented ISO form: a timestamp, an epoch number or a compact
    ``20090601`` would otherwise be read as some date (pydantic's lax mode reads an epoch of
    0 as 1970-01-01), and a date silently changed changes a legal outcome. Dates after
    :data:`~credit_rules.limits.LAST_DAY` are refused here, once, for every model."""
    if type(value) is not dt.date:
        if type(value) is not str or not _ISO.match(value):
            raise ValueError(Message("expected a date written YYYY-MM-DD"))
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            # Why, in words of the reader's language ("2023-02 has 28 days"), not Python's.
            raise ValueError(
                Message("not a real date ({error})", error=why_not_a_date(value))
            ) from None
    if value > LAST_DAY:
        raise ValueError(after_last_day(value))
    return value


#: A date field: a ``datetime.date`` or the text ``YYYY-MM-DD``, nothing else.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def holdable_text(value: object) -> bool:
    """Whether ``value`` is text that a journal, a file or a JSON document can hold: a ``str``
    with no lone surrogate (what ``json.loads`` makes of ``"\\ud800"``), which no UTF-8
    encoder accepts. The models refuse such text in every field (:class:`Frozen`); this is
    for text that reaches a journal without a model (event ids, metadata, fast paths)."""
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: The one set of fields given that every frozen model given exactly those fields shares
#: (:meth:`Frozen.model_post_init`). It grows by one entry per combination of field names
#: ever given, which the models' own fields bound, and it never changes what a model means.
_FIELDS_GIVEN: dict[frozenset[str], set[str]] = {}
#: The shared set the last frozen model of each class was given (one of _FIELDS_GIVEN's), to
#: try first; any entry is a right answer when it equals the fields given, so threads that
#: replace each other's entries change only which set is tried first.
_LAST_SHARED: dict[type, set[str]] = {}


class Frozen(BaseModel):
    """Immutable and strict about shape: an unknown field is an error, never silently dropped,
    because a misspelt field in an event would otherwise change a legal outcome unnoticed."""

    # Any length constraint makes pydantic-core read each text field as UTF-8, so a lone
    # surrogate is refused in every field, as it is where a field has a constraint of its
    # own: no journal, file or JSON document could hold it (a bare ``str`` takes it as is).
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_min_length=0,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    def model_post_init(self, context: Any, /) -> None:
        # One set of the fields given per shape, shared by every instance of that shape, in
        # place of one set per instance (216 bytes for two names, 728 for five): a bureau's
        # million subjects and half a million events would otherwise hold over half a
        # gigabyte of identical sets, each one more object for the garbage collector to
        # visit. Sharing is safe only while the model is frozen: pydantic adds to the set
        # when a field is assigned, and copies it before model_copy updates it. A subclass
        # that is not frozen keeps a set of its own.
        # The shared set is the registry's own copy, never a set a caller handed pydantic
        # (model_construct(_fields_set=...) keeps the caller's object), which the caller could
        # change afterwards. Pydantic's core validator, called directly to assign a field,
        # ignores frozen and would add to the shared set: that is not a use this supports.
        given = self.__pydantic_fields_set__
        # Most models of a class are given the same fields as the one before: compared with
        # that one's shared set first, the common case costs one lookup and one comparison
        # (a small request validates a handful of events, and this runs for each).
        last = _LAST_SHARED.get(type(self))
        if last is not None and last == given:
            object.__setattr__(self, "__pydantic_fields_set__", last)
            return
        if not self.model_config.get("frozen"):
            return
        key = frozenset(given)
        shared = _FIELDS_GIVEN.get(key)
        if shared is None:
            shared = _FIELDS_GIVEN.setdefault(key, set(key))
        _LAST_SHARED[type(self)] = shared
        object.__setattr__(self, "__pydantic_fields_set__", shared)

    @property
    def model_fields_set(self) -> set[str]:
        """The fields given, as pydantic's property gives them, but a copy: the set itself
        is shared (:meth:`model_post_init`), and a caller changing it would change it for
        every model given the same fields."""
        return set(self.__pydantic_fields_set__)

    @property
    def __fields_set__(self) -> set[str]:
        """Pydantic's deprecated name for :attr:`model_fields_set` (it still warns), a copy
        likewise."""
        return set(super().__fields_set__)

    def __repr__(self) -> str:
        # Subject ids are often identity numbers: no repr (a log line) shows one in full.
        return mask_text(super().__repr__())

    def __str__(self) -> str:
        return mask_text(super().__str__())


class Event(Frozen):
    """What every event has: the subject it concerns and the day it takes effect.

    A regulation's event class says, next to its fields, which of them play a part the code
    above must find without naming it (:class:`credit_rules.model.pack.RegulationPack` reads
    them): ``key_field`` names what the event concerns (a record, an objection: its trigger's
    key in results); ``decision_day_field`` holds the day it was decided when that may differ
    from the day it takes effect (it does not exist before it is decided); ``severity_field``
    grades it by an ordered enum; ``category_field`` classifies what it concerns.
    ``one_per_key`` says the key names this event alone: a second event of the type naming
    the same key for the same subject contradicts the first, and is refused.
    """

    key_field: ClassVar[str | None] = None
    one_per_key: ClassVar[bool] = False
    decision_day_field: ClassVar[str | None] = None
    severity_field: ClassVar[str | None] = None
    category_field: ClassVar[str | None] = None
    #: Pairs ``(field, earlier)``: the day in ``field`` may not come before the day in
    #: ``earlier``. Data, not only a validator, so that the columnar input checks the same
    #: order as a filter over two columns (:mod:`credit_rules.columnar.schema` reads it).
    not_before: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Pairs ``(field, introduced_by)``: the id in ``field`` is one that an event of type
    #: ``introduced_by`` gave, under the same field name, for the same subject, on or before
    #: this event's day (a decision decides an objection that was filed). Data, so that the
    #: front door, the columnar input and the ledger refuse the same dangling references
    #: (:attr:`credit_rules.model.pack.RegulationPack.references`).
    refers_to: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: The field holding the day by which the ids of ``refers_to`` must have been given, if
    #: not ``date``: a suspension may start before the objection it suspends is filed (an
    #: inspection already under way), but not end before it.
    refers_by: ClassVar[str] = "date"
    #: Fields that, where this event sets them, repeat what the event named by the first of
    #: ``refers_to`` says: a repair decided for one record under another record's application
    #: contradicts the application.
    agrees_with: ClassVar[tuple[str, ...]] = ()
    #: What the event type is called in pictures and tables (English, marked for the
    #: catalogue's Chinese); it lives with the type so that a new event type is named where
    #: it is defined.
    shown_as: ClassVar[str] = ""

    type: str
    subject: str = Field(min_length=1)
    date: IsoDate
