"""JSON Schemas of the two files analysts write: rulesets and scenarios, for their editors.

An editor with a YAML language server (VS Code's YAML extension, for example) reads the
``# yaml-language-server: $schema=...`` line at the top of each bundled file and then completes
keys and flags a misspelt field as the analyst types, instead of at the next
``credit-rules validate``. The schemas are generated from the same pydantic models the loaders
validate with, so they cannot disagree about shape. The loaders still check what a schema
cannot (names, citations, types of expressions); the schema is a fast first line, not the
judge.

Scenario events are checked against the event vocabulary of the ruleset the scenario names
when it names a bundled one, and against any known vocabulary when it names a file.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from credit_rules.model.subjects import SUBJECT_CLASSES
from credit_rules.model.vocabularies import event_classes, vocabularies
from credit_rules.ruleset.schema import RulesetSpec
from credit_rules.ruleset.shipped import bundled, bundled_ids

# The scenario file's model is private to credit_rules.scenario (its public face is the loaded
# Scenario); the schema is generated from it so the two cannot drift.
from credit_rules.scenario import _ScenarioSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"
RULESET_SCHEMA = "ruleset.schema.json"
SCENARIO_SCHEMA = "scenario.schema.json"


def ruleset_schema() -> dict[str, Any]:
    """The schema of a ruleset file, or of a layer that ``extends`` another ruleset."""
    schema = RulesetSpec.model_json_schema(by_alias=True)
    required = schema.pop("required", [])
    properties: dict[str, Any] = schema["properties"]
    properties["extends"] = {
        "type": "string",
        "minLength": 1,
        "title": "Extends",
        "description": "A layer: the bundled id or relative path of the ruleset this file is "
        "laid over. Entries with the same id replace the base's; the others are added.",
    }
    return {
        "$schema": DRAFT,
        "$id": RULESET_SCHEMA,
        "title": "credit_rules ruleset",
        "description": "A regulation as an executable ruleset: its articles (zh and en), "
        "parameters, registers, facts, outcomes, rules and interpretations. Checked in full "
        "by `credit-rules validate`.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        # A layer lists only what it changes, so only a whole ruleset needs every section.
        "if": {"required": ["extends"]},
        "then": {"required": ["id"]},
        "else": {"required": required},
    }


def scenario_schema() -> dict[str, Any]:
    """The schema of a scenario file, with each vocabulary's events and every subject kind."""
    parts = _vocabulary_model().model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    definitions: dict[str, Any] = dict(parts.get("$defs", {}))
    union_of = {name: prop["items"] for name, prop in parts["properties"].items()}
    for name, union in union_of.items():
        definitions[name] = union
    spec = _ScenarioSpec.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    definitions.update(spec.pop("$defs", {}))
    properties: dict[str, Any] = spec["properties"]
    properties["subjects"] = {
        **properties["subjects"],
        "items": {"$ref": "#/$defs/subject"},
    }
    vocabulary_refs = [{"$ref": f"#/$defs/{_events_def(v)}"} for v in vocabularies()]
    properties["events"] = {**properties["events"], "items": {"anyOf": vocabulary_refs}}
    properties["ruleset"] = {
        **properties["ruleset"],
        "description": "A bundled ruleset id, or the path of a ruleset file relative to this "
        "scenario.",
        "examples": list(bundled_ids()),
    }
    by_ruleset = [
        {
            "if": {"properties": {"ruleset": {"const": ruleset_id}}, "required": ["ruleset"]},
            "then": {
                "properties": {
                    "events": {
                        "items": {"$ref": f"#/$defs/{_events_def(bundled(ruleset_id).vocabulary)}"}
                    }
                }
            },
        }
        for ruleset_id in bundled_ids()
    ]
    return {
        "$schema": DRAFT,
        "$id": SCENARIO_SCHEMA,
        "title": "credit_rules scenario",
        "description": "Subjects and their events, evaluated under a ruleset as of a date; "
        "`expect` is checked by `credit-rules test`.",
        **{k: v for k, v in spec.items() if k not in ("title", "description")},
        "allOf": by_ruleset,
        "$defs": dict(sorted(definitions.items())),
    }


def _events_def(vocabulary: str) -> str:
    return f"events_{vocabulary.replace('-', '_')}"


def _vocabulary_model() -> type[BaseModel]:
    """One model holding every vocabulary's event union and the subject union, so pydantic
    names shared definitions once (and tells apart two vocabularies' ``objection_filed``)."""
    fields: dict[str, Any] = {}
    for vocabulary in vocabularies():
        union = _discriminated(tuple(event_classes(vocabulary).values()), "type")
        fields[_events_def(vocabulary)] = (list[union], ...)  # type: ignore[valid-type]
    subject = _discriminated(tuple(SUBJECT_CLASSES.values()), "kind")
    fields["subject"] = (list[subject], ...)  # type: ignore[valid-type]
    model: type[BaseModel] = create_model("_Vocabularies", **fields)
    return model


def _discriminated(options: tuple[type[BaseModel], ...], key: str) -> Any:
    """``A | B | ...`` tagged by ``key``, built at run time from a registry of classes."""
    union: Any = functools.reduce(operator.or_, options)
    # Annotated is subscripted through an Any so that the type checker sees a value built at
    # run time, not a (static) type alias it would have to resolve.
    annotated: Any = Annotated
    return annotated[union, Field(discriminator=key)]


SCHEMAS: Mapping[str, Callable[[], dict[str, Any]]] = {
    RULESET_SCHEMA: ruleset_schema,
    SCENARIO_SCHEMA: scenario_schema,
}


def schema_texts() -> dict[str, str]:
    """Each schema file's name and its exact text (stable, so the committed copies can be
    compared byte for byte)."""
    return {
        name: json.dumps(build(), ensure_ascii=False, indent=2) + "\n"
        for name, build in SCHEMAS.items()
    }
