"""``credit-rules timeline SCENARIO --subject ID -o FILE.svg``: a subject's history, drawn.

Events, each outcome's period as a bar, deadlines with the rest days they skip, on one date
axis. The picture is SVG (plain text, opens in any browser; hover a bar for its rule and
articles).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules.cli.common import EXIT_OK, iso_date
from credit_rules.cli.console import stdout_console
from credit_rules.engine.engine import Engine
from credit_rules.errors import InputError, Problem, ScenarioError
from credit_rules.explain.timeline_svg import render_timeline
from credit_rules.scenario import load_scenario


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "timeline", help="draw a subject's events, outcomes and deadlines as an SVG timeline"
    )
    parser.add_argument("scenario", help="a scenario YAML file")
    parser.add_argument("--subject", required=True, metavar="ID", help="the subject to draw")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.svg", help="the SVG to write"
    )
    parser.add_argument("--as-of", type=iso_date, help="override the scenario's as_of date")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.suffix.lower() != ".svg":
        raise InputError(
            str(output), [Problem("the timeline is drawn as SVG; name the output FILE.svg")]
        )
    scenario = load_scenario(args.scenario)
    known = [str(s.get("id")) for s in scenario.subjects]
    if args.subject not in known:
        raise ScenarioError(
            scenario.path,
            [Problem(f"no subject {args.subject!r}; the subjects are {', '.join(known)}")],
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
        )
    try:
        output.write_text(svg, encoding="utf-8")
    except OSError as error:
        raise InputError(str(output), [Problem(f"cannot write: {error.strerror}")]) from None
    stdout_console().print(f"wrote {output}", soft_wrap=True)
    return EXIT_OK
