"""Duplicates: the same charge twice, the same claim twice (by content; the same patient control
number is the claims handler's lifecycle decision)."""

from __future__ import annotations

from collections.abc import Iterator

from revcycle.domain.claims import Claim
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.rules.base import finding
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts
from revcycle.domain.rules.reference import Reference


def duplicate_charge(facts: ChargeFacts, _: Reference) -> Iterator[Finding]:
    """Same patient, visit, service date, code, modifiers, performing provider, units and type as an
    earlier charge (``Charge.identity``), whether resent or re-entered with new ids."""
    if not facts.same_service:
        return
    charge, first = facts.charge, facts.same_service[0]
    yield finding(
        FindingType.DUPLICATE_CHARGE,
        Severity.HIGH,
        "charge",
        facts.charge_id,
        f"charge {facts.charge_id} repeats charge {first} (same service, code, modifiers, units)",
        details={"duplicate_of": first, "code": charge.procedure_code or charge.transaction_code},
    )


def duplicate_claim_content(facts: ClaimFacts, _: Reference) -> Iterator[Finding]:
    """A new claim whose payer, patient, service dates, lines and total equal a live claim's."""
    if not facts.same_content:
        return
    first = facts.same_content[0]
    yield finding(
        FindingType.DUPLICATE_CLAIM,
        Severity.HIGH,
        "claim",
        facts.claim_id,
        f"claim {facts.claim_id} repeats claim {first} (same payer, service dates, lines and total)",
        details={"duplicate_of": first, "total_charge": str(facts.claim.total_charge)},
    )


def claim_content(claim: Claim) -> tuple[object, ...]:
    """What makes two claims the same bill, whatever their patient control numbers: payer and rank,
    patient, visit, billing and rendering providers, facility, place of service, kind, type of bill,
    dates, total and every line's code, modifiers, units, charge, date and rendering provider (two
    visits of one patient on one day, at a clinic and at urgent care, are two bills)."""
    lines = sorted(
        (
            line.procedure_code or "",
            tuple(sorted(line.modifiers)),
            line.units,
            line.charge,
            line.service_date,
            line.revenue_code or "",
            line.rendering_npi or "",
            line.place_of_service or "",
        )
        for line in claim.lines
    )
    return (
        claim.payer_id,
        claim.payer_rank,
        claim.patient_key,
        claim.visit_number,
        claim.billing_npi,
        claim.rendering_npi,
        claim.attending_npi,
        claim.facility_code,
        claim.place_of_service,
        claim.kind,
        claim.type_of_bill,
        claim.statement_from,
        claim.statement_to,
        claim.total_charge,
        tuple(lines),
    )
