"""Charge capture (HL7 DFT, FHIR ChargeItem) through the message bus: duplicate and missing-code rules."""

from __future__ import annotations

from decimal import Decimal

from revcycle.domain import commands as c
from revcycle.domain.charges import ChargeType
from revcycle.domain.findings import FindingType, Severity
from tests.unit.service_layer.builders import KEY, PATIENT, Harness, charge

F = FindingType


def capture(*charges: object, with_patient: bool = False) -> c.CaptureCharges:
    return c.CaptureCharges(
        patient_key=KEY,
        charges=tuple(charges),  # type: ignore[arg-type]
        visit_number="V5001",
        patient=PATIENT if with_patient else None,
    )


def test_charges_are_stored_and_a_new_patient_is_registered(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1"), charge("FT1-2", code="36415", amount="25.00"), with_patient=True))
    assert [ch.transaction_id for ch in harness.store.charges.all()] == ["FT1-1", "FT1-2"]
    assert harness.store.patients.get(KEY) == PATIENT
    assert harness.findings == []


def test_a_repeated_charge_is_stored_and_flagged_as_a_duplicate(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1")))
    harness.send(capture(charge("FT1-9", amount="175.00")))  # another id and price, the same service
    assert len(harness.store.charges.all()) == 2
    [finding] = harness.findings
    assert finding.type is F.DUPLICATE_CHARGE
    assert finding.severity is Severity.HIGH
    assert (finding.subject_kind, finding.subject_id) == ("charge", "2")
    assert finding.details == {"duplicate_of": 1, "code": "99214"}


def test_a_duplicate_within_one_message_is_flagged(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1"), charge("FT1-2")))
    assert [f.type for f in harness.findings] == [F.DUPLICATE_CHARGE]


def test_a_third_copy_points_at_the_first(harness: Harness) -> None:
    for n in range(3):
        harness.send(capture(charge(f"FT1-{n}")))
    assert [f.details["duplicate_of"] for f in harness.of_type(F.DUPLICATE_CHARGE)] == [1, 1]


def test_modifier_order_does_not_matter(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1", modifiers=("25", "59"))))
    harness.send(capture(charge("FT1-2", modifiers=("59", "25"))))
    assert [f.type for f in harness.findings] == [F.DUPLICATE_CHARGE]


def test_different_services_are_not_duplicates(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1")))
    harness.send(capture(charge("FT1-2", modifiers=("25",))))
    harness.send(capture(charge("FT1-3", code="99215")))
    harness.send(capture(charge("FT1-4", visit="V5002")))
    assert harness.findings == []


def test_a_credit_of_the_same_service_is_not_a_duplicate_of_the_charge(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1")))
    harness.send(capture(charge("FT1-2", charge_type=ChargeType.CREDIT, amount="-150.00")))
    assert harness.findings == []
    # ...but the same credit twice is.
    harness.send(capture(charge("FT1-3", charge_type=ChargeType.CREDIT, amount="-150.00")))
    [finding] = harness.findings
    assert finding.type is F.DUPLICATE_CHARGE
    assert finding.details["duplicate_of"] == 2


def test_a_charge_without_procedure_code_is_flagged(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1", code=None)))
    [finding] = harness.findings
    assert finding.type is F.MISSING_CHARGE_CODE
    assert finding.severity is Severity.MEDIUM
    assert finding.subject_id == "1"
    assert finding.details == {"transaction_code": "CDM-4410"}
    assert harness.store.charges.all()[0].amount == Decimal("150.00")  # kept, not rejected


def test_a_duplicate_without_procedure_code_matches_on_the_chargemaster_item(harness: Harness) -> None:
    harness.send(capture(charge("FT1-1", code=None)))
    harness.send(capture(charge("FT1-2", code=None)))
    assert sorted(harness.store.findings.types()) == sorted(
        [F.MISSING_CHARGE_CODE, F.MISSING_CHARGE_CODE, F.DUPLICATE_CHARGE]
    )
    [duplicate] = harness.of_type(F.DUPLICATE_CHARGE)
    assert duplicate.details == {"duplicate_of": 1, "code": "CDM-4410"}
