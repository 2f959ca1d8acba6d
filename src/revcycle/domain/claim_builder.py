"""A draft claim from a visit's charges, for visits no 837 has come in for, and the structural scrub
that decides whether it is ready to submit.

The draft follows the 837P / 837I loops the generator writes (``adapters.formats.x12.from_canonical``):
CLM01 the visit number (the patient control number the 835 will return), one service line per charge
(a credit, FT1-6 = CD, cancels the charge it reverses: same code, modifiers and date), REF*6R
``<visit>-<n>``, the primary coverage's payer (SBR01 = P) and member id, the visit's diagnoses (charges'
DG1 pointers first). Inpatient visits become institutional claims (837I, lines by revenue code).

The scrub lists what would make a payer or clearinghouse reject the claim outright (837 TR3 required
elements): no payer, no lines, a line without a procedure code (professional) or revenue code
(institutional), no diagnosis, a total that is not the sum of the lines. Coding rules (code validity,
edits, fee variance) belong to the billing rules, which run on charges and claims alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine, Diagnosis
from revcycle.domain.money import ZERO, total
from revcycle.domain.patients import Coverage, CoverageRank
from revcycle.domain.visits import Encounter, PatientClass


def _billable(charges: Sequence[Charge]) -> list[Charge]:
    """Charges less the credits that reverse them (same service, code, modifiers)."""
    kept = [c for c in charges if c.charge_type is ChargeType.CHARGE]
    for credit in (c for c in charges if c.charge_type is ChargeType.CREDIT):
        same = next(
            (
                c
                for c in kept
                if (c.procedure_code or c.transaction_code)
                == (credit.procedure_code or credit.transaction_code)
                and sorted(c.modifiers) == sorted(credit.modifiers)
                and c.service_date == credit.service_date
            ),
            None,
        )
        if same is not None:
            kept.remove(same)
    return kept


def _diagnoses(encounter: Encounter | None, charges: Sequence[Charge]) -> tuple[Diagnosis, ...]:
    codes: list[str] = []
    for code in [d for c in charges for d in c.diagnoses] + list(encounter.diagnoses if encounter else ()):
        clean = code.replace(".", "").strip().upper()
        if clean and clean not in codes:
            codes.append(clean)
    return tuple(Diagnosis(code, "ABK" if n == 0 else "ABF") for n, code in enumerate(codes[:12]))


def draft_claim(
    visit_number: str,
    patient_key: str,
    charges: Sequence[Charge],
    encounter: Encounter | None,
    coverages: Sequence[Coverage],
    *,
    billing_npi: str | None = None,
) -> Claim:
    """The draft claim for a visit (status draft; see the module docstring for the mapping)."""
    primary = next(
        (c for c in sorted(coverages, key=lambda c: c.rank) if c.rank is CoverageRank.PRIMARY), None
    )
    institutional = encounter is not None and encounter.patient_class is PatientClass.INPATIENT
    billable = _billable(charges)
    lines = tuple(
        ClaimLine(
            line_number=n,
            procedure_code=c.procedure_code,
            charge=c.amount,
            units=c.quantity,
            modifiers=c.modifiers,
            revenue_code=c.revenue_code,
            diagnosis_pointers=(1,) if not institutional else (),
            line_control_number=f"{visit_number}-{n}",
            service_date=c.service_date,
            place_of_service=c.place_of_service,
            rendering_npi=c.performing_npi,
        )
        for n, c in enumerate(billable, start=1)
    )
    dates = [d for d in (c.service_date for c in billable) if d is not None]
    return Claim(
        patient_control_number=visit_number,
        kind=ClaimKind.INSTITUTIONAL if institutional else ClaimKind.PROFESSIONAL,
        total_charge=total(line.charge for line in lines),
        patient_key=patient_key,
        member_id=primary.member_id if primary else None,
        payer_id=primary.payer_id if primary else None,
        payer_rank=1,
        billing_npi=billing_npi,
        rendering_npi=next((c.performing_npi for c in billable if c.performing_npi), None),
        attending_npi=encounter.attending_npi if encounter else None,
        facility_code=encounter.facility_code if encounter else None,
        statement_from=min(dates) if dates else None,
        statement_to=max(dates) if dates else None,
        diagnoses=_diagnoses(encounter, billable),
        lines=lines,
        visit_number=visit_number,
    )


def scrub(claim: Claim) -> list[str]:
    """What keeps the claim from being submitted (empty when it is ready); PHI-free texts."""
    problems: list[str] = []
    if not claim.payer_id:
        problems.append("no primary coverage: no payer to bill (SBR, 2010BB)")
    if not claim.lines:
        problems.append("no billable charges (loop 2400)")
    for line in claim.lines:
        if claim.kind is ClaimKind.PROFESSIONAL and not line.procedure_code:
            problems.append(f"line {line.line_number}: no procedure code (SV101)")
        if claim.kind is ClaimKind.INSTITUTIONAL and not line.revenue_code:
            problems.append(f"line {line.line_number}: no revenue code (SV201)")
        if line.charge <= ZERO:
            problems.append(f"line {line.line_number}: charge is not positive (SV102)")
    if not claim.diagnoses:
        problems.append("no diagnosis (HI)")
    if not claim.is_balanced:
        problems.append("total charge is not the sum of the lines (CLM02)")
    return problems
