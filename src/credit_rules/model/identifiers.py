"""Identity numbers of credit subjects (Ganzhou Art 5): validation, check characters, masking.

Art 5 collects, for units, the 统一社会信用代码 (unified social credit code, GB 32100-2015) and,
for natural persons, the 公民身份号码 (resident identity number, GB 11643-1999). Both carry a
check character, so a mistyped number is caught at input instead of silently attaching a
dishonesty record to the wrong subject. Every error names the character that is wrong, what it
is and what it should be.

What is checked, exactly
------------------------
Unified social credit code (:func:`validate_unified_social_credit_code`):

1. exactly 18 characters;
2. every character from the GB 32100-2015 set ``0-9 A-H J-N P-R T U W-Y`` (no I, O, Z, S, V,
   and no lowercase: the standard writes capitals);
3. characters 3–8, the registration authority's administrative division code (GB/T 2260),
   are six digits. Whether the code names a division that exists is not checked: the list
   changes every year;
4. character 18 is the GB 32100-2015 check character: the weights 3^i mod 31
   (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28) over the values of
   characters 1–17 (``0``–``9`` → 0–9, ``A`` → 10 … ``Y`` → 30 in the order above), and the
   check value is ``31 - (sum mod 31)``, where 31 becomes 0;
5. characters 9–17, the subject identifier (主体标识码), are an organisation code whose ninth
   character is its GB 11714-1997 check character: weights 3, 7, 9, 10, 5, 8, 4, 2 over the
   values of characters 9–16 (digits as themselves, letters ``A`` = 10 … ``Z`` = 35), check
   value ``11 - (sum mod 11)``, where 10 is written ``X`` and 11 is written ``0``. This can be
   switched off with ``check_organisation_code=False``.

Not checked: character 1 (registration authority) and character 2 (organisation category).
The authority codes of GB 32100-2015 have since been extended by later assignments (for
example ``N`` for rural collective economic organisations), and the published tables disagree,
so a closed list would reject real codes.

Resident identity number (:func:`validate_resident_identity_number`):

1. exactly 18 characters (a first-generation 15-digit number is refused with a hint);
2. characters 1–17 are digits, character 18 is a digit or ``X`` (capital);
3. characters 7–14 are a real date ``YYYYMMDD`` (the date of birth);
4. character 18 is the GB 11643-1999 check character (ISO 7064 MOD 11-2): the weights
   2^(17-i) mod 11 (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2) over digits 1–17,
   and ``"10X98765432"[sum mod 11]``.

Not checked: that characters 1–6 name an existing division (GB/T 2260) or that the date of birth
is in the past (the library never reads the clock; compare with ``as_of`` where it matters).

Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

from credit_rules.errors import CreditRulesError
from credit_rules.i18n import N_, Message

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015, in the order of their values 0–30."""

_USCC_VALUES: Final = {character: value for value, character in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORGANISATION_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK: Final = "10X98765432"
_DIGITS: Final = frozenset("0123456789")

#: The standards' names, in the reader's language wherever a message names them.
_USCC: Final = Message("unified social credit code")
_RESIDENT_ID: Final = Message("resident identity number")
_ORGANISATION: Final = Message("organisation code")


class Sex(StrEnum):
    """Sex as Art 5(二) records it; GB 11643-1999 encodes it in character 17 (odd = male)."""

    male = "male"
    female = "female"


class IdentifierError(CreditRulesError, ValueError):
    """An identity number that breaks its standard.

    It is a ``ValueError`` too, so that a pydantic validator that raises it reports an ordinary
    validation error located at the field. ``position`` is 1-based (the standards count from 1),
    ``found`` is what is there and ``expected`` what should be, where a single answer exists.
    """

    def __init__(
        self,
        message: str,
        *,
        scheme: str,
        position: int | None = None,
        found: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.scheme = scheme
        self.position = position
        self.found = found
        self.expected = expected

    def __reduce__(self) -> tuple[object, ...]:
        # Exceptions pickle through their args; the keyword-only context must travel too.
        # The message travels as given (a Message, in both languages, masked when shown, as
        # every other error of the library pickles), not as its English text.
        return (
            _rebuild_error,
            (self.args[0], self.scheme, self.position, self.found, self.expected),
        )


def _rebuild_error(
    message: str, scheme: str, position: int | None, found: str | None, expected: str | None
) -> IdentifierError:
    return IdentifierError(
        message, scheme=scheme, position=position, found=found, expected=expected
    )


# -- unified social credit code (GB 32100-2015) ---------------------------------------------


def unified_social_credit_code_check_character(body: str) -> str:
    """The 18th character that completes the 17 characters ``body`` (GB 32100-2015).

    Useful to build valid codes for test data: ``body + check``.
    """
    _need_length(body, 17, _USCC, _OF_THE_BODY)
    _need_uscc_alphabet(body)
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_code_check_character(body: str) -> str:
    """The 9th character that completes the 8-character organisation code ``body``
    (GB 11714-1997); in a unified social credit code it is character 17."""
    _need_length(body, 8, _ORGANISATION, _OF_THE_BODY_AN)
    for position, character in enumerate(body, start=1):
        if not (character in _DIGITS or "A" <= character <= "Z"):
            raise IdentifierError(
                Message(
                    "character {position} of the organisation code is {character!r}; GB "
                    "11714-1997 uses only digits and capital letters",
                    position=position,
                    character=character,
                ),
                scheme=_ORGANISATION,
                position=position,
                found=character,
            )
    total = sum(
        _organisation_value(c) * w for c, w in zip(body, _ORGANISATION_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def validate_unified_social_credit_code(code: str, *, check_organisation_code: bool = True) -> str:
    """Return ``code`` unchanged if it is a well-formed unified social credit code; otherwise
    raise :class:`IdentifierError` naming the first wrong character.

    The checks, in order, are listed in this module's docstring.
    """
    _need_length(code, 18, _USCC)
    _need_uscc_alphabet(code)
    for position in range(3, 9):
        character = code[position - 1]
        if character not in _DIGITS:
            raise IdentifierError(
                Message(
                    "character {position} of the {USCC} is {character!r} but characters "
                    "3–8 are the administrative division code of the registration "
                    "authority (GB/T 2260), six digits",
                    position=position,
                    USCC=_USCC,
                    character=character,
                ),
                scheme=_USCC,
                position=position,
                found=character,
            )
    expected = unified_social_credit_code_check_character(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            Message(
                "character 18 of the {USCC} is {code!r} but the check character should "
                "be {expected!r} (GB 32100-2015); if character 18 is right, one of "
                "characters 1–17 is mistyped",
                USCC=_USCC,
                code=code[17],
                expected=expected,
            ),
            scheme=_USCC,
            position=18,
            found=code[17],
            expected=expected,
        )
    if check_organisation_code:
        expected = organisation_code_check_character(code[8:16])
        if code[16] != expected:
            raise IdentifierError(
                Message(
                    "character 17 of the {USCC} is {code!r} but the check character of the "
                    "organisation code in characters 9–17 should be {expected!r} (GB "
                    "11714-1997); if character 17 is right, one of characters 9–16 is "
                    "mistyped",
                    USCC=_USCC,
                    code=code[16],
                    expected=expected,
                ),
                scheme=_USCC,
                position=17,
                found=code[16],
                expected=expected,
            )
    return code


def is_valid_unified_social_credit_code(code: str, *, check_organisation_code: bool = True) -> bool:
    """Whether :func:`validate_unified_social_credit_code` accepts ``code``."""
    try:
        validate_unified_social_credit_code(code, check_organisation_code=check_organisation_code)
    except IdentifierError:
        return False
    return True


# -- resident identity number (GB 11643-1999) -----------------------------------------------


def resident_identity_number_check_character(body: str) -> str:
    """The 18th character that completes the 17 digits ``body`` (GB 11643-1999).

    Useful to build valid numbers for test data: ``body + check``.
    """
    _need_length(body, 17, _RESIDENT_ID, _OF_THE_BODY)
    _need_digits(body, 17)
    total = sum(int(c) * w for c, w in zip(body, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def validate_resident_identity_number(number: str) -> str:
    """Return ``number`` unchanged if it is a well-formed 18-character resident identity number;
    otherwise raise :class:`IdentifierError` naming the first wrong character.

    The checks, in order, are listed in this module's docstring.
    """
    if len(number) == 15 and set(number) <= _DIGITS:
        raise IdentifierError(
            Message(
                "the {RESIDENT_ID} has 15 digits, the first-generation format; GB "
                "11643-1999 numbers have 18 characters (the 15-digit number gains the "
                "century and a check character)",
                RESIDENT_ID=_RESIDENT_ID,
            ),
            scheme=_RESIDENT_ID,
        )
    _need_length(number, 18, _RESIDENT_ID)
    _need_digits(number, 17)
    last = number[17]
    if last not in _DIGITS and last != "X":
        hint = Message("; write it as a capital 'X'") if last == "x" else ""
        raise IdentifierError(
            Message(
                "character 18 of the {RESIDENT_ID} is {last!r} but the check character "
                "must be a digit or 'X' (GB 11643-1999){hint}",
                RESIDENT_ID=_RESIDENT_ID,
                last=last,
                hint=hint,
            ),
            scheme=_RESIDENT_ID,
            position=18,
            found=last,
        )
    _birth_date(number)
    expected = resident_identity_number_check_character(number[:17])
    if last != expected:
        raise IdentifierError(
            Message(
                "character 18 of the {RESIDENT_ID} is {last!r} but the check character "
                "should be {expected!r} (GB 11643-1999); if character 18 is right, one "
                "of characters 1–17 is mistyped",
                RESIDENT_ID=_RESIDENT_ID,
                last=last,
                expected=expected,
            ),
            scheme=_RESIDENT_ID,
            position=18,
            found=last,
            expected=expected,
        )
    return number


def is_valid_resident_identity_number(number: str) -> bool:
    """Whether :func:`validate_resident_identity_number` accepts ``number``."""
    try:
        validate_resident_identity_number(number)
    except IdentifierError:
        return False
    return True


def birth_date_of(number: str) -> dt.date:
    """The date of birth a valid resident identity number encodes (characters 7–14)."""
    return _birth_date(validate_resident_identity_number(number))


def sex_of(number: str) -> Sex:
    """The sex a valid resident identity number encodes: character 17 odd is male, even is
    female (GB 11643-1999, 顺序码)."""
    return Sex.male if int(validate_resident_identity_number(number)[16]) % 2 else Sex.female


# -- masking ---------------------------------------------------------------------------------


def mask_identity_number(number: str) -> str:
    """``number`` with all but its first and last few characters replaced by ``*``.

    Personal numbers are masked in every explanation and in text output (personal information
    is collected for credit management under Art 5, not for display). An 18-character number
    keeps 4 at each end (``3607**********1234``). In general each end keeps ``min(4, len // 4)``
    characters, so at least half of any number is hidden whatever its length: a 9-character
    passport number keeps 2 at each end, a number of 3 or fewer characters is masked entirely.
    The length is preserved, so a masked number still shows what kind of document it is.
    """
    keep = min(4, len(number) // 4)
    if keep == 0:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


# -- internals -------------------------------------------------------------------------------


def _organisation_value(character: str) -> int:
    return int(character) if character in _DIGITS else ord(character) - ord("A") + 10


_OF_THE_WHOLE: Final = N_("the {scheme} has {value} {plural}; it must have {length}")
_OF_THE_BODY: Final = N_("the body of a {scheme} has {value} {plural}; it must have {length}")
_OF_THE_BODY_AN: Final = N_("the body of an {scheme} has {value} {plural}; it must have {length}")


def _need_length(value: str, length: int, scheme: str, template: str = _OF_THE_WHOLE) -> None:
    if len(value) != length:
        raise IdentifierError(
            Message(
                template,
                scheme=scheme,
                value=len(value),
                plural=Message("character") if len(value) == 1 else Message("characters"),
                length=length,
            ),
            scheme=scheme,
        )


def _need_uscc_alphabet(value: str) -> None:
    for position, character in enumerate(value, start=1):
        if character in _USCC_VALUES:
            continue
        if character.upper() in _USCC_VALUES:
            why = Message(
                "a lowercase letter; GB 32100-2015 writes it as {upper!r}", upper=character.upper()
            )
        else:
            why = Message(
                "not used by GB 32100-2015, which allows only 0-9 and A-H, J-N, P-R, T, U, W-Y "
                "(never I, O, Z, S or V)"
            )
        raise IdentifierError(
            Message(
                "character {position} of the {USCC} is {character!r}, {why}",
                position=position,
                USCC=_USCC,
                character=character,
                why=why,
            ),
            scheme=_USCC,
            position=position,
            found=character,
        )


def _need_digits(value: str, count: int) -> None:
    for position, character in enumerate(value[:count], start=1):
        if character not in _DIGITS:
            raise IdentifierError(
                Message(
                    "character {position} of the {RESIDENT_ID} is {character!r} but "
                    "characters 1–17 must be digits (GB 11643-1999)",
                    position=position,
                    RESIDENT_ID=_RESIDENT_ID,
                    character=character,
                ),
                scheme=_RESIDENT_ID,
                position=position,
                found=character,
            )


def _birth_date(number: str) -> dt.date:
    text = number[6:14]
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise IdentifierError(
            Message(
                "characters 7–14 of the {RESIDENT_ID} are {text!r}, which is not a "
                "real date of birth (YYYYMMDD, GB 11643-1999)",
                RESIDENT_ID=_RESIDENT_ID,
                text=text,
            ),
            scheme=_RESIDENT_ID,
            position=7,
            found=text,
        ) from None
