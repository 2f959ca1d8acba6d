"""Patient payments applied to what the patient owes (``revcycle.domain.patient_balance``).

A payment (an HL7 DFT FT1 with FT1-6 = PY or CO, or a RecordPatientPayment) is applied to the visit it
names, then to the patient's other open balances oldest first; what is left is the patient's credit,
which later balances take (a copay collected before the payer's 835). A refund takes credit back, then
reopens balances. Each application is a row (payment -> claim, amount) and an event on the claim's
timeline. A claim whose payers and patient owe nothing closes; a refund that reopens a closed claim's
patient balance moves it back to posted. The same payment twice in one message is applied once (it is
one outbox row for the journals too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from revcycle.domain.charges import Charge
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.money import ZERO, total
from revcycle.domain.patient_balance import ReceivedPayment, allocate, apply_credit, open_items
from revcycle.domain.posting import ClaimBalance
from revcycle.service_layer.handlers.claims import move
from revcycle.service_layer.ports import MessageContext, StoredClaim, UnitOfWork

S = ClaimStatus


def receive_patient_payment(uow: UnitOfWork, ctx: MessageContext, payment: ReceivedPayment) -> int | None:
    """Record a patient payment and apply it; returns its id (None for a duplicate)."""
    ledger = uow.patient_ledger
    key = payment.dedup_key(ctx.correlation_id)
    if key is not None and ledger.exists(key):
        return None  # the same payment twice in one message: applied once (one outbox row too)
    named = [payment.claim_reference] if payment.claim_reference else []
    items = open_items(ledger.shares(payment.patient_key, named))
    visits = [i.patient_control_number for i in items]
    credit = ZERO
    if payment.amount < ZERO:
        credit = total(c.unapplied for c in ledger.credits(payment.patient_key, visits + named))
    allocation = allocate(payment.amount, items, named=payment.claim_reference, credit=credit)
    payment_id = ledger.add(payment, key, ctx)
    kind = "refund" if payment.amount < ZERO else "payment"
    for application in allocation.applications:
        ledger.apply(payment_id, application.claim_id, application.amount, kind, ctx)
        uow.claims.record(
            application.claim_id,
            f"patient_{kind}",
            ctx,
            detail={
                "patient_payment_id": payment_id,
                "amount": str(application.amount),
                "reference": payment.reference,
                "source": payment.source,
            },
        )
    touched = {a.claim_id for a in allocation.applications}
    touched |= _apply_credit(uow, ctx, payment.patient_key, visits + named)
    _settle(uow, ctx, payment.patient_key, visits + named, touched)
    return payment_id


def received_from_charge(charge: Charge, charge_id: int, ctx: MessageContext) -> ReceivedPayment:
    """An HL7 FT1 payment line: FT1-2 the reference, the visit (PV1-19, else PID-18) the claim it names.
    The sign of FT1-11 is not trusted (cashiering systems send payments as credits): the amount is
    taken as paid, as the ERP journals take it (``transactions.of_charge``); refunds come as
    RecordPatientPayment with a negative amount."""
    return ReceivedPayment(
        patient_key=charge.patient_key,
        amount=abs(charge.amount),
        reference=charge.transaction_id,
        claim_reference=charge.visit_number,
        received_at=ctx.received_at,
        method=charge.transaction_code,
        source="hl7",
        charge_id=charge_id,
    )


def apply_patient_credit(uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim) -> None:
    """After a payer's posting: the patient's credit goes to the new balance (one query when the
    patient has no credit)."""
    _apply_credit(uow, ctx, stored.claim.patient_key, [stored.claim.patient_control_number])


def patient_paid(uow: UnitOfWork, visits: Mapping[str, Sequence[StoredClaim]]) -> dict[str, Decimal]:
    """What the patient has paid on each visit (``visits``: every claim of each patient control number):
    the ``paid`` of its open item (``domain.patient_balance.open_items``), which counts the payments
    applied to any claim of the visit (a corrected claim keeps what the patient paid)."""
    applied = uow.patient_ledger.applied_to([s.id for claims in visits.values() for s in claims])
    return {pcn: total(applied.get(s.id, ZERO) for s in claims) for pcn, claims in visits.items()}


def _apply_credit(
    uow: UnitOfWork, ctx: MessageContext, patient_key: str | None, visits: Sequence[str]
) -> set[int]:
    ledger = uow.patient_ledger
    credits = ledger.credits(patient_key, visits)
    if not credits or total(c.unapplied for c in credits) <= ZERO:
        return set()
    found = apply_credit(credits, open_items(ledger.shares(patient_key, visits)))
    for application in found:
        ledger.apply(application.payment_id, application.claim_id, application.amount, "credit", ctx)
        uow.claims.record(
            application.claim_id,
            "patient_credit_applied",
            ctx,
            detail={"patient_payment_id": application.payment_id, "amount": str(application.amount)},
        )
    return {a.claim_id for a in found}


def _settle(
    uow: UnitOfWork,
    ctx: MessageContext,
    patient_key: str | None,
    visits: Sequence[str],
    touched: set[int],
) -> None:
    """Close what is paid off (payers and patient owe nothing); reopen a closed claim a refund left a
    patient balance on."""
    if not touched:
        return
    for item in open_items(uow.patient_ledger.shares(patient_key, visits)):
        if item.claim_id not in touched:
            continue
        stored = next(
            (s for s in uow.claims.by_control_number(item.patient_control_number) if s.id == item.claim_id),
            None,
        )
        if stored is None:
            continue
        status = stored.claim.status
        if status is S.POSTED and item.balance <= ZERO:
            owed = ClaimBalance(stored.claim.total_charge, uow.postings.claim_totals(stored.id))
            if owed.insurance_balance == ZERO:
                move(uow, ctx, stored, S.CLOSED, "patient balance paid; nothing owed by payers")
        elif status is S.CLOSED and item.balance > ZERO:
            move(uow, ctx, stored, S.POSTED, "patient refund reopened the patient balance")
