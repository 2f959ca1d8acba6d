"""Effective dating and contract pricing."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from revcycle.domain.master_data import (
    ALWAYS,
    Contract,
    Department,
    Effective,
    Facility,
    FeeScheduleEntry,
    Payer,
    PayerClass,
    Provider,
)

D = Decimal
JAN1, DEC31 = date(2024, 1, 1), date(2024, 12, 31)


# -- Effective ---------------------------------------------------------------------------------------


def test_both_ends_are_inclusive() -> None:
    period = Effective(JAN1, DEC31)
    assert period.covers(JAN1)
    assert period.covers(DEC31)
    assert period.covers(date(2024, 6, 15))
    assert not period.covers(date(2023, 12, 31))
    assert not period.covers(date(2025, 1, 1))


def test_open_start() -> None:
    period = Effective(end=DEC31)
    assert period.covers(date.min)
    assert period.covers(DEC31)
    assert not period.covers(date(2025, 1, 1))


def test_open_end() -> None:
    period = Effective(start=JAN1)
    assert period.covers(date.max)
    assert period.covers(JAN1)
    assert not period.covers(date(2023, 12, 31))


def test_always_covers_everything() -> None:
    assert Effective() == ALWAYS
    for day in (date.min, JAN1, date.max):
        assert ALWAYS.covers(day)


def test_single_day_period() -> None:
    period = Effective(JAN1, JAN1)
    assert period.covers(JAN1)
    assert not period.covers(date(2024, 1, 2))
    assert not period.covers(date(2023, 12, 31))


def test_inverted_period_covers_nothing() -> None:
    period = Effective(DEC31, JAN1)
    assert not period.covers(JAN1)
    assert not period.covers(DEC31)
    assert not period.covers(date(2024, 6, 1))


def test_master_records_default_to_always_effective() -> None:
    assert Payer("P1", "Payer One").effective is ALWAYS
    assert Payer("P1", "Payer One").payer_class is PayerClass.OTHER
    assert Facility("F1", "Main").effective is ALWAYS
    assert Department("D1", "Cardiology").effective is ALWAYS
    assert Provider("1234567893", "Dr A").effective is ALWAYS
    assert Contract("C1", "P1").effective is ALWAYS


def test_master_records_are_frozen() -> None:
    payer = Payer("P1", "Payer One")
    with pytest.raises(dataclasses.FrozenInstanceError):
        payer.name = "other"  # type: ignore[misc]


# -- Contract.expected -------------------------------------------------------------------------------

SCHEDULE = (
    FeeScheduleEntry("99213", D("100.00")),
    FeeScheduleEntry("99213", D("130.00"), modifier="25"),
    FeeScheduleEntry("73030", D("60.00"), modifier="26"),  # professional component only
    FeeScheduleEntry("36415", D("3.00")),
)


def contract(percent: str = "1", schedule: tuple[FeeScheduleEntry, ...] = SCHEDULE) -> Contract:
    return Contract("C1", "P1", fee_schedule=schedule, percent_of_schedule=D(percent))


def test_modifier_specific_price_wins() -> None:
    assert contract().expected("99213", "25") == D("130.00")


def test_unknown_modifier_falls_back_to_the_code_price() -> None:
    assert contract().expected("99213", "59") == D("100.00")


def test_no_modifier_uses_the_code_price() -> None:
    assert contract().expected("99213") == D("100.00")
    assert contract().expected("99213", None) == D("100.00")


def test_modifier_only_entry_is_not_used_without_its_modifier() -> None:
    assert contract().expected("73030", "26") == D("60.00")
    assert contract().expected("73030") is None
    assert contract().expected("73030", "TC") is None


def test_unscheduled_code_is_none() -> None:
    assert contract().expected("99999") is None
    assert contract().expected("99999", "25") is None
    assert Contract("C2", "P1").expected("99213") is None


def test_order_of_entries_does_not_change_the_price() -> None:
    reversed_contract = contract(schedule=tuple(reversed(SCHEDULE)))
    assert reversed_contract.expected("99213", "25") == D("130.00")
    assert reversed_contract.expected("99213", "59") == D("100.00")
    assert reversed_contract.expected("99213") == D("100.00")


@pytest.mark.parametrize(
    ("percent", "code", "modifier", "expected"),
    [
        ("0.80", "99213", None, "80.00"),
        ("0.80", "99213", "25", "104.00"),
        ("1.10", "36415", None, "3.30"),
        ("0", "99213", None, "0.00"),
        ("0.333", "99213", None, "33.30"),
    ],
)
def test_percent_of_schedule_is_applied(percent: str, code: str, modifier: str | None, expected: str) -> None:
    result = contract(percent).expected(code, modifier)
    assert result == D(expected)
    assert result is not None
    assert result.as_tuple().exponent == -2


def test_expected_amount_is_cent_rounded() -> None:
    # 99.99 * 0.333 = 33.29667
    one = (FeeScheduleEntry("99213", D("99.99")),)
    assert str(contract("0.333", one).expected("99213")) == "33.30"


def test_expected_amount_rounds_half_up_like_money() -> None:
    one = (FeeScheduleEntry("99213", D("100.25")),)
    assert contract("0.5", one).expected("99213") == D("50.13")


def test_replace_gives_an_independent_contract() -> None:
    # A new contract version made with dataclasses.replace must price from its own schedule only,
    # and must not alter the version it was made from.
    old = contract()
    new = dataclasses.replace(old, fee_schedule=(FeeScheduleEntry("99214", D("150.00")),))
    assert new.expected("99214") == D("150.00")
    assert new.expected("99213") is None
    assert old.expected("99214") is None
    assert old.expected("99213") == D("100.00")


def test_equal_contracts_compare_equal() -> None:
    assert contract() == contract()
    assert contract("0.8") != contract("0.9")
