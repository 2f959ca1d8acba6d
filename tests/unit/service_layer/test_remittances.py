"""835 remittances through the message bus: outcomes, denials, duplicates, unmatched payments,
reversals, balancing findings, and patient payments."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.posting import PostingTotals
from revcycle.domain.remittances import (
    ClaimPayment,
    ClaimPaymentStatus,
    PatientPayment,
    ProviderAdjustment,
    ServicePayment,
)
from tests.unit.service_layer.builders import (
    ACCOUNT,
    CO,
    OA,
    PR,
    D,
    Harness,
    ack277,
    ack999,
    adj,
    denied,
    paid_in_full,
    remittance,
    reversal_of,
    submit,
    with_zero_line,
)

S = ClaimStatus
F = FindingType


def accepted_claim(h: Harness, pcn: str = "PCN1001", visit: str = "V5001") -> int:
    h.send(submit(pcn, visit=visit))
    h.send(ack999("A"))
    h.send(ack277(pcn))
    return h.claim_ids(pcn)[-1]


# -- outcomes ----------------------------------------------------------------------------------------------


def test_contractual_and_patient_responsibility_only_is_paid(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(paid_in_full()))
    assert harness.store.claims.get(claim_id).adjudication is S.PAID
    totals = harness.store.claims.totals(claim_id)
    assert (totals.paid, totals.patient_responsibility, totals.contractual) == (
        D("130.00"),
        D("30.00"),
        D("40.00"),
    )
    assert harness.findings == []


def test_a_line_paid_zero_makes_the_claim_partially_paid(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(with_zero_line()))
    assert harness.store.claims.get(claim_id).adjudication is S.PARTIALLY_PAID
    assert harness.transitions(claim_id)[-2:] == [
        ("accepted", "partially_paid"),
        ("partially_paid", "posted"),
    ]
    totals = harness.store.claims.totals(claim_id)
    assert (totals.paid, totals.patient_responsibility, totals.contractual) == (
        D("130.00"),
        D("10.00"),
        D("60.00"),
    )
    # The claim is not denied, but its unpaid line is: one line-level denial in the work queue.
    [finding] = harness.findings
    assert finding.type is F.DENIAL and finding.severity is Severity.MEDIUM
    assert finding.details["whole_claim"] is False and finding.details["denied_lines"] == [2]
    assert finding.details["carc"] == ["CO-97"]
    assert harness.store.postings.claim_totals(claim_id).denied == D("50.00")


def test_an_other_adjustment_makes_the_claim_partially_paid(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    payment = dataclasses.replace(
        paid_in_full(),
        paid=D("120.00"),
        adjustments=(adj(OA, "23", "10"),),  # 200 - 70 - 10 = 120
    )
    harness.send(remittance(payment))
    assert harness.store.claims.get(claim_id).adjudication is S.PARTIALLY_PAID


def test_a_line_applied_to_the_deductible_is_not_a_denied_line(harness: Harness) -> None:
    claim_level, line_level = accepted_claim(harness, "PCN1001"), accepted_claim(harness, "PCN1002")
    on_claim = ClaimPayment(
        "PCN1001",
        ClaimPaymentStatus.PRIMARY,
        D("200.00"),
        D("100.00"),
        D("60.00"),
        adjustments=(adj(CO, "45", "40"), adj(PR, "1", "60")),
    )
    on_lines = ClaimPayment(
        "PCN1002",
        ClaimPaymentStatus.PRIMARY,
        D("200.00"),
        D("100.00"),
        D("60.00"),
        services=(
            ServicePayment(
                "99214", D("150.00"), D("100.00"), adjustments=(adj(CO, "45", "30"), adj(PR, "1", "20"))
            ),
            ServicePayment(
                "36415", D("50.00"), D("0.00"), adjustments=(adj(CO, "45", "10"), adj(PR, "1", "40"))
            ),
        ),
    )
    harness.send(remittance(on_claim, on_lines))
    assert harness.store.claims.get(claim_level).adjudication is S.PAID
    assert harness.store.claims.get(line_level).adjudication is S.PAID


# -- denials ------------------------------------------------------------------------------------------------


def test_a_denial_denies_the_claim_with_a_finding_carrying_the_carcs(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(denied()))
    assert harness.store.claims.get(claim_id).status is S.DENIED
    assert harness.transitions(claim_id)[-1] == ("accepted", "denied")
    [finding] = harness.findings
    assert finding.type is F.DENIAL
    assert finding.severity is Severity.HIGH
    assert (finding.subject_kind, finding.subject_id) == ("claim", str(claim_id))
    assert finding.details["carc"] == ["CO-16", "CO-29"]
    assert finding.details["remarks"] == ["N211", "MA130"]
    assert finding.details["charge"] == "200.00"
    assert "CO-16" in finding.summary and "CO-29" in finding.summary
    assert harness.store.claims.totals(claim_id).paid == 0


def test_zero_paid_and_zero_patient_responsibility_is_a_denial_whatever_clp02(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(dataclasses.replace(denied(), status=ClaimPaymentStatus.PRIMARY)))
    assert harness.store.claims.get(claim_id).status is S.DENIED
    assert [f.type for f in harness.findings] == [F.DENIAL]


def test_a_denial_without_adjustments_says_no_carc_given(harness: Harness) -> None:
    accepted_claim(harness)
    payment = ClaimPayment("PCN1001", ClaimPaymentStatus.DENIED, D("0.00"), D("0.00"))
    harness.send(remittance(payment))
    [finding] = harness.findings
    assert "no CARC given" in finding.summary
    assert finding.details["carc"] == []


def test_a_denied_claim_paid_on_appeal_becomes_paid(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(denied(), trace="TRN-1"))
    harness.send(remittance(paid_in_full(), trace="TRN-2"))
    assert harness.store.claims.get(claim_id).adjudication is S.PAID
    assert harness.store.claims.totals(claim_id).paid == D("130.00")


# -- duplicates and unmatched payments --------------------------------------------------------------------


def test_a_remittance_received_twice_is_applied_once(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    command = remittance(paid_in_full())
    harness.send(command)
    ctx = harness.send(command)
    totals = harness.store.claims.totals(claim_id)
    assert (totals.paid, totals.patient_responsibility, totals.contractual) == (
        D("130.00"),
        D("30.00"),
        D("40.00"),
    )
    assert len(harness.store.payments.rows) == 1
    assert [e.kind for e in harness.timeline(claim_id)].count("remittance") == 1
    assert harness.store.claims.get(claim_id).adjudication is S.PAID
    [finding] = harness.findings
    assert finding.type is F.DUPLICATE_REMITTANCE
    assert (finding.subject_kind, finding.subject_id) == ("remittance", "TRN-88001")
    assert finding.correlation_id == ctx.correlation_id


def test_a_remittance_received_three_times_is_still_applied_once(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    for _ in range(3):
        harness.send(remittance(paid_in_full()))
    assert harness.store.claims.totals(claim_id).paid == D("130.00")
    assert len(harness.of_type(F.DUPLICATE_REMITTANCE)) == 2


def test_a_duplicate_denial_does_not_raise_a_second_denial(harness: Harness) -> None:
    accepted_claim(harness)
    harness.send(remittance(denied()))
    harness.send(remittance(denied()))
    assert sorted(harness.store.findings.types()) == sorted([F.DENIAL, F.DUPLICATE_REMITTANCE])
    [denial] = harness.of_type(F.DENIAL)
    assert harness.store.findings.occurrences(denial.key) == 1


def test_the_same_payment_under_another_trace_is_applied_again(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(paid_in_full(), trace="TRN-1"))
    harness.send(remittance(paid_in_full(), trace="TRN-2"))
    assert harness.store.claims.totals(claim_id).paid == D("260.00")
    assert harness.of_type(F.DUPLICATE_REMITTANCE) == []


def test_a_payment_for_an_unknown_claim_is_unmatched(harness: Harness) -> None:
    accepted_claim(harness)
    harness.send(remittance(paid_in_full("PCN-UNKNOWN")))
    [payment] = harness.store.payments.rows
    assert payment.claim_id is None
    [finding] = harness.findings
    assert finding.type is F.UNMATCHED_REMITTANCE
    assert (finding.subject_kind, finding.subject_id) == ("payment", str(payment.id))
    assert harness.store.claims.totals(1).paid == 0
    assert harness.store.claims.get(1).status is S.ACCEPTED


def test_one_835_with_matched_unmatched_and_denied_claims(harness: Harness) -> None:
    paid_id = accepted_claim(harness, "PCN1001")
    denied_id = accepted_claim(harness, "PCN1002", visit="V5002")  # another visit: not a duplicate
    harness.send(remittance(paid_in_full("PCN1001"), denied("PCN1002"), paid_in_full("PCN-X")))
    assert harness.store.claims.get(paid_id).adjudication is S.PAID
    assert harness.store.claims.get(denied_id).status is S.DENIED
    assert sorted(harness.store.findings.types()) == sorted([F.DENIAL, F.UNMATCHED_REMITTANCE])
    assert [p.claim_id for p in harness.store.payments.rows] == [paid_id, denied_id, None]


# -- reversals ---------------------------------------------------------------------------------------------


def test_a_reversal_moves_a_paid_claim_to_reversed_and_takes_the_money_back(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(paid_in_full(), trace="TRN-1"))
    harness.send(remittance(reversal_of(paid_in_full()), paid_in_full(), trace="TRN-2", amount="0.00"))
    # The reversal reopens the claim and the corrected payment in the same 835 pays it again.
    assert harness.transitions(claim_id)[-4:] == [
        ("paid", "posted"),
        ("posted", "reversed"),
        ("reversed", "paid"),
        ("paid", "posted"),
    ]
    totals = harness.store.claims.totals(claim_id)
    assert (totals.paid, totals.patient_responsibility, totals.contractual) == (
        D("130.00"),
        D("30.00"),
        D("40.00"),
    )
    assert harness.findings == []


def test_a_reversal_alone_leaves_the_claim_reversed(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(with_zero_line(), trace="TRN-1"))
    harness.send(remittance(reversal_of(with_zero_line()), trace="TRN-2"))
    assert harness.store.claims.get(claim_id).status is S.REVERSED
    assert harness.store.claims.totals(claim_id).paid == 0
    assert harness.store.postings.claim_totals(claim_id) == PostingTotals()  # every amount nets out
    assert harness.store.findings.types() == [F.DENIAL]  # the first payment's unpaid line


def test_a_reversal_of_a_claim_never_adjudicated_is_an_illegal_transition_finding(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(reversal_of(paid_in_full())))
    assert harness.store.claims.get(claim_id).status is S.ACCEPTED
    [finding] = harness.findings
    assert finding.type is F.ILLEGAL_TRANSITION
    assert finding.summary == "claim cannot move from accepted to reversed"


def test_a_primary_reversal_after_a_secondary_claim_reverses_the_primary(harness: Harness) -> None:
    primary = accepted_claim(harness)
    harness.send(remittance(paid_in_full(), trace="TRN-1", payer_id="PAYER-A"))
    harness.send(submit(rank=2, payer_id="PAYER-B", group="1010"))
    secondary = harness.claim_ids()[-1]
    harness.send(remittance(reversal_of(paid_in_full()), trace="TRN-2", payer_id="PAYER-A"))
    assert harness.store.claims.totals(secondary).paid == 0
    assert harness.store.claims.get(secondary).status is S.SUBMITTED
    assert harness.store.claims.get(primary).status is S.REVERSED
    assert harness.of_type(F.ILLEGAL_TRANSITION) == []


def test_secondary_payment_goes_to_the_secondary_claim(harness: Harness) -> None:
    primary = accepted_claim(harness)
    harness.send(remittance(paid_in_full(), trace="TRN-1"))
    harness.send(submit(rank=2, payer_id="PAYER-B", group="1010"))
    secondary = harness.claim_ids()[-1]
    second = dataclasses.replace(paid_in_full(), status=ClaimPaymentStatus.SECONDARY)
    harness.send(remittance(second, trace="TRN-2", payer_id="PAYER-B"))
    assert harness.store.claims.get(secondary).adjudication is S.PAID
    assert harness.store.claims.totals(primary).paid == D("130.00")
    assert harness.store.claims.totals(secondary).paid == D("130.00")


def test_a_primary_payment_with_only_a_secondary_claim_falls_back_to_it(harness: Harness) -> None:
    harness.send(submit(rank=2, payer_id="PAYER-B"))
    harness.send(remittance(paid_in_full()))
    assert harness.claims()[0].adjudication is S.PAID
    assert harness.findings == []


# -- balancing -----------------------------------------------------------------------------------------------


def test_an_unbalanced_claim_payment_is_a_finding_and_still_applied(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    unbalanced = dataclasses.replace(paid_in_full(), paid=D("125.00"))  # 200 - 70 != 125
    harness.send(remittance(unbalanced))
    [payment] = harness.store.payments.rows
    [finding] = harness.of_type(F.REMITTANCE_UNBALANCED)
    assert (finding.subject_kind, finding.subject_id) == ("payment", str(payment.id))
    assert finding.summary.endswith("= 5.00")
    assert harness.store.claims.totals(claim_id).paid == D("125.00")
    assert harness.store.findings.types() == [F.REMITTANCE_UNBALANCED]


def test_an_unbalanced_transaction_is_a_finding(harness: Harness) -> None:
    claim_id = accepted_claim(harness)
    harness.send(remittance(paid_in_full(), amount="100.00"))
    [finding] = harness.findings
    assert finding.type is F.REMITTANCE_UNBALANCED
    assert (finding.subject_kind, finding.subject_id) == ("remittance", "TRN-88001")
    assert "difference -30.00" in finding.summary
    assert harness.store.claims.get(claim_id).adjudication is S.PAID


def test_provider_level_adjustments_balance_the_transaction(harness: Harness) -> None:
    accepted_claim(harness)
    plb = (ProviderAdjustment("1234567893", "WO", D("30.00"), reference="OVERPAY-1"),)
    harness.send(remittance(paid_in_full(), amount="100.00", plb=plb))
    assert harness.findings == []


def test_a_provider_adjustment_missing_from_bpr02_is_a_finding(harness: Harness) -> None:
    accepted_claim(harness)
    plb = (ProviderAdjustment("1234567893", "L6", D("-2.50")),)  # interest paid: BPR02 should be 132.50
    harness.send(remittance(paid_in_full(), amount="130.00", plb=plb))
    [finding] = harness.findings
    assert finding.type is F.REMITTANCE_UNBALANCED
    assert "difference -2.50" in finding.summary


def test_a_duplicate_unbalanced_transaction_counts_one_more_occurrence(harness: Harness) -> None:
    accepted_claim(harness)
    harness.send(remittance(paid_in_full(), amount="100.00"))
    harness.send(remittance(paid_in_full(), amount="100.00"))
    [unbalanced] = harness.of_type(F.REMITTANCE_UNBALANCED)
    assert harness.store.findings.occurrences(unbalanced.key) == 2
    assert len(harness.of_type(F.DUPLICATE_REMITTANCE)) == 1


# -- patient payments ----------------------------------------------------------------------------------------


def test_a_patient_payment_goes_to_the_outbox_without_phi(harness: Harness) -> None:
    received = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)
    payment = PatientPayment(
        account=ACCOUNT, amount=D("25.00"), received_at=received, method="card", reference="R77"
    )
    ctx = harness.send(c.RecordPatientPayment(payment), c.RecordPatientPayment(payment))
    [row] = harness.store.outbox.all()  # the same payment twice in one message is one outbox row
    assert row.topic == "patient_payment"
    assert row.key == f"patient_payment:{ctx.correlation_id}:R77"
    assert row.payload == {"amount": "25.00", "method": "card", "received_at": received.isoformat()}
    assert ACCOUNT not in repr(row)
    assert harness.findings == []
