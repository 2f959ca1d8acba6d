"""Building a visit: registration coverage, diagnoses (real ICD-10-CM), services (charge lines), prior
authorization, modifier 25, and the coding errors that become denial causes or anomalies.

Coding-error rates: ~3% of visits point a service at a diagnosis that does not support it (the
"diagnosis inconsistent with procedure" denial, CARC 11); modifier 25 is forgotten on ~15% of E/M
visits with a same-day minor procedure; prior authorization is obtained for ~88% of the services that
need it (authorization denials are ~8-12% of denials in the published breakdowns).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from revcycle.simulator import policy
from revcycle.simulator.anomalies import label
from revcycle.simulator.catalog import Service, VisitType
from revcycle.simulator.model import Appointment, ChargeLine, Visit
from revcycle.simulator.population import Coverage, Patient
from revcycle.simulator.scheduling import primary_code

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

_HOSPITAL_DEPARTMENT = MappingProxyType(
    {"lab": "HLAB", "imaging": "HRAD", "cardiology": "HCRD", "drug": "HPHM"}
)
_ROOM_DEPARTMENT = MappingProxyType({"ROOM": "HMS", "PHARM": "HPHM", "SUPPLY": "HMS"})
DX_MISMATCH = 0.03
MODIFIER_25 = 0.85
AUTH_OBTAINED = 0.88
STALE_REGISTRATION = 0.4  # front desk keeps billing a plan that has ended


def register(sim: Simulation, patient: Patient, day: int) -> tuple[list[Coverage], bool, bool]:
    """(coverages the registration sends, stale: a terminated plan still on file, updated: first visit
    after the registration was corrected, which sends an A08)."""
    today = sim.clock.date(day)
    active = patient.active(today)
    ended = patient.terminated
    if ended is not None and ended.end is not None and today > ended.end:
        if patient.stale_registration is None:
            patient.stale_registration = sim.rng.random() < STALE_REGISTRATION
        if patient.stale_registration:
            return [ended, *(c for c in active if c.rank != 1)], True, False
        updated = not patient.update_sent
        patient.update_sent = True
        return active, False, updated
    return active, False, False


def _weighted(sim: Simulation, options: tuple[tuple[str, float], ...]) -> str:
    pick = sim.rng.random() * sum(w for _, w in options)
    for name, weight in options:
        pick -= weight
        if pick < 0:
            return name
    return options[-1][0]


def codes_for(sim: Simulation, condition: str) -> tuple[str, ...]:
    found = sim.condition_codes.get(condition)
    if found is None:
        prefixes = sim.world.catalog.conditions[condition].prefixes
        found = tuple(code for prefix in prefixes for code in sim.world.codes.billable_under(prefix))
        sim.condition_codes[condition] = found
    return found


def add_condition(sim: Simulation, visit: Visit, condition: str) -> int:
    visit.conditions.append(condition)
    visit.diagnoses.append(sim.rng.choice(codes_for(sim, condition)))
    return len(visit.diagnoses) - 1


def _pointer(sim: Simulation, visit: Visit, service: Service) -> int:
    if not service.supports:
        return 0
    for index, condition in enumerate(visit.conditions):
        if condition in service.supports:
            return index
    return add_condition(sim, visit, sim.rng.choice(service.supports))


def add_line(
    sim: Simulation,
    visit: Visit,
    code: str,
    day: int,
    units: int = 1,
    professional: bool = False,
    charge_factor: int = 1,
) -> ChargeLine:
    service = sim.world.catalog.services[code]
    hospital = visit.facility.kind == "hospital"
    if hospital and not professional:
        department = _ROOM_DEPARTMENT.get(code) or _HOSPITAL_DEPARTMENT.get(
            service.kind, visit.department.code
        )
        performer = None
    else:
        department, performer = visit.department.code, visit.provider
    line = ChargeLine(
        txn_id=f"T{sim.next_id('txn'):010d}",
        service=service,
        code=code,
        units=units,
        charge=service.charge * units * charge_factor,
        day=day,
        department=department,
        performer=performer,
        dx=_pointer(sim, visit, service),
        professional=professional,
    )
    visit.lines.append(line)
    return line


def _primary(sim: Simulation, visit: Visit) -> str:
    appointment = visit.appointment
    code = (
        appointment.service_code
        if appointment and appointment.mapped
        else primary_code(sim, visit.visit_type)
    )
    if visit.visit_type.name == "preventive":
        age = visit.patient.age_years
        medicare = bool(visit.coverages) and visit.coverages[0].payer.payer_class == "medicare"
        code = (
            ("G0439" if sim.rng.random() < 0.85 else "G0438")
            if medicare
            else ("99213" if age < 18 else ("99395" if age < 40 else "99396"))
        )
    return code


def add_services(sim: Simulation, visit: Visit) -> None:
    """The visit's charge lines: professional and facility lines for hospital settings."""
    rng = sim.rng
    setting = visit.visit_type.setting
    code = _primary(sim, visit)
    day, end = visit.day, visit.end_day
    if setting == "inpatient":
        los = max(1, end - day)
        add_line(sim, visit, "99223", day, professional=True)
        for offset in range(1, los - 1):
            add_line(sim, visit, "99232", day + offset, professional=True)
        add_line(sim, visit, "99238", end, professional=True)
        add_line(sim, visit, "ROOM", day, units=los)
        add_line(sim, visit, "PHARM", day, charge_factor=rng.randint(1, 4))
        add_line(sim, visit, "SUPPLY", day)
    elif setting == "ed":
        add_line(sim, visit, code, day, professional=True)
        add_line(sim, visit, code, day, charge_factor=3)
    else:
        add_line(sim, visit, code, day)
    for addon, probability in visit.visit_type.addons:
        if rng.random() < probability:
            add_line(
                sim,
                visit,
                addon,
                day,
                units=rng.randint(1, 3) if setting == "inpatient" and addon in policy.LAB_PANELS else 1,
            )
    codes = {line.code for line in visit.lines}
    if policy.PROCEDURES_NEEDING_25.intersection(codes):
        for line in visit.lines:
            if line.service.kind == "em" and rng.random() < MODIFIER_25:
                line.modifiers = ("25",)


def _mismatch(sim: Simulation, visit: Visit) -> None:
    """A coding error: a service points at a diagnosis that does not support it."""
    restricted = [line for line in visit.lines if line.service.supports]
    if not restricted:
        return
    line = sim.rng.choice(restricted)
    others = [i for i, c in enumerate(visit.conditions) if c not in line.service.supports]
    if others:
        line.dx = sim.rng.choice(others)
        return
    unrelated = [c for c in ("vaccination", "gerd", "vitamin_d", "anxiety") if c not in line.service.supports]
    line.dx = add_condition(sim, visit, sim.rng.choice(unrelated))


def _authorize(sim: Simulation, visit: Visit) -> None:
    if not visit.coverages:
        return
    payer = visit.coverages[0].payer
    needed = [
        line.code
        for line in visit.lines
        if policy.auth_required(payer.payer_id, payer.payer_class, line.code, visit.day, sim.drift)
    ]
    if visit.visit_type.setting == "inpatient" and payer.payer_class in ("commercial", "medicaid"):
        needed.append("ADMIT")
    if not needed:
        return
    visit.auth_needed = True
    chance = 1.0
    for code in needed:
        drifted = (
            payer.payer_id == "SYNCSC"
            and code in policy.DRIFT_AUTH_SERVICES
            and code not in policy.AUTH_SERVICES
        )
        if drifted:
            chance *= 0.8 if visit.day >= sim.drift.cascade_adapted else 0.0
        else:
            chance *= 0.9 if code == "ADMIT" else AUTH_OBTAINED
    if sim.rng.random() < chance:
        visit.authorization = f"PA{sim.next_id('auth'):08d}"


def build(
    sim: Simulation,
    visit_type: VisitType,
    patient: Patient,
    day: int,
    minute: int,
    end_day: int,
    end_minute: int,
    appointment: Appointment | None,
) -> tuple[Visit, bool]:
    """A visit with its lines; returns it and whether its registration updates the coverage (A08)."""
    world = sim.world
    department = world.departments[visit_type.department]
    provider = appointment.provider if appointment else sim.rng.choice(world.providers[department.code])
    coverages, stale, updated = register(sim, patient, day)
    visit = Visit(
        number=f"V{sim.next_id('visit'):09d}",
        patient=patient,
        visit_type=visit_type,
        department=department,
        facility=world.facilities[department.facility],
        provider=provider,
        patient_class={"ed": "E", "inpatient": "I"}.get(visit_type.setting, "O"),
        day=day,
        minute=minute,
        end_day=end_day,
        end_minute=end_minute,
        diagnoses=[],
        coverages=coverages,
        appointment=appointment,
    )
    visit.stale_coverage = stale
    add_condition(sim, visit, _weighted(sim, visit_type.conditions))
    for chance in (0.45, 0.2):
        if sim.rng.random() < chance:
            extra = _weighted(sim, visit_type.conditions)
            if extra not in visit.conditions:
                add_condition(sim, visit, extra)
    add_services(sim, visit)
    if sim.rng.random() < DX_MISMATCH:
        _mismatch(sim, visit)
    _authorize(sim, visit)
    _invalid_codes(sim, visit)
    return visit, updated


def _invalid_codes(sim: Simulation, visit: Visit) -> None:
    rates, rng, codes = sim.anomaly_rates, sim.rng, sim.world.codes
    if rng.random() < rates.invalid_icd10 and codes.icd10_headers:
        index = rng.randrange(len(visit.diagnoses))
        bad = rng.choice(codes.icd10_headers)
        visit.invalid_dx = (index, bad, visit.diagnoses[index])
        visit.diagnoses[index] = bad
        sim.label(
            label(
                "invalid_icd10",
                visit.day,
                visit_number=visit.number,
                code=bad,
                transaction_ids=[line.txn_id for line in visit.lines if line.dx == index],
            )
        )
    coded = [i for i, line in enumerate(visit.lines) if line.service.system != "REV"]
    if rng.random() < rates.invalid_hcpcs and coded and codes.hcpcs_terminated:
        index = rng.choice(coded)
        bad = rng.choice(codes.hcpcs_terminated)
        visit.invalid_code = (index, bad, visit.lines[index].code)
        visit.lines[index].code = bad
        sim.label(
            label(
                "invalid_hcpcs",
                visit.day,
                visit_number=visit.number,
                code=bad,
                transaction_id=visit.lines[index].txn_id,
            )
        )
