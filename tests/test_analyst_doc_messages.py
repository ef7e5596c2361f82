"""docs/analysts.md quotes what `validate` says of three common mistakes; these are the
messages it says today, made from the same edits of the bundled file."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_rules.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
DOC = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
FACT = """  - id: records_in_force
    description: {zh: 评估之日有效的失信记录数, en: Records valid on the day assessed}
    count: {of: dishonesty_records, valid_on: assessment}
    cites: [{article: 14}]
"""
CITES = "    cites: [{article: 9}, {article: 10}, {article: 11}]\n"

EDITS = {
    "full-width colon": lambda text: text.replace(
        "    cites: [{article: 9}, {article: 10}, {article: 11}, {article: 14}]",
        "    cites: [{article：9}, {article: 10}, {article: 11}, {article: 14}]",
        1,
    ),
    "quote left open": lambda text: text.replace(
        "    value: 5 years\n", '    value: "5 years\n', 1
    ),
    "facts out of order": lambda text: text.replace(FACT, "").replace(CITES, CITES + FACT),
}


@pytest.mark.parametrize("mistake", sorted(EDITS))
def test_the_guide_quotes_what_validate_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mistake: str
) -> None:
    edited = EDITS[mistake](ORIGINAL)
    assert edited != ORIGINAL
    path = tmp_path / "lianyungang-2007.yaml"
    path.write_text(edited, encoding="utf-8")
    assert main(["--lang", "en", "validate", str(path)]) == 2
    (said,) = capsys.readouterr().err.splitlines()
    assert said.replace(str(path), "lianyungang-2007.yaml") in DOC
