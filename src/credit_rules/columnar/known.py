"""What is known on a day, and the records it makes: the front door and the registers of the
per-subject engine (:mod:`credit_rules.engine.inputs`, :mod:`credit_rules.engine.history`) on
columns.

Events up to ``as_of``, decided by the day of knowledge, not before the in-force date (unless
the ruleset keeps them for its facts), nulls read as the event model's defaults, in each
subject's canonical order; then each register's records, with the day a correction removed
them, and the contradictions the engine refuses (a record entered twice, a correction of a
record never entered) reported in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence

import polars as pl

from credit_rules.columnar.expressions import column, shifted
from credit_rules.columnar.inputs import Inputs, alike_entries, entry_pair, hashes_differ
from credit_rules.columnar.plans import RegisterPlan
from credit_rules.columnar.resolve import OPEN, HistoryProblems
from credit_rules.columnar.schema import ENGINE, VocabularySchema
from credit_rules.i18n import Message
from credit_rules.model.vocabularies import tie_fields
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import event_types_read


class History:
    """Reads events for one compiled ruleset; holds nothing of an evaluation."""

    def __init__(
        self,
        ruleset: ir.Ruleset,
        schema: VocabularySchema,
        registers: Sequence[RegisterPlan],
        kept_early: frozenset[str],
        used: dict[str, tuple[str, ...]],
    ) -> None:
        self.ruleset = ruleset
        self._schema = schema
        self._registers = registers
        self._kept_early = kept_early
        self._used = used
        #: The columns anything reads after the canonical order is set: expressions, record
        #: keys, days of decision, corrections' actions, deadlines' exclusions and extensions.
        read = {"type", "subject", "date", "_table", "_row", *schema.keys.values()}
        read.update(schema.decided.values())
        read.update(name for names in used.values() for name in names)
        for spec in registers:
            # A register may key its records by a field other than the one its entries name.
            read.add(spec.register.key)
            if spec.register.removed_by_action is not None:
                read.add("action")
        for rule in ruleset.rules:
            if rule.excluding is not None:
                read.update((rule.excluding.until_field, rule.excluding.reason_field))
            if rule.extended_by is not None:
                read.add(rule.extended_by.field)
        self._read = read
        #: The event types anything reads: a question that numbers no event needs no other.
        self.types_read = event_types_read(ruleset)
        #: The event types that correct a register's records.
        self._corrections = sorted(
            {s.register.removed_by_event for s in registers if s.register.removed_by_event}
        )

    def known(
        self,
        events: pl.DataFrame | Inputs,
        as_of: dt.date,
        ordered: bool = True,
        known_at: dt.date | None = None,
        floor: Mapping[str, dt.date] | None = None,
    ) -> pl.DataFrame:
        """The events known on ``as_of``; ``ordered`` puts them in each subject's canonical
        order and numbers them (``_seq``, the trigger's ``seq``), which only results that name
        their trigger need. An event decided on a day of its own exists from that day on, if
        it is by ``known_at`` (default ``as_of``): the front door's rule
        (:mod:`credit_rules.engine.inputs`). Without order, the subjects are numbered by the
        hash of their id when no two ids share one. With ``floor`` (a first day by
        event type, :meth:`credit_rules.engine.program.Program.reaching`), only the events of
        subjects with an event of one of those types from its first day to ``as_of``: the
        others cannot have a measure reaching ``as_of``. Records entered twice are looked for
        among all the events all the same, except in the registers, as (entry type, key
        field), that reading the input found distinct (``Inputs.distinct_entries``). Given
        :class:`Inputs`, the canonical order of all their events is the one they keep
        (:meth:`Inputs.in_order`): what is known on a day is a filter of it."""
        inputs = events if isinstance(events, Inputs) else None
        frame = events.events if isinstance(events, Inputs) else events
        distinct = inputs.distinct_entries if inputs is not None else frozenset()
        in_force = self.ruleset.in_force_from
        knowledge = as_of if known_at is None else known_at
        self._entered_twice(frame, as_of, knowledge, distinct)
        self._dangling(frame)
        #: Every subject the events can name from here on, when the narrowing found them.
        named: pl.Series | None = None
        if floor is not None:
            named = _reaching(frame, floor, as_of, self._corrections)
        if ordered and named is None and inputs is not None:
            # Every event's place in the order, as the input keeps it: the events known are
            # taken in that order, and only they, in the columns read from here on.
            # The id each names is not among them: a type's is one of its fields, which
            # EventsOfType takes as it is, where a copy in the order would cost a gather of
            # texts (1.6 ms at a million persons); only the order compares it.
            full = completed(frame, self._schema)
            vocabulary = self._schema.vocabulary
            order = inputs.in_order(vocabulary, lambda _: self._order(self._keyed(full)))
            columns = tuple(c for c in full.columns if c in self._read)
            # From one chunk: input of several tables comes in several, and a gather from
            # them can cost many times a copy into one (resolve.in_order).
            in_order = inputs.columns_in_order(
                vocabulary, columns, lambda: full.select(columns).rechunk()[order]
            )
            known = self._knowable(in_order, as_of, knowledge)
            return self._numbered(in_order if known.all() else in_order.filter(known))
        if not ordered:
            # Only the canonical order reads every column and numbers every event; without it
            # the other columns can go, and so can the events of types nothing reads.
            lazy = (
                frame.lazy()
                .filter(pl.col("type").is_in(sorted(self.types_read)))
                .select(c for c in frame.columns if c in self._read)
            )
            if named is not None:
                lazy = lazy.filter(pl.col("subject").is_in(named.implode()))
            frame = lazy.collect(engine=ENGINE)
        elif named is not None:
            frame = (
                frame.lazy().filter(pl.col("subject").is_in(named.implode())).collect(engine=ENGINE)
            )
        frame = completed(frame, self._schema)
        frame = frame.filter(self._knowable(frame, as_of, knowledge))
        if not ordered:
            return frame.with_columns(
                _hashed_ids(frame, named),
                pl.lit(None, pl.Int64).alias("_seq"),
                (pl.col("date") < in_force).alias("_early"),
            )
        # Only the columns read from here on are moved into that order.
        kept = frame.select(c for c in frame.columns if c in self._read)
        return self._numbered(kept[self._order(self._keyed(frame))])

    def _keyed(self, events: pl.DataFrame) -> pl.DataFrame:
        """The events as their models read them (:func:`completed` ``events``), with the id
        each names (``_key``): everything the canonical order compares. Both depend on the
        vocabulary alone."""
        # One test per field that names an id, not one per type (most types share one).
        by_field: dict[str, list[str]] = {}
        for event_type, field_name in self._schema.keys.items():
            by_field.setdefault(field_name, []).append(event_type)
        key = pl.lit(None, pl.String)
        for field_name, types in by_field.items():
            key = pl.when(pl.col("type").is_in(types)).then(pl.col(field_name)).otherwise(key)
        return events.with_columns(key.alias("_key"))

    def _order(self, frame: pl.DataFrame) -> pl.Series:
        """The row numbers of ``frame`` (:meth:`_keyed` events) in the front door's canonical
        order: by subject, day, type, the id named, then the content, every field
        (tie_fields, the front door's order too); a list item by item, joined by a separator
        below every character an item holds."""
        tie = [
            pl.col(c).list.join("\x1f") if frame.schema[c] == pl.List(pl.String) else pl.col(c)
            for c in tie_fields(self._schema.vocabulary)
        ]
        return frame.select(
            pl.arg_sort_by(
                ["subject", "date", "type", pl.col("_key").fill_null(""), *tie, "_table", "_row"],
                nulls_last=False,
            )
        ).to_series()

    def _knowable(self, frame: pl.DataFrame, as_of: dt.date, knowledge: dt.date) -> pl.Series:
        """Which events of ``frame`` (:meth:`_keyed`) exist on ``as_of``, row by row: on or
        before it, decided by ``knowledge``, not before the in-force date unless kept, and no
        correction of a record entered before it."""
        in_force = self.ruleset.in_force_from
        knows = self._knows(as_of, knowledge)
        knows &= (pl.col("date") >= in_force) | pl.col("type").is_in(sorted(self._kept_early))
        # Corrections of records entered before the in-force date correct nothing it knows.
        for spec in self._registers:
            register = spec.register
            if register.removed_by_event is None or register.entered_by in self._kept_early:
                continue
            early = frame.filter(
                (pl.col("type") == register.entered_by) & (pl.col("date") < in_force)
            ).select("subject", pl.col(register.key).alias("_early_key"))
            if early.height == 0:
                continue
            # Row for row (each early record once): a flag, not a filter, so that the rows
            # keep their numbers.
            flagged = frame.select("subject", register.key).join(
                early.unique().with_columns(pl.lit(True).alias("_early")),
                left_on=["subject", register.key],
                right_on=["subject", "_early_key"],
                how="left",
                maintain_order="left",
            )
            corrects_early = (pl.col("type") == register.removed_by_event) & pl.lit(
                flagged.get_column("_early").fill_null(False)
            )
            knows &= ~corrects_early
        return frame.select(knows).to_series()

    def _numbered(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame``, in the canonical order, with each subject's number and each event's
        place in its subject's history."""
        # Each event's place in its subject's history: the row number less the row number of
        # the subject's first event (a window per subject costs far more with many subjects).
        row = pl.int_range(pl.len(), dtype=pl.Int64)
        first = (pl.col("subject") != pl.col("subject").shift(1)).fill_null(True)
        # Subjects numbered in the order of their ids: every join, group and sort after this
        # one is on that number, and sorting by it sorts by subject. The first events so far
        # are counted as the non-null values so far, and each event's subject's first row
        # looked up by that number: a cumulative sum of the flags and a forward fill of the
        # first rows cost several times as much.
        number = pl.when(first).then(1).cum_count() - 1
        return frame.with_columns(
            number.cast(pl.UInt64).alias("_sid"),
            (row - row.filter(first).gather(number)).alias("_seq"),
            (pl.col("date") < self.ruleset.in_force_from).alias("_early"),
        )

    def _knows(self, as_of: dt.date, knowledge: dt.date) -> pl.Expr:
        """Whether an event exists on ``as_of``: on or before it, and decided by
        ``knowledge`` if decided on a day of its own."""
        knows = pl.col("date") <= as_of
        for event_type, field_name in self._schema.decided.items():
            knows &= (pl.col("type") != event_type) | (pl.col(field_name) <= knowledge)
        return knows

    def _entered_twice(
        self,
        events: pl.DataFrame,
        as_of: dt.date,
        knowledge: dt.date,
        distinct: Collection[tuple[str, str]],
    ) -> None:
        """Records entered twice, refused as the front door refuses them: two entries of one
        record that both count (known, not before the in-force date) whatever else they say,
        and, known or not, any two entries equal field for field; and, known or not, any two
        events of a type one per key that name the same key. Equal hashes of subject and
        key find the few candidates among all entries in one pass; only those are compared
        by value. Registers found ``distinct`` when the input was read are not looked at."""
        problems = HistoryProblems()
        in_force = self.ruleset.in_force_from
        for spec in self._registers:
            register = spec.register
            key = register.key
            if (register.entered_by, key) in distinct or not alike_entries(
                events, register.entered_by, key
            ):
                continue
            entries = events.lazy().filter(pl.col("type") == register.entered_by)
            maybe = completed(
                entries.filter(entry_pair(key).is_duplicated()).collect(engine=ENGINE),
                self._schema,
            )
            counts = self._knows(as_of, knowledge) & (pl.col("date") >= in_force)
            # An entry equal to another field for field is one event listed twice, whether
            # it counts or not, and is said so, as the walk says it; the rest of the entries
            # of one record that count are two entries of it.
            content = [c for c in maybe.columns if not c.startswith("_")]
            identical = maybe.filter(pl.struct(content).is_duplicated())
            twice = (
                maybe.filter(counts)
                .filter(pl.struct("subject", key).is_duplicated())
                .join(identical.select("_table", "_row"), on=["_table", "_row"], how="anti")
            )
            problems.rows(
                twice,
                key,
                Message("a record of register {register} entered twice", register=register.id),
            )
            problems.rows(
                identical, key, Message("the same record entered twice; list each event once")
            )
        entering = {spec.register.entered_by for spec in self._registers}
        for event_type, key in sorted(self._schema.once.items()):
            if (
                event_type in entering
                or (event_type, key) in distinct
                or not alike_entries(events, event_type, key)
            ):
                continue
            # Every one naming the key again, known or not, alike or not, as the front
            # door refuses it: no later step looks at such events again.
            again = (
                events.lazy()
                .filter(pl.col("type") == event_type)
                .filter(entry_pair(key).is_duplicated())
                .filter(pl.struct("subject", key).is_duplicated())
                .collect(engine=ENGINE)
            )
            problems.rows(
                again,
                key,
                Message(
                    "another {type} of the subject names the same {field}: each names its own",
                    type=event_type,
                    field=key,
                ),
            )
        problems.raise_if_any()

    def _dangling(self, events: pl.DataFrame) -> None:
        """Events naming an id that no event of their subject gave on or before their day,
        or saying otherwise than the event they name, refused as the front door refuses them
        (:mod:`credit_rules.engine.references`), known or not. Only the few events of the
        types that name or give such ids are looked at, in the columns read here."""
        schema = self._schema
        if not schema.references:
            return
        linked = {t for t, _ in schema.references} | set(schema.references.values())
        # Each (source, id field)'s first days are found once, with every field an agreement
        # on it compares: Ganzhou's five references and two agreements name two of them, and
        # each costs a group of every source event by subject and id (92 -> 30 ms, below).
        repeated: dict[tuple[str, str], set[str]] = {
            (source, name): set() for (_, name), source in schema.references.items()
        }
        for agreement in schema.agreements.values():
            repeated.setdefault((agreement.source, agreement.field), set()).update(agreement.fields)
        # Only the columns read here are cut out: the events are wide (Ganzhou: 40 columns,
        # a filter of them all 11 ms of the 92).
        wanted = {"type", "subject", "date", "_table", "_row"}
        wanted.update(schema.reference_days.values())
        for (_, name), fields in repeated.items():
            wanted.update((name, *fields))
        rows = (
            events.lazy()
            .filter(pl.col("type").is_in(sorted(linked)))
            .select(c for c in events.columns if c in wanted)
            .collect(engine=ENGINE)
        )
        if rows.height == 0:
            return
        naming: dict[tuple[str, str], set[str]] = {}
        for (event_type, name), source in schema.references.items():
            naming.setdefault((source, name), set()).add(event_type)
        for event_type, agreement in schema.agreements.items():
            naming.setdefault((agreement.source, agreement.field), set()).add(event_type)
        referrals = _Referrals(rows, repeated, naming, schema.reference_days)
        problems = HistoryProblems()
        for (event_type, name), source in sorted(schema.references.items()):
            referring = referrals.of(event_type, source, name)
            if referring is None:
                continue
            problems.rows(
                referring.filter(pl.col("_given").is_null() | (pl.col("_given") > pl.col("_by"))),
                name,
                Message(
                    "the {field} this {type} names was given by no {source} of its subject "
                    "on or before its {day}",
                    type=event_type,
                    field=name,
                    source=source,
                    day=schema.reference_days[event_type],
                ),
            )
        for event_type, agreement in sorted(schema.agreements.items()):
            referring = referrals.of(event_type, agreement.source, agreement.field)
            if referring is None:
                continue
            for name in agreement.fields:
                if name not in rows.columns:
                    continue
                theirs = pl.col(f"_given_{name}")
                problems.rows(
                    referring.filter(
                        pl.col("_given").is_not_null()
                        & (pl.col("_given") <= pl.col("_by"))
                        & pl.col(name).is_not_null()
                        & (theirs.is_null() | (theirs != pl.col(name)))
                    ),
                    name,
                    Message(
                        "the {field} this {type} names is not the one the {source} it names gives",
                        type=event_type,
                        field=name,
                        source=agreement.source,
                    ),
                )
        problems.raise_if_any()

    def records(self, spec: RegisterPlan, known: pl.DataFrame) -> pl.DataFrame:
        register = spec.register
        # Only the columns a record keeps are copied out of the wide history: not the
        # entry's table and row, which only a problem with a correction names (and the
        # correction's own are named).
        kept = dict.fromkeys(
            ("_sid", register.key, "date", "_seq", *self._used["record"], *self._used["trigger"])
        )
        entries = (
            known.lazy()
            .filter((pl.col("type") == register.entered_by) & ~pl.col("_early"))
            .select(*kept)
            .collect(engine=ENGINE)
        )
        problems = HistoryProblems()  # records entered twice are refused by known()
        last_valid = (
            pl.lit(shifted(entries.get_column("date"), spec.validity))
            if spec.validity is not None
            else pl.lit(OPEN)
        )
        records = entries.select(
            "_sid",
            pl.col(register.key).alias("_rkey"),
            pl.col("date").alias("_entered"),
            last_valid.alias("_last_valid"),
            "_seq",
            *[pl.col(c).alias(column("record", c)) for c in self._used["record"]],
            *[pl.col(c).alias(column("trigger", c)) for c in self._used["trigger"]],
        )
        if register.removed_by_event is None:
            return records.with_columns(pl.lit(None, pl.Date).alias("_removed"))
        early = (
            known.lazy()
            .filter((pl.col("type") == register.entered_by) & pl.col("_early"))
            .select("_sid", pl.col(register.key).alias("_rkey"))
            .unique()
            .with_columns(pl.lit(True).alias("_before"))
        )
        # Not the history's own columns (the subject, type and id named: texts).
        corrections = (
            known.lazy()
            .filter(pl.col("type") == register.removed_by_event)
            .select(pl.exclude("subject", "type", "_key"))
            .collect(engine=ENGINE)
        )
        # Only the records of subjects with a correction are looked up (a few of them),
        # in the columns read below, found by a test of membership: a semi join costs
        # three times as much (2.9 against 1.0 ms on 438,207 records).
        corrected = (
            records.select("_sid", "_rkey", "_entered")
            .with_row_index("_i")
            .filter(pl.col("_sid").is_in(corrections.get_column("_sid").implode()))
        )
        # Both lookups in one plan: on a few thousand corrections, each collected step
        # costs more to set going than to run.
        corrections = (
            corrections.lazy()
            .join(
                corrected.lazy().select("_sid", "_rkey", "_entered"),
                left_on=["_sid", register.key],
                right_on=["_sid", "_rkey"],
                how="left",
                maintain_order="left",
            )
            .join(
                early,
                left_on=["_sid", register.key],
                right_on=["_sid", "_rkey"],
                how="left",
                maintain_order="left",
            )
            .filter(~(pl.col("_before").fill_null(False) & pl.col("_entered").is_null()))
            .collect(engine=ENGINE)
        )
        decided = self._schema.decided.get(register.removed_by_event)
        unentered = pl.col("_entered").is_null() | (pl.col("_entered") > pl.col("date"))
        refused = unentered
        if decided is not None:
            too_early = (pl.col("_entered") <= pl.col("date")) & (
                pl.col(decided) < pl.col("_entered")
            )
            problems.rows(
                corrections.filter(too_early),
                decided,
                Message("a correction decided before the record was entered"),
            )
            refused = refused | too_early.fill_null(False)
        problems.rows(
            corrections.filter(unentered),
            register.key,
            Message("a correction of a record with no entry on or before it"),
        )
        # Only the corrections accepted so far can remove a record or come after a
        # removal, as in the walk (build_records).
        corrections = corrections.filter(~refused)
        # The day each correction was decided: its own day of decision, if it has one.
        decided_day = (
            pl.coalesce(pl.col(decided), pl.col("date")) if decided is not None else pl.col("date")
        ).alias("_decided")
        # Each correction's place among them: in the canonical order when the history is
        # in it, which breaks ties between removals decided on one day as the walk does.
        corrections = corrections.with_columns(
            decided_day, pl.int_range(pl.len(), dtype=pl.Int64).alias("_place")
        )
        matching = corrections
        if register.removed_by_action is not None:
            matching = matching.filter(pl.col("action") == register.removed_by_action)
        if spec.removal is not None:
            scoped = matching.select(
                "_sid",
                register.key,
                "date",
                "_decided",
                "_place",
                *[pl.col(c).alias(column("event", c)) for c in self._used["event"]],
            )
            matching = scoped.filter(spec.removal)
        problems.rows(
            _after_removal(corrections, matching, register.key),
            register.key,
            Message("a correction of a record decided on or after the day it was removed"),
        )
        problems.raise_if_any()
        # Only the records of subjects with a correction (a few of them, found above; every
        # removal is a correction) are joined, and their days put in place by row number: a
        # join of every record hashes every key. The first removal of each and the join are
        # one plan.
        removed = (
            matching.lazy()
            .group_by("_sid", register.key)
            .agg(pl.col("date").min().alias("_removed"))
            .rename({register.key: "_rkey"})
        )
        found = (
            corrected.lazy()
            .select("_i", "_sid", "_rkey")
            .join(removed, on=["_sid", "_rkey"], how="inner")
            .collect(engine=ENGINE)
        )
        day = pl.repeat(None, records.height, dtype=pl.Date, eager=True).scatter(
            found.get_column("_i"), found.get_column("_removed")
        )
        return records.with_columns(day.alias("_removed"))


def _first_given(
    rows: pl.DataFrame, source: str, name: str, repeated: Iterable[str]
) -> pl.DataFrame:
    """The first day a ``source`` event of each subject gave each id in ``name`` (``_given``)
    and that first event's ``repeated`` fields, which an agreement compares
    (``_given_<field>``)."""
    present = sorted(f for f in repeated if f in rows.columns)
    given = rows.lazy().filter((pl.col("type") == source) & pl.col(name).is_not_null())
    if not present:
        # The first day alone is the least: no sort, no order kept.
        return (
            given.group_by("subject", name)
            .agg(pl.col("date").min().alias("_given"))
            .collect(engine=ENGINE)
        )
    fields = [pl.col(field).first().alias(f"_given_{field}") for field in present]
    # Most ids are given once: grouped as they come, with a count, the first event is
    # the only one. Only where some id is given twice are the events sorted first (a
    # sort of every event moved every column: 10.3 against 4 ms, Ganzhou's 30,000
    # objections).
    once = (
        given.group_by("subject", name)
        .agg(pl.col("date").first().alias("_given"), *fields, pl.len().alias("_times"))
        .collect(engine=ENGINE)
    )
    if once.get_column("_times").max() == 1:
        return once.drop("_times")
    # The first by day, then by place: the event the front door finds first.
    return (
        given.sort("date", "_table", "_row")
        .group_by("subject", name, maintain_order=True)
        .agg(pl.col("date").first().alias("_given"), *fields)
        .collect(engine=ENGINE)
    )


class _Referrals:
    """The events that name an id, each with the day by which it must have been given
    (``_by``) and what :func:`_first_given` says of the first event of its subject that gave
    it (``_given`` null: none did), found once per (source, id field). The events of every
    type that names one (source, id field) are joined to its first days at once, not type
    by type: each join hashes two texts a row (Ganzhou's seven references and agreements on
    two fields: 28 against 9 ms)."""

    def __init__(
        self,
        rows: pl.DataFrame,
        repeated: Mapping[tuple[str, str], set[str]],
        naming: Mapping[tuple[str, str], set[str]],
        days: Mapping[str, str],
    ) -> None:
        self._rows = rows
        self._repeated = repeated
        self._naming = naming
        self._days = days
        self._found: dict[tuple[str, str], pl.DataFrame | None] = {}

    def of(self, event_type: str, source: str, name: str) -> pl.DataFrame | None:
        """The ``event_type`` events that name an id in ``name``, given by ``source``
        events; None where none does."""
        if (source, name) not in self._found:
            self._found[(source, name)] = self._joined(source, name)
        joined = self._found[(source, name)]
        if joined is None:
            return None
        referring = joined.filter(pl.col("type") == event_type)
        return referring if referring.height else None

    def _joined(self, source: str, name: str) -> pl.DataFrame | None:
        rows = self._rows
        if name not in rows.columns:
            return None  # no event holds the field
        types = sorted(self._naming[(source, name)])
        referring = rows.filter(pl.col("type").is_in(types) & pl.col(name).is_not_null())
        if referring.height == 0:
            return None
        given = _first_given(rows, source, name, self._repeated[(source, name)])
        by: pl.Expr = pl.lit(None, pl.Date)
        for event_type in types:
            by = (
                pl.when(pl.col("type") == event_type)
                .then(pl.col(self._days[event_type]))
                .otherwise(by)
            )
        return referring.with_columns(by.alias("_by")).join(
            given, on=["subject", name], how="left", maintain_order="left"
        )


def _after_removal(corrections: pl.DataFrame, removals: pl.DataFrame, key: str) -> pl.DataFrame:
    """The corrections of a record decided on or after the day its first removal was decided
    (first by day of decision, then of effect, then place), other than that removal: a
    removed record has nothing left to correct, as
    :func:`~credit_rules.engine.history.build_records` refuses it."""
    if _each_record_once(corrections, key):
        # Only a record corrected twice can be corrected after its removal. A look at the
        # subjects, then at the records, costs a tenth of the sort, grouping and join
        # below, which cost milliseconds even on a few thousand corrections (Lianyungang's
        # 11,326 at a million persons: 4.6 ms, each record corrected once).
        return corrections.clear()
    first = (
        removals.select("_sid", key, "_decided", "date", "_place")
        .sort("_decided", "date", "_place")
        .group_by("_sid", key, maintain_order=True)
        .first()
        .select(
            "_sid",
            key,
            pl.col("_decided").alias("_removal_decided"),
            pl.col("_place").alias("_removal_place"),
        )
    )
    return corrections.join(first, on=["_sid", key], how="inner").filter(
        (pl.col("_place") != pl.col("_removal_place"))
        & (pl.col("_decided") >= pl.col("_removal_decided"))
    )


def _each_record_once(corrections: pl.DataFrame, key: str) -> bool:
    """Whether no record is corrected twice: no subject is (a count of distinct numbers,
    the cheapest), or no pair of subject and record."""
    subjects = corrections.get_column("_sid")
    if subjects.n_unique() == subjects.len():
        return True
    return not corrections.select(pl.struct("_sid", key).is_duplicated().any()).item()


def _reaching(
    events: pl.DataFrame,
    floor: Mapping[str, dt.date],
    as_of: dt.date,
    corrections: Sequence[str],
) -> pl.Series:
    """The subjects with an event of a type in ``floor`` from its first day to ``as_of``, or
    a correction by then (each once): a subject's history is refused if a correction finds
    no record to correct (:meth:`History.records`), whether or not a measure reaches
    ``as_of``, as the per-subject engine refuses it. The few such subjects are found first,
    then looked up in a set: a join would hash every event's subject into a table of its own
    (twice the time, at a million)."""
    by_day: dict[dt.date, list[str]] = {}
    firsts = {**floor, **dict.fromkeys(corrections, dt.date.min)}
    for event_type, first in firsts.items():
        if first <= as_of:
            by_day.setdefault(first, []).append(event_type)
    recent = pl.lit(False)
    for first, types in by_day.items():
        recent |= pl.col("type").is_in(sorted(types)) & (pl.col("date") >= first)
    return (
        events.lazy()
        .filter(recent & (pl.col("date") <= as_of))
        .select(pl.col("subject").unique())
        .collect(engine=ENGINE)
        .to_series()
    )


def _hashed_ids(frame: pl.DataFrame, named: pl.Series | None) -> pl.Expr:
    """Subject numbers for a history that is not put in order: the ids' hashes, unless two
    ids share one, then their ranks (slower, and never needed in practice). ``named`` holds
    every id ``frame`` can name, each once, where the narrowing found them: hashing those
    few answers the question without counting the distinct ids of every event."""
    differ = hashes_differ(frame) if named is None else named.hash().n_unique() == named.len()
    if differ:
        return pl.col("subject").hash().alias("_sid")
    return pl.col("subject").rank("dense").cast(pl.UInt64).alias("_sid")


def completed(events: pl.DataFrame, schema: VocabularySchema) -> pl.DataFrame:
    """The events as their models read them: :func:`defaults`, and a decision day not given
    is the event's own day (the front door's rule)."""
    frame = defaults(events, schema)
    for event_type, field_name in schema.decided.items():
        if field_name in frame.columns:
            frame = frame.with_columns(
                pl.when(pl.col("type") == event_type)
                .then(pl.col(field_name).fill_null(pl.col("date")))
                .otherwise(pl.col(field_name))
                .alias(field_name)
            )
    return frame


def defaults(events: pl.DataFrame, schema: VocabularySchema) -> pl.DataFrame:
    """A null where a type's model has a default is that default, as the per-subject front
    door reads an absent field (Ganzhou: an objection is ``written`` unless it says not)."""
    filled = []
    for name in schema.columns:
        if name not in events.columns:
            continue
        value = pl.col(name)
        changed = False
        for event_type, fields in schema.fields.items():
            spec = fields.get(name)
            if spec is None or spec.default is None:
                continue
            default = spec.default
            fill = (
                pl.lit(list(default), pl.List(pl.String))
                if isinstance(default, tuple)
                else pl.lit(default)
            )
            missing = (pl.col("type") == event_type) & pl.col(name).is_null()
            value = pl.when(missing).then(fill).otherwise(value)
            changed = True
        if changed:
            filled.append(value.alias(name))
    return events.with_columns(filled) if filled else events
