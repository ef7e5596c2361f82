"""Identity numbers of Ganzhou Art 5: GB 32100-2015 codes, GB 11643-1999 numbers, masking."""

from __future__ import annotations

import datetime as dt
import pickle
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit_rules.errors import CreditRulesError
from credit_rules.model.identifiers import (
    USCC_ALPHABET,
    IdentifierError,
    Sex,
    birth_date_of,
    is_valid_resident_identity_number,
    is_valid_unified_social_credit_code,
    mask_identity_number,
    organisation_code_check_character,
    resident_identity_number_check_character,
    sex_of,
    unified_social_credit_code_check_character,
    validate_resident_identity_number,
    validate_unified_social_credit_code,
)
from credit_rules.testing.subjects import resident_identity_numbers, unified_social_credit_codes

# Codes printed as examples in public validators and documentation (python-stdnum's doctest,
# hutool's tests, …), each checked here by hand against both GB 32100-2015 and GB 11714-1997
# before use. They cover the categories 91 (enterprise), 92 (individual business), 12 (public
# institution) and 52 (private non-enterprise unit).
PUBLIC_USCC_EXAMPLES = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91110108551385082Q",
    "91440300708461136T",
    "92510100MA61WJ3204",
    "121526004609138637",
    "52610500MJU60350X1",
]

GB_11643_EXAMPLE = "11010519491231002X"
"""The worked example of GB 11643-1999: Beijing Chaoyang, born 1949-12-31, female."""


def _error(call: object, *args: object) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


# -- unified social credit code ---------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLIC_USCC_EXAMPLES)
def test_gb32100_public_examples_are_valid(code: str) -> None:
    assert validate_unified_social_credit_code(code) == code
    assert is_valid_unified_social_credit_code(code)


def test_gb32100_codes_built_from_random_bodies_are_valid() -> None:
    rng = random.Random(32100)
    for _ in range(500):
        organisation = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
        prefix = rng.choice("159Y") + rng.choice("1239") + f"{rng.randrange(10**6):06d}"
        body = prefix + organisation + organisation_code_check_character(organisation)
        code = body + unified_social_credit_code_check_character(body)
        assert validate_unified_social_credit_code(code) == code


def test_gb32100_check_value_31_is_written_0() -> None:
    # Seventeen zeros weigh 0; 31 - 0 = 31, which the standard writes as 0.
    assert unified_social_credit_code_check_character("0" * 17) == "0"


def test_gb32100_wrong_check_character_names_the_character_and_the_right_one() -> None:
    error = _error(validate_unified_social_credit_code, "91350100M000100Y44")
    assert (error.position, error.found, error.expected) == (18, "4", "3")
    assert "character 18 of the unified social credit code is '4'" in str(error)
    assert "the check character should be '3'" in str(error)


@pytest.mark.parametrize("position", [1, 9, 12, 18])
@pytest.mark.parametrize("forbidden", list("IOZSV"))
def test_gb32100_letters_i_o_z_s_v_are_refused(position: int, forbidden: str) -> None:
    code = PUBLIC_USCC_EXAMPLES[0]
    wrong = code[: position - 1] + forbidden + code[position:]
    error = _error(validate_unified_social_credit_code, wrong)
    assert (error.position, error.found) == (position, forbidden)
    assert f"character {position} of the unified social credit code is '{forbidden}'" in str(error)


def test_gb32100_lowercase_letters_are_refused_with_the_capital_named() -> None:
    error = _error(validate_unified_social_credit_code, "91350100m000100Y43")
    assert error.position == 9
    assert "lowercase" in str(error) and "'M'" in str(error)


@pytest.mark.parametrize("length", [0, 1, 15, 17, 19, 20])
def test_gb32100_length_other_than_18_is_refused(length: int) -> None:
    code = (PUBLIC_USCC_EXAMPLES[0] * 2)[:length]
    error = _error(validate_unified_social_credit_code, code)
    assert f"has {length} character" in str(error) and "must have 18" in str(error)


def test_gb32100_division_code_must_be_digits() -> None:
    body = "913501A0M000100Y4"
    code = body + unified_social_credit_code_check_character(body)
    error = _error(validate_unified_social_credit_code, code)
    assert (error.position, error.found) == (7, "A")
    assert "administrative division code" in str(error)


def test_gb11714_wrong_organisation_check_is_refused_even_when_character_18_agrees() -> None:
    # 123456789012345678 passes the GB 32100 check by accident; its organisation code does not.
    assert unified_social_credit_code_check_character("12345678901234567") == "8"
    error = _error(validate_unified_social_credit_code, "123456789012345678")
    assert (error.position, error.found, error.expected) == (17, "7", "8")
    assert "organisation code" in str(error) and "GB 11714" in str(error)
    assert validate_unified_social_credit_code("123456789012345678", check_organisation_code=False)


def test_gb11714_check_values_10_and_11_are_written_x_and_0() -> None:
    # 11 - (sum mod 11) is 11 when the sum is a multiple of 11: written 0.
    assert organisation_code_check_character("00000000") == "0"
    # Find a body whose value is 10 and confirm it is written X.
    bodies = (f"{n:08d}" for n in range(1000))
    assert any(organisation_code_check_character(b) == "X" for b in bodies)


def test_gb32100_check_helpers_refuse_bad_bodies() -> None:
    assert _error(unified_social_credit_code_check_character, "91350100").position is None
    assert _error(unified_social_credit_code_check_character, "9135010OM000100Y4").position == 8
    assert _error(organisation_code_check_character, "M000100y").position == 8


def test_gb32100_every_single_character_change_changes_the_check_character() -> None:
    """Exhaustive proof: the check character depends on the weighted sum mod 31 only, and the sum
    changes by w_i * (b - a) when character i changes from a to b. Trying every position and
    every pair of distinct values covers every code, whatever its other characters."""
    for position in range(17):
        for a in USCC_ALPHABET:
            for b in USCC_ALPHABET:
                if a == b:
                    continue
                body = "0" * position + a + "0" * (16 - position)
                changed = "0" * position + b + "0" * (16 - position)
                assert unified_social_credit_code_check_character(
                    body
                ) != unified_social_credit_code_check_character(changed), (position, a, b)


@given(unified_social_credit_codes())
def test_property_gb32100_generated_codes_validate(code: str) -> None:
    assert validate_unified_social_credit_code(code) == code


@given(st.text(USCC_ALPHABET, min_size=17, max_size=17))
def test_property_gb32100_any_body_completed_by_its_check_character_validates(body: str) -> None:
    body = body[:2] + "360702" + body[8:]  # characters 3-8 must be a division code
    code = body + unified_social_credit_code_check_character(body)
    assert validate_unified_social_credit_code(code, check_organisation_code=False) == code


@given(unified_social_credit_codes(), st.integers(0, 17), st.characters(codec="utf-8"))
def test_property_gb32100_changing_any_single_character_makes_a_code_invalid(
    code: str, position: int, replacement: str
) -> None:
    if replacement == code[position]:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_unified_social_credit_code(changed)


@given(unified_social_credit_codes(valid=False))
def test_property_gb32100_deliberately_invalid_codes_are_refused(code: str) -> None:
    with pytest.raises(IdentifierError):
        validate_unified_social_credit_code(code)


# -- resident identity number ---------------------------------------------------------------


def test_gb11643_standard_example_is_valid_and_encodes_birth_and_sex() -> None:
    assert validate_resident_identity_number(GB_11643_EXAMPLE) == GB_11643_EXAMPLE
    assert resident_identity_number_check_character(GB_11643_EXAMPLE[:17]) == "X"
    assert birth_date_of(GB_11643_EXAMPLE) == dt.date(1949, 12, 31)
    assert sex_of(GB_11643_EXAMPLE) is Sex.female


def test_gb11643_odd_sequence_digit_is_male() -> None:
    body = "36070219800101001"
    assert sex_of(body + resident_identity_number_check_character(body)) is Sex.male


def test_gb11643_wrong_check_character_names_the_character_and_the_right_one() -> None:
    error = _error(validate_resident_identity_number, "110105194912310021")
    assert (error.position, error.found, error.expected) == (18, "1", "X")
    assert str(error).startswith(
        "character 18 of the resident identity number is '1' but the check character should be 'X'"
    )


def test_gb11643_lowercase_x_is_refused_with_a_hint() -> None:
    error = _error(validate_resident_identity_number, "11010519491231002x")
    assert error.position == 18 and "capital 'X'" in str(error)


def test_gb11643_letters_in_the_body_are_refused() -> None:
    error = _error(validate_resident_identity_number, "1101051949123100AX")
    assert (error.position, error.found) == (17, "A")


@pytest.mark.parametrize("length", [0, 17, 19])
def test_gb11643_length_other_than_18_is_refused(length: int) -> None:
    error = _error(validate_resident_identity_number, (GB_11643_EXAMPLE * 2)[:length])
    assert "must have 18" in str(error)


def test_gb11643_first_generation_15_digit_number_is_refused_with_a_hint() -> None:
    assert "first-generation" in str(_error(validate_resident_identity_number, "110105491231002"))


@pytest.mark.parametrize(
    "born", ["19491331", "19490229", "19000229", "19490431", "19490100", "00000101"]
)
def test_gb11643_impossible_birth_date_is_refused_even_with_a_right_check(born: str) -> None:
    body = "110105" + born + "002"
    number = body + resident_identity_number_check_character(body)
    error = _error(validate_resident_identity_number, number)
    assert (error.position, error.found) == (7, born)
    assert "characters 7–14" in str(error) and "not a real date" in str(error)


def test_gb11643_leap_day_in_a_leap_year_is_a_real_date() -> None:
    body = "36070220000229001"
    number = body + resident_identity_number_check_character(body)
    assert birth_date_of(number) == dt.date(2000, 2, 29)


def test_gb11643_every_single_digit_change_in_1_to_17_changes_the_check_digit() -> None:
    """Exhaustive proof: the check depends on the weighted sum mod 11 only; every weight is
    non-zero mod 11, a prime, and digits differ by less than 11, so w_i * (b - a) is never 0
    mod 11. Trying every position and pair of digits covers every number."""
    for position in range(17):
        for a in "0123456789":
            for b in "0123456789":
                if a == b:
                    continue
                body = "0" * position + a + "0" * (16 - position)
                changed = "0" * position + b + "0" * (16 - position)
                assert resident_identity_number_check_character(
                    body
                ) != resident_identity_number_check_character(changed), (position, a, b)


@given(resident_identity_numbers())
def test_property_gb11643_generated_numbers_validate(number: str) -> None:
    assert validate_resident_identity_number(number) == number


@given(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)), st.sampled_from(Sex), st.data())
def test_property_gb11643_numbers_carry_the_birth_date_and_sex_asked_for(
    born: dt.date, sex: Sex, data: st.DataObject
) -> None:
    number = data.draw(resident_identity_numbers(birth_date=born, sex=sex))
    assert (birth_date_of(number), sex_of(number)) == (born, sex)


@given(resident_identity_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_property_gb11643_changing_any_single_character_makes_a_number_invalid(
    number: str, position: int, replacement: str
) -> None:
    if replacement == number[position]:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_resident_identity_number(changed)


@given(resident_identity_numbers(valid=False))
def test_property_gb11643_deliberately_invalid_numbers_are_refused(number: str) -> None:
    with pytest.raises(IdentifierError):
        validate_resident_identity_number(number)


# -- errors and masking ---------------------------------------------------------------------


def test_identifier_error_is_a_credit_rules_error_and_a_value_error() -> None:
    error = _error(validate_resident_identity_number, "110105194912310021")
    assert isinstance(error, CreditRulesError) and isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.position, copy.found, copy.expected) == (
        str(error),
        18,
        "1",
        "X",
    )


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("360702198001011234", "3607**********1234"),
        ("36070219800101123", "3607*********1123"),
        ("3607021980010112", "3607********0112"),
        ("360702198001011", "360*********011"),
        ("E12345678", "E1*****78"),
        ("12345678", "12****78"),
        ("1234", "1**4"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_masking_hides_at_least_half_and_keeps_at_most_four_at_each_end(
    number: str, masked: str
) -> None:
    assert mask_identity_number(number) == masked


@given(st.text())
def test_property_masking_keeps_the_length_and_shows_at_most_half_and_at_most_eight(
    number: str,
) -> None:
    masked = mask_identity_number(number)
    assert len(masked) == len(number)
    visible = [i for i, character in enumerate(masked) if character != "*"]
    assert len(visible) <= min(8, len(number) // 2)
    assert all(masked[i] == number[i] for i in visible)


def test_result_reprs_mask_identity_numbers() -> None:
    """A decision, duty, deadline or trigger printed in a log shows no identity number, in
    whichever field it sits (the subject id, a record or application key)."""
    from credit_rules import Engine, bundled

    person = "11010519491231002X"
    lianyungang = Engine(bundled("lianyungang-2007")).evaluate(
        [{"id": person, "kind": "insured_person"}],
        [
            {
                "type": "dishonesty_entered",
                "subject": person,
                "record": person,
                "category": "lend_certificate",
                "date": "2008-03-10",
            }
        ],
        as_of="2008-03-10",
    )
    unit = "91350100M000100Y43"
    ganzhou = Engine(bundled("ganzhou-2023")).evaluate(
        [{"id": unit, "kind": "medical_institution"}],
        [
            {
                "type": "evaluation_published",
                "subject": unit,
                "evaluation": "e1",
                "year": 2024,
                "score": 70,
                "date": "2024-03-01",
            }
        ],
        as_of="2024-03-02",
    )
    results = [
        *lianyungang.decisions,
        *lianyungang.duties,
        lianyungang.decisions[0].trigger,
        *ganzhou.deadlines,
    ]
    assert ganzhou.deadlines and lianyungang.decisions and lianyungang.duties
    for result in results:
        for text in (repr(result), str(result)):
            assert person not in text and unit not in text, text
            assert "1101**********002X" in text or "9135**********0Y43" in text, text
