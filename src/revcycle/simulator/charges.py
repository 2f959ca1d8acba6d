"""Charge messages: DFT^P03 from HL7 sources, ChargeItem from the FHIR source, and the duplicate-charge
anomalies (an interface resend with the same MSH-10, and a re-entry with new MSH-10 and FT1 ids)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from revcycle.simulator.anomalies import label
from revcycle.simulator.model import ChargeLine, Visit

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

_APPS = MappingProxyType({"hospital": "CHG", "clinic": "EHR", "lab": "LIS", "urgent": "EHR"})


def dft(sim: Simulation, visit: Visit, lines: list[ChargeLine], day: int, minute: int) -> str:
    """Emit one DFT^P03 for ``lines``; returns its MSH-10."""
    app = _APPS[visit.facility.kind]
    sender = f"{app[0]}{visit.facility.code}"
    control = sim.hl7_control(sender)
    payload = sim.hl7.dft(visit, lines, day, minute, control, app)
    emission = sim.emit(
        day, minute, "charges", "hl7v2", "DFT_P03", control, f"{app}^{visit.facility.code}", payload, "hl7"
    )
    if sim.rng.random() < sim.anomaly_rates.resend:
        sim.schedule(day, "resend", emission)
    return control


def charge_item(sim: Simulation, visit: Visit, line: ChargeLine, day: int, minute: int) -> None:
    payload = sim.fhir.charge_item(visit, line, day, minute)
    sim.emit(
        day,
        minute,
        "fhir",
        "fhir",
        "ChargeItem",
        line.txn_id,
        f"EHR^{visit.facility.code}",
        payload,
        "json",
        kind="ChargeItem",
    )


def duplicate(sim: Simulation, visit: Visit, day: int, minute: int) -> None:
    """A charge entered twice: a new DFT, new MSH-10, new FT1-2 ids, for one line or all of them."""
    rng = sim.rng
    originals = list(visit.lines) if rng.random() < 0.4 else [rng.choice(visit.lines)]
    copies = [
        replace(line, txn_id=f"T{sim.next_id('txn'):010d}", duplicate_of=line.txn_id) for line in originals
    ]
    later = min(minute + rng.randint(20, 240), 1439)
    control = dft(sim, visit, copies, day, later)
    billed = rng.random() < sim.anomaly_rates.duplicate_billed
    if billed:
        visit.lines.extend(copies)
    sim.label(
        label(
            "duplicate_charge",
            day,
            control_id=control,
            visit_number=visit.number,
            transaction_ids=[c.txn_id for c in copies],
            original_transaction_ids=[c.txn_id for c in originals],
            billed=billed,
        )
    )
