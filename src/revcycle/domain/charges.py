"""Charge lines: what was done, for whom, by whom, at what price (HL7 FT1, FHIR ChargeItem)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revcycle.domain.phi import phi_field


class ChargeType(enum.StrEnum):
    """HL7 table 0017 transaction type (FT1-6), reduced to what posting needs."""

    CHARGE = "CG"
    CREDIT = "CD"
    PAYMENT = "PY"
    ADJUSTMENT = "AJ"


@dataclass(frozen=True, slots=True)
class Charge:
    """One charge line.

    ``procedure_code`` is the CPT/HCPCS code (FT1-25); ``transaction_code`` the chargemaster item
    (FT1-7). A charge may arrive without a procedure code: the rules flag it, the model keeps it.
    """

    transaction_id: str | None
    patient_key: str = phi_field(required=True)  # embeds the MRN
    visit_number: str | None = None
    service_date: date | None = None
    transaction_code: str | None = None
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    quantity: Decimal = Decimal("1")
    amount: Decimal = Decimal("0.00")
    unit_amount: Decimal | None = None
    charge_type: ChargeType = ChargeType.CHARGE
    department_code: str | None = None
    facility_code: str | None = None
    performing_npi: str | None = None
    ordering_npi: str | None = None
    diagnoses: tuple[str, ...] = ()
    revenue_code: str | None = None
    place_of_service: str | None = None
    posted_on: date | None = None  # when the charge was entered (FT1-5, ChargeItem.enteredDate)

    def identity(self) -> tuple[object, ...]:
        """What makes two charges the same service (the duplicate-charge rule compares these)."""
        return (
            self.patient_key,
            self.visit_number,
            self.service_date,
            self.procedure_code or self.transaction_code,
            tuple(sorted(self.modifiers)),
            self.performing_npi,
            self.quantity,
            self.charge_type,
        )
