"""837 checks after the walk: 837P vs 837I detection, TR3-fixed values, and the loop 2300 balancing check.

Detection: SV2 or CL1 segments mean institutional (837I), SV1 professional (837P); without service lines
ST03, then GS08, decide (X222 = 837P, X223 = 837I). A header that disagrees with the content is reported
in a note, and the content wins.

Balancing (loop 2300): CLM02 must equal the sum of SV102 (837P) / SV203 (837I); a difference becomes a
:class:`~.models837.BalancingIssue` on the claim, never an exception.
"""

from __future__ import annotations

from collections.abc import Set

from revcycle.adapters.formats.x12.models837 import BalancingIssue, Claim, code_rank


def variant_from_reference(implementation: str) -> str | None:
    """837P for an X222 implementation reference, 837I for X223, else None."""
    if "X222" in implementation:
        return "837P"
    if "X223" in implementation:
        return "837I"
    return None


def detect_variant(seen: Set[str], st03: str, gs08: str) -> tuple[str, str | None]:
    """The variant and, when ST03 or GS08 names the other one, a note saying so."""
    if "SV2" in seen or "CL1" in seen:
        variant = "837I"
    elif "SV1" in seen:
        variant = "837P"
    else:
        variant = variant_from_reference(st03) or variant_from_reference(gs08) or "837P"
    for label, value in (("ST03", st03), ("GS08", gs08)):
        declared = variant_from_reference(value)
        if declared is not None and declared != variant:
            return variant, f"{label} names {declared} but the content is {variant}"
    return variant, None


def normalise(claim: Claim, variant: str) -> None:
    """Values the TR3 fixes: CLM05-2 (B in 837P, A in 837I), CLM06 not used in 837I, DTP*434 a period;
    HI codes in TR3 segment order (stable, so SV107 pointers keep their meaning)."""
    claim.codes = tuple(sorted(claim.codes, key=lambda c: code_rank(variant, c.qualifier)))
    if claim.facility_qualifier is None:
        claim.facility_qualifier = "A" if variant == "837I" else "B"
    if variant == "837I":
        claim.provider_signature = None
        for value in claim.dates:
            if value.qualifier == "434":
                value.period = True


def check_balance(claim: Claim, variant: str) -> None:
    """Loop 2300: CLM02 = sum of SV102 / SV203."""
    total = claim.line_charge_total
    if total != claim.total_charge:
        field = "SV203" if variant == "837I" else "SV102"
        claim.balancing_issues += (
            BalancingIssue(
                "claim_charge_mismatch",
                f"CLM02 total charge does not equal the sum of {field} line charges",
                expected=claim.total_charge,
                actual=total,
            ),
        )
