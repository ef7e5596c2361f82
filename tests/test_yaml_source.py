"""Reading YAML with libyaml gives exactly what the pure-Python reader gives.

Rulesets are read with libyaml when PyYAML has it (for speed at import and load), and with the
pure-Python reader otherwise or when a file is broken. The data, every source position and every
error message must not depend on which reader ran.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from credit_rules import yaml_source
from credit_rules.yaml_source import YamlSyntaxError, read_yaml

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "rulesets").glob("*.yaml")) + sorted(
    (ROOT / "rulesets").glob("*/scenarios/*.yaml")
)

needs_libyaml = pytest.mark.skipif(
    not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml"
)


def read_pure(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(yaml_source, "_FastLoader", yaml_source._Loader)
        try:
            data, source_map = read_yaml(text)
        except YamlSyntaxError as error:
            return error.problem
    return data, source_map.positions


@needs_libyaml
def test_libyaml_is_the_reader_when_pyyaml_has_it() -> None:
    assert yaml_source._FastLoader is not yaml_source._Loader


@needs_libyaml
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bundled_files_read_the_same_data_and_positions_with_both_readers(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    data, source_map = read_yaml(text)
    assert (data, source_map.positions) == read_pure(text, monkeypatch)


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [
        "a: [1,\nb: 2\n",  # libyaml alone would point past the end of the file
        "a: b: c\n",
        "key: 'unterminated\n",
        "a:\n\t- 1\n",
        "&x a: *y\n",
        "a: 1\na: 2\n",
        "a: !!python/object:os.system x\n",
        "d: 2030-02-30\n",
        "on: no\nyes: off\nt: true\n",
    ],
)
def test_broken_and_surprising_documents_give_the_pure_readers_answer(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        data, source_map = read_yaml(text)
        fast: object = (data, source_map.positions)
    except YamlSyntaxError as error:
        fast = error.problem
    assert fast == read_pure(text, monkeypatch)


def test_yaml_one_one_booleans_stay_text() -> None:
    data, _ = read_yaml("on: no\nyes: off\nt: true\n")
    assert data == {"on": "no", "yes": "off", "t": True}


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("a: *nope\n", "names no anchor"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("? [a, b]\n: 1\n", "a key that is a list or a mapping"),
        ('a: "\\q"\n', "an unknown escape"),
        ("a: @b\n", "the character '@' cannot start a value"),
        ("%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "the %YAML directive is given twice"),
        ("a: {b: 1 c: 2}\n", "a mapping in { } is not closed"),
    ],
)
def test_more_of_the_parser_s_words_are_said_plainly_in_both_languages(
    text: str, plain: str
) -> None:
    """PyYAML's own words ("found undefined alias", "while scanning for the next token") used
    to reach an analyst as they were, in English under --lang zh too."""
    with pytest.raises(YamlSyntaxError) as caught:
        read_yaml(text)
    english, chinese = (
        caught.value.problem.render(None, "en"),
        caught.value.problem.render(None, "zh"),
    )
    assert plain in english
    assert "found" not in english and "while" not in english
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", chinese.split("：", 1)[1])
