"""Properties that let the ledger evaluate a subject once per event and still answer exactly as
the engine does for every day: checked on generated histories of both rulesets, on parameter
variants, and with a short lookahead that forces re-evaluation while time passes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_rules import Engine, Ledger, Ruleset, Subject, bundled, with_parameters
from credit_rules.ledger.agenda import actions_of
from credit_rules.ledger.timeline import (
    intervals_of,
    outcomes_on,
    trigger_of,
)
from credit_rules.ruleset.analysis import inert_event_types

LIANYUNGANG = bundled("lianyungang-2007")
ENDS_EARLY = with_parameters(LIANYUNGANG, {"measure_ends_when_older_record_expires": True})
LONG_WARNING = with_parameters(LIANYUNGANG, {"warning_term": "5 years"})
GANZHOU = bundled("ganzhou-2023")
ONE_DAY = dt.timedelta(days=1)
SETTINGS = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CATEGORIES = ["lend_certificate", "use_others_certificate", "resell_drugs"]
Feed = list[tuple[dt.date, dict[str, Any]]]


def known_on(event: dict[str, Any]) -> dt.date:
    """The day the administration learns of an event: a correction when it is decided."""
    return event.get("decided_on") or event["date"]  # type: ignore[no-any-return]


def as_feed(events: Sequence[dict[str, Any]]) -> Feed:
    ordered = sorted(enumerate(events), key=lambda pair: (known_on(pair[1]), pair[0]))
    return [(known_on(event), event) for _, event in ordered]


@st.composite
def lianyungang_feeds(draw: st.DrawFn) -> tuple[str, Feed]:
    start, end = dt.date(2007, 10, 1), dt.date(2016, 12, 31)
    dates = st.dates(min_value=start, max_value=end)
    events: list[dict[str, Any]] = []
    for k in range(draw(st.integers(0, 5))):
        on = draw(dates)
        record = f"r{k}"
        if draw(st.booleans()):
            events.append(
                {
                    "type": "dishonesty_determined",
                    "record": record,
                    "category": "forge_documents",
                    "date": on - ONE_DAY,
                }
            )
        events.append(
            {
                "type": "dishonesty_entered",
                "record": record,
                "category": draw(st.sampled_from(CATEGORIES)),
                "date": on,
            }
        )
        if draw(st.integers(0, 3)) == 0:
            decided = on + dt.timedelta(days=draw(st.integers(0, 400)))
            effect = draw(st.sampled_from([on, decided]))
            events.append(
                {
                    "type": "record_corrected",
                    "record": record,
                    "action": draw(st.sampled_from(["removed", "amended"])),
                    "date": effect,
                    "decided_on": decided,
                }
            )
    for on in draw(st.lists(dates, max_size=2)):
        events.append({"type": "query_requested", "date": on})
    return "insured_person", as_feed([{**e, "subject": "s"} for e in events])


@st.composite
def ganzhou_feeds(draw: st.DrawFn) -> tuple[str, Feed]:
    start, end = dt.date(2024, 1, 13), dt.date(2026, 10, 31)
    dates = st.dates(min_value=start, max_value=end)

    def later(on: dt.date, low: int, high: int) -> dt.date:
        return on + dt.timedelta(days=draw(st.integers(low, high)))

    kind = draw(st.sampled_from(["medical_institution", "retail_pharmacy", "pharma_supplier"]))
    events: list[dict[str, Any]] = []
    records = []
    for i in range(draw(st.integers(0, 2))):
        on = draw(dates)
        records.append((f"d{i}", on))
        events.append(
            {
                "type": "dishonesty_determined",
                "record": f"d{i}",
                "category": draw(st.sampled_from(["false_billing", "drug_resale"])),
                "severity": draw(st.sampled_from(["general", "serious", "severe"])),
                "date": on,
            }
        )
    for j in range(draw(st.integers(0, 2))):
        published = draw(dates)
        events.append(
            {
                "type": "evaluation_published",
                "evaluation": f"e{j}",
                "year": published.year,
                "score": draw(st.integers(50, 100)),
                "date": published,
            }
        )
        for k in range(draw(st.integers(0, 1))):
            name = f"o{j}{k}"
            filed = later(published, 0, 40)
            events.append(
                {
                    "type": "objection_filed",
                    "objection": name,
                    "evaluation": f"e{j}",
                    "ground": "evaluation_result_disputed",
                    "date": filed,
                }
            )
            if draw(st.booleans()):
                first = later(filed, 0, 15)
                events.append(
                    {
                        "type": "objection_suspended",
                        "objection": name,
                        "reason": "expert_review",
                        "date": first,
                        "until": later(first, 0, 10),
                    }
                )
            if draw(st.booleans()):
                events.append(
                    {
                        "type": "objection_decided",
                        "objection": name,
                        "evaluation": f"e{j}",
                        "result": "rejected",
                        "date": later(filed, 1, 40),
                    }
                )
    for i, (record, determined) in enumerate(records):
        if draw(st.booleans()):
            applied = later(determined, 0, 200)
            events.append(
                {
                    "type": "repair_applied",
                    "application": f"a{i}",
                    "record": record,
                    "materials": ["application_and_commitment", "rectification_evidence"],
                    "date": applied,
                }
            )
            accepted = later(applied, 0, 10)
            events.append({"type": "repair_accepted", "application": f"a{i}", "date": accepted})
            if draw(st.booleans()):
                events.append(
                    {
                        "type": "repair_extended",
                        "application": f"a{i}",
                        "working_days": draw(st.integers(1, 15)),
                        "date": later(accepted, 0, 10),
                    }
                )
            if draw(st.booleans()):
                events.append(
                    {
                        "type": "repair_decided",
                        "application": f"a{i}",
                        "record": record,
                        "granted": draw(st.booleans()),
                        "date": later(accepted, 1, 40),
                    }
                )
    if draw(st.booleans()):
        events.append({"type": "agreement_terminated", "date": draw(dates)})
    return kind, as_feed([{**e, "subject": "s"} for e in events])


def fill(ledger: Ledger, kind: str, feed: Feed) -> list[tuple[str, list[str], list[str]]]:
    """Record the feed event by event; the change log as (day, gained, lost)."""
    log: list[tuple[str, list[str], list[str]]] = []

    def note(subject: Subject, gained: frozenset[str], lost: frozenset[str]) -> None:
        assert ledger.today is not None
        log.append((ledger.today.isoformat(), sorted(gained), sorted(lost)))

    ledger.subscribe(note)
    ledger.add_subject({"id": "s", "kind": kind})
    for recorded_at, event in feed:
        ledger.record(event, recorded_at=recorded_at)
    return log


def days_to_check(ruleset: Ruleset, feed: Feed, extra: int = 3000) -> list[dt.date]:
    start = ruleset.in_force_from
    found = {start, start + dt.timedelta(days=extra)}
    for recorded_at, event in feed:
        for on in (recorded_at, event["date"]):
            found |= {on - ONE_DAY, on, on + ONE_DAY, on + dt.timedelta(days=366)}
    return sorted(d for d in found if d >= start)


def check_timeline(ruleset: Ruleset, kind: str, feed: Feed, lookahead: dt.timedelta | None) -> None:
    engine = Engine(ruleset)
    subject = {"id": "s", "kind": kind}
    events = [event for _, event in feed]
    checked = days_to_check(ruleset, feed)
    horizon = max(checked)

    # One evaluation as of a later day gives, day by day, the outcomes of each earlier day
    # as known on that later day.
    intervals = intervals_of(engine.evaluate([subject], events, as_of=horizon))
    for on in checked:
        assert outcomes_on(intervals, on) == engine.evaluate(
            [subject], events, as_of=on, known_at=horizon
        ).outcomes("s"), on

    # The ledger's change log, replayed, is on each day what was believed that day about it.
    ledger = Ledger(ruleset, lookahead=lookahead)
    log = fill(ledger, kind, feed)
    ledger.advance(horizon)
    believed: frozenset[str] = frozenset()
    replay = iter(log)
    pending = next(replay, None)
    for on in checked:
        while pending is not None and dt.date.fromisoformat(pending[0]) <= on:
            believed = (believed | set(pending[1])) - set(pending[2])
            pending = next(replay, None)
        known = [event for recorded_at, event in feed if recorded_at <= on]
        expected = engine.evaluate([subject], known, as_of=on).outcomes("s")
        assert believed == expected, (on, log)
        # And what the ledger answers from its cache matches the engine on all events.
        everything = engine.evaluate([subject], events, as_of=on, known_at=dt.date.max)
        for outcome in ("cash_settlement", "audit_flag", "application_ban", "report_formed"):
            if any(o.id == outcome for o in ruleset.outcomes):
                listed = ledger.subjects_with(outcome, on)
                assert (listed == ("s",)) == (outcome in everything.outcomes("s")), (on, outcome)
        assert ledger.status("s", on).model_dump() == everything.model_dump()


@SETTINGS
@given(lianyungang_feeds(), st.sampled_from([LIANYUNGANG, ENDS_EARLY, LONG_WARNING]))
def test_lianyungang_ledger_notifications_and_cache_equal_the_engine_day_by_day(
    case: tuple[str, Feed], ruleset: Ruleset
) -> None:
    kind, feed = case
    check_timeline(ruleset, kind, feed, None)


@SETTINGS
@given(lianyungang_feeds())
def test_a_short_lookahead_reevaluates_as_time_passes_and_stays_equal(
    case: tuple[str, Feed],
) -> None:
    kind, feed = case
    check_timeline(ENDS_EARLY, kind, feed, dt.timedelta(days=30))


@SETTINGS
@given(ganzhou_feeds())
def test_ganzhou_ledger_notifications_and_cache_equal_the_engine_day_by_day(
    case: tuple[str, Feed],
) -> None:
    kind, feed = case
    check_timeline(GANZHOU, kind, feed, None)


@SETTINGS
@given(ganzhou_feeds(), st.dates(min_value=dt.date(2024, 1, 13), max_value=dt.date(2027, 6, 30)))
def test_ganzhou_actions_read_from_the_cache_equal_a_fresh_evaluation(
    case: tuple[str, Feed], on: dt.date
) -> None:
    kind, feed = case
    events = [event for _, event in feed]
    if any(event["date"] > on for event in events):
        return  # then the ledger evaluates afresh anyway
    engine = Engine(GANZHOU)
    subject = {"id": "s", "kind": kind}
    fresh = actions_of(engine.evaluate([subject], events, as_of=on))
    late = actions_of(engine.evaluate([subject], events, as_of=on + dt.timedelta(days=1500)))
    assert {a for a in fresh if a[2] <= on} == {a for a in late if a[2] <= on}


def test_only_the_earlier_stages_of_art8_are_inert() -> None:
    assert inert_event_types(LIANYUNGANG) == {
        "dishonesty_collected",
        "dishonesty_verified",
        "dishonesty_determined",
    }
    assert inert_event_types(GANZHOU) == frozenset()


def test_the_trigger_is_joined_on_as_data_even_when_an_id_reads_like_a_reason() -> None:
    engine = Engine(LIANYUNGANG)
    result = engine.evaluate(
        [{"id": "p", "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": "p",
                "record": "r 1 on x",
                "category": "lend_certificate",
                "date": "2008-03-10",
            }
        ],
        as_of=dt.date(2008, 3, 10),
    )
    assert trigger_of(result.decisions[0]) == ("dishonesty_entered", "r 1 on x")
