"""The stored IR of each bundled ruleset is what the loader builds now, or it is not used.

``bundled()`` answers from ``rulesets/_compiled/<id>.ir`` without importing the loader (and so
pydantic) when the stored key is that of the files and code of this process. These tests keep
the key honest (it covers every module the loader imports), check the stored IRs are current,
and check that a stale one falls back to the loader. After editing a ruleset file or the loader,
recompile with ``python -m credit_rules.ruleset.shipped``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from credit_rules.ruleset import shipped
from credit_rules.ruleset.loader import loads_ruleset

RECOMPILE = "python -m credit_rules.ruleset.shipped"


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    shipped._bundled.cache_clear()
    yield
    shipped._bundled.cache_clear()


def loaded(ruleset_id: str):  # type: ignore[no-untyped-def]
    return loads_ruleset(shipped.bundled_source(ruleset_id), source=f"<bundled>/{ruleset_id}.yaml")


def test_the_key_covers_every_module_that_loading_a_ruleset_imports() -> None:
    code = (
        "import sys\n"
        "from credit_rules.ruleset.loader import loads_ruleset\n"
        "from credit_rules.ruleset.shipped import bundled_source\n"
        "loads_ruleset(bundled_source('ganzhou-2023'))\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('credit_rules.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    imported = set()
    # The data package (rulesets/) holds no code; its files are in the key already.
    for module in set(out.split()) - {"credit_rules._rulesets"}:
        path = module.removeprefix("credit_rules.").replace(".", "/")
        package = Path(shipped.__file__).resolve().parents[1] / path
        imported.add(f"{path}/__init__.py" if package.is_dir() else f"{path}.py")
    assert imported == set(shipped.LOADER_SOURCES)


@pytest.mark.parametrize("ruleset_id", shipped.bundled_ids())
def test_the_stored_ir_is_current_and_equals_what_the_loader_builds(ruleset_id: str) -> None:
    file = Path(str(shipped.resources.files(shipped.BUNDLED_PACKAGE))) / "_compiled"
    head = (file / f"{ruleset_id}.ir").read_bytes().partition(b"\n")[0]
    assert json.loads(head)["key"] == shipped.key(), f"stale: run `{RECOMPILE}`"
    stored = shipped._stored(ruleset_id)
    assert stored is not None
    assert stored == loaded(ruleset_id)
    assert stored.article(1) == loaded(ruleset_id).article(1)  # the derived index is rebuilt


def test_a_bundled_ruleset_loads_without_pydantic_or_yaml() -> None:
    code = (
        "import sys, credit_rules\n"
        "credit_rules.bundled('lianyungang-2007')\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml'})\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.usefixtures("fresh_cache")
def test_a_stored_ir_with_another_key_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shipped, "key", lambda: "sha256:another")
    assert shipped._stored("lianyungang-2007") is None
    assert shipped.bundled("lianyungang-2007") == loaded("lianyungang-2007")


@pytest.mark.usefixtures("fresh_cache")
def test_without_the_loaders_sources_nothing_stored_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shipped, "LOADER_SOURCES", ("no/such/module.py",))
    shipped.key.cache_clear()
    try:
        assert shipped.key() is None
        assert shipped._stored("ganzhou-2023") is None
        assert shipped.bundled("ganzhou-2023") == loaded("ganzhou-2023")
    finally:
        monkeypatch.undo()
        shipped.key.cache_clear()


def test_compiling_writes_each_ruleset_once_and_removes_what_is_no_longer_bundled(
    tmp_path: Path,
) -> None:
    (tmp_path / "repealed-1999.ir").write_bytes(b"{}\n")
    written = shipped.compile_bundled(tmp_path)
    assert sorted(p.name for p in written) == [f"{i}.ir" for i in shipped.bundled_ids()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in sorted(written)]
    assert shipped.compile_bundled(tmp_path) == []  # current already: nothing rewritten
