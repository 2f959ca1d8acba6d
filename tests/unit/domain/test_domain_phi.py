"""PHI marking: which fields are protected health information, and without_phi()."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import date, datetime
from decimal import Decimal

import pytest

from revcycle.domain import journals
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine
from revcycle.domain.commands import RegisterPatient, SubmitClaim
from revcycle.domain.patients import Address, Coverage, Patient, Sex
from revcycle.domain.phi import PHI, phi_field, phi_fields, without_phi
from revcycle.domain.remittances import PatientPayment
from revcycle.domain.visits import Encounter

PATIENT = Patient(
    mrn="MRN00042",
    family_name="Doe",
    given_name="Jane",
    birth_date=date(1980, 2, 29),
    sex=Sex.FEMALE,
    account="ACCT-7781",
    address=Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701"),
    phone="217-555-0100",
    assigning_authority="HOSP",
)
COVERAGE = Coverage(payer_id="BCBS", member_id="XYZ123456789", subscriber_name="Doe^John", group_number="G1")


def test_patient_phi_fields() -> None:
    marked = phi_fields(Patient)
    assert {"mrn", "family_name", "given_name", "birth_date", "account", "address", "phone"} <= marked
    assert "sex" not in marked
    assert "assigning_authority" not in marked


def test_address_phi_fields_keep_state_out() -> None:
    # Safe Harbor allows the state; street, city and ZIP are identifiers.
    assert phi_fields(Address) == {"line1", "city", "postal_code"}


def test_coverage_member_id_and_subscriber_name_are_phi() -> None:
    marked = phi_fields(Coverage)
    assert "member_id" in marked
    assert "subscriber_name" in marked
    assert "payer_id" not in marked
    assert "group_number" not in marked


def test_claim_member_id_is_phi() -> None:
    marked = phi_fields(Claim)
    assert "member_id" in marked
    assert "total_charge" not in marked
    assert "status" not in marked


def test_phi_field_helper_marks_metadata() -> None:
    @dataclasses.dataclass
    class Sample:
        plain: int = 0
        secret: str | None = phi_field()
        must: str = phi_field(default="x")

    fields = {f.name: f for f in dataclasses.fields(Sample)}
    assert fields["secret"].metadata[PHI] is True
    assert PHI not in fields["plain"].metadata
    assert phi_fields(Sample) == {"secret", "must"}
    assert Sample().secret is None
    assert Sample().must == "x"


def test_required_phi_field_has_no_default() -> None:
    with pytest.raises(TypeError):
        Patient()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Coverage(payer_id="P")  # type: ignore[call-arg]


def test_without_phi_drops_patient_identifiers() -> None:
    out = without_phi(PATIENT)
    assert out == {"sex": Sex.FEMALE, "assigning_authority": "HOSP"}
    flat = repr(out)
    for value in ("MRN00042", "Doe", "Jane", "1980", "ACCT-7781", "Main St", "Springfield", "62701", "555"):
        assert value not in flat


def test_without_phi_on_address_keeps_state_only() -> None:
    assert without_phi(PATIENT.address) == {"state": "IL"}


def test_without_phi_recurses_into_nested_dataclasses_and_tuples() -> None:
    command = RegisterPatient(
        patient=PATIENT,
        coverages=(COVERAGE,),
        encounter=Encounter(visit_number="V1", patient_key="k", admitted_at=datetime(2024, 3, 1, 8, 0)),
    )
    out = without_phi(command)
    assert out["patient"] == {"sex": Sex.FEMALE, "assigning_authority": "HOSP"}
    assert isinstance(out["coverages"], list)
    assert "member_id" not in out["coverages"][0]
    assert "subscriber_name" not in out["coverages"][0]
    assert out["coverages"][0]["payer_id"] == "BCBS"
    assert out["encounter"]["visit_number"] == "V1"
    assert "XYZ123456789" not in repr(out)
    assert "MRN00042" not in repr(out)


def test_without_phi_on_claim_drops_member_id_and_keeps_lines() -> None:
    claim = Claim(
        patient_control_number="PCN1",
        kind=ClaimKind.PROFESSIONAL,
        total_charge=Decimal("100.00"),
        member_id="XYZ123456789",
        lines=(ClaimLine(1, "99213", Decimal("100.00"), modifiers=("25",)),),
    )
    out = without_phi(SubmitClaim(claim=claim))
    assert "member_id" not in out["claim"]
    assert out["claim"]["lines"][0]["procedure_code"] == "99213"
    assert out["claim"]["lines"][0]["modifiers"] == ["25"]  # tuples come back as lists
    assert "XYZ123456789" not in repr(out)


def test_without_phi_keeps_non_dataclass_sequences() -> None:
    encounter = Encounter(visit_number="V1", patient_key="k", diagnoses=("E119", "I10"))
    assert without_phi(encounter)["diagnoses"] == ["E119", "I10"]


# -- journals: PHI-free by construction ---------------------------------------------------------------

FREE_TEXT_OR_PHI_WORDS = (
    "name",
    "memo",
    "description",
    "note",
    "text",
    "comment",
    "birth",
    "mrn",
    "member",
    "address",
)


def _journal_dataclasses() -> list[type]:
    return [
        obj
        for _, obj in inspect.getmembers(journals, inspect.isclass)
        if dataclasses.is_dataclass(obj) and obj.__module__ == journals.__name__
    ]


def test_journal_module_has_the_expected_dataclasses() -> None:
    names = {cls.__name__ for cls in _journal_dataclasses()}
    assert {"JournalLine", "JournalEntry"} <= names


@pytest.mark.parametrize("cls", _journal_dataclasses(), ids=lambda c: c.__name__)
def test_journal_dataclasses_have_no_phi_fields(cls: type) -> None:
    assert phi_fields(cls) == frozenset()


@pytest.mark.parametrize("cls", _journal_dataclasses(), ids=lambda c: c.__name__)
def test_journal_dataclasses_have_no_free_text_field_names(cls: type) -> None:
    for f in dataclasses.fields(cls):
        for word in FREE_TEXT_OR_PHI_WORDS:
            assert word not in f.name.lower(), f"{cls.__name__}.{f.name} looks like free text or PHI"


# -- known gaps in PHI marking (see report) ----------------------------------------------------------


def test_patient_payment_account_is_phi_like_patient_account() -> None:
    assert "account" in phi_fields(Patient)
    assert "account" in phi_fields(PatientPayment)


def test_patient_key_embeds_the_mrn() -> None:
    # Documented behaviour, relied on by the report: the identity key contains the MRN verbatim.
    assert PATIENT.key == "HOSP|MRN00042"
    assert Patient(mrn="M1").key == "|M1"


def test_without_phi_on_a_claim_does_not_leak_the_mrn_through_patient_key() -> None:
    claim = Claim(
        patient_control_number="PCN1",
        kind=ClaimKind.PROFESSIONAL,
        total_charge=Decimal("0.00"),
        patient_key=PATIENT.key,
    )
    assert "MRN00042" not in repr(without_phi(claim))
