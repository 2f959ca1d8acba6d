"""Remittances: 835 claim payments (and FHIR EOB / ClaimResponse), patient payments.

Each CLP is matched to the live claim with its patient control number (CLP01 = CLM01). The claim
moves to paid, partially paid or denied (or reversed for CLP02 = 22); denials and balancing problems
become findings; a payment seen twice is a duplicate finding and is not applied again.
"""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, Remittance
from revcycle.service_layer.handlers.claims import move
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, StoredClaim, UnitOfWork

_RANK = {
    ClaimPaymentStatus.PRIMARY: 1,
    ClaimPaymentStatus.PRIMARY_FORWARDED: 1,
    ClaimPaymentStatus.SECONDARY: 2,
    ClaimPaymentStatus.SECONDARY_FORWARDED: 2,
    ClaimPaymentStatus.TERTIARY: 3,
    ClaimPaymentStatus.TERTIARY_FORWARDED: 3,
}


def payment_key(remittance: Remittance, payment: ClaimPayment) -> str:
    return "|".join(
        (
            remittance.trace_number,
            payment.patient_control_number,
            payment.status.value,
            str(payment.charge),
            str(payment.paid),
            payment.payer_claim_control_number or "",
        )
    )


_ADJUDICATED = frozenset(
    {ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.DENIED, ClaimStatus.POSTED, ClaimStatus.CLOSED}
)


def match_claim(uow: UnitOfWork, payment: ClaimPayment, remittance: Remittance) -> StoredClaim | None:
    """The claim a CLP pays: by patient control number (CLP01 = CLM01), then narrowed by payer, by rank
    (CLP02 1/2/3), and by the payer's claim control number (CLP07) when we know it. A reversal
    (CLP02 = 22) carries no rank: it applies to a claim that payer already adjudicated."""
    live = [
        s
        for s in uow.claims.by_control_number(payment.patient_control_number)
        if s.claim.status not in (ClaimStatus.REPLACED, ClaimStatus.VOID)
    ]
    if not live:
        return None
    for narrow in (
        lambda s: remittance.payer_id is not None and s.claim.payer_id == remittance.payer_id,
        lambda s: not payment.is_reversal and _RANK.get(payment.status) == s.claim.payer_rank,
        lambda s: (
            payment.payer_claim_control_number is not None
            and s.claim.payer_claim_control_number == payment.payer_claim_control_number
        ),
        lambda s: payment.is_reversal and s.claim.status in _ADJUDICATED,
    ):
        chosen = [s for s in live if narrow(s)]
        if chosen:
            live = chosen
    return live[-1]


def record_remittance(
    cmd: c.RecordRemittance, uow: UnitOfWork, ctx: MessageContext, source: str = "835"
) -> None:
    remittance = cmd.remittance
    if remittance.balance_difference != ZERO:
        raise_finding(
            uow,
            ctx,
            FindingType.REMITTANCE_UNBALANCED,
            Severity.MEDIUM,
            "remittance",
            remittance.trace_number,
            f"payment {remittance.payment_amount} != claims paid - provider adjustments "
            f"(difference {remittance.balance_difference})",
        )
    for payment in remittance.claims:
        _post(uow, ctx, remittance, payment, source)


def _post(
    uow: UnitOfWork, ctx: MessageContext, remittance: Remittance, payment: ClaimPayment, source: str
) -> None:
    key = payment_key(remittance, payment)
    if uow.payments.exists(key):
        raise_finding(
            uow,
            ctx,
            FindingType.DUPLICATE_REMITTANCE,
            Severity.HIGH,
            "remittance",
            remittance.trace_number,
            f"claim payment under trace {remittance.trace_number} received again; not applied twice",
            key_suffix=f"{payment.patient_control_number}:{ctx.correlation_id}",
        )
        return
    stored = match_claim(uow, payment, remittance)
    payment_id = uow.payments.add(payment, remittance, stored.id if stored else None, key, source, ctx)
    if payment.balance_difference != ZERO:
        raise_finding(
            uow,
            ctx,
            FindingType.REMITTANCE_UNBALANCED,
            Severity.MEDIUM,
            "payment",
            payment_id,
            f"claim payment {payment_id}: charge - adjustments - paid = {payment.balance_difference}",
        )
    if stored is None:
        raise_finding(
            uow,
            ctx,
            FindingType.UNMATCHED_REMITTANCE,
            Severity.MEDIUM,
            "payment",
            payment_id,
            f"claim payment {payment_id} (trace {remittance.trace_number}) matches no claim",
        )
        return
    if payment.payer_claim_control_number and not stored.claim.payer_claim_control_number:
        stored.claim.payer_claim_control_number = payment.payer_claim_control_number
        uow.claims.save(stored, ctx)
    uow.claims.apply_payment(stored.id, payment)
    uow.claims.record(
        stored.id,
        "remittance",
        ctx,
        detail={
            "payment_id": payment_id,
            "trace": remittance.trace_number,
            "status": payment.status.value,
            "paid": str(payment.paid),
        },
    )
    outcome = payment.outcome()
    if move(uow, ctx, stored, outcome, f"835 CLP02={payment.status.value}") and outcome is ClaimStatus.DENIED:
        reasons = sorted({f"{a.group.value}-{a.reason}" for a in payment.all_adjustments})
        raise_finding(
            uow,
            ctx,
            FindingType.DENIAL,
            Severity.HIGH,
            "claim",
            stored.id,
            f"claim {stored.id} denied ({', '.join(reasons) or 'no CARC given'})",
            key_suffix=remittance.trace_number,
            details={"carc": reasons, "remarks": list(payment.remarks), "charge": str(payment.charge)},
        )


def record_patient_payment(cmd: c.RecordPatientPayment, uow: UnitOfWork, ctx: MessageContext) -> None:
    payment = cmd.payment
    uow.outbox.add(
        "patient_payment",
        f"patient_payment:{ctx.correlation_id}:{payment.reference or ''}",
        {
            "amount": str(payment.amount),
            "method": payment.method,
            "received_at": payment.received_at.isoformat() if payment.received_at else None,
        },
        ctx,
    )
