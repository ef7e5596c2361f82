"""``credit-rules diff OLD NEW``: what changed between two versions of a ruleset, and for whom.

The structural part lists entries added, removed or changed. The behavioural part runs both
versions on the scenarios (by default those beside OLD, in ``<id>/scenarios/``) and on a
generated population, and reports every subject whose outcomes differ, grouped by the changed
entries that explain the difference, with counts. Differences are findings, not failures: the
command exits 0 unless an input is bad (2); with ``--exit-code`` it exits 1 when any subject's
outcomes differ, so a CI job can fail on a change of behaviour.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from credit_rules._console import Console, Table, Text
from credit_rules.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_command,
    add_format,
    date_type,
    gettext_of,
    lang_of,
    print_json,
    ruleset_ref,
    whole_number,
)
from credit_rules.cli.console import progress_bar, stdout_console
from credit_rules.cli.ruleset_arg import NamedRuleset, resolve
from credit_rules.errors import InputError, Problem, ScenarioError
from credit_rules.explain import population as populations
from credit_rules.explain.behaviour_diff import (
    BehaviourDiff,
    CauseGroup,
    cause_label,
    compare_behaviour,
    outcome_cites,
)
from credit_rules.i18n import N_, Gettext, Lang, Message, date_text, render
from credit_rules.ruleset.diff import SECTIONS, StructuralDiff, diff_rulesets
from credit_rules.scenario import load_scenario

DEFAULT_POPULATION = 1000


def register(commands: Any, _: Gettext) -> None:
    parser = add_command(
        commands,
        "diff",
        _,
        help=_(
            "compare two versions of a ruleset: entries, and outcomes on scenarios and a "
            "generated population"
        ),
        description=_(
            "List the entries added, removed or changed between OLD and NEW, then run both on "
            "scenarios and a generated population and report every subject whose outcomes "
            "differ, grouped by the change that explains it."
        ),
    )
    parser.add_argument(
        "old",
        metavar="OLD",
        help=_("the old ruleset: a YAML file, a bundled id, or - for standard input"),
    )
    parser.add_argument(
        "new",
        metavar="NEW",
        help=_("the new ruleset: a YAML file (a layer may extend OLD), a bundled id, or -"),
    )
    parser.add_argument(
        "--scenarios",
        type=Path,
        metavar="DIR",
        help=_("scenario files to run both versions on (default: <id>/scenarios/ beside OLD)"),
    )
    parser.add_argument(
        "--population",
        type=whole_number(_, 0),
        metavar="N",
        help=_(
            "generated subjects to run both versions on (default {size} where a generator "
            "exists for the vocabulary; 0 for none)"
        ).format(size=DEFAULT_POPULATION),
    )
    parser.add_argument(
        "--as-of",
        type=date_type(_),
        metavar="YYYY-MM-DD",
        help=_(
            "evaluate on this date (default: each scenario's as_of; for the population, the "
            "last day of its generated history)"
        ),
    )
    parser.add_argument("--seed", type=int, default=0, help=_("the population's seed (default 0)"))
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help=_("exit 1 when any subject's outcomes differ (as git diff --exit-code does)"),
    )
    add_format(parser, _)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _ = gettext_of(args)
    if args.old == args.new == "-":
        raise InputError("-", [Problem(_("only one of OLD and NEW can be standard input"))])
    old, new = resolve(args.old), resolve(args.new)
    structural = diff_rulesets(old.ruleset, new.ruleset)
    folder = _scenario_folder(args.scenarios, old, new)
    scenarios = (
        [load_scenario(path) for path in sorted(folder.rglob("*.scenario.yaml"))] if folder else []
    )
    notes: list[str] = []
    if (
        not structural.empty
        and old.ruleset.id == new.ruleset.id
        and old.ruleset.version == new.ruleset.version
    ):
        # docs/analysts.md, step 2: results name the version they came from, so two
        # rulesets that decide differently must not share one.
        notes.append(
            _(
                "{id} changed but its version is {version} in both: raise the version, since "
                "every result names the version it came from"
            ).format(id=new.ruleset.id, version=new.ruleset.version)
        )
    population = _population(args, structural, notes, _)
    if old.ruleset.vocabulary != new.ruleset.vocabulary:
        notes.append(
            _(
                "the behaviour is not compared: {old} reads {old_vocabulary} events and {new} "
                "reads {new_vocabulary}"
            ).format(
                old=old.ruleset.id,
                old_vocabulary=old.ruleset.vocabulary,
                new=new.ruleset.id,
                new_vocabulary=new.ruleset.vocabulary,
            )
        )
        behaviour = None
    else:
        total = len(population.subjects) if population is not None else 0
        with progress_bar(total, "population") as advance:
            behaviour = compare_behaviour(
                structural,
                scenarios=scenarios,
                population=population,
                as_of=args.as_of,
                progress=advance,
            )
    if behaviour is not None and not scenarios and (population is None or not population.subjects):
        # "No subject's outcomes differ" would read as a finding, of a comparison never made.
        notes.append(
            _(
                "nothing was compared: no scenarios were found (--scenarios DIR names them) "
                "and the population is empty (--population N)"
            )
        )
    differs = behaviour is not None and bool(behaviour.differing)
    code = EXIT_FAILED if (args.exit_code and differs) else EXIT_OK
    if args.format == "json":
        document = {
            **structural.as_json(),
            "old": ruleset_ref(old.ruleset),
            "new": ruleset_ref(new.ruleset),
            "behaviour": behaviour.as_json() if behaviour is not None else None,
            "outcomes_differ": differs,
            "notes": notes,
        }
        print_json(document)
        return code
    console = stdout_console()
    _print_structural(console, structural, _, lang_of(args))
    if behaviour is not None:
        _print_behaviour(console, structural, behaviour, folder, _, lang_of(args))
    for note in notes:
        console.print(Text(_("Note: {note}").format(note=note), style="yellow"), soft_wrap=True)
    return code


# -- inputs -----------------------------------------------------------------------------------


def _scenario_folder(given: Path | None, old: NamedRuleset, new: NamedRuleset) -> Path | None:
    """``--scenarios``, else the scenarios beside OLD, else those beside NEW (an analyst who
    keeps the old version in a scratch file compares on the repository's scenarios)."""
    if given is not None and not given.is_dir():
        raise ScenarioError(str(given), [Problem(Message("--scenarios names no directory"))])
    return given or old.scenarios_dir or new.scenarios_dir


def _population(
    args: argparse.Namespace, structural: StructuralDiff, notes: list[str], _: Gettext
) -> populations.Population | None:
    old, new = structural.old, structural.new
    vocabulary = old.vocabulary
    size = args.population
    if size is None:
        if vocabulary not in populations.supported_vocabularies():
            notes.append(
                _("no population is generated for {vocabulary}; scenarios only").format(
                    vocabulary=vocabulary
                )
            )
            return None
        size = DEFAULT_POPULATION
    if size == 0:
        return None
    start = max(old.in_force_from, new.in_force_from)
    end = args.as_of or populations.default_window(vocabulary, start)[1]
    ends = [d for d in (old.in_force_until, new.in_force_until) if d is not None]
    if ends and args.as_of is None:
        end = min(end, *ends)
    return populations.generate(vocabulary, size, seed=args.seed, start=start, end=end)


# -- text output ------------------------------------------------------------------------------


#: The words of a change and of an effect, for the catalogue.
_KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}
_VERBS = {"loses": N_("loses"), "gains": N_("gains"), "changes": N_("changes")}


def _verb(text: str, _: Gettext) -> str:
    """``loses cash_settlement`` with the verb in the reader's language."""
    verb, space, rest = text.partition(" ")
    return _(_VERBS[verb]) + space + rest if verb in _VERBS else text


def _print_structural(console: Console, structural: StructuralDiff, _: Gettext, lang: Lang) -> None:
    old, new = structural.old, structural.new
    console.print(
        Text.assemble(
            (_("Structural diff") + " ", "bold"),
            f"{old.id} {old.version} → {new.id} {new.version}",
        ),
        soft_wrap=True,
    )
    if structural.empty:
        console.print("  " + _("No entry was added, removed or changed."))
        return
    table = Table(show_header=True, header_style="bold", show_lines=False)
    table.add_column(_("entry"))
    table.add_column(_("change"))
    table.add_column(_("what changed (old → new)"), overflow="fold")
    colours = {"added": "green", "removed": "red", "changed": "yellow"}
    for section in SECTIONS:
        for change in structural.in_section(section):
            detail = "; ".join(
                f"{f.field}: {_short(f.old)} → {_short(f.new)}" for f in change.fields
            )
            kind = Text(_(_KINDS[change.kind]), style=colours[change.kind])
            table.add_row(render(change.label, lang), kind, detail)
    console.print(table)
    counts = {
        kind: sum(1 for c in structural.changes if c.kind == kind)
        for kind in ("added", "removed", "changed")
    }
    console.print(
        "  "
        + _("{added} added, {removed} removed, {changed} changed").format(
            added=counts["added"], removed=counts["removed"], changed=counts["changed"]
        )
    )


def _short(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_behaviour(
    console: Console,
    structural: StructuralDiff,
    behaviour: BehaviourDiff,
    folder: Path | None,
    _: Gettext,
    lang: Lang,
) -> None:
    console.print()
    console.print(Text(_("Behavioural diff"), style="bold"))
    scenario_differing = len(behaviour.differing) - behaviour.population_differing
    if behaviour.scenarios:
        where = _(" from {folder}").format(folder=folder) if folder is not None else ""
        console.print(
            "  "
            + _("Scenarios: {files} files{where}, {subjects} subjects; {differ} differ.").format(
                files=len(behaviour.scenarios),
                where=where,
                subjects=behaviour.scenario_subjects,
                differ=scenario_differing,
            ),
            soft_wrap=True,
        )
    else:
        console.print("  " + _("Scenarios: none found."))
    for skipped in behaviour.skipped:
        console.print("    " + _("skipped {what}").format(what=skipped), soft_wrap=True)
    population = behaviour.population
    if population is not None:
        console.print(
            "  "
            + _(
                "Population: {count} generated subjects ({vocabulary}, seed {seed}, history "
                "{start} to {end}, evaluated as of {end}); {differ} differ."
            ).format(
                count=len(population.subjects),
                vocabulary=population.vocabulary,
                seed=population.seed,
                start=date_text(population.start, lang),
                end=date_text(population.end, lang),
                differ=behaviour.population_differing,
            ),
            soft_wrap=True,
        )
    if not behaviour.differing:
        console.print(Text("  " + _("No subject's outcomes differ."), style="green"))
        return
    console.print(
        Text.assemble(
            "  ",
            (_("{count} subjects differ: ").format(count=len(behaviour.differing)), "bold"),
            _(
                "{lost} lose a measure, {gained} gain a measure, {changed} have a measure's "
                "dates changed."
            ).format(
                lost=behaviour.count("lost"),
                gained=behaviour.count("gained"),
                changed=behaviour.count("changed"),
            ),
        ),
        soft_wrap=True,
    )
    for group in behaviour.groups:
        _print_group(console, structural, group, _, lang)


def _print_group(
    console: Console, structural: StructuralDiff, group: CauseGroup, _: Gettext, lang: Lang
) -> None:
    console.print()
    labels = " + ".join(render(cause_label(ref, structural), lang) for ref in group.causes)
    changes = structural.by_ref()
    console.print(Text.assemble((_("Cause: "), "bold"), (labels, "bold cyan")), soft_wrap=True)
    for ref in group.causes:
        change = changes.get(ref)
        if change is not None:
            console.print(f"  {render(change.summary(), lang)}", soft_wrap=True)
    in_population = sum(1 for s in group.subjects if s.origin == "population")
    console.print(
        "  "
        + _("{count} subjects ({scenarios} in scenarios, {population} in the population)").format(
            count=len(group.subjects),
            scenarios=len(group.subjects) - in_population,
            population=in_population,
        ),
        soft_wrap=True,
    )
    rulesets = (structural.old, structural.new)
    table = Table(show_header=True, header_style="bold")
    table.add_column(_("effect"))
    table.add_column(_("cites"))
    table.add_column(_("subjects"), justify="right")
    for verb, count in group.effect_counts().items():
        outcome = verb.split(" ", 1)[1]
        style = "red" if verb.startswith("loses") else "green" if verb.startswith("gains") else ""
        shown = Text(_verb(verb, _), style=style)
        table.add_row(shown, render(outcome_cites(outcome, rulesets), lang), str(count))
    console.print(table)
    for subject in group.subjects:
        effects = "; ".join(render(e.describe(), lang) for e in group.effects_of(subject))
        console.print(Text.assemble("  ", (subject.name, "bold"), f"  {effects}"), soft_wrap=True)
