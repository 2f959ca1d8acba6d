"""Remittances: 835 claim payments (and FHIR EOB / ClaimResponse), paper remittances keyed in by hand,
patient payments.

Each CLP is matched to a claim by its patient control number (CLP01 = CLM01), narrowed by payer, rank
and the payer's claim control number (CLP07); each SVC to a claim line (``revcycle.domain.posting``).
The claim moves to paid, partially paid or denied, then to posted, and to closed once nothing is owed
by payers or the patient; a reversal (CLP02 = 22) moves it to reversed and its negated amounts net the
earlier payment out. Denials become work-queue findings with their CARC / RARC codes and meanings;
lines allowed below the payer's contract beyond a tolerance become underpayment findings. A payment
seen twice is a duplicate finding and is not applied again. Posting is the same whatever the source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.domain.patient_balance import ReceivedPayment
from revcycle.domain.posting import (
    ClaimBalance,
    LineMatch,
    MatchMethod,
    allowed_amount,
    expected_allowed,
    is_denied_line,
    line_totals,
    match_lines,
    payment_totals,
    service_day,
    underpayment,
)
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, Remittance
from revcycle.service_layer.handlers.claims import move
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.handlers.patient_payments import receive_patient_payment, settle_patient_share
from revcycle.service_layer.handlers.posting_findings import ReasonCodes, denial, underpaid, unmatched_lines
from revcycle.service_layer.ports import LinePosting, ManualEntry, MessageContext, StoredClaim, UnitOfWork

S = ClaimStatus

_RANK = {
    ClaimPaymentStatus.PRIMARY: 1,
    ClaimPaymentStatus.PRIMARY_FORWARDED: 1,
    ClaimPaymentStatus.SECONDARY: 2,
    ClaimPaymentStatus.SECONDARY_FORWARDED: 2,
    ClaimPaymentStatus.TERTIARY: 3,
    ClaimPaymentStatus.TERTIARY_FORWARDED: 3,
}
_ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.POSTED, S.CLOSED})
_ENDED = frozenset({S.REPLACED, S.VOID})


@dataclass(frozen=True, slots=True)
class PostingPolicy:
    """What posting needs from settings: the underpayment tolerance (a contract's own tolerance wins
    when it has one) and the reason-code meanings."""

    underpayment_tolerance: Decimal = Decimal("0.50")
    codes: ReasonCodes | None = None


DEFAULT_POLICY = PostingPolicy()


def payment_key(remittance: Remittance, payment: ClaimPayment) -> str:
    """What makes a claim payment the same payment again: its check / trace, claim, status, amounts, the
    payer's claim number, and a digest of its service lines (a check may pay two claims that share all
    the rest but their dates of service)."""
    lines = repr(
        [
            (s.procedure_code, s.modifiers, s.service_date, s.charge, s.paid, s.line_control_number)
            for s in payment.services
        ]
        + [payment.service_date]
    )
    return "|".join(
        (
            remittance.trace_number,
            payment.patient_control_number,
            payment.status.value,
            str(payment.charge),
            str(payment.paid),
            payment.payer_claim_control_number or "",
            hashlib.sha256(lines.encode()).hexdigest()[:16],
        )
    )


def match_claim(uow: UnitOfWork, payment: ClaimPayment, remittance: Remittance) -> StoredClaim | None:
    """The claim a CLP pays: by patient control number (CLP01 = CLM01), then narrowed by payer, by rank
    (CLP02 1/2/3), and by the payer's claim control number (CLP07) when we know it. A reversal
    (CLP02 = 22) carries no rank: it takes back what that payer adjudicated, possibly on a claim that a
    corrected claim (frequency 7) has replaced since."""
    candidates = uow.claims.by_control_number(payment.patient_control_number)
    if payment.is_reversal:
        live = [s for s in candidates if s.claim.status in _ADJUDICATED | {S.REVERSED}]
        live = live or [s for s in candidates if s.claim.status in _ENDED]
        live = live or [s for s in candidates if s.claim.status not in _ENDED]
    else:
        live = [s for s in candidates if s.claim.status not in _ENDED]
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
    cmd: c.RecordRemittance,
    uow: UnitOfWork,
    ctx: MessageContext,
    source: str = "835",
    policy: PostingPolicy = DEFAULT_POLICY,
) -> None:
    _record(cmd.remittance, uow, ctx, source, policy, None)


def record_manual_remittance(
    cmd: c.RecordManualRemittance,
    uow: UnitOfWork,
    ctx: MessageContext,
    policy: PostingPolicy = DEFAULT_POLICY,
) -> None:
    """A paper remittance: recorded with who keyed it in, then posted on the 835's path."""
    entry = ManualEntry(cmd.entered_by, cmd.entered_at, cmd.source, cmd.note)
    uow.postings.add_manual_entry(cmd.remittance.trace_number, entry, ctx)
    _record(cmd.remittance, uow, ctx, "manual", policy, entry)


def _record(
    remittance: Remittance,
    uow: UnitOfWork,
    ctx: MessageContext,
    source: str,
    policy: PostingPolicy,
    entry: ManualEntry | None,
) -> None:
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
        _post(uow, ctx, remittance, payment, source, policy, entry)


def _post(
    uow: UnitOfWork,
    ctx: MessageContext,
    remittance: Remittance,
    payment: ClaimPayment,
    source: str,
    policy: PostingPolicy,
    entry: ManualEntry | None,
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
    outcome = payment.outcome()
    totals = payment_totals(payment, denied_claim=outcome is S.DENIED)
    if stored is None:
        lines = tuple(
            LinePosting(LineMatch(s, None, MatchMethod.UNMATCHED), line_totals(s), allowed_amount(s))
            for s in payment.services
        )
        uow.postings.add(payment_id, None, totals, lines, ctx)
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
    lines = _post_lines(uow, stored, payment, remittance, policy)
    uow.postings.add(payment_id, stored.id, totals, lines, ctx)
    uow.claims.apply_payment(stored.id, payment)
    detail: dict[str, Any] = {
        "payment_id": payment_id,
        "trace": remittance.trace_number,
        "status": payment.status.value,
        "paid": str(payment.paid),
        "contractual": str(totals.contractual),
        "patient_responsibility": str(totals.patient_responsibility),
        "denied": str(totals.denied),
        "source": source,
        "lines": {m.value: n for m in MatchMethod if (n := sum(p.match.method is m for p in lines))},
    }
    if entry is not None:
        detail |= {
            "entered_by": entry.entered_by,
            "entered_at": entry.entered_at.isoformat(),
            "entry_source": entry.source,
        }
    uow.claims.record(stored.id, "remittance", ctx, detail=detail)
    unmatched_lines(uow, ctx, stored, payment_id, lines)
    if payment.is_reversal:
        _reverse(uow, ctx, stored, payment)
        return
    if stored.claim.status in _ENDED:
        uow.claims.record(
            stored.id, "payment_on_ended_claim", ctx, detail={"status": stored.claim.status.value}
        )
        return
    if not move(uow, ctx, stored, outcome, f"835 CLP02={payment.status.value}"):
        return
    if outcome is S.DENIED or any(is_denied_line(s) for s in payment.services):
        denial(uow, ctx, stored, payment, remittance, policy.codes, whole=outcome is S.DENIED)
    for posted in lines:
        if posted.underpayment is not None:
            underpaid(uow, ctx, stored, remittance, posted)
    if outcome is not S.DENIED:
        _settle(uow, ctx, stored)


def _post_lines(
    uow: UnitOfWork, stored: StoredClaim, payment: ClaimPayment, remittance: Remittance, policy: PostingPolicy
) -> tuple[LinePosting, ...]:
    claim = stored.claim
    matches = match_lines(claim.lines, payment.services)
    payer_id = claim.payer_id or remittance.payer_id
    judge = payer_id is not None and claim.payer_rank == 1 and not payment.is_reversal
    posted: list[LinePosting] = []
    for match in matches:
        expected = found = None
        if judge and match.line is not None and payer_id is not None:
            contract = uow.contracts.for_payer(payer_id, service_day(match, claim.service_date))
            if contract is not None:
                expected = expected_allowed(contract, match.line, match.service)
                found = underpayment(contract, match, policy.underpayment_tolerance)
        posted.append(
            LinePosting(match, line_totals(match.service), allowed_amount(match.service), expected, found)
        )
    return tuple(posted)


def _reverse(uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim, payment: ClaimPayment) -> None:
    """CLP02 = 22: the claim goes back to reversed (awaiting the payer's new adjudication); a claim that a
    corrected claim already replaced keeps its state, the money nets out all the same."""
    if stored.claim.status in _ENDED or stored.claim.status is S.REVERSED:
        uow.claims.record(stored.id, "reversal", ctx, detail={"paid": str(payment.paid)})
        return
    move(uow, ctx, stored, S.REVERSED, "835 CLP02=22 reversal")


def _settle(uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim) -> None:
    """Paid or partially paid: the payment is posted; the claim closes when nothing is owed. A posted
    secondary (COB) claim closes the lower-rank claims with the same control number, whose patient share
    it took over."""
    if not move(uow, ctx, stored, S.POSTED, "payment posted"):
        return
    paid_by_patient = settle_patient_share(uow, ctx, stored)  # a credit (copay at the desk) applies now
    balance = ClaimBalance(stored.claim.total_charge, uow.postings.claim_totals(stored.id), paid_by_patient)
    if balance.insurance_balance == ZERO and balance.patient_balance <= ZERO:  # beyond zero: a credit
        move(uow, ctx, stored, S.CLOSED, "nothing owed by payers or the patient")
    if stored.claim.payer_rank > 1:
        for earlier in uow.claims.by_control_number(stored.claim.patient_control_number):
            if earlier.claim.payer_rank < stored.claim.payer_rank and earlier.claim.status is S.POSTED:
                move(uow, ctx, earlier, S.CLOSED, f"patient share taken over by secondary claim {stored.id}")


def record_patient_payment(cmd: c.RecordPatientPayment, uow: UnitOfWork, ctx: MessageContext) -> None:
    """A patient payment (a negative amount: a refund): to the outbox for the ERP journals, and applied
    to the patient's open balances (``handlers.patient_payments``). The patient is found by the billing
    account; the claim it names by its patient control number."""
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
    received = ReceivedPayment(
        patient_key=uow.patient_ledger.patient_of_account(payment.account),
        amount=payment.amount,
        reference=payment.reference,
        claim_reference=payment.patient_control_number,
        received_at=payment.received_at,
        method=payment.method,
        source="command",
    )
    receive_patient_payment(uow, ctx, received)


def configured(policy: PostingPolicy) -> Mapping[type[c.Command], Callable[..., None]]:
    """The posting handlers bound to a policy (the composition root passes the settings' one)."""
    return {
        c.RecordRemittance: partial(record_remittance, policy=policy),
        c.RecordManualRemittance: partial(record_manual_remittance, policy=policy),
    }
