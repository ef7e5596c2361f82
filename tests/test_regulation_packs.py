"""Regulation packs (docs/decisions/0014): everything the Python code knows about one regulation
sits in its own modules, registered once per layer, and the engine names none of it.

The scans read the source with :mod:`ast`, like tests/test_layers.py, so a string that spells an
event type or a regulation's field outside its pack is found wherever it hides.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal, get_args

import pytest
from pydantic import Field

from credit_rules import Ledger, bundled
from credit_rules.explain.regulations import PACKS as EXPLAIN_PACKS
from credit_rules.ledger.regulations import PACKS as LEDGER_PACKS
from credit_rules.ledger.regulations import discharges_for
from credit_rules.model import ganzhou, lianyungang
from credit_rules.model._base import Event
from credit_rules.model.pack import RegulationPack, register
from credit_rules.model.subjects import Subject
from credit_rules.model.vocabularies import PACKS, field_of, vocabularies
from credit_rules.periods import Unit
from credit_rules.ruleset import ir
from credit_rules.testing.histories import ganzhou_history, lianyungang_history, long_history
from credit_rules.testing.regulations import PACKS as TESTING_PACKS

SOURCE = Path(__file__).resolve().parents[1] / "src" / "credit_rules"

#: Words of the ruleset language itself that a regulation happens to use as a field name too: the
#: expression scopes (``record``), built-in names, period units (``working_days``) and what every
#: subject has (``kind``). Spelling these is speaking the language, not naming a regulation.
LANGUAGE = frozenset({*ir.SCOPE_NAMES, *ir.BUILTINS, *get_args(Unit), *Subject.model_fields})

#: Regulation words still spelt in the engine files the lead is rewriting, each with where. An
#: entry that no longer matches fails ``test_every_pending_engine_word_is_still_there``.
PENDING: frozenset[tuple[str, str]] = frozenset()


def regulation_words() -> frozenset[str]:
    return frozenset().union(*(pack.words() for pack in PACKS.values())) - LANGUAGE


def event_types() -> frozenset[str]:
    return frozenset().union(*(pack.event_classes() for pack in PACKS.values()))


def literals(path: Path, words: Iterable[str]) -> list[tuple[int, str]]:
    """Every string constant in a module that is one of ``words``, with its line."""
    wanted = frozenset(words)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in wanted
    )


def in_a_pack(path: Path) -> bool:
    relative = path.relative_to(SOURCE)
    return "regulations" in relative.parts or relative.as_posix() in {
        "model/lianyungang.py",
        "model/ganzhou.py",
    }


# -- the engine names no regulation -------------------------------------------------------------


def test_the_engine_names_no_event_type_or_regulation_field() -> None:
    found = {
        (path.relative_to(SOURCE).as_posix(), word): line
        for path in sorted((SOURCE / "engine").rglob("*.py"))
        for line, word in literals(path, regulation_words())
    }
    unexpected = sorted(
        f"{where}:{line} spells {word!r}"
        for (where, word), line in found.items()
        if (where, word) not in PENDING
    )
    assert not unexpected, "read these through the regulation packs:\n" + "\n".join(unexpected)


def test_every_pending_engine_word_is_still_there() -> None:
    stale = [
        (where, word)
        for where, word in sorted(PENDING)
        if word not in {w for _, w in literals(SOURCE / where, regulation_words())}
    ]
    assert not stale, f"remove from PENDING, the engine no longer spells them: {stale}"


def test_no_module_outside_the_packs_names_an_event_type() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{line} spells {word!r}"
        for path in sorted(SOURCE.rglob("*.py"))
        if not in_a_pack(path)
        for line, word in literals(path, event_types())
    ]
    assert not found, "move these into the regulation's modules:\n" + "\n".join(found)


def test_the_scan_finds_a_regulation_field_and_ignores_the_language(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        textwrap.dedent(
            """
            def f(event, env):
                env["record"] = event  # the expression scope: the language's word
                unit = "working_days"  # a period unit
                return event.__dict__.get("decided_on"), "objection_decided"
            """
        ),
        encoding="utf-8",
    )
    assert literals(module, regulation_words()) == [(5, "decided_on"), (5, "objection_decided")]


# -- one registry per layer, all on the same ids ------------------------------------------------


@pytest.mark.parametrize(
    "layer", [LEDGER_PACKS, EXPLAIN_PACKS, TESTING_PACKS], ids=["ledger", "explain", "testing"]
)
def test_every_layer_registers_every_regulation_once(layer: object) -> None:
    assert isinstance(layer, MappingProxyType)
    assert tuple(sorted(layer)) == vocabularies() == ("ganzhou-2023", "lianyungang-2007")
    assert all(pack.vocabulary == vocabulary for vocabulary, pack in layer.items())


def test_a_vocabulary_is_registered_once_and_only_if_the_model_knows_it() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register("model", (lianyungang.PACK, lianyungang.PACK))
    with pytest.raises(ValueError, match="no regulation pack for the vocabulary 'shenzhen-2030'"):
        register(
            "ledger",
            (RegulationPack("shenzhen-2030", lianyungang.LianyungangEvent),),
            vocabularies(),
        )


class _Misnamed(Event):
    """An event whose class names a key field it does not have."""

    key_field = "evaluation"

    type: Literal["misnamed"] = "misnamed"
    record: str


def test_a_pack_refuses_a_field_its_events_do_not_have() -> None:
    union = Annotated[_Misnamed | lianyungang.QueryRequested, Field(discriminator="type")]
    with pytest.raises(ValueError, match=r"_Misnamed\.key_field names 'evaluation'"):
        RegulationPack("toy", union)


def test_an_event_finds_its_fields_through_its_pack() -> None:
    corrected = lianyungang.RecordCorrected(
        subject="p1", record="r1", action="removed", date="2009-06-01"
    )
    assert field_of(corrected, "decision_day_fields") == "decided_on"
    assert field_of(corrected, "key_fields") == "record"
    assert field_of(corrected, "severity_fields") is None
    determined = ganzhou.DishonestyDetermined(
        subject="m1", record="d1", category="false_billing", date="2025-03-03"
    )
    assert field_of(determined, "severity_fields") == "severity"
    assert field_of(determined, "category_fields") == "category"
    # Two regulations' objection_filed are two classes, each with its own key.
    gz_objection = ganzhou.ObjectionFiled(
        subject="m1", objection="o1", ground="overdue_use", date="2025-03-03"
    )
    assert field_of(gz_objection, "key_fields") == "objection"


# -- the layers read the packs ------------------------------------------------------------------


def test_a_ledger_discharges_by_its_own_regulation() -> None:
    assert Ledger(bundled("ganzhou-2023")).discharges == discharges_for("ganzhou-2023")
    assert "repair_decision_due" in discharges_for("ganzhou-2023")
    # Lianyungang's only actions are duties, which no event shows done.
    assert Ledger(bundled("lianyungang-2007")).discharges == {}
    assert discharges_for("no-such-vocabulary") == {}


def test_a_long_history_is_drawn_through_the_registry() -> None:
    assert long_history("lianyungang-2007", 40) == lianyungang_history(40)
    assert long_history("ganzhou-2023", 40) == ganzhou_history(40)
    assert [e["type"] for e in long_history("ganzhou-2023", 3)] != [
        e["type"] for e in long_history("lianyungang-2007", 3)
    ]
