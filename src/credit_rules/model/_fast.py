"""Building result models from values the engine already trusts, without re-validating.

An evaluation of a large population builds hundreds of thousands of decisions and reasons.
``BaseModel.model_construct`` skips validation but still walks every field's default and alias
for every object; here that walk is done once per class. The objects are the same as
``model_construct`` makes (``tests/test_fast_construct.py`` checks it), and any class whose
fields are not all given falls back to ``model_construct``.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


@cache
def _fields(cls: type[BaseModel]) -> tuple[frozenset[str], set[str]]:
    names = frozenset(cls.model_fields)
    return names, set(names)


def construct(cls: type[M], **values: Any) -> M:
    """``cls.model_construct(**values)`` for values keyed by field name, all fields given."""
    names, fields_set = _fields(cls)
    if values.keys() != names:
        return cls.model_construct(**values)
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(fields_set))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model
