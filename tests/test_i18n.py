"""The language of output: chosen from the environment by an explicit function, and values in
Chinese reasons written as Chinese documents write them (否/是, 1年, 0日, 2009年5月20日)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from credit_rules import Engine, load_scenario
from credit_rules.i18n import (
    EventPlace,
    Message,
    date_text,
    language_from_environment,
    period_text,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (
    ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_TW:en", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LC_MESSAGES": "zh_CN"}, "zh"),
    ],
)
def test_the_language_comes_from_the_first_locale_variable_set(
    environ: dict[str, str], lang: str
) -> None:
    assert language_from_environment(environ) == lang


def test_values_are_written_in_the_language() -> None:
    assert date_text(dt.date(2009, 5, 20), "zh") == "2009年5月20日"
    assert date_text(dt.date(2009, 5, 20), "en") == "2009-05-20"
    assert period_text(1, "years", "zh") == "1年"
    assert period_text(0, "days", "zh") == "0日"
    assert period_text(1, "years", "en") == "1 year"


def test_chinese_reasons_carry_no_english_values() -> None:
    scenario = load_scenario(EXAMPLE)
    evaluation = Engine(scenario.ruleset).evaluate(
        scenario.subjects, scenario.events, as_of=scenario.as_of
    )
    zh = [reason.zh for decision in evaluation.decisions for reason in decision.because]
    en = [reason.en for decision in evaluation.decisions for reason in decision.because]
    joined = "\n".join(zh)
    assert "0日" in joined and "1年" in joined and "否" in joined
    assert "2009年5月20日" in joined
    for text in zh:
        value = text.rpartition("：")[2]
        assert not re.search(r"\b(yes|no|none|days?|years?|months?)\b", value), text
        assert not re.search(r"\d{4}-\d\d-\d\d", text), text
    assert any(text.endswith(": 1 year") for text in en)


def test_a_text_given_in_both_languages_renders_in_each() -> None:
    """A reason the engine gave (in a ruleset's own words) inside a message of this library."""
    import pickle

    reason = Message.bilingual("Records that set the measure: 2", "据以确定措施的失信记录数：2")
    line = Message("rule {rule}: {reason}", rule="r1", reason=reason) + " [record_count]"
    assert line == "rule r1: Records that set the measure: 2 [record_count]"
    assert line.render("en") == str(line)
    assert reason.render("zh") == "据以确定措施的失信记录数：2"
    assert pickle.loads(pickle.dumps(line)).render("zh") == line.render("zh")
    assert reason.map_values(lambda text: text[:7]).render("zh") == "据以确定措施的"


# -- the catalogues -----------------------------------------------------------------------------

LOCALE = ROOT / "src" / "credit_rules" / "locale"
PO = LOCALE / "zh" / "LC_MESSAGES" / "credit_rules.po"


def _source_messages() -> set[str]:
    extract = pytest.importorskip("babel.messages.extract")
    found = set()
    for _file, _line, message, _comments, _context in extract.extract_from_dir(
        str(ROOT / "src" / "credit_rules"),
        method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None, "Message": None},
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def _catalogue() -> dict[str, str]:
    pofile = pytest.importorskip("babel.messages.pofile")
    with PO.open("rb") as stream:
        catalogue = pofile.read_po(stream, locale="zh")
    return {str(m.id): str(m.string) for m in catalogue if m.id}


def test_an_event_place_is_renamed_without_losing_the_translation() -> None:
    """A message names events by place (``events[3]``) as parameters; a caller that names them
    otherwise renames them, nested messages included, and both languages keep the template."""
    inner = Message(
        "record {key!r} of subject {subject!r} is entered twice (first at {first})",
        key="r1",
        subject="p1",
        first=EventPlace(3),
    )
    assert str(inner).endswith("(first at events[3])")
    outer = Message(
        "{index} is {same} again: the same record entered twice; list each event once",
        index=EventPlace(1),
        same=EventPlace(0),
    )
    renamed = (inner + "; " + outer).with_places(lambda index: f"seq {index + 1}")
    assert str(renamed) == (
        "record 'r1' of subject 'p1' is entered twice (first at seq 4); "
        "seq 2 is seq 1 again: the same record entered twice; list each event once"
    )
    assert renamed.render("zh") == (
        "主体 'p1' 的记录 'r1' 录入了两次（第一次在 seq 4）; "
        "seq 2 与 seq 1 相同：同一记录录入了两次；每个事件只列一次"
    )


def test_every_message_has_both_languages() -> None:
    """English is each message itself; Chinese must be in the catalogue for every one the
    source uses (run tools/update_catalogue.py, then translate what is new)."""
    messages, catalogue = _source_messages(), _catalogue()
    assert len(messages) > 100
    missing = sorted(messages - catalogue.keys())
    assert not missing, f"not in the zh catalogue: {missing}"
    untranslated = sorted(m for m in messages if not catalogue[m].strip())
    assert not untranslated, f"no Chinese yet: {untranslated}"
    for message in messages:
        assert set(re.findall(r"{(\w+)", message)) == set(
            re.findall(r"{(\w+)", catalogue[message])
        ), f"the placeholders differ: {message!r} / {catalogue[message]!r}"


def test_the_shipped_mo_file_is_compiled_from_the_po_file() -> None:
    import gettext

    with (PO.with_suffix(".mo")).open("rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    for message, chinese in _catalogue().items():
        assert compiled.gettext(message) == chinese, message


def test_the_wheel_ships_the_compiled_catalogue() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in pyproject


def test_every_event_type_is_named_in_both_languages() -> None:
    """Pictures and tables call an event by its class's ``shown_as``; a new event type without
    one would be drawn by its bare id, and one the catalogue lacks would stay English."""
    from credit_rules.i18n import translator
    from credit_rules.model.vocabularies import event_classes, vocabularies

    chinese = translator("zh")
    for vocabulary in vocabularies():
        for name, cls in event_classes(vocabulary).items():
            assert cls.shown_as, f"{vocabulary} {name} has no shown_as"
            assert chinese(cls.shown_as) != cls.shown_as, f"{cls.shown_as!r} is not translated"
