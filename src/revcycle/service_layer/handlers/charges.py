"""Charge capture: HL7 DFT P03 / P11, FHIR ChargeItem."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType, Severity
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def capture_charges(cmd: c.CaptureCharges, uow: UnitOfWork, ctx: MessageContext) -> None:
    if cmd.patient is not None and uow.patients.get(cmd.patient.key) is None:
        uow.patients.save(cmd.patient, None, ctx)
    for charge in cmd.charges:
        earlier = uow.charges.same_service(charge)
        charge_id = uow.charges.add(charge, ctx)
        if earlier:
            raise_finding(
                uow,
                ctx,
                FindingType.DUPLICATE_CHARGE,
                Severity.HIGH,
                "charge",
                charge_id,
                f"charge {charge_id} repeats charge {earlier[0]} (same service, code, modifiers, units)",
                details={
                    "duplicate_of": earlier[0],
                    "code": charge.procedure_code or charge.transaction_code,
                },
            )
        if not charge.procedure_code:
            raise_finding(
                uow,
                ctx,
                FindingType.MISSING_CHARGE_CODE,
                Severity.MEDIUM,
                "charge",
                charge_id,
                f"charge {charge_id} has no procedure code (FT1-25)",
                details={"transaction_code": charge.transaction_code},
            )
