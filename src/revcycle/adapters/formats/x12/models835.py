"""Native 835 (005010X221A1) health care claim payment / advice structures.

Loops: header (BPR, TRN, DTM*405), 1000A payer (N1*PR), 1000B payee (N1*PE), 2000 header number (LX),
2100 claim payment (CLP, CAS, NM1, REF, DTM, AMT), 2110 service payment (SVC, DTM, CAS, REF, AMT, LQ),
summary (PLB provider-level adjustments). Money is ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from revcycle.adapters.formats.x12.models837 import Adjustment, BalancingIssue, DateValue, Party, Reference

#: CLP02 claim status codes.
CLAIM_STATUS = MappingProxyType(
    {
        "1": "processed as primary",
        "2": "processed as secondary",
        "3": "processed as tertiary",
        "4": "denied",
        "19": "processed as primary, forwarded to additional payer(s)",
        "20": "processed as secondary, forwarded to additional payer(s)",
        "21": "processed as tertiary, forwarded to additional payer(s)",
        "22": "reversal of previous payment",
        "23": "not our claim, forwarded to additional payer(s)",
        "25": "predetermination pricing only - no payment",
    }
)


@dataclass(slots=True)
class RemitLine:
    """Loop 2110 SVC: adjudicated procedure (SVC01), charge (SVC02), paid (SVC03), revenue code (SVC04),
    units paid (SVC05), original submitted procedure (SVC06) and units (SVC07)."""

    procedure_qualifier: str | None
    procedure_code: str | None
    charge: Decimal
    paid: Decimal
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    units: Decimal | None = None
    original_procedure_qualifier: str | None = None
    original_procedure_code: str | None = None
    original_modifiers: tuple[str, ...] = ()
    original_units: Decimal | None = None
    dates: tuple[DateValue, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    references: tuple[Reference, ...] = ()
    allowed: Decimal | None = None
    remarks: tuple[tuple[str, str], ...] = ()

    @property
    def line_control_number(self) -> str | None:
        """REF*6R: the provider's line item control number from the 837 (REF*6R in loop 2400)."""
        return next((r.value for r in self.references if r.qualifier == "6R"), None)

    @property
    def service_date(self) -> date | None:
        """DTM*472, else DTM*150 (service period start)."""
        chosen = next((d for d in self.dates if d.qualifier == "472"), None) or next(
            (d for d in self.dates if d.qualifier == "150"), None
        )
        return chosen.start if chosen else None

    @property
    def adjustment_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), Decimal(0))


@dataclass(slots=True)
class ClaimPayment:
    """Loop 2100 CLP: patient control number (CLP01), status (CLP02), charge (CLP03), paid (CLP04),
    patient responsibility (CLP05), filing indicator (CLP06), payer claim control number (CLP07),
    facility code (CLP08), frequency (CLP09)."""

    patient_control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None = None
    filing_indicator: str | None = None
    payer_claim_control_number: str | None = None
    facility_code: str | None = None
    frequency_code: str | None = None
    header_number: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    patient: Party | None = None
    parties: tuple[Party, ...] = ()
    dates: tuple[DateValue, ...] = ()
    references: tuple[Reference, ...] = ()
    amounts: tuple[tuple[str, Decimal], ...] = ()
    lines: tuple[RemitLine, ...] = ()
    balancing_issues: tuple[BalancingIssue, ...] = ()

    @property
    def status_text(self) -> str:
        return CLAIM_STATUS.get(self.status, "unknown status")

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def adjustment_total(self) -> Decimal:
        """Claim-level plus line-level CAS amounts."""
        return sum((a.amount for a in self.adjustments), Decimal(0)) + sum(
            (line.adjustment_total for line in self.lines), Decimal(0)
        )

    def adjustments_by_group(self) -> dict[str, Decimal]:
        """Sum of claim and line CAS amounts per group code (CO, PR, OA, PI, CR)."""
        totals: dict[str, Decimal] = {}
        for adj in [*self.adjustments, *(a for line in self.lines for a in line.adjustments)]:
            totals[adj.group] = totals.get(adj.group, Decimal(0)) + adj.amount
        return totals


@dataclass(slots=True)
class ProviderAdjustment:
    """PLB: provider id (PLB01), fiscal period end (PLB02), reason (PLB03-1), reference (PLB03-2),
    amount (PLB04); positive amounts reduce the payment."""

    provider_id: str
    fiscal_period: date | None
    reason: str
    reference: str | None
    amount: Decimal


@dataclass(slots=True)
class Remittance835:
    """One 835 transaction set."""

    control_number: str
    implementation: str
    handling_code: str | None = None
    payment_amount: Decimal = Decimal(0)
    credit_debit: str | None = None
    payment_method: str | None = None
    payment_format: str | None = None
    payment_date: date | None = None
    trace_number: str | None = None
    originator_id: str | None = None
    production_date: date | None = None
    payer: Party | None = None
    payee: Party | None = None
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    balancing_issues: tuple[BalancingIssue, ...] = ()

    @property
    def paid_total(self) -> Decimal:
        """Sum of CLP04."""
        return sum((c.paid for c in self.claims), Decimal(0))

    @property
    def charge_total(self) -> Decimal:
        return sum((c.charge for c in self.claims), Decimal(0))

    @property
    def provider_adjustment_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), Decimal(0))
