"""Ganzhou 2023 as the ledger knows it: how each of its deadlines is shown met."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from credit_rules.ledger.agenda import Discharge, LedgerPack

PACK: Final = LedgerPack(
    vocabulary="ganzhou-2023",
    discharges=MappingProxyType(
        {
            # Art 20: 15 working days to decide an objection.
            "objection_decision_due": Discharge(
                "decide_objection", event="objection_decided", key="objection"
            ),
            # Art 25: 15 working days (extendable) to decide a repair.
            "repair_decision_due": Discharge(
                "decide_repair", event="repair_decided", key="application"
            ),
            # Arts 12 and 20: once the objection window closes the report is formed; it is
            # done when the engine says report_formed applies (after any objection is decided).
            # The report waits for the objections filed against the evaluation (Art 12: formed
            # after the objections are settled; Art 20: each decided in 15 working days).
            "objection_window_closes": Discharge(
                "form_report",
                outcome="report_formed",
                waits_for="objection_decision_due",
                waits_via=("objection_filed", "evaluation"),
            ),
            # Art 12: the 7 working days of publicity end by themselves.
            "publicity_ends": Discharge("end_publicity", by_itself=True),
        }
    ),
    # Arts 20 and 25: a decision, suspension or acceptance names what it acts on, and the
    # vocabulary declares it (Event.refers_to). Arts 12 and 19: an objection names the
    # evaluation it disputes; the rules read one naming an evaluation not yet published as
    # made before publication (Art 20), but the ledger takes events as they happen, so the
    # evaluation must be on record first, or the objection would be lost for its deadline.
    references=MappingProxyType(
        {
            ("objection_filed", "evaluation"): "evaluation_published",
            ("objection_decided", "evaluation"): "evaluation_published",
        }
    ),
)
