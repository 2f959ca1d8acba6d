"""Charge lines and their duplicate-detection identity."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from revcycle.domain.charges import Charge, ChargeType

BASE = Charge(
    transaction_id="T1",
    patient_key="HOSP|1",
    visit_number="V1",
    service_date=date(2024, 4, 2),
    transaction_code="CDM100",
    procedure_code="99213",
    modifiers=("25", "59"),
    quantity=Decimal("1"),
    amount=Decimal("150.00"),
    performing_npi="1234567893",
)


def test_modifier_order_does_not_change_identity() -> None:
    other = dataclasses.replace(BASE, transaction_id="T2", modifiers=("59", "25"))
    assert other != BASE
    assert other.identity() == BASE.identity()


def test_units_change_identity() -> None:
    assert dataclasses.replace(BASE, quantity=Decimal("2")).identity() != BASE.identity()


def test_equal_quantities_at_different_scale_are_the_same_identity() -> None:
    assert dataclasses.replace(BASE, quantity=Decimal("1.0")).identity() == BASE.identity()
    assert hash(dataclasses.replace(BASE, quantity=Decimal("1.0")).identity()) == hash(BASE.identity())


def test_identity_ignores_transaction_id_and_amount() -> None:
    other = dataclasses.replace(BASE, transaction_id="T9", amount=Decimal("175.00"), department_code="D2")
    assert other.identity() == BASE.identity()


def test_identity_distinguishes_the_service() -> None:
    changes = [
        {"patient_key": "HOSP|2"},
        {"visit_number": "V2"},
        {"service_date": date(2024, 4, 3)},
        {"procedure_code": "99214"},
        {"modifiers": ("25",)},
        {"modifiers": ("25", "59", "59")},
        {"performing_npi": "1245319599"},
    ]
    for change in changes:
        assert dataclasses.replace(BASE, **change).identity() != BASE.identity(), change


def test_transaction_code_stands_in_when_there_is_no_procedure_code() -> None:
    without = dataclasses.replace(BASE, procedure_code=None)
    assert without.identity()[3] == "CDM100"
    assert dataclasses.replace(without, transaction_code="CDM200").identity() != without.identity()


def test_defaults() -> None:
    charge = Charge(transaction_id=None, patient_key="k", visit_number=None, service_date=None)
    assert charge.charge_type is ChargeType.CHARGE
    assert charge.quantity == Decimal("1")
    assert charge.amount == Decimal("0.00")
    assert charge.modifiers == ()
    assert ChargeType("CD") is ChargeType.CREDIT


@given(st.permutations(["25", "59", "RT", "XU"]))
def test_identity_is_invariant_under_modifier_permutation(modifiers: list[str]) -> None:
    assert (
        dataclasses.replace(BASE, modifiers=tuple(modifiers)).identity()
        == dataclasses.replace(BASE, modifiers=("25", "59", "RT", "XU")).identity()
    )
