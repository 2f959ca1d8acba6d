"""DFT (HL7 v2.5.1 Ch. 6, financial management: post detail financial transactions) and BAR (add /
change billing account) to canonical commands.

DFT P03 / P11 -> one CaptureCharges with a :class:`Charge` per FT1:

==================  ==========================================================================
transaction id      FT1-2
service date        FT1-4.1 (DR start, or TS)
charge type         FT1-6, HL7 table 0017: CG charge, CD credit, PY payment (CO co-payment too),
                    AJ adjustment; empty: error 101, another code: error 103
transaction code    FT1-7.1 (the chargemaster item)
quantity            FT1-10 (default 1)
amount              FT1-11.1.1 (extended amount), else FT1-12 x quantity, else 0.00; unit FT1-12
department          FT1-13.1, else the visit's (PV1-10, PV1-3.1)
diagnoses           FT1-19 codes, else the message's DG1-3 codes
posted on           FT1-5 (transaction posting date)
performing / order  FT1-20 / FT1-21 (first check-digit-valid NPI)
procedure code      FT1-25.1, else PR1-3.1 of the PR1 that follows this FT1, else FT1-7.1 when FT1-7.3
                    names CPT or HCPCS
modifiers           FT1-26 repetitions, else PR1-16 of that PR1
visit / facility    PV1-19 (else PID-18) / PV1-3.4 (else PV1-39)
==================  ==========================================================================

BAR P01 (add), P02 (purge), P05 and P12 (update account; update diagnosis and procedure) ->
RecordAccountEvent per PATIENT group (PID ...) and, within it, per VISIT group (PV1 ...): DG1-3
diagnoses, PR1-3 procedures, IN1/IN2 coverages of that group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from revcycle.adapters.formats.hl7v2.errors import TABLE_VALUE_NOT_FOUND, Hl7MappingError
from revcycle.adapters.formats.hl7v2.map_common import (
    amount,
    codes,
    coverages,
    department,
    diagnoses,
    facility,
    missing,
    npi,
    number,
    patient_from,
    text,
    to_date,
    visit_number,
)
from revcycle.adapters.formats.hl7v2.message import Message, Segment
from revcycle.domain import commands as c
from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.money import money
from revcycle.domain.patients import Patient

CHARGE_TYPES: Mapping[str, ChargeType] = MappingProxyType(
    {"CG": ChargeType.CHARGE, "CD": ChargeType.CREDIT, "PY": ChargeType.PAYMENT, "CO": ChargeType.PAYMENT}
    | {"AJ": ChargeType.ADJUSTMENT}
)
ACCOUNT_EVENTS: Mapping[str, str] = MappingProxyType(
    {"P01": "add", "P02": "purge", "P05": "update", "P12": "update"}
)
_PROCEDURE_SYSTEMS = frozenset({"CPT", "CPT4", "CPT-4", "C4", "C5", "HCPCS", "HCPC", "HC", "HCPT"})


@dataclass(frozen=True, slots=True)
class _Visit:
    number: str | None
    facility: str | None
    department: str | None
    diagnoses: tuple[str, ...]


def _charge(ft1: Segment, occurrence: int, pr1: Segment | None, patient: Patient, visit: _Visit) -> Charge:
    where = f"FT1[{occurrence}]" if occurrence > 1 else "FT1"
    kind = text(ft1, 6)
    if kind is None:
        raise missing(f"{where}-6")
    charge_type = CHARGE_TYPES.get(kind.upper())
    if charge_type is None:
        raise Hl7MappingError(
            f"{where}-6 transaction type not in HL7 table 0017",
            location=f"{where}-6",
            hl7_code=TABLE_VALUE_NOT_FOUND,
        )
    quantity = number(ft1, 10, f"{where}-10") or Decimal("1")
    unit = amount(ft1, 12, f"{where}-12")
    total = amount(ft1, 11, f"{where}-11")
    if total is None:
        total = money(unit * quantity) if unit is not None else money(0)
    procedure = text(ft1, 25) or text(pr1, 3)
    if procedure is None and (text(ft1, 7, 1, 3) or "").upper() in _PROCEDURE_SYSTEMS:
        procedure = text(ft1, 7)
    return Charge(
        transaction_id=text(ft1, 2),
        patient_key=patient.key,
        visit_number=visit.number,
        service_date=to_date(text(ft1, 4)),
        transaction_code=text(ft1, 7),
        procedure_code=procedure,
        modifiers=codes(ft1, 26) or codes(pr1, 16),
        quantity=quantity,
        amount=total,
        unit_amount=unit,
        charge_type=charge_type,
        department_code=text(ft1, 13) or visit.department,
        facility_code=visit.facility,
        performing_npi=npi(ft1, 20),
        ordering_npi=npi(ft1, 21),
        diagnoses=codes(ft1, 19) or visit.diagnoses,
        posted_on=to_date(text(ft1, 5)),
    )


def dft_commands(message: Message) -> list[c.Command]:
    pid, pv1 = message.segment("PID"), message.segment("PV1")
    patient = patient_from(pid)
    visit = _Visit(visit_number(pv1, pid), facility(pv1), department(pv1), diagnoses(message.segments("DG1")))
    segments = message.segments()
    charges: list[Charge] = []
    for index, segment in enumerate(segments):
        if segment.id != "FT1":
            continue
        pr1 = None
        for following in segments[index + 1 :]:
            if following.id == "FT1":
                break
            if following.id == "PR1":
                pr1 = following
                break
        charges.append(_charge(segment, len(charges) + 1, pr1, patient, visit))
    if not charges:
        raise missing("FT1")
    return [c.CaptureCharges(patient.key, tuple(charges), visit.number, patient, coverages(segments))]


def _split(segments: list[Segment], sid: str) -> list[list[Segment]]:
    """Groups that start at each ``sid`` segment (segments before the first one are dropped)."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if segment.id == sid:
            groups.append([segment])
        elif groups:
            groups[-1].append(segment)
    return groups


def bar_commands(message: Message, event: str) -> list[c.Command]:
    kind = ACCOUNT_EVENTS.get(event)
    if kind is None:
        return []
    patients = _split(message.segments(), "PID")
    if not patients:
        raise missing("PID")
    commands: list[c.Command] = []
    for group in patients:
        pid = group[0]
        patient = patient_from(pid)
        visits = _split(group, "PV1") or [group]
        for visit in visits:
            pv1 = visit[0] if visit[0].id == "PV1" else None
            commands.append(
                c.RecordAccountEvent(
                    event=kind,
                    patient=patient,
                    visit_number=visit_number(pv1, pid),
                    diagnoses=diagnoses([s for s in visit if s.id == "DG1"]),
                    procedures=tuple(
                        dict.fromkeys(code for s in visit if s.id == "PR1" if (code := text(s, 3)))
                    ),
                    coverages=coverages(visit),
                )
            )
    return commands
