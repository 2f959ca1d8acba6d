"""Every 835 sample in shared/data/x12, posted on SQLite and PostgreSQL against claims built from what it
pays (as the 837 would have billed them: the original code when the payer changed it, no line control
number when the payer returned none): each claim payment finds its claim, each service line its claim
line, and each posting balances (charge = paid + contractual + patient + other + denied)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from revcycle.adapters.codesets.carc import LazyReasonCodes
from revcycle.adapters.formats.registry import load_registry
from revcycle.adapters.store.schema import claim_payments, findings, line_postings, payment_postings
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain import commands as c
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, Remittance
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.handlers.remittances import PostingPolicy, configured
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext

SAMPLES = [
    "badx12__X221-era-sample.edi",
    "badx12__X221-multiple-claims-single-check.edi",
    "edi835parser__emedny_sample.txt",
    "edi835parser__united_healthcare_legacy_sample.txt",
    "lfhx12__cob-contractural-adjustment.835",
    "lfhx12__managed-care.835",
    "lfhx12__medicare-part-a.835",
    "lfhx12__secondary-payment.835",
    "oopfactory__835_Example1.txt",
    "pyx12__835_mult_loops.txt",
    "tigershark__5010-835-example-1.txt",
]
RANKS = {"2": 2, "20": 2, "3": 3, "21": 3}


def remittance_of(path: Path) -> Remittance:
    formats = load_registry()
    raw = path.read_bytes()
    envelope = formats.identify(raw)
    adapter = formats.adapter(envelope.format)
    [command] = [
        x for x in adapter.to_commands(adapter.parse(raw), envelope) if isinstance(x, c.RecordRemittance)
    ]
    return command.remittance


def billed(payments: list[ClaimPayment], payer_id: str | None) -> Claim:
    """The claim those payments pay, every service of theirs one line (a sample may pay one control
    number in pieces)."""
    services = [s for p in payments for s in p.services]
    lines = tuple(
        ClaimLine(
            line_number=number,
            procedure_code=s.submitted_code or s.procedure_code,
            charge=abs(s.charge),
            modifiers=s.submitted_modifiers if s.submitted_code else s.modifiers,
            line_control_number=s.line_control_number,
            service_date=s.service_date,
        )
        for number, s in enumerate(services, start=1)
    )
    first = payments[0]
    return Claim(
        patient_control_number=first.patient_control_number,
        kind=ClaimKind.PROFESSIONAL,
        total_charge=sum((line.charge for line in lines), Decimal("0.00")) or abs(first.charge),
        payer_id=payer_id,
        payer_rank=RANKS.get(first.status.value, 1),
        lines=lines,
    )


def context(n: int) -> MessageContext:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC) + timedelta(seconds=n)
    return MessageContext(correlation_id=f"sample-{n}", received_at=now, now=now)


@pytest.mark.parametrize("name", SAMPLES)
def test_835_sample_posts_against_the_claims_it_pays(engine: Engine, shared_data: Path, name: str) -> None:
    remittance = remittance_of(shared_data / "x12" / name)
    bus = MessageBus({**HANDLERS, **configured(PostingPolicy(Decimal("0.50"), LazyReasonCodes()))})
    paid_together: dict[tuple[str, int], list[ClaimPayment]] = {}
    for payment in remittance.claims:
        paid_together.setdefault((payment.patient_control_number, RANKS.get(payment.status.value, 1)), [])
        paid_together[(payment.patient_control_number, RANKS.get(payment.status.value, 1))].append(payment)
    with SqlUnitOfWork(engine) as uow:
        for n, payments in enumerate(paid_together.values()):
            claim = billed([p for p in payments if not p.is_reversal] or payments, remittance.payer_id)
            bus.handle(c.SubmitClaim(claim, None, f"G{n}", "0001"), uow, context(n))
        bus.handle(c.RecordRemittance(remittance), uow, context(99))
        uow.commit()
    with engine.connect() as conn:
        payments = conn.execute(select(claim_payments).order_by(claim_payments.c.id)).all()
        postings = {r.payment_id: r for r in conn.execute(select(payment_postings))}
        lines = conn.execute(select(line_postings)).all()
        raised = conn.execute(select(findings.c.type, findings.c.details)).all()
    assert len(payments) == len(remittance.claims)
    assert all(p.claim_id is not None for p in payments), "every claim payment finds its claim"
    assert len(postings) == len(payments)
    for payment, source in zip(payments, remittance.claims, strict=True):
        posted = postings[payment.id]
        assert posted.claim_id == payment.claim_id
        parts = posted.paid + posted.contractual + posted.patient_responsibility + posted.other_adjustments
        assert posted.charge == parts + posted.denied == source.charge, name
    assert len(lines) == sum(len(p.services) for p in remittance.claims)
    assert all(line.match != "unmatched" for line in lines), [line.procedure_code for line in lines]
    kinds = {t for t, _ in raised}
    assert "unmatched_remittance" not in kinds
    # Claim payments all balance; a transaction whose BPR02 disagrees with its CLPs and PLBs is flagged.
    assert ("remittance_unbalanced" in kinds) == (remittance.balance_difference != 0)
    assert "duplicate_remittance" not in kinds  # one check may pay look-alike claims: none is a resend
    if "illegal_transition" in kinds:  # only a reversal of what this store never saw adjudicated
        assert any(p.is_reversal for p in remittance.claims)
    for kind, details in raised:
        if kind == "denial":
            assert details["reasons"] and all(r["meaning"] for r in details["reasons"]), details
    if any(p.status is ClaimPaymentStatus.DENIED for p in remittance.claims):
        assert "denial" in kinds
