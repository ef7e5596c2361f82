"""credit_rules: Chinese medical-insurance credit regulations as executable, explainable rules.

The public API is what this module exports; everything else is internal and may change.

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
"""

from credit_rules._version import __version__ as __version__
from credit_rules.calendar import DeadlineClock, WorkingCalendar, default_calendar, load_overlay
from credit_rules.engine.engine import Engine
from credit_rules.errors import (
    BackendUnavailable,
    CalendarNotPublished,
    CalendarOverlayError,
    CalendarRangeError,
    CreditRulesError,
    EventRejected,
    ExtensionOverCap,
    HistoryError,
    InputError,
    InvariantViolation,
    LedgerClockError,
    LedgerError,
    NoRulesetInForce,
    NotInForce,
    Problem,
    RulesetError,
    ScenarioError,
    SnapshotCorrupt,
    SnapshotError,
    SnapshotMismatch,
    SubjectRejected,
    UnknownOutcome,
    UnknownSubject,
)
from credit_rules.explain.text import render_text
from credit_rules.explain.whynot import Explanation, NextChange, explain, next_change
from credit_rules.ledger import (
    DEFAULT_DISCHARGES,
    Action,
    Change,
    Discharge,
    Ledger,
    LedgerEntry,
    RecordReport,
    RegisterRecord,
    ReportedEvent,
)
from credit_rules.model.events import Event, parse_events
from credit_rules.model.identifiers import IdentifierError, mask_identity_number
from credit_rules.model.results import (
    Citation,
    Deadline,
    Decision,
    Duty,
    Evaluation,
    ExcludedDays,
    Reason,
    RulesetRef,
)
from credit_rules.model.subjects import (
    InsuranceAgency,
    InsuredPerson,
    MedicalInstitution,
    NaturalPerson,
    Organisation,
    OtherIndividual,
    OtherUnit,
    PharmaSupplier,
    RetailPharmacy,
    Subject,
)
from credit_rules.periods import Period, add_months, last_day_of_period
from credit_rules.ruleset.catalog import select_ruleset
from credit_rules.ruleset.ir import Ruleset
from credit_rules.ruleset.lint import Finding, lint
from credit_rules.ruleset.loader import (
    bundled,
    bundled_ids,
    load_ruleset,
    loads_ruleset,
    with_parameters,
)
from credit_rules.scenario import Scenario, load_scenario

__all__ = [
    "DEFAULT_DISCHARGES",
    "Action",
    "BackendUnavailable",
    "CalendarNotPublished",
    "CalendarOverlayError",
    "CalendarRangeError",
    "Change",
    "Citation",
    "CreditRulesError",
    "Deadline",
    "DeadlineClock",
    "Decision",
    "Discharge",
    "Duty",
    "Engine",
    "Evaluation",
    "Event",
    "EventRejected",
    "ExcludedDays",
    "Explanation",
    "ExtensionOverCap",
    "Finding",
    "HistoryError",
    "IdentifierError",
    "InputError",
    "InsuranceAgency",
    "InsuredPerson",
    "InvariantViolation",
    "Ledger",
    "LedgerClockError",
    "LedgerEntry",
    "LedgerError",
    "MedicalInstitution",
    "NaturalPerson",
    "NextChange",
    "NoRulesetInForce",
    "NotInForce",
    "Organisation",
    "OtherIndividual",
    "OtherUnit",
    "Period",
    "PharmaSupplier",
    "Problem",
    "Reason",
    "RecordReport",
    "RegisterRecord",
    "ReportedEvent",
    "RetailPharmacy",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "Scenario",
    "ScenarioError",
    "SnapshotCorrupt",
    "SnapshotError",
    "SnapshotMismatch",
    "Subject",
    "SubjectRejected",
    "UnknownOutcome",
    "UnknownSubject",
    "WorkingCalendar",
    "add_months",
    "bundled",
    "bundled_ids",
    "default_calendar",
    "explain",
    "last_day_of_period",
    "lint",
    "load_overlay",
    "load_ruleset",
    "load_scenario",
    "loads_ruleset",
    "mask_identity_number",
    "next_change",
    "parse_events",
    "render_text",
    "select_ruleset",
    "with_parameters",
]
