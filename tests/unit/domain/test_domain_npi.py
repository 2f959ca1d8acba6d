"""NPI check digit (45 CFR 162.406): Luhn (ISO/IEC 7812) over the card-issuer prefix 80840 + the NPI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revcycle.domain.errors import DomainError, InvalidIdentifier
from revcycle.domain.master_data import Provider
from revcycle.domain.npi import is_valid_npi, npi_check_digit, validate_npi


def luhn_valid(number: str) -> bool:
    """The published Luhn test, written independently of the module under test."""
    digits = [int(c) for c in number]
    checksum = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:  # double every second digit, counting the check digit as position 0
            digit = digit * 2
            if digit > 9:
                digit = digit - 9
        checksum += digit
    return checksum % 10 == 0


def reference_npi_valid(npi: str) -> bool:
    return len(npi) == 10 and all(c in "0123456789" for c in npi) and luhn_valid("80840" + npi)


KNOWN_VALID = ["1234567893", "1245319599", "1679576722", "1003000126"]


def test_reference_implementation_agrees_with_the_cms_worked_example() -> None:
    # CMS "Requirements for NPI check digit": 123456789 has check digit 3.
    assert reference_npi_valid("1234567893")
    assert not reference_npi_valid("1234567890")


@pytest.mark.parametrize("npi", KNOWN_VALID)
def test_known_valid_npis(npi: str) -> None:
    assert reference_npi_valid(npi), "fixture NPI must be valid by the independent implementation"
    assert is_valid_npi(npi)
    assert npi_check_digit(npi[:9]) == int(npi[9])
    assert validate_npi(npi) == npi


@pytest.mark.parametrize("npi", KNOWN_VALID)
def test_every_wrong_check_digit_is_rejected(npi: str) -> None:
    for digit in "0123456789":
        candidate = npi[:9] + digit
        assert is_valid_npi(candidate) is (digit == npi[9])


@pytest.mark.parametrize("npi", ["1234567894", "1245319590", "1679576723", "1003000127"])
def test_invalid_check_digit_raises_invalid_identifier(npi: str) -> None:
    assert not is_valid_npi(npi)
    with pytest.raises(InvalidIdentifier) as info:
        validate_npi(npi)
    assert isinstance(info.value, DomainError)
    # The message carries no digits of the identifier.
    assert npi not in str(info.value)
    assert not any(ch.isdigit() for ch in str(info.value))


@pytest.mark.parametrize(
    "npi",
    [
        "",
        "123456789",  # nine digits
        "12345678930",  # eleven digits
        "01234567893",
        "123456789 ",
        " 123456789",
        "12345-7893",
        "123456789X",
        "abcdefghij",
        "+123456789",
        "1234567.93",
    ],
)
def test_wrong_length_or_non_digits_are_invalid(npi: str) -> None:
    assert not is_valid_npi(npi)
    with pytest.raises(InvalidIdentifier):
        validate_npi(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "١٢٣٤٥٦٧٨٩٣",  # Arabic-Indic digits for 1234567893: int() would accept them
        "１２３４５６７８９３",  # fullwidth digits
        "123456789³",  # superscript three: str.isdigit() is True
        "12345678९3",  # Devanagari nine
    ],
)
def test_non_ascii_digits_are_invalid(npi: str) -> None:
    assert len(npi) == 10
    assert npi.isdigit()
    assert not is_valid_npi(npi)
    with pytest.raises(InvalidIdentifier):
        validate_npi(npi)


@pytest.mark.parametrize("base", ["12345678", "1234567890", "12345678X", "١٢٣٤٥٦٧٨٩", ""])
def test_check_digit_rejects_a_malformed_base(base: str) -> None:
    with pytest.raises(InvalidIdentifier):
        npi_check_digit(base)


def test_provider_accepts_a_valid_npi() -> None:
    provider = Provider(npi="1245319599", name="Example Clinic")
    assert provider.npi == "1245319599"


@pytest.mark.parametrize("npi", ["1245319598", "124531959", "12453195990", "124531959X", "١٢٤٥٣١٩٥٩٩"])
def test_provider_rejects_an_invalid_npi(npi: str) -> None:
    with pytest.raises(InvalidIdentifier):
        Provider(npi=npi, name="Example Clinic")


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_check_digit_completes_any_base(base: str) -> None:
    check = npi_check_digit(base)
    assert 0 <= check <= 9
    npi = base + str(check)
    assert is_valid_npi(npi)
    assert reference_npi_valid(npi)
    for other in "0123456789":
        if other != str(check):
            assert not is_valid_npi(base + other)
            assert not reference_npi_valid(base + other)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_is_valid_npi_matches_the_reference_for_any_ten_digits(npi: str) -> None:
    assert is_valid_npi(npi) is reference_npi_valid(npi)
