"""Remittance posting in the domain: line matching (REF*6R, SVC06, code + modifiers + date, dropped
modifier, revenue code), posting totals by CAS group, balances, and expected vs paid per contract."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from revcycle.domain.claims import ClaimLine
from revcycle.domain.master_data import Contract, FeeScheduleEntry
from revcycle.domain.posting import (
    ClaimBalance,
    LineMatch,
    MatchMethod,
    PostingTotals,
    allowed_amount,
    expected_allowed,
    line_totals,
    match_lines,
    payment_totals,
    underpayment,
)
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    ServicePayment,
)

D = Decimal
CO, PR, OA = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY, AdjustmentGroup.OTHER
DAY, NEXT_DAY = date(2026, 2, 16), date(2026, 2, 17)
M = MatchMethod


def line(
    number: int, code: str | None, charge: str, *mods: str, control: str | None = None, day: date = DAY
) -> ClaimLine:
    return ClaimLine(
        line_number=number,
        procedure_code=code,
        charge=D(charge),
        modifiers=mods,
        line_control_number=control,
        service_date=day,
    )


def svc(code: str | None, charge: str, paid: str, *mods: str, **kw: object) -> ServicePayment:
    return ServicePayment(code, D(charge), D(paid), modifiers=mods, service_date=kw.pop("day", DAY), **kw)  # type: ignore[arg-type]


def adj(group: AdjustmentGroup, reason: str, amount: str) -> Adjustment:
    return Adjustment(group, reason, D(amount))


CLAIM_LINES = (
    line(1, "99214", "150.00", "25", control="L1"),
    line(2, "36415", "50.00", control="L2"),
    line(3, "93000", "48.00", control="L3"),
)


def methods(matches: tuple[LineMatch, ...]) -> list[tuple[int | None, MatchMethod]]:
    return [(m.line.line_number if m.line else None, m.method) for m in matches]


# -- line matching -------------------------------------------------------------------------------------


def test_ref_6r_matches_whatever_the_code_and_order() -> None:
    services = (
        svc("93000", "48.00", "30.00", line_control_number="L3"),
        svc("99999", "150.00", "100.00", line_control_number="L1"),  # a code we never billed: 6R wins
    )
    assert methods(match_lines(CLAIM_LINES, services)) == [
        (3, M.LINE_CONTROL_NUMBER),
        (1, M.LINE_CONTROL_NUMBER),
    ]


def test_without_6r_lines_match_by_code_modifiers_and_date() -> None:
    services = (svc("36415", "50.00", "30.00"), svc("99214", "150.00", "100.00", "25"))
    assert methods(match_lines(CLAIM_LINES, services)) == [
        (2, M.CODE_MODIFIERS_DATE),
        (1, M.CODE_MODIFIERS_DATE),
    ]


def test_a_dropped_modifier_still_matches_its_line() -> None:
    [match] = match_lines(CLAIM_LINES, (svc("99214", "150.00", "100.00"),))
    assert (match.line, match.method) == (CLAIM_LINES[0], M.MODIFIER_DROPPED)


def test_a_changed_code_matches_by_the_original_in_svc06() -> None:
    downcoded = svc("99213", "150.00", "80.00", submitted_code="99214", submitted_modifiers=("25",))
    [match] = match_lines(CLAIM_LINES, (downcoded,))
    assert (match.line, match.method) == (CLAIM_LINES[0], M.SUBMITTED_CODE)


def test_a_changed_code_without_svc06_or_6r_is_unmatched() -> None:
    [match] = match_lines(CLAIM_LINES, (svc("99213", "150.00", "80.00"),))
    assert (match.line, match.method) == (None, M.UNMATCHED)


def test_the_date_of_service_must_agree_when_both_are_known() -> None:
    [match] = match_lines(CLAIM_LINES, (svc("36415", "50.00", "30.00", day=NEXT_DAY),))
    assert match.method is M.UNMATCHED


def test_two_payments_of_the_same_code_take_two_lines_in_order() -> None:
    lines = (line(1, "97110", "40.00"), line(2, "97110", "40.00"))
    services = (
        svc("97110", "40.00", "20.00"),
        svc("97110", "40.00", "20.00"),
        svc("97110", "40.00", "20.00"),
    )
    assert methods(match_lines(lines, services)) == [
        (1, M.CODE_MODIFIERS_DATE),
        (2, M.CODE_MODIFIERS_DATE),
        (None, M.UNMATCHED),
    ]


def test_a_line_taken_by_6r_is_not_matched_again_by_code() -> None:
    services = (svc("36415", "50.00", "30.00"), svc("36415", "50.00", "30.00", line_control_number="L2"))
    assert methods(match_lines(CLAIM_LINES, services)) == [(None, M.UNMATCHED), (2, M.LINE_CONTROL_NUMBER)]


def test_institutional_lines_match_by_revenue_code() -> None:
    lines = (dataclasses.replace(line(1, None, "900.00"), revenue_code="0450"),)
    [match] = match_lines(lines, (svc("0450", "900.00", "600.00"),))
    assert match.method is M.REVENUE_CODE_DATE


# -- posting totals --------------------------------------------------------------------------------------


def test_line_totals_split_by_group() -> None:
    paid = svc(
        "99214", "150.00", "100.00", adjustments=(adj(CO, "45", "30"), adj(PR, "2", "15"), adj(OA, "23", "5"))
    )
    assert line_totals(paid) == PostingTotals(
        D("150.00"), D("100.00"), D("30.00"), D("15.00"), D("5.00"), D(0)
    )


def test_an_unpaid_line_without_patient_share_is_denied_not_written_off() -> None:
    denied = svc("36415", "50.00", "0.00", adjustments=(adj(CO, "97", "50"),))
    totals = line_totals(denied)
    assert (totals.contractual, totals.denied) == (D(0), D("50.00"))


def test_an_unpaid_line_applied_to_the_deductible_is_not_denied() -> None:
    deductible = svc("36415", "50.00", "0.00", adjustments=(adj(CO, "45", "10"), adj(PR, "1", "40")))
    totals = line_totals(deductible)
    assert (totals.contractual, totals.patient_responsibility, totals.denied) == (
        D("10.00"),
        D("40.00"),
        D(0),
    )


def test_a_claim_denied_without_lines_denies_its_claim_level_adjustments() -> None:
    payment = ClaimPayment(
        "PCN1", ClaimPaymentStatus.DENIED, D("200.00"), D("0.00"), adjustments=(adj(CO, "29", "200"),)
    )
    assert payment_totals(payment, denied_claim=True).denied == D("200.00")
    assert payment_totals(payment, denied_claim=False).contractual == D("200.00")


def test_a_reversal_nets_the_payment_out() -> None:
    services = (
        svc("99214", "150.00", "100.00", adjustments=(adj(CO, "45", "30"), adj(PR, "2", "20"))),
        svc("36415", "50.00", "0.00", adjustments=(adj(CO, "97", "50"),)),
    )
    payment = ClaimPayment(
        "PCN1", ClaimPaymentStatus.PRIMARY, D("200.00"), D("100.00"), D("20.00"), services=services
    )
    negated = dataclasses.replace(
        payment,
        status=ClaimPaymentStatus.REVERSAL,
        charge=-payment.charge,
        paid=-payment.paid,
        services=tuple(
            dataclasses.replace(
                s,
                charge=-s.charge,
                paid=-s.paid,
                adjustments=tuple(dataclasses.replace(a, amount=-a.amount) for a in s.adjustments),
            )
            for s in services
        ),
    )
    forward = payment_totals(payment, denied_claim=False)
    assert forward.denied == D("50.00")
    assert forward + payment_totals(negated, denied_claim=False) == PostingTotals()


def test_balances_after_a_partial_payment() -> None:
    posted = PostingTotals(D("173.00"), D("80.00"), D("53.00"), D("20.00"), D(0), D("20.00"))
    balance = ClaimBalance(D("173.00"), posted)
    assert (balance.insurance_balance, balance.patient_balance) == (D("20.00"), D("20.00"))
    assert ClaimBalance(D("173.00"), posted, patient_paid=D("20.00")).patient_balance == D(0)
    assert balance.as_dict()["contractual"] == "53.00"


# -- expected vs paid -------------------------------------------------------------------------------------

CONTRACT = Contract(
    "C-1",
    "PAYER-A",
    fee_schedule=(
        FeeScheduleEntry("99214", D("110.00")),
        FeeScheduleEntry("99214", D("120.00"), modifier="25"),
        FeeScheduleEntry("97110", D("30.00")),
    ),
    tolerance=D("0.50"),
)


def paid_line(code: str, charge: str, allowed: str, *mods: str, units: str | None = None) -> ServicePayment:
    co = D(charge) - D(allowed)
    return svc(
        code, charge, allowed, *mods, adjustments=(adj(CO, "45", str(co)),), units=D(units) if units else None
    )


def test_expected_is_the_modifier_rate_times_units_capped_at_the_charge() -> None:
    assert expected_allowed(CONTRACT, CLAIM_LINES[0], paid_line("99214", "150.00", "120.00", "25")) == D(
        "120.00"
    )
    therapy = line(1, "97110", "200.00")
    assert expected_allowed(CONTRACT, therapy, paid_line("97110", "200.00", "90.00", units="3")) == D("90.00")
    cheap = line(1, "97110", "50.00")
    assert expected_allowed(CONTRACT, cheap, paid_line("97110", "50.00", "50.00", units="3")) == D("50.00")
    assert expected_allowed(CONTRACT, CLAIM_LINES[1], paid_line("36415", "50.00", "10.00")) is None


def test_allowed_is_amt_b6_else_charge_less_contractual() -> None:
    assert allowed_amount(paid_line("99214", "150.00", "101.00")) == D("101.00")
    assert allowed_amount(
        dataclasses.replace(paid_line("99214", "150.00", "101.00"), allowed=D("99.00"))
    ) == D("99.00")


def test_underpayment_beyond_the_tolerance_only() -> None:
    match = LineMatch(paid_line("99214", "150.00", "119.50", "25"), CLAIM_LINES[0], M.CODE_MODIFIERS_DATE)
    assert underpayment(CONTRACT, match, D("5.00")) is None  # 0.50 short: within the contract's tolerance
    short = LineMatch(paid_line("99214", "150.00", "102.00", "25"), CLAIM_LINES[0], M.MODIFIER_DROPPED)
    found = underpayment(CONTRACT, short, D("5.00"))
    assert found is not None and (found.expected, found.allowed, found.shortfall) == (
        D("120.00"),
        D("102.00"),
        D("18.00"),
    )


def test_the_default_tolerance_applies_when_the_contract_has_none() -> None:
    loose = dataclasses.replace(CONTRACT, tolerance=D(0))
    match = LineMatch(paid_line("99214", "150.00", "117.00", "25"), CLAIM_LINES[0], M.CODE_MODIFIERS_DATE)
    assert underpayment(loose, match, D("5.00")) is None
    assert underpayment(loose, match, D("1.00")) is not None


def test_denied_and_unmatched_lines_are_not_underpayments() -> None:
    denied = LineMatch(
        svc("99214", "150.00", "0.00", adjustments=(adj(CO, "50", "150"),)),
        CLAIM_LINES[0],
        M.CODE_MODIFIERS_DATE,
    )
    assert underpayment(CONTRACT, denied, D("0.50")) is None
    unmatched = LineMatch(paid_line("99214", "150.00", "10.00"), None, M.UNMATCHED)
    assert underpayment(CONTRACT, unmatched, D("0.50")) is None
