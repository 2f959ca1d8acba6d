"""Money: claim total against its lines; timely filing against the payer's limit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.rules.facts import PayerFacts
from revcycle.domain.rules.money import claim_balance, timely_filing
from tests.unit.rules.builders import DOS, charge_facts, claim, claim_facts, line, reference


def test_a_claim_whose_total_differs_from_its_lines() -> None:
    c = claim(line(1, "99213", "100.00"), line(2, "36415", "25.00"), total_charge=D("130.00"))
    [found] = claim_balance(claim_facts(c), reference())
    assert found.type is FindingType.CLAIM_UNBALANCED
    assert found.details == {"total_charge": "130.00", "line_total": "125.00"}
    assert list(claim_balance(claim_facts(claim()), reference())) == []


def facts(days_after: int, limit: int | None = 90) -> object:
    return charge_facts(
        as_of=date.fromordinal(DOS.toordinal() + days_after), payer=PayerFacts("PAYER-A", limit), charge_id=8
    )


def test_a_charge_past_the_payers_filing_limit() -> None:
    [found] = timely_filing(facts(120), reference())  # type: ignore[arg-type]
    assert (found.type, found.severity) == (FindingType.TIMELY_FILING_RISK, Severity.HIGH)
    assert found.details == {
        "payer_id": "PAYER-A",
        "days_after_service": 120,
        "limit_days": 90,
        "days_left": -30,
    }
    assert "past the deadline" in found.summary


def test_a_charge_inside_the_margin_is_a_risk_and_one_well_before_is_not() -> None:
    [risk] = timely_filing(facts(80), reference())  # type: ignore[arg-type]
    assert risk.severity is Severity.MEDIUM and risk.details["days_left"] == 10
    assert list(timely_filing(facts(70), reference())) == []  # type: ignore[arg-type]
    assert list(timely_filing(facts(400, None), reference())) == []  # type: ignore[arg-type]
    assert list(timely_filing(charge_facts(as_of=date(2027, 1, 1)), reference())) == []  # payer unknown


def test_a_line_charged_below_the_contracted_amount_per_unit() -> None:
    from revcycle.domain.rules.money import below_fee_schedule

    c = claim(line(1, "99213", "80.00"), line(2, "36415", "10.00", units=D("2")), line(3, "71046", "250.00"))
    contracted = {"99213": D("92.00"), "36415": D("4.00"), "71046": D("32.00")}
    [found] = below_fee_schedule(claim_facts(c, contracted=contracted), reference())
    assert found.type is FindingType.CHARGE_VARIANCE
    assert found.details == {"line": 1, "code": "99213", "charge_per_unit": "80.00", "contracted": "92.00"}
    modifier_priced = claim(line(1, "73030", "40.00", modifiers=("26",)))
    assert (
        list(
            below_fee_schedule(
                claim_facts(modifier_priced, contracted={"73030": D("50"), "73030:26": D("12")}), reference()
            )
        )
        == []
    )
    assert list(below_fee_schedule(claim_facts(c), reference())) == []  # no contract: nothing to compare
