"""money(): Decimal rounded to cents, half-up; total()."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revcycle.domain.errors import DomainError
from revcycle.domain.money import CENT, ZERO, money, total


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),  # binary float would give 2.67; Decimal half-up gives 2.68
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("0.015", "0.02"),  # half-even would give 0.02 too; next case distinguishes
        ("0.025", "0.03"),  # half-even would give 0.02
        ("1.125", "1.13"),  # half-even would give 1.12
        ("-0.005", "-0.01"),  # half-up rounds away from zero
        ("-2.675", "-2.68"),
        ("100", "100.00"),
        ("100.1", "100.10"),
        ("1E2", "100.00"),
        ("  42.5 ", "42.50"),
        ("+7", "7.00"),
        ("0", "0.00"),
        ("", "0.00"),
        ("   ", "0.00"),
    ],
)
def test_strings_round_half_up_to_cents(value: str, expected: str) -> None:
    result = money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("19.995"), "20.00"),
        (Decimal("19.994"), "19.99"),
        (Decimal("3"), "3.00"),
        (7, "7.00"),
        (-3, "-3.00"),
    ],
)
def test_decimals_and_ints(value: Decimal | int, expected: str) -> None:
    assert str(money(value)) == expected


def test_result_always_has_two_decimal_places() -> None:
    for value in ("1", "1.5", "1.234", Decimal("1.00000"), 12):
        assert money(value).as_tuple().exponent == -2


@pytest.mark.parametrize("text", ["abc", "1,000.00", "$12.00", "12.00 USD", "1.2.3", "--1", "0x10", "one"])
def test_text_that_is_not_a_number_raises_domain_error(text: str) -> None:
    with pytest.raises(DomainError):
        money(text)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "-inf",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("sNaN"),
    ],
)
def test_nan_and_infinity_are_rejected(value: str | Decimal) -> None:
    with pytest.raises(DomainError):
        money(value)


def test_huge_amount_does_not_leak_a_decimal_exception() -> None:
    try:
        result = money("1e30")
    except DomainError:
        return
    assert result == Decimal("1e30")


def test_total_of_nothing_is_zero_cents() -> None:
    result = total([])
    assert result == ZERO
    assert str(result) == "0.00"
    assert str(total(iter(()))) == "0.00"


def test_total_sums_then_rounds_half_up() -> None:
    assert str(total([Decimal("10.10"), Decimal("20.20"), Decimal("0.01")])) == "30.31"
    # sum first (0.010), then round: not round each (0.01 + 0.01)
    assert str(total([Decimal("0.005"), Decimal("0.005")])) == "0.01"
    assert str(total([Decimal("0.0025"), Decimal("0.0025")])) == "0.01"
    assert str(total([Decimal("100"), Decimal("-100")])) == "0.00"


def test_constants() -> None:
    assert str(ZERO) == "0.00"
    assert Decimal("0.01") == CENT


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_money_is_within_half_a_cent_and_idempotent(value: Decimal) -> None:
    result = money(value)
    assert abs(result - value) <= Decimal("0.005")
    assert money(result) == result
    assert money(str(value)) == result
