"""Claims: 837P / 837I (and FHIR Claim) submissions, 999 / TA1 and 277CA acknowledgments.

Lifecycle rules (see ``revcycle.domain.claims``): a new original claim enters as submitted; a
replacement (CLM05-3 = 7) supersedes the current claim with the same patient control number; a void
(CLM05-3 = 8) voids it; an original that repeats a live claim is a duplicate finding, except after a
rejection, when it is the corrected resubmission, and except for a claim built here from a visit's
charges (draft or scrubbed), which the 837 submits. A secondary claim (SBR01 = S) records the
coordination of benefits (2320 AMT*D against what revcycle posted for the earlier payers) on both claims.
"""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.claims import Claim, ClaimStatus, Frequency, Transition
from revcycle.domain.errors import IllegalTransition
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, StoredClaim, UnitOfWork
from revcycle.service_layer.rules import check_claim

_ENDED = frozenset({ClaimStatus.REPLACED, ClaimStatus.VOID})
_BUILT = frozenset({ClaimStatus.DRAFT, ClaimStatus.SCRUBBED})
_ACCEPT_999 = frozenset({"A", "E", "P"})


def current_claim(
    uow: UnitOfWork, patient_control_number: str, rank: int | None = None
) -> StoredClaim | None:
    """The live claim for a patient control number (the latest one not replaced or voided)."""
    live = [
        s
        for s in uow.claims.by_control_number(patient_control_number)
        if s.claim.status not in _ENDED and (rank is None or s.claim.payer_rank == rank)
    ]
    return live[-1] if live else None


def transition(
    uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim, target: ClaimStatus, why: str
) -> Transition | None:
    """Apply a transition to the claim in memory (the caller saves and records it); an illegal one
    becomes a finding, not a crash, and None."""
    try:
        return stored.claim.move_to(target, ctx.now, correlation_id=ctx.correlation_id, reason=why)
    except IllegalTransition as error:
        raise_finding(
            uow,
            ctx,
            FindingType.ILLEGAL_TRANSITION,
            Severity.MEDIUM,
            "claim",
            stored.id,
            str(error),
            key_suffix=ctx.correlation_id,
            details={"event": why},
        )
        return None


def move(uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim, target: ClaimStatus, why: str) -> bool:
    """Apply a transition and record it on the timeline; an illegal one becomes a finding, not a crash."""
    step = transition(uow, ctx, stored, target, why)
    if step is None:
        return False
    uow.claims.save(stored, ctx)
    uow.claims.record(stored.id, "transition", ctx, transition=step, detail={"event": why})
    return True


def submit_claim(cmd: c.SubmitClaim, uow: UnitOfWork, ctx: MessageContext) -> None:
    claim = cmd.claim
    if cmd.patient is not None and uow.patients.get(cmd.patient.key) is None:
        uow.patients.save(cmd.patient, None, ctx)
    existing = current_claim(uow, claim.patient_control_number, claim.payer_rank)
    if claim.frequency is Frequency.VOID:
        if existing is None:
            _unmatched(uow, ctx, claim, "void")
            return
        move(uow, ctx, existing, ClaimStatus.VOID, "void claim (frequency 8)")
        return
    if existing is not None and existing.claim.status in _BUILT and claim.frequency is Frequency.ORIGINAL:
        _submit_built(uow, ctx, cmd, existing)
        return
    if existing is not None and claim.frequency is Frequency.REPLACEMENT:
        move(uow, ctx, existing, ClaimStatus.REPLACED, "replacement claim (frequency 7)")
    elif existing is not None and existing.claim.status is ClaimStatus.REJECTED:
        move(uow, ctx, existing, ClaimStatus.REPLACED, "corrected resubmission after rejection")
    elif existing is not None:
        raise_finding(
            uow,
            ctx,
            FindingType.DUPLICATE_CLAIM,
            Severity.HIGH,
            "claim",
            existing.id,
            f"claim {existing.id} submitted again with the same patient control number",
            key_suffix=ctx.correlation_id,
            details={"frequency": claim.frequency.value},
        )
        uow.claims.record(existing.id, "duplicate_submission", ctx, detail={})
        return
    claim.move_to(ClaimStatus.SUBMITTED, ctx.now, correlation_id=ctx.correlation_id, reason="837 received")
    claim_id = uow.claims.add(
        claim, ctx, group_control=cmd.group_control_number, transaction_control=cmd.transaction_control_number
    )
    uow.claims.record(
        claim_id, "transition", ctx, transition=claim.history[-1], detail={"event": "submitted"}
    )
    if claim.payer_rank > 1:
        _link_secondary(uow, ctx, claim, claim_id)
    check_claim(uow, ctx, claim, claim_id)


def _submit_built(uow: UnitOfWork, ctx: MessageContext, cmd: c.SubmitClaim, built: StoredClaim) -> None:
    """The 837 for a claim built here from charges: it submits that claim, as billed (the 837's lines and
    codes win over the draft's), keeping its timeline."""
    sent = cmd.claim
    sent.status, sent.history = built.claim.status, built.claim.history
    sent.visit_number = sent.visit_number or built.claim.visit_number
    stored = StoredClaim(built.id, sent)
    uow.claims.attach_transaction(built.id, cmd.group_control_number, cmd.transaction_control_number)
    move(uow, ctx, stored, ClaimStatus.SUBMITTED, "837 received for the claim built from charges")


def _link_secondary(uow: UnitOfWork, ctx: MessageContext, claim: Claim, claim_id: int) -> None:
    """A secondary (SBR01 = S) or tertiary claim: record on both timelines which claim it follows, what
    the 837 says the earlier payers paid (loop 2320 AMT*D) and what revcycle posted for them."""
    earlier = [
        s
        for s in uow.claims.by_control_number(claim.patient_control_number)
        if s.claim.payer_rank < claim.payer_rank and s.claim.status not in _ENDED
    ]
    posted = sum((uow.postings.claim_totals(s.id).paid for s in earlier), ZERO)
    detail: dict[str, object] = {
        "prior_claims": [s.id for s in earlier],
        "prior_adjudicated": [s.id for s in earlier if s.claim.adjudication is not None],
        "other_payer_paid": str(claim.other_payer_paid) if claim.other_payer_paid is not None else None,
        "prior_paid_posted": str(posted),
    }
    if claim.other_payer_paid is not None and earlier:
        detail["cob_agrees"] = claim.other_payer_paid == posted
    uow.claims.record(claim_id, "coordination_of_benefits", ctx, detail=detail)
    if detail.get("cob_agrees") is False and any(s.claim.adjudication is not None for s in earlier):
        raise_finding(
            uow,
            ctx,
            FindingType.COB_MISMATCH,
            Severity.MEDIUM,
            "claim",
            claim_id,
            f"claim {claim_id} (payer rank {claim.payer_rank}) reports {claim.other_payer_paid} paid by "
            f"earlier payers (2320 AMT*D); {posted} was posted from their remittances",
            details={k: v for k, v in detail.items() if k != "cob_agrees"},
        )
    for prior in earlier:
        uow.claims.record(
            prior.id, "secondary_claim", ctx, detail={"claim_id": claim_id, "rank": claim.payer_rank}
        )


def _unmatched(uow: UnitOfWork, ctx: MessageContext, claim: Claim, what: str) -> None:
    raise_finding(
        uow,
        ctx,
        FindingType.UNMATCHED_REMITTANCE,
        Severity.MEDIUM,
        "message",
        ctx.message_id or 0,
        f"{what} for a claim revcycle does not hold",
        key_suffix=claim.frequency.value,
    )


def record_functional_ack(cmd: c.RecordFunctionalAck, uow: UnitOfWork, ctx: MessageContext) -> None:
    if cmd.group_control_number is None:
        return  # a TA1 acknowledges an interchange; claims move on their group's 999
    accepted = cmd.status in _ACCEPT_999
    target = ClaimStatus.ACKNOWLEDGED if accepted else ClaimStatus.REJECTED
    for stored in uow.claims.by_transaction(cmd.group_control_number, cmd.transaction_control_number):
        if stored.claim.status is not ClaimStatus.SUBMITTED:
            uow.claims.record(stored.id, "999", ctx, detail={"status": cmd.status, "ignored": True})
            continue
        if move(uow, ctx, stored, target, f"999 {cmd.status}") and not accepted:
            raise_finding(
                uow,
                ctx,
                FindingType.CLAIM_REJECTED,
                Severity.HIGH,
                "claim",
                stored.id,
                f"claim {stored.id} rejected by 999 ({', '.join(cmd.errors) or 'no error codes'})",
                key_suffix="999",
                details={"errors": list(cmd.errors)},
            )


def record_claim_ack(cmd: c.RecordClaimAck, uow: UnitOfWork, ctx: MessageContext) -> None:
    stored = current_claim(uow, cmd.patient_control_number)
    if stored is None:
        raise_finding(
            uow,
            ctx,
            FindingType.UNMATCHED_REMITTANCE,
            Severity.LOW,
            "message",
            ctx.message_id or 0,
            "277CA for a claim revcycle does not hold",
            key_suffix=cmd.category_code,
        )
        return
    if cmd.payer_claim_control_number and not stored.claim.payer_claim_control_number:
        stored.claim.payer_claim_control_number = cmd.payer_claim_control_number
    detail = {"category": cmd.category_code, "status": cmd.status_code}
    if cmd.accepted:
        if stored.claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.ACKNOWLEDGED):
            move(uow, ctx, stored, ClaimStatus.ACCEPTED, f"277CA {cmd.category_code}")
        else:
            uow.claims.save(stored, ctx)
            uow.claims.record(stored.id, "277CA", ctx, detail=detail)
        return
    if move(uow, ctx, stored, ClaimStatus.REJECTED, f"277CA {cmd.category_code}"):
        raise_finding(
            uow,
            ctx,
            FindingType.CLAIM_REJECTED,
            Severity.HIGH,
            "claim",
            stored.id,
            f"claim {stored.id} rejected by the payer (277CA {cmd.category_code}:{cmd.status_code or '-'})",
            key_suffix="277CA",
            details=detail,
        )
