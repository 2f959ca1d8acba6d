"""Patient payments applied to the patient's balances through the message bus (fakes): the claim it
names, oldest first, credit (also when the payer's 835 comes later), refunds, closure and reopening."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from revcycle.domain import commands as c
from revcycle.domain.charges import ChargeType
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.money import ZERO
from revcycle.domain.remittances import PatientPayment
from tests.unit.service_layer.builders import (
    ACCOUNT,
    KEY,
    D,
    Harness,
    ack277,
    ack999,
    charge,
    paid_in_full,
    remittance,
    submit,
)

S = ClaimStatus
AT = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)


def posted(h: Harness, pcn: str = "PCN1001", n: int = 1) -> int:
    """An accepted claim paid 130 by the payer, PR-2 30 left to the patient (posted)."""
    h.send(submit(pcn, group=f"10{n}", transaction=f"000{n}"))
    h.send(ack999("A", f"10{n}", f"000{n}"))
    h.send(ack277(pcn))
    h.send(remittance(paid_in_full(pcn), trace=f"TRN-{n}"))
    claim_id = h.claim_ids(pcn)[-1]
    assert h.store.claims.get(claim_id).status is S.POSTED
    return claim_id


def pay(amount: str, *, pcn: str | None = None, reference: str = "R1") -> c.RecordPatientPayment:
    return c.RecordPatientPayment(
        PatientPayment(ACCOUNT, D(amount), AT, "card", reference, patient_control_number=pcn)
    )


def applied(h: Harness, claim_id: int) -> D:
    return sum((a.amount for a in h.store.patient_ledger.applications if a.claim_id == claim_id), ZERO)


def credit(h: Harness, *visits: str) -> D:
    return sum((cr.unapplied for cr in h.store.patient_ledger.credits(KEY, visits)), ZERO)


def test_paying_the_patient_share_closes_the_claim_and_shows_on_its_timeline(harness: Harness) -> None:
    claim_id = posted(harness)
    harness.send(pay("30.00"))
    assert applied(harness, claim_id) == D("30.00") and credit(harness) == ZERO
    assert harness.store.claims.get(claim_id).status is S.CLOSED
    assert harness.transitions(claim_id)[-1] == ("posted", "closed")
    [event] = [e for e in harness.timeline(claim_id) if e.kind == "patient_payment"]
    assert event.detail["amount"] == "30.00" and event.detail["reference"] == "R1"
    assert ACCOUNT not in repr(event.detail) and KEY not in repr(event.detail)


def test_a_part_payment_leaves_the_claim_posted(harness: Harness) -> None:
    claim_id = posted(harness)
    harness.send(pay("12.50"))
    assert applied(harness, claim_id) == D("12.50")
    assert harness.store.claims.get(claim_id).status is S.POSTED


def test_payments_go_to_the_named_claim_else_the_oldest(harness: Harness) -> None:
    first, second = posted(harness, "PCN1001", 1), posted(harness, "PCN1002", 2)
    harness.send(pay("10.00", pcn="PCN1002", reference="R1"))
    assert (applied(harness, first), applied(harness, second)) == (ZERO, D("10.00"))
    harness.send(pay("40.00", reference="R2"))  # names nothing: the oldest first
    assert (applied(harness, first), applied(harness, second)) == (D("30.00"), D("20.00"))
    assert harness.store.claims.get(first).status is S.CLOSED
    assert harness.store.claims.get(second).status is S.POSTED


def test_an_overpayment_leaves_a_credit(harness: Harness) -> None:
    claim_id = posted(harness)
    harness.send(pay("50.00"))
    assert applied(harness, claim_id) == D("30.00") and credit(harness) == D("20.00")
    assert harness.store.claims.get(claim_id).status is S.CLOSED


def test_a_copay_paid_before_the_835_is_credit_the_835_then_uses(harness: Harness) -> None:
    harness.send(pay("30.00", pcn="PCN1001"))  # the account is not known yet: the visit it names is
    assert credit(harness, "PCN1001") == D("30.00")
    harness.send(submit("PCN1001"))
    harness.send(ack999("A"))
    harness.send(ack277("PCN1001"))
    harness.send(remittance(paid_in_full()))
    claim_id = harness.claim_ids()[-1]
    assert harness.store.claims.get(claim_id).status is S.CLOSED  # posted, credit applied, closed
    assert harness.transitions(claim_id)[-2:] == [("paid", "posted"), ("posted", "closed")]
    assert applied(harness, claim_id) == D("30.00") and credit(harness, "PCN1001") == ZERO
    assert [e.kind for e in harness.timeline(claim_id)].count("patient_credit_applied") == 1


def test_a_refund_takes_credit_first_then_reopens_a_closed_claim(harness: Harness) -> None:
    claim_id = posted(harness)
    harness.send(pay("40.00"))  # 30 applied, 10 credit
    harness.send(pay("-10.00", reference="RF1"))
    assert credit(harness) == ZERO and applied(harness, claim_id) == D("30.00")
    assert harness.store.claims.get(claim_id).status is S.CLOSED
    harness.send(pay("-30.00", reference="RF2"))  # a returned payment: the patient owes it again
    assert applied(harness, claim_id) == ZERO
    assert harness.store.claims.get(claim_id).status is S.POSTED
    assert harness.transitions(claim_id)[-1] == ("closed", "posted")
    assert [a.kind for a in harness.store.patient_ledger.applications][-1] == "refund"


def test_a_dft_payment_line_is_applied_to_the_visit_it_names(harness: Harness) -> None:
    claim_id = posted(harness)
    line = charge("PAY-1", code=None, charge_type=ChargeType.PAYMENT, amount="-30.00", visit="PCN1001")
    harness.send(c.CaptureCharges(KEY, (line,), "PCN1001"))
    assert applied(harness, claim_id) == D("30.00")  # a payment sent as a credit amount is still paid
    assert harness.store.claims.get(claim_id).status is S.CLOSED
    [row] = harness.store.patient_ledger.rows
    assert row.payment.source == "hl7" and row.payment.reference == "PAY-1"


def test_the_same_payment_twice_in_one_message_is_applied_once(harness: Harness) -> None:
    claim_id = posted(harness)
    harness.send(pay("10.00"), pay("10.00"))
    assert applied(harness, claim_id) == D("10.00") and len(harness.store.patient_ledger.rows) == 1
    harness.send(pay("10.00"))  # a second message: a second payment
    assert applied(harness, claim_id) == D("20.00")


def test_a_claim_still_owed_by_the_payer_does_not_close(harness: Harness) -> None:
    harness.send(submit("PCN1001"))
    harness.send(ack999("A"))
    harness.send(ack277("PCN1001"))
    full = paid_in_full()
    # Only the 99214 line (150.00) adjudicated: the 36415 line (50.00) is still owed by the payer.
    short = replace(full, charge=D("200.00"), paid=D("100.00"), patient_responsibility=D("20.00"))
    short = replace(short, services=full.services[:1])
    harness.send(remittance(short, amount=str(short.paid)))
    claim_id = harness.claim_ids()[-1]
    harness.send(pay("30.00"))
    assert harness.store.claims.get(claim_id).status is S.POSTED
