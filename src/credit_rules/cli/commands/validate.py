"""``credit-rules validate RULESET [--strict]``: check a ruleset file and summarise it.

Without ``--strict`` a ruleset is valid when it loads: the schema, the names and the types
check, and a layer changes only what its base has (a misspelt id is refused, never silently
added). ``--strict`` adds the static checks of :mod:`credit_rules.ruleset.lint` (conflicting
rules, unreachable rules, gaps in a ladder, unused parameters and facts, context articles cited
as law) and exits 1 when any of them finds something.
"""

from __future__ import annotations

import argparse
from typing import Any

from credit_rules._console import Table, Text
from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.cli.ruleset_arg import resolve
from credit_rules.errors import InputError
from credit_rules.i18n import N_, Gettext, Lang, render
from credit_rules.ruleset.lint import lint

HELP = N_("check a ruleset file: schema, names, types, citations, layers")
DESCRIPTION = N_(
    "Load a ruleset and check everything a ruleset must get right: the schema, every "
    "name and type, the citations, and that a layer only changes entries its base has. "
    "--strict adds the static checks (lint) and exits 1 if any finds something."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "validate", _, help=_(HELP), description=_(DESCRIPTION))
    common.ruleset_argument(parser, _)
    parser.add_argument(
        "--strict",
        action="store_true",
        help=_("also run the static checks (lint); exit 1 if any finds something"),
    )
    common.add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    try:
        named = resolve(args.ruleset)
    except InputError as error:
        if args.format == "json":
            # One document, refusal included, for a program reading stdout; the message
            # still goes to stderr, and the exit code is still 2.
            common.print_json(_refused(error, args.strict, common.lang_of(args)))
            args.refusal_printed = True  # its own document: the generic one is not printed
        raise
    ruleset = named.ruleset
    counts = {
        "articles": len(ruleset.articles),
        "executable_articles": sum(1 for a in ruleset.articles if a.role == "executable"),
        "parameters": len(ruleset.parameters),
        "facts": len(ruleset.facts),
        "rules": len(ruleset.rules),
        "interpretations": len(ruleset.interpretations),
    }
    findings = lint(ruleset) if args.strict else []
    lang = common.lang_of(args)
    if args.format == "json":
        common.print_json(
            {
                "ruleset": common.ruleset_ref(ruleset),
                "ok": not findings,
                "strict": args.strict,
                "counts": counts,
                "findings": [
                    {
                        "line": f.line,
                        "check": f.check,
                        "message": render(f.message, lang),
                        "fix": render(f.fix, lang),
                    }
                    for f in findings
                ],
            }
        )
        return common.EXIT_FAILED if findings else common.EXIT_OK
    console = stdout_console()
    if not console.is_terminal:
        # Piped output goes to CI logs and files: give the findings table room.
        console.width = max(console.width, 160)
    console.print(
        Text(
            _(
                "ok: {id} {version}: {articles} articles ({executable_articles} executable), "
                "{parameters} parameters, {facts} facts, {rules} rules, "
                "{interpretations} interpretations"
            ).format(id=ruleset.id, version=ruleset.version, **counts)
        ),
        soft_wrap=True,
    )
    if not args.strict:
        return common.EXIT_OK
    if not findings:
        console.print(Text(_("strict: no findings"), style="green"))
        return common.EXIT_OK
    table = Table(
        title=_("{count} findings in {ruleset}").format(count=len(findings), ruleset=args.ruleset),
        title_justify="left",
    )
    table.add_column(_("line"), justify="right")
    table.add_column(_("check"), style="yellow")
    table.add_column(_("finding"), overflow="fold")
    table.add_column(_("suggested fix"), overflow="fold", style="green")
    for finding in findings:
        line = str(finding.line) if finding.line is not None else ""
        table.add_row(
            line,
            finding.check,
            Text(render(finding.message, lang)),
            Text(render(finding.fix, lang)),
        )
    console.print(table)
    # One line per finding as compilers print them, for editors and CI annotations.
    for finding in findings:
        where = f"{args.ruleset}:{finding.line}" if finding.line is not None else args.ruleset
        said = render(finding.message, lang)
        console.print(Text(f"{where}: {finding.check}: {said}"), soft_wrap=True)
    return common.EXIT_FAILED


def _refused(error: InputError, strict: bool, lang: Lang) -> dict[str, Any]:
    """The ``Validate`` document of a ruleset refused whole: no ruleset, and each located
    problem as the text output gives it."""
    return {
        "ruleset": None,
        "ok": False,
        "strict": strict,
        "counts": {},
        "findings": [],
        "errors": common.located_errors(error, lang),
    }
