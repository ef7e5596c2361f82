"""``credit-rules check RULESET``: run the invariant suite against a ruleset.

For an analyst who has just edited a ruleset: does it still keep the properties every
regulation here must keep (determinism, time locality, monotonicity, expiry, deadline sanity,
backend agreement, layering neutrality)? Each violated property comes back with its shrunk
counterexample as a scenario file, ready to save next to the regulation's other scenarios.

Exit codes: 0 every applicable invariant holds, 1 one is violated (or the engine failed on a
generated case), 2 bad input (a ruleset that does not load, a bad option).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from credit_rules._console import Console, Table, Text
from credit_rules.cli import common
from credit_rules.cli.console import PipeAwareConsole
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import InputError, Problem
from credit_rules.i18n import N_, Gettext, Lang, Message, render
from credit_rules.testing.invariants import (
    ALL_INVARIANTS,
    INVARIANTS,
    InvariantResult,
    Report,
    check_ruleset,
)
from credit_rules.testing.profiles import CHECK_EXAMPLES, DEV, PROFILES

_SHOWN = {
    "passed": (N_("passed"), "green"),
    "failed": (N_("VIOLATED"), "bold red"),
    "error": (N_("ERROR"), "bold red"),
    "skipped": (N_("skipped"), "yellow"),
    "not_applicable": (N_("n/a"), "dim"),
}


HELP = N_("run the invariant suite (property tests) against a ruleset")
DESCRIPTION = N_(
    "Check that a ruleset keeps the invariants every regulation must keep, on "
    "generated histories; report each violated one with its shrunk counterexample "
    "as a scenario file."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "check", _, help=_(HELP), description=_(DESCRIPTION))
    common.ruleset_argument(parser, _)
    parser.add_argument(
        "--max-examples",
        type=common.whole_number(_, 1),
        metavar="N",
        help=_("cases per invariant (default: {defaults})").format(
            defaults=", ".join(f"{n} ({p})" for p, n in CHECK_EXAMPLES.items())
        ),
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default=DEV,
        help=_("ci: the same cases on every run; dev: new random cases each run (default)"),
    )
    parser.add_argument(
        "--save-counterexamples",
        metavar="DIR",
        type=Path,
        help=_("write each counterexample to DIR as <ruleset>-<invariant>.scenario.yaml"),
    )
    parser.add_argument(
        "--invariant",
        action="append",
        dest="invariants",
        choices=[invariant.name for invariant in ALL_INVARIANTS],
        metavar="NAME",
        help=_(
            "check only this invariant (repeatable): {names}; also order_independence, "
            "which is not in the default suite"
        ).format(names=", ".join(invariant.name for invariant in INVARIANTS)),
    )
    parser.add_argument(
        "--vary-parameters",
        action="store_true",
        help=_("also vary the ruleset's parameters within their declared bounds"),
    )
    common.add_format(parser, _)
    parser.set_defaults(func=run)


def _console(*, stderr: bool = False) -> Console:
    # Colour only on a terminal (rich's own detection), and never under NO_COLOR
    # (https://no-color.org/: any non-empty value): then no escape codes at all, not even bold,
    # so the report reads the same in a log. A pipe or a CI log gets plain text anyway.
    if os.environ.get("NO_COLOR"):
        return PipeAwareConsole(
            color_system=None, no_color=True, highlight=False, soft_wrap=True, stderr=stderr
        )
    return PipeAwareConsole(highlight=False, soft_wrap=True, stderr=stderr)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    ruleset = resolve(args.ruleset).ruleset
    folder: Path | None = args.save_counterexamples
    if folder is not None and folder.exists() and not folder.is_dir():
        raise InputError(
            str(folder),
            [Problem(Message("--save-counterexamples needs a folder, and this is a file"))],
        )
    json_output = args.format == "json"
    # With --format json the report is the JSON document on stdout; notes go to stderr.
    console = _console(stderr=json_output)
    console.print(
        Text.assemble(
            ("credit-rules check: ", "bold"),
            _("{id} {version} ({source}), profile {profile}").format(
                id=ruleset.id, version=ruleset.version, source=ruleset.source, profile=args.profile
            ),
        )
    )
    try:
        # A spinner on a live terminal only; under NO_COLOR the report stays plain text.
        if console.is_terminal and not os.environ.get("NO_COLOR") and not json_output:
            with console.status("checking…") as status:
                report = check_ruleset(
                    ruleset,
                    profile=args.profile,
                    max_examples=args.max_examples,
                    invariants=args.invariants,
                    vary_parameters=args.vary_parameters,
                    progress=lambda name: status.update(_("checking {name}…").format(name=name)),
                )
        else:
            report = check_ruleset(
                ruleset,
                profile=args.profile,
                max_examples=args.max_examples,
                invariants=args.invariants,
                vary_parameters=args.vary_parameters,
            )
    except ValueError as error:
        message = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
        shown = render(message, args.lang)
        console.print(f"credit-rules: {shown}", markup=False, style="red")
        return common.EXIT_BAD_INPUT
    saved = [str(path) for path in report.save_counterexamples(folder)] if folder else []
    if json_output:
        common.print_json(
            {
                "ruleset": common.ruleset_ref(ruleset),
                "profile": args.profile,
                "ok": report.ok,
                "invariants": [
                    {
                        "name": r.name,
                        "status": r.status,
                        "cases": r.examples,
                        "protects": r.protects,
                        "message": r.message,
                        "scenario": r.scenario,
                    }
                    for r in report.results
                ],
                "saved": saved,
            }
        )
    else:
        _print_report(console, report, _, args.lang)
        for path in saved:
            console.print(_("saved {path}").format(path=path), markup=False)
    return common.EXIT_OK if report.ok else common.EXIT_FAILED


def _print_report(console: Console, report: Report, _: Gettext, lang: Lang) -> None:
    table = Table(title=None, show_lines=False, expand=False)
    table.add_column(_("invariant"))
    table.add_column(_("result"))
    table.add_column(_("cases"), justify="right")
    table.add_column(_("seconds"), justify="right")
    table.add_column(_("protects"))
    for result in report.results:
        shown, style = _SHOWN[result.status]
        table.add_row(
            result.name,
            Text(_(shown), style=style),
            str(result.examples) if result.examples else "",
            f"{result.seconds:.1f}" if result.examples else "",
            render(result.protects, lang)
            if result.status != "not_applicable"
            else _("not applicable: {why}").format(why=render(result.message, lang)),
        )
    console.print(table)
    for result in report.results:
        if result.status == "skipped":
            skipped = _("{name} skipped: {why}").format(
                name=result.name, why=render(result.message, lang)
            )
            console.print(skipped, markup=False)
    for result in report.failures:
        _print_failure(console, result, _, lang)
    violated = len(report.failures)
    summary = (
        _("all invariants hold ({cases} cases each, {seconds:.1f} s)").format(
            cases=report.max_examples, seconds=report.seconds
        )
        if violated == 0
        else _("{count} invariant(s) violated").format(count=violated)
    )
    console.print(Text(summary, style="bold green" if violated == 0 else "bold red"))


def _print_failure(console: Console, result: InvariantResult, _: Gettext, lang: Lang) -> None:
    console.print()
    console.print(Text(f"{result.name}: {_(_SHOWN[result.status][0])}", style="bold red"))
    console.print(render(result.message, lang), markup=False)
    if result.scenario:
        console.print(
            _("counterexample (a scenario file; save it and run `credit-rules evaluate`):")
        )
        console.print(result.scenario.rstrip("\n"), markup=False)
