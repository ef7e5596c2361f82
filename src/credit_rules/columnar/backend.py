"""The columnar backend: a ruleset compiled once into Polars plans over a whole population.

It computes what the per-subject walk (:mod:`credit_rules.engine.walk`) computes, the same
way, only for every subject at once:

1. *What is known* as of the day (docs/semantics.md): events up to ``as_of``, decided by it,
   not before the in-force date (docs/decisions/0007), in each subject's canonical order.
2. *Records* of each register: entry, last valid day, the day a correction removed it.
3. *Occasions*: an entry into a register or an event of a type rules are on; each is cut into
   stretches at every day on which anything about its subject may change (a superset of the
   days the walk cuts at: a stretch more gives the same pieces once joined).
4. *Facts* of each occasion on each stretch, by joins with the records and events of the same
   subject, then the rules' conditions, starts and ends give *pieces*.
5. *Precedence* within a group (docs/decisions/0003) on elementary day segments, then touching
   pieces of the same rule and trigger are joined, the later piece's facts kept: exactly
   :func:`credit_rules.engine.timeline.resolve`.

Anything the compiler cannot express is refused when the engine is built
(:class:`~credit_rules.errors.UnsupportedConstruct`), never run elsewhere.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.columnar.deadlines import EXCLUDED, clocks
from credit_rules.columnar.expressions import ON_STRETCH, ExprCompiler, Refused, column, per_day
from credit_rules.columnar.facts import EventsOfType, fact_column, of_few_subjects
from credit_rules.columnar.inputs import COLUMN_DTYPES, EventTables, Inputs, Table, read_inputs
from credit_rules.columnar.known import History
from credit_rules.columnar.plans import (
    FactPlan,
    RegisterPlan,
    RulePlan,
    fact_plan,
    fields_used,
    needed,
    reads_subject_kind,
    rule_plan,
)
from credit_rules.columnar.resolve import (
    OPEN,
    Ranks,
    days_later,
    in_table_order,
    resolve,
    sorted_by,
)
from credit_rules.columnar.schema import ENGINE, vocabulary_schema
from credit_rules.columnar.side_by_side import both, side_by_side
from credit_rules.columnar.workdays import DayIndex
from credit_rules.engine.program import Program
from credit_rules.errors import (
    ExtensionOverCap,
    NotInForce,
    Problem,
    ScenarioError,
    TableError,
    UnsupportedConstruct,
    shown,
)
from credit_rules.i18n import Message
from credit_rules.limits import after_last_day
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.yaml_source import iso_date

#: The deadlines table before its rule and fact columns (the fields of credit_rules.Deadline).
_DEADLINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "_sid": pl.UInt64,
    "name": pl.String,
    "start": pl.Date,
    "due": pl.Date,
    "provisional": pl.Boolean,
    "provisional_reason": pl.String,
    "unit": pl.String,
    "count": pl.Int64,
    "extended_by": pl.Int64,
    "excluded": EXCLUDED,
    "_rule": pl.Int32,
    "trigger_type": pl.String,
    "trigger_key": pl.String,
    "trigger_date": pl.Date,
    "trigger_seq": pl.Int64,
}


#: A piece of a measure or duty: its subject, occasion, stretch (row ``_v`` of the values),
#: trigger, days and rule. The typed empty frame each list of pieces starts from, so that a
#: kind or population without measures, or without duties, still gives a frame.
_PIECE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "_sid": pl.UInt64,
    "_occ": pl.UInt32,
    "_v": pl.UInt32,
    "trigger_seq": pl.Int64,
    "_first": pl.Date,
    "_last": pl.Date,
    "_rule": pl.Int32,
}


@dataclass(frozen=True)
class ColumnarResult:
    """Decisions, duties and what applies on ``as_of``, as Polars frames (``.to_arrow()``)."""

    as_of: dt.date
    decisions: pl.DataFrame
    duties: pl.DataFrame
    outcomes: pl.DataFrame
    #: One clock per deadline rule that fires on a trigger present on ``as_of``.
    deadlines: pl.DataFrame


class ColumnarEngine:
    """One ruleset compiled for populations. Holds no state of an evaluation."""

    def __init__(self, ruleset: ir.Ruleset, *, calendar: WorkingCalendar | None = None) -> None:
        self.ruleset = ruleset
        # The per-subject engine's calendar, as lookup columns (credit_rules.columnar.workdays).
        self.calendar = calendar if calendar is not None else default_calendar()
        self._days = DayIndex(self.calendar)
        parameters = ruleset.parameter_values()
        compiler = ExprCompiler(parameters, self._days)
        refused: list[tuple[Message, Message]] = []
        if self.calendar.strict:
            # Strict mode raises for a count into an unpublished year, on the first such count;
            # a population would stop on one subject's deadline, so it is refused here.
            refused.append(
                (
                    Message("calendar"),
                    Message("a strict calendar (CalendarNotPublished per count)"),
                )
            )
        self._schema = vocabulary_schema(ruleset.vocabulary)
        kept = ruleset.before_in_force
        flag = parameters.get(kept.when) if kept is not None else None
        self._kept_early = (
            frozenset(kept.types) if kept is not None and flag is True else frozenset()
        )

        def attempt(where: Message, build: Any) -> Any:
            try:
                return build()
            except Refused as error:
                refused.append((where, error.message))
                return None

        self._registers: list[RegisterPlan] = []
        for register in ruleset.registers:
            validity = parameters.get(register.validity) if register.validity else None
            where = register.removed_by_where
            self._registers.append(
                RegisterPlan(
                    register,
                    validity if isinstance(validity, Period) else None,
                    attempt(
                        Message("register {id}", id=register.id),
                        lambda w=where: compiler.condition(w),
                    )
                    if where is not None
                    else None,
                )
            )
        self._facts: dict[str, FactPlan] = {}
        for fact in ruleset.facts:
            self._facts[fact.id] = attempt(
                Message("fact {id}", id=fact.id), lambda f=fact: fact_plan(f, compiler)
            )
        facts_by_id = {fact.id: fact for fact in ruleset.facts}
        self._rules: list[RulePlan] = []
        for index, rule in enumerate(ruleset.rules):
            plan = attempt(
                Message("rule {id}", id=rule.id),
                lambda i=index, r=rule: rule_plan(i, r, compiler, ruleset, facts_by_id, parameters),
            )
            if plan is not None:
                self._rules.append(plan)
        if refused:
            raise UnsupportedConstruct(Message.raw("columnar"), ruleset.id, refused)
        #: The rules that are not measures: the duties table's, one piece per trigger each,
        #: which precedence never compares and joining never joins (and the deadlines', which
        #: give no pieces: they are counted on as_of alone).
        self._duty_rules = frozenset(
            plan.index for plan in self._rules if plan.rule.outcome_kind != "measure"
        )
        self._by_on: dict[str, list[RulePlan]] = {}
        for plan in self._rules:
            self._by_on.setdefault(plan.rule.on, []).append(plan)
        self._needed = {on: needed(rules, ruleset, parameters) for on, rules in self._by_on.items()}
        #: The trigger kinds whose rules or facts read subject_kind (only their grids join it).
        self._kind_read = {
            on for on, rules in self._by_on.items() if self._reads_kind_on(on, rules)
        }
        self._used = fields_used(ruleset)
        #: Whether each register's records are keyed by the field its entries name as their
        #: id, as the canonical order compares them: then the keys of the triggers of one
        #: subject, day and kind are in the order of their seq, and precedence reads no text.
        self._keys_in_seq = all(
            spec.register.key == self._schema.keys.get(spec.register.entered_by)
            for spec in self._registers
        )
        self._history = History(
            ruleset, self._schema, self._registers, self._kept_early, self._used
        )
        #: Whether any expression reads the builtin subject_kind (else no join brings it).
        self._reads_kind = reads_subject_kind(ruleset)
        #: Triggers of one day are walked by (on, key) from the last; ranks keep that order.
        self._on_rank = {on: rank for rank, on in enumerate(sorted(self._by_on))}
        groups = sorted({plan.rule.group for plan in self._rules if plan.rule.group is not None})
        group_code = {group: code for code, group in enumerate(groups)}
        #: Each rule's plan by its number (``_rule``).
        self._by_index = {plan.index: plan for plan in self._rules}
        #: The trigger type a rule on each register shows: the event that enters it.
        self._entered_by = {spec.register.id: spec.register.entered_by for spec in self._registers}

        def ranked(rank: Any) -> pl.Series:
            found = [self._by_index.get(i) for i in range(max(self._by_index, default=-1) + 1)]
            return pl.Series([None if p is None else rank(p) for p in found], dtype=pl.Int32)

        #: What precedence reads of each rule, by its number.
        self._ranks = Ranks(
            ranked(lambda plan: group_code.get(plan.rule.group or "")),
            ranked(lambda plan: plan.rule.priority),
            ranked(lambda plan: self._on_rank[plan.rule.on]),
        )
        self._all_facts = tuple(dict.fromkeys(name for plan in self._rules for name in plan.facts))
        # Each fact column's type, for the tables where no rule of theirs reads it: a Null
        # column is refused or mangled by warehouses reading the Parquet, and tables of one
        # night would not stack.
        dtypes = {str(kind): dtype for kind, dtype in COLUMN_DTYPES.items()}
        declared = {fact.id: dtypes.get(fact.type) for fact in ruleset.facts}
        declared["subject_kind"] = pl.String()  # the built-in fact
        self._empty_facts = {f"fact_{name}": declared.get(name) for name in self._all_facts}
        #: The per-subject program, for its analysis of which triggers can reach a day.
        self._program = Program(ruleset, self.calendar)
        #: Whether a fact picks an event by its place in the history (the first, the last, all
        #: in order: Ganzhou's score adjusted by the last upheld objection): then even the
        #: outcomes need the history in its canonical order, which costs a sort.
        self._picks_in_order = any(
            isinstance(plan.fact.derivation, ir.EventQuery)
            and plan.fact.derivation.pick in ("first", "last", "collect")
            for plan in self._facts.values()
        )

    def _reads_kind_on(self, on: str, rules: list[RulePlan]) -> bool:
        exprs: list[pl.Expr | None] = []
        for plan in rules:
            if "subject_kind" in plan.facts:
                return True
            exprs.extend((plan.when, plan.start, plan.stop, plan.reach))
            if plan.deadline is not None:
                exprs.extend((plan.deadline.excluded_where, plan.deadline.extended_where))
        for name in self._needed[on]:
            fact = self._facts[name]
            exprs.extend((fact.where, fact.value, fact.overflow))
        return any("subject_kind" in expr.meta.root_names() for expr in exprs if expr is not None)

    def __reduce__(self) -> tuple[Any, ...]:
        # Polars expressions are compiled again where the engine lands (a Dask worker).
        return (_rebuild, (self.ruleset, self.calendar))

    # -- public ------------------------------------------------------------------------------

    def fact_names(self, rule: str) -> tuple[str, ...]:
        """The facts ``rule`` read: its ``fact_<name>`` columns (the others are null)."""
        return next(plan.facts for plan in self._rules if plan.rule.id == rule)

    def read(self, events: EventTables, subjects: Table | None = None) -> Inputs:
        """Validate input tables once; the result can be evaluated on several days."""
        return read_inputs(self.ruleset, events, subjects)

    def evaluate(
        self,
        events: EventTables | Inputs,
        subjects: Table | None = None,
        *,
        as_of: dt.date | str,
        known_at: dt.date | str | None = None,
    ) -> ColumnarResult:
        """Every decision and duty up to ``as_of``, the measures that apply on it and the
        deadlines counted on it. ``known_at`` is :meth:`credit_rules.Engine.evaluate`'s: an
        event decided on a day of its own exists from that day (by default ``as_of``). Either
        day may be its ISO text, as there."""
        as_of, known_at = _days(as_of, known_at)
        inputs = self._inputs(events, subjects, as_of, known_at)
        known = self._history.known(inputs, as_of, known_at=known_at)
        # The subject of each number (numbered in id order, from 0).
        names = (
            known.lazy()
            .filter(pl.col("_seq") == 0)
            .select("subject")
            .collect(engine=ENGINE)
            .to_series()
        )
        numbered = (
            names.to_frame().with_row_index("_sid").with_columns(pl.col("_sid").cast(pl.UInt64))
        )
        kinds = _Kinds(inputs, numbered if self._reads_kind else None)
        records = {spec.register.id: self._history.records(spec, known) for spec in self._registers}
        typed = EventsOfType(known, self._used["event"], self._used["trigger"], self._schema.keys)
        # The measures' pieces and the duties' apart from the start: precedence and joining
        # read only the measures', and a duty's one piece per trigger goes to its table as it
        # is, never copied through their steps (Lianyungang: 438,203 of 1,076,405 pieces).
        measures: list[pl.LazyFrame] = [pl.LazyFrame(schema=_PIECE_SCHEMA)]
        duties: list[pl.LazyFrame] = [pl.LazyFrame(schema=_PIECE_SCHEMA)]
        grids: list[pl.DataFrame] = []
        #: Each trigger kind's last stretches: the facts as of as_of, for its deadlines.
        final: dict[str, pl.DataFrame] = {}
        rows = 0
        # The kinds read nothing of each other: their pieces are made side by side.
        kinds_with_pieces = [
            (on, rules)
            for on, rules in self._by_on.items()
            if any(plan.deadline is None for plan in rules)
        ]
        made = side_by_side(
            [
                partial(self._pieces, on, rules, known, typed, records, kinds, as_of)
                for on, rules in kinds_with_pieces
            ]
        )
        for (on, _), (found, owed, grid, ending) in zip(kinds_with_pieces, made, strict=True):
            if ending is not None:
                final[on] = ending
            # Row _v of the stacked grids holds the trigger and facts of a piece.
            offset = pl.col("_v") + rows
            measures.append(found.with_columns(offset))
            duties.append(owed.with_columns(offset))
            grids.append(grid)
            rows += grid.height
        # Precedence and joining move rows, not values: the trigger and fact columns wait
        # aside, by stretch (fewer rows than pieces), and are read once the rows are chosen.
        # Each kind's pieces are plans over its grid, collected here once, both sets together
        # and with the stacked grids, which Polars copies meanwhile. In one chunk: a gather
        # from several chunks costs up to eight times as much (texts).
        stacked, owed_pieces, values = pl.collect_all(
            [
                pl.concat(measures).with_row_index("_pid"),
                pl.concat(duties),
                pl.concat([grid.lazy() for grid in grids], how="diagonal_relaxed", rechunk=True),
            ],
            engine=ENGINE,
        )
        # Precedence reads the measures' pieces, the duties table the duties', the deadlines
        # the last stretches: each on a thread of its own.
        try:
            runs, (duties_table, deadlines) = both(
                partial(
                    resolve,
                    stacked,
                    self._ranks,
                    values.get_column("trigger_date"),
                    None if self._keys_in_seq else values.get_column("trigger_key"),
                ),
                lambda: (
                    self._duty_table(in_table_order(owed_pieces), values, names),
                    self._deadlines(known, typed, records, kinds, as_of, final),
                ),
            )
        except ExtensionOverCap as error:
            if error.subject_number is None:
                raise
            raise error.of_subject(str(names[error.subject_number])) from None
        return self._results(runs, duties_table, values, deadlines, names, as_of)

    def outcomes(
        self,
        events: EventTables | Inputs,
        subjects: Table | None = None,
        *,
        as_of: dt.date | str,
        known_at: dt.date | str | None = None,
    ) -> pl.DataFrame:
        """The measures that apply on ``as_of`` (subject, outcome), and nothing else: the
        population question. Only triggers whose measures can still cover ``as_of`` are
        assessed, on that day alone, as :meth:`credit_rules.Engine.outcomes` does; the
        differential test holds it to :meth:`evaluate`'s active decisions."""
        as_of, known_at = _days(as_of, known_at)
        inputs = self._inputs(events, subjects, as_of, known_at)
        # As the per-subject engine's outcomes: only subjects with a trigger recent enough
        # for a measure to reach as_of are looked at (Lianyungang: an entry of the last year).
        _, floor = self._program.reaching(as_of)
        known = self._history.known(
            inputs, as_of, ordered=self._picks_in_order, known_at=known_at, floor=floor
        )
        kinds = _Kinds(
            inputs, known.select("_sid", "subject").unique("_sid") if self._reads_kind else None
        )
        records = {spec.register.id: self._history.records(spec, known) for spec in self._registers}
        typed = EventsOfType(known, self._used["event"], self._used["trigger"], self._schema.keys)
        found = []
        for on, rules in self._by_on.items():
            measures = [plan for plan in rules if plan.rule.outcome_kind == "measure"]
            if not measures:
                continue
            reaches = [plan.reach for plan in measures]
            reach = None
            if all(reach is not None for reach in reaches):
                # A reach with no day (a working-day count past the calendar) is kept, for
                # the check below to refuse as the walk does.
                reach = pl.any_horizontal(
                    [(r >= as_of).fill_null(True) for r in reaches if r is not None]
                )
            grid = self._on_day(on, typed, records, kinds, as_of, reach)
            for plan in measures:
                self._refuse_past_calendar(plan, grid)
                stop = plan.stop if plan.stop is not None else pl.lit(None, pl.Date)
                covers = (plan.start <= as_of) & (stop.is_null() | (stop >= as_of))
                found.append(
                    grid.filter(plan.when)
                    .filter(covers.fill_null(False))
                    .select(
                        "_sid",
                        "trigger_date",
                        pl.lit(plan.index).alias("_rule"),
                        pl.lit(plan.rule.outcome).alias("outcome"),
                        pl.lit(plan.rule.group, pl.String).alias("_group"),
                        pl.lit(plan.rule.priority).alias("_priority"),
                    )
                )
        empty = pl.DataFrame(schema={"subject": pl.String, "outcome": pl.String})
        if not found:
            return empty
        firing = pl.concat(found)
        # docs/decisions/0003 on one day: in a group, the highest priority, then the newest
        # trigger, then the rule listed first.
        winners = (
            firing.filter(pl.col("_group").is_not_null())
            .sort(
                ["_sid", "_group", "_priority", "trigger_date", "_rule"],
                descending=[False, False, True, True, False],
            )
            .group_by("_sid", "_group", maintain_order=True)
            .first()
        )
        chosen = (
            pl.concat([firing.filter(pl.col("_group").is_null()), winners], how="diagonal")
            .select("_sid", "outcome")
            .unique()
        )
        # The ids of the few subjects found, from their events.
        names = (
            known.select("_sid", "subject")
            .join(chosen.select("_sid"), on="_sid", how="semi")
            .unique("_sid")
        )
        return (
            chosen.join(names, on="_sid", how="left")
            .select("subject", "outcome")
            .sort("subject", "outcome")
        )

    def _inputs(
        self,
        events: EventTables | Inputs,
        subjects: Table | None,
        as_of: dt.date,
        known_at: dt.date | None = None,
    ) -> Inputs:
        ruleset = self.ruleset  # the days were checked by _days, on the way in
        if as_of < ruleset.in_force_from or (
            ruleset.in_force_until is not None and as_of > ruleset.in_force_until
        ):
            raise NotInForce(ruleset.id, as_of, ruleset.in_force_from, ruleset.in_force_until)
        return events if isinstance(events, Inputs) else self.read(events, subjects)

    # -- occasions, stretches, facts, pieces ---------------------------------------------------

    def _occasions(
        self, on: str, typed: EventsOfType, records: Mapping[str, pl.DataFrame]
    ) -> pl.DataFrame:
        trigger_fields = [pl.col(c).alias(column("trigger", c)) for c in self._used["trigger"]]
        if on in records:
            spec = next(s.register for s in self._registers if s.register.id == on)
            return records[on].select(
                "_sid",
                pl.lit(spec.entered_by).alias("trigger_type"),
                pl.col("_rkey").alias("trigger_key"),
                pl.col("_entered").alias("trigger_date"),
                pl.col("_seq").alias("trigger_seq"),
                "_removed",
                *[column("trigger", c) for c in self._used["trigger"]],
            )
        return (
            typed.raw(on)
            .lazy()
            .filter(~pl.col("_early"))
            .select(
                "_sid",
                pl.lit(on).alias("trigger_type"),
                pl.col("_key").alias("trigger_key"),
                pl.col("date").alias("trigger_date"),
                pl.col("_seq").alias("trigger_seq"),
                pl.lit(None, pl.Date).alias("_removed"),
                *trigger_fields,
            )
            .collect(engine=ENGINE)
        )

    def _stretches(
        self,
        occasions: pl.DataFrame,
        known: pl.DataFrame,
        typed: EventsOfType,
        records: Mapping[str, pl.DataFrame],
        as_of: dt.date,
        facts: tuple[str, ...],
    ) -> pl.DataFrame:
        """Each occasion on each stretch ``[_d, _e]`` (``_e`` null: on past ``as_of``), cut
        on every day on which a fact the occasion's rules read may change, as the walk's
        ``next_change`` says (:mod:`credit_rules.engine.facts`), and where its record goes."""
        # Occasion _occ is row _occ. One removed by its trigger's day keeps one stretch, empty
        # (it ends the day before the removal, so before it starts: see ON_STRETCH), and no
        # rule fires on it: a filter would copy every occasion's columns, texts among them,
        # for a few (3.2 ms of the 10.5 the stretches of Lianyungang's entries took at a
        # million persons).
        occasions = occasions.with_row_index("_occ")
        if occasions.height == 0:
            # Nothing to cut, and no source of days is read for nothing.
            return occasions.with_columns(
                pl.col("trigger_date").alias("_d"), pl.lit(None, pl.Date).alias("_e")
            )
        # Only the subjects with an occasion can cut one: the others' days are never read.
        # They are found by a test of membership, a third of a semi join's cost, each source's
        # rows filtered on their own, before the plan: a plan that holds the subjects as a
        # literal, twice for a register (its two days), takes longer to optimize than to run
        # (Lianyungang's 9,964 corrections: 2.8 of the plan's 6.7 ms go to optimizing it; the
        # stretches of every kind 25.2 against 21.9 ms).
        few = occasions.height * 4 < known.height
        present = occasions.get_column("_sid").implode()

        def mine(frame: pl.DataFrame) -> pl.LazyFrame:
            return (frame.filter(pl.col("_sid").is_in(present)) if few else frame).lazy()

        # Each source of days is read once, however many facts read it, and all of them
        # in one plan: each as the frame it comes from and its days.
        points: list[tuple[pl.DataFrame, pl.LazyFrame]] = []
        sources: set[tuple[str, str, bool]] = set()
        for name in facts:
            derivation = self._facts[name].fact.derivation
            if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
                moving = derivation.valid_on == "assessment" or derivation.where is not None
                sources.add(("register", derivation.register, moving))
            elif isinstance(derivation, ir.EventQuery):
                sources.add(("event", derivation.event_type, True))
        for kind, source, moving in sorted(sources):
            if kind == "event":
                events = typed.of(source)
                days = mine(events).select("_sid", pl.col(column("event", "date")).alias("_d"))
                points.append((events, days))
                continue
            frame = records[source]
            if moving:
                cut = mine(frame)
                points.append((frame, cut.select("_sid", pl.col("_entered").alias("_d"))))
                points.append(
                    (frame, cut.select("_sid", days_later(pl.col("_last_valid"), 1).alias("_d")))
                )
            points.append((frame, frame.lazy().select("_sid", pl.col("_removed").alias("_d"))))
        occ, day = pl.col("_occ"), pl.col("_d")
        asked = occasions.lazy().select("_occ", "_sid", "trigger_date", "_removed")
        # Occasions and sources in the history's order have their subjects in order (a look
        # says so): each source is then joined on its own, a merge of sorted subjects, where
        # one join of them all hashes every subject (the stretches of Lianyungang's 438,207
        # entries: 9.7 against 11.7 ms on one thread). Several sources may give one day:
        # each cut is kept once below, where the cuts are in order anyway, rather than by a
        # hash of every day of every source.
        frames = [occasions, *(frame for frame, _ in points)]
        if points and all(frame.get_column("_sid").is_sorted() for frame in frames):
            ordered = pl.col("_sid").set_sorted()
            joined = pl.concat(
                asked.with_columns(ordered).join(days.with_columns(ordered), on="_sid")
                for _, days in points
            )
        else:
            empty = pl.LazyFrame(schema={"_sid": pl.UInt64, "_d": pl.Date})
            joined = asked.join(pl.concat([empty, *(days for _, days in points)]), on="_sid")
        later = (
            joined.filter(
                (day <= as_of)
                & (day > pl.col("trigger_date"))
                & (pl.col("_removed").is_null() | (day < pl.col("_removed")))
            )
            .select("_occ", "_d")
            .sort("_occ", "_d")
            .filter(((occ != occ.shift(1)) | (day != day.shift(1))).fill_null(True))
            .with_columns(
                pl.when(occ == occ.shift(-1)).then(day.shift(-1)).alias("_next"),
                (occ != occ.shift(1)).fill_null(True).alias("_first_cut"),
            )
            .collect(engine=ENGINE)
        )
        # Most occasions are never cut: their one stretch starts on the trigger's day and
        # ends where the first cut is, put in place by the occasion's row, not by a join of
        # every occasion.
        first_cut = later.filter(pl.col("_first_cut"))
        next_day = pl.repeat(None, occasions.height, dtype=pl.Date, eager=True).scatter(
            first_cut.get_column("_occ"), first_cut.get_column("_d")
        )

        # A stretch ends the day before the next cut, or before its record goes. Each part's
        # end is computed on its own, in one chunk, before the two are stacked.
        def until(following: pl.Expr) -> pl.Expr:
            return days_later(pl.coalesce(following, pl.col("_removed")), -1).alias("_e")

        starts = occasions.with_columns(pl.col("trigger_date").alias("_d"), until(pl.lit(next_day)))
        # The few cuts go after the starts, out of the occasions' order: a duty owed on its
        # trigger's day takes its piece from a start, in the occasions' order, and precedence
        # puts every other piece in the order of the result tables anyway (resolve).
        cuts = (
            occasions[later.get_column("_occ")]
            .with_columns(later.get_column("_d"), later.get_column("_next"))
            .with_columns(until(pl.col("_next")))
            .drop("_next")
        )
        return pl.concat([starts, cuts], how="diagonal_relaxed")

    def _pieces(
        self,
        on: str,
        rules: list[RulePlan],
        known: pl.DataFrame,
        typed: EventsOfType,
        records: Mapping[str, pl.DataFrame],
        kinds: _Kinds,
        as_of: dt.date,
    ) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.DataFrame, pl.DataFrame | None]:
        """The pieces of the measures and of the duties on ``on`` (plans, not collected), the
        trigger and facts of each stretch (row ``_v`` of a piece) and the last stretches, if
        a deadline rule of the kind reads them (else None)."""
        occasions = self._occasions(on, typed, records)
        # An occasion's stretches and facts read its own subject's records only.
        records = {name: of_few_subjects(frame, occasions) for name, frame in records.items()}
        grid = self._stretches(occasions, known, typed, records, as_of, self._needed[on])
        if on in self._kind_read:
            grid = kinds.of(grid)
        # Numbered last: a fact's values go back to the grid by row number (fact_column).
        grid = grid.with_row_index("_g")
        for name in self._needed[on]:
            grid = self._fact_column(self._facts[name], grid, typed, records)
        grid = grid.with_row_index("_v")
        # Every rule's pieces as one lazy plan over the grid, collected once: a few eager
        # steps per rule cost their fixed overhead each, on a grid of every trigger.
        found: list[pl.LazyFrame] = [pl.LazyFrame(schema=_PIECE_SCHEMA)]
        owed: list[pl.LazyFrame] = [pl.LazyFrame(schema=_PIECE_SCHEMA)]
        for plan in rules:
            rule = plan.rule
            if plan.deadline is not None:
                continue  # counted once, on as_of (_deadlines)
            self._refuse_past_calendar(plan, grid)
            # A start or end from the trigger's day alone is counted once per day.
            fired = (
                grid.lazy()
                .filter(plan.when)
                .with_columns(per_day(plan.start, grid).alias("_start"))
            )
            if rule.outcome_kind == "duty":
                early = pl.col("_start") < pl.col("_d")
                keep = (
                    pl.when(early)
                    .then((pl.col("_d") == pl.col("trigger_date")) & ON_STRETCH)
                    .otherwise(pl.col("_e").is_null() | (pl.col("_start") <= pl.col("_e")))
                )
                fired = fired.filter(pl.col("_start").is_not_null() & keep).with_columns(
                    pl.col("_start").alias("_first"), pl.col("_start").alias("_last")
                )
            else:
                stop = per_day(plan.stop, grid) if plan.stop is not None else pl.lit(None, pl.Date)
                fired = fired.with_columns(stop.alias("_stop"))
                # The earlier of the two, a null being no end. Not min_horizontal, which
                # skips nulls too but costs eight times as much on dates (1.7 against 0.2 ms
                # on 440,000 stretches), once per rule.
                end, stop_day = pl.col("_e"), pl.col("_stop")
                last = pl.when(end.is_null() | (stop_day < end)).then(stop_day).otherwise(end)
                fired = fired.with_columns(
                    pl.max_horizontal("_start", "_d").alias("_first"), last.alias("_last")
                ).filter(
                    pl.col("_start").is_not_null()
                    & (pl.col("_last").is_null() | (pl.col("_first") <= pl.col("_last")))
                )
            # Only numbers travel through precedence; the rule's names are put back at the end.
            (owed if plan.index in self._duty_rules else found).append(
                fired.select(
                    "_sid",
                    "_occ",
                    "_v",
                    "trigger_seq",
                    "_first",
                    pl.col("_last").fill_null(OPEN),
                    pl.lit(plan.index, pl.Int32).alias("_rule"),
                )
            )
        # A stretch that runs on past as_of holds the facts as of as_of (nothing they read
        # changes before it ends): the walk counts deadlines on them. Only a deadline rule
        # reads them, and a kind without one does not copy them out of its grid.
        ending = None
        if any(plan.deadline is not None for plan in rules):
            ending = grid.filter(pl.col("_e").is_null()).drop("_v")
        # The facts the rules show (a builtin such as subject_kind among them).
        shown = dict.fromkeys(
            name for plan in rules if plan.deadline is None for name in plan.facts
        )
        values = grid.select(
            "trigger_key",
            "trigger_date",
            "trigger_seq",
            *[pl.col(name).alias(f"fact_{name}") for name in shown],
        )
        return pl.concat(found), pl.concat(owed), values, ending

    def _on_day(
        self,
        on: str,
        typed: EventsOfType,
        records: Mapping[str, pl.DataFrame],
        kinds: _Kinds,
        as_of: dt.date,
        keep: pl.Expr | None = None,
    ) -> pl.DataFrame:
        """The triggers of kind ``on`` present on ``as_of`` (and ``keep``), with the facts
        their rules read as of that day alone: the walk's last assessment."""
        occasions = self._occasions(on, typed, records).with_row_index("_occ")
        present = pl.col("_removed").is_null() | (pl.col("_removed") > as_of)
        if keep is not None:
            # ``keep`` reads the trigger alone (a term counted from its day, say): it is
            # asked once per distinct value, not once per trigger.
            read = sorted(set(keep.meta.root_names()))
            if read:
                kept = occasions.select(read).unique().filter(keep)
                occasions = occasions.join(kept, on=read, how="semi", nulls_equal=True)
            else:
                present &= keep
        grid = occasions.filter(present).with_columns(
            pl.lit(as_of).alias("_d"), pl.lit(None, pl.Date).alias("_e")
        )
        if on in self._kind_read:
            grid = kinds.of(grid)
        grid = grid.with_row_index("_g")  # after the join: _g is the row's number
        for name in self._needed[on]:
            grid = self._fact_column(self._facts[name], grid, typed, records)
        return grid

    def _refuse_past_calendar(self, plan: RulePlan, grid: pl.DataFrame) -> None:
        """Raise CalendarRangeError where a working-day count of the rule runs past the
        calendar, as the walk does: in ``when`` on every assessment, in ``from`` and ``until``
        where the rule fires. Without this the count is null: an ``until`` with no day is a
        measure without end, and a ``when`` with no answer a rule that never fires."""
        checks = []
        if plan.when_overflow is not None:
            checks.append(plan.when_overflow)
        if plan.span_overflow is not None:
            checks.append(plan.when & plan.span_overflow)
        if checks:
            # Not on an occasion removed by its trigger's day, which the walk never assesses.
            self._days.raise_if_past(
                grid.filter(pl.any_horizontal(checks) & ON_STRETCH), f"the rule {plan.rule.id}"
            )

    def _deadlines(
        self,
        known: pl.DataFrame,
        typed: EventsOfType,
        records: Mapping[str, pl.DataFrame],
        kinds: _Kinds,
        as_of: dt.date,
        final: Mapping[str, pl.DataFrame],
    ) -> pl.DataFrame:
        """Every deadline rule that fires on a trigger present on ``as_of``, its clock counted
        on everything known that day (:mod:`credit_rules.columnar.deadlines`); ``final``
        holds, by trigger kind, the last stretches already computed for its other rules. A
        fact column is there only if a deadline rule reads the fact."""
        found = []
        for on, rules in self._by_on.items():
            deadlines = [plan for plan in rules if plan.deadline is not None]
            if not deadlines:
                continue
            grid = final.get(on)
            if grid is None:
                grid = self._on_day(on, typed, records, kinds, as_of)
            for plan in deadlines:
                fired = (
                    grid.filter(plan.when)
                    .with_columns(plan.start.alias("start"))
                    .filter(pl.col("start").is_not_null())
                )
                counted = clocks(plan, fired, known, self._days, self._used["event"])
                found.append(
                    counted.select(
                        "_sid",
                        pl.lit(plan.rule.outcome).alias("name"),
                        "start",
                        "due",
                        "provisional",
                        "provisional_reason",
                        "unit",
                        "count",
                        "extended_by",
                        "excluded",
                        pl.lit(plan.index, pl.Int32).alias("_rule"),
                        "trigger_type",
                        "trigger_key",
                        "trigger_date",
                        "trigger_seq",
                        *[pl.col(name).alias(f"fact_{name}") for name in plan.facts],
                    )
                )
        # A fact no deadline rule reads has no column here: the table gives it one, empty,
        # once its rows are in order (:meth:`_results`).
        if not found:
            return pl.DataFrame(schema=_DEADLINE_SCHEMA)
        return pl.concat(found, how="diagonal_relaxed")

    def _provisional(self, values: pl.DataFrame, until: pl.Expr, table: frozenset[int]) -> pl.Expr:
        """Whether a decision or duty rests on a day counted in working days that lies in a
        year without a published holiday schedule, on every row at once: the walk's test
        (Engine._provisional), rule by rule, through the same day index as the deadlines."""
        counted = {i: found for i in table if (found := self._program.rules[i].counted) is not None}
        if not counted:
            return pl.lit(False)
        days = self._days

        def unpublished(day: pl.Expr) -> pl.Expr:
            return days.unpublished_between(day, day)

        def of_rules(rules: list[int], test: pl.Expr) -> pl.Expr:
            return pl.when(pl.col("_rule").is_in(sorted(rules))).then(test).otherwise(False)

        tests: list[pl.Expr] = []
        for name in sorted({name for found in counted.values() for name in found.dates}):
            readers = [i for i, found in counted.items() if name in found.dates]
            tests.append(of_rules(readers, unpublished(self._fact_of_rule(name, values, table))))
        own = [i for i, found in counted.items() if found.own]
        if own:
            tests.append(of_rules(own, unpublished(pl.col("_first")) | unpublished(until)))
        opaque = [i for i, found in counted.items() if found.opaque]
        if opaque:
            dated = [
                self._fact_of_rule(name, values, table)
                for name in self._all_facts
                if values.schema.get(f"fact_{name}") == pl.Date
            ]
            last = pl.max_horizontal(pl.col("_first"), until, *dated)
            tests.append(of_rules(opaque, days.unpublished_between(pl.col("trigger_date"), last)))
        return pl.any_horizontal(tests).fill_null(False) if tests else pl.lit(False)

    def _fact_of_rule(self, name: str, values: pl.DataFrame, table: frozenset[int]) -> pl.Expr:
        """Fact ``name`` where the row's rule read it, else null: a stretch holds every fact
        its trigger kind needs, but a rule's row shows only its own. ``table`` holds the
        numbers of the rules whose rows a result table holds: a fact none of them reads is
        null there, without being gathered, and one all of them read is shown as it is."""
        column_name = f"fact_{name}"
        if column_name not in values.columns:
            return pl.lit(None).alias(column_name)
        readers = {plan.index for plan in self._rules if name in plan.facts} & table
        if not readers:
            return pl.lit(None, values.schema[column_name]).alias(column_name)
        if readers == table:
            return pl.col(column_name)
        readers_in_order = sorted(readers)
        return (
            pl.when(pl.col("_rule").is_in(readers_in_order))
            .then(pl.col(column_name))
            .alias(column_name)
        )

    def _with_rows(self, rows: pl.DataFrame, table: frozenset[int]) -> frozenset[int]:
        """The rules of ``table`` with a row in ``rows``, or all of ``table`` where that
        changes nothing: ``rows`` has none, or more than one rule, all reading the same
        facts. A look at the least and greatest rule finds a table of one rule; the distinct
        rules are read only where the rules read different facts."""
        if rows.height == 0:
            return table
        low, high = rows.select(
            pl.col("_rule").min().alias("low"), pl.col("_rule").max().alias("high")
        ).row(0)
        if low == high:
            return table & {low}
        if len({frozenset(plan.facts) for plan in self._rules if plan.index in table}) < 2:
            return table
        return table & frozenset(rows.get_column("_rule").unique().to_list())

    def _fact_column(
        self,
        plan: FactPlan,
        grid: pl.DataFrame,
        typed: EventsOfType,
        records: Mapping[str, pl.DataFrame],
    ) -> pl.DataFrame:
        return fact_column(plan, grid, typed, records, self._days)

    # -- results -------------------------------------------------------------------------------

    def _results(
        self,
        runs: pl.DataFrame,
        duties: pl.DataFrame,
        values: pl.DataFrame,
        deadlines: pl.DataFrame,
        names: pl.Series,
        as_of: dt.date,
    ) -> ColumnarResult:
        """The result tables: the decisions from the measures' ``runs``, in their table's
        order (:func:`resolve`), beside the ``duties`` table made already
        (:meth:`_duty_table`); ``values`` holds the trigger and fact columns of a row's
        stretch in its row ``_v``, taken only once the rows are chosen, and ``names`` the
        subject of each number."""
        facts = [f"fact_{name}" for name in self._all_facts]
        # Each table's rules are those with a row in it: a fact no rule with a row reads is
        # null without being gathered or hidden.
        measure_rules = self._with_rows(
            runs, frozenset(plan.index for plan in self._rules) - self._duty_rules
        )
        until = pl.when(pl.col("_last") == OPEN).then(None).otherwise(pl.col("_last"))
        active = (pl.col("_first") <= as_of) & (pl.col("_last") >= as_of)
        decisions = self._valued(runs, values, measure_rules).select(
            _subject(names),
            self._by_rule(lambda plan: plan.rule.outcome, runs, measure_rules).alias("outcome"),
            pl.col("_first").alias("from"),
            until.alias("until"),
            active.alias("active"),
            self._provisional(values, until, measure_rules).alias("provisional"),
            *self._trigger(runs, measure_rules),
            *self._shown(values, measure_rules),
        )
        outcomes = _outcomes(runs.lazy().filter(active), self._rules, measure_rules, names)
        # In order before the facts no deadline rule reads are added: a column of nulls costs
        # as much to gather as one of values (Ganzhou: 38 of 61 columns, 11 of 19 ms).
        empty = self._empty_facts
        clocks = (
            sorted_by(deadlines, ["_sid", "_rule", "trigger_seq"])
            .lazy()
            .select(
                _subject(names),
                *[c for c in _DEADLINE_SCHEMA if not c.startswith(("_", "trigger_"))],
                self._by_rule(lambda plan: plan.rule.id).alias("rule"),
                "trigger_type",
                "trigger_key",
                "trigger_date",
                "trigger_seq",
                *[
                    pl.col(c) if c in deadlines.columns else pl.lit(None, empty[c]).alias(c)
                    for c in facts
                ],
            )
        )
        # One batch of lazy plans, collected together: each eager step costs a fixed
        # overhead, and the batch lets Polars run the tables side by side.
        decisions_, outcomes_, deadlines_ = pl.collect_all(
            [decisions, outcomes, clocks], engine=ENGINE
        )
        return ColumnarResult(as_of, decisions_, duties, outcomes_, deadlines_)

    def _duty_table(
        self, single: pl.LazyFrame, values: pl.DataFrame, names: pl.Series
    ) -> pl.DataFrame:
        """The duties table from the duties' pieces (``single``, in the table's order once
        collected: :func:`credit_rules.columnar.resolve.in_table_order`). It reads nothing
        precedence makes, and is made beside it."""
        rows = single.collect(engine=ENGINE)
        # Lianyungang: the duties' rows are all of one rule, which reads none of the five
        # facts the measures' rules read.
        duty_rules = self._with_rows(rows, self._duty_rules)
        return (
            self._valued(rows, values, duty_rules)
            .select(
                _subject(names),
                self._by_rule(lambda plan: plan.rule.outcome, rows, duty_rules).alias("name"),
                pl.col("_first").alias("on"),
                self._provisional(values, pl.lit(None, pl.Date), duty_rules).alias("provisional"),
                *self._trigger(rows, duty_rules),
                *self._shown(values, duty_rules),
            )
            .collect(engine=ENGINE)
        )

    def _by_rule(
        self,
        value: Callable[[RulePlan], str],
        rows: pl.DataFrame | None = None,
        rules: frozenset[int] = frozenset(),
    ) -> pl.Expr:
        """A word of each row's rule (its id, outcome, trigger type), by ``_rule``."""
        # Where every rule with a row in a table gives the same word (a table of one rule, or
        # of rules on one trigger kind), it is one value for the whole column, not looked up
        # row by row (three columns of 438,203 rows: 0.2 against 2.9 ms).
        same = {value(self._by_index[i]) for i in rules}
        if rows is not None and rows.height and len(same) == 1:
            return pl.lit(same.pop(), pl.String)
        # A rule's words looked up by its number in a short column of them.
        named = {plan.index: value(plan) for plan in self._rules}
        words = pl.Series([named.get(i) for i in range(max(named, default=0) + 1)])
        return pl.lit(words, pl.String).gather(pl.col("_rule"))

    def _valued(
        self, rows: pl.DataFrame, values: pl.DataFrame, table: frozenset[int]
    ) -> pl.LazyFrame:
        """``rows`` with the trigger and fact values of their stretches, gathered column by
        column side by side (a frame's gather takes its columns one after another), but not
        a fact no rule of the table reads. Not a literal gathered inside the plan: Polars
        2.1 takes two empty literals of different types for one, and the columns of an
        empty result would change type."""
        read = {name for plan in self._rules if plan.index in table for name in plan.facts}
        wanted = [c for c in values.columns if not c.startswith("fact_") or c[5:] in read]
        taken = values.select(pl.col(wanted).gather(rows.get_column("_v")))
        return rows.hstack(taken).lazy()

    def _trigger(self, rows: pl.DataFrame, rules: frozenset[int]) -> list[str | pl.Expr]:
        """The rule and trigger columns of a table of ``rows``."""
        entered_by = self._entered_by
        return [
            self._by_rule(lambda plan: plan.rule.id, rows, rules).alias("rule"),
            self._by_rule(
                lambda plan: entered_by.get(plan.rule.on, plan.rule.on), rows, rules
            ).alias("trigger_type"),
            "trigger_key",
            "trigger_date",
            "trigger_seq",
        ]

    def _shown(self, values: pl.DataFrame, table: frozenset[int]) -> list[pl.Expr]:
        return [self._fact_of_rule(name, values, table) for name in self._all_facts]


def _subject(names: pl.Series) -> pl.Expr:
    """Each row's subject, by its number."""
    return pl.lit(names).gather(pl.col("_sid")).alias("subject")


def _outcomes(
    active: pl.LazyFrame, plans: list[RulePlan], measures: frozenset[int], names: pl.Series
) -> pl.LazyFrame:
    """The outcomes table from the ``active`` runs: each subject's distinct outcomes, by
    subject, then outcome. An outcome is its place among the measures' outcomes in the
    order of their texts (as Polars sorts them: by bytes, which in UTF-8 is the order of
    Python's ``sorted``), and a row one integer of the subject's number and that place, so
    that one integer is sorted and its repeats dropped by a look at the row before: distinct
    rows of a number and a text, sorted by both, cost nine times as much (Ganzhou: 199,790
    rows, 55 against 6 ms). Subjects are numbered in the order of their ids, so the number
    sorts them as the ids do, and the names are looked up once the rows are few."""
    outcome = {plan.index: plan.rule.outcome for plan in plans if plan.index in measures}
    words = sorted(set(outcome.values()))
    place = {word: i for i, word in enumerate(words)}
    count = max(len(words), 1)
    # A subject's number is below the number of subjects, so the product fits.
    places = pl.Series(
        [place.get(outcome.get(i, ""), 0) for i in range(max(outcome, default=0) + 1)],
        dtype=pl.UInt64,
    )
    key = pl.col("_k")
    return (
        active.select((pl.col("_sid") * count + pl.lit(places).gather(pl.col("_rule"))).alias("_k"))
        .sort("_k")
        .filter((key != key.shift(1)).fill_null(True))
        .select(
            pl.lit(names).gather(key // count).alias("subject"),
            pl.lit(pl.Series(words, dtype=pl.String)).gather(key % count).alias("outcome"),
        )
    )


def _days(as_of: object, known_at: object) -> tuple[dt.date, dt.date | None]:
    """``as_of`` and ``known_at`` as dates, ISO text read as the per-subject engine reads it,
    and checked (:func:`_check_day`)."""

    def read(day: object, name: str) -> dt.date:
        if isinstance(day, str):
            try:
                day = iso_date(day, name)
            except ScenarioError as error:
                raise TableError(None, list(error.problems), len(error.problems)) from None
        _check_day(day, name)
        assert isinstance(day, dt.date)  # _check_day refuses anything else
        return day

    return read(as_of, "as_of"), None if known_at is None else read(known_at, "known_at")


def _check_day(day: object, name: str) -> None:
    """``as_of`` or ``known_at`` as the per-subject engine takes them: a date (not a time),
    and ``as_of`` on or before the last day the library counts."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        message = (
            Message("as_of must be a date, got {value}", value=shown(day))
            if name == "as_of"
            else Message("known_at must be a date, got {value}", value=shown(day))
        )
        raise TableError(None, [Problem(message, name)], 1)
    # known_at only says which decisions exist yet: a far one means all of them, as for the
    # per-subject engine, which bounds only as_of.
    if name == "as_of" and (late := after_last_day(day)) is not None:
        raise TableError(None, [Problem(late, name)], 1)


class _Kinds:
    """Each subject's kind by its number, looked up only if a rule reads ``subject_kind``
    (``names``: the subject of each number; None when none does). Shared by the kinds of
    trigger on their threads: the table is made once, under a lock."""

    def __init__(self, inputs: Inputs, names: pl.DataFrame | None) -> None:
        self._inputs = inputs
        self._names = names
        self._table: pl.DataFrame | None = None
        self._lock = threading.Lock()

    def of(self, grid: pl.DataFrame) -> pl.DataFrame:
        if self._names is None:
            return grid
        with self._lock:
            if self._table is None:
                self._table = self._names.join(
                    self._inputs.subjects, on="subject", how="left"
                ).select("_sid", "subject_kind")
            table = self._table
        return grid.join(table, on="_sid", how="left")


def _rebuild(ruleset: ir.Ruleset, calendar: WorkingCalendar) -> ColumnarEngine:
    return ColumnarEngine(ruleset, calendar=calendar)


def evaluate(
    ruleset: ir.Ruleset, events: EventTables, subjects: Table | None = None, *, as_of: dt.date
) -> ColumnarResult:
    return ColumnarEngine(ruleset).evaluate(events, subjects, as_of=as_of)
