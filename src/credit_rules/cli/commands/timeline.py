"""``credit-rules timeline SCENARIO --subject ID -o FILE.svg``: a subject's history, drawn.

Events, each outcome's period as a bar, deadlines with the rest days they skip, on one date
axis, labelled in the chosen language. The picture is SVG (plain text, opens in any browser;
hover a bar for its rule and articles), or PNG for a report when the output is named FILE.png
(the ``[png]`` extra); ``-o -`` writes SVG to standard output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli import common
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError, Problem, ScenarioError, os_reason
from credit_rules.explain.timeline_svg import render_timeline, svg_to_png
from credit_rules.i18n import N_, Gettext, Message

HELP = N_("draw a subject's events, outcomes and deadlines as an SVG timeline")
DESCRIPTION = N_(
    "Draw one subject of a scenario on a date axis: its events, each outcome's period "
    "as a bar, and deadlines with the rest days they skip, as an SVG picture."
)


def register(commands: Any, _: Gettext) -> None:
    parser = common.add_command(commands, "timeline", _, help=_(HELP), description=_(DESCRIPTION))
    common.scenario_argument(parser, _)
    parser.add_argument(
        "--subject", required=True, metavar="ID", help=_("the id of the subject to draw")
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE.svg|FILE.png",
        help=_(
            "the picture to write: FILE.svg, FILE.png (needs the [png] extra), or - for SVG "
            "on standard output"
        ),
    )
    common.as_of_argument(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = common.gettext_of(args)
    output: str = args.output
    suffix = Path(output).suffix.lower()
    if output != common.STDIO and suffix not in (".svg", ".png"):
        raise InputError(
            output,
            [
                Problem(
                    _("the timeline is drawn as SVG or PNG; name the output FILE.svg or FILE.png")
                )
            ],
        )
    scenario = common.read_scenario(args.scenario)
    known = [str(s.get("id")) for s in scenario.subjects]
    if args.subject not in known:
        raise ScenarioError(
            scenario.path,
            [
                Problem(
                    _("no subject {subject}; the subjects are {known}").format(
                        subject=args.subject, known=", ".join(known)
                    )
                    + common.hint(args.subject, known, _)
                )
            ],
        )
    as_of = args.as_of or scenario.as_of
    with Engine(scenario.ruleset) as engine:
        try:
            evaluation = engine.evaluate(scenario.subjects, scenario.events, as_of=as_of)
        except InputError as error:
            raise scenario.locate(error) from None
        svg = render_timeline(
            ruleset=scenario.ruleset,
            subject=args.subject,
            events=scenario.events,
            evaluation=evaluation,
            calendar=engine.calendar,
            lang=common.lang_of(args),
        )
    if output != common.STDIO and suffix == ".png":
        png = svg_to_png(svg)
        try:
            Path(output).write_bytes(png)
        except OSError as error:
            raise InputError(
                output, [Problem(Message("cannot write: {strerror}", strerror=os_reason(error)))]
            ) from None
    else:
        common.write_text(output, svg)
    if output != common.STDIO:
        stdout_console().print(_("wrote {path}").format(path=output), soft_wrap=True)
    return common.EXIT_OK
