"""Money: a claim's total equal to its lines (X12 837 loop 2300 CLM02 = sum of SV102 / SV203); a line
charged below the payer's fee schedule; a charge posted too close to (or past) the payer's
timely-filing deadline."""

from __future__ import annotations

from collections.abc import Iterator

from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.money import money
from revcycle.domain.rules.base import finding
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts
from revcycle.domain.rules.reference import Reference


def claim_balance(facts: ClaimFacts, _: Reference) -> Iterator[Finding]:
    claim = facts.claim
    if claim.is_balanced:
        return
    yield finding(
        FindingType.CLAIM_UNBALANCED,
        Severity.HIGH,
        "claim",
        facts.claim_id,
        f"claim {facts.claim_id}: CLM02 {claim.total_charge} != sum of line charges {claim.line_total}",
        details={"total_charge": str(claim.total_charge), "line_total": str(claim.line_total)},
    )


def timely_filing(facts: ChargeFacts, reference: Reference) -> Iterator[Finding]:
    """Days from the date of service to the charge's entry, against the primary payer's filing limit
    (master data ``timely_filing_days``) less a margin (setting ``rule_timely_filing_margin_days``)."""
    charge, payer = facts.charge, facts.payer
    if payer is None or not payer.timely_filing_days or charge.service_date is None or facts.as_of is None:
        return
    age = (facts.as_of - charge.service_date).days
    left = payer.timely_filing_days - age
    if left > reference.thresholds.timely_filing_margin_days:
        return
    past = left < 0
    yield finding(
        FindingType.TIMELY_FILING_RISK,
        Severity.HIGH if past else Severity.MEDIUM,
        "charge",
        facts.charge_id,
        f"charge {facts.charge_id} entered {age} days after service; payer {payer.payer_id} allows "
        f"{payer.timely_filing_days} ({'past the deadline' if past else f'{left} days left'})",
        details={
            "payer_id": payer.payer_id,
            "days_after_service": age,
            "limit_days": payer.timely_filing_days,
            "days_left": left,
        },
    )


def below_fee_schedule(facts: ClaimFacts, reference: Reference) -> Iterator[Finding]:
    """A line charged below the payer's contracted amount: payers pay the lesser of the charge and the
    contract, so the difference is lost (a chargemaster price set below the fee schedule).
    ``Thresholds.fee_variance_low`` scales the contracted amount (1.0: any charge below it)."""
    low = reference.thresholds.fee_variance_low
    for line in facts.claim.lines:
        code = line.procedure_code
        if not code or line.units <= 0:
            continue
        modifier = line.modifiers[0] if line.modifiers else None
        contracted = facts.contracted.get(f"{code}:{modifier}") or facts.contracted.get(code)
        if contracted is None:
            continue
        per_unit = money(line.charge / line.units)
        if per_unit >= money(contracted * low):
            continue
        yield finding(
            FindingType.CHARGE_VARIANCE,
            Severity.MEDIUM,
            "claim",
            facts.claim_id,
            f"claim {facts.claim_id} line {line.line_number}: {code} charged {per_unit} per unit, below "
            f"the contracted {money(contracted)}",
            key_suffix=f"fee:{line.line_number}",
            details={
                "line": line.line_number,
                "code": code,
                "charge_per_unit": str(per_unit),
                "contracted": str(money(contracted)),
            },
        )
