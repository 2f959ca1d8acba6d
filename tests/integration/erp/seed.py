"""A small book of business fed through the real handlers into a real store: master data, a patient,
charges, claims, an 835 with payments and adjustments (one unmatched), a reversal, a patient payment."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain import commands as c
from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine
from revcycle.domain.master_data import Department, Facility, Payer, PayerClass
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    PatientPayment,
    Remittance,
)
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext

D = Decimal
NOW = datetime(2026, 1, 20, 9, tzinfo=UTC)
DAY = date(2026, 1, 12)
NPI = "1234567893"
MRN, FAMILY, GIVEN, MEMBER = "QZ7731904", "Quillfeather", "Ottoline", "WXK448812307"
PATIENT = Patient(
    mrn=MRN, family_name=FAMILY, given_name=GIVEN, birth_date=date(1958, 11, 23), assigning_authority="STMARY"
)
PHI = (MRN, FAMILY, GIVEN, MEMBER, "1958-11-23", "19581123", PATIENT.key)
_ids = itertools.count(1)

MAPPING = """
[[rule]]
legal_entity = "LE1"
cost_centre = "CC-0"
[[rule]]
department = "ED"
cost_centre = "CC-ED"
[[rule]]
transaction = "charge"
debit = "1200"
credit = "4000"
[[rule]]
transaction = "payer_payment"
debit = "1010"
credit = "1200"
[[rule]]
transaction = "contractual_adjustment"
debit = "4900"
credit = "1200"
[[rule]]
transaction = "patient_payment"
debit = "1010"
credit = "1210"
[[rule]]
transaction = "write_off"
debit = "4950"
credit = "1200"
"""
PR_RULE = """
[[rule]]
transaction = "patient_responsibility"
debit = "1210"
credit = "1200"
"""


def write_mapping(folder: Path, *, complete: bool = True) -> Path:
    path = folder / "gl.toml"
    path.write_text(MAPPING + (PR_RULE if complete else ""), encoding="utf-8")
    return path


def run(engine: Engine, *commands: c.Command, now: datetime = NOW) -> None:
    bus = MessageBus(HANDLERS)
    with SqlUnitOfWork(engine) as uow:
        for command in commands:
            ctx = MessageContext(correlation_id=str(uuid.uuid4()), received_at=now, now=now)
            with uow.savepoint():
                bus.handle(command, uow, ctx)
        uow.commit()


def charge(code: str, amount: str, day: date = DAY, department: str = "ED") -> Charge:
    return Charge(
        transaction_id=f"T{next(_ids)}",
        patient_key=PATIENT.key,
        visit_number="V1",
        service_date=day,
        procedure_code=code,
        amount=D(amount),
        department_code=department,
        facility_code="HOSP",
    )


def claim(pcn: str, *lines: tuple[str, str], day: date = DAY) -> Claim:
    parsed = tuple(ClaimLine(n, code, D(a), service_date=day) for n, (code, a) in enumerate(lines, start=1))
    return Claim(
        pcn,
        ClaimKind.PROFESSIONAL,
        sum((x.charge for x in parsed), D("0")),
        member_id=MEMBER,
        payer_id="PAY1",
        billing_npi=NPI,
        lines=parsed,
    )


def payment(pcn: str, status: str, paid: str, *adj: tuple[AdjustmentGroup, str]) -> ClaimPayment:
    adjustments = tuple(
        Adjustment(g, "45" if g is AdjustmentGroup.CONTRACTUAL else "1", D(a)) for g, a in adj
    )
    return ClaimPayment(
        pcn,
        ClaimPaymentStatus(status),
        D(paid) + sum((a.amount for a in adjustments), D("0")),
        D(paid),
        adjustments=adjustments,
    )


def seed(engine: Engine) -> None:
    """Charges 300.00 (two lines), a claim for them, an 835 paying 180 with 100 contractual and 20 to
    the patient, an unmatched claim payment, and a patient payment of 20."""
    co, pr = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY
    run(
        engine,
        c.UpsertMasterData("facility", (Facility("HOSP", "Hospital", npi=NPI, legal_entity="LE1"),)),
        c.UpsertMasterData("payer", (Payer("PAY1", "Payer One", PayerClass.COMMERCIAL),)),
        c.UpsertMasterData("department", (Department("ED", "Emergency", "HOSP", "CC-ED", "emergency"),)),
        c.RegisterPatient(PATIENT, (Coverage("PAY1", MEMBER),)),
        c.CaptureCharges(PATIENT.key, (charge("99284", "250.00"), charge("36415", "50.00")), "V1"),
        c.SubmitClaim(claim("PCN1", ("99284", "250.00"), ("36415", "50.00")), None),
        c.RecordRemittance(
            Remittance(
                "TRC1",
                "PAY1",
                D("190.00"),
                payment_date=date(2026, 1, 19),
                claims=(
                    payment("PCN1", "1", "180.00", (co, "100.00"), (pr, "20.00")),
                    payment("NOPE9", "1", "10.00"),
                ),
            )
        ),
        c.RecordPatientPayment(
            PatientPayment(account="AC1", amount=D("20.00"), received_at=NOW, reference="R1")
        ),
    )
