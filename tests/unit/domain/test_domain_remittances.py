"""835 remittances: balancing at line, claim and transaction level (TR3 1.10.2) and claim outcomes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revcycle.domain.claims import TRANSITIONS, ClaimStatus
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)

CO, PR, OA, PI, CR = (
    AdjustmentGroup.CONTRACTUAL,
    AdjustmentGroup.PATIENT_RESPONSIBILITY,
    AdjustmentGroup.OTHER,
    AdjustmentGroup.PAYER_INITIATED,
    AdjustmentGroup.CORRECTION,
)
D = Decimal


def adj(group: AdjustmentGroup, reason: str, amount: str) -> Adjustment:
    return Adjustment(group, reason, D(amount))


# CLP*PCN1*1*100*64*16*12*ABC123~ SVC*HC:99213*100*64~ CAS*CO*45*20~ CAS*PR*2*16~
LINE_99213 = ServicePayment(
    procedure_code="99213",
    charge=D("100.00"),
    paid=D("64.00"),
    allowed=D("80.00"),
    service_date=date(2024, 4, 2),
    adjustments=(adj(CO, "45", "20.00"), adj(PR, "2", "16.00")),
)
CLAIM_PAID = ClaimPayment(
    patient_control_number="PCN1",
    status=ClaimPaymentStatus.PRIMARY,
    charge=D("100.00"),
    paid=D("64.00"),
    patient_responsibility=D("16.00"),
    payer_claim_control_number="ABC123",
    services=(LINE_99213,),
)

# CLP*PCN2*1*175*100*20~ two lines; the venipuncture is bundled (CO-97) and paid zero.
CLAIM_WITH_DENIED_LINE = ClaimPayment(
    patient_control_number="PCN2",
    status=ClaimPaymentStatus.PRIMARY,
    charge=D("175.00"),
    paid=D("100.00"),
    patient_responsibility=D("20.00"),
    services=(
        ServicePayment(
            "99214", D("150.00"), D("100.00"), adjustments=(adj(CO, "45", "30"), adj(PR, "1", "20"))
        ),
        ServicePayment("36415", D("25.00"), D("0.00"), adjustments=(adj(CO, "97", "25"),)),
    ),
)


# -- balancing ---------------------------------------------------------------------------------------


def test_line_balances_charge_minus_adjustments_equals_paid() -> None:
    assert LINE_99213.balance_difference == 0


def test_unbalanced_line_reports_the_difference() -> None:
    line = ServicePayment(
        "99213", D("100.00"), D("65.00"), adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16"))
    )
    assert line.balance_difference == D("-1.00")
    short = ServicePayment(
        "99213", D("100.00"), D("60.00"), adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16"))
    )
    assert short.balance_difference == D("4.00")


def test_line_without_adjustments() -> None:
    assert ServicePayment("99213", D("50"), D("50")).balance_difference == 0
    assert ServicePayment("99213", D("50"), D("0")).balance_difference == D("50")


def test_claim_balances_with_line_level_adjustments() -> None:
    assert CLAIM_PAID.balance_difference == 0
    assert CLAIM_WITH_DENIED_LINE.balance_difference == 0


def test_claim_balances_with_claim_level_adjustments() -> None:
    payment = ClaimPayment(
        "PCN3",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("64"),
        D("16"),
        adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16")),
    )
    assert payment.balance_difference == 0


def test_claim_counts_claim_and_line_adjustments_together() -> None:
    # CLP-level CO-45 20 plus line-level PR-2 16.
    payment = ClaimPayment(
        "PCN4",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("64"),
        D("16"),
        adjustments=(adj(CO, "45", "20"),),
        services=(ServicePayment("99213", D("100"), D("64"), adjustments=(adj(PR, "2", "16"),)),),
    )
    assert payment.balance_difference == 0
    assert len(payment.all_adjustments) == 2
    assert payment.adjusted(CO) == D("20.00")
    assert payment.adjusted(PR) == D("16.00")
    assert payment.adjusted(OA) == D("0.00")


def test_unbalanced_claim() -> None:
    payment = ClaimPayment(
        "PCN5",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("70"),
        D("16"),
        adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16")),
    )
    assert payment.balance_difference == D("-6.00")
    assert payment.balance_difference != 0


def test_reversal_balances_with_negative_amounts() -> None:
    reversal = ClaimPayment(
        "PCN1",
        ClaimPaymentStatus.REVERSAL,
        D("-100"),
        D("-64"),
        D("-16"),
        adjustments=(adj(CO, "45", "-20"), adj(PR, "2", "-16")),
    )
    assert reversal.balance_difference == 0
    assert reversal.is_reversal


def test_transaction_balances_payment_against_claims() -> None:
    # BPR02 164 = CLP04 64 + CLP04 100
    remittance = Remittance("TRN1", "PAYER1", D("164.00"), claims=(CLAIM_PAID, CLAIM_WITH_DENIED_LINE))
    assert remittance.balance_difference == 0


def test_transaction_balances_with_provider_level_adjustments() -> None:
    # PLB*1234567893*20241231*WO:OVP1*10~ (recoupment reduces BPR02) and L6 interest -2.50 (increases it).
    remittance = Remittance(
        "TRN2",
        "PAYER1",
        D("156.50"),
        claims=(CLAIM_PAID, CLAIM_WITH_DENIED_LINE),
        provider_adjustments=(
            ProviderAdjustment("1234567893", "WO", D("10.00"), reference="OVP1"),
            ProviderAdjustment("1234567893", "L6", D("-2.50")),
        ),
    )
    assert remittance.balance_difference == 0


def test_unbalanced_transaction() -> None:
    remittance = Remittance(
        "TRN3",
        "PAYER1",
        D("164.00"),
        claims=(CLAIM_PAID, CLAIM_WITH_DENIED_LINE),
        provider_adjustments=(ProviderAdjustment("1234567893", "WO", D("10.00")),),
    )
    assert remittance.balance_difference == D("10.00")


def test_empty_transaction() -> None:
    assert Remittance("TRN4", None, D("0")).balance_difference == 0
    assert Remittance("TRN5", None, D("5")).balance_difference == D("5")


# -- outcome ------------------------------------------------------------------------------------------


def test_paid_with_contractual_and_patient_responsibility_only() -> None:
    assert CLAIM_PAID.outcome() is ClaimStatus.PAID


def test_paid_with_claim_level_adjustments_and_no_service_lines() -> None:
    payment = ClaimPayment(
        "P",
        ClaimPaymentStatus.SECONDARY,
        D("100"),
        D("64"),
        D("16"),
        adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16")),
    )
    assert payment.outcome() is ClaimStatus.PAID


def test_status_4_is_denied_whatever_the_amounts() -> None:
    denied = ClaimPayment(
        "P", ClaimPaymentStatus.DENIED, D("100"), D("0"), adjustments=(adj(CO, "50", "100"),)
    )
    assert denied.outcome() is ClaimStatus.DENIED
    odd = ClaimPayment("P", ClaimPaymentStatus.DENIED, D("100"), D("64"), D("16"))
    assert odd.outcome() is ClaimStatus.DENIED


def test_reversal_is_reversed() -> None:
    reversal = ClaimPayment(
        "PCN1",
        ClaimPaymentStatus.REVERSAL,
        D("-100"),
        D("-64"),
        D("-16"),
        adjustments=(adj(CO, "45", "-20"), adj(PR, "2", "-16")),
    )
    assert reversal.outcome() is ClaimStatus.REVERSED
    zero = ClaimPayment("PCN1", ClaimPaymentStatus.REVERSAL, D("-100"), D("0"))
    assert zero.outcome() is ClaimStatus.REVERSED


def test_a_zero_paid_line_makes_the_claim_partially_paid() -> None:
    assert CLAIM_WITH_DENIED_LINE.outcome() is ClaimStatus.PARTIALLY_PAID


def test_a_zero_charge_zero_paid_line_is_not_a_denied_line() -> None:
    payment = ClaimPayment(
        "P",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("64"),
        D("16"),
        services=(LINE_99213, ServicePayment("G8447", D("0.00"), D("0.00"))),
    )
    assert payment.outcome() is ClaimStatus.PAID


@pytest.mark.parametrize("group", [OA, PI])
@pytest.mark.parametrize("level", ["claim", "line"])
def test_other_or_payer_initiated_adjustments_make_it_partially_paid(
    group: AdjustmentGroup, level: str
) -> None:
    cas = (adj(CO, "45", "20"), adj(PR, "2", "16"), adj(group, "23", "4"))
    if level == "claim":
        payment = ClaimPayment("P", ClaimPaymentStatus.PRIMARY, D("100"), D("60"), D("16"), adjustments=cas)
    else:
        payment = ClaimPayment(
            "P",
            ClaimPaymentStatus.PRIMARY,
            D("100"),
            D("60"),
            D("16"),
            services=(ServicePayment("99213", D("100"), D("60"), adjustments=cas),),
        )
    assert payment.balance_difference == 0
    assert payment.outcome() is ClaimStatus.PARTIALLY_PAID


def test_correction_group_does_not_count_as_unexplained() -> None:
    payment = ClaimPayment(
        "P",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("60"),
        D("16"),
        adjustments=(adj(CO, "45", "20"), adj(PR, "2", "16"), adj(CR, "45", "4")),
    )
    assert payment.outcome() is ClaimStatus.PAID


def test_zero_paid_and_zero_patient_responsibility_is_denied() -> None:
    payment = ClaimPayment(
        "P", ClaimPaymentStatus.PRIMARY, D("100"), D("0"), D("0"), adjustments=(adj(CO, "96", "100"),)
    )
    assert payment.outcome() is ClaimStatus.DENIED


def test_zero_paid_but_all_to_deductible_is_not_a_denial() -> None:
    payment = ClaimPayment(
        "P",
        ClaimPaymentStatus.PRIMARY,
        D("100"),
        D("0"),
        D("80"),
        adjustments=(adj(CO, "45", "20"), adj(PR, "1", "80")),
    )
    assert payment.outcome() is ClaimStatus.PAID


@pytest.mark.parametrize(
    "payment",
    [CLAIM_PAID, CLAIM_WITH_DENIED_LINE, ClaimPayment("P", ClaimPaymentStatus.DENIED, D("1"), D("0"))],
    ids=["paid", "partial", "denied"],
)
def test_every_outcome_is_reachable_from_an_accepted_claim(payment: ClaimPayment) -> None:
    assert payment.outcome() in TRANSITIONS[ClaimStatus.ACCEPTED]
    assert payment.outcome() in TRANSITIONS[ClaimStatus.SUBMITTED]


def test_claim_payment_status_codes_are_the_clp02_codes() -> None:
    assert ClaimPaymentStatus("4") is ClaimPaymentStatus.DENIED
    assert ClaimPaymentStatus("22") is ClaimPaymentStatus.REVERSAL
    assert ClaimPaymentStatus("1") is ClaimPaymentStatus.PRIMARY
    assert {g.value for g in AdjustmentGroup} == {"CO", "PR", "OA", "PI", "CR"}
