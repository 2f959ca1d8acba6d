"""Test data for the service-layer tests, and a harness that feeds commands through the message bus
the way the worker does (one message = one context and one savepoint).

Every patient identifier here is distinctive, so the PHI check can look for it verbatim in findings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from revcycle.domain import commands as c
from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine, Diagnosis, Frequency
from revcycle.domain.findings import Finding, FindingType
from revcycle.domain.patients import Address, Coverage, CoverageRank, Patient, Sex
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)
from revcycle.domain.visits import Appointment, Encounter, EncounterStatus, PatientClass
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext
from tests.unit.service_layer.fakes import ClaimEvent, FakeStore, FakeUnitOfWork

D = Decimal
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CO, PR, OA = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY, AdjustmentGroup.OTHER

# -- patients (PHI) ----------------------------------------------------------------------------------

AUTHORITY = "STMARY"
MRN = "QZ7731904"
FAMILY, GIVEN = "Quillfeather", "Ottoline"
BIRTH_DATE = date(1958, 11, 23)
ACCOUNT = "AC55190027"
MEMBER_ID = "WXK448812307"
PHONE = "555-0142-9981"
STREET = "41 Larkspur Lane"

PRIOR_MRN = "QZ1180256"
PRIOR_FAMILY, PRIOR_GIVEN = "Thistlewood", "Perpetua"
PRIOR_BIRTH_DATE = date(1972, 2, 29)
SECONDARY_MEMBER_ID = "YHB220917554"

PATIENT = Patient(
    mrn=MRN,
    family_name=FAMILY,
    given_name=GIVEN,
    birth_date=BIRTH_DATE,
    sex=Sex.FEMALE,
    account=ACCOUNT,
    address=Address(line1=STREET, city="Bramblecombe", state="VT", postal_code="05091"),
    phone=PHONE,
    assigning_authority=AUTHORITY,
)
PRIOR_PATIENT = Patient(
    mrn=PRIOR_MRN,
    family_name=PRIOR_FAMILY,
    given_name=PRIOR_GIVEN,
    birth_date=PRIOR_BIRTH_DATE,
    assigning_authority=AUTHORITY,
)
KEY = PATIENT.key
PRIOR_KEY = PRIOR_PATIENT.key

PRIMARY_COVERAGE = Coverage(
    payer_id="PAYER-A",
    member_id=MEMBER_ID,
    rank=CoverageRank.PRIMARY,
    group_number="GRP100",
    subscriber_name=f"{FAMILY}, {GIVEN}",
    relationship="18",
)
SECONDARY_COVERAGE = Coverage(
    payer_id="PAYER-B", member_id=SECONDARY_MEMBER_ID, rank=CoverageRank.SECONDARY, relationship="18"
)


def _date_forms(day: date) -> list[str]:
    return [day.isoformat(), day.strftime("%Y%m%d"), day.strftime("%m/%d/%Y"), day.strftime("%m%d%Y")]


PHI_VALUES: tuple[str, ...] = (
    MRN,
    FAMILY,
    GIVEN,
    ACCOUNT,
    MEMBER_ID,
    PHONE,
    STREET,
    PRIOR_MRN,
    PRIOR_FAMILY,
    PRIOR_GIVEN,
    SECONDARY_MEMBER_ID,
    KEY,
    PRIOR_KEY,
    *_date_forms(BIRTH_DATE),
    *_date_forms(PRIOR_BIRTH_DATE),
)


def phi_leaks(findings: Iterable[Finding], phi: Iterable[str] = PHI_VALUES) -> list[str]:
    """Every (finding key, PHI value) where the value appears in the finding's summary, details, key
    or subject id (case-insensitive)."""
    leaks: list[str] = []
    values = [v.lower() for v in phi]
    for finding in findings:
        text = " ".join(
            (
                finding.summary,
                json.dumps(finding.details, default=str),
                finding.key,
                finding.subject_id,
            )
        ).lower()
        leaks.extend(f"{finding.key}: {value!r}" for value in values if value in text)
    return leaks


# -- claims ------------------------------------------------------------------------------------------


def claim(
    pcn: str = "PCN1001",
    *,
    frequency: Frequency = Frequency.ORIGINAL,
    rank: int = 1,
    payer_id: str = "PAYER-A",
    member_id: str = MEMBER_ID,
    lines: tuple[tuple[str, str], ...] = (("99214", "150.00"), ("36415", "50.00")),
    total: str | None = None,
    visit: str = "V5001",
) -> Claim:
    claim_lines = tuple(
        ClaimLine(
            line_number=number,
            procedure_code=code,
            charge=D(amount),
            service_date=date(2026, 2, 16),
            line_control_number=f"{pcn}-{number}",
            diagnosis_pointers=(1,),
        )
        for number, (code, amount) in enumerate(lines, start=1)
    )
    return Claim(
        patient_control_number=pcn,
        kind=ClaimKind.PROFESSIONAL,
        total_charge=D(total) if total is not None else sum((line.charge for line in claim_lines), D("0.00")),
        patient_key=KEY,
        member_id=member_id,
        payer_id=payer_id,
        payer_rank=rank,
        billing_npi="1234567893",
        frequency=frequency,
        diagnoses=(Diagnosis("I10", "ABK"),),  # essential hypertension: a billable ICD-10-CM code
        lines=claim_lines,
        visit_number=visit,
    )


def submit(
    pcn: str = "PCN1001",
    *,
    group: str | None = "1001",
    transaction: str | None = "0001",
    with_patient: bool = True,
    **kwargs: Any,
) -> c.SubmitClaim:
    return c.SubmitClaim(
        claim(pcn, **kwargs),
        PATIENT if with_patient else None,
        group_control_number=group,
        transaction_control_number=transaction,
    )


def ack999(
    status: str = "A", group: str | None = "1001", transaction: str | None = "0001", *errors: str
) -> c.RecordFunctionalAck:
    return c.RecordFunctionalAck(
        group_control_number=group,
        status=status,
        transaction_control_number=transaction,
        transaction_type="837",
        errors=errors,
    )


def ack277(
    pcn: str = "PCN1001",
    *,
    accepted: bool = True,
    category: str = "A2",
    status: str | None = "20",
    payer_ccn: str | None = "PAYERCCN-77",
) -> c.RecordClaimAck:
    return c.RecordClaimAck(
        patient_control_number=pcn,
        accepted=accepted,
        category_code=category,
        status_code=status,
        payer_claim_control_number=payer_ccn,
    )


def adj(group: AdjustmentGroup, reason: str, amount: str) -> Adjustment:
    return Adjustment(group, reason, D(amount))


def paid_in_full(
    pcn: str = "PCN1001", *, status: ClaimPaymentStatus = ClaimPaymentStatus.PRIMARY
) -> ClaimPayment:
    """Charge 200, CO-45 40, PR-2 30, paid 130: every line paid something (outcome paid)."""
    return ClaimPayment(
        patient_control_number=pcn,
        status=status,
        charge=D("200.00"),
        paid=D("130.00"),
        patient_responsibility=D("30.00"),
        payer_claim_control_number="PAYERCCN-77",
        services=(
            ServicePayment(
                "99214", D("150.00"), D("100.00"), adjustments=(adj(CO, "45", "30"), adj(PR, "2", "20"))
            ),
            ServicePayment(
                "36415", D("50.00"), D("30.00"), adjustments=(adj(CO, "45", "10"), adj(PR, "2", "10"))
            ),
        ),
    )


def with_zero_line(pcn: str = "PCN1001") -> ClaimPayment:
    """Charge 200; 99214 paid 130 (CO-45 10, PR-2 10); the venipuncture bundled (CO-97 50), paid 0."""
    return ClaimPayment(
        patient_control_number=pcn,
        status=ClaimPaymentStatus.PRIMARY,
        charge=D("200.00"),
        paid=D("130.00"),
        patient_responsibility=D("10.00"),
        services=(
            ServicePayment(
                "99214", D("150.00"), D("130.00"), adjustments=(adj(CO, "45", "10"), adj(PR, "2", "10"))
            ),
            ServicePayment("36415", D("50.00"), D("0.00"), adjustments=(adj(CO, "97", "50"),)),
        ),
    )


def denied(pcn: str = "PCN1001") -> ClaimPayment:
    """CLP02 = 4: CO-29 (timely filing) on one line, CO-16 (missing information) on the other."""
    return ClaimPayment(
        patient_control_number=pcn,
        status=ClaimPaymentStatus.DENIED,
        charge=D("200.00"),
        paid=D("0.00"),
        payer_claim_control_number="PAYERCCN-77",
        services=(
            ServicePayment("99214", D("150.00"), D("0.00"), adjustments=(adj(CO, "29", "150"),)),
            ServicePayment("36415", D("50.00"), D("0.00"), adjustments=(adj(CO, "16", "50"),)),
        ),
        remarks=("N211", "MA130"),
    )


def reversal_of(payment: ClaimPayment) -> ClaimPayment:
    """CLP02 = 22: the payer takes the earlier payment back (every amount negated)."""
    return dataclasses.replace(
        payment,
        status=ClaimPaymentStatus.REVERSAL,
        charge=-payment.charge,
        paid=-payment.paid,
        patient_responsibility=-payment.patient_responsibility,
        adjustments=tuple(dataclasses.replace(a, amount=-a.amount) for a in payment.adjustments),
        services=tuple(
            dataclasses.replace(
                s,
                charge=-s.charge,
                paid=-s.paid,
                adjustments=tuple(dataclasses.replace(a, amount=-a.amount) for a in s.adjustments),
            )
            for s in payment.services
        ),
    )


def remittance(
    *payments: ClaimPayment,
    trace: str = "TRN-88001",
    payer_id: str = "PAYER-A",
    amount: str | None = None,
    plb: tuple[ProviderAdjustment, ...] = (),
) -> c.RecordRemittance:
    balanced = sum((p.paid for p in payments), D("0.00")) - sum((a.amount for a in plb), D("0.00"))
    return c.RecordRemittance(
        Remittance(
            trace_number=trace,
            payer_id=payer_id,
            payment_amount=D(amount) if amount is not None else balanced,
            payment_method="ACH",
            payment_date=date(2026, 3, 20),
            claims=payments,
            provider_adjustments=plb,
        )
    )


# -- charges, visits, appointments -------------------------------------------------------------------


def charge(
    transaction_id: str = "FT1-1",
    *,
    code: str | None = "99214",
    charge_type: ChargeType = ChargeType.CHARGE,
    amount: str = "150.00",
    modifiers: tuple[str, ...] = (),
    visit: str = "V5001",
) -> Charge:
    return Charge(
        transaction_id=transaction_id,
        patient_key=KEY,
        visit_number=visit,
        service_date=date(2026, 2, 16),
        transaction_code="CDM-4410",
        procedure_code=code,
        modifiers=modifiers,
        amount=D(amount),
        charge_type=charge_type,
        performing_npi="1234567893",
    )


def encounter(
    visit: str = "V5001", *, patient_key: str = KEY, status: EncounterStatus = EncounterStatus.IN_PROGRESS
) -> Encounter:
    return Encounter(
        visit_number=visit,
        patient_key=patient_key,
        patient_class=PatientClass.INPATIENT,
        status=status,
        admitted_at=T0,
        facility_code="FAC1",
        attending_npi="1234567893",
    )


def appointment(appointment_id: str = "APT-9001", *, patient_key: str = KEY, hour: int = 9) -> Appointment:
    return Appointment(
        appointment_id=appointment_id,
        patient_key=patient_key,
        start=T0.replace(hour=hour) + timedelta(days=7),
        duration_minutes=30,
        facility_code="FAC1",
        provider_npi="1234567893",
    )


# -- the harness -------------------------------------------------------------------------------------


class Harness:
    """Feeds commands through ``MessageBus(HANDLERS)``: each ``send`` is one inbound message."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.uow = FakeUnitOfWork(self.store)
        self.bus = MessageBus(HANDLERS)
        self.now = T0
        self.message_id = 0

    def context(self) -> MessageContext:
        self.message_id += 1
        self.now += timedelta(minutes=5)
        return MessageContext(
            correlation_id=f"corr-{self.message_id:04d}",
            received_at=self.now - timedelta(seconds=2),
            now=self.now,
            message_id=self.message_id,
        )

    def send(self, *commands: c.Command) -> MessageContext:
        """Handle one message's commands in one savepoint, as the worker does."""
        ctx = self.context()
        with self.uow.savepoint():
            for command in commands:
                self.bus.handle(command, self.uow, ctx)
        return ctx

    # -- views
    @property
    def findings(self) -> list[Finding]:
        return self.store.findings.all()

    def of_type(self, kind: FindingType) -> list[Finding]:
        return self.store.findings.of_type(kind)

    def claims(self, pcn: str = "PCN1001") -> list[Claim]:
        return [s.claim for s in self.store.claims.all() if s.claim.patient_control_number == pcn]

    def claim_ids(self, pcn: str = "PCN1001") -> list[int]:
        return [s.id for s in self.store.claims.all() if s.claim.patient_control_number == pcn]

    def timeline(self, claim_id: int) -> list[ClaimEvent]:
        return self.store.claims.timeline(claim_id)

    def transitions(self, claim_id: int) -> list[tuple[str, str]]:
        return [
            (str(e.from_status), str(e.to_status))
            for e in self.timeline(claim_id)
            if e.kind == "transition" and e.from_status is not None and e.to_status is not None
        ]
