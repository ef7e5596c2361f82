"""A short, seeded run of the fuzzing campaign (fuzz/campaign.py), so the mutators and the
oracle stay working between CI's bounded run and the release run. The same zero counts as
the full campaign are required: no untyped exception, no hang, no silent accept, no leak."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.campaign import campaign


def test_a_short_seeded_campaign_finds_nothing() -> None:
    out = io.StringIO()
    tallies = campaign(
        rulesets=120, scenarios=120, snapshots=40, seed_value=7, timeout=20.0, out=out
    )
    summary = out.getvalue()
    assert all(tally.bad() == 0 for tally in tallies), summary
    ruleset, scenario, snapshot = tallies
    # The oracle saw both outcomes: some mutants refused, some accepted (it is not vacuous).
    assert ruleset.counts["typed"] > 0 and ruleset.counts["accepted"] > 0, summary
    assert scenario.counts["typed"] > 0 and scenario.counts["accepted"] > 0, summary
    # Every change to a snapshot's sealed content is refused (a silent accept is counted as
    # bad above); only lines after the last seal, an append that did not finish, are not.
    assert snapshot.counts["typed"] > 0 and snapshot.counts["accepted"] > 0, summary
    assert snapshot.counts["typed"] + snapshot.counts["accepted"] == snapshot.total, summary
    assert summary.splitlines()[-1].startswith("fuzz: ")


def test_the_campaign_is_deterministic() -> None:
    first, second = io.StringIO(), io.StringIO()
    a = campaign(rulesets=30, scenarios=30, snapshots=10, seed_value=3, timeout=20.0, out=first)
    b = campaign(rulesets=30, scenarios=30, snapshots=10, seed_value=3, timeout=20.0, out=second)
    assert [t.counts for t in a] == [t.counts for t in b]
