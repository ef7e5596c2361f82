"""``credit-rules schema``: JSON Schemas for editors, and the bundled files that point at them.

Every bundled ruleset and scenario file starts with a ``yaml-language-server`` line naming the
committed schema in ``schemas/``, validates against it, and the committed schemas are exactly
what the generator writes now.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from credit_rules.cli.main import main
from credit_rules.schemas import RULESET_SCHEMA, SCENARIO_SCHEMA, schema_texts
from credit_rules.yaml_source import read_yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
RULESET_FILES = sorted((ROOT / "rulesets").glob("*.yaml"))
SCENARIO_FILES = sorted((ROOT / "rulesets").glob("*/scenarios/*.yaml"))
REGENERATE = "credit-rules schema -o schemas"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def plain(value: Any) -> Any:
    """YAML as an editor's language server sees it: dates are strings (YAML 1.2)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(name: str, text: str) -> list[str]:
    document, _ = read_yaml(text)
    return [e.message for e in validator(name).iter_errors(plain(document))]


def test_committed_schemas_are_up_to_date() -> None:
    for name, text in schema_texts().items():
        committed = SCHEMAS / name
        assert committed.exists(), f"{committed} is missing; run: {REGENERATE}"
        assert committed.read_text(encoding="utf-8") == text, (
            f"{committed} is out of date with the models; run: {REGENERATE}"
        )


def test_the_command_writes_valid_draft_2020_12_schemas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "schema", "-o", str(tmp_path / "out"))
    assert code == 0, err
    for name in (RULESET_SCHEMA, SCENARIO_SCHEMA):
        schema = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert name in out


@pytest.mark.parametrize("path", RULESET_FILES, ids=[p.name for p in RULESET_FILES])
def test_every_bundled_ruleset_validates_against_the_exported_schema(path: Path) -> None:
    assert errors(RULESET_SCHEMA, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_every_bundled_scenario_validates_against_the_exported_schema(path: Path) -> None:
    assert errors(SCENARIO_SCHEMA, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "path", RULESET_FILES + SCENARIO_FILES, ids=[p.name for p in RULESET_FILES + SCENARIO_FILES]
)
def test_every_bundled_file_names_its_schema_on_the_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    name = SCENARIO_SCHEMA if path in SCENARIO_FILES else RULESET_SCHEMA
    assert first.startswith(prefix), (
        f"{path} must start with '{prefix}<relative path to schemas/{name}>' so that editors "
        "check it"
    )
    target = (path.parent / first[len(prefix) :]).resolve()
    assert target == (SCHEMAS / name).resolve(), f"{path} points at {target}"


# -- the schemas reject what the loaders reject ------------------------------------------------

SCENARIO = """\
ruleset: lianyungang-2007
as_of: 2009-06-01
subjects:
  - {id: p2, kind: insured_person}
events:
  - type: dishonesty_entered
    subject: p2
    record: r1
    category: lend_certificate
    date: 2008-03-10
"""


def test_a_valid_scenario_passes() -> None:
    assert errors(SCENARIO_SCHEMA, SCENARIO) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("category: lend_certificate", "categroy: lend_certificate"),
        ("category: lend_certificate", "category: lending"),
        ("date: 2008-03-10", "date: tomorrow"),
        ("type: dishonesty_entered", "type: evaluation_published"),
        ("kind: insured_person", "kind: insured_persn"),
        ("as_of:", "as-of:"),
    ],
)
def test_a_misspelt_or_foreign_scenario_field_fails(old: str, new: str) -> None:
    assert SCENARIO.count(old) == 1
    assert errors(SCENARIO_SCHEMA, SCENARIO.replace(old, new)), new


def test_a_scenario_naming_a_ruleset_file_may_use_any_vocabulary() -> None:
    events = SCENARIO.index("events:\n")
    text = SCENARIO[:events].replace("ruleset: lianyungang-2007", "ruleset: ../mine.yaml") + (
        "events:\n  - {type: evaluation_published, subject: p2, evaluation: e1, year: 2024, "
        "score: 80, date: 2024-09-01}\n"
    )
    assert errors(SCENARIO_SCHEMA, text) == []


def test_a_ruleset_with_an_unknown_key_fails() -> None:
    path = ROOT / "rulesets" / "lianyungang-2007.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'version: "1.0.0"', 'version: "1.0.0"\ncolour: blue'
    )
    assert any("colour" in message for message in errors(RULESET_SCHEMA, text))


def test_a_layer_needs_only_what_it_changes() -> None:
    layer = (
        "id: lianyungang-2007-3y\nextends: lianyungang-2007\nparameters:\n"
        "  - id: record_validity\n    type: period\n    value: 3 years\n"
        "    cites: [{article: 14}]\n    description: {zh: 有效期, en: Validity}\n"
    )
    assert errors(RULESET_SCHEMA, layer) == []
    assert errors(RULESET_SCHEMA, layer.replace("extends: lianyungang-2007\n", ""))


def test_output_that_is_a_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schemas"
    target.write_text("", encoding="utf-8")
    code, _, err = run(capsys, "schema", "-o", str(target))
    assert code == 2
    assert err.strip() and "Traceback" not in err and "\n\n" not in err.strip()
    assert str(target) in err


# -- errors an editor shows: at the bad key, not "valid under none of the given schemas" -------

SCENARIO_HEAD = (
    "ruleset: lianyungang-2007\nas_of: 2009-06-01\nsubjects:\n  - {id: p2, kind: insured_person}\n"
)
EVENT = (
    "{type: dishonesty_entered, subject: p2, record: r1, category: lend_certificate, "
    "date: 2008-03-10}"
)


def best_error(name: str, text: str) -> jsonschema.ValidationError:
    document, _ = read_yaml(text)
    error = jsonschema.exceptions.best_match(validator(name).iter_errors(plain(document)))
    assert error is not None, "the broken file validates"
    return error


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        (
            SCENARIO_HEAD
            + "events:\n  - "
            + EVENT.replace("dishonesty_entered", "dishonesty_enterd"),
            ["events", 0, "type"],
            ["dishonesty_enterd", "dishonesty_entered"],
        ),
        (
            SCENARIO_HEAD + "events:\n  - " + EVENT.replace("date:", "dat:"),
            ["events", 0],
            ["dat"],
        ),
        (
            SCENARIO_HEAD + "events:\n  - " + EVENT.replace("lend_certificate", "lend_card"),
            ["events", 0, "category"],
            ["lend_card"],
        ),
        (
            SCENARIO_HEAD.replace("insured_person", "insured_persn") + "events: []\n",
            ["subjects", 0, "kind"],
            ["insured_persn"],
        ),
        (
            SCENARIO_HEAD + "expect:\n  decisions:\n    - {subject: p2, outcom: x}\n",
            ["expect", "decisions", 0],
            ["outcom"],
        ),
    ],
    ids=["event-type", "event-field", "event-value", "subject-kind", "expect-key"],
)
def test_a_broken_scenario_is_reported_at_the_bad_key(
    text: str, path: list[Any], words: list[str]
) -> None:
    error = best_error(SCENARIO_SCHEMA, text)
    assert list(error.absolute_path) == path, (list(error.absolute_path), error.message)
    for word in words:
        assert word in error.message, error.message
    assert "any of the given schemas" not in error.message


def test_a_broken_ruleset_is_reported_at_the_bad_key() -> None:
    source = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
    error = best_error(
        RULESET_SCHEMA, source.replace("  - id: record_validity", "  - idd: record_validity", 1)
    )
    assert list(error.absolute_path)[:1] == ["parameters"], error.message
    assert "idd" in error.message or "id" in error.message


def test_definitions_have_readable_names() -> None:
    for name in (RULESET_SCHEMA, SCENARIO_SCHEMA):
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        for definition in schema.get("$defs", {}):
            assert "__" not in definition and "credit_rules" not in definition, definition
        assert '"discriminator"' not in (SCHEMAS / name).read_text(encoding="utf-8")


def test_the_schemas_ship_in_the_package() -> None:
    from importlib import resources

    shipped = resources.files("credit_rules._schemas")
    for name in (RULESET_SCHEMA, SCENARIO_SCHEMA, "cli-output.schema.json"):
        assert json.loads((shipped / name).read_text(encoding="utf-8"))["$schema"]
