"""credit_rules: Chinese medical-insurance credit regulations as executable, explainable rules.

The public API is what this module exports (``__all__``, listed in docs/api.md); the rest is
reached through the documented modules that page lists (``credit_rules.calendar``, ``.ledger``,
``.explain``, ``.testing``, ``.errors``, ``.model.*``, ``.periods``, ``.ruleset.lint``) or is
internal and may change.

    >>> import datetime as dt
    >>> from credit_rules import Engine, bundled
    >>> engine = Engine(bundled("lianyungang-2007"))
    >>> result = engine.evaluate(
    ...     [{"id": "p1", "kind": "insured_person"}],
    ...     [{"type": "dishonesty_entered", "subject": "p1", "record": "r1",
    ...       "category": "lend_certificate", "date": "2008-03-10"}],
    ...     as_of=dt.date(2008, 3, 10),
    ... )
    >>> sorted(result.outcomes("p1"))
    ['written_warning']

Names are imported on first use (PEP 562), not by ``import credit_rules``: a service that
only loads a ruleset, or a CLI call that only lints one, does not pay for the engine, the
calendar's holiday tables or the ledger, and a process pays for each part once, when it first
touches it. Only the errors are imported eagerly: a small module that every part imports
anyway.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from credit_rules._version import __version__ as __version__
from credit_rules.errors import (
    BackendUnavailable,
    CalendarNotPublished,
    CreditRulesError,
    EventRejected,
    HistoryError,
    InputError,
    LedgerError,
    LimitExceeded,
    NoRulesetInForce,
    NotInForce,
    Problem,
    RulesetError,
    ScenarioError,
    SubjectRejected,
)
from credit_rules.i18n import Message

if TYPE_CHECKING:
    from credit_rules.engine.engine import Engine
    from credit_rules.ledger.ledger import Ledger
    from credit_rules.limits import Limits
    from credit_rules.model.events import Event, parse_events
    from credit_rules.model.results import (
        Citation,
        Deadline,
        Decision,
        Duty,
        Evaluation,
        Provenance,
        Reason,
        RulesetRef,
        Trigger,
    )
    from credit_rules.model.subjects import Subject
    from credit_rules.ruleset.catalog import select_ruleset
    from credit_rules.ruleset.ir import Ruleset
    from credit_rules.ruleset.loader import load_ruleset, loads_ruleset, with_parameters
    from credit_rules.ruleset.shipped import bundled, bundled_ids
    from credit_rules.scenario import Scenario, load_scenario

__all__ = [
    "BackendUnavailable",
    "CalendarNotPublished",
    "Citation",
    "CreditRulesError",
    "Deadline",
    "Decision",
    "Duty",
    "Engine",
    "Evaluation",
    "Event",
    "EventRejected",
    "HistoryError",
    "InputError",
    "Ledger",
    "LedgerError",
    "LimitExceeded",
    "Limits",
    "NoRulesetInForce",
    "NotInForce",
    "Problem",
    "Provenance",
    "Reason",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "Scenario",
    "ScenarioError",
    "Subject",
    "SubjectRejected",
    "Trigger",
    "bundled",
    "bundled_ids",
    "load_ruleset",
    "load_scenario",
    "loads_ruleset",
    "parse_events",
    "select_ruleset",
    "with_parameters",
]

# Where each lazily imported public name is defined.
_LAZY: dict[str, str] = {
    "Engine": "credit_rules.engine.engine",
    "Ledger": "credit_rules.ledger.ledger",
    "Limits": "credit_rules.limits",
    "Event": "credit_rules.model.events",
    "parse_events": "credit_rules.model.events",
    "Citation": "credit_rules.model.results",
    "Deadline": "credit_rules.model.results",
    "Decision": "credit_rules.model.results",
    "Duty": "credit_rules.model.results",
    "Evaluation": "credit_rules.model.results",
    "Reason": "credit_rules.model.results",
    "RulesetRef": "credit_rules.model.results",
    "Provenance": "credit_rules.model.results",
    "Trigger": "credit_rules.model.results",
    "Subject": "credit_rules.model.subjects",
    "select_ruleset": "credit_rules.ruleset.catalog",
    "Ruleset": "credit_rules.ruleset.ir",
    "bundled": "credit_rules.ruleset.shipped",
    "bundled_ids": "credit_rules.ruleset.shipped",
    "load_ruleset": "credit_rules.ruleset.loader",
    "loads_ruleset": "credit_rules.ruleset.loader",
    "with_parameters": "credit_rules.ruleset.loader",
    "Scenario": "credit_rules.scenario",
    "load_scenario": "credit_rules.scenario",
}

# Names this module exported before the public API was cut down, and where they live now
# (CHANGELOG, "Changed"), so that old code fails with its new import line, not a bare
# AttributeError. tests/test_public_api.py imports each one from its new home.
_MOVED: dict[str, str] = {
    **dict.fromkeys(
        [
            "CalendarOverlayError",
            "CalendarRangeError",
            "ExtensionOverCap",
            "InvariantViolation",
            "LedgerClockError",
            "SnapshotCorrupt",
            "SnapshotError",
            "SnapshotMismatch",
            "UnknownOutcome",
            "UnknownSubject",
        ],
        "credit_rules.errors",
    ),
    **dict.fromkeys(
        ["DeadlineClock", "WorkingCalendar", "default_calendar", "load_overlay"],
        "credit_rules.calendar",
    ),
    **dict.fromkeys(
        [
            "DEFAULT_DISCHARGES",
            "Action",
            "Change",
            "Discharge",
            "LedgerEntry",
            "RecordReport",
            "RegisterRecord",
            "ReportedEvent",
        ],
        "credit_rules.ledger",
    ),
    # The function `explain` moved there too; it is not listed because `credit_rules.explain`
    # is now the subpackage itself.
    **dict.fromkeys(
        ["Explanation", "NextChange", "next_change", "render_text"], "credit_rules.explain"
    ),
    **dict.fromkeys(
        [
            "InsuranceAgency",
            "InsuredPerson",
            "MedicalInstitution",
            "NaturalPerson",
            "Organisation",
            "OtherIndividual",
            "OtherUnit",
            "PharmaSupplier",
            "RetailPharmacy",
        ],
        "credit_rules.model.subjects",
    ),
    "ExcludedDays": "credit_rules.model.results",
    **dict.fromkeys(["IdentifierError", "mask_identity_number"], "credit_rules.model.identifiers"),
    **dict.fromkeys(["Period", "add_months", "last_day_of_period"], "credit_rules.periods"),
    **dict.fromkeys(["Finding", "lint"], "credit_rules.ruleset.lint"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name in _MOVED:
            raise AttributeError(
                Message(
                    "credit_rules.{name} is no longer exported from the top level; use "
                    "`from {MOVED} import {name}`",
                    name=name,
                    MOVED=_MOVED[name],
                ),
                name=name,
                obj=__name__,
            )
        raise AttributeError(
            Message("module {name!r} has no attribute {name2!r}", name=__name__, name2=name),
            name=name,
        )
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is an ordinary global, with no call
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
