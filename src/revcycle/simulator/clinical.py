"""Registration, visits and charges: ADT (A04 outpatient / emergency registration, A01 admission, A03
discharge, A08 update), FHIR Encounter for the urgent-care EHR, DFT^P03 (FHIR ChargeItem) charge posting.

Timing: registration a few minutes before the visit; emergency visits last 3-7 hours, inpatient stays
1-7 days (mean ~4, near the US average length of stay of ~4.5 days, AHA); clinic charges post the same
evening or the next day, hospital charges at discharge; claims are created after a coding / billing
lag (DNFB) of 1-3 days for clinics, 2-5 for the emergency department, 3-8 for inpatient stays.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from revcycle.simulator import scheduling, visits
from revcycle.simulator.anomalies import label
from revcycle.simulator.catalog import VisitType
from revcycle.simulator.model import Appointment, ChargeLine, Visit
from revcycle.simulator.population import Patient

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

plan_ahead = scheduling.plan_ahead
book, modify, cancel = scheduling.book, scheduling.modify, scheduling.cancel
_APPS = MappingProxyType(
    {
        "hospital": ("ADT", "CHG"),
        "clinic": ("EHR", "EHR"),
        "lab": ("LIS", "LIS"),
        "urgent": ("EHR", "EHR"),
    }
)
_BILL_LAG = MappingProxyType({"inpatient": (3, 8), "ed": (2, 5)})
WALK_IN = frozenset({"urgent", "ed", "inpatient", "lab"})


def walk_ins(sim: Simulation, day: int) -> None:
    """Unscheduled visits of the day (urgent care, emergency, admissions, lab draws) and late charges."""
    rng = sim.rng
    for visit_type in sim.world.catalog.visit_types:
        if visit_type.setting not in WALK_IN:
            continue
        for _ in range(scheduling.count(sim, scheduling.expected(sim, visit_type, day))):
            patient = sim.population.get(rng.randrange(sim.population.size))
            if visit_type.setting == "ed":
                minute = rng.randint(0, 1439) if rng.random() < 0.3 else rng.randint(600, 1320)
            elif visit_type.setting == "inpatient":
                minute = rng.randint(600, 1320)
            else:
                minute = rng.randint(420, 1140)
            _arrive(sim, visit_type, patient, day, minute, None)
    if rng.random() < sim.config.shard_visits_per_day * sim.anomaly_rates.late_charge:
        _late_charge(sim, day)


def _end(sim: Simulation, setting: str, day: int, minute: int, duration: int) -> tuple[int, int]:
    rng = sim.rng
    if setting == "inpatient":
        return day + min(rng.randint(1, 4) + rng.randint(0, 3), 7), rng.randint(600, 900)
    length = {"ed": rng.randint(180, 420), "urgent": rng.randint(45, 120)}.get(setting, duration)
    total = minute + length
    return day + total // 1440, total % 1440


def arrive(sim: Simulation, day: int, items: list[Appointment]) -> None:
    for appt in items:
        if appt.status == "Cancelled":
            continue
        if appt.status == "Noshow":
            scheduling.no_show(sim, appt, day)
            continue
        _arrive(sim, appt.visit_type, appt.patient, day, appt.minute, appt)


def _arrive(
    sim: Simulation,
    visit_type: VisitType,
    patient: Patient,
    day: int,
    minute: int,
    appt: Appointment | None,
) -> None:
    end_day, end_minute = _end(sim, visit_type.setting, day, minute, appt.duration if appt else 30)
    visit, updated = visits.build(sim, visit_type, patient, day, minute, end_day, end_minute, appt)
    department = visit.department
    if department.mapped_day is None or department.mapped_day > day:
        sim.label(
            label(
                "unmapped_department",
                day,
                visit_number=visit.number,
                department_code=department.code,
                mapped_day=department.mapped_day,
            )
        )
    at = max(minute - 5, 0)
    if visit.facility.speaks_fhir:
        _encounter(sim, visit, day, at, finished=False)
    else:
        _adt(sim, "A01" if visit.patient_class == "I" else "A04", visit, day, at)
        if updated or sim.rng.random() < 0.02:
            _adt(sim, "A08", visit, day, min(at + 2, 1439))
    if visit.patient_class in ("E", "I") or visit.facility.speaks_fhir:
        sim.schedule(visit.end_day, "discharge", visit)
    if sim.rng.random() < sim.anomaly_rates.missing_charge:
        sim.label(
            label(
                "missing_charge",
                day,
                visit_number=visit.number,
                patient_account=patient.account,
                services=[line.code for line in visit.lines],
            )
        )
        return
    post_day = visit.end_day + (1 if visit.patient_class == "O" and sim.rng.random() < 0.3 else 0)
    post_minute = (
        min(visit.end_minute + sim.rng.randint(30, 180), 1439)
        if post_day == visit.end_day
        else sim.rng.randint(420, 720)
    )
    sim.schedule(post_day, "charge", (visit, post_minute))


def _late_charge(sim: Simulation, day: int) -> None:
    """A charge for a visit older than the payer's timely-filing limit (posted, and billed, too late)."""
    rng = sim.rng
    clinics = [
        v for v in sim.world.catalog.visit_types if v.setting == "clinic" and v.department in ("FM1", "IM2")
    ]
    patient = sim.population.get(rng.randrange(sim.population.size))
    coverages = patient.active(sim.clock.date(day))
    if not coverages:
        return
    limit = coverages[0].payer.timely_filing_days
    old = day - limit - rng.randint(5, 60)
    visit, _ = visits.build(sim, rng.choice(clinics), patient, old, 600, old, 630, None)
    visit.coverages = coverages
    visit.late = True
    sim.label(
        label(
            "late_charge",
            day,
            visit_number=visit.number,
            service_day=old,
            payer_id=coverages[0].payer.payer_id,
        )
    )
    sim.schedule(day, "charge", (visit, rng.randint(600, 1000)))


def _adt(sim: Simulation, event: str, visit: Visit, day: int, minute: int) -> None:
    app = _APPS[visit.facility.kind][0]
    sender = f"{app[0]}{visit.facility.code}"
    control = sim.hl7_control(sender)
    payload = sim.hl7.adt(event, visit, day, minute, control, app)
    emission = sim.emit(
        day, minute, "adt", "hl7v2", f"ADT_{event}", control, f"{app}^{visit.facility.code}", payload, "hl7"
    )
    if sim.rng.random() < sim.anomaly_rates.resend:
        sim.schedule(day, "resend", emission)


def _encounter(sim: Simulation, visit: Visit, day: int, minute: int, finished: bool) -> None:
    """Registration: a transaction Bundle (Patient, Coverage, Encounter); discharge: the Encounter."""
    if not finished:
        payload = sim.fhir.registration(visit)
        sender = f"EHR^{visit.facility.code}"
        control = f"reg-{visit.number}"
        sim.emit(
            day, minute, "fhir", "fhir", "Bundle_transaction", control, sender, payload, "json", kind="Bundle"
        )
        return
    payload = sim.fhir.encounter(visit, finished)
    control = f"{visit.number}/_history/{2 if finished else 1}"
    sim.emit(
        day,
        minute,
        "fhir",
        "fhir",
        "Encounter",
        control,
        f"EHR^{visit.facility.code}",
        payload,
        "json",
        kind="Encounter",
    )


def discharge(sim: Simulation, day: int, items: list[Visit]) -> None:
    for visit in items:
        if visit.facility.speaks_fhir:
            _encounter(sim, visit, day, visit.end_minute, finished=True)
        else:
            _adt(sim, "A03", visit, day, visit.end_minute)


def post_charges(sim: Simulation, day: int, items: list[tuple[Visit, int]]) -> None:
    from revcycle.simulator import charges

    for visit, minute in items:
        visit.charge_day = day
        if visit.facility.speaks_fhir:
            for line in visit.lines:
                charges.charge_item(sim, visit, line, day, minute)
        else:
            charges.dft(sim, visit, visit.lines, day, minute)
            if sim.rng.random() < sim.anomaly_rates.duplicate_charge:
                charges.duplicate(sim, visit, day, minute)
        low, high = _BILL_LAG.get(visit.visit_type.setting, (1, 3))
        sim.schedule(day + sim.rng.randint(low, high), "bill", visit)


def line_total(lines: list[ChargeLine]) -> int:
    return sum(line.charge for line in lines)
