"""``credit-rules test PATH...``: check every scenario's ``expect:``; ``--coverage`` says which
articles the scenarios exercise.

Exit codes follow the rest of the CLI: 0 when every expectation holds (and, with ``--coverage``,
every executable article is exercised), 1 when one does not, 2 when a file cannot be used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from credit_rules._console import Console, Padding, Table, Text
from credit_rules.cli import common
from credit_rules.cli.console import progress_bar, stderr_console, stdout_console
from credit_rules.i18n import N_, Gettext, Lang, clauses, listed, render
from credit_rules.testing.coverage import Coverage, CoverageCollector, RulesetCoverage
from credit_rules.testing.expectations import Mismatch, Runner, ScenarioResult, find_scenarios

HELP = N_("run the expectations of scenario files")
DESCRIPTION = N_(
    "Run every scenario file with 'expect:' under the given files and directories, "
    "and show what differs for each failure. Exit 1 if an expectation does not hold."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "test", _, help=_(HELP), description=_(DESCRIPTION))
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=_("scenario files, directories to search, or - for one scenario on standard input"),
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help=_(
            "report, article by article, what the scenarios exercised; fails if an "
            "executable article has no scenario"
        ),
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help=_("also write the results as JSON to FILE (for CI), or - for standard output"),
    )
    common.add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    if args.format == "json" and args.json is None:
        args.json = common.STDIO
    # When the JSON goes to stdout, the report for people goes to stderr, out of its way.
    out = wide(stderr_console() if args.json == common.STDIO else stdout_console())
    err = stderr_console()
    named = [path for path in args.paths if path != common.STDIO]
    paths: list[Path | str] = list(find_scenarios(named))
    if common.STDIO in args.paths:
        paths.append(common.STDIO)
    if not paths:
        err.print(
            Text(
                "credit-rules: "
                + _("no *.scenario.yaml files under {paths}").format(paths=" ".join(args.paths))
            )
        )
        return common.EXIT_BAD_INPUT
    runner = Runner(explain_error=common.explain_error)
    collector = CoverageCollector() if args.coverage else None
    results: list[ScenarioResult] = []
    with progress_bar(len(paths), "scenarios") as advance:
        for path in paths:
            result = runner.run(path, load=common.read_scenario)
            results.append(result)
            if collector is not None and result.evaluation is not None:
                assert result.scenario is not None
                collector.add(result.scenario, runner.engine(result.scenario))
            advance(1)
    for result in results:
        if result.error is not None:
            shown = render(result.error, args.lang)
            err.print(Text.assemble((_("ERROR") + " ", "bold red"), shown), soft_wrap=True)
        for mismatch in result.mismatches:
            _print_mismatch(out, mismatch, _, args.lang)
    tested = [r for r in results if not r.skipped]
    _print_summary(out, results, _, args.lang)
    coverage = collector.report() if collector is not None else None
    if coverage is not None:
        for ruleset in coverage.rulesets:
            _print_coverage(out, ruleset, _, args.lang)
    if args.json:
        _write_json(args.json, results, coverage, args.lang)
    if any(r.error is not None for r in results):
        return common.EXIT_BAD_INPUT
    if not tested:
        err.print(Text("credit-rules: " + _("nothing to test: no scenario file has 'expect:'")))
        return common.EXIT_BAD_INPUT
    if any(r.mismatches for r in results):
        return common.EXIT_FAILED
    if coverage is not None and not coverage.complete:
        return common.EXIT_FAILED
    return common.EXIT_OK


def wide(console: Console) -> Console:
    """Output that is piped is read in files and CI logs, not on an 80-column screen: give the
    tables room there, so names are not cut."""
    if not console.is_terminal:
        console.width = max(console.width, 160)
    return console


def _print_mismatch(console: Console, mismatch: Mismatch, _: Gettext, lang: Lang) -> None:
    where = mismatch.scenario + (f":{mismatch.line}" if mismatch.line else "")
    console.print(
        Text.assemble(
            (_("FAIL") + " ", "bold red"), (where, "bold"), "  " + render(mismatch.label, lang)
        ),
        soft_wrap=True,
    )
    table = Table(box=None, padding=(0, 2), pad_edge=False, show_edge=False)
    table.add_column(_("field"), style="bold")
    table.add_column(_("expected"), style="green")
    table.add_column(_("actual"), style="red")
    for difference in mismatch.differences:
        table.add_row(
            Text(difference.field),
            Text(render(difference.expected, lang)),
            Text(render(difference.actual, lang)),
        )
    console.print(Padding(table, (0, 0, 0, 4), expand=False))
    if mismatch.because:
        because = (
            _("rule {rule}, because:").format(rule=mismatch.rule)
            if mismatch.rule
            else _("because:")
        )
        console.print(Text(f"    {because}", style="dim"), soft_wrap=True)
        for reason in mismatch.because:
            console.print(Text(f"      - {render(reason, lang)}"), soft_wrap=True)
    console.print()


def _print_summary(console: Console, results: list[ScenarioResult], _: Gettext, lang: Lang) -> None:
    passed = sum(1 for r in results if r.passed and not r.skipped)
    failed = sum(1 for r in results if r.mismatches)
    errors = sum(1 for r in results if r.error is not None)
    skipped = sum(1 for r in results if r.skipped)
    files = (
        _("{count} scenario file: ") if len(results) == 1 else _("{count} scenario files: ")
    ).format(count=len(results))
    parts = [Text(files)]
    parts.append(Text(_("{count} passed").format(count=passed), style="green"))
    parts.append(Text(clauses(lang)))
    parts.append(Text(_("{count} failed").format(count=failed), style="bold red" if failed else ""))
    if errors:
        parts.append(
            Text(
                clauses(lang) + _("{count} could not be run").format(count=errors), style="bold red"
            )
        )
    if skipped:
        parts.append(
            Text(
                clauses(lang) + _("{count} without expect: (not run)").format(count=skipped),
                style="dim",
            )
        )
    console.print(Text.assemble(*parts), soft_wrap=True)


#: How each kind of evidence an article was exercised by is called in the report (the JSON
#: keeps the kinds themselves, which are names, not words).
_VIA_WORDS = {
    "rule": N_("rule"),
    "fact": N_("fact"),
    "parameter": N_("parameter"),
    "register": N_("register"),
    "outcome": N_("outcome"),
    "term": N_("term"),
    "in force": N_("in-force date"),
}


def _print_coverage(console: Console, coverage: RulesetCoverage, _: Gettext, lang: Lang) -> None:
    table = Table(
        title=_("Article coverage: {id} {version} ({count} scenarios with expect:)").format(
            id=coverage.id, version=coverage.version, count=coverage.scenarios
        ),
        title_justify="left",
    )
    table.add_column(_("Art"), justify="right")
    table.add_column(_("role"))
    table.add_column(_("rules citing it"), overflow="fold")
    table.add_column(_("scenarios"), justify="right")
    table.add_column(_("exercised via"), overflow="fold")
    table.add_column(_("rules never fired"), overflow="fold")
    table.add_column(_("parameters never read"), overflow="fold")
    for article in coverage.articles:
        if article.role != "executable":
            table.add_row(str(article.article), _("context"), "", "", "", "", "", style="dim")
            continue
        count = Text(str(article.scenarios), style="green" if article.covered else "bold red")
        table.add_row(
            str(article.article),
            _("executable"),
            Text("\n".join(article.rules)),
            count,
            Text(listed([_(_VIA_WORDS.get(kind, kind)) for kind in article.via], lang)),
            Text("\n".join(article.never_fired), style="yellow"),
            Text("\n".join(article.never_read), style="yellow"),
        )
    console.print(table)
    uncovered = ", ".join(
        _("Art {article}{item}").format(article=n, item="") for n in coverage.uncovered
    )
    console.print(
        Text.assemble(
            _("Executable articles with no scenario: "),
            (uncovered or _("none"), "bold red" if uncovered else "green"),
        ),
        soft_wrap=True,
    )
    fired = ", ".join(coverage.never_fired) or _("none")
    read = ", ".join(coverage.never_read) or _("none")
    console.print(Text(_("Rules that never fired: {names}").format(names=fired)), soft_wrap=True)
    console.print(Text(_("Parameters never read: {names}").format(names=read)), soft_wrap=True)
    console.print()


def _write_json(
    file: str, results: list[ScenarioResult], coverage: Coverage | None, lang: Lang
) -> None:
    document: dict[str, Any] = {
        "summary": {
            "files": len(results),
            "passed": sum(1 for r in results if r.passed and not r.skipped),
            "failed": sum(1 for r in results if r.mismatches),
            "errors": sum(1 for r in results if r.error is not None),
            "skipped": sum(1 for r in results if r.skipped),
        },
        "scenarios": [_result_json(r, lang) for r in results],
    }
    if coverage is not None:
        document["coverage"] = coverage.to_json()
    if file == common.STDIO:
        common.print_json(document)
    else:
        common.write_text(file, json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _result_json(result: ScenarioResult, lang: Lang) -> dict[str, Any]:
    status = (
        "error"
        if result.error is not None
        else "skipped"
        if result.skipped
        else "failed"
        if result.mismatches
        else "passed"
    )
    return {
        "path": result.path,
        "ruleset": common.ruleset_ref(result.scenario.ruleset)
        if result.scenario is not None
        else None,
        "status": status,
        # In the chosen language, as the text report says it.
        "error": render(result.error, lang) if result.error is not None else None,
        "mismatches": [
            {
                "line": m.line,
                "subject": render(m.subject, lang),
                "kind": m.kind,
                "name": m.name,
                "problem": render(m.problem, lang),
                "differences": [
                    {
                        "field": d.field,
                        "expected": render(d.expected, lang),
                        "actual": render(d.actual, lang),
                    }
                    for d in m.differences
                ],
                "rule": m.rule,
                "because": [render(reason, lang) for reason in m.because],
            }
            for m in result.mismatches
        ],
    }
