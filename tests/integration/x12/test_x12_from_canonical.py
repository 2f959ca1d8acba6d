"""Canonical claims -> 837P / 837I (``claims_to_837``), proven by round trips and by pyx12.

Every 837P / 837I sample that maps to ``SubmitClaim`` commands is mapped to canonical claims, generated
back to an 837 from the canonical claims alone, parsed and mapped again: the canonical claims must be
equal (lifecycle ``status`` / ``history`` reset). ``patient_key`` is compared only for claims whose
patient is the subscriber: a dependent's identity (2000C) is not on the canonical claim, so the
generated file names the subscriber as the patient. pyx12 validates every generated file with no error.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from revcycle.adapters.formats import x12
from revcycle.adapters.formats.x12.errors import X12MappingError
from revcycle.adapters.formats.x12.from_canonical import PLACEHOLDER_NAME, claims_to_837
from revcycle.adapters.formats.x12.models837 import Address, Contact, Party, Reference
from revcycle.adapters.formats.x12.writer import Party12
from revcycle.domain import claims as dc
from revcycle.domain.commands import SubmitClaim

pytest.importorskip("pyx12")
from tests.integration.x12.pyx12_oracle import validate

US = Party12("ZZ", "REVCYCLE", "REVCYCLE")
PAYER = Party12("ZZ", "PAYER01", "PAYER01")
NOW = datetime(2026, 11, 22, 9, 30)
# Fictitious sender-side parties (not PHI): the submitter, the receiver and the billing provider template.
SUBMITTER = Party(
    "41", "2", "REVCYCLE BILLING", id_qualifier="46", identifier="REVCYCLE",
    contacts=(Contact("IC", "BILLING DESK", (("TE", "5555550100"),)),),
)  # fmt: skip
RECIPIENT = Party("40", "2", "EXAMPLE PAYER", id_qualifier="46", identifier="PAYER01")
BILLING = Party(
    "85", "2", "EXAMPLE CLINIC",
    address=Address("1 MAIN STREET", city="SPRINGFIELD", state="IL", postal_code="627010001"),
    references=(Reference("EI", "123456789"),),
)  # fmt: skip
KINDS = {"837P": dc.ClaimKind.PROFESSIONAL, "837I": dc.ClaimKind.INSTITUTIONAL}


def _submissions(raw: bytes) -> list[SubmitClaim]:
    commands = x12.to_commands(x12.parse(raw), x12.identify(raw))
    return [c for c in commands if isinstance(c, SubmitClaim)]


def _comparable(claim: dc.Claim, *, keep_patient_key: bool) -> dc.Claim:
    return dataclasses.replace(
        claim,
        status=dc.ClaimStatus.DRAFT,
        history=[],
        patient_key=claim.patient_key if keep_patient_key else None,
    )


def _generate(claims: list[dc.Claim], kind: dc.ClaimKind, control: int) -> bytes:
    return claims_to_837(
        claims, kind=kind, sender=US, receiver=PAYER, submitter=SUBMITTER, recipient=RECIPIENT,
        billing_provider=BILLING, control_number=control, now=NOW,
    )  # fmt: skip


def _samples(root: Path) -> list[tuple[Path, list[SubmitClaim]]]:
    found = []
    for path in sorted((root / "x12").iterdir()):
        raw = path.read_bytes()
        if b"ST*837*" not in raw:
            continue
        submissions = _submissions(raw)
        if submissions:
            found.append((path, submissions))
    return found


def test_canonical_round_trip_and_pyx12(shared_data: Path) -> None:
    samples = _samples(shared_data)
    assert len(samples) == 10  # 13 837 samples; the three imsweb ones are rejected (no SubmitClaim)
    for control, (path, submissions) in enumerate(samples, start=20):
        claims = [s.claim for s in submissions]
        kinds = {c.kind for c in claims}
        assert len(kinds) == 1, path.name
        kind = kinds.pop()
        generated = _generate(claims, kind, control)
        again = _submissions(generated)
        assert [KINDS[t.variant] for t in x12.parse(generated).claims()] == [kind], path.name
        assert len(again) == len(submissions), path.name
        for before, after in zip(submissions, again, strict=True):
            self_patient = (
                before.patient is not None
                and before.patient.key == f"x12:{before.claim.payer_id}|{before.claim.member_id}"
            )
            assert _comparable(after.claim, keep_patient_key=self_patient) == _comparable(
                before.claim, keep_patient_key=self_patient
            ), path.name
            assert after.patient is not None and after.patient.family_name == PLACEHOLDER_NAME
            assert after.patient.birth_date is None
        ok, errors = validate(generated)
        assert (ok, errors) == (True, set()), path.name


def test_replacement_void_prior_auth_procedures_and_cob() -> None:
    """Fields no sample exercises: REF*F8 for 7 / 8, REF*G1, 837I procedures, COB, line overrides."""
    line = dc.ClaimLine(
        1, "99213", Decimal("100.00"), modifiers=("25",), diagnosis_pointers=(1, 2),
        line_control_number="L1", service_date=datetime(2026, 11, 1).date(),
        service_date_end=datetime(2026, 11, 3).date(), place_of_service="22", rendering_npi="1234567893",
    )  # fmt: skip
    professional = dc.Claim(
        "PCN1", dc.ClaimKind.PROFESSIONAL, Decimal("100.00"), member_id="M1", payer_id="P1", payer_rank=2,
        billing_npi="1234567893", rendering_npi="1999996666", referring_npi="1999996666",
        facility_code="11", place_of_service="11", frequency=dc.Frequency.REPLACEMENT,
        payer_claim_control_number="PAYER-CCN-1", prior_authorization="AUTH1",
        diagnoses=(dc.Diagnosis("J069", "ABK"), dc.Diagnosis("R509", "ABF")), lines=(line,),
        other_payer_paid=Decimal("40.00"), patient_key="x12:P1|M1",
    )  # fmt: skip
    institutional = dc.Claim(
        "PCN2", dc.ClaimKind.INSTITUTIONAL, Decimal("50.00"), member_id="M2", payer_id="P1",
        billing_npi="1234567893", attending_npi="1999996666", facility_code="11",
        frequency=dc.Frequency.VOID, payer_claim_control_number="PAYER-CCN-2",
        statement_from=datetime(2026, 11, 1).date(), statement_to=datetime(2026, 11, 2).date(),
        type_of_bill="118", diagnoses=(dc.Diagnosis("J069", "ABK"),), procedures=("0DTJ4ZZ", "0DB64Z3"),
        lines=(dc.ClaimLine(1, None, Decimal("50.00"), revenue_code="0450",
                            service_date=datetime(2026, 11, 1).date()),),
        patient_key="x12:P1|M2",
    )  # fmt: skip
    for control, claim in enumerate((professional, institutional), start=40):
        generated = _generate([claim], claim.kind, control)
        again = [s.claim for s in _submissions(generated)]
        assert again == [claim]
        ok, errors = validate(generated)
        assert (ok, errors) == (True, set()), claim.kind


def test_missing_required_identifiers_and_mixed_kinds_are_refused() -> None:
    claim = dc.Claim("PCN", dc.ClaimKind.PROFESSIONAL, Decimal(1), member_id="M", payer_id="P")
    with pytest.raises(X12MappingError):
        _generate([claim], dc.ClaimKind.PROFESSIONAL, 50)
    with pytest.raises(X12MappingError):
        _generate([claim], dc.ClaimKind.INSTITUTIONAL, 51)
