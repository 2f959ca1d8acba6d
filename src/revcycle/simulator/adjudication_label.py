"""The label record of a claim: its true denial probability, present and firing causes, outcome, amounts
and days in A/R. Amounts are dollars; days are simulation day indices."""

from __future__ import annotations

from typing import Any

from revcycle.simulator import policy
from revcycle.simulator.model import Claim, Remit


def days_in_ar(claim: Claim, events: list[tuple[int, int]], start: int) -> float:
    """Dollar-weighted days from ``start`` (charges posted) until each dollar of the claim is resolved
    (paid, adjusted, or written off)."""
    charge = sum(amount for _, amount in events)
    if charge <= 0:
        return 0.0
    return round(sum(amount * (day - start) for day, amount in events) / charge, 2)


def claim_label(
    claim: Claim,
    day: int,
    probability: float,
    present: list[policy.Finding],
    fired: list[policy.Finding],
    noise: tuple[str, str | None] | None,
    reject: str | None,
    first: Remit,
    final: Remit,
    overturned: bool | None,
) -> dict[str, Any]:
    denied = bool(fired) or noise is not None
    payer = claim.coverage.payer
    carcs = [f.cause.carc for f in fired] + ([noise[0]] if noise else [])
    return {
        "kind": "claim",
        "pcn": claim.pcn,
        "variant": claim.variant,
        "rank": claim.rank,
        "payer_id": payer.payer_id,
        "payer_class": payer.payer_class,
        "visit_number": claim.visit.number,
        "department": claim.visit.department.code,
        "setting": claim.visit.visit_type.setting,
        "facility": claim.visit.facility.code,
        "service_day": min(line.day for line in claim.lines),
        "created_day": day,
        "charge": claim.total / 100,
        "lines": len(claim.lines),
        "procedure_codes": [line.code for line in claim.lines],
        "diagnoses": list(claim.diagnoses),
        "prior_auth": claim.prior_auth is not None,
        "documentation": claim.documentation,
        "denial_probability": round(probability, 4),
        "causes": sorted({f.cause.name for f in present}),
        "rules": sorted({f.rule for f in present if f.rule}),
        "denied": denied,
        "denial_causes": sorted({f.cause.name for f in fired} | ({"noise"} if noise else set())),
        "carcs": carcs,
        "rejected": reject is not None,
        "reject_code": reject,
        "clean": reject is None and not denied,
        "adjudicated": True,
        "first_remit_day": first.day,
        "overturned": overturned,
        "final_denied": denied and not overturned,
        "paid": final.paid / 100,
        "patient_responsibility": final.patient_responsibility / 100,
        "payer_claim_control_number": first.icn,
    }
