"""Events of the 2007 Lianyungang credit measures (连政办发〔2007〕154号).

Field names are the public vocabulary (docs/rulesets.md); :mod:`credit_rules.model.events`
re-exports every class here under the import path services have always used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import Field, model_validator

from credit_rules.i18n import N_
from credit_rules.model._base import Event, IsoDate
from credit_rules.model.pack import RegulationPack


class DishonestyCategory(StrEnum):
    """Lianyungang Art 7, items (一)–(五)."""

    lend_certificate = "lend_certificate"
    use_others_certificate = "use_others_certificate"
    forge_documents = "forge_documents"
    resell_drugs = "resell_drugs"
    other_violation = "other_violation"


class ObjectionGround(StrEnum):
    """Lianyungang Art 13: 不准确、不完整、不相关或者已经过时."""

    inaccurate = "inaccurate"
    incomplete = "incomplete"
    irrelevant = "irrelevant"
    outdated = "outdated"


class CorrectionAction(StrEnum):
    """Lianyungang Art 13 更正: a record is either taken out or amended in place."""

    removed = "removed"
    amended = "amended"


class _RecordStage(Event):
    """One step of the Art 8 procedure for one dishonesty record."""

    key_field = "record"
    category_field = "category"

    record: str = Field(min_length=1)
    category: DishonestyCategory


class DishonestyCollected(_RecordStage):
    """Art 8(一) 失信信息采集; ``source`` is the Art 6 origin of the information."""

    type: Literal["dishonesty_collected"] = "dishonesty_collected"
    shown_as = N_("Dishonesty collected")
    source: str | None = None


class DishonestyVerified(_RecordStage):
    """Art 8(二) 失信信息核实."""

    type: Literal["dishonesty_verified"] = "dishonesty_verified"
    shown_as = N_("Dishonesty verified")


class DishonestyDetermined(_RecordStage):
    """Art 8(三) 失信信息认定."""

    type: Literal["dishonesty_determined"] = "dishonesty_determined"
    shown_as = N_("Dishonesty determined")


class DishonestyEntered(_RecordStage):
    """Art 8(四) 失信信息录入: the only stage after which a record counts."""

    type: Literal["dishonesty_entered"] = "dishonesty_entered"
    shown_as = N_("Dishonesty entered")


class ObjectionFiled(Event):
    """Art 13: the subject disputes a record on one of four grounds."""

    key_field = "record"

    type: Literal["objection_filed"] = "objection_filed"
    shown_as = N_("Objection filed")
    record: str = Field(min_length=1)
    ground: ObjectionGround


class RecordCorrected(Event):
    """Art 13: the agency's correction after verifying an objection. ``date`` is the day the
    correction takes effect; a record void from the start is removed on its entry date."""

    key_field = "record"
    category_field = "category"
    #: Art 13: decided on a day that may differ from the day it takes effect (``date``).
    decision_day_field = "decided_on"

    type: Literal["record_corrected"] = "record_corrected"
    shown_as = N_("Record corrected")
    record: str = Field(min_length=1)
    action: CorrectionAction
    category: DishonestyCategory | None = None
    decided_on: IsoDate = Field(
        default=None,  # type: ignore[assignment]  # filled in from ``date`` below
        description="The day the correction was decided; defaults to the day it takes effect.",
    )

    @model_validator(mode="before")
    @classmethod
    def _decided_on_defaults_to_date(cls, data: Any) -> Any:
        # A record void from the start takes effect on its entry day but is decided later,
        # after the objection (Art 13); when no decision day is given, the two coincide.
        if isinstance(data, dict) and data.get("decided_on") is None and "date" in data:
            return {**data, "decided_on": data["date"]}
        return data


class ObjectionDismissed(Event):
    """Art 13: the agency verified an objection and found nothing to correct (经核实无需更正).
    The objecting person is told the result all the same ("应及时将异议处理结果告知"); a
    correction is recorded as ``record_corrected`` instead."""

    key_field = "record"
    refers_to = (("record", "objection_filed"),)

    type: Literal["objection_dismissed"] = "objection_dismissed"
    shown_as = N_("Objection dismissed")
    record: str = Field(min_length=1)


class QueryRequested(Event):
    """Art 12: the subject asks for their own record."""

    type: Literal["query_requested"] = "query_requested"
    shown_as = N_("Credit record queried")


LianyungangEvent = Annotated[
    DishonestyCollected
    | DishonestyVerified
    | DishonestyDetermined
    | DishonestyEntered
    | ObjectionFiled
    | RecordCorrected
    | ObjectionDismissed
    | QueryRequested,
    Field(discriminator="type"),
]


#: Lianyungang as the vocabulary layer knows it, registered in
#: :mod:`credit_rules.model.vocabularies`.
PACK: Final = RegulationPack("lianyungang-2007", LianyungangEvent)
