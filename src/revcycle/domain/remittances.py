"""Remittances: claim and service-line payments with their adjustments (X12 835, FHIR EOB), and
patient payments.

Adjustments follow the 835 CAS segment: a group code (CO contractual, PR patient responsibility,
OA other, PI payer initiated, CR correction/reversal), a claim adjustment reason code (CARC, X12 code
source 139), an amount and an optional quantity. Balancing (X12 835 TR3 section 1.10.2):
charge - adjustments = paid, at claim level (CLP03 - CAS = CLP04) and at line level (SVC02 - CAS = SVC03).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from revcycle.domain.claims import ClaimStatus
from revcycle.domain.money import ZERO, total
from revcycle.domain.phi import phi_field


class AdjustmentGroup(enum.StrEnum):
    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION = "CR"


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: AdjustmentGroup
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


class ClaimPaymentStatus(enum.StrEnum):
    """CLP02 claim status codes used in 5010 835s."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"
    NOT_OUR_CLAIM_FORWARDED = "23"
    PREDETERMINATION = "25"


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """One SVC loop (Loop 2110). ``submitted_code`` is SVC06 when the payer changed the code."""

    procedure_code: str | None
    charge: Decimal
    paid: Decimal
    modifiers: tuple[str, ...] = ()
    submitted_code: str | None = None
    submitted_modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    units: Decimal | None = None
    service_date: date | None = None
    line_control_number: str | None = None
    allowed: Decimal | None = None
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()

    @property
    def balance_difference(self) -> Decimal:
        """SVC02 - sum(line CAS) - SVC03; zero when the line balances."""
        return self.charge - total(a.amount for a in self.adjustments) - self.paid


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """One CLP loop (Loop 2100)."""

    patient_control_number: str
    status: ClaimPaymentStatus
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal = ZERO
    payer_claim_control_number: str | None = None
    filing_indicator: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    services: tuple[ServicePayment, ...] = ()
    remarks: tuple[str, ...] = ()
    service_date: date | None = None

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        return self.adjustments + tuple(a for s in self.services for a in s.adjustments)

    def adjusted(self, group: AdjustmentGroup) -> Decimal:
        return total(a.amount for a in self.all_adjustments if a.group is group)

    @property
    def balance_difference(self) -> Decimal:
        """CLP03 - all CAS (claim and line) - CLP04; zero when the claim payment balances."""
        return self.charge - total(a.amount for a in self.all_adjustments) - self.paid

    @property
    def is_reversal(self) -> bool:
        return self.status is ClaimPaymentStatus.REVERSAL

    def outcome(self) -> ClaimStatus:
        """The claim state this payment leads to (a reversal is handled by its own transition)."""
        if self.is_reversal:
            return ClaimStatus.REVERSED
        if self.status is ClaimPaymentStatus.DENIED or (
            self.paid <= ZERO and self.patient_responsibility <= ZERO
        ):
            return ClaimStatus.DENIED
        # A zero-paid line is denied unless its amount went to the patient (deductible, PR-1).
        denied_lines = any(
            s.paid <= ZERO
            and s.charge > ZERO
            and not any(
                a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY and a.amount > ZERO for a in s.adjustments
            )
            for s in self.services
        )
        unexplained = any(
            a.amount != ZERO
            for a in self.all_adjustments
            if a.group in (AdjustmentGroup.OTHER, AdjustmentGroup.PAYER_INITIATED)
        )
        if denied_lines or unexplained:
            return ClaimStatus.PARTIALLY_PAID
        return ClaimStatus.PAID


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """PLB: a provider-level adjustment (reason code such as WO, FB, L6, 72) for a fiscal period."""

    provider_id: str
    reason: str
    amount: Decimal
    reference: str | None = None
    fiscal_period_end: date | None = None


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction: a payment (BPR/TRN) and the claims it pays."""

    trace_number: str
    payer_id: str | None
    payment_amount: Decimal
    payment_method: str | None = None
    payment_date: date | None = None
    payer_name: str | None = None
    payee_id: str | None = None
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()

    @property
    def balance_difference(self) -> Decimal:
        """BPR02 - (sum CLP04 - sum PLB amounts); zero when the transaction balances."""
        return self.payment_amount - (
            total(c.paid for c in self.claims) - total(p.amount for p in self.provider_adjustments)
        )


@dataclass(frozen=True, slots=True)
class PatientPayment:
    """A payment from the patient (guarantor) against an account."""

    account: str = phi_field(required=True)
    amount: Decimal = ZERO
    received_at: datetime | None = None
    method: str | None = None
    reference: str | None = None
    patient_control_number: str | None = None
