"""Scheduling traffic (HL7 SIU): appointments are planned three weeks ahead and booked with a lead time;
some are modified (S14), cancelled (S15) or missed (S26), the rest arrive on their day.

Volumes: ``SimConfig.visits_per_day`` split by visit-type weight; clinics and outpatient services work
weekdays (Saturday a quarter of a weekday, closed Sunday), urgent care is busier at weekends, the
emergency department and inpatient admissions run every day. Appointment outcomes: ~6% cancelled, ~5%
no-shows (ambulatory no-show rates of 5-30% are reported; integrated systems sit at the low end),
~10% rescheduled within the day list.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from revcycle.simulator.anomalies import label
from revcycle.simulator.catalog import VisitType
from revcycle.simulator.model import Appointment

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

HORIZON = 21
SCHEDULED = frozenset({"clinic", "outpatient"})
_DURATION = MappingProxyType(
    {
        "office_new": 40,
        "preventive": 40,
        "physical_therapy": 45,
        "outpatient_imaging": 30,
        "cardiology": 30,
    }
)


def day_factor(setting: str, weekday: int) -> float:
    """Volume multiplier for a setting on a weekday (0 = Monday)."""
    if setting in ("clinic", "outpatient", "lab"):
        return 1.3 if weekday < 5 else (0.25 if weekday == 5 else 0.0)
    if setting == "urgent":
        return 0.9 if weekday < 5 else 1.3
    return 1.0


def expected(sim: Simulation, visit_type: VisitType, day: int) -> float:
    total = sum(v.weight for v in sim.world.catalog.visit_types)
    weekday = sim.clock.weekday(day)
    return (
        sim.config.shard_visits_per_day * visit_type.weight / total * day_factor(visit_type.setting, weekday)
    )


def count(sim: Simulation, mean: float) -> int:
    """A count around ``mean`` (+-20%, randomly rounded)."""
    value = mean * (0.8 + 0.4 * sim.rng.random())
    whole = int(value)
    return whole + (1 if sim.rng.random() < value - whole else 0)


def plan_ahead(sim: Simulation, day: int) -> None:
    """Plan the appointments of service day ``day + HORIZON`` (on day 0: of every day up to it)."""
    first = 0 if day == 0 else day + HORIZON
    for service_day in range(first, day + HORIZON + 1):
        if sim.config.days and service_day >= sim.config.days:
            continue
        for visit_type in sim.world.catalog.visit_types:
            if visit_type.setting in SCHEDULED:
                for _ in range(count(sim, expected(sim, visit_type, service_day))):
                    _appointment(sim, visit_type, service_day, day)


def primary_code(sim: Simulation, visit_type: VisitType) -> str:
    pick = sim.rng.random() * sum(w for _, w in visit_type.primary)
    for code, weight in visit_type.primary:
        pick -= weight
        if pick < 0:
            return code
    return visit_type.primary[-1][0]


def _appointment(sim: Simulation, visit_type: VisitType, service_day: int, today: int) -> None:
    rng = sim.rng
    world = sim.world
    department = world.departments[visit_type.department]
    provider = rng.choice(world.providers[department.code])
    patient = sim.population.get(rng.randrange(sim.population.size))
    roll = rng.random()
    lead = rng.randint(0, 2) if roll < 0.2 else (rng.randint(3, 7) if roll < 0.5 else rng.randint(8, HORIZON))
    booked = max(today, service_day - lead)
    minute = 480 + 15 * rng.randrange(34)
    number = sim.next_id("appointment")
    appt = Appointment(
        appointment_id=f"AP{number:08d}",
        patient=patient,
        visit_type=visit_type,
        department=department,
        provider=provider,
        day=service_day,
        minute=minute,
        duration=_DURATION.get(visit_type.name, 20),
        service_code=primary_code(sim, visit_type),
    )
    if rng.random() < sim.anomaly_rates.unmapped_service:
        appt.mapped = False
        appt.service_code = f"LOC-{visit_type.schedule_code}-{rng.randint(10, 99)}"
        sim.label(
            label(
                "unmapped_service",
                booked,
                appointment_id=appt.appointment_id,
                service_code=appt.service_code,
                visit_day=service_day,
            )
        )
    book_minute = rng.randint(420, max(421, minute - 30)) if booked == service_day else rng.randint(420, 1080)
    sim.schedule(booked, "book", (appt, book_minute))
    outcome = rng.random()
    between = rng.randint(booked, service_day)
    change_minute = (
        rng.randint(420, max(421, minute - 20)) if between == service_day else rng.randint(420, 1080)
    )
    if outcome < 0.06:
        sim.schedule(
            between, "cancel", (appt, max(change_minute, book_minute + 1 if between == booked else 0))
        )
        return
    if outcome < 0.16:
        sim.schedule(
            between, "modify", (appt, max(change_minute, book_minute + 1 if between == booked else 0))
        )
    if outcome > 0.95:
        appt.status = "Noshow"
    sim.schedule(service_day, "arrive", appt)


def _sender(appt: Appointment) -> str:
    return f"S{appt.department.facility}"


def _emit(sim: Simulation, event: str, appt: Appointment, day: int, minute: int) -> None:
    sender = _sender(appt)
    control = sim.hl7_control(sender)
    payload = sim.hl7.siu(event, appt, day, minute, control, "SCHED")
    emission = sim.emit(
        day,
        minute,
        "scheduling",
        "hl7v2",
        f"SIU_{event}",
        control,
        f"SCHED^{appt.department.facility}",
        payload,
        "hl7",
    )
    if sim.rng.random() < sim.anomaly_rates.resend:
        sim.schedule(day, "resend", emission)


def book(sim: Simulation, day: int, items: list[tuple[Appointment, int]]) -> None:
    for appt, minute in items:
        _emit(sim, "S12", appt, day, minute)


def modify(sim: Simulation, day: int, items: list[tuple[Appointment, int]]) -> None:
    for appt, minute in items:
        if appt.day > day:
            appt.minute = 480 + 15 * sim.rng.randrange(34)
        _emit(sim, "S14", appt, day, minute)


def cancel(sim: Simulation, day: int, items: list[tuple[Appointment, int]]) -> None:
    for appt, minute in items:
        appt.status = "Cancelled"
        _emit(sim, "S15", appt, day, minute)


def no_show(sim: Simulation, appt: Appointment, day: int) -> None:
    _emit(sim, "S26", appt, day, min(appt.minute + 30, 1439))
