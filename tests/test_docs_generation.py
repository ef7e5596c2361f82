"""``credit-rules docs``: one Markdown page per ruleset, and the mkdocs site that publishes them.

The pages under docs/rulesets/ are generated and committed; the first test here regenerates them
and fails when the committed copy is stale, so the site never shows an older ruleset than the
one the engine runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from credit_rules import bundled, load_scenario
from credit_rules.cli.main import main
from credit_rules.explain.coverage import ruleset_coverage
from credit_rules.ruleset.render import expr_text

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RULESETS = ("lianyungang-2007", "ganzhou-2023")
REGENERATE = (
    "credit-rules docs rulesets/lianyungang-2007.yaml rulesets/ganzhou-2023.yaml -o docs/rulesets"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    assert err.strip(), "nothing on stderr"
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Written where the site keeps them, in a docs tree beside rulesets.md, as the committed
    # pages are; the links are relative to that folder.
    docs = tmp_path_factory.mktemp("site") / "docs"
    folder = docs / "rulesets"
    folder.mkdir(parents=True)
    (docs / "rulesets.md").write_text("# The ruleset file format\n", encoding="utf-8")
    files = [str(ROOT / "rulesets" / f"{r}.yaml") for r in RULESETS]
    assert main(["docs", *files, "-o", str(folder)]) == 0
    return folder


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_committed_ruleset_pages_are_up_to_date(generated: Path, ruleset_id: str) -> None:
    committed = DOCS / "rulesets" / f"{ruleset_id}.md"
    assert committed.exists(), f"{committed} is missing; run: {REGENERATE}"
    fresh = (generated / f"{ruleset_id}.md").read_text(encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"{committed} is out of date with the ruleset or its scenarios; run: {REGENERATE}"
    )


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_each_article_has_its_text_and_what_implements_it(generated: Path, ruleset_id: str) -> None:
    page = (generated / f"{ruleset_id}.md").read_text(encoding="utf-8")
    ruleset = bundled(ruleset_id)
    sections = _sections(page)
    assert [n for n, _ in sections] == [a.number for a in ruleset.articles]
    by_number = dict(sections)
    for article in ruleset.articles:
        body = by_number[article.number]
        for line in article.zh.splitlines():
            assert line.strip() in body, (article.number, line)
        assert article.en.splitlines()[0].strip() in body
        if article.role == "context":
            assert "Context only" in body
    for rule in ruleset.rules:
        for cite in {c.article for c in rule.cites}:
            body = by_number[cite]
            assert f"`{rule.id}`" in body and expr_text(rule.when) in body, (rule.id, cite)
    for parameter in ruleset.parameters:
        for cite in {c.article for c in parameter.cites}:
            assert f"`{parameter.id}`" in by_number[cite], (parameter.id, cite)
    for interpretation in ruleset.interpretations:
        first = by_number[interpretation.cites[0].article]
        assert f"Interpretation `{interpretation.id}`" in first
        assert f"`{interpretation.default}` **(chosen)**" in first
        assert interpretation.rationale in first


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_every_executable_article_lists_the_scenarios_that_cover_it(
    generated: Path, ruleset_id: str
) -> None:
    page = (generated / f"{ruleset_id}.md").read_text(encoding="utf-8")
    by_number = dict(_sections(page))
    for article in bundled(ruleset_id).articles:
        if article.role == "executable":
            assert re.search(r"\*\*Scenarios\*\* \(\d+\)", by_number[article.number]), (
                f"Art {article.number} of {ruleset_id} has no scenario"
            )


def test_a_file_name_covers_nothing_and_a_rule_that_fired_does() -> None:
    folder = ROOT / "rulesets" / "lianyungang-2007" / "scenarios"
    scenarios = [load_scenario(p) for p in sorted(folder.glob("*.scenario.yaml"))]
    coverage = ruleset_coverage(bundled("lianyungang-2007"), scenarios)
    art10 = {Path(e.scenario).name: e for e in coverage.article(10).exercised_by}
    # Named for Art 10, but one record is not two: no rule citing Art 10 fires.
    assert "art10-day-before-second-entry.scenario.yaml" not in art10
    example = art10["architecture-example.scenario.yaml"]
    assert set(example.rules) == {"art10_cash_settlement", "art10_audit_flag"}
    # Art 14 (validity) has no rule of its own: the register its records enter exercises it.
    art14 = {Path(e.scenario).name: e for e in coverage.article(14).exercised_by}
    last_day = art14["art14-last-valid-day-still-counts.scenario.yaml"]
    assert last_day.rules == () and "register" in last_day.via


def test_the_pages_are_in_the_mkdocs_nav_and_every_docs_page_is() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["name"] == "material"
    listed = set(_nav_files(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert {f"rulesets/{r}.md" for r in RULESETS} <= listed
    assert "analysts.md" in listed
    assert pages <= listed, (
        f"add these pages to the nav of mkdocs.yml (mkdocs build --strict refuses pages no "
        f"reader can reach): {sorted(pages - listed)}"
    )
    assert listed <= pages, f"mkdocs.yml lists pages that do not exist: {sorted(listed - pages)}"


def test_mkdocs_build_strict_passes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "rulesets" / "lianyungang-2007" / "index.html").exists()


# -- bad input ---------------------------------------------------------------------------------


def test_a_missing_ruleset_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "docs", "no/such/ruleset.yaml", "-o", str(tmp_path))
    assert code == 2
    assert_one_paragraph(err)
    assert "no/such/ruleset.yaml" in err


def test_output_that_is_a_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "page.md"
    target.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "docs", "lianyungang-2007", "-o", str(target))
    assert code == 2
    assert_one_paragraph(err)
    assert target.read_text(encoding="utf-8") == "x"


def test_a_broken_scenario_beside_the_ruleset_is_exit_2_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ruleset = tmp_path / "mine.yaml"
    ruleset.write_text("extends: lianyungang-2007\nid: mine\n", encoding="utf-8")
    scenarios = tmp_path / "mine" / "scenarios"
    scenarios.mkdir(parents=True)
    (scenarios / "bad.scenario.yaml").write_text("ruleset: [unclosed\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(capsys, "docs", str(ruleset), "-o", str(out))
    assert code == 2
    assert_one_paragraph(err)
    assert "bad.scenario.yaml" in err
    assert not out.exists()


def test_a_layer_gets_its_own_page_with_its_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ruleset = tmp_path / "mine.yaml"
    ruleset.write_text("extends: lianyungang-2007\nid: mine\n", encoding="utf-8")
    scenarios = tmp_path / "mine" / "scenarios"
    scenarios.mkdir(parents=True)
    source = (
        ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
    )
    (scenarios / "art10-example.scenario.yaml").write_text(
        source.read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, _, err = run(capsys, "docs", str(ruleset), "-o", str(tmp_path / "out"))
    assert code == 0, err
    page = (tmp_path / "out" / "mine.md").read_text(encoding="utf-8")
    assert "`mine`" in page
    art10 = dict(_sections(page))[10]
    (line,) = [x for x in art10.splitlines() if "[art10-example](#art10-example)" in x]
    assert "`art10_cash_settlement`" in line
    assert "Executable articles no scenario covers" in page


def _sections(page: str) -> list[tuple[int, str]]:
    parts = re.split(r"^## Art (\d+)\n", page, flags=re.MULTILINE)
    return [(int(parts[i]), parts[i + 1]) for i in range(1, len(parts), 2)]


def _nav_files(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [f for entry in nav for f in _nav_files(entry)]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in _nav_files(value)]
    return []


def test_links_work_wherever_the_pages_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "lianyungang-2007", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    page = (tmp_path / "lianyungang-2007.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r"^#+ (.+)$", page, flags=re.M))
    slugs = {re.sub(r"[^a-z0-9-]", "", a.lower().replace(" ", "-")) for a in anchors}
    for target in re.findall(r"\]\(([^)]+)\)", page):
        if target.startswith("#"):
            assert target[1:] in slugs, f"no anchor {target}"
        else:
            assert (tmp_path / target).exists(), f"broken link {target}"
    assert "../rulesets.md" not in page


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_scenarios_are_grouped_and_linked_per_article(generated: Path, ruleset_id: str) -> None:
    page = (generated / f"{ruleset_id}.md").read_text(encoding="utf-8")
    for section in page.split("\n## Art ")[1:]:
        listed = [
            line for line in section.splitlines() if line.startswith("- `") and ".scenario" in line
        ]
        assert not listed, "scenario file names listed one per line"
    assert "\n## Scenarios\n" in page
    linked = set(re.findall(r"\]\(#([a-z0-9-]+)\)", page))
    for heading in re.findall(r"^#### (.+)$", page, flags=re.M):
        assert heading in linked, f"scenario {heading} is never linked to"


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_every_event_type_and_field_is_documented(generated: Path, ruleset_id: str) -> None:
    from credit_rules.model.vocabularies import event_classes

    page = (generated / f"{ruleset_id}.md").read_text(encoding="utf-8")
    events = page.partition(f"## Events of `{ruleset_id}`")[2]
    assert events
    for name, cls in event_classes(ruleset_id).items():
        section = events.partition(f"### `{name}`")[2].partition("\n### ")[0]
        assert section, f"{name} is not documented"
        for field, info in cls.model_fields.items():
            if field != "type":
                assert f"| `{info.alias or field}` |" in section, f"{name}.{field}"
        # What a step must name is said beside its fields (docs/semantics.md).
        for field, source in cls.refers_to:
            assert f"`{field}` must have been given by an event `{source}`" in section, name
        for field in cls.agrees_with:
            assert f"`{field}`, where given, must be what that" in section, name


#: Words of the English page's frame; the Chinese page has none of them outside what the
#: ruleset has in English only (an interpretation's alternatives and rationale, an article's
#: reason to be context) and the ruleset's English title.
ENGLISH_FRAME = (
    "## Art ",
    "| Ruleset |",
    "| In force |",
    "**Parameters**",
    "**Rules**",
    "**Scenarios**",
    "Context only",
    "Events of `",
    "| Field | Value | Required |",
    " scenarios fire ",
    "Entered by `",
)


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_the_chinese_page_is_framed_in_chinese_and_its_links_land(
    ruleset_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``credit-rules --lang zh docs`` gave the English page with only its status line in
    Chinese. The Chinese page quotes the Chinese text under Chinese headings, keeps the
    English page's anchors (so a link to #art-9 lands on 第9条), and every link inside it
    names an anchor the page has."""
    code, page, err = run(capsys, "--lang", "zh", "docs", ruleset_id, "-o", "-")
    assert code == 0, err
    for english in ENGLISH_FRAME:
        assert english not in page, english
    ruleset = bundled(ruleset_id)
    assert page.startswith(f"# {ruleset.title.zh}\n")
    for article in ruleset.articles:
        assert f'<a id="art-{article.number}"></a>\n\n## 第{article.number}条\n' in page
    assert "**参数**" in page and "**规则**" in page and "| 规则集 |" in page
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', page))
    anchors |= {name for name in re.findall(r"^#### (\S+)$", page, re.M)}
    for target in re.findall(r"\]\(#([^)]+)\)", page):
        assert target in anchors, target
