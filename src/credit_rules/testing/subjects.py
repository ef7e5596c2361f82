"""Hypothesis strategies for credit subjects of every kind (Ganzhou Art 2) and their identity
numbers (Art 5), valid and deliberately invalid.

    >>> from hypothesis import given, strategies as st
    >>> from credit_rules.model.subjects import InsuredPerson
    >>> from credit_rules.testing import subjects as crs_subjects
    >>> @given(st.from_type(InsuredPerson))
    ... def test_every_person_has_an_id(person: InsuredPerson) -> None:
    ...     assert person.id

Importing this module registers a strategy for every subject class (see
:func:`register_type_strategies`), so ``st.from_type`` works for each of them.

Everything shrinks towards the plainest case: an insured person with only ``id`` and ``kind``,
and codes and numbers made of zeros around real division codes (``913607000000000000``,
``360700200001010000``). An invalid example has exactly one defect, so the error it raises is
the one the test means to provoke.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from credit_rules.i18n import Message
from credit_rules.model.identifiers import (
    USCC_ALPHABET,
    Sex,
    organisation_code_check_character,
    resident_identity_number_check_character,
    unified_social_credit_code_check_character,
)
from credit_rules.model.subjects import (
    GB_11643_DOCUMENTS,
    SUBJECT_CLASSES,
    IdDocumentType,
    NaturalPerson,
    Organisation,
    Subject,
)
from credit_rules.testing._hypothesis import st

__all__ = [
    "KINDS",
    "ORGANISATION_KINDS",
    "PERSON_KINDS",
    "register_type_strategies",
    "representatives",
    "resident_identity_numbers",
    "subject_mappings",
    "subjects",
    "unified_social_credit_codes",
]

PERSON_KINDS: Final = tuple(k for k, c in SUBJECT_CLASSES.items() if issubclass(c, NaturalPerson))
"""Kinds whose subjects are natural persons (Art 5(二))."""
ORGANISATION_KINDS: Final = tuple(
    k for k, c in SUBJECT_CLASSES.items() if issubclass(c, Organisation)
)
"""Kinds whose subjects are units (Art 5(一))."""
KINDS: Final = (
    *sorted(PERSON_KINDS, key=lambda k: k != "insured_person"),
    *ORGANISATION_KINDS,
)
"""Every registered kind; ``insured_person`` first, so examples shrink to the commonest one."""

# Real administrative division codes (GB/T 2260) so examples read like real numbers: Ganzhou
# city and its Zhanggong district, Lianyungang city, and Beijing Chaoyang (the district of the
# GB 11643-1999 example 11010519491231002X).
_DIVISIONS: Final = ("360700", "360702", "320700", "110105")
# 港澳台居民居住证 numbers use the codes of Hong Kong, Macao and Taiwan.
_PERMIT_DIVISIONS: Final = ("810000", "820000", "830000")
# Registration authority and category (GB 32100-2015): 91 an enterprise registered with market
# regulation comes first because it is the commonest; 12 a public institution (事业单位), as
# public hospitals are; 52 a private non-enterprise unit (民办非企业单位), as many clinics are;
# 92 an individual business (个体工商户), as small pharmacies are.
_AUTHORITY_CATEGORIES: Final = ("91", "12", "52", "92")
_FORBIDDEN: Final = "IOZSVaiox -"
_ORGANISATION_NAMES: Final = (
    "赣州市人民医院",
    "章贡区仁和大药房",
    "赣州市医疗保障局经办中心",
    "赣南医药有限公司",
)
_PERSON_NAMES: Final = ("张三", "李四", "王芳")
_ADDRESSES: Final = ("江西省赣州市章贡区", "江苏省连云港市海州区")
_IMPOSSIBLE_DATES: Final = ("19491331", "19490230", "20230229", "19490100", "00000101")
_BIRTH_DATES: Final = st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31))
_OTHER_DOCUMENT_NUMBERS: Final = st.text("0123456789ABCDEFHMX", min_size=8, max_size=10)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # None first, so every optional Art 5 field shrinks away.
    return st.none() | strategy


# -- unified social credit codes -----------------------------------------------------------------


@st.composite
def _valid_uscc(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(_AUTHORITY_CATEGORIES)) + draw(st.sampled_from(_DIVISIONS))
    organisation = draw(st.text(USCC_ALPHABET, min_size=8, max_size=8))
    body = prefix + organisation + organisation_code_check_character(organisation)
    return body + unified_social_credit_code_check_character(body)


@st.composite
def _invalid_uscc(draw: st.DrawFn) -> str:
    code = draw(_valid_uscc())
    defect = draw(
        st.sampled_from(
            ("check_character", "organisation_check", "forbidden_character", "division", "length")
        )
    )
    if defect == "check_character":
        wrong = draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[17]]))
        return code[:17] + wrong
    if defect == "organisation_check":
        wrong = draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[16]]))
        body = code[:16] + wrong
        # Recompute character 18 so that only the organisation code check fails.
        return body + unified_social_credit_code_check_character(body)
    if defect == "forbidden_character":
        position = draw(st.integers(0, 17))
        return code[:position] + draw(st.sampled_from(_FORBIDDEN)) + code[position + 1 :]
    if defect == "division":
        position = draw(st.integers(2, 7))
        body = code[:position] + draw(st.sampled_from("ABCY")) + code[position + 1 : 17]
        return body + unified_social_credit_code_check_character(body)
    length = draw(st.integers(0, 24).filter(lambda n: n != 18))
    return (code * 2)[:length]


def unified_social_credit_codes(valid: bool = True) -> st.SearchStrategy[str]:
    """Unified social credit codes (GB 32100-2015).

    Valid codes have real registration authority, category and division codes, an organisation
    code with its GB 11714-1997 check character, and the right check character.

    Invalid codes (``valid=False``) have exactly one defect: a wrong check character, a wrong
    organisation code check character (character 18 recomputed to match), a forbidden or
    lowercase character, a letter in the division code, or a length other than 18.
    """
    return _valid_uscc() if valid else _invalid_uscc()


# -- resident identity numbers -------------------------------------------------------------------


def _gb_11643_number(
    draw: st.DrawFn,
    divisions: tuple[str, ...],
    birth_date: dt.date | None,
    sex: Sex | None,
) -> str:
    born = birth_date if birth_date is not None else draw(_BIRTH_DATES)
    if sex is None:
        sex_digit = draw(st.sampled_from("0123456789"))
    else:
        sex_digit = draw(st.sampled_from("13579" if sex is Sex.male else "02468"))
    body = (
        draw(st.sampled_from(divisions))
        + born.strftime("%Y%m%d")
        + draw(st.text("0123456789", min_size=2, max_size=2))
        + sex_digit
    )
    return body + resident_identity_number_check_character(body)


@st.composite
def _valid_resident_id(
    draw: st.DrawFn, birth_date: dt.date | None = None, sex: Sex | None = None
) -> str:
    return _gb_11643_number(draw, _DIVISIONS, birth_date, sex)


@st.composite
def _invalid_resident_id(draw: st.DrawFn) -> str:
    number = draw(_valid_resident_id())
    defect = draw(st.sampled_from(("check_character", "birth_date", "non_digit", "length")))
    if defect == "check_character":
        return number[:17] + draw(st.sampled_from([c for c in "0123456789X" if c != number[17]]))
    if defect == "birth_date":
        body = number[:6] + draw(st.sampled_from(_IMPOSSIBLE_DATES)) + number[14:17]
        # A correct check character, so that the impossible date is the only defect.
        return body + resident_identity_number_check_character(body)
    if defect == "non_digit":
        position = draw(st.integers(0, 16))
        return number[:position] + draw(st.sampled_from("AXx -")) + number[position + 1 :]
    length = draw(st.integers(0, 24).filter(lambda n: n != 18))
    return (number * 2)[:length]


def resident_identity_numbers(
    valid: bool = True, *, birth_date: dt.date | None = None, sex: Sex | None = None
) -> st.SearchStrategy[str]:
    """18-character resident identity numbers (GB 11643-1999).

    Valid numbers have a real division code, a real date of birth (``birth_date`` if given),
    a sequence code whose last digit matches ``sex`` if given (odd = male), and the right check
    character.

    Invalid numbers (``valid=False``) have exactly one defect: a wrong check character, an
    impossible date of birth (with a correct check character), a non-digit in characters 1–17,
    or a length other than 18. ``birth_date`` and ``sex`` apply to valid numbers only.
    """
    if valid:
        return _valid_resident_id(birth_date, sex)
    return _invalid_resident_id()


# -- subjects ------------------------------------------------------------------------------------


def representatives() -> st.SearchStrategy[dict[str, Any]]:
    """Data of a legal representative or person in charge (Art 5(一)), as a mapping. The name
    is always there: a representative without one would identify nobody."""
    return st.fixed_dictionaries(
        {"name": st.sampled_from(_PERSON_NAMES)},
        optional={
            "position": st.sampled_from(("院长", "法定代表人", "负责人")),
            "id_document_type": st.sampled_from(list(IdDocumentType)).map(str),
            "contact": st.sampled_from(("0797-8888888", "13800000000")),
        },
    )


def _organisation_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(_ORGANISATION_NAMES),
            "unified_social_credit_code": unified_social_credit_codes(),
            "organisation_type": st.sampled_from(("公立医院", "有限责任公司", "个体工商户")),
            "founding_date": st.dates(dt.date(1949, 10, 1), dt.date(2024, 12, 31)),
            "address": st.sampled_from(_ADDRESSES),
            "business_scope": st.sampled_from(("药品零售", "医疗服务", "药品批发")),
            "legal_representative": representatives(),
            "person_in_charge": representatives(),
        },
    )


def _person_fields() -> st.SearchStrategy[dict[str, Any]]:
    # Identity number, document type, sex and date of birth depend on each other; _person draws
    # them after these independent fields.
    return st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(_PERSON_NAMES),
            "ethnicity": st.sampled_from(("汉族", "畲族")),
            "birthplace": st.sampled_from(_ADDRESSES),
            "household_address": st.sampled_from(_ADDRESSES),
            "residence_address": st.sampled_from(_ADDRESSES),
            "employer": st.sampled_from(_ORGANISATION_NAMES),
            "contact": st.sampled_from(("13800000000", "0797-8888888")),
        },
    )


@st.composite
def _organisation(
    draw: st.DrawFn,
    kind: str,
    ids: st.SearchStrategy[str],
    fields: st.SearchStrategy[dict[str, Any]],
    valid: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": draw(ids), "kind": kind, **draw(fields)}
    if not valid:
        data["unified_social_credit_code"] = draw(unified_social_credit_codes(valid=False))
    return data


@st.composite
def _person(
    draw: st.DrawFn,
    kind: str,
    ids: st.SearchStrategy[str],
    fields: st.SearchStrategy[dict[str, Any]],
    valid: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": draw(ids), "kind": kind, **draw(fields)}
    document = draw(st.sampled_from((None, *IdDocumentType)))
    if document is not None:
        data["id_document_type"] = document.value
    sex: Sex | None = draw(_optional(st.sampled_from(Sex)))
    born: dt.date | None = draw(_optional(_BIRTH_DATES))
    if sex is not None:
        data["sex"] = sex.value
    if born is not None:
        data["birth_date"] = born
    permit = document is IdDocumentType.hk_macao_taiwan_residence_permit
    divisions = _PERMIT_DIVISIONS if permit else _DIVISIONS
    if valid:
        if draw(st.booleans()):
            if document in GB_11643_DOCUMENTS:
                data["identity_number"] = _gb_11643_number(draw, divisions, born, sex)
            else:
                data["identity_number"] = draw(_OTHER_DOCUMENT_NUMBERS)
        return data
    # One defect: a malformed GB 11643 number, or a well-formed one that contradicts the sex or
    # date of birth given beside it.
    data.pop("id_document_type", None)
    if draw(st.booleans()):
        data["identity_number"] = draw(resident_identity_numbers(valid=False))
        return data
    number = _gb_11643_number(draw, _DIVISIONS, born, sex)
    data["identity_number"] = number
    if draw(st.booleans()):
        data["sex"] = (Sex.female if int(number[16]) % 2 else Sex.male).value
    else:
        real = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        data["birth_date"] = real + dt.timedelta(days=draw(st.sampled_from((1, -1, 366))))
    return data


def subject_mappings(
    kind: str | None = None,
    *,
    valid: bool = True,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Subjects as the mappings a scenario file holds, of ``kind`` or of any kind.

    With ``valid=False`` each mapping has exactly one defect that validation must reject: for a
    unit an invalid unified social credit code, for a person an invalid resident identity number
    or one that contradicts the ``sex`` or ``birth_date`` beside it.
    """
    kinds = KINDS if kind is None else (kind,)
    unknown = [k for k in kinds if k not in SUBJECT_CLASSES]
    if unknown:
        raise ValueError(
            Message(
                "unknown subject kind {unknown!r}; known: {KINDS}",
                unknown=unknown[0],
                KINDS=", ".join(KINDS),
            )
        )
    id_strategy = ids if ids is not None else st.sampled_from(("s1", "s2", "s3"))
    organisation_fields, person_fields = _organisation_fields(), _person_fields()
    # one_of, not sampled_from(...).flatmap: each branch is built once, and examples shrink
    # towards the first kind.
    return st.one_of(
        [
            _person(one, id_strategy, person_fields, valid)
            if one in PERSON_KINDS
            else _organisation(one, id_strategy, organisation_fields, valid)
            for one in kinds
        ]
    )


def subjects(
    kind: str | None = None, *, ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Subject]:
    """Valid subjects of ``kind`` (any kind if ``None``), as models of their ``SUBJECT_CLASSES``
    class, with any combination of Art 5 information, identity numbers included."""
    return subject_mappings(kind, ids=ids).map(
        lambda data: SUBJECT_CLASSES[data["kind"]].model_validate(data)
    )


def register_type_strategies() -> None:
    """Make ``st.from_type`` work for every subject class, and for the ``Subject``,
    ``Organisation`` and ``NaturalPerson`` bases. Called when this module is imported; calling
    it again replaces the registrations with equal ones."""
    for kind, cls in SUBJECT_CLASSES.items():
        st.register_type_strategy(cls, subjects(kind))
    st.register_type_strategy(Subject, subjects())
    st.register_type_strategy(Organisation, st.one_of([subjects(k) for k in ORGANISATION_KINDS]))
    st.register_type_strategy(NaturalPerson, st.one_of([subjects(k) for k in PERSON_KINDS]))


register_type_strategies()
