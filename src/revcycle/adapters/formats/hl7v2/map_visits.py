"""ADT (HL7 v2.5.1 Ch. 3, patient administration) and SIU (Ch. 10, scheduling) to canonical commands.

========  =====================================================================================
ADT A01   AdmitPatient (PV1 visit required: PV1-19, else PID-18)
ADT A04   RegisterPatient, with the visit when PV1 has one
ADT A05   RegisterPatient, the visit (if any) planned (pre-admission)
ADT A08   UpdatePatient, with the visit when PV1 has one
ADT A03   DischargePatient at PV1-45 (else EVN-6, EVN-2)
ADT A11   CancelAdmit; A13 CancelDischarge
ADT A40   MergePatients, one per PID/MRG pair (MRG-1 is the prior identifier)
SIU S12   BookAppointment; S13 RescheduleAppointment; S14 RescheduleAppointment(modification_only)
SIU S15   CancelAppointment(cancelled); S16 (discontinued) cancelled too; S17 deleted; S26 no_show
========  =====================================================================================

Coverages come from IN1/IN2 (see :func:`.map_common.coverages`). Appointment: id SCH-2 (filler id),
else SCH-1 (placer id); start TQ1-7, else SCH-11.4, AIS-4, AIP-6, AIL-6; duration SCH-9/SCH-10, else
AIS-7/8, AIP-9/10, AIL-9/10; expected services AIS-3; provider: the first NPI of AIP-3, AIG-3 (a
general resource that is a person), PV1-7; location AIL-3.1, facility AIL-3.4 (else PV1's),
department PV1-10, else AIL-3.1, else PV1-3.1. Other general resources (AIG equipment, rooms) have no
place in the canonical appointment and are not mapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from revcycle.adapters.formats.hl7v2.map_common import (
    coverages,
    department,
    encounter_from,
    facility,
    identifier,
    missing,
    npi,
    number,
    patient_from,
    text,
    to_datetime,
    visit_number,
)
from revcycle.adapters.formats.hl7v2.message import Message, Segment
from revcycle.domain import commands as c
from revcycle.domain.visits import Appointment, EncounterStatus, ExpectedService

CANCEL_OUTCOMES: Mapping[str, str] = MappingProxyType(
    {"S15": "cancelled", "S16": "cancelled", "S17": "deleted", "S26": "no_show"}
)
_SECOND, _MINUTE, _HOUR, _DAY = Decimal(1) / 60, Decimal(1), Decimal(60), Decimal(1440)
_MINUTES_PER_UNIT: Mapping[str, Decimal] = MappingProxyType(
    {"S": _SECOND, "SEC": _SECOND, "SECOND": _SECOND, "SECONDS": _SECOND, "M": _MINUTE, "MIN": _MINUTE}
    | {"MINUTE": _MINUTE, "MINUTES": _MINUTE, "H": _HOUR, "HR": _HOUR, "HOUR": _HOUR, "HOURS": _HOUR}
    | {"D": _DAY, "DAY": _DAY, "DAYS": _DAY}
)


def _visit_required(event: str) -> bool:
    return event == "A01"


def adt_commands(message: Message, event: str) -> list[c.Command]:
    if event == "A40":
        return _merges(message)
    pid, pv1 = message.segment("PID"), message.segment("PV1")
    patient = patient_from(pid)
    if event in ("A03", "A11", "A13"):
        number = visit_number(pv1, pid)
        if number is None:
            raise missing("PV1-19")
        if event == "A11":
            return [c.CancelAdmit(patient.key, number)]
        if event == "A13":
            return [c.CancelDischarge(patient.key, number)]
        evn = message.segment("EVN")
        at = to_datetime(text(pv1, 45)) or to_datetime(text(evn, 6)) or to_datetime(text(evn, 2))
        return [c.DischargePatient(patient.key, number, at)]
    covered = coverages(message.segments())
    status = EncounterStatus.PLANNED if event == "A05" else EncounterStatus.IN_PROGRESS
    encounter = encounter_from(message, patient, pv1, pid, status=status, required=_visit_required(event))
    if event == "A01":
        assert encounter is not None
        return [c.AdmitPatient(patient, encounter, covered)]
    if event in ("A04", "A05"):
        return [c.RegisterPatient(patient, covered, encounter)]
    if event == "A08":
        return [c.UpdatePatient(patient, covered, encounter)]
    return []


def _merges(message: Message) -> list[c.Command]:
    """One MergePatients per PATIENT group (PID [PD1] MRG [PV1]) of an A40."""
    commands: list[c.Command] = []
    current = None
    for segment in message:
        if segment.id == "PID":
            current = patient_from(segment)
        elif segment.id == "MRG" and current is not None:
            prior = identifier(segment, 1)
            if prior is None:
                raise missing("MRG-1")
            commands.append(c.MergePatients(current, f"{prior[1] or ''}|{prior[0]}"))
            current = None
    if current is not None or not commands:
        raise missing("MRG-1" if commands or message.segment("PID") else "PID")
    return commands


def _minutes(value: Decimal, unit: str | None) -> int | None:
    """A duration in minutes (unknown or missing units count as minutes); None when negative."""
    minutes = int(value * _MINUTES_PER_UNIT.get((unit or "MIN").strip().upper(), _MINUTE))
    return minutes if minutes >= 0 else None


def _duration(sch: Segment, resources: list[Segment | None]) -> int | None:
    candidates = [(sch, 9, 10)] + [
        (segment, 7 if segment.id == "AIS" else 9, 8 if segment.id == "AIS" else 10)
        for segment in resources
        if segment is not None
    ]
    for segment, value_field, unit_field in candidates:
        value = number(segment, value_field, f"{segment.id}-{value_field}")
        if value is not None:
            return _minutes(value, text(segment, unit_field))
    return None


def siu_commands(message: Message, event: str) -> list[c.Command]:
    sch = message.segment("SCH")
    if sch is None:
        raise missing("SCH")
    appointment_id = text(sch, 2) or text(sch, 1)
    if appointment_id is None:
        raise missing("SCH-2")
    patient = patient_from(message.segment("PID"))
    if event in CANCEL_OUTCOMES:
        return [c.CancelAppointment(appointment_id, patient.key, CANCEL_OUTCOMES[event])]
    if event not in ("S12", "S13", "S14"):
        return []
    ais, aip, ail, aig = (message.segment(sid) for sid in ("AIS", "AIP", "AIL", "AIG"))
    pv1, tq1 = message.segment("PV1"), message.segment("TQ1")
    start = (
        to_datetime(text(tq1, 7))
        or to_datetime(text(sch, 11, 1, 4))
        or to_datetime(text(ais, 4))
        or to_datetime(text(aip, 6))
        or to_datetime(text(ail, 6))
    )
    services = tuple(
        ExpectedService(code, text(segment, 3, 1, 3), text(segment, 3, 1, 2))
        for segment in message.segments("AIS")
        if (code := text(segment, 3))
    )
    appointment = Appointment(
        appointment_id=appointment_id,
        patient_key=patient.key,
        start=start,
        duration_minutes=_duration(sch, [ais, aip, ail]),
        facility_code=text(ail, 3, 1, 4, 1) or text(ail, 3, 1, 4, 2) or facility(pv1),
        department_code=text(pv1, 10) or text(ail, 3) or department(pv1),
        provider_npi=npi(aip, 3) or npi(aig, 3) or npi(pv1, 7),
        location=text(ail, 3),
        services=services,
        reason=text(sch, 7, 1, 2) or text(sch, 7),
    )
    if event == "S12":
        return [c.BookAppointment(appointment, patient)]
    return [c.RescheduleAppointment(appointment, modification_only=event == "S14")]
