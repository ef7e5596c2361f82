"""The condition language as Polars expressions.

Each expression of the IR becomes one Polars expression over columns: a fact by its id, a
builtin (``trigger_date``, ``subject_kind``) by its name, and a field of an event in scope by
``"<scope>.<field>"`` (``trigger.record``, ``event.date``). Parameters are folded in as
literals, as the per-subject backend folds them into its closures.

The null rules are the reference's (:mod:`credit_rules.engine.closures`): a comparison with a
missing value is false, arithmetic on a missing value is missing, and ``and``/``or``/``not``
see a missing value as false. Anything this module cannot express raises :class:`Refused`
naming it, so that the backend refuses the ruleset when it is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from credit_rules.columnar.workdays import DayIndex
from credit_rules.i18n import Message, Quantity
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import fold
from credit_rules.ruleset.expressions import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Conditional,
    Const,
    Expr,
    Field,
    Not,
    Ref,
)

_EPOCH = dt.date(1970, 1, 1)


class Refused(Exception):
    """A construct the columnar backend does not compile; its :class:`Message` names the
    construct, so the refusal reads in the language of whoever builds the engine."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


#: Whether a row of a grid is a day of its occasion's stretch ``[_d, _e]`` (``_e`` null: on
#: past ``as_of``): every row but the one stretch of an occasion removed by its trigger's
#: day, which ends before it starts and on which the walk assesses nothing.
ON_STRETCH = pl.col("_e").is_null() | (pl.col("_d") <= pl.col("_e"))


def column(scope: str, name: str) -> str:
    return f"{scope}.{name}"


def _truth(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False)


def _constant_truth(value: object) -> pl.Expr:
    # A column of the frame's length: a bare literal, or fill_null on one, can reach a filter
    # with the wrong length in Polars 1.x on frames of 100,000 rows and more.
    return pl.repeat(bool(value), pl.len())


_INT64 = range(-(2**63), 2**63)


def _in_a_column(value: object, what: Message) -> object:
    """``value``, if a column can hold it: a whole number beyond 64 bits cannot (the walk
    compares it as Python does; Polars would fail when the plan runs, on the first row)."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        raise Refused(
            Message("{what} {value}, a whole number beyond 64 bits", what=what, value=value)
        )
    return value


class ExprCompiler:
    def __init__(
        self, parameters: Mapping[str, ir.ParameterValue], days: DayIndex | None = None
    ) -> None:
        self.parameters = parameters
        #: Counts periods in working days; without it such a period is refused.
        self.days = days
        #: Each working-day count compiled so far: true where its start has a value and the
        #: count none (it ran past the calendar, where the engine raises CalendarRangeError).
        self.overflows: list[pl.Expr] = []

    def compile(self, expr: Expr) -> pl.Expr:
        return self._compile(fold(expr, self.parameters))

    def condition(self, expr: Expr) -> pl.Expr:
        """A condition as a boolean column that is never null."""
        folded = fold(expr, self.parameters)
        if isinstance(folded, Const):
            return _constant_truth(folded.value)
        return _truth(self._compile(folded))

    def _compile(self, expr: Expr) -> pl.Expr:
        if isinstance(expr, Const):
            return pl.lit(_in_a_column(expr.value, Message("the number")))
        if isinstance(expr, Ref):
            if expr.name in self.parameters:
                value = self.parameters[expr.name]
                if isinstance(value, Period):
                    raise Refused(
                        Message(
                            "the period parameter {name} outside date arithmetic", name=expr.name
                        )
                    )
                return pl.lit(
                    _in_a_column(value, Message("the parameter {name} =", name=expr.name))
                )
            return pl.col(expr.name)
        if isinstance(expr, Field):
            return pl.col(column(expr.scope, expr.name))
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Not):
            return ~_truth(self._compile(expr.operand))
        if isinstance(expr, BoolOp):
            parts = [_truth(self._compile(o)) for o in expr.operands]
            return pl.all_horizontal(parts) if expr.op == "and" else pl.any_horizontal(parts)
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Arith):
            return self._arith(expr)
        if isinstance(expr, Conditional):
            return (
                pl.when(_truth(self._compile(expr.test)))
                .then(self._compile(expr.then))
                .otherwise(self._compile(expr.otherwise))
            )
        raise Refused(Message("the expression {kind}", kind=type(expr).__name__))

    def _call(self, expr: Call) -> pl.Expr:
        argument = self._compile(expr.argument)
        if expr.function == "end_of_year":
            return pl.date(argument.dt.year(), 12, 31)
        if expr.function == "next_day":
            return argument + pl.duration(days=1)
        if expr.function == "year_of":
            return argument.dt.year().cast(pl.Int64)
        if expr.function == "working_day_on_or_after":
            if self.days is None:
                raise Refused(Message("working_day_on_or_after() without a calendar"))
            rolled = self.days.roll_forward(argument)
            self.overflows.append(argument.is_not_null() & rolled.is_null())
            return rolled
        raise Refused(Message("the function {function}()", function=expr.function))

    def _compare(self, expr: Compare) -> pl.Expr:
        left, right = self._compile(expr.left), self._compile(expr.right)
        if expr.op in ("in", "not in"):
            # A text against a list (a list field, or a fact that collects values): false when
            # either is missing, as every comparison with a missing value is.
            found = right.list.contains(left, nulls_equal=False)
            if expr.op == "not in":
                found = ~found
            return _truth(left.is_not_null() & right.is_not_null() & found)
        compared = {
            "==": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[expr.op]
        return _truth(compared)

    def _arith(self, expr: Arith) -> pl.Expr:
        if expr.type != "date":
            left, right = self._compile(expr.left), self._compile(expr.right)
            return left + right if expr.op == "+" else left - right
        period = self._period(expr.right)
        if period is None or expr.op != "+":
            raise Refused(
                Message("date arithmetic other than <date> + <period parameter or constant>")
            )
        start = self._compile(expr.left)
        counted = add_period(start, period, self.days)
        if period.unit == "working_days":
            self.overflows.append(start.is_not_null() & counted.is_null())
        return counted

    def _period(self, expr: Expr) -> Period | None:
        if isinstance(expr, Ref) and isinstance(self.parameters.get(expr.name), Period):
            value = self.parameters[expr.name]
            assert isinstance(value, Period)
            return value
        return None


def add_period(start: pl.Expr, period: Period, days: DayIndex | None = None) -> pl.Expr:
    """The last day of ``period`` counted from the day after ``start`` (Civil Code Arts
    201-203, :func:`credit_rules.periods.last_day_of_period`): Polars' calendar offsets clamp
    to the month's end as the Code does; working days are counted on ``days``."""
    if period.unit == "working_days":
        if days is None:
            raise Refused(
                Message(
                    "a period in working days ({period}) without a calendar",
                    period=Quantity(period.count, period.unit),
                )
            )
        return days.add_working_days(start, period.count)
    if period.unit == "days":
        return start + pl.duration(days=period.count)
    suffix = "y" if period.unit == "years" else "mo"
    return start.dt.offset_by(f"{period.count}{suffix}")


def per_day(expr: pl.Expr, frame: pl.DataFrame) -> pl.Expr:
    """``expr`` looked up in a table of its answers on each day of the span of the one date
    column of ``frame`` it reads, as :func:`shifted` does for a period: a calendar offset
    costs about ten times a lookup (22 against 2.4 ms on 450,000 entries), and a
    population's triggers span a few thousand days. ``expr`` itself if it reads anything
    else, or is that column alone."""
    names = set(expr.meta.root_names())
    if len(names) != 1 or expr.meta.is_column():
        return expr
    (name,) = names
    if frame.schema.get(name) != pl.Date:
        return expr
    dates = frame.get_column(name)
    low, high = dates.min(), dates.max()
    if not isinstance(low, dt.date) or not isinstance(high, dt.date):
        return expr
    if (high - low).days >= dates.len():
        return expr
    span = pl.date_range(low, high, eager=True).alias(name).to_frame()
    table = span.select(expr).to_series()
    return pl.lit(table).gather(days_after(pl.col(name), low))


def shifted(dates: pl.Series, period: Period) -> pl.Series:
    """:func:`add_period` on a column of dates. Calendar offsets cost far more than a
    lookup, and a population's dates span a few thousand days: each day of their span is
    counted once and every row looks its answer up."""
    if period.unit not in ("months", "years") or dates.null_count() == dates.len():
        return pl.select(add_period(pl.lit(dates), period)).to_series()
    low, high = dates.min(), dates.max()
    assert isinstance(low, dt.date) and isinstance(high, dt.date)
    if (high - low).days >= dates.len():
        return pl.select(add_period(pl.lit(dates), period)).to_series()
    span = pl.date_range(low, high, eager=True)
    table = pl.select(add_period(pl.lit(span), period)).to_series()
    offset = dates.to_frame("_day").select(days_after(pl.col("_day"), low)).to_series()
    return table.gather(offset).alias(dates.name)


def days_after(day: pl.Expr, first: dt.date) -> pl.Expr:
    """The number of days from ``first`` to ``day``, a date on or after it, as a gather's
    row number: the date's day number less ``first``'s, read as unsigned (it is never
    negative). A checked cast to UInt32 costs as much as the gather it feeds (0.6 of 1.2
    ms on 450,000 dates), and a date's cast to Int32 more than its day number's."""
    return (day.to_physical() - (first - _EPOCH).days).reinterpret(signed=False)
