"""Credit subjects: the persons and units a ruleset's measures apply to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from credit_rules.model._base import Frozen


class Subject(Frozen):
    """Any credit subject. ``kind`` must be one the ruleset declares (for Ganzhou, Art 2)."""

    id: str = Field(min_length=1)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str | None = None


class InsuredPerson(Subject):
    """An insured resident (Lianyungang Art 3; Ganzhou Art 2 参保人员)."""

    kind: Literal["insured_person"] = "insured_person"


SUBJECT_CLASSES: dict[str, type[Subject]] = {"insured_person": InsuredPerson}
