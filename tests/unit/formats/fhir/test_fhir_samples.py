"""Every file in shared/data/fhir, byte for byte: decoded with spot checks, or rejected with its reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fhir_cases import ACCEPTED, BUNDLE_COUNTS, REJECTED, all_names

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.base import UnreadableMessage
from revcycle.adapters.formats.fhir.adjudication import ClaimResponse, ExplanationOfBenefit
from revcycle.adapters.formats.fhir.administrative import Appointment, Encounter, Patient
from revcycle.adapters.formats.fhir.bundle import Bundle, Skipped
from revcycle.adapters.formats.fhir.claims import Claim
from revcycle.adapters.formats.fhir.decode import contained, resolve_contained
from revcycle.adapters.formats.fhir.financial import Account, ChargeItem, Coverage, PaymentReconciliation


def _raw(shared_data: Path, name: str) -> bytes:
    return (shared_data / "fhir" / name).read_bytes()


def test_the_table_covers_every_sample_file(shared_data: Path) -> None:
    assert sorted(p.name for p in (shared_data / "fhir").iterdir()) == all_names()


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_resources_decode(shared_data: Path, name: str) -> None:
    kind, rid, status = ACCEPTED[name]
    parsed = fhir.parse(_raw(shared_data, name))
    assert parsed.resource_type == kind
    assert parsed.id == rid
    assert getattr(parsed, "status", None) == status


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_unsupported_resources_are_rejected_with_a_reason(shared_data: Path, name: str) -> None:
    error_type, reason = REJECTED[name]
    raw = _raw(shared_data, name)
    with pytest.raises(error_type) as parse_error:
        fhir.parse(raw)
    assert parse_error.value.reason == reason
    assert parse_error.value.location == "$.resourceType"
    assert isinstance(parse_error.value, UnreadableMessage)
    with pytest.raises(error_type) as identify_error:
        fhir.identify(raw)
    assert identify_error.value.reason == reason


@pytest.mark.parametrize("name", sorted(BUNDLE_COUNTS))
def test_synthea_bundles_decode_with_their_entry_counts(shared_data: Path, name: str) -> None:
    bundle = fhir.parse(_raw(shared_data, name))
    assert isinstance(bundle, Bundle)
    assert bundle.type == "transaction"
    assert bundle.type_counts() == BUNDLE_COUNTS[name]
    assert len(bundle.entries) == sum(BUNDLE_COUNTS[name].values())
    assert all(e.request is not None and e.request.method == "POST" for e in bundle.entries)
    assert all(e.full_url is not None and e.full_url.startswith("urn:uuid:") for e in bundle.entries)
    decoded = {"Patient", "Organization", "Practitioner", "Encounter", "Claim", "ExplanationOfBenefit"}
    assert {s.resource_type for s in bundle.skipped}.isdisjoint(decoded)
    assert len(bundle.resources(Patient)) == 1
    assert len(bundle.resources(Claim)) == BUNDLE_COUNTS[name]["Claim"]


def test_synthea_claim_and_eob_amounts_are_exact(shared_data: Path) -> None:
    bundle = fhir.parse(
        _raw(shared_data, "synthea__Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json")
    )
    assert isinstance(bundle, Bundle)
    claim = bundle.resources(Claim)[0]
    assert claim.total is not None and claim.total.value == Decimal("265.52")
    assert [i.sequence for i in claim.item] == [1, 2]
    assert claim.item[1].net is not None and claim.item[1].net.value == Decimal("140.52")
    eob = bundle.resources(ExplanationOfBenefit)[0]
    amounts = [a.amount.value for a in eob.item[1].adjudication if a.amount is not None]
    # Python floats would print these as 28.104000000000003 too; the point is that no digit is lost.
    assert str(amounts[0]) == "28.104000000000003"
    assert str(amounts[1]) == "112.41600000000001"
    assert eob.item[0].location_codeable_concept is not None
    assert eob.item[0].location_codeable_concept.code_in() == "19"
    # the contained Coverage ("#coverage") resolves
    coverage = resolve_contained(
        eob, eob.insurance[0].coverage.reference if eob.insurance[0].coverage else None
    )
    assert isinstance(coverage, Coverage)
    assert coverage.payor[0].display == "private"
    assert [type(c) for c in contained(eob)] == [Skipped, Coverage]


def test_official_claim_totals_keep_their_trailing_zeros(shared_data: Path) -> None:
    claim = fhir.parse(_raw(shared_data, "r4example__Claim-960150.json"))
    assert isinstance(claim, Claim)
    assert claim.total is not None and str(claim.total.value) == "125.00" and claim.total.currency == "USD"
    item = claim.item[0]
    assert item.sequence == 1 and item.care_team_sequence == (1,)
    assert item.product_or_service is not None and item.product_or_service.code_in() == "exam"
    assert item.serviced_date == "2014-08-16"
    assert claim.insurance[0].focal is True
    assert (
        claim.insurance[0].coverage is not None and claim.insurance[0].coverage.reference == "Coverage/9876B1"
    )
    med = fhir.parse(_raw(shared_data, "r4example__Claim-MED-00050.json"))
    assert isinstance(med, Claim) and med.total is not None and med.total.value == Decimal("12500.00")
    pharmacy = fhir.parse(_raw(shared_data, "r4example__Claim-760151.json"))
    assert (
        isinstance(pharmacy, Claim) and pharmacy.total is not None and pharmacy.total.value == Decimal("90")
    )


def test_multi_item_claim(shared_data: Path) -> None:
    claim = fhir.parse(_raw(shared_data, "r4example__Claim-100151.json"))
    assert isinstance(claim, Claim)
    assert [i.sequence for i in claim.item] == [1, 2, 3]
    assert claim.use == "claim" and claim.type is not None and claim.type.code_in() == "oral"
    assert claim.patient is not None and claim.patient.reference == "Patient/1"


def test_blue_button_claim_without_insurance_is_accepted(shared_data: Path) -> None:
    claim = fhir.parse(_raw(shared_data, "bfd__claimMcsRead.json"))
    assert isinstance(claim, Claim)
    assert claim.insurance == ()  # R4 requires 1..*; fhir.resources rejects, we keep it for mapping
    assert claim.created == "IGNORED_FIELD"  # kept as sent; fhir.resources rejects the dateTime
    assert claim.total is not None and claim.total.value == Decimal("23.0")
    assert claim.item[0].detail[0].quantity is not None
    assert claim.item[0].detail[0].quantity.value == Decimal("1.5")
    assert claim.item[0].serviced_period is not None and claim.item[0].serviced_period.start is None
    patient = resolve_contained(claim, claim.patient.reference if claim.patient else None)
    assert isinstance(patient, Patient) and patient.gender == "male"


@pytest.mark.parametrize(
    ("name", "totals", "payment"),
    [
        ("r4example__ExplanationOfBenefit-EB3500.json", {"submitted": "135.57", "benefit": "96.00"}, None),
        ("bfd__eobReadCarrier.json", {"priorpayerpaid": "0.0"}, "199.99"),
        ("bfd__eobReadDme.json", {"priorpayerpaid": "0.0"}, "777.75"),
        ("bfd__eobReadInpatient.json", {"submitted": "84999.37"}, "7699.48"),
        ("bfd__eobReadOutpatient.json", {"submitted": "8888.85"}, "693.11"),
        ("bfd__eobReadPde.json", {"drugcost": "550.0", "other": "0"}, None),
    ],
)
def test_eob_totals_and_payment(
    shared_data: Path, name: str, totals: dict[str, str], payment: str | None
) -> None:
    eob = fhir.parse(_raw(shared_data, name))
    assert isinstance(eob, ExplanationOfBenefit)
    got = {
        t.category.coding[0].code: str(t.amount.value)
        for t in eob.total
        if t.category is not None and t.amount is not None
    }
    assert got == totals
    paid = eob.payment.amount.value if eob.payment is not None and eob.payment.amount is not None else None
    assert (str(paid) if paid is not None else None) == payment


def test_eob_item_adjudication_and_details(shared_data: Path) -> None:
    eob = fhir.parse(_raw(shared_data, "r4example__ExplanationOfBenefit-EB3500.json"))
    assert isinstance(eob, ExplanationOfBenefit)
    first = eob.item[0]
    cats = [(a.category.code_in() if a.category else None, a.amount, a.value) for a in first.adjudication]
    assert cats[0][0] == "eligible" and cats[0][1] is not None and cats[0][1].value == Decimal("120.00")
    assert cats[1][0] == "eligpercent" and cats[1][2] == Decimal("0.80")
    sub = eob.item[1].detail[0].sub_detail[0]
    assert sub.unit_price is not None and sub.unit_price.value == Decimal("200.00")
    assert eob.claim is not None and eob.claim.reference == "Claim/100150"
    assert eob.outcome == "complete"
    assert eob.payee is not None and eob.payee.party is not None


def test_carrier_eob_line_details(shared_data: Path) -> None:
    eob = fhir.parse(_raw(shared_data, "bfd__eobReadCarrier.json"))
    assert isinstance(eob, ExplanationOfBenefit)
    item = eob.item[0]
    assert item.sequence == 6 and item.diagnosis_sequence == (5,) and item.care_team_sequence == (3, 4)
    assert item.product_or_service is not None and item.product_or_service.code_in() == "92999"
    assert [m.code_in() for m in item.modifier] == ["LT"]
    assert len(eob.diagnosis) == 5 and eob.diagnosis[0].type[0].code_in() == "principal"
    assert eob.provider is not None and eob.provider.identifier is not None
    assert eob.provider.identifier.value == "1234567890"


def test_claim_response(shared_data: Path) -> None:
    response = fhir.parse(_raw(shared_data, "r4example__ClaimResponse-R3500.json"))
    assert isinstance(response, ClaimResponse)
    assert response.outcome == "complete" and response.request is not None
    assert response.payment is not None and response.payment.amount is not None
    assert response.payment.amount.value == Decimal("100.47")
    assert response.item[0].item_sequence == 1 and response.item[0].adjudication
    error = fhir.parse(_raw(shared_data, "r4example__ClaimResponse-R3501.json"))
    assert isinstance(error, ClaimResponse) and error.outcome == "error"
    assert error.error[0].item_sequence == 3 and error.error[0].code is not None
    assert error.error[0].code.code_in() == "a002"


def test_payment_reconciliation(shared_data: Path) -> None:
    payment = fhir.parse(_raw(shared_data, "r4example__PaymentReconciliation-ER2500.json"))
    assert isinstance(payment, PaymentReconciliation)
    assert payment.payment_amount is not None and payment.payment_amount.value == Decimal("7000.00")
    assert [d.amount.value for d in payment.detail if d.amount] == [
        Decimal("3500.00"),
        Decimal("4000.00"),
        Decimal("-1500.00"),
    ]
    assert payment.payment_identifier is not None and payment.payment_identifier.value == "10-12345"
    assert payment.detail[0].response is not None and payment.detail[0].response.identifier is not None


def test_charge_item_account_coverage(shared_data: Path) -> None:
    charge = fhir.parse(_raw(shared_data, "r4example__ChargeItem-example.json"))
    assert isinstance(charge, ChargeItem)
    assert (
        charge.code is not None and charge.code.coding[0].system is None and charge.code.code_in() == "01510"
    )
    assert charge.factor_override == Decimal("0.8")
    assert charge.price_override is not None and charge.price_override.value == Decimal("40")
    assert charge.occurrence_period is not None
    assert charge.occurrence_period.start == "2017-01-25T08:00:00+01:00"
    account = fhir.parse(_raw(shared_data, "r4example__Account-example.json"))
    assert isinstance(account, Account) and account.subject[0].reference == "Patient/example"
    assert account.coverage[0].priority == 1
    coverage = fhir.parse(_raw(shared_data, "r4example__Coverage-9876B1.json"))
    assert isinstance(coverage, Coverage)
    assert [c.value for c in coverage.class_][:3] == ["CB135", "123", "B37FC"]
    assert coverage.payor[0].reference == "Organization/2"


def test_encounter_and_appointment(shared_data: Path) -> None:
    encounter = fhir.parse(_raw(shared_data, "r4example__Encounter-f001.json"))
    assert isinstance(encounter, Encounter)
    assert encounter.class_ is not None and encounter.class_.code == "AMB"
    assert encounter.length is not None and encounter.length.value == Decimal("140")
    assert encounter.hospitalization is not None and encounter.hospitalization.admit_source is not None
    appointment = fhir.parse(_raw(shared_data, "r4example__Appointment-example.json"))
    assert isinstance(appointment, Appointment)
    assert appointment.start == "2013-12-10T09:00:00Z" and appointment.priority == 5
    assert [p.actor.reference for p in appointment.participant if p.actor] == [
        "Patient/example",
        "Practitioner/example",
        "Location/1",
    ]


@pytest.mark.parametrize("name", sorted([*ACCEPTED, *BUNDLE_COUNTS]))
def test_identify_agrees_with_parse(shared_data: Path, name: str) -> None:
    raw = _raw(shared_data, name)
    envelope = fhir.identify(raw)
    parsed = fhir.parse(raw)
    assert envelope.format == "fhir"
    if isinstance(parsed, Bundle):
        assert envelope.message_type == "Bundle_transaction"
        assert envelope.control_id is None
        patient = parsed.resources(Patient)[0]
        full_url = next(e.full_url for e in parsed.entries if e.resource is patient)
        assert envelope.partition_key == full_url
    else:
        assert envelope.message_type == parsed.resource_type
        assert envelope.control_id == parsed.id  # none of the samples has a meta.versionId
    assert envelope.sender is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("r4example__Claim-960150.json", "Patient/1"),
        ("r4example__Claim-MED-00050.json", None),  # "#patient-1": a contained patient
        ("bfd__coverageRead.json", "Patient/567834"),
        ("bfd__eobReadPde.json", "Patient/567834"),
        ("r4example__Account-example.json", "Patient/example"),
        ("r4example__ChargeItem-example.json", "Patient/example"),
        ("r4example__Encounter-f001.json", "Patient/f001"),
        ("r4example__Patient-pat1.json", "Patient/pat1"),
        ("r4example__PaymentReconciliation-ER2500.json", None),
    ],
)
def test_identify_partition_key(shared_data: Path, name: str, key: str | None) -> None:
    assert fhir.identify(_raw(shared_data, name)).partition_key == key
