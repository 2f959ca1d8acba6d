"""Claims built from a visit's charges where no 837 came in (``BuildClaim``): a draft claim, scrubbed;
ready claims move to scrubbed, others stay draft with a ``claim_not_ready`` finding listing why. When
the billing platform's 837 for that patient control number arrives, it submits the built claim
(``handlers.claims.submit_claim``)."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.claim_builder import draft_claim, scrub
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.findings import FindingType, Severity
from revcycle.service_layer.handlers.claims import current_claim, move
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, StoredClaim, UnitOfWork


def build_claim(cmd: c.BuildClaim, uow: UnitOfWork, ctx: MessageContext) -> None:
    existing = current_claim(uow, cmd.visit_number, 1)
    if existing is not None:  # an 837 came in, or it was built before: nothing to build
        uow.claims.record(existing.id, "build_requested", ctx, detail={"status": existing.claim.status.value})
        return
    charges = uow.charges.of_visit(cmd.patient_key, cmd.visit_number)
    claim = draft_claim(
        cmd.visit_number,
        cmd.patient_key,
        charges,
        uow.encounters.get(cmd.patient_key, cmd.visit_number),
        uow.patients.coverages(cmd.patient_key),
        billing_npi=cmd.billing_npi,
    )
    claim_id = uow.claims.add(claim, ctx, group_control=None, transaction_control=None)
    uow.claims.record(claim_id, "built", ctx, detail={"charges": len(charges), "lines": len(claim.lines)})
    problems = scrub(claim)
    if problems:
        raise_finding(
            uow,
            ctx,
            FindingType.CLAIM_NOT_READY,
            Severity.MEDIUM,
            "claim",
            claim_id,
            f"claim {claim_id} built from charges is not ready to submit: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            details={"problems": problems},
        )
        return
    move(uow, ctx, StoredClaim(claim_id, claim), ClaimStatus.SCRUBBED, "scrubbed: ready to submit")
