"""National Provider Identifier check digit (45 CFR 162.406; ISO/IEC 7812 Luhn over "80840" + NPI).

The NPI is ten digits; the tenth is a Luhn check digit computed over the first nine prefixed with the
card-issuer prefix 80840 (which contributes a constant 24 to the sum).
"""

from __future__ import annotations

from revcycle.domain.errors import InvalidIdentifier

_PREFIX_SUM = 24  # the Luhn contribution of the "80840" prefix


def npi_check_digit(first_nine: str) -> int:
    """The Luhn check digit for the first nine digits of an NPI."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise InvalidIdentifier("NPI base must be nine digits")
    total = _PREFIX_SUM
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:  # double every second digit from the right, starting with the rightmost
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """True for ten digits whose last is the Luhn check digit of the first nine."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    return npi_check_digit(npi[:9]) == int(npi[9])


def validate_npi(npi: str) -> str:
    """Return the NPI if valid, else raise InvalidIdentifier (the message carries no digits)."""
    if not is_valid_npi(npi):
        raise InvalidIdentifier("NPI fails its format or check digit")
    return npi
