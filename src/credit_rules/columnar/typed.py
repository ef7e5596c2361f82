"""The columnar backend behind the typed API: event models in, result values out.

``Engine(ruleset, backend="columnar")`` answers ``evaluate`` and ``outcomes`` for a whole
population with the Polars plans of :class:`~credit_rules.columnar.ColumnarEngine` instead of one
walk per subject. The plans compute what the walk computes (tests/test_columnar_differential.py
holds them to it, row for row); this module only moves values between the two shapes, so that
the typed API's caller gets exactly the :class:`~credit_rules.model.results.Evaluation` the walk
would have built, in the same order.

Why a population is worth the round trip: the walk spends a few dozen microseconds of Python on
each subject, the plans a fraction of a microsecond per row, and turning a row back into a
result value costs about what building it in the walk did.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat, starmap
from typing import Any, TypeVar

import polars as pl

from credit_rules.calendar import WorkingCalendar
from credit_rules.columnar.backend import ColumnarEngine, ColumnarResult
from credit_rules.columnar.inputs import COLUMN_DTYPES, Inputs
from credit_rules.columnar.partitions import one_by_one, subject_ranges
from credit_rules.columnar.result_texts import ResultColumns
from credit_rules.columnar.schema import ColumnKind, VocabularySchema, vocabulary_schema
from credit_rules.engine.inputs import given_ids
from credit_rules.engine.program import CompiledRule
from credit_rules.errors import CreditRulesError
from credit_rules.model.events import Event
from credit_rules.model.results import (
    Deadline,
    Decision,
    Duty,
    ExcludedDays,
    Provenance,
    Trigger,
)
from credit_rules.ruleset import ir

_TRIGGER = ("trigger_type", "trigger_key", "trigger_date", "trigger_seq")
_Result = TypeVar("_Result", Decision, Duty)


class _NotInColumns(Exception):
    """A model's value that no column of its kind can hold."""


_EPOCH = dt.date(1970, 1, 1)
#: What makes the plans give up on an input, which the walk then answers or refuses in its
#: own words: a refusal of the columnar backend (a contradiction it found, a count past the
#: calendar, an extension over its cap: each worded its own way, or found in another order),
#: or a value no column can hold.
_REFUSED = (CreditRulesError, _NotInColumns)
#: Fields of a result that come from its rule or are built for it, not read from a column.
_OUTCOME, _RULE, _TRIGGER_OBJECT, _PROVENANCE = "=outcome", "=rule", "=trigger", "=provenance"
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ORDINAL = dt.date.toordinal
#: Events per range of subjects evaluated at once. Lianyungang, 1,000,000 persons (461,124
#: events, 964 MiB of models), peak resident set of `evaluate` before results shared their
#: days, texts and triggers: 1,631 MiB in one range, 1,559 in ranges of 200,000 events, 1,489
#: of 100,000 and 1,455 of 50,000, at about the same speed (2 shared cores, 2026-12-04); with
#: them, 1,350-1,392 MiB in ranges of 100,000.
EVENTS_PER_PART = 100_000


class PopulationPlans:
    """A ruleset's Polars plans as the typed API uses them. Like the engine that holds them,
    they keep no state of an evaluation."""

    def __init__(
        self, ruleset: ir.Ruleset, calendar: WorkingCalendar, rules: Sequence[CompiledRule]
    ) -> None:
        self._plans = ColumnarEngine(ruleset, calendar=calendar)
        self._schema = vocabulary_schema(ruleset.vocabulary)
        #: The walk's compiled rules by id: their texts and the fields a result takes from them.
        self._rules = {rule.id: rule for rule in rules}
        self._one_kind = len(ruleset.subject_kinds) == 1
        self._trigger_names = _trigger_names(ruleset, rules)

    def _read(self, kinds: Mapping[str, str], events: Sequence[Event]) -> Inputs:
        """The population as the plans' validated input. A ruleset of one subject kind needs
        no subjects table once every subject an event names was given (a set of them costs
        a fraction of a table of a million ids, checked again on the way in); without it,
        the subjects are those the events name, each of the one kind."""
        tables = event_tables(events, self._schema)
        subjects: pl.DataFrame | None = None
        given = given_ids(kinds)
        if not self._one_kind or not all(map(given.__contains__, _subjects_named(tables))):
            subjects = subject_table(kinds)
        return self._plans.read(tables, subjects)

    def evaluate(
        self,
        kinds: Mapping[str, str],
        events: Sequence[Event],
        as_of: dt.date,
        known_at: dt.date | None,
    ) -> tuple[tuple[Decision, ...], tuple[Deadline, ...], tuple[Duty, ...], ResultColumns] | None:
        """Decisions, deadlines and duties of a validated population, as the walk builds
        them, and the columns they were made from (for the texts of a JSON document); None
        if the plans refuse the input (a contradiction in a history: the walk, which refuses
        it too, then says why in the typed API's own words)."""
        values = _Values()
        columns = ResultColumns(self._trigger_names)
        decisions: list[Decision] = []
        deadlines: list[Deadline] = []
        duties: list[Duty] = []
        try:
            inputs = self._read(kinds, events)
            # In ranges of subjects, as `credit-rules batch` does, for the same reason: the
            # plans' intermediate tables are several times their input.
            for part in one_by_one(subject_ranges(inputs, EVENTS_PER_PART)):
                found = self._plans.evaluate(part, as_of=as_of, known_at=known_at)
                more = results(found, self._rules, values, columns)
                decisions.extend(more[0])
                deadlines.extend(more[1])
                duties.extend(more[2])
        except _REFUSED:
            return None
        return tuple(decisions), tuple(deadlines), tuple(duties), columns

    def outcomes(
        self,
        kinds: Mapping[str, str],
        events: Sequence[Event],
        as_of: dt.date,
        known_at: dt.date | None,
    ) -> dict[str, frozenset[str]] | None:
        """What applies to each subject on ``as_of`` (those with nothing left out); None as
        :meth:`evaluate`."""
        try:
            found = self._plans.outcomes(self._read(kinds, events), as_of=as_of, known_at=known_at)
        except _REFUSED:
            return None
        names: dict[str, list[str]] = {}
        for subject, outcome in found.iter_rows():
            names.setdefault(subject, []).append(outcome)
        return {subject: frozenset(outcomes) for subject, outcomes in names.items()}


def event_tables(events: Sequence[Event], schema: VocabularySchema) -> list[pl.DataFrame]:
    """One table per event type, a column per field, in the order the events were given.

    Each model's field values are read from its ``__dict__``, once per field: a population's
    models lie scattered in memory, and a dict lookup is the cheapest way to reach them
    (attribute access on a pydantic model costs half as much again). Days go in as ordinals,
    which Polars takes several times faster than ``date`` objects."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        values = event.__dict__
        found = by_type.get(values["type"])
        if found is None:
            by_type[values["type"]] = [values]
        else:
            found.append(values)
    tables = []
    for event_type, members in by_type.items():
        columns: dict[str, pl.Series] = {
            "type": pl.repeat(event_type, len(members), dtype=pl.String(), eager=True).alias(
                "type"
            ),
            "subject": _series("subject", "text", members),
            "date": _series("date", "date", members),
        }
        for name, spec in schema.fields.get(event_type, {}).items():
            columns[name] = _series(name, spec.kind, members)
        tables.append(pl.DataFrame(columns))
    return tables


def _series(name: str, kind: ColumnKind, members: list[dict[str, Any]]) -> pl.Series:
    if kind == "date":
        return _days(name, members)
    values = list(map(operator.itemgetter(name), members))
    if kind == "list":
        values = [None if value is None else list(value) for value in values]
    try:
        return pl.Series(name, values, COLUMN_DTYPES[kind])
    except (TypeError, OverflowError, pl.exceptions.PolarsError) as error:
        # A value a model allows but a column cannot hold (a count beyond 64 bits): the walk,
        # which holds any Python value, answers instead.
        raise _NotInColumns(name) from error


def _days(name: str, members: list[dict[str, Any]]) -> pl.Series:
    """A column of days, each read and made an ordinal in one pass, while its object is
    still in the cache (a second pass over a population's days scattered in memory: 33
    against 22 ms for 89,615 entries); a column with a day left out is read again."""
    try:
        ordinals: list[int | None] = list(map(_ORDINAL, map(operator.itemgetter(name), members)))
    except TypeError:
        values = map(operator.itemgetter(name), members)
        ordinals = [None if day is None else day.toordinal() for day in values]
    return (pl.Series(name, ordinals, pl.Int32()) - _EPOCH_ORDINAL).cast(pl.Date())


def subject_table(kinds: Mapping[str, str]) -> pl.DataFrame:
    """The subjects, ``id`` and ``kind``, as the plans read them."""
    return pl.DataFrame(
        {
            "id": pl.Series("id", list(kinds), pl.String()),
            "kind": pl.Series("kind", list(kinds.values()), pl.String()),
        }
    )


def _subjects_named(tables: Sequence[pl.DataFrame]) -> list[str]:
    """Every subject some event names, once."""
    named = pl.concat([table.get_column("subject") for table in tables]) if tables else None
    return [] if named is None else named.unique().to_list()


def results(
    found: ColumnarResult,
    by_id: Mapping[str, CompiledRule],
    values: _Values,
    columns: ResultColumns,
) -> tuple[tuple[Decision, ...], tuple[Deadline, ...], tuple[Duty, ...]]:
    """The result values of ``found``, in the walk's order. For decisions and duties that is
    the table's: by subject id, then rule, then trigger in the subject's history, then day;
    deadlines are put in it (:func:`_in_walk_order`). ``by_id`` gives the walk's compiled
    rules by id; ``values`` makes the Python values; ``columns`` keeps the tables and the
    triggers the results are made from."""
    # One trigger object for all the results it set off, as in the walk: a subject's
    # trigger is its place in the subject's history.
    key = ["subject", *_TRIGGER]
    numbers, distinct = _numbered(
        pl.concat([table.select(key) for table in (found.decisions, found.duties)]), key
    )
    fields = zip(*(values.of(distinct, name) for name in _TRIGGER), strict=True)
    triggers: list[Trigger] = list(starmap(Trigger, fields))
    split = found.decisions.height
    columns.add(
        distinct,
        {
            "decisions": (found.decisions, numbers[:split]),
            "duties": (found.duties, numbers[split:]),
        },
    )
    triggered = numbers.to_list()
    decided = _rows(
        found.decisions,
        triggered[:split],
        by_id,
        triggers,
        values,
        Decision,
        (
            "subject",
            _OUTCOME,
            "from",
            "until",
            "active",
            _RULE,
            _TRIGGER_OBJECT,
            _PROVENANCE,
            "provisional",
        ),
    )
    owed = _rows(
        found.duties,
        triggered[split:],
        by_id,
        triggers,
        values,
        Duty,
        ("subject", _OUTCOME, "on", _RULE, _TRIGGER_OBJECT, _PROVENANCE, "provisional"),
    )
    return decided, _in_walk_order(_deadlines(found.deadlines, by_id), by_id), owed


def _trigger_names(ruleset: ir.Ruleset, rules: Sequence[CompiledRule]) -> dict[str, str | None]:
    """Each trigger type's Chinese name as its rules' reasons give it (the result tables name
    a rule on a register by the register's entering event, as here); None where two rules
    on one type disagree."""
    registers = {register.id: register.entered_by for register in ruleset.registers}
    names: dict[str, str | None] = {}
    for rule in rules:
        kind = registers.get(rule.on, rule.on)
        name = rule.text.trigger_zh
        names[kind] = name if names.get(kind, name) == name else None
    return names


def _numbered(table: pl.DataFrame, key: list[str]) -> tuple[pl.Series, pl.DataFrame]:
    """Each row's number among the distinct values of ``key`` (nulls alike), counted in the
    order they first appear, and the rows where they do. Each row is numbered by the first
    row of its value (a window over ``key``), and the first rows, counted in order, number
    the distinct values: a join of the rows to their distinct values took three to ten
    times as long on a million rows."""
    placed = table.with_row_index("_row").with_columns(
        pl.col("_row").first().over(key).alias("_first")
    )
    first = placed.get_column("_row") == placed.get_column("_first")
    numbers = (first.cum_sum() - 1).gather(placed.get_column("_first"))
    return numbers, table.filter(first)


def _in_walk_order(
    deadlines: tuple[Deadline, ...], by_id: Mapping[str, CompiledRule]
) -> tuple[Deadline, ...]:
    """The walk counts a subject's deadlines trigger by trigger, newest first (it walks them
    so for precedence, walk.py), and a trigger's rules in the ruleset's order. Sorts are
    stable, a reversed one too, so three of them give that order."""
    ranked = sorted(deadlines, key=lambda d: by_id[d.rule].index)
    ranked.sort(
        key=lambda d: (d.trigger.date, by_id[d.rule].on, d.trigger.key or "", d.trigger.seq or 0),
        reverse=True,
    )
    ranked.sort(key=lambda d: d.subject)
    return tuple(ranked)


def _rows(
    table: pl.DataFrame,
    triggered: list[int],
    by_id: Mapping[str, CompiledRule],
    triggers: list[Trigger],
    values: _Values,
    kind: type[_Result],
    fields: tuple[str, ...],
) -> tuple[_Result, ...]:
    """One result per row of ``table``, in its order. A rule fixes the outcome and the rule
    id, which are then the rule's own strings, not a copy per row, and its results that read
    the same values share one provenance, as in the walk (fewer objects: a population's
    results are a million). Those three are made once per distinct rule and facts and each
    row takes them by its number among those, so all rules are built in one pass: rule by
    rule, the results had then to be put back in the table's order (Lianyungang, 214,251
    results: 145 against 103 ms).

    ``triggered`` numbers each row's trigger in ``triggers``. ``kind`` is the result's class
    and ``fields`` its fields in order: a column's name, or one of the markers for what
    comes from the rule (``_OUTCOME``, ``_RULE``), the trigger (``_TRIGGER_OBJECT``) or the
    facts it read (``_PROVENANCE``)."""
    # A fact a rule does not read is null in its rows, so the rule and every fact column
    # tell its distinct provenances apart.
    cause = ["rule", *(name for name in table.columns if name.startswith("fact_"))]
    numbers, distinct = _numbered(table.select(cause), cause)
    causes = numbers.to_list()
    rules = [by_id[rule] for rule in distinct.get_column("rule").to_list()]
    read = {name for rule in rules for name in rule.text.fact_names}
    facts = {name: _values(distinct.get_column(f"fact_{name}")) for name in read}
    provenances = [
        Provenance(tuple(facts[name][at] for name in rule.text.fact_names), rule.text)
        for at, rule in enumerate(rules)
    ]
    made: dict[str, Iterable[Any]] = {
        _OUTCOME: map([rule.outcome for rule in rules].__getitem__, causes),
        _RULE: map([rule.id for rule in rules].__getitem__, causes),
        _TRIGGER_OBJECT: map(triggers.__getitem__, triggered),
        _PROVENANCE: map(provenances.__getitem__, causes),
    }
    columns = (made[name] if name in made else values.of(table, name) for name in fields)
    return tuple(map(kind, *columns))


class _Values:
    """Python values of result columns, each distinct day and text made once and shared, as
    the walk shares its events' (a column's ``to_list`` makes a new object per row: a
    population's results would hold millions of copies of a few thousand days)."""

    def __init__(self) -> None:
        self._days: dict[int, dt.date] = {}

    def of(self, rows: pl.DataFrame, name: str) -> list[Any]:
        """A column's values. A text is made once per run of equal values (the tables are
        sorted by subject, so a subject's id is made once per table it has results in),
        unless most runs are of one row (a trigger's key): the runs then cost more to
        repeat than the texts to make (14 against 2 ms for 87,348 keys)."""
        column = rows.get_column(name)
        if column.dtype == pl.Date:
            return self._dates(column.to_physical())
        if column.dtype == pl.String:
            runs = column.rle()
            if 2 * runs.len() > column.len():
                return column.to_list()
            lengths = runs.struct.field("len").to_list()
            texts = runs.struct.field("value").to_list()
            return list(chain.from_iterable(map(repeat, texts, lengths)))
        return column.to_list()

    def _dates(self, numbers: pl.Series) -> list[dt.date | None]:
        """Days by their numbers since 1970. Where the days between the first and the last
        are no more than the rows, a row's day is its place in a list of them, made once
        (a list's index costs less than a dict's lookup and needs no pass for the distinct
        days: 126,903 decisions' ends, 19 against 13 ms on a busy host); otherwise only the
        days present are made."""
        days = self._days
        low, high = numbers.min(), numbers.max()
        if not isinstance(low, int) or not isinstance(high, int) or high - low > len(numbers):
            for number in numbers.unique().drop_nulls().to_list():
                if number not in days:
                    days[number] = _EPOCH + dt.timedelta(days=number)
            return list(map(days.get, numbers.to_list()))
        span: list[dt.date | None] = []
        for number in range(low, high + 1):
            day = days.get(number)
            if day is None:
                day = days[number] = _EPOCH + dt.timedelta(days=number)
            span.append(day)
        span.append(None)  # where a row has no day
        places = (numbers - low).fill_null(len(span) - 1)
        return list(map(span.__getitem__, places.to_list()))


def _values(column: pl.Series) -> list[Any]:
    """A fact's values as the walk holds them: a list of names is a tuple."""
    values = column.to_list()
    if column.dtype == pl.List:
        return list(map(_value, values))
    return values


def _value(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _deadlines(table: pl.DataFrame, by_id: Mapping[str, CompiledRule]) -> tuple[Deadline, ...]:
    """Deadlines are few (one per procedure still running), so they go row by row."""
    found = []
    for row in table.iter_rows(named=True):
        rule = by_id[row["rule"]]
        text = rule.text
        values = tuple(_value(row[f"fact_{name}"]) for name in text.fact_names)
        found.append(
            Deadline(
                subject=row["subject"],
                name=row["name"],
                start=row["start"],
                due=row["due"],
                provisional=row["provisional"],
                rule=rule.id,
                trigger=Trigger(*(row[name] for name in _TRIGGER)),
                provenance=Provenance(values, text),
                unit=row["unit"],
                count=row["count"],
                excluded=tuple(
                    ExcludedDays.model_construct(
                        first=part["first"], last=part["last"], reason=part["reason"]
                    )
                    for part in row["excluded"] or ()
                ),
                extended_by=row["extended_by"],
                provisional_reason=row["provisional_reason"],
            )
        )
    return tuple(found)
