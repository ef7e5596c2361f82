"""Hypothesis strategies for credit histories, days, and variants of a ruleset.

    >>> from hypothesis import given
    >>> from credit_rules import bundled
    >>> from credit_rules.testing import strategies as crs
    >>> @given(crs.cases(bundled("ganzhou-2023")))
    ... def test_something(case: crs.Case) -> None:
    ...     ...

Histories respect the procedures of the regulations, because a property checked on histories
that could not happen proves nothing and fails for the wrong reason. Each regulation's
strategies live in its module of :mod:`credit_rules.testing.regulations`, registered once, and
are re-exported here:

- Lianyungang Art 8: a record is collected, verified, determined and entered, and only entered
  records count; objections and corrections (Art 13) refer to entered records.
- Ganzhou Arts 12–20: an evaluation is published, an objection names it, a suspension
  (Art 20) names the objection and ends after it starts, the decision follows the filing.
- Ganzhou Arts 22–25: a repair application names a determined record, then acceptance, at most
  the ruleset's number of extensions within its cap (Art 25: one, of at most 15 working days),
  then the decision.
- Ganzhou Art 15: an agreement is terminated, and qualification applications follow.
- Ganzhou Arts 5–9: information collected with its kind and source; commitments, some breached.

Subjects of every kind, with valid and deliberately invalid identity numbers and unified social
credit codes, come from :mod:`credit_rules.testing.subjects` and are re-exported here
(:func:`subjects`, :func:`subject_mappings`, :func:`resident_identity_numbers`,
:func:`unified_social_credit_codes`); importing this module registers them, so
``st.from_type(InsuredPerson)`` works.

Everything shrinks towards a small, readable counterexample: few events, ids like ``r1``,
``e1``, ``o11``, the first category and the mildest severity, and each date towards the day
the ruleset took effect or towards the event it follows (offsets shrink to zero).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from credit_rules.calendar import WorkingCalendar, default_calendar
from credit_rules.i18n import Message
from credit_rules.model.events import Event
from credit_rules.periods import Period
from credit_rules.ruleset import ir
from credit_rules.ruleset.loader import with_parameters
from credit_rules.testing import _draws
from credit_rules.testing._draws import (
    ONE_DAY,
    TRUE_FIRST,
    History,
    TestingPack,
    days_between,
    index,
    near_rest_days,
    offset,
)
from credit_rules.testing._hypothesis import st
from credit_rules.testing.cases import Case, ParameterOverride
from credit_rules.testing.regulations import PACKS
from credit_rules.testing.regulations.ganzhou import (
    GANZHOU_CATEGORIES,
    GANZHOU_IN_FORCE,
    ganzhou_histories,
)
from credit_rules.testing.regulations.lianyungang import (
    LIANYUNGANG_IN_FORCE,
    insured_persons,
    lianyungang_entries,
    lianyungang_histories,
)

# Importing the subject strategies registers them with st.from_type (InsuredPerson, Subject...),
# so `from credit_rules.testing import strategies` is all a suite needs.
from credit_rules.testing.subjects import (
    register_type_strategies,
    representatives,
    resident_identity_numbers,
    subject_mappings,
    subjects,
    unified_social_credit_codes,
)

__all__ = [
    "GANZHOU_CATEGORIES",
    "GANZHOU_IN_FORCE",
    "HISTORY_VOCABULARIES",
    "LIANYUNGANG_IN_FORCE",
    "Case",
    "History",
    "cases",
    "dates",
    "dates_around",
    "days_between",
    "ganzhou_histories",
    "in_force_dates",
    "insured_persons",
    "lianyungang_entries",
    "lianyungang_histories",
    "near_rest_days",
    "parameter_overrides",
    "parameter_variants",
    "register_type_strategies",
    "representatives",
    "resident_identity_numbers",
    "span_end",
    "subject_mappings",
    "subjects",
    "unified_social_credit_codes",
]

#: How far before a ruleset took effect generated events may lie (non-retroactivity).
_BEFORE_IN_FORCE: Final = 90


# -- days ------------------------------------------------------------------------------------


def dates(
    start: dt.date = LIANYUNGANG_IN_FORCE, end: dt.date = dt.date(2026, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Days in [start, end]; shrinks towards 2000-01-01 as far as the range allows (hypothesis'
    own date strategy). New code should prefer :func:`days_between`, which shrinks to ``start``."""
    return _draws.dates(start, end)


def span_end(ruleset: ir.Ruleset, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """The last day generated histories reach for ``ruleset``.

    Long enough for a record to expire and the measures it set to run out (twice the longest
    validity of a register, plus a year; at least three years), never past ``in_force_until``,
    and inside the calendar's years, so that every working-day deadline can be counted.
    """
    years = 3
    for register in ruleset.registers:
        if register.validity is None:
            continue
        validity = ruleset.parameter(register.validity).value
        if isinstance(validity, Period):
            length = {"years": validity.count, "months": -(-validity.count // 12)}.get(
                validity.unit, 1
            )
            years = max(years, 2 * length + 1)
    end = _shift_years(ruleset.in_force_from, min(years, 12))
    if ruleset.in_force_until is not None:
        end = min(end, ruleset.in_force_until)
    last_year = (calendar or default_calendar()).last_year
    return min(end, dt.date(last_year - 2, 12, 31))


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def in_force_dates(
    ruleset: ir.Ruleset, *, end: dt.date | None = None
) -> st.SearchStrategy[dt.date]:
    """Days on which ``ruleset`` may be evaluated: from ``in_force_from`` to ``end`` (default
    :func:`span_end`); shrinks to the day it took effect."""
    return days_between(ruleset.in_force_from, end or span_end(ruleset))


def dates_around(
    ruleset: ir.Ruleset,
    *,
    before: int = _BEFORE_IN_FORCE,
    after: int = _BEFORE_IN_FORCE,
    end: dt.date | None = None,
) -> st.SearchStrategy[dt.date]:
    """Days inside and around ``ruleset``'s in-force period: up to ``before`` days before it
    took effect (events the engine must ignore: non-retroactivity, Legislation Law Art 104),
    the period itself to ``end`` (default :func:`span_end`), and, for a ruleset with an
    ``in_force_until``, up to ``after`` days beyond it. Shrinks to ``in_force_from``."""
    inside = in_force_dates(ruleset, end=end)
    first, last = ruleset.in_force_from, ruleset.in_force_until
    options = [inside]
    if before > 0:
        options.append(days_between(first - dt.timedelta(days=before), first - ONE_DAY))
    if last is not None and after > 0:
        options.append(days_between(last + ONE_DAY, last + dt.timedelta(days=after)))
    return st.one_of(options)


# -- parameters --------------------------------------------------------------------------------


def _bounds(parameter: ir.Parameter) -> tuple[int, int]:
    value = parameter.value
    number = value.count if isinstance(value, Period) else int(value)
    # Where the file declares no bound, stay between half and twice the file's value, so that
    # a variant remains a plausible reading of the text rather than an arbitrary number.
    low = parameter.min if parameter.min is not None else number // 2
    high = parameter.max if parameter.max is not None else max(number * 2, number + 2, low)
    return low, max(high, low)


def _parameter_values(parameter: ir.Parameter) -> st.SearchStrategy[ParameterOverride]:
    if parameter.type == "flag":
        return st.booleans()
    low, high = _bounds(parameter)
    if parameter.type == "count":
        return st.integers(low, high)
    value = parameter.value
    assert isinstance(value, Period)
    unit = value.unit
    return st.integers(low, high).map(lambda n: str(Period(n, unit)))


def parameter_overrides(
    ruleset: ir.Ruleset,
    *,
    names: Iterable[str] | None = None,
    max_changes: int | None = None,
) -> st.SearchStrategy[dict[str, ParameterOverride]]:
    """Changes to some of ``ruleset``'s parameters, each within its declared ``min``/``max``
    (where a bound is not declared: half to twice the file's value), as the mapping
    :func:`credit_rules.with_parameters` takes.

    ``names`` limits which parameters change. Shrinks to no change at all, then to the fewest
    parameters changed. Every interpretation's alternatives are one parameter value away, so
    this is how a property is checked under every reading of the text.
    """
    chosen = set(names) if names is not None else None
    if chosen is not None:
        unknown = chosen - {p.id for p in ruleset.parameters}
        if unknown:
            raise ValueError(
                Message(
                    "{id} has no parameter {unknown!r}", id=ruleset.id, unknown=sorted(unknown)[0]
                )
            )
    candidates = [p for p in ruleset.parameters if chosen is None or p.id in chosen]
    if not candidates:
        return st.just({})
    limit = len(candidates) if max_changes is None else max_changes
    # One "change it?" per parameter, in the file's order, so that shrinking drops each change
    # on its own (a list of picks would shift every later draw). About one in four changes.
    change = st.sampled_from((False, False, False, True))
    values = [(p.id, _parameter_values(p)) for p in candidates]

    @st.composite
    def overrides(draw: st.DrawFn) -> dict[str, ParameterOverride]:
        found: dict[str, ParameterOverride] = {}
        for name, value in values:
            if len(found) < limit and draw(change):
                found[name] = draw(value)
        return found

    return overrides()


@dataclass(frozen=True, repr=False, eq=False)
class _Variant(ir.Ruleset):
    """A ruleset drawn by :func:`parameter_variants`; it only prints shorter, so that a failing
    example reads ``<ruleset lianyungang-2007 1.0.0+record_validity=3 years>`` rather than
    every article of the regulation."""

    def __repr__(self) -> str:
        return f"<ruleset {self.id} {self.version}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ir.Ruleset) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)


def _variant(ruleset: ir.Ruleset, overrides: dict[str, ParameterOverride]) -> ir.Ruleset:
    if not overrides:
        return ruleset
    changed = with_parameters(ruleset, overrides)
    fields = {f.name: getattr(changed, f.name) for f in dataclasses.fields(changed) if f.init}
    return _Variant(**fields)


def parameter_variants(
    ruleset: ir.Ruleset,
    *,
    names: Iterable[str] | None = None,
    max_changes: int | None = None,
) -> st.SearchStrategy[ir.Ruleset]:
    """``with_parameters(ruleset, {...})`` for the changes :func:`parameter_overrides` draws:
    the ruleset under another admissible reading. Shrinks to ``ruleset`` itself."""
    return parameter_overrides(ruleset, names=names, max_changes=max_changes).map(
        lambda overrides: _variant(ruleset, overrides)
    )


# -- any ruleset -------------------------------------------------------------------------------


def _draw_before_in_force(
    draw: st.DrawFn, ruleset: ir.Ruleset, pack: TestingPack, subject: str
) -> list[Event]:
    """Perhaps a record entered shortly before the ruleset took effect, which must never count.
    It gets no follow-ups: a correction after the date would name a record the ruleset never
    saw."""
    if not draw(st.booleans()):
        return []
    first = ruleset.in_force_from
    day = draw(days_between(first - dt.timedelta(days=_BEFORE_IN_FORCE), first - ONE_DAY))
    return pack.before_in_force(draw, ruleset, subject, day)


HISTORY_VOCABULARIES: Final = tuple(sorted(PACKS))
"""The event vocabularies :func:`cases` can draw histories for."""

_AFTER_LAST: Final = offset(0, 400)
_AROUND: Final = offset(-20, 20)


def _draw_as_of(
    draw: st.DrawFn, ruleset: ir.Ruleset, events: Sequence[Event], end: dt.date
) -> dt.date:
    first = ruleset.in_force_from
    last = ruleset.in_force_until or dt.date.max
    known = sorted({e.date for e in events if e.date >= first})
    # Usually after the last event (shrinking to its day); otherwise among the events, so that
    # some lie after as_of (time locality).
    if not known or draw(TRUE_FIRST):
        chosen = (known[-1] if known else first) + draw(_AFTER_LAST)
    else:
        chosen = known[draw(index(len(known)))] + draw(_AROUND)
    return min(max(chosen, first), last, end + dt.timedelta(days=400))


def cases(
    ruleset: ir.Ruleset,
    *,
    vary_parameters: bool = False,
    parameters: Iterable[str] | None = None,
) -> st.SearchStrategy[Case]:
    """A case for any ruleset whose vocabulary has a history strategy (``lianyungang-2007``,
    ``ganzhou-2023``): one subject of a kind the ruleset declares, its history from before the
    ruleset took effect to :func:`span_end`, and a day to evaluate on, usually after the last
    event, sometimes among them (so that some events are in the future).

    With ``vary_parameters`` the case also changes some parameters within their bounds
    (:func:`parameter_overrides`, limited to ``parameters`` if given), and the history respects
    the changed ruleset (an Art 25 cap of 0 allows no extension). Raises ``ValueError`` for a
    vocabulary without a history strategy.
    """
    pack = PACKS.get(ruleset.vocabulary)
    if pack is None:
        known = ", ".join(HISTORY_VOCABULARIES)
        raise ValueError(
            Message(
                "no history strategy for vocabulary {vocabulary!r} (known: {known})",
                vocabulary=ruleset.vocabulary,
                known=known,
            )
        )
    start, end = ruleset.in_force_from, span_end(ruleset)
    plain = pack.histories(ruleset, start, end)
    changes = parameter_overrides(ruleset, names=parameters) if vary_parameters else None
    varied: dict[tuple[tuple[str, Any], ...], st.SearchStrategy[History]] = {}

    def histories_for(key: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[History]:
        if not key:
            return plain
        if key not in varied:
            if len(varied) > 256:
                varied.clear()
            varied[key] = pack.histories(with_parameters(ruleset, dict(key)), start, end)
        return varied[key]

    @st.composite
    def drawn(draw: st.DrawFn) -> Case:
        key: tuple[tuple[str, Any], ...] = ()
        if changes is not None:
            key = tuple(sorted(draw(changes).items()))
        history = draw(histories_for(key))
        earlier = _draw_before_in_force(draw, ruleset, pack, history.subject.id)
        events = (*earlier, *history.events)
        as_of = _draw_as_of(draw, ruleset, events, end)
        return Case((history.subject,), events, as_of, key)

    return drawn()
