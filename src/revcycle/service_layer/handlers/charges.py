"""Charge capture: HL7 DFT P03 / P11, FHIR ChargeItem. Each line is stored, then the charge rules
(``domain/rules/registry.py``) judge it: duplicates, missing or invalid codes, units, timely filing.
A payment line (FT1-6 = PY or CO) is also applied to the patient's balances (``patient_payments``)."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.charges import ChargeType
from revcycle.service_layer.handlers.patient_payments import receive_patient_payment, received_from_charge
from revcycle.service_layer.ports import MessageContext, UnitOfWork
from revcycle.service_layer.rules import ChargeChecker


def capture_charges(cmd: c.CaptureCharges, uow: UnitOfWork, ctx: MessageContext) -> None:
    checker = ChargeChecker(uow, ctx, cmd.coverages)
    if cmd.patient is not None:
        stored = uow.patients.get(cmd.patient.key)
        if stored is None:
            uow.patients.save(cmd.patient, None, ctx)
        checker.knows(cmd.patient.key, stored or cmd.patient)  # read once per message, not once more
    for charge in cmd.charges:
        earlier = uow.charges.same_service(charge)
        charge_id = uow.charges.add(charge, ctx)
        checker.check(charge, charge_id, earlier)
        if charge.charge_type is ChargeType.PAYMENT:
            receive_patient_payment(uow, ctx, received_from_charge(charge, charge_id, ctx))
