"""Money: a claim's total equal to its lines (X12 837 loop 2300 CLM02 = sum of SV102 / SV203); a charge
posted too close to (or past) the payer's timely-filing deadline."""

from __future__ import annotations

from collections.abc import Iterator

from revcycle.domain.findings import Finding, FindingType, Severity
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
