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

from credit_rules.engine.engine import Engine
from credit_rules.errors import (
    BackendUnavailable,
    CreditRulesError,
    HistoryError,
    InputError,
    NotInForce,
    Problem,
    RulesetError,
    ScenarioError,
)
from credit_rules.explain.text import render_text
from credit_rules.model.events import Event, parse_events
from credit_rules.model.results import (
    Citation,
    Deadline,
    Decision,
    Duty,
    Evaluation,
    Reason,
    RulesetRef,
)
from credit_rules.model.subjects import InsuredPerson, Subject
from credit_rules.periods import Period, add_months, last_day_of_period
from credit_rules.ruleset.ir import Ruleset
from credit_rules.ruleset.loader import (
    bundled,
    bundled_ids,
    load_ruleset,
    loads_ruleset,
    with_parameters,
)
from credit_rules.scenario import Scenario, load_scenario

__all__ = [
    "BackendUnavailable",
    "Citation",
    "CreditRulesError",
    "Deadline",
    "Decision",
    "Duty",
    "Engine",
    "Evaluation",
    "Event",
    "HistoryError",
    "InputError",
    "InsuredPerson",
    "NotInForce",
    "Period",
    "Problem",
    "Reason",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "Scenario",
    "ScenarioError",
    "Subject",
    "add_months",
    "bundled",
    "bundled_ids",
    "last_day_of_period",
    "load_ruleset",
    "load_scenario",
    "loads_ruleset",
    "parse_events",
    "render_text",
    "with_parameters",
]
__version__ = "0.1.0"
