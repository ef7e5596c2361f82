"""The one model configuration every value in credit_rules shares, and the base of every event.

The event base lives here, below each regulation's module of events, so that
:mod:`credit_rules.model.vocabularies` can import every regulation and
:mod:`credit_rules.model.events` can import the registry, with no cycle.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from credit_rules._masking import mask_text


class Frozen(BaseModel):
    """Immutable and strict about shape: an unknown field is an error, never silently dropped,
    because a misspelt field in an event would otherwise change a legal outcome unnoticed."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    def __repr__(self) -> str:
        # Subject ids are often identity numbers: no repr (a log line) shows one in full.
        return mask_text(super().__repr__())

    def __str__(self) -> str:
        return mask_text(super().__str__())


class Event(Frozen):
    """What every event has: the subject it concerns and the day it takes effect."""

    type: str
    subject: str = Field(min_length=1)
    date: dt.date
