"""Missing charge codes: a charge line without a procedure code; a visit closed without charges; an
appointment whose expected service (SIU AIS-3, FHIR Appointment.serviceType) maps to no chargeable code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.rules.base import finding
from revcycle.domain.rules.coding import is_procedure_shape
from revcycle.domain.rules.facts import AppointmentFacts, ChargeFacts, EncounterFacts
from revcycle.domain.rules.reference import Reference
from revcycle.domain.visits import AppointmentStatus, EncounterStatus, PatientClass

#: UB-04 revenue-code categories billed without a HCPCS code (room and board 010x-021x, pharmacy
#: 025x, supplies 027x; CMS Claims Processing Manual ch. 25, FL 44 "HCPCS required" lists).
_NO_HCPCS_REVENUE = tuple(f"0{n}" for n in (*range(10, 22), 25, 27))


def charge_without_code(facts: ChargeFacts, reference: Reference) -> Iterator[Finding]:
    charge = facts.charge
    if charge.procedure_code or (charge.revenue_code or "").startswith(_NO_HCPCS_REVENUE):
        return
    if charge.transaction_code and reference.chargemaster.get(charge.transaction_code.upper(), ""):
        return  # the chargemaster prices this item (a revenue-code-only line, e.g. room and board)
    yield finding(
        FindingType.MISSING_CHARGE_CODE,
        Severity.MEDIUM,
        "charge",
        facts.charge_id,
        f"charge {facts.charge_id} has no procedure code (FT1-25)",
        details={"transaction_code": charge.transaction_code},
    )


def unmapped_service(facts: AppointmentFacts, reference: Reference) -> Iterator[Finding]:
    """Flagged at booking, ahead of the visit: a service that is neither a CPT/HCPCS-shaped code nor in
    the chargemaster would leave the visit without a chargeable code."""
    appointment = facts.appointment
    if appointment.status is not AppointmentStatus.BOOKED:
        return
    for service in appointment.services:
        code = service.code.strip().upper()
        if is_procedure_shape(code) or code in reference.chargemaster:
            continue
        yield finding(
            FindingType.UNMAPPED_SERVICE,
            Severity.MEDIUM,
            "appointment",
            appointment.appointment_id,
            f"appointment {appointment.appointment_id}: service {code} has no chargeable code mapping",
            key_suffix=code,
            details={"service_code": code, "start": _iso(appointment.start)},
        )


def _aware(moment: datetime) -> datetime:
    """A time without an offset (HL7 TS without one) is taken as UTC, as the store keeps it."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


#: Visits that end without a discharge message: outpatient and recurring visits end on their day.
ENDS_ON_ITS_DAY = frozenset(
    {PatientClass.OUTPATIENT, PatientClass.RECURRING, PatientClass.PREADMIT, PatientClass.UNKNOWN}
)


def visit_without_charges(facts: EncounterFacts, reference: Reference) -> Iterator[Finding]:
    """A visit discharged (or, for an outpatient visit, begun) longer ago than the grace period
    (setting ``rule_missing_charge_hours``) with no charge lines: a lost charge."""
    encounter = facts.encounter
    if facts.charges or encounter.status is EncounterStatus.CANCELLED:
        return
    if encounter.status is EncounterStatus.DISCHARGED:
        ended = encounter.discharged_at or encounter.admitted_at
    elif encounter.patient_class in ENDS_ON_ITS_DAY:
        ended = encounter.admitted_at
    else:
        return  # an inpatient or emergency visit still open: not yet billable
    if ended is None:
        return
    elapsed = _aware(facts.now) - _aware(ended)
    if elapsed < reference.thresholds.missing_charge_after:
        return
    hours = int(elapsed.total_seconds() // 3600)
    yield finding(
        FindingType.MISSING_CHARGE,
        Severity.HIGH,
        "encounter",
        encounter.visit_number,
        f"visit ended {hours} h ago and has no charge lines",
        details={"hours_since_end": hours, "department": encounter.department_code},
    )
