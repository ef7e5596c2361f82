"""Credit subjects: the persons and units a ruleset's measures apply to.

Ganzhou Art 2 names the kinds of credit subject; Art 5 lists the basic information collected
about each: for units (法人或非法人组织, Art 5(一)) and for natural persons (自然人, Art 5(二)).
Every Art 5 field is optional, because a ruleset needs only ``id`` and ``kind`` to evaluate and
Lianyungang scenarios give nothing more. A field that is given is validated: identity numbers
against their national standards (see :mod:`credit_rules.model.identifiers`), and a resident
identity number against the date of birth and sex it encodes.

Personal identity numbers are kept in full (the engine must tell two people apart) but are masked
wherever a subject is shown: :meth:`Subject.public_view`, ``repr`` and validation errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from credit_rules.i18n import Message
from credit_rules.model._base import Frozen, IsoDate
from credit_rules.model.identifiers import (
    Sex,
    birth_date_of,
    mask_identity_number,
    sex_of,
    validate_resident_identity_number,
    validate_unified_social_credit_code,
)

_Text = Annotated[str, Field(min_length=1)]
"""A piece of Art 5 information: when given, never blank."""


class Subject(Frozen):
    """Any credit subject. ``kind`` must be one the ruleset declares (for Ganzhou, Art 2)."""

    id: str = Field(min_length=1)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str | None = None

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        # An id of spaces only is one a person cannot tell from none, nor type back.
        if value.isspace():
            raise ValueError(Message("an id must not be blank"))
        return value

    def public_view(self) -> dict[str, Any]:
        """The subject as JSON-ready data fit to show a person: fields not given are left out,
        and personal identity numbers are masked (Art 5 information is for credit management,
        not for display)."""
        return self.model_dump(mode="json", exclude_none=True)


class IdDocumentType(StrEnum):
    """The identity document a number belongs to (Art 5(二): 身份证号码, or for residents of
    Hong Kong, Macao and Taiwan and for foreigners, the number of a valid document)."""

    resident_identity_card = "resident_identity_card"
    """居民身份证: the 18-character number of GB 11643-1999, validated."""
    hk_macao_taiwan_residence_permit = "hk_macao_taiwan_residence_permit"
    """港澳台居民居住证: numbered in the GB 11643-1999 format (codes 81, 82, 83), validated."""
    mainland_travel_permit_hk_macao = "mainland_travel_permit_hk_macao"
    """港澳居民来往内地通行证: not in GB 11643 format, not validated."""
    mainland_travel_permit_taiwan = "mainland_travel_permit_taiwan"
    """台湾居民来往大陆通行证: not in GB 11643 format, not validated."""
    foreign_permanent_resident_id = "foreign_permanent_resident_id"
    """外国人永久居留身份证: not validated (two formats are in circulation)."""
    passport = "passport"
    """护照: not validated."""
    other = "other"
    """Any other valid document: not validated."""


GB_11643_DOCUMENTS: frozenset[IdDocumentType | None] = frozenset(
    {
        None,
        IdDocumentType.resident_identity_card,
        IdDocumentType.hk_macao_taiwan_residence_permit,
    }
)
"""Document types whose numbers follow GB 11643-1999 and are validated. ``None`` is here because
a number given without a document type is taken to be a resident identity number, the document
Art 5(二) names first."""


# -- units: Art 5(一) -------------------------------------------------------------------------


class Representative(Frozen):
    """The legal representative or person in charge of a unit (Art 5(一): 法定代表人、负责人
    姓名、职务及身份证件类型和联系方式). Art 5 collects the type of their identity document,
    not its number."""

    name: _Text | None = None
    position: _Text | None = None
    id_document_type: IdDocumentType | None = None
    contact: _Text | None = None


class Organisation(Subject):
    """A legal person or unincorporated organisation (Art 5(一)) of any unit kind."""

    unified_social_credit_code: str | None = None
    """统一社会信用代码, validated against GB 32100-2015 and GB 11714-1997."""
    organisation_type: _Text | None = None
    """类型, as registered (for example 民营医院, 有限责任公司)."""
    founding_date: IsoDate | None = None
    """成立日期."""
    address: _Text | None = None
    """地址."""
    business_scope: _Text | None = None
    """经营范围."""
    legal_representative: Representative | None = None
    """法定代表人, for a legal person."""
    person_in_charge: Representative | None = None
    """负责人, for an unincorporated organisation or a branch."""

    @field_validator("unified_social_credit_code")
    @classmethod
    def _valid_code(cls, code: str | None) -> str | None:
        return None if code is None else validate_unified_social_credit_code(code)


class MedicalInstitution(Organisation):
    """定点医疗机构, a designated medical institution (Ganzhou Art 2)."""

    kind: Literal["medical_institution"] = "medical_institution"


class RetailPharmacy(Organisation):
    """定点零售药店, a designated retail pharmacy (Ganzhou Art 2)."""

    kind: Literal["retail_pharmacy"] = "retail_pharmacy"


class InsuranceAgency(Organisation):
    """医保经办机构, a medical insurance agency (Ganzhou Art 2)."""

    kind: Literal["insurance_agency"] = "insurance_agency"


class PharmaSupplier(Organisation):
    """医药服务供应企业, a supplier of medicines or medical consumables (Ganzhou Art 2)."""

    kind: Literal["pharma_supplier"] = "pharma_supplier"


class OtherUnit(Organisation):
    """其他参与医疗保障活动的单位, any other unit taking part in medical security (Art 2)."""

    kind: Literal["other_unit"] = "other_unit"


# -- natural persons: Art 5(二) ---------------------------------------------------------------


class NaturalPerson(Subject):
    """A natural person (Art 5(二)) of any individual kind.

    Field order matters: validators of later fields read earlier ones, so ``identity_number``
    is checked under its ``id_document_type``, and ``sex`` and ``birth_date`` against the number.
    """

    # The full number must not leak into logs through the input echoed by validation errors;
    # the messages themselves name only the wrong character.
    model_config = ConfigDict(hide_input_in_errors=True)

    id_document_type: IdDocumentType | None = None
    """The document ``identity_number`` belongs to; ``None`` means the resident identity card."""
    identity_number: _Text | None = None
    """身份证号码, or the number of the document named by ``id_document_type``."""
    sex: Sex | None = None
    """性别; must agree with character 17 of a GB 11643 number."""
    birth_date: IsoDate | None = None
    """出生日期; must agree with characters 7–14 of a GB 11643 number."""
    ethnicity: _Text | None = None
    """民族."""
    birthplace: _Text | None = None
    """出生地."""
    household_address: _Text | None = None
    """户籍地址, the address of household registration."""
    residence_address: _Text | None = None
    """实际居住地址, where the person actually lives."""
    employer: _Text | None = None
    """工作单位."""
    contact: _Text | None = None
    """联系方式."""

    @field_validator("identity_number")
    @classmethod
    def _valid_number(cls, number: str | None, info: ValidationInfo) -> str | None:
        if number is None or "id_document_type" not in info.data:
            # An invalid document type has already been reported; its number cannot be judged.
            return number
        if info.data["id_document_type"] in GB_11643_DOCUMENTS:
            return validate_resident_identity_number(number)
        if any(character.isspace() for character in number):
            raise ValueError(Message("an identity document number must not contain spaces"))
        return number

    @field_validator("sex")
    @classmethod
    def _sex_agrees(cls, sex: Sex | None, info: ValidationInfo) -> Sex | None:
        number = _gb_11643_number(info)
        if sex is not None and number is not None and sex_of(number) != sex:
            encoded = sex_of(number)
            raise ValueError(
                Message(
                    "sex is {value} but character 17 of the resident identity number is "
                    "{number!r}, which is {value2} and so means {value3} (GB 11643-1999)",
                    value=sex.value,
                    number=number[16],
                    value2="odd" if encoded is Sex.male else "even",
                    value3=encoded.value,
                )
            )
        return sex

    @field_validator("birth_date")
    @classmethod
    def _birth_date_agrees(cls, birth_date: dt.date | None, info: ValidationInfo) -> dt.date | None:
        number = _gb_11643_number(info)
        if birth_date is not None and number is not None and birth_date_of(number) != birth_date:
            raise ValueError(
                Message(
                    "birth_date is {birth_date} but characters 7–14 of the resident "
                    "identity number give {birth_date_of} (GB 11643-1999)",
                    birth_date=birth_date,
                    birth_date_of=birth_date_of(number),
                )
            )
        return birth_date

    @property
    def masked_identity_number(self) -> str | None:
        """The identity number as it may be shown: ``3607**********1234``."""
        if self.identity_number is None:
            return None
        return mask_identity_number(self.identity_number)

    def public_view(self) -> dict[str, Any]:
        view = super().public_view()
        if self.identity_number is not None:
            view["identity_number"] = self.masked_identity_number
        return view

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name == "identity_number" and isinstance(value, str):
                yield name, mask_identity_number(value)
            else:
                yield name, value


def _gb_11643_number(info: ValidationInfo) -> str | None:
    """The already validated GB 11643 number of the person being validated, if there is one."""
    if info.data.get("id_document_type", "invalid") not in GB_11643_DOCUMENTS:
        return None
    number = info.data.get("identity_number")
    return number if isinstance(number, str) else None


class InsuredPerson(NaturalPerson):
    """An insured resident (Lianyungang Art 3; Ganzhou Art 2 参保人员)."""

    kind: Literal["insured_person"] = "insured_person"


class OtherIndividual(NaturalPerson):
    """其他参与医疗保障活动的个人, any other individual taking part in medical security
    (Ganzhou Art 2), for example a physician or pharmacist named in a record."""

    kind: Literal["other_individual"] = "other_individual"


SUBJECT_CLASSES: dict[str, type[Subject]] = {
    "medical_institution": MedicalInstitution,
    "retail_pharmacy": RetailPharmacy,
    "insurance_agency": InsuranceAgency,
    "pharma_supplier": PharmaSupplier,
    "insured_person": InsuredPerson,
    "other_unit": OtherUnit,
    "other_individual": OtherIndividual,
}
"""The model of each subject kind, by ``kind``; a ruleset may declare only these kinds."""
