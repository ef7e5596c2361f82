"""The one model configuration every value in credit_rules shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
