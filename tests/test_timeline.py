"""``credit-rules timeline SCENARIO --subject ID -o FILE.svg``: a subject's history, drawn.

The picture itself was checked by eye (rendered to PNG, docs/images/); these tests hold what can
be held mechanically: a well-formed SVG is written, it names every outcome of the subject,
working-day clocks shade the rest days they skip, labels are in the chosen language, no mark is
drawn over text, labels do not overlap, and one-day measures are markers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from credit_rules import Engine, load_scenario
from credit_rules.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
GANZHOU_EXAMPLE = ROOT / "rulesets" / "ganzhou-2023" / "scenarios" / "example.scenario.yaml"
LIANYUNGANG_EXAMPLE = (
    ROOT / "rulesets" / "lianyungang-2007" / "scenarios" / "architecture-example.scenario.yaml"
)
# A scenario that expects its history to be refused (expect: error) has no result to look at.
SCENARIOS = sorted(
    path
    for path in ROOT.glob("rulesets/*/scenarios/*.scenario.yaml")
    if "\n  error:" not in path.read_text(encoding="utf-8")
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    assert err.strip(), "nothing on stderr"
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"


def draw(
    capsys: pytest.CaptureFixture[str], scenario: Path, subject: str, target: Path
) -> ET.Element:
    code, out, err = run(capsys, "timeline", str(scenario), "--subject", subject, "-o", str(target))
    assert code == 0, err
    assert str(target) in out
    root = ET.parse(target).getroot()  # raises if the file is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def titles(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}title")]


def outcomes_of(scenario: Path, subject: str) -> set[str]:
    loaded = load_scenario(scenario)
    result = Engine(loaded.ruleset).evaluate(loaded.subjects, loaded.events, as_of=loaded.as_of)
    return (
        {d.outcome for d in result.decisions if d.subject == subject}
        | {d.name for d in result.duties if d.subject == subject}
        | {d.name for d in result.deadlines if d.subject == subject}
    )


def test_the_lianyungang_example_names_its_three_measures_and_the_duty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = draw(capsys, LIANYUNGANG_EXAMPLE, "p2", tmp_path / "p2.svg")
    labels = texts(root)
    for outcome in ("written_warning", "cash_settlement", "audit_flag", "notify_entry"):
        assert any(label.startswith(f"{outcome} · ") for label in labels), outcome
    assert "Written warning" in labels
    assert "2009-05-20 – 2010-05-20" in labels
    assert any(
        "cash_settlement: 2009-05-20 to 2010-05-20 (active on as_of)" in t for t in titles(root)
    )
    assert "1  2008-03-10  Dishonesty entered r1" in labels


def test_working_day_clocks_shade_rest_days_and_hatch_excluded_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = draw(capsys, GANZHOU_EXAMPLE, "ph1", tmp_path / "ph1.svg")
    hover = titles(root)
    # The publicity period of 2024-09-27 runs across the National Day holiday (10-01 to 10-07).
    assert "rest days 2024-10-01 to 2024-10-07: not counted" in hover
    # 2024-09-29 (a Sunday) was an adjusted workday: it counts and is not shaded.
    assert not any("2024-09-29" in t and t.startswith("rest") for t in hover)
    assert "not counted: 2024-10-15 to 2024-10-18 (expert_review)" in hover
    assert "due 2024-10-12" in texts(root)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_bundled_scenario_draws_every_outcome_of_every_subject(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load_scenario(path)
    for subject in (str(s["id"]) for s in scenario.subjects):
        root = draw(capsys, path, subject, tmp_path / f"{subject}.svg")
        labels = {label.split(" · ")[0] for label in texts(root)}
        missing = outcomes_of(path, subject) - labels
        assert not missing, f"{path.name} {subject}: {sorted(missing)} not drawn"


def test_as_of_override_moves_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "later.svg"
    code, _, err = run(
        capsys,
        "timeline",
        str(LIANYUNGANG_EXAMPLE),
        "--subject",
        "p2",
        "-o",
        str(target),
        "--as-of",
        "2010-06-01",
    )
    assert code == 0, err
    assert "as of 2010-06-01" in texts(ET.parse(target).getroot())


# -- bad input ---------------------------------------------------------------------------------


def test_an_unknown_subject_is_exit_2_listing_the_subjects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.svg"
    code, _, err = run(
        capsys, "timeline", str(LIANYUNGANG_EXAMPLE), "--subject", "p9", "-o", str(target)
    )
    assert code == 2
    assert_one_paragraph(err)
    assert "p9" in err and "p2" in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("scenario", "output"),
    [
        (str(LIANYUNGANG_EXAMPLE), "picture.pdf"),
        ("no/such/scenario.yaml", "x.svg"),
        (str(LIANYUNGANG_EXAMPLE), "no/such/dir/x.svg"),
    ],
)
def test_bad_input_is_exit_2_in_one_paragraph(
    scenario: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / output
    code, _, err = run(capsys, "timeline", scenario, "--subject", "p2", "-o", str(target))
    assert code == 2
    assert_one_paragraph(err)
    assert not target.exists()


def test_a_missing_subject_argument_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["timeline", str(LIANYUNGANG_EXAMPLE), "-o", "x.svg"])
    assert exited.value.code == 2
    assert "--subject" in capsys.readouterr().err


# -- the picture's layout and language ---------------------------------------------------------


def _boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Each text's box as laid out (the same width estimate the drawing uses)."""
    from credit_rules.explain.timeline_svg import text_width

    found = []
    for element in root.iter(f"{SVG}text"):
        content = element.text or ""
        size = float(element.get("font-size", "10"))
        width = text_width(content, size)
        x, y = float(element.get("x", "0")), float(element.get("y", "0"))
        anchor = element.get("text-anchor")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        found.append((content, left, y - size * 0.8, left + width, y + size * 0.2))
    return found


SUBJECTS = [(LIANYUNGANG_EXAMPLE, "p2"), (GANZHOU_EXAMPLE, "ph1")]


@pytest.mark.parametrize(("scenario", "subject"), SUBJECTS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_two_labels_overlap(
    scenario: Path, subject: str, lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "timeline",
        str(scenario),
        "--subject",
        subject,
        "-o",
        str(tmp_path / "t.svg"),
        "--lang",
        lang,
    )
    assert code == 0, err
    boxes = _boxes(ET.parse(tmp_path / "t.svg").getroot())
    assert len(boxes) > 10
    for i, (a, ax0, ay0, ax1, ay1) in enumerate(boxes):
        for b, bx0, by0, bx1, by1 in boxes[i + 1 :]:
            overlap = ax0 < bx1 - 1 and bx0 < ax1 - 1 and ay0 < by1 - 1 and by0 < ay1 - 1
            assert not overlap, f"{a!r} overlaps {b!r}"


@pytest.mark.parametrize(("scenario", "subject"), SUBJECTS)
def test_nothing_is_drawn_over_text(
    scenario: Path, subject: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = draw(capsys, scenario, subject, tmp_path / "t.svg")
    children = [child.tag.removeprefix(SVG) for child in root]
    first_text = children.index("text")
    # After the first label come only labels and the backdrops painted right under them.
    assert set(children[first_text:]) <= {"text", "rect"}
    for index, tag in enumerate(children[first_text:], start=first_text):
        if tag == "rect":
            assert children[index + 1] == "text", "a rect after the labels is not a backdrop"


def test_labels_are_in_chinese_with_lang_zh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "timeline",
        str(GANZHOU_EXAMPLE),
        "--subject",
        "ph1",
        "-o",
        str(tmp_path / "t.svg"),
        "--lang",
        "zh",
    )
    assert code == 0, err
    root = ET.parse(tmp_path / "t.svg").getroot()
    labels = texts(root)
    assert labels[0].startswith("主体 ph1") and "2024年10月21日" in labels[0]
    assert "事件" in labels and "不予信用修复" in labels
    assert any("提出异议 o1" in label for label in labels)
    assert any(label.endswith("到期") for label in labels)
    assert not any("objection_filed" in label for label in labels)
    assert root.get("font-family", "").startswith("Noto Sans CJK SC")


def test_a_one_day_measure_is_a_marker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = draw(capsys, LIANYUNGANG_EXAMPLE, "p2", tmp_path / "t.svg")
    marks = {
        (element.tag.removeprefix(SVG), (element.findtext(f"{SVG}title") or "").split(":")[0])
        for element in root
    }
    assert ("circle", "written_warning") in marks
    assert ("rect", "written_warning") not in marks
    assert ("rect", "cash_settlement") in marks


def test_png_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("cairosvg")
    target = tmp_path / "p2.png"
    code, _, err = run(
        capsys, "timeline", str(LIANYUNGANG_EXAMPLE), "--subject", "p2", "-o", str(target)
    )
    assert code == 0, err
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "name",
    [
        "timeline-lianyungang-2007-p2.png",
        "timeline-ganzhou-2023-ph1.png",
        "timeline-lianyungang-2007-many-events.png",
    ],
)
def test_the_pictures_in_the_docs_are_checked_in(name: str) -> None:
    picture = ROOT / "docs" / "images" / name
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"images/{name}" in (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")


def _png_of_text(text: str) -> bytes:
    from xml.sax.saxutils import quoteattr

    from credit_rules.explain.timeline_svg import FONT, svg_to_png

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" '
        f"font-family={quoteattr(FONT)}>"
        f'<rect width="160" height="40" fill="white"/><text x="4" y="28" font-size="24">{text}'
        "</text></svg>"
    )
    return svg_to_png(svg, scale=1.0)


def test_png_draws_real_chinese_glyphs_not_boxes() -> None:
    """A font without Chinese draws every character as the same box, so two different words
    of the same length would give the same picture; with real glyphs they differ. In CI a CJK
    font is installed by .ci/run, so this never passes by skipping."""
    pytest.importorskip("cairosvg")
    warning, settlement = _png_of_text("书面警告"), _png_of_text("现金结算")
    assert warning != settlement
    assert _png_of_text("书面警告") == warning


def test_png_with_chinese_is_refused_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("cairosvg")
    from credit_rules.errors import BackendUnavailable
    from credit_rules.explain import timeline_svg

    monkeypatch.setattr(timeline_svg, "_installed_families", lambda: {"DejaVu Sans"})
    with pytest.raises(BackendUnavailable, match="fonts-wqy-microhei"):
        _png_of_text("书面警告")
    assert _png_of_text("written warning").startswith(b"\x89PNG")
