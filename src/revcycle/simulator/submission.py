"""The revenue side's daily messages: the evening 837 batches (one interchange per claim type), FHIR
Claims, the clearinghouse's 999 (next night) and 277CA (next morning), the payers' 835s (one interchange
per payer per payment day, one transaction set per payee) or FHIR ExplanationOfBenefit, patient payments,
and interface resends (the same bytes and control id again)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from revcycle.simulator.anomalies import label
from revcycle.simulator.emission import Emission
from revcycle.simulator.model import PatientPaymentDue, Remit, Submission
from revcycle.simulator.world import Facility
from revcycle.simulator.x12_837 import IMPLEMENTATION
from revcycle.simulator.x12_common import BILLING, CLEARINGHOUSE

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

BATCH_MINUTE = 1260  # 21:00, the nightly claim run


def submit(sim: Simulation, day: int, items: list[Submission]) -> None:
    by_variant: dict[str, list[Submission]] = {}
    for item in items:
        by_variant.setdefault(item.claim.variant, []).append(item)
    for offset, variant in enumerate(("837P", "837I")):
        batch = by_variant.get(variant)
        if not batch:
            continue
        batch.sort(key=lambda s: s.claim.visit.facility.code)
        isa13, gs06, (st02,) = sim.x12_controls(BILLING.identifier)
        minute = BATCH_MINUTE + 10 * offset
        payload = sim.x837.interchange([s.claim for s in batch], variant, isa13, gs06, st02, day, minute)
        sim.emit(day, minute, "claims", "x12", variant, f"{isa13:09d}", BILLING.identifier, payload, "x12")
        sim.schedule(day + 1, "ack999", (gs06, st02, IMPLEMENTATION[variant], day))
        sim.schedule(day + 1, "ack277", (batch, st02, day))
    for item in by_variant.get("FHIR", []):
        claim = item.claim
        payload = sim.fhir.claim(claim, day)
        sim.emit(
            day,
            BATCH_MINUTE - 60,
            "fhir",
            "fhir",
            "Claim",
            f"{claim.pcn}/_history/{claim.frequency}",
            f"EHR^{claim.visit.facility.code}",
            payload,
            "json",
            kind="Claim",
        )


def ack999(sim: Simulation, day: int, items: list[tuple[int, str, str, int]]) -> None:
    for gs06_acked, st02_acked, version, _sent in items:
        isa13, gs06, (st02,) = sim.x12_controls(CLEARINGHOUSE.identifier)
        minute = sim.rng.randint(90, 180)
        payload = sim.acks.ack999(gs06_acked, st02_acked, version, isa13, gs06, st02, day, minute)
        sim.emit(day, minute, "acks", "x12", "999", f"{isa13:09d}", CLEARINGHOUSE.identifier, payload, "x12")


def ack277(sim: Simulation, day: int, items: list[tuple[list[Submission], str, int]]) -> None:
    for batch, batch_ref, sent in items:
        isa13, gs06, (st02,) = sim.x12_controls(CLEARINGHOUSE.identifier)
        minute = sim.rng.randint(300, 420)
        claims = [(s.claim, s.reject, s.icn) for s in batch]
        payload = sim.acks.ack277(claims, batch_ref, sent, isa13, gs06, st02, day, minute)
        sim.emit(
            day, minute, "acks", "x12", "277CA", f"{isa13:09d}", CLEARINGHOUSE.identifier, payload, "x12"
        )


def _by_payee(remits: Iterable[Remit]) -> list[tuple[Facility, list[Remit]]]:
    grouped: dict[str, tuple[Facility, list[Remit]]] = {}
    for remit in remits:
        facility = remit.claim.visit.facility
        grouped.setdefault(facility.code, (facility, []))[1].append(remit)
    return [grouped[code] for code in sorted(grouped)]


def remit(sim: Simulation, day: int, items: list[Remit]) -> None:
    by_payer: dict[str, list[Remit]] = {}
    for item in items:
        by_payer.setdefault(item.claim.coverage.payer.payer_id, []).append(item)
    for payer_id in sorted(by_payer):
        payer = sim.world.payers[payer_id]
        remits = by_payer[payer_id]
        minute = sim.rng.randint(240, 330)
        fhir = [r for r in remits if r.claim.variant == "FHIR"]
        x12 = [r for r in remits if r.claim.variant != "FHIR"]
        for item in fhir:
            trace = f"EFT{sim.next_id('trace:' + payer_id):09d}"
            payload = sim.fhir.eob(item, trace)
            control = f"{item.icn}/_history/{2 if item.status == '22' else 1}"
            sim.emit(
                day,
                minute,
                "fhir",
                "fhir",
                "ExplanationOfBenefit",
                control,
                payer_id,
                payload,
                "json",
                kind="ExplanationOfBenefit",
            )
        if not x12:
            continue
        payees = _by_payee(x12)
        isa13, gs06, st02s = sim.x12_controls(payer_id, len(payees))
        traces = [f"{payer_id[3:]}{sim.next_id('trace:' + payer_id):09d}" for _ in payees]
        payload = sim.x835.interchange(payer, payees, isa13, gs06, st02s, traces, day, minute)
        sim.emit(day, minute, "remits", "x12", "835", f"{isa13:09d}", payer_id, payload, "x12")


def patient_payments(sim: Simulation, day: int, items: list[PatientPaymentDue]) -> None:
    for due in items:
        control = sim.hl7_control("PCASH")
        reference = f"PAY{sim.next_id('payment'):09d}"
        payload = sim.hl7.payment(due.patient, due.amount, reference, day, due.minute, control)
        sim.emit(day, due.minute, "payments", "hl7v2", "DFT_P03", control, "CASHIER^SYNNET", payload, "hl7")


def resend(sim: Simulation, day: int, items: list[Emission]) -> None:
    """An interface retry: the same message (bytes and MSH-10) sent again a little later."""
    for original in items:
        minute = min(original.minute + sim.rng.randint(2, 90), 1439)
        sim.emit(
            day,
            minute,
            original.source,
            original.format,
            original.message_type,
            original.control_id,
            original.sender,
            original.payload,
            original.extension,
            original.kind,
            resend=True,
        )
        sim.label(
            label(
                "duplicate_resend",
                day,
                control_id=original.control_id,
                sender=original.sender,
                message_type=original.message_type,
            )
        )
