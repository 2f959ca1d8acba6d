"""Draft claims from a visit's charges and the structural scrub (837 TR3 required elements)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.claim_builder import draft_claim, scrub
from revcycle.domain.claims import ClaimKind
from revcycle.domain.patients import Coverage, CoverageRank
from revcycle.domain.visits import Encounter, PatientClass

D = Decimal
DAY = date(2026, 11, 22)
PRIMARY = Coverage("BCBS01", "MEM1", CoverageRank.PRIMARY)
SECONDARY = Coverage("MCD01", "MEM2", CoverageRank.SECONDARY)


def charge(
    code: str | None, amount: str, *mods: str, kind: ChargeType = ChargeType.CHARGE, **kw: object
) -> Charge:
    return Charge(
        "T1",
        "A|MRN1",
        "V1",
        DAY,
        procedure_code=code,
        modifiers=mods,
        amount=D(amount),
        charge_type=kind,
        **kw,  # type: ignore[arg-type]
    )


def visit(patient_class: PatientClass = PatientClass.OUTPATIENT, *dx: str) -> Encounter:
    return Encounter(
        "V1", "A|MRN1", patient_class, admitted_at=datetime(2026, 11, 22, tzinfo=UTC), diagnoses=dx
    )


def test_one_line_per_charge_with_control_numbers_and_the_primary_payer() -> None:
    charges = [charge("99213", "125.00", "25", diagnoses=("I10",)), charge("93000", "48.00")]
    claim = draft_claim("V1", "A|MRN1", charges, visit(), [SECONDARY, PRIMARY], billing_npi="1234567893")
    assert (claim.patient_control_number, claim.kind, claim.payer_id, claim.member_id) == (
        "V1",
        ClaimKind.PROFESSIONAL,
        "BCBS01",
        "MEM1",
    )
    assert [(x.line_number, x.procedure_code, x.modifiers, x.line_control_number) for x in claim.lines] == [
        (1, "99213", ("25",), "V1-1"),
        (2, "93000", (), "V1-2"),
    ]
    assert claim.total_charge == D("173.00") and claim.is_balanced
    assert (claim.statement_from, claim.statement_to) == (DAY, DAY)
    assert [(d.code, d.qualifier) for d in claim.diagnoses] == [("I10", "ABK")]
    assert scrub(claim) == []


def test_diagnoses_from_charges_first_then_the_visit_without_dots_or_repeats() -> None:
    claim = draft_claim(
        "V1",
        "K",
        [charge("99213", "1", diagnoses=("E11.9",))],
        visit(PatientClass.OUTPATIENT, "I10", "E119"),
        [PRIMARY],
    )
    assert [(d.code, d.qualifier) for d in claim.diagnoses] == [("E119", "ABK"), ("I10", "ABF")]


def test_a_credit_cancels_one_matching_charge_only() -> None:
    charges = [
        charge("36415", "25.00"),
        charge("36415", "25.00"),
        charge("36415", "25.00", kind=ChargeType.CREDIT),
        charge("36415", "25.00", "91", kind=ChargeType.CREDIT),  # reverses nothing billed
    ]
    claim = draft_claim("V1", "K", charges, visit(PatientClass.OUTPATIENT, "I10"), [PRIMARY])
    assert [x.procedure_code for x in claim.lines] == ["36415"]


def test_inpatient_visits_are_institutional_and_need_revenue_codes() -> None:
    coded = charge("99223", "300.00", revenue_code="0450")
    claim = draft_claim(
        "V1", "K", [coded, charge("80053", "40.00")], visit(PatientClass.INPATIENT, "I10"), [PRIMARY]
    )
    assert claim.kind is ClaimKind.INSTITUTIONAL
    assert scrub(claim) == ["line 2: no revenue code (SV201)"]


def test_the_scrub_lists_every_problem() -> None:
    claim = draft_claim("V1", "K", [charge(None, "0.00")], None, [])
    assert scrub(claim) == [
        "no primary coverage: no payer to bill (SBR, 2010BB)",
        "line 1: no procedure code (SV101)",
        "line 1: charge is not positive (SV102)",
        "no diagnosis (HI)",
    ]
    assert scrub(draft_claim("V1", "K", [], None, [PRIMARY]))[0] == "no billable charges (loop 2400)"
    unbalanced = dataclasses.replace(
        draft_claim("V1", "K", [charge("99213", "10.00")], visit(PatientClass.OUTPATIENT, "I10"), [PRIMARY]),
        total_charge=D("11.00"),
    )
    assert scrub(unbalanced) == ["total charge is not the sum of the lines (CLM02)"]
