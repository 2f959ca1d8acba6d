"""Remittances: 835 claim payments (and FHIR EOB / ClaimResponse), paper remittances keyed in by hand,
patient payments.

Each CLP is matched to a claim by its patient control number (CLP01 = CLM01), narrowed by payer, rank
and the payer's claim control number (CLP07); each SVC to a claim line (``revcycle.domain.posting``).
The claim moves to paid, partially paid or denied, then to posted, and to closed once nothing is owed
by payers or the patient; a reversal (CLP02 = 22) moves it to reversed and its negated amounts net the
earlier payment out. Denials become work-queue findings with their CARC / RARC codes and meanings;
lines allowed below the payer's contract beyond a tolerance become underpayment findings. A payment
seen twice is a duplicate finding and is not applied again. Posting is the same whatever the source.

The claim payments of one remittance are posted set-based, run by run (``posting_runs``): a few reads
and writes for the whole 835 rather than a dozen round trips per claim payment, with the outcome of
posting them one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.domain.patient_balance import ReceivedPayment
from revcycle.domain.remittances import Remittance
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.handlers.patient_payments import receive_patient_payment
from revcycle.service_layer.handlers.posting_findings import ReasonCodes
from revcycle.service_layer.handlers.posting_runs import RunContext, payment_key, post_run, runs
from revcycle.service_layer.ports import ManualEntry, MessageContext, StoredClaim, UnitOfWork


@dataclass(frozen=True, slots=True)
class PostingPolicy:
    """What posting needs from settings: the underpayment tolerance (a contract's own tolerance wins
    when it has one) and the reason-code meanings."""

    underpayment_tolerance: Decimal = Decimal("0.50")
    codes: ReasonCodes | None = None


DEFAULT_POLICY = PostingPolicy()


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
    """Post the remittance's claim payments in order, run by run (``posting_runs``): what the whole 835
    needs is read once (which payment keys are already recorded, the claims of its control numbers,
    the patients' credits), a run's claims again only when an earlier run posted to them."""
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
    payments = remittance.claims
    if not payments:
        return
    keys = {id(p): payment_key(remittance, p) for p in payments}
    pcns = list(dict.fromkeys(p.patient_control_number for p in payments))
    claims: dict[str, list[StoredClaim]] = uow.claims.by_control_numbers(pcns)
    patients = sorted(
        {s.claim.patient_key for group in claims.values() for s in group if s.claim.patient_key}
    )
    credits = uow.patient_ledger.held_credits(patients, pcns)
    rc = RunContext(
        uow, ctx, remittance, source, policy, entry, uow.payments.existing(list(keys.values())), keys
    )
    posted: set[str] = set()
    for run in runs(payments, claims, credits):
        visits = {p.patient_control_number for p in run.payments}
        if visits & posted:
            claims |= uow.claims.by_control_numbers(sorted(visits & posted))
        post_run(run, claims, rc)
        posted |= visits


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
