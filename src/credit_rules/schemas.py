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
    # Which vocabulary applies is known only when the scenario names a bundled ruleset (the
    # ``allOf`` below); otherwise an event is checked for a known ``type`` only, so that an
    # error is never the "valid under none of these vocabularies" of an ``anyOf``.
    every_type = sorted({t for v in vocabularies() for t in event_classes(v)})
    properties["events"] = {
        **properties["events"],
        "items": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": every_type}},
        },
    }
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
    schema = {
        "$schema": DRAFT,
        "$id": SCENARIO_SCHEMA,
        "title": "credit_rules scenario",
        "description": "Subjects and their events, evaluated under a ruleset as of a date; "
        "`expect` is checked by `credit-rules test`.",
        **{k: v for k, v in spec.items() if k not in ("title", "description")},
        "allOf": by_ruleset,
        "$defs": dict(sorted(definitions.items())),
    }
    return _readable_names(_tagged_unions(_optional_sections(schema)))


def _optional_sections(node: Any) -> Any:
    """A section that may be left out (``expect``) is ``anyOf [section, null]`` in pydantic's
    schema, and an error inside it is then "not valid under any of the given schemas" at the
    section. Leaving the section out is how a file says it has none, so the schema names the
    section alone, and an error points at the key inside it."""
    if isinstance(node, list):
        return [_optional_sections(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _optional_sections(value) for key, value in node.items()}
    options = node.get("anyOf")
    if (
        isinstance(options, list)
        and len(options) == 2
        and {"type": "null"} in options
        and any(isinstance(o, dict) and set(o) == {"$ref"} for o in options)
    ):
        reference = next(o for o in options if o != {"type": "null"})
        node = {**{k: v for k, v in node.items() if k not in ("anyOf", "default")}, **reference}
    return node


def _tagged_unions(node: Any) -> Any:
    """pydantic marks a tagged union with OpenAPI's ``discriminator``, which JSON Schema
    validators ignore: a misspelt ``type`` then fails every branch of the ``oneOf`` and the
    editor says only "not valid under any of the given schemas". Here the tag is checked first
    (an ``enum`` on the key, so a typo is reported at the key with the allowed values) and then
    exactly the branch it names (``if``/``then``), so an error inside an event points at its
    own field."""
    if isinstance(node, list):
        return [_tagged_unions(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _tagged_unions(value) for key, value in node.items()}
    discriminator = node.get("discriminator")
    if not isinstance(discriminator, dict) or "oneOf" not in node:
        return node
    key, mapping = discriminator["propertyName"], discriminator["mapping"]
    rest = {k: v for k, v in node.items() if k not in ("discriminator", "oneOf")}
    return {
        **rest,
        "type": "object",
        "required": [key],
        "properties": {key: {"enum": sorted(mapping)}},
        "allOf": [
            {
                "if": {"properties": {key: {"const": tag}}, "required": [key]},
                "then": {"$ref": target},
            }
            for tag, target in sorted(mapping.items())
        ],
    }


def _readable_names(schema: dict[str, Any]) -> dict[str, Any]:
    """``credit_rules__model__ganzhou__ObjectionFiled`` becomes ``GanzhouObjectionFiled``: a
    name an analyst can read in an editor's hover, without the module path pydantic uses to
    tell two vocabularies' classes of the same name apart."""
    renamed = {
        old: "".join(part.capitalize() for part in old.split("__")[-2:-1]) + old.split("__")[-1]
        for old in schema.get("$defs", {})
        if "__" in old
    }
    if not renamed:
        return schema

    def rename(node: Any) -> Any:
        if isinstance(node, list):
            return [rename(item) for item in node]
        if isinstance(node, dict):
            return {
                renamed.get(key, key) if node is schema["$defs"] else key: rename(value)
                for key, value in node.items()
            }
        if isinstance(node, str) and node.startswith("#/$defs/"):
            name = node.removeprefix("#/$defs/")
            return f"#/$defs/{renamed.get(name, name)}"
        return node

    result: dict[str, Any] = rename(schema)
    result["$defs"] = dict(sorted(result["$defs"].items()))
    return result


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
