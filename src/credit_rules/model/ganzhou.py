"""Events of the 2023 Ganzhou medical-security credit measures (赣市府办发〔2023〕15号).

Field names are the public vocabulary (docs/rulesets.md). Each event links to what it concerns by
id (an objection names its ``objection`` and the ``evaluation`` it disputes; a repair names its
``application`` and the ``record`` to repair), so rules can follow a procedure step by step.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

from credit_rules.i18n import N_, Message
from credit_rules.model._base import Event, IsoDate
from credit_rules.model.pack import RegulationPack

_ID = Field(min_length=1)


def _department(article: str) -> str | None:
    return Field(
        default=None,
        min_length=1,
        description=f"The medical security department, by id ({article}). Left out, it is not "
        "checked; two given ids that differ are two departments.",
    )


class InformationKind(StrEnum):
    """Art 5 items (一)–(六)."""

    basic_info_legal_person = "basic_info_legal_person"
    basic_info_natural_person = "basic_info_natural_person"
    agreement_performance = "agreement_performance"
    administrative_action = "administrative_action"
    industry_self_regulation = "industry_self_regulation"
    other_information = "other_information"


class CollectionSource(StrEnum):
    """Art 6 items (一)–(五)."""

    self_reported = "self_reported"
    business_system = "business_system"
    supervision = "supervision"
    credit_platform = "credit_platform"
    other_channel = "other_channel"


class Severity(StrEnum):
    """How grave a determined dishonesty is. ``severe`` grades the subject D directly; the
    Art 15 circumstances (特别严重) are recorded by ``agreement_terminated``."""

    general = "general"
    serious = "serious"
    severe = "severe"


class ObjectionGround(StrEnum):
    """Art 18 items (一)–(六)."""

    record_error_or_omission = "record_error_or_omission"
    evaluation_result_disputed = "evaluation_result_disputed"
    unlawful_collection = "unlawful_collection"
    overdue_use = "overdue_use"
    corrected_violation = "corrected_violation"
    other_statutory = "other_statutory"


class SuspensionReason(StrEnum):
    """Art 20: time for inspection, testing, appraisal or expert review is not counted."""

    inspection = "inspection"
    testing = "testing"
    appraisal = "appraisal"
    expert_review = "expert_review"


class ObjectionResult(StrEnum):
    upheld = "upheld"
    rejected = "rejected"


class RepairMaterial(StrEnum):
    """Art 24 items (一) and (二)."""

    application_and_commitment = "application_and_commitment"
    rectification_evidence = "rectification_evidence"


class InformationCollected(Event):
    """Arts 5–6: a piece of credit information and where it came from."""

    key_field = "information"
    one_per_key = True

    type: Literal["information_collected"] = "information_collected"
    shown_as = N_("Information collected")
    information: str = _ID
    kind: InformationKind
    source: CollectionSource
    summary: str | None = None


class CommitmentMade(Event):
    """Arts 7–9: a public credit commitment."""

    key_field = "commitment"
    one_per_key = True

    type: Literal["commitment_made"] = "commitment_made"
    shown_as = N_("Commitment made")
    commitment: str = _ID
    content: str | None = None


class CommitmentBreached(Event):
    """Arts 9 and 24: a commitment found untrue or not kept; it is itself dishonesty
    information to be recorded. ``commitment`` names a ``commitment_made`` or, for the repair
    commitment letter of Art 24(一), the repair ``application``."""

    key_field = "commitment"

    type: Literal["commitment_breached"] = "commitment_breached"
    shown_as = N_("Commitment breached")
    commitment: str = _ID


class DishonestyDetermined(Event):
    """A determination of dishonest conduct. ``category`` is the key of "same type" (Art 23(二))."""

    key_field = "record"
    severity_field = "severity"
    category_field = "category"

    type: Literal["dishonesty_determined"] = "dishonesty_determined"
    shown_as = N_("Dishonesty determined")
    record: str = _ID
    category: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity = Severity.general
    crime_suspected: bool = False
    repairable: bool = Field(
        default=True, description="False where law or rules make repair unsuitable (Art 23(三))."
    )
    department: str | None = _department("the one that made the determination, Arts 22 and 24")


class EvaluationPublished(Event):
    """Arts 12–13: an evaluation result for one cycle (year) is published for publicity."""

    key_field = "evaluation"
    one_per_key = True

    type: Literal["evaluation_published"] = "evaluation_published"
    shown_as = N_("Evaluation published")
    evaluation: str = _ID
    year: int = Field(ge=2000, le=2200, strict=True)
    score: int = Field(ge=0, le=1000, strict=True)
    department: str | None = _department("the one that made the evaluation, Arts 12 and 19")
    risk_found: bool = Field(
        default=False,
        description="The bureau's finding, with this evaluation, that the subject is at risk of "
        "unlawful or dishonest conduct (Art 14, 有违法失信风险). Read only under the reading "
        "general_supervision_basis: by_risk_finding.",
    )


class ObjectionFiled(Event):
    """Arts 17–20: an objection. Only one made as required counts (Art 20, otherwise 视为无异议):
    in writing, stating reasons, with supporting materials, and filed with the department that
    made the evaluation (Art 19)."""

    key_field = "objection"
    one_per_key = True

    type: Literal["objection_filed"] = "objection_filed"
    shown_as = N_("Objection filed")
    objection: str = _ID
    evaluation: str | None = None
    ground: ObjectionGround
    written: bool = True
    reasons_given: bool = Field(default=True, description="Art 20: 说明理由.")
    evidence_supplied: bool = Field(default=True, description="Art 20: 提供相关证明材料.")
    department: str | None = _department("the one the objection was filed with, Art 19")


class ObjectionSuspended(Event):
    """Art 20: from ``date`` through ``until`` the handling time is not counted."""

    key_field = "objection"
    not_before = (("until", "date"),)
    refers_to = (("objection", "objection_filed"),)
    refers_by = "until"

    type: Literal["objection_suspended"] = "objection_suspended"
    shown_as = N_("Objection handling suspended")
    objection: str = _ID
    until: IsoDate
    reason: SuspensionReason

    @model_validator(mode="after")
    def _ends_after_start(self) -> ObjectionSuspended:
        # The order ``not_before`` declares (what the columnar input checks too), with the
        # message a suspension deserves.
        for later, earlier in self.not_before:
            if getattr(self, later) < getattr(self, earlier):
                raise ValueError(
                    Message(
                        "a suspension cannot end ({until}) before it starts ({date})",
                        until=self.until,
                        date=self.date,
                    )
                )
        return self


class ObjectionDecided(Event):
    """Art 20: the result of an objection, told to the applicant in writing.

    A decision decides its ``objection``; the rules follow that objection to the evaluation it
    disputes ("根据处理结果及时调整信用评价结果"). ``evaluation`` may repeat that id for the
    reader, but no rule links by it, so a decision naming only its objection counts the same.
    """

    key_field = "objection"
    one_per_key = True
    refers_to = (("objection", "objection_filed"),)
    agrees_with = ("evaluation",)

    type: Literal["objection_decided"] = "objection_decided"
    shown_as = N_("Objection decided")
    objection: str = _ID
    evaluation: str | None = None
    result: ObjectionResult
    adjusted_score: int | None = Field(default=None, ge=0, le=1000, strict=True)


class RepairApplied(Event):
    """Arts 22–24: a written application to repair the credit of one record.

    The substantive conditions of Art 22 and the honesty of Art 24 paragraph 2 are the
    department's judgement on examining the application; the event carries its findings (each
    defaulting to the finding that lets the application through), and the rules apply them.
    """

    key_field = "application"
    one_per_key = True

    type: Literal["repair_applied"] = "repair_applied"
    shown_as = N_("Repair applied for")
    application: str = _ID
    record: str = _ID
    materials: tuple[RepairMaterial, ...] = ()
    written: bool = True
    department: str | None = _department("the one the application was made to, Arts 22 and 24")
    corrected: bool = Field(default=True, description="Art 22: 已对失信行为进行纠正.")
    obligations_performed: bool = Field(
        default=True, description="Art 22: 履行完毕法定责任或者约定义务."
    )
    impact_eliminated: bool = Field(default=True, description="Art 22: 不良影响已基本消除.")
    false_materials: bool = Field(
        default=False, description="Art 24 paragraph 2: 提供虚假证明材料 (found by the department)."
    )
    untrue_commitment: bool = Field(
        default=False, description="Art 24 paragraph 2: 信用承诺不实 (found by the department)."
    )


class RepairAccepted(Event):
    """Art 25: the application is accepted; the 15 working days start."""

    key_field = "application"
    one_per_key = True
    refers_to = (("application", "repair_applied"),)

    type: Literal["repair_accepted"] = "repair_accepted"
    shown_as = N_("Repair accepted")
    application: str = _ID


class RepairExtended(Event):
    """Art 25: a complex case is extended, by at most 15 working days."""

    key_field = "application"
    refers_to = (("application", "repair_applied"),)

    type: Literal["repair_extended"] = "repair_extended"
    shown_as = N_("Repair handling extended")
    application: str = _ID
    # At most a 64-bit number, the width of an event table's column: beyond it the columnar
    # backend cannot hold the value, so both engines refuse it as input, alike, rather than
    # one refusing the table and the other the extension (ExtensionOverCap).
    working_days: int = Field(ge=1, le=2**63 - 1, strict=True)


class RepairDecided(Event):
    """Art 25: the repair is granted (the record stops being published) or refused."""

    key_field = "application"
    one_per_key = True
    refers_to = (("application", "repair_applied"),)
    agrees_with = ("record",)

    type: Literal["repair_decided"] = "repair_decided"
    shown_as = N_("Repair decided")
    application: str = _ID
    record: str = _ID
    granted: bool


class AgreementTerminated(Event):
    """Art 15: the medical-insurance agreement is terminated for especially grave conduct."""

    type: Literal["agreement_terminated"] = "agreement_terminated"
    shown_as = N_("Agreement terminated")
    reason: str | None = None


class QualificationApplied(Event):
    """Art 15: an application for a qualification (for example designation)."""

    type: Literal["qualification_applied"] = "qualification_applied"
    shown_as = N_("Qualification applied for")
    qualification: str | None = None


GanzhouEvent = Annotated[
    InformationCollected
    | CommitmentMade
    | CommitmentBreached
    | DishonestyDetermined
    | EvaluationPublished
    | ObjectionFiled
    | ObjectionSuspended
    | ObjectionDecided
    | RepairApplied
    | RepairAccepted
    | RepairExtended
    | RepairDecided
    | AgreementTerminated
    | QualificationApplied,
    Field(discriminator="type"),
]


#: Ganzhou as the vocabulary layer knows it, registered in :mod:`credit_rules.model.vocabularies`.
PACK: Final = RegulationPack("ganzhou-2023", GanzhouEvent)
