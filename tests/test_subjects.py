"""Credit subjects of every kind of Ganzhou Art 2, with the information of Art 5."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from credit_rules import Engine, ScenarioError, bundled
from credit_rules.model.identifiers import Sex, resident_identity_number_check_character
from credit_rules.model.subjects import (
    SUBJECT_CLASSES,
    IdDocumentType,
    InsuranceAgency,
    InsuredPerson,
    MedicalInstitution,
    NaturalPerson,
    Organisation,
    OtherIndividual,
    OtherUnit,
    PharmaSupplier,
    Representative,
    RetailPharmacy,
    Subject,
)
from credit_rules.testing.subjects import (
    KINDS,
    ORGANISATION_KINDS,
    PERSON_KINDS,
    register_type_strategies,
    subject_mappings,
    subjects,
)

GANZHOU_KINDS = {
    "medical_institution",
    "retail_pharmacy",
    "insurance_agency",
    "pharma_supplier",
    "insured_person",
    "other_unit",
    "other_individual",
}
GB_11643_EXAMPLE = "11010519491231002X"  # born 1949-12-31, female
USCC = "91350100M000100Y43"


def _only_error(error: ValidationError) -> tuple[tuple[int | str, ...], str]:
    (item,) = error.errors()
    return item["loc"], item["msg"]


# -- kinds (Art 2) and compatibility with Lianyungang -------------------------------------------


def test_art2_every_kind_has_a_class() -> None:
    assert set(SUBJECT_CLASSES) == GANZHOU_KINDS == set(KINDS)
    assert set(ORGANISATION_KINDS) | set(PERSON_KINDS) == GANZHOU_KINDS
    for kind, cls in SUBJECT_CLASSES.items():
        subject = cls.model_validate({"id": "s1", "kind": kind})
        assert type(subject) is cls and subject.kind == kind


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (MedicalInstitution, "medical_institution"),
        (RetailPharmacy, "retail_pharmacy"),
        (InsuranceAgency, "insurance_agency"),
        (PharmaSupplier, "pharma_supplier"),
        (OtherUnit, "other_unit"),
        (InsuredPerson, "insured_person"),
        (OtherIndividual, "other_individual"),
    ],
)
def test_art2_kind_defaults_and_cannot_be_another_kind(cls: type[Subject], kind: str) -> None:
    assert cls.model_validate({"id": "s1"}).kind == kind
    other = next(k for k in GANZHOU_KINDS if k != kind)
    with pytest.raises(ValidationError):
        cls(id="s1", kind=other)


def test_lianyungang_subjects_with_only_id_kind_and_name_still_validate() -> None:
    assert InsuredPerson(id="p1").model_dump(exclude_none=True) == {
        "id": "p1",
        "kind": "insured_person",
    }
    assert InsuredPerson(id="p1", name="张三").name == "张三"
    assert Subject(id="x1", kind="some_kind").kind == "some_kind"
    assert issubclass(InsuredPerson, Subject)


def test_lianyungang_engine_still_accepts_a_subject_mapping() -> None:
    engine = Engine(bundled("lianyungang-2007"))
    result = engine.evaluate(
        [{"id": "p1", "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": "p1",
                "record": "r1",
                "category": "lend_certificate",
                "date": "2008-03-10",
            }
        ],
        as_of=dt.date(2008, 3, 10),
    )
    assert result.outcomes("p1") == {"written_warning"}


def test_engine_reports_a_wrong_identity_number_at_its_field() -> None:
    engine = Engine(bundled("lianyungang-2007"))
    with pytest.raises(ScenarioError) as caught:
        engine.evaluate(
            [{"id": "p1", "kind": "insured_person", "identity_number": "110105194912310021"}],
            [],
            as_of=dt.date(2008, 3, 10),
        )
    (problem,) = caught.value.problems
    assert problem.field == "subjects[0].identity_number"
    assert "character 18 of the resident identity number is '1'" in problem.message
    assert "should be 'X'" in problem.message


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    person = InsuredPerson(id="p1")
    with pytest.raises(ValidationError):
        person.name = "李四"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        InsuredPerson(id="p1", id_number=GB_11643_EXAMPLE)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        MedicalInstitution(id="m1", representative={"name": "张三"})  # type: ignore[call-arg]


# -- units: Art 5(一) -----------------------------------------------------------------------------


def test_art5_1_unit_with_all_its_information() -> None:
    unit = MedicalInstitution.model_validate(
        {
            "id": "m1",
            "kind": "medical_institution",
            "name": "赣州市人民医院",
            "unified_social_credit_code": USCC,
            "organisation_type": "公立医院",
            "founding_date": "1950-01-01",
            "address": "江西省赣州市章贡区",
            "business_scope": "医疗服务",
            "legal_representative": {
                "name": "张三",
                "position": "院长",
                "id_document_type": "resident_identity_card",
                "contact": "0797-8888888",
            },
            "person_in_charge": {"name": "李四"},
        }
    )
    assert isinstance(unit, Organisation)
    assert unit.founding_date == dt.date(1950, 1, 1)
    assert unit.legal_representative == Representative(
        name="张三",
        position="院长",
        id_document_type=IdDocumentType.resident_identity_card,
        contact="0797-8888888",
    )


def test_art5_1_wrong_credit_code_is_a_validation_error_naming_the_character() -> None:
    with pytest.raises(ValidationError) as caught:
        RetailPharmacy(id="r1", unified_social_credit_code="91350100M000100Y44")
    loc, message = _only_error(caught.value)
    assert loc == ("unified_social_credit_code",)
    assert "character 18 of the unified social credit code is '4'" in message
    assert "should be '3'" in message


def test_art5_1_blank_information_is_refused() -> None:
    with pytest.raises(ValidationError):
        OtherUnit(id="u1", address="")


# -- natural persons: Art 5(二) ---------------------------------------------------------------


def test_art5_2_person_with_all_information_that_agrees_with_the_number() -> None:
    person = InsuredPerson(
        id="p1",
        name="王芳",
        identity_number=GB_11643_EXAMPLE,
        sex=Sex.female,
        birth_date=dt.date(1949, 12, 31),
        ethnicity="汉族",
        birthplace="北京市朝阳区",
        household_address="北京市朝阳区",
        residence_address="江西省赣州市章贡区",
        employer="赣州市人民医院",
        contact="13800000000",
    )
    assert person.identity_number == GB_11643_EXAMPLE


def test_art5_2_wrong_resident_identity_number_names_the_character() -> None:
    with pytest.raises(ValidationError) as caught:
        OtherIndividual(id="i1", identity_number="110105194912310021")
    loc, message = _only_error(caught.value)
    assert loc == ("identity_number",)
    assert "character 18 of the resident identity number is '1'" in message


def test_art5_2_sex_that_contradicts_character_17_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        InsuredPerson(id="p1", identity_number=GB_11643_EXAMPLE, sex="male")
    loc, message = _only_error(caught.value)
    assert loc == ("sex",)
    assert "character 17" in message and "female" in message


def test_art5_2_birth_date_that_contradicts_characters_7_to_14_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        InsuredPerson(id="p1", identity_number=GB_11643_EXAMPLE, birth_date="1950-01-01")
    loc, message = _only_error(caught.value)
    assert loc == ("birth_date",)
    assert "1949-12-31" in message


def test_art5_2_sex_and_birth_date_without_a_number_are_not_cross_checked() -> None:
    assert InsuredPerson(id="p1", sex="male", birth_date="1990-05-01").sex is Sex.male


@pytest.mark.parametrize(
    "document",
    [
        IdDocumentType.mainland_travel_permit_hk_macao,
        IdDocumentType.mainland_travel_permit_taiwan,
        IdDocumentType.foreign_permanent_resident_id,
        IdDocumentType.passport,
        IdDocumentType.other,
    ],
)
def test_art5_2_other_documents_skip_the_gb11643_check(document: IdDocumentType) -> None:
    person = InsuredPerson(
        id="p1", id_document_type=document, identity_number="H12345678", sex="female"
    )
    assert person.identity_number == "H12345678"
    with pytest.raises(ValidationError):
        InsuredPerson(id="p1", id_document_type=document, identity_number="H1234 5678")


def test_art5_2_hk_macao_taiwan_residence_permit_numbers_follow_gb11643() -> None:
    body = "81000019900101002"
    good = body + resident_identity_number_check_character(body)
    permit = IdDocumentType.hk_macao_taiwan_residence_permit
    assert InsuredPerson(id="p1", id_document_type=permit, identity_number=good)
    with pytest.raises(ValidationError):
        InsuredPerson(id="p1", id_document_type=permit, identity_number=body + "Y")


def test_art5_2_identity_number_is_masked_when_shown() -> None:
    person = InsuredPerson(id="p1", identity_number=GB_11643_EXAMPLE, sex="female")
    assert person.masked_identity_number == "1101**********002X"
    assert person.public_view() == {
        "id": "p1",
        "kind": "insured_person",
        "identity_number": "1101**********002X",
        "sex": "female",
    }
    assert GB_11643_EXAMPLE not in repr(person) and "1101**********002X" in repr(person)
    assert InsuredPerson(id="p2").masked_identity_number is None


def test_art5_2_validation_errors_do_not_echo_the_full_number() -> None:
    wrong = "110105194912310021"
    with pytest.raises(ValidationError) as caught:
        InsuredPerson(id="p1", identity_number=wrong)
    assert wrong not in str(caught.value)


def test_units_show_their_public_credit_code_unmasked() -> None:
    assert MedicalInstitution(id="m1", unified_social_credit_code=USCC).public_view() == {
        "id": "m1",
        "kind": "medical_institution",
        "unified_social_credit_code": USCC,
    }


# -- strategies and round trips ----------------------------------------------------------------


@given(subjects())
def test_property_subjects_round_trip_through_model_dump(subject: Subject) -> None:
    cls = type(subject)
    assert cls.model_validate(subject.model_dump()) == subject
    assert cls.model_validate(subject.model_dump(mode="json")) == subject
    assert SUBJECT_CLASSES[subject.kind] is cls


@given(subjects())
def test_property_public_view_never_shows_a_personal_number_in_full(subject: Subject) -> None:
    view = subject.public_view()
    if isinstance(subject, NaturalPerson) and subject.identity_number is not None:
        assert view["identity_number"] != subject.identity_number
        assert subject.identity_number not in repr(subject)


@pytest.mark.parametrize("kind", sorted(GANZHOU_KINDS))
@settings(max_examples=30)  # one of many kinds: fewer examples each, the round trip covers all
@given(data=st.data())
def test_property_subjects_of_each_kind_are_of_that_kind(kind: str, data: st.DataObject) -> None:
    subject = data.draw(subjects(kind))
    assert type(subject) is SUBJECT_CLASSES[kind]


@given(subject_mappings(valid=False))
def test_property_subjects_with_a_deliberately_invalid_identifier_are_refused(
    mapping: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError) as caught:
        SUBJECT_CLASSES[mapping["kind"]].model_validate(mapping)
    assert len(caught.value.errors()) == 1  # exactly one defect


@pytest.mark.parametrize("cls", [*SUBJECT_CLASSES.values(), Subject, Organisation, NaturalPerson])
@settings(max_examples=30)
@given(data=st.data())
def test_property_from_type_gives_models_of_the_type(
    cls: type[Subject], data: st.DataObject
) -> None:
    assert isinstance(data.draw(st.from_type(cls)), cls)


def test_register_type_strategies_can_be_called_again() -> None:
    register_type_strategies()
    register_type_strategies()


def test_unknown_kind_is_refused_by_the_strategies() -> None:
    with pytest.raises(ValueError, match="unknown subject kind"):
        subject_mappings("hospital")


def test_every_subject_class_fixes_its_kind_for_the_front_door() -> None:
    """The front door reads the kind of a population of validated models from their classes
    (one pass fewer over a million subjects): every kind's class must fix it, and a model of
    the base class, which does not, is read one by one."""
    from credit_rules.engine.inputs import FrontDoor
    from credit_rules.model.subjects import SUBJECT_CLASSES, Subject

    door = FrontDoor(bundled("ganzhou-2023"))
    assert door.fixed_kinds == {cls: kind for kind, cls in SUBJECT_CLASSES.items()}
    pharmacy = SUBJECT_CLASSES["retail_pharmacy"](id="s1")
    base = Subject(id="s2", kind="medical_institution")
    assert dict(door.subject_kinds([pharmacy, base])) == {
        "s1": "retail_pharmacy",
        "s2": "medical_institution",
    }
    with pytest.raises(ScenarioError, match="retail_pharmacy"):
        FrontDoor(bundled("lianyungang-2007")).subject_kinds([pharmacy])


def test_subjects_of_one_kind_are_read_from_the_callers_list_in_its_order() -> None:
    """A population of one kind is held as a tuple of its ids and a set of them (no dict of
    a million entries): it must still give the ids in the order given, refuse an id given
    twice, and leave an evaluation able to answer for a blameless subject."""
    from credit_rules.engine.inputs import FrontDoor, OneKind
    from credit_rules.model.subjects import SUBJECT_CLASSES

    person = SUBJECT_CLASSES["insured_person"]
    given = [person(id=f"p{n}") for n in (3, 1, 2)]
    kinds = FrontDoor(bundled("lianyungang-2007")).subject_kinds(given)
    assert isinstance(kinds, OneKind)
    assert list(kinds) == ["p3", "p1", "p2"] and len(kinds) == 3
    assert kinds["p1"] == "insured_person" and "p4" not in kinds
    with pytest.raises(ScenarioError, match="duplicate subject id 'p1'"):
        FrontDoor(bundled("lianyungang-2007")).subject_kinds([*given, person(id="p1")])
    evaluation = Engine(bundled("lianyungang-2007")).evaluate(given, [], as_of="2026-06-30")
    assert evaluation.subjects == ("p3", "p1", "p2")
    assert evaluation.outcomes("p2") == frozenset()
