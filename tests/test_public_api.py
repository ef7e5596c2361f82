"""The public API is ``credit_rules.__all__``, and it changes only on purpose.

A name added to or removed from the top level is a change every service sees, so the list is
pinned here: changing it means changing this test and writing a CHANGELOG line. Names that left
the top level stay importable from the subpackage the CHANGELOG names, and asking the top level
for one says where it went.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import credit_rules
import credit_rules.explain

PUBLIC = [
    "BackendUnavailable",
    "CalendarNotPublished",
    "Citation",
    "CreditRulesError",
    "Deadline",
    "Decision",
    "Duty",
    "Engine",
    "Evaluation",
    "Event",
    "EventRejected",
    "HistoryError",
    "InputError",
    "Ledger",
    "LedgerError",
    "LimitExceeded",
    "Limits",
    "NoRulesetInForce",
    "NotInForce",
    "Problem",
    "Provenance",
    "Reason",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "Scenario",
    "ScenarioError",
    "Subject",
    "SubjectRejected",
    "Trigger",
    "bundled",
    "bundled_ids",
    "load_ruleset",
    "load_scenario",
    "loads_ruleset",
    "parse_events",
    "select_ruleset",
    "with_parameters",
]


def test_the_top_level_exports_exactly_the_pinned_names() -> None:
    assert sorted(credit_rules.__all__) == PUBLIC
    assert credit_rules.__all__ == sorted(credit_rules.__all__), "keep __all__ sorted"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves_and_is_listed_by_dir(name: str) -> None:
    assert getattr(credit_rules, name) is not None
    assert name in dir(credit_rules)


def test_a_lazily_imported_name_is_the_object_its_module_defines() -> None:
    from credit_rules.engine.engine import Engine
    from credit_rules.ruleset.shipped import bundled

    assert credit_rules.Engine is Engine
    assert credit_rules.bundled is bundled


@pytest.mark.parametrize("name", sorted(credit_rules._MOVED))
def test_a_name_that_left_the_top_level_lives_where_the_changelog_says(name: str) -> None:
    home = credit_rules._MOVED[name]
    assert name not in credit_rules.__all__
    assert getattr(importlib.import_module(home), name) is not None
    with pytest.raises(AttributeError, match=f"from {home} import {name}"):
        getattr(credit_rules, name)


def test_an_unknown_name_is_an_ordinary_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        credit_rules.no_such_name  # noqa: B018


def test_the_explain_subpackage_exports_its_entry_points() -> None:
    from credit_rules.explain.text import render_text
    from credit_rules.explain.whynot import explain

    assert credit_rules.explain.__all__ == sorted(credit_rules.explain.__all__)
    assert credit_rules.explain.explain is explain
    assert credit_rules.explain.render_text is render_text
    for name in credit_rules.explain.__all__:
        assert getattr(credit_rules.explain, name) is not None


def test_a_service_that_evaluates_imports_no_test_framework_and_no_terminal_toolkit() -> None:
    # A fresh interpreter: this one has imported hypothesis and rich through the test suite.
    code = (
        "import credit_rules, datetime, sys\n"
        "engine = credit_rules.Engine(credit_rules.bundled('lianyungang-2007'))\n"
        "engine.evaluate([{'id': 'p1', 'kind': 'insured_person'}], [], "
        "as_of=datetime.date(2008, 3, 10))\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules}\n"
        "                & {'hypothesis', 'rich', 'polars', 'pyarrow', 'dask'})\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_import_credit_rules_loads_neither() -> None:
    code = (
        "import credit_rules, sys; "
        "assert 'hypothesis' not in sys.modules and 'rich' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
