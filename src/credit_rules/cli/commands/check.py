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
from credit_rules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from credit_rules.errors import InputError, Problem
from credit_rules.ruleset import ir
from credit_rules.ruleset.loader import load_ruleset
from credit_rules.ruleset.shipped import bundled, bundled_ids
from credit_rules.testing.invariants import (
    ALL_INVARIANTS,
    INVARIANTS,
    InvariantResult,
    Report,
    check_ruleset,
)
from credit_rules.testing.profiles import CHECK_EXAMPLES, DEV, PROFILES

_SHOWN = {
    "passed": ("passed", "green"),
    "failed": ("VIOLATED", "bold red"),
    "error": ("ERROR", "bold red"),
    "skipped": ("skipped", "yellow"),
    "not_applicable": ("n/a", "dim"),
}


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"needs at least 1 example, not {number}")
    return number


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="run the invariant suite (property tests) against a ruleset",
        description=(
            "Check that a ruleset keeps the invariants every regulation must keep, on "
            "generated histories; report each violated one with its shrunk counterexample "
            "as a scenario file."
        ),
    )
    parser.add_argument("ruleset", help="a ruleset YAML file (or the id of a bundled ruleset)")
    parser.add_argument(
        "--max-examples",
        type=_positive,
        metavar="N",
        help="cases per invariant (default: "
        + ", ".join(f"{n} under {p}" for p, n in CHECK_EXAMPLES.items())
        + ")",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default=DEV,
        help="ci: the same cases on every run; dev: new random cases each run (default)",
    )
    parser.add_argument(
        "--save-counterexamples",
        metavar="DIR",
        type=Path,
        help="write each counterexample to DIR as <ruleset>-<invariant>.scenario.yaml",
    )
    parser.add_argument(
        "--invariant",
        action="append",
        dest="invariants",
        choices=[invariant.name for invariant in ALL_INVARIANTS],
        metavar="NAME",
        help="check only this invariant (repeatable): "
        + ", ".join(invariant.name for invariant in INVARIANTS)
        + "; also order_independence, which is not in the default suite",
    )
    parser.add_argument(
        "--vary-parameters",
        action="store_true",
        help="also vary the ruleset's parameters within their declared bounds",
    )
    parser.set_defaults(func=run)


def _load(name: str) -> ir.Ruleset:
    if not Path(name).exists() and name in bundled_ids():
        return bundled(name)
    return load_ruleset(name)


def _console() -> Console:
    # Colour only on a terminal (rich's own detection), and never under NO_COLOR
    # (https://no-color.org/: any non-empty value): then no escape codes at all, not even bold,
    # so the report reads the same in a log. A pipe or a CI log gets plain text anyway.
    if os.environ.get("NO_COLOR"):
        return Console(color_system=None, no_color=True, highlight=False, soft_wrap=True)
    return Console(highlight=False, soft_wrap=True)


def run(args: argparse.Namespace) -> int:
    ruleset = _load(args.ruleset)
    folder: Path | None = args.save_counterexamples
    if folder is not None and folder.exists() and not folder.is_dir():
        raise InputError(
            str(folder), [Problem("--save-counterexamples needs a folder, and this is a file")]
        )
    console = _console()
    console.print(
        Text.assemble(
            ("credit-rules check: ", "bold"),
            f"{ruleset.id} {ruleset.version} ({ruleset.source}), profile {args.profile}",
        )
    )
    try:
        # A spinner on a live terminal only; under NO_COLOR the report stays plain text.
        if console.is_terminal and not os.environ.get("NO_COLOR"):
            with console.status("checking…") as status:
                report = check_ruleset(
                    ruleset,
                    profile=args.profile,
                    max_examples=args.max_examples,
                    invariants=args.invariants,
                    vary_parameters=args.vary_parameters,
                    progress=lambda name: status.update(f"checking {name}…"),
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
        console.print(f"credit-rules: {error}", markup=False, style="red")
        return EXIT_BAD_INPUT
    _print_report(console, report)
    if folder is not None:
        for path in report.save_counterexamples(folder):
            console.print(f"saved {path}", markup=False)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_report(console: Console, report: Report) -> None:
    table = Table(title=None, show_lines=False, expand=False)
    table.add_column("invariant")
    table.add_column("result")
    table.add_column("cases", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("protects")
    for result in report.results:
        shown, style = _SHOWN[result.status]
        table.add_row(
            result.name,
            Text(shown, style=style),
            str(result.examples) if result.examples else "",
            f"{result.seconds:.1f}" if result.examples else "",
            result.protects
            if result.status != "not_applicable"
            else f"not applicable: {result.message}",
        )
    console.print(table)
    for result in report.results:
        if result.status == "skipped":
            console.print(f"{result.name} skipped: {result.message}", markup=False)
    for result in report.failures:
        _print_failure(console, result)
    violated = len(report.failures)
    summary = (
        f"all invariants hold ({report.max_examples} cases each, {report.seconds:.1f} s)"
        if violated == 0
        else f"{violated} invariant(s) violated"
    )
    console.print(Text(summary, style="bold green" if violated == 0 else "bold red"))


def _print_failure(console: Console, result: InvariantResult) -> None:
    console.print()
    console.print(Text(f"{result.name}: {_SHOWN[result.status][0]}", style="bold red"))
    console.print(result.message, markup=False)
    if result.scenario:
        console.print("counterexample (a scenario file; save it and run `credit-rules evaluate`):")
        console.print(result.scenario.rstrip("\n"), markup=False)
    if result.reproduce:
        console.print(f"hypothesis: {result.reproduce}", markup=False, style="dim")
