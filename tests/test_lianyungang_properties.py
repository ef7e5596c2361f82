"""Invariants of the Lianyungang measures, checked on generated histories.

Each property names what it protects. The histories come from ``credit_rules.testing.strategies``
and respect Art 8 (only entered records count; corrections refer to entered records).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_rules import Engine, Evaluation, Event, bundled, with_parameters
from credit_rules.model.events import (
    CorrectionAction,
    DishonestyEntered,
    ObjectionDismissed,
    ObjectionFiled,
    ObjectionGround,
    QueryRequested,
    RecordCorrected,
)
from credit_rules.model.subjects import InsuredPerson
from credit_rules.periods import Period, last_day_of_period
from credit_rules.testing import strategies as crs

RULESET = bundled("lianyungang-2007")
ENGINE = Engine(RULESET)
VARIANT = Engine(with_parameters(RULESET, {"measure_ends_when_older_record_expires": True}))
ONE_DAY = dt.timedelta(days=1)
LAST_EVENT_DAY = dt.date(2026, 12, 31)

SETTINGS = settings(
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Severity per group, read from the ruleset: the Art 9–11 ladder is the group
# `settlement_measure`, ordered by priority; the Art 10(2) flag is present or absent.
LADDER = {r.outcome: r.priority for r in RULESET.rules if r.group == "settlement_measure"}
FLAG_OUTCOMES = {r.outcome for r in RULESET.rules if r.group == "audit_flag"}


def test_severity_ladder_read_from_the_ruleset_is_the_articles_order() -> None:
    # Art 9 (one record) < Art 10 (two) < Art 11 (three or more).
    assert sorted(LADDER, key=LADDER.__getitem__) == [
        "written_warning",
        "cash_settlement",
        "time_limited_reimbursement",
    ]
    assert {"audit_flag"} == FLAG_OUTCOMES


def severity(evaluation: Evaluation, subject: str = "p1") -> tuple[int, bool]:
    """(rung of the Art 9–11 ladder in force, 0 if none; whether the audit flag is on)."""
    active = evaluation.outcomes(subject)
    rung = max((LADDER[o] for o in active if o in LADDER), default=0)
    return rung, bool(active & FLAG_OUTCOMES)


def run(engine: Engine, events: Iterable[Event], as_of: dt.date) -> Evaluation:
    return engine.evaluate([{"id": "p1", "kind": "insured_person"}], list(events), as_of=as_of)


def placeless(results: Iterable[Any]) -> list[dict[str, Any]]:
    """Results as JSON, without the place of each trigger in its history (``seq``): a history
    with more events puts the same trigger at another place."""
    found = []
    for result in results:
        dumped = result.model_dump(mode="json")
        dumped["trigger"].pop("seq", None)
        found.append(dumped)
    return found


def as_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.model_dump(mode="json"), sort_keys=False)


def probe_days(
    events: Sequence[Event], since: dt.date, extra: Iterable[dt.date] = ()
) -> set[dt.date]:
    """Days on or after ``since`` where something can change: each event's day and the day
    after, and the ends of the 1-year measures and the 5-year validity, and the days after."""
    days = {since, *extra}
    for event in events:
        for length in ("0 days", "1 year", "5 years"):
            last = last_day_of_period(event.date, Period.parse(length))
            days.update({last, last + ONE_DAY})
    return {d for d in days if d >= since}


# -- monotonicity -----------------------------------------------------------------------------


def _one_more_record_is_never_milder(
    engine: Engine, history: crs.History, extra: DishonestyEntered, later: int
) -> None:
    base_events = history.events
    more_events = (*history.events, extra)
    days = probe_days(more_events, extra.date, [extra.date + dt.timedelta(days=later)])
    for as_of in sorted(days):
        base = severity(run(engine, base_events, as_of))
        more = severity(run(engine, more_events, as_of))
        assert more[0] >= base[0], (
            f"on {as_of} the ladder fell from {base[0]} to {more[0]} after entering {extra}"
        )
        assert more[1] or not base[1], f"on {as_of} the audit flag went away after {extra}"


@SETTINGS
@given(
    history=crs.lianyungang_histories(max_records=5),
    extra=crs.lianyungang_entries(),
    later=st.integers(min_value=0, max_value=6 * 366),
)
def test_one_more_entered_record_never_yields_a_milder_outcome(
    history: crs.History, extra: DishonestyEntered, later: int
) -> None:
    _one_more_record_is_never_milder(ENGINE, history, extra, later)


@settings(SETTINGS, max_examples=50)
@given(
    history=crs.lianyungang_histories(max_records=5),
    extra=crs.lianyungang_entries(),
    later=st.integers(min_value=0, max_value=6 * 366),
)
def test_one_more_entered_record_never_milder_when_measures_end_with_older_records(
    history: crs.History, extra: DishonestyEntered, later: int
) -> None:
    # The other alternative of interpretation measure_runs_full_term.
    _one_more_record_is_never_milder(VARIANT, history, extra, later)


# -- removal (Art 13) -------------------------------------------------------------------------


@settings(SETTINGS, max_examples=50)
@given(
    history=crs.lianyungang_histories(max_records=4),
    void=crs.lianyungang_entries(),
    objected_after=st.integers(min_value=0, max_value=90),
    ground=st.sampled_from(list(ObjectionGround)),
    as_of=crs.dates(),
)
def test_a_record_removed_from_its_entry_date_is_as_if_never_entered(
    history: crs.History,
    void: DishonestyEntered,
    objected_after: int,
    ground: ObjectionGround,
    as_of: dt.date,
) -> None:
    record = void.model_copy(update={"record": "void"})
    voided = (
        *history.events,
        record,
        ObjectionFiled(
            subject="p1",
            record="void",
            ground=ground,
            date=record.date + dt.timedelta(days=objected_after),
        ),
        # Interpretation removal_takes_effect_on_correction_date: void from the start is a
        # correction dated on the entry date.
        RecordCorrected(
            subject="p1", record="void", action=CorrectionAction.removed, date=record.date
        ),
    )
    for day in sorted(probe_days(voided, crs.LIANYUNGANG_IN_FORCE, [as_of])):
        never = run(ENGINE, history.events, day)
        removed = run(ENGINE, voided, day)
        assert placeless(removed.decisions) == placeless(never.decisions), day
        # The objection and its result are owed (Art 13); nothing else about the record is.
        own = [
            d
            for d in removed.duties
            if not (
                d.name in ("verify_objection", "notify_objection_result")
                and "void" in str(d.because[0].value)
            )
        ]
        assert placeless(own) == placeless(never.duties), day


@settings(SETTINGS, max_examples=50)
@given(
    history=crs.lianyungang_histories(max_records=4, corrections=False),
    removed=crs.lianyungang_entries(),
    removed_after=st.integers(min_value=0, max_value=3 * 366),
    later=st.integers(min_value=0, max_value=2 * 366),
)
def test_a_removed_record_never_counts_from_the_correction_date(
    history: crs.History, removed: DishonestyEntered, removed_after: int, later: int
) -> None:
    record = removed.model_copy(update={"record": "gone"})
    correction = RecordCorrected(
        subject="p1",
        record="gone",
        action=CorrectionAction.removed,
        date=record.date + dt.timedelta(days=removed_after),
    )
    with_removal = (*history.events, record, correction)
    since = correction.date
    for day in sorted(probe_days(with_removal, since, [since + dt.timedelta(days=later)])):
        assert run(ENGINE, with_removal, day).outcomes("p1") == run(
            ENGINE, history.events, day
        ).outcomes("p1"), day


@SETTINGS
@given(history=crs.lianyungang_histories(max_records=5), as_of=crs.dates())
def test_an_amended_record_counts_like_an_untouched_one(
    history: crs.History, as_of: dt.date
) -> None:
    amended_only = tuple(
        e
        for e in history.events
        if not (isinstance(e, RecordCorrected) and e.action == CorrectionAction.removed)
    )
    # Without its objections, a record has no dismissals answering them either.
    untouched = tuple(
        e
        for e in amended_only
        if not isinstance(e, RecordCorrected | ObjectionFiled | ObjectionDismissed)
    )
    assert placeless(run(ENGINE, amended_only, as_of).decisions) == placeless(
        run(ENGINE, untouched, as_of).decisions
    )


# -- only the past counts ---------------------------------------------------------------------


@st.composite
def later_events(draw: st.DrawFn, history: crs.History, as_of: dt.date) -> tuple[Event, ...]:
    """Events dated after ``as_of``: new records, and objections, corrections and queries about
    the history's records."""
    start = as_of + ONE_DAY
    end = max(start, LAST_EVENT_DAY) + dt.timedelta(days=800)
    fresh = draw(crs.lianyungang_histories(max_records=3, start=start, end=end))
    renamed: list[Event] = [
        e.model_copy(update={"record": f"late_{e.record}"}) if hasattr(e, "record") else e
        for e in fresh.events
    ]
    entered = [e for e in history.events if isinstance(e, DishonestyEntered)]
    for record in draw(
        st.lists(st.sampled_from(entered), max_size=2, unique=True) if entered else st.just([])
    ):
        first = max(start, record.date)
        when = draw(st.dates(min_value=first, max_value=first + dt.timedelta(days=400)))
        renamed.append(
            ObjectionFiled(
                subject="p1", record=record.record, ground=ObjectionGround.outdated, date=when
            )
        )
        renamed.append(
            RecordCorrected(
                subject="p1",
                record=record.record,
                action=draw(st.sampled_from(list(CorrectionAction))),
                date=when,
            )
        )
    renamed.extend(
        QueryRequested(subject="p1", date=d)
        for d in draw(st.lists(st.dates(min_value=start, max_value=end), max_size=2))
    )
    return tuple(renamed)


@SETTINGS
@given(data=st.data(), history=crs.lianyungang_histories(max_records=5), as_of=crs.dates())
def test_outcomes_depend_only_on_events_dated_on_or_before_as_of(
    data: st.DataObject, history: crs.History, as_of: dt.date
) -> None:
    later = data.draw(later_events(history, as_of))
    assert all(e.date > as_of for e in later)
    before = as_json(run(ENGINE, history.events, as_of))
    after = as_json(run(ENGINE, (*history.events, *later), as_of))
    assert after == before


# -- determinism ------------------------------------------------------------------------------


@SETTINGS
@given(history=crs.lianyungang_histories(max_records=6), as_of=crs.dates())
def test_two_evaluations_of_the_same_input_give_byte_identical_json(
    history: crs.History, as_of: dt.date
) -> None:
    first = as_json(run(ENGINE, history.events, as_of))
    second = as_json(run(ENGINE, history.events, as_of))
    fresh = as_json(run(Engine(RULESET), history.events, as_of))
    assert first == second == fresh


@SETTINGS
@given(history=crs.lianyungang_histories(max_records=6), as_of=crs.dates(), data=st.data())
def test_the_order_events_are_listed_in_does_not_matter(
    history: crs.History, as_of: dt.date, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(history.events))
    assert as_json(run(ENGINE, shuffled, as_of)) == as_json(run(ENGINE, history.events, as_of))


# -- Art 14: validity -------------------------------------------------------------------------


@SETTINGS
@given(
    history=crs.lianyungang_histories(max_records=5),
    old=crs.lianyungang_entries(end=dt.date(2020, 12, 31)),
    after=st.integers(min_value=1, max_value=3 * 366),
)
def test_a_record_past_its_5_year_validity_never_sets_a_new_measure(
    history: crs.History, old: DishonestyEntered, after: int
) -> None:
    # A record valid through day V can raise only the measures of entries made by V, and those
    # end by V + 1 year (Arts 10–11). After that the record makes no difference at all.
    record = old.model_copy(update={"record": "old"})
    validity = RULESET.parameter("record_validity").value
    term = max(
        RULESET.parameter(name).value
        for name in ("settlement_change_term", "time_limited_term", "audit_flag_term")
    )
    measures_end = last_day_of_period(last_day_of_period(record.date, validity), term)
    as_of = measures_end + dt.timedelta(days=after)
    with_old = run(ENGINE, (*history.events, record), as_of)
    without = run(ENGINE, history.events, as_of)
    assert with_old.outcomes("p1") == without.outcomes("p1")


# -- shape of every decision ------------------------------------------------------------------


@SETTINGS
@given(history=crs.lianyungang_histories(max_records=6), as_of=crs.dates())
def test_every_decision_ends_on_or_after_it_starts_and_is_active_exactly_inside(
    history: crs.History, as_of: dt.date
) -> None:
    result = run(ENGINE, history.events, as_of)
    assert result.as_of == as_of
    for decision in result.decisions:
        assert decision.until is None or decision.until >= decision.from_, decision
        inside = decision.from_ <= as_of and (decision.until is None or as_of <= decision.until)
        assert decision.active == inside, decision
        assert decision.from_ <= as_of, "a decision cannot start after as_of"
        assert decision.cites and decision.because
    for duty in result.duties:
        assert duty.on <= as_of


@SETTINGS
@given(history=crs.lianyungang_histories(max_records=6), as_of=crs.dates())
def test_at_most_one_rung_of_the_ladder_applies_on_any_day(
    history: crs.History, as_of: dt.date
) -> None:
    result = run(ENGINE, history.events, as_of)
    for group in ({*LADDER}, FLAG_OUTCOMES):
        spans = sorted(
            (d.from_, d.until or dt.date.max) for d in result.decisions if d.outcome in group
        )
        for (_, first_until), (second_from, _) in itertools.pairwise(spans):
            assert first_until < second_from, spans


@pytest.mark.parametrize("engine", [ENGINE, VARIANT], ids=["full_term", "ends_early"])
def test_monotonicity_holds_on_a_known_hard_case(engine: Engine) -> None:
    # Two old records expire during the third's measure; a fourth then meets only two valid ones.
    events = [
        DishonestyEntered(
            subject="p1", record="r1", category="lend_certificate", date=dt.date(2008, 1, 1)
        ),
        DishonestyEntered(
            subject="p1", record="r2", category="lend_certificate", date=dt.date(2008, 1, 2)
        ),
        DishonestyEntered(
            subject="p1", record="r3", category="lend_certificate", date=dt.date(2012, 12, 31)
        ),
    ]
    extra = DishonestyEntered(
        subject="p1", record="extra", category="resell_drugs", date=dt.date(2013, 6, 1)
    )
    _one_more_record_is_never_milder(
        engine, crs.History(InsuredPerson(id="p1"), tuple(events)), extra, 400
    )
