"""Claims built from a visit's charges (no 837 came in): draft, scrubbed or not ready, then submitted by
the 837 that carries them, and acknowledged by that 837's 999."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.claims import ClaimKind, ClaimStatus
from revcycle.domain.findings import FindingType
from revcycle.domain.patients import Coverage
from revcycle.domain.visits import PatientClass
from tests.unit.service_layer.builders import (
    KEY,
    PATIENT,
    PRIMARY_COVERAGE,
    SECONDARY_COVERAGE,
    D,
    Harness,
    ack999,
    charge,
    encounter,
    submit,
)

S = ClaimStatus


def visit(
    h: Harness,
    *charges: Charge,
    coverages: tuple[Coverage, ...] = (PRIMARY_COVERAGE, SECONDARY_COVERAGE),
    patient_class: PatientClass = PatientClass.OUTPATIENT,
) -> None:
    seen = encounter()
    seen.patient_class, seen.diagnoses = patient_class, ("I10",)
    h.send(c.AdmitPatient(PATIENT, seen, coverages))
    h.send(c.CaptureCharges(KEY, charges, "V5001"))


def test_a_visit_with_coded_charges_becomes_a_scrubbed_claim(harness: Harness) -> None:
    visit(harness, charge("FT1-1"), charge("FT1-2", code="36415", amount="50.00"))
    ctx = harness.send(c.BuildClaim(KEY, "V5001", billing_npi="1234567893"))
    [claim] = harness.claims("V5001")
    assert claim.status is S.SCRUBBED and claim.kind is ClaimKind.PROFESSIONAL
    assert [d.code for d in claim.diagnoses] == ["I10"] and claim.billing_npi == "1234567893"
    assert claim.payer_id == "PAYER-A" and claim.payer_rank == 1 and claim.total_charge == D("200.00")
    assert [(line.line_control_number, line.procedure_code) for line in claim.lines] == [
        ("V5001-1", "99214"),
        ("V5001-2", "36415"),
    ]
    claim_id = harness.claim_ids("V5001")[0]
    assert [e.kind for e in harness.timeline(claim_id)] == ["built", "transition"]
    assert harness.timeline(claim_id)[-1].correlation_id == ctx.correlation_id
    assert harness.of_type(FindingType.CLAIM_NOT_READY) == []


def test_a_claim_that_fails_the_scrub_stays_draft_with_its_reasons(harness: Harness) -> None:
    visit(harness, charge("FT1-1", code=None), coverages=(), patient_class=PatientClass.INPATIENT)
    harness.send(c.BuildClaim(KEY, "V5001"))
    [claim] = harness.claims("V5001")
    assert claim.status is S.DRAFT and claim.kind is ClaimKind.INSTITUTIONAL  # an inpatient visit: 837I
    [finding] = harness.of_type(FindingType.CLAIM_NOT_READY)
    assert finding.details["problems"][0].startswith("no primary coverage")
    assert "line 1: no revenue code (SV201)" in finding.details["problems"]
    assert "(and " in finding.summary


def test_a_credit_cancels_the_charge_it_reverses(harness: Harness) -> None:
    visit(harness, charge("FT1-1"), charge("FT1-2", code="36415", amount="50.00"))
    harness.send(
        c.CaptureCharges(
            KEY, (charge("FT1-3", code="36415", amount="50.00", charge_type=ChargeType.CREDIT),), "V5001"
        )
    )
    harness.send(c.BuildClaim(KEY, "V5001"))
    [claim] = harness.claims("V5001")
    assert [line.procedure_code for line in claim.lines] == ["99214"] and claim.total_charge == D("150.00")


def test_the_837_submits_the_built_claim_and_its_999_acknowledges_it(harness: Harness) -> None:
    visit(harness, charge("FT1-1"), charge("FT1-2", code="36415", amount="50.00"))
    harness.send(c.BuildClaim(KEY, "V5001"))
    built = harness.claim_ids("V5001")[0]
    harness.send(submit("V5001", group="7001", transaction="0001"))
    assert harness.claim_ids("V5001") == [built]  # the same claim, not a duplicate
    claim = harness.store.claims.get(built)
    assert claim.status is S.SUBMITTED and claim.payer_claim_control_number is None
    assert claim.total_charge == D("200.00") and claim.visit_number == "V5001"
    assert harness.of_type(FindingType.DUPLICATE_CLAIM) == []
    harness.send(ack999("A", "7001", "0001"))
    assert harness.store.claims.get(built).status is S.ACKNOWLEDGED
    assert harness.transitions(built) == [
        ("draft", "scrubbed"),
        ("scrubbed", "submitted"),
        ("submitted", "acknowledged"),
    ]


def test_building_again_or_after_an_837_changes_nothing(harness: Harness) -> None:
    visit(harness, charge("FT1-1"))
    harness.send(submit("V5001"))
    harness.send(c.BuildClaim(KEY, "V5001"))
    [claim_id] = harness.claim_ids("V5001")
    assert harness.store.claims.get(claim_id).status is S.SUBMITTED
    assert harness.timeline(claim_id)[-1].kind == "build_requested"
