"""Claim creation: a coded visit becomes one or two claims (professional 837P, institutional 837I, or a
FHIR Claim from the FHIR-speaking source to a FHIR-capable payer), each planned by :mod:`.adjudication`.

Hospital emergency and inpatient visits give a facility claim (837I, UB-04 type of bill 013x / 011x)
and a professional claim for the physician (837P, CMS-1500); outpatient imaging gives an 837I; clinics,
urgent care and the reference lab give an 837P. Self-pay visits give no claim: the patient is billed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from revcycle.simulator import adjudication, policy
from revcycle.simulator.anomalies import label
from revcycle.simulator.model import ChargeLine, Claim, PatientPaymentDue, Visit

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

DOCUMENTATION_ATTACHED = 0.7
SELF_PAY_DISCOUNT = 0.6
SELF_PAY_COLLECTED = 0.45


def split(visit: Visit, fhir_payer: bool) -> list[tuple[str, list[ChargeLine]]]:
    """(variant, lines) per claim of a visit."""
    setting = visit.visit_type.setting
    if setting in ("ed", "inpatient"):
        professional = [line for line in visit.lines if line.professional]
        facility = [line for line in visit.lines if not line.professional]
        return [(v, lines) for v, lines in (("837I", facility), ("837P", professional)) if lines]
    if setting == "outpatient":
        return [("837I", list(visit.lines))]
    if visit.facility.speaks_fhir and fhir_payer:
        return [("FHIR", list(visit.lines))]
    return [("837P", list(visit.lines))]


def create_claims(sim: Simulation, day: int, items: list[Visit]) -> None:
    for visit in items:
        if not visit.coverages or visit.coverages[0].payer.payer_class == "self_pay":
            _self_pay(sim, visit, day)
            continue
        coverage = visit.coverages[0]
        payer = coverage.payer
        for variant, lines in split(visit, payer.speaks_fhir):
            pcn = f"{visit.facility.code[:3]}{sim.next_id('pcn'):09d}"
            claim = Claim(
                pcn=pcn,
                variant=variant,
                visit=visit,
                coverage=coverage,
                rank=1,
                lines=lines,
                controls=[f"{pcn}-{k}" for k in range(1, len(lines) + 1)],
                diagnoses=list(visit.diagnoses),
                created_day=day,
                prior_auth=visit.authorization,
            )
            if payer.mapped_day is None or payer.mapped_day > day:
                ids = {"pcn": pcn, "payer_id": payer.payer_id, "visit_number": visit.number}
                sim.label(label("unmapped_payer", day, mapped_day=payer.mapped_day, **ids))
            needs_records = any(
                policy.documentation_required(payer.payer_id, line.code, day, sim.drift) for line in lines
            )
            claim.documentation = needs_records and sim.rng.random() < DOCUMENTATION_ATTACHED
            adjudication.plan(sim, claim, day)


def _self_pay(sim: Simulation, visit: Visit, day: int) -> None:
    """Self-pay: a discounted statement; some patients pay it within 20-90 days."""
    if sim.rng.random() < SELF_PAY_COLLECTED:
        amount = int(sum(line.charge for line in visit.lines) * (1 - SELF_PAY_DISCOUNT))
        due = PatientPaymentDue(visit.patient, amount, None, sim.rng.randint(540, 1020))
        sim.schedule(day + sim.rng.randint(20, 90), "payment", due)
