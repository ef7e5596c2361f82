"""docs/services.md is a worked example: its Python blocks run, in order, as one script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "services.md"


def test_the_services_page_runs_from_start_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)  # the page writes its journals to the working directory
    namespace: dict[str, object] = {"__name__": "services_md"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"{DOC.name}, block {number}", "exec"), namespace)
    assert (tmp_path / "credit-ledger.db").is_file()
    assert (tmp_path / "credit-ledger-v2.db").is_file()
    assert (tmp_path / "export.jsonl").is_file()
