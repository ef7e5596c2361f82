"""A text compared with a field whose values are a closed list must be one of them.

The condition language checks names and types when a ruleset loads, so that a typo is never
a condition that is silently false. Texts compared with enumerated fields were not checked:
``event.action == 'deleted'`` (the value is ``removed``), a register's ``removed_by:
{action: deleted}``, ``subject_kind == 'pharma_suplier'``. Each loaded, passed
``validate --strict``, and then never held: a record never removed, a measure never taken.
Each is now refused with its place and the values the field can hold. The cases are made
from the bundled rulesets themselves: every such comparison in them, with its text misspelt.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from credit_rules import loads_ruleset
from credit_rules.errors import RulesetError

RULESETS = Path(__file__).resolve().parents[1] / "rulesets"
SOURCES = {
    name: (RULESETS / f"{name}.yaml").read_text(encoding="utf-8")
    for name in ("lianyungang-2007", "ganzhou-2023")
}
COMPARED = re.compile(r"\b(?:(?:event|trigger|record)\.\w+|subject_kind) [!=]= '(\w+)'")


def _misspelt() -> list[tuple[str, str, str, str]]:
    cases = []
    for name, text in SOURCES.items():
        for found in dict.fromkeys(m.group(0) for m in COMPARED.finditer(text)):
            value = COMPARED.fullmatch(found)
            assert value is not None
            cases.append((name, found, found.replace(value.group(1), value.group(1) + "x"), ""))
    cases.append(("lianyungang-2007", "action: removed}", "action: deleted}", "removed_by.action"))
    return cases


CASES = _misspelt()


def test_the_bundled_rulesets_hold_such_comparisons() -> None:
    assert {name for name, *_ in CASES} == set(SOURCES)
    assert len(CASES) >= 5


@pytest.mark.parametrize(("name", "given", "misspelt", "field"), CASES)
def test_a_text_the_field_can_never_hold_is_refused_where_it_is(
    name: str, given: str, misspelt: str, field: str
) -> None:
    text = SOURCES[name]
    loads_ruleset(text)  # as bundled, it loads
    edited = text.replace(given, misspelt, 1)
    assert edited != text
    line = text[: text.index(given)].count("\n") + 1
    with pytest.raises(RulesetError) as caught:
        loads_ruleset(edited, source=f"{name}.yaml")
    message = str(caught.value)
    assert f"{name}.yaml:{line}:" in message
    assert "is never a value of" in message and field in message
    assert "不是" in caught.value.render("zh")


def test_a_text_it_can_hold_still_loads() -> None:
    text = SOURCES["ganzhou-2023"]
    found = next(COMPARED.finditer(text)).group(0)
    value = COMPARED.fullmatch(found)
    assert value is not None
    negated = found.replace("==", "!=") if "==" in found else found.replace("!=", "==")
    assert loads_ruleset(text.replace(found, negated, 1)).rules
