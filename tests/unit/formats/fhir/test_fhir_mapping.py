"""to_commands over the shared samples (spot checks of mapped values) and crafted Bundles."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir_cases import ACCEPTED, BUNDLE_COUNTS

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.base import Envelope, MappingError
from revcycle.adapters.formats.fhir.errors import FhirMappingError
from revcycle.adapters.formats.registry import load_registry
from revcycle.domain import commands as c
from revcycle.domain.charges import ChargeType
from revcycle.domain.claims import ClaimKind
from revcycle.domain.master_data import Facility, Provider
from revcycle.domain.patients import CoverageRank, Sex
from revcycle.domain.remittances import AdjustmentGroup, ClaimPaymentStatus
from revcycle.domain.visits import AppointmentStatus, EncounterStatus, PatientClass

SECRET = "Jane-Q-Secret-1234"

MAPPED: dict[str, list[str]] = {
    "bfd__claimMcsRead.json": ["SubmitClaim"],
    "bfd__claimResponseMcsRead.json": ["RecordClaimAck"],
    "bfd__eobReadCarrier.json": ["RecordRemittance"],
    "bfd__eobReadDme.json": ["RecordRemittance"],
    "bfd__eobReadInpatient.json": ["RecordRemittance"],
    "bfd__eobReadOutpatient.json": ["RecordRemittance"],
    "bfd__eobReadPde.json": ["RecordRemittance"],
    "bfd__patientRead.json": ["RegisterPatient"],
    "r4example__Appointment-2docs.json": ["BookAppointment"],
    "r4example__Appointment-example.json": ["BookAppointment"],
    "r4example__ChargeItem-example.json": ["CaptureCharges"],
    "r4example__ClaimResponse-R3500.json": ["RecordRemittance"],
    "r4example__ClaimResponse-R3501.json": ["RecordClaimAck"],
    "r4example__Encounter-f001.json": ["DischargePatient"],
    "r4example__Encounter-f002.json": ["DischargePatient"],
    "r4example__ExplanationOfBenefit-EB3500.json": ["RecordRemittance"],
    "r4example__Patient-example.json": ["RegisterPatient"],
    "r4example__Patient-f001.json": ["RegisterPatient"],
    "r4example__Patient-pat1.json": ["RegisterPatient"],
    "r4example__PaymentReconciliation-ER2500.json": ["RecordRemittance"],
    **{
        name: ["SubmitClaim"]
        for name in ACCEPTED
        if name.startswith("r4example__Claim-") and name != "r4example__Claim-100153.json"
    },
}
NOT_MAPPED = {  # decoded, but no command can be made from them alone (FhirMappingError, with why)
    "bfd__coverageRead.json": ("$.beneficiary", "Coverage is mapped with its Patient"),
    "r4example__Coverage-7546D.json": ("$.beneficiary", "Coverage is mapped with its Patient"),
    "r4example__Coverage-9876B1.json": ("$.beneficiary", "Coverage is mapped with its Patient"),
    "r4example__Coverage-SP1234.json": ("$.beneficiary", "Coverage is mapped with its Patient"),
    "r4example__Account-example.json": ("$.subject", "Account needs its Patient"),
    "r4example__Encounter-emerg.json": ("$.subject", "Encounter needs its Patient"),
    "r4example__Encounter-example.json": ("$.subject", "Encounter needs its Patient"),
    "r4example__Claim-100153.json": ("$.use", "Claim.use preauthorization is not supported"),
}


def _map(raw: bytes, sender: str | None = None) -> list[c.Command]:
    envelope = fhir.identify(raw)
    if sender is not None:
        envelope = Envelope(envelope.format, envelope.message_type, envelope.control_id, sender=sender)
    return list(fhir.to_commands(fhir.parse(raw), envelope))


def _sample(shared_data: Path, name: str) -> list[c.Command]:
    return _map((shared_data / "fhir" / name).read_bytes())


def test_every_accepted_sample_is_in_one_table() -> None:
    assert sorted([*MAPPED, *NOT_MAPPED]) == sorted(ACCEPTED)


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_samples_map_to_commands(shared_data: Path, name: str) -> None:
    assert [type(cmd).__name__ for cmd in _sample(shared_data, name)] == MAPPED[name]


@pytest.mark.parametrize("name", sorted(NOT_MAPPED))
def test_samples_that_cannot_be_mapped_alone(shared_data: Path, name: str) -> None:
    location, reason = NOT_MAPPED[name]
    with pytest.raises(FhirMappingError) as caught:
        _sample(shared_data, name)
    assert isinstance(caught.value, MappingError)
    assert caught.value.location == location and caught.value.reason.startswith(reason)


@pytest.mark.parametrize("name", sorted(BUNDLE_COUNTS))
def test_synthea_bundles_map_entry_by_entry(shared_data: Path, name: str) -> None:
    counts = BUNDLE_COUNTS[name]
    commands = _sample(shared_data, name)
    kinds = Counter(type(cmd).__name__ for cmd in commands)
    assert kinds["RegisterPatient"] == 1
    assert kinds["AdmitPatient"] == counts["Encounter"]  # every Synthea encounter is finished
    assert kinds["SubmitClaim"] == counts["Claim"]
    assert kinds["RecordRemittance"] == counts["ExplanationOfBenefit"]
    assert kinds["UpsertMasterData"] == counts["Organization"]  # practitioners: no valid NPI
    assert isinstance(commands[0], c.RegisterPatient)
    key = commands[0].patient.key
    assert all(cmd.claim.patient_key == key for cmd in commands if isinstance(cmd, c.SubmitClaim))
    submitted = {cmd.claim.patient_control_number for cmd in commands if isinstance(cmd, c.SubmitClaim)}
    remitted = {
        p.patient_control_number
        for cmd in commands
        if isinstance(cmd, c.RecordRemittance)
        for p in cmd.remittance.claims
    }
    assert remitted <= submitted  # every EOB points at a claim of the same bundle


def test_synthea_values(shared_data: Path) -> None:
    commands = _sample(shared_data, "synthea__Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json")
    register = commands[0]
    assert isinstance(register, c.RegisterPatient)
    patient = register.patient
    assert patient.key == "FHIR|d78af07c-9cb9-4f31-9b11-c45a28f2eec8"
    assert (patient.family_name, patient.given_name, patient.sex) == ("Kreiger", "Clemente", Sex.MALE)
    assert patient.birth_date == date(1984, 7, 2)
    master = commands[1]
    assert isinstance(master, c.UpsertMasterData) and master.kind == "facility"
    assert isinstance(master.records[0], Facility)
    admit = commands[2]
    assert isinstance(admit, c.AdmitPatient)
    visit = admit.encounter
    assert visit.visit_number == "afcee359-ffbb-4ae0-b54f-547eb3c58e68"
    assert visit.patient_class is PatientClass.OUTPATIENT and visit.status is EncounterStatus.DISCHARGED
    assert visit.admitted_at == datetime(2012, 9, 10, 15, 29, 24, tzinfo=UTC)
    assert visit.facility_code == master.records[0].code
    submit = next(cmd for cmd in commands if isinstance(cmd, c.SubmitClaim))
    claim = submit.claim
    assert claim.patient_control_number == "a93b70f2-c9a6-4dbd-9ed6-8f7c350f85af"
    assert claim.kind is ClaimKind.INSTITUTIONAL and claim.total_charge == Decimal("265.52")
    assert [(line.line_number, line.procedure_code, line.charge) for line in claim.lines] == [
        (1, "185349003", Decimal("0.00")),
        (2, "140", Decimal("140.52")),
    ]
    assert claim.visit_number == visit.visit_number and claim.payer_id == "private"
    assert claim.statement_from == date(2012, 9, 10)
    assert submit.patient == patient
    remit = next(cmd for cmd in commands if isinstance(cmd, c.RecordRemittance)).remittance
    payment = remit.claims[0]
    assert payment.patient_control_number == claim.patient_control_number
    assert (remit.payment_amount, payment.paid, payment.patient_responsibility) == (
        Decimal("112.42"),
        Decimal("112.42"),
        Decimal("28.10"),
    )
    line = payment.services[1]
    assert (line.charge, line.paid, line.allowed) == (Decimal("140.52"), Decimal("112.42"), Decimal("140.52"))
    assert [(a.group, a.reason, a.amount) for a in line.adjustments] == [
        (AdjustmentGroup.PATIENT_RESPONSIBILITY, "2", Decimal("28.10"))
    ]
    assert line.balance_difference == Decimal("0.00")


def test_blue_button_carrier_eob_balances_at_line_level(shared_data: Path) -> None:
    [command] = _sample(shared_data, "bfd__eobReadCarrier.json")
    assert isinstance(command, c.RecordRemittance)
    remittance = command.remittance
    assert (remittance.trace_number, remittance.payer_id, remittance.payment_amount) == (
        "9991831999",
        "CMS",
        Decimal("199.99"),
    )
    [payment] = remittance.claims
    [line] = payment.services
    assert (line.procedure_code, line.modifiers, line.charge, line.paid, line.allowed) == (
        "92999",
        ("LT",),
        Decimal("75.00"),
        Decimal("37.50"),
        Decimal("47.84"),
    )
    assert [(a.group.value, a.reason) for a in line.adjustments] == [("PR", "2"), ("CO", "45")]
    assert line.balance_difference == Decimal("0.00")
    assert payment.status is ClaimPaymentStatus.PRIMARY and line.service_date == date(1999, 10, 27)


def test_claim_response_and_its_rejection(shared_data: Path) -> None:
    [remit] = _sample(shared_data, "r4example__ClaimResponse-R3500.json")
    assert isinstance(remit, c.RecordRemittance)
    payment = remit.remittance.claims[0]
    assert payment.patient_control_number == "15476332402"  # last segment of the request URL
    assert (payment.charge, payment.paid, payment.patient_responsibility) == (
        Decimal("135.57"),
        Decimal("90.47"),
        Decimal("10.00"),
    )
    assert remit.remittance.trace_number == "201408-2-1569478"
    assert remit.remittance.payment_date == date(2014, 8, 31)
    [ack] = _sample(shared_data, "r4example__ClaimResponse-R3501.json")
    assert ack == c.RecordClaimAck("100156", False, "A3", "a002", "R3501")
    [pending] = _sample(shared_data, "bfd__claimResponseMcsRead.json")
    assert isinstance(pending, c.RecordClaimAck) and pending.accepted and pending.category_code == "A2"
    assert pending.patient_control_number == "m-654321"


def test_claim_values(shared_data: Path) -> None:
    [submit] = _sample(shared_data, "r4example__Claim-960150.json")
    assert isinstance(submit, c.SubmitClaim)
    claim = submit.claim
    assert (claim.patient_control_number, claim.patient_key, claim.payer_id) == ("960150", "FHIR|1", "2")
    assert claim.facility_code == "HOSP1234" and claim.procedures == ("SDI9901",)
    assert claim.lines[0].service_date == date(2014, 8, 16) and claim.is_balanced
    [bfd] = _sample(shared_data, "bfd__claimMcsRead.json")
    assert isinstance(bfd, c.SubmitClaim) and bfd.patient is not None
    assert bfd.claim.patient_key == "http://hl7.org/fhir/sid/us-mbi|123456MBI"  # contained, by identifier
    assert bfd.claim.diagnoses[0].code == "HF3IJIF" and bfd.claim.diagnoses[0].qualifier == "ABF"
    [contained] = _sample(shared_data, "r4example__Claim-100152.json")
    assert isinstance(contained, c.SubmitClaim)
    assert contained.claim.patient_key == "FHIR|Claim/100152#patient-1"  # contained, no identifier
    assert contained.claim.member_id == "12345" and contained.claim.payer_id == "123456"


def test_payment_reconciliation(shared_data: Path) -> None:
    [command] = _sample(shared_data, "r4example__PaymentReconciliation-ER2500.json")
    assert isinstance(command, c.RecordRemittance)
    remittance = command.remittance
    assert remittance.trace_number == "10-12345" and remittance.payment_amount == Decimal("7000.00")
    assert [(p.patient_control_number, p.paid) for p in remittance.claims] == [
        ("AB12345", Decimal("3500.00")),
        ("225476332699", Decimal("4000.00")),
    ]
    assert [(a.reason, a.amount) for a in remittance.provider_adjustments] == [
        ("advance", Decimal("1500.00"))
    ]


def test_charge_item_appointment_patient(shared_data: Path) -> None:
    [capture] = _sample(shared_data, "r4example__ChargeItem-example.json")
    assert isinstance(capture, c.CaptureCharges)
    [charge] = capture.charges
    assert (charge.transaction_id, charge.transaction_code, charge.procedure_code) == (
        "654321",
        "01510",
        None,
    )
    assert (charge.amount, charge.quantity, charge.charge_type) == (Decimal("40.00"), 1, ChargeType.CHARGE)
    assert (charge.service_date, charge.visit_number, capture.patient_key) == (
        date(2017, 1, 25),
        "example",
        "FHIR|example",
    )
    [book] = _sample(shared_data, "r4example__Appointment-example.json")
    assert isinstance(book, c.BookAppointment)
    appointment = book.appointment
    assert (appointment.appointment_id, appointment.patient_key, appointment.duration_minutes) == (
        "example",
        "FHIR|example",
        120,
    )
    assert appointment.status is AppointmentStatus.BOOKED and appointment.services[0].code == "52"
    [register] = _sample(shared_data, "r4example__Patient-example.json")
    assert isinstance(register, c.RegisterPatient)
    assert register.patient.address is not None and register.patient.address.city == "PleasantVille"


def test_sender_qualifies_the_patient_authority(shared_data: Path) -> None:
    raw = (shared_data / "fhir" / "r4example__Patient-pat1.json").read_bytes()
    [register] = _map(raw, sender="clinic-a")
    assert isinstance(register, c.RegisterPatient) and register.patient.key == "FHIR:clinic-a|pat1"


# --- crafted Bundles ---------------------------------------------------------------------------------


def _bundle(*resources: dict[str, Any], method: str = "POST") -> bytes:
    entries = [
        {"fullUrl": f"urn:uuid:{i}", "resource": r, "request": {"method": method, "url": r["resourceType"]}}
        for i, r in enumerate(resources)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode()


PATIENT = {"resourceType": "Patient", "name": [{"family": SECRET, "given": ["Q"]}], "gender": "female"}
COVERAGE = {
    "resourceType": "Coverage",
    "status": "active",
    "subscriberId": "M-77",
    "beneficiary": {"reference": "urn:uuid:0"},
    "payor": [{"reference": "urn:uuid:2"}],
    "order": 2,
    "class": [{"type": {"coding": [{"code": "group"}]}, "value": "G1"}],
    "period": {"start": "2026-01-01"},
}
PAYER = {
    "resourceType": "Organization",
    "id": "acme",
    "type": [{"coding": [{"code": "pay"}]}],
    "name": "Acme",
}


def test_bundle_folds_coverages_and_links_everything() -> None:
    encounter = {
        "resourceType": "Encounter",
        "id": "v1",
        "status": "in-progress",
        "class": {"code": "IMP"},
        "subject": {"reference": "urn:uuid:0"},
        "period": {"start": "2026-11-20T08:00:00-05:00"},
        "participant": [
            {"type": [{"coding": [{"code": "ATND"}]}], "individual": {"reference": "urn:uuid:4"}}
        ],
    }
    practitioner = {
        "resourceType": "Practitioner",
        "id": "doc",
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
        "name": [{"family": "Cardio", "given": ["Carl"]}],
    }
    account = {
        "resourceType": "Account",
        "identifier": [{"value": "ACCT-1"}],
        "status": "active",
        "subject": [{"reference": "urn:uuid:0"}],
        "coverage": [{"coverage": {"reference": "urn:uuid:1"}}],
    }
    commands = _map(_bundle(PATIENT, COVERAGE, PAYER, encounter, practitioner, account))
    assert [type(cmd).__name__ for cmd in commands] == [
        "RegisterPatient",
        "UpsertMasterData",
        "AdmitPatient",
        "UpsertMasterData",
        "RecordAccountEvent",
    ]
    register, payer, admit, provider, account_event = commands
    assert isinstance(register, c.RegisterPatient) and isinstance(admit, c.AdmitPatient)
    [coverage] = register.coverages
    assert (coverage.payer_id, coverage.member_id, coverage.rank, coverage.group_number) == (
        "acme",
        "M-77",
        CoverageRank.SECONDARY,
        "G1",
    )
    assert coverage.effective.start == date(2026, 1, 1)
    assert register.patient.key == "FHIR|0"  # no id: the urn:uuid of its entry
    assert isinstance(payer, c.UpsertMasterData) and payer.kind == "payer"
    assert admit.encounter.status is EncounterStatus.IN_PROGRESS
    assert admit.encounter.patient_class is PatientClass.INPATIENT
    assert admit.encounter.attending_npi == "1234567893" and admit.coverages == (coverage,)
    assert isinstance(provider, c.UpsertMasterData) and isinstance(provider.records[0], Provider)
    assert isinstance(account_event, c.RecordAccountEvent) and account_event.event == "add"
    assert account_event.patient.account == "ACCT-1" and account_event.coverages == (coverage,)


def test_put_entries_update_and_reschedule() -> None:
    appointment = {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2026-11-23T09:00:00Z",
        "end": "2026-11-23T09:30:00Z",
        "participant": [{"actor": {"reference": "urn:uuid:0"}}],
    }
    commands = _map(_bundle({**PATIENT, "id": "p1"}, appointment, method="PUT"))
    assert [type(cmd).__name__ for cmd in commands] == ["UpdatePatient", "RescheduleAppointment"]
    reschedule = commands[1]
    assert isinstance(reschedule, c.RescheduleAppointment)
    assert reschedule.appointment.duration_minutes == 30
    assert reschedule.appointment.patient_key == "FHIR|p1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("cancelled", "cancelled"), ("noshow", "no_show"), ("entered-in-error", "deleted")],
)
def test_appointment_cancellations(status: str, expected: str) -> None:
    doc = {
        "resourceType": "Appointment",
        "id": "a9",
        "status": status,
        "participant": [{"actor": {"reference": "Patient/p9"}}],
    }
    [command] = _map(json.dumps(doc).encode())
    assert command == c.CancelAppointment("a9", "FHIR|p9", expected)


def test_cancelled_encounter_and_credit_charge() -> None:
    encounter = {
        "resourceType": "Encounter",
        "id": "v2",
        "status": "cancelled",
        "subject": {"reference": "Patient/p"},
    }
    assert _map(json.dumps(encounter).encode()) == [c.CancelAdmit("FHIR|p", "v2")]
    charge = {
        "resourceType": "ChargeItem",
        "id": "ch",
        "status": "entered-in-error",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "93000"}]},
        "quantity": {"value": 2},
        "priceOverride": {"value": 150.005, "currency": "USD"},
    }
    [capture] = _map(json.dumps(charge).encode())
    assert isinstance(capture, c.CaptureCharges)
    assert capture.charges[0].charge_type is ChargeType.CREDIT
    assert (capture.charges[0].procedure_code, capture.charges[0].amount) == ("93000", Decimal("150.01"))
    assert _map(json.dumps({**charge, "status": "not-billable"}).encode()) == []


@pytest.mark.parametrize(
    ("resource", "location", "reason"),
    [
        (
            {"resourceType": "Claim", "id": "c", "use": "claim"},
            "$.entry[1].resource.patient",
            "Claim needs a patient",
        ),
        (
            {
                "resourceType": "Claim",
                "id": "c",
                "patient": {"reference": "Patient/p"},
                "total": {"value": "NaN"},
            },
            "$.entry[1].resource.total.value",
            "amount is not a usable number",
        ),
        (
            {
                "resourceType": "Claim",
                "id": "c",
                "patient": {"reference": "Patient/p"},
                "item": [{"quantity": {"value": "1e30"}}],
            },
            "$.entry[1].resource.item[0].quantity.value",
            "quantity is not a usable number",
        ),
        (
            {"resourceType": "Appointment", "id": "a", "participant": []},
            "$.entry[1].resource.participant",
            "Appointment needs",
        ),
        (
            {"resourceType": "Coverage", "beneficiary": {"reference": "urn:uuid:0"}},
            "$.entry[1].resource.payor",
            "Coverage needs payor",
        ),
    ],
)
def test_mapping_errors_name_the_element_not_the_value(
    resource: dict[str, Any], location: str, reason: str
) -> None:
    with pytest.raises(FhirMappingError) as caught:
        _map(_bundle({**PATIENT, "id": SECRET}, {**resource, "note": SECRET}))
    assert caught.value.location == location and caught.value.reason.startswith(reason)
    assert SECRET not in str(caught.value)


def test_registry_loads_the_fhir_adapter() -> None:
    registry = load_registry()
    adapter = registry.adapter("fhir")
    assert adapter.name == "fhir" and adapter.to_commands is fhir.to_commands
    raw = json.dumps({"resourceType": "Patient", "id": "x"}).encode()
    assert registry.identify(raw).message_type == "Patient"
