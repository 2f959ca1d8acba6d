"""Missing charge codes: a line without a code, a visit without charges, an unmapped service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from revcycle.domain.findings import FindingType
from revcycle.domain.rules.facts import AppointmentFacts, EncounterFacts
from revcycle.domain.rules.missing_codes import charge_without_code, unmapped_service, visit_without_charges
from revcycle.domain.rules.reference import Thresholds
from revcycle.domain.visits import (
    Appointment,
    AppointmentStatus,
    Encounter,
    EncounterStatus,
    ExpectedService,
    PatientClass,
)
from tests.unit.rules.builders import KEY, charge, charge_facts, reference

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def test_a_charge_line_without_a_procedure_code_is_flagged() -> None:
    [found] = charge_without_code(charge_facts(charge(None, transaction_code="CDMX")), reference())
    assert found.type is FindingType.MISSING_CHARGE_CODE
    assert found.details == {"transaction_code": "CDMX"}
    assert list(charge_without_code(charge_facts(), reference())) == []


def test_a_revenue_only_line_is_not_flagged_when_the_chargemaster_or_its_revenue_code_prices_it() -> None:
    room = charge(None, transaction_code="ROOM")
    assert len(list(charge_without_code(charge_facts(room), reference()))) == 1
    assert list(charge_without_code(charge_facts(room), reference(chargemaster={"ROOM": "0120"}))) == []
    assert list(charge_without_code(charge_facts(charge(None, revenue_code="0250")), reference())) == []
    assert len(list(charge_without_code(charge_facts(charge(None, revenue_code="0510")), reference()))) == 1


def appointment(*codes: str, status: AppointmentStatus = AppointmentStatus.BOOKED) -> Appointment:
    return Appointment(
        "AP1",
        KEY,
        start=NOW + timedelta(days=3),
        status=status,
        services=tuple(ExpectedService(code) for code in codes),
    )


def test_a_booked_appointment_whose_service_has_no_chargeable_code_is_flagged_ahead() -> None:
    [found] = unmapped_service(AppointmentFacts(appointment("99213", "LOC-OV-EST-42")), reference())
    assert (found.type, found.subject_kind, found.subject_id) == (
        FindingType.UNMAPPED_SERVICE,
        "appointment",
        "AP1",
    )
    assert found.details["service_code"] == "LOC-OV-EST-42"
    assert found.details["start"] == (NOW + timedelta(days=3)).isoformat()


def test_cpt_and_hcpcs_shaped_services_and_chargemaster_entries_are_mapped() -> None:
    assert list(unmapped_service(AppointmentFacts(appointment("99213", "G0438", "0001F")), reference())) == []
    mapped = reference(chargemaster={"LOC-OV-EST-42": "99213"})
    assert list(unmapped_service(AppointmentFacts(appointment("loc-ov-est-42")), mapped)) == []


def test_a_cancelled_appointment_is_not_flagged() -> None:
    cancelled = appointment("LOC-X", status=AppointmentStatus.CANCELLED)
    assert list(unmapped_service(AppointmentFacts(cancelled), reference())) == []


def visit(
    status: EncounterStatus, klass: PatientClass, admitted: datetime, discharged: datetime | None = None
) -> Encounter:
    return Encounter("V1", KEY, klass, status, admitted_at=admitted, discharged_at=discharged)


def test_an_outpatient_visit_without_charges_after_the_grace_period_is_a_missing_charge() -> None:
    rules = reference(thresholds=Thresholds(missing_charge_after=timedelta(hours=72)))
    old = visit(EncounterStatus.IN_PROGRESS, PatientClass.OUTPATIENT, NOW - timedelta(hours=73))
    [found] = visit_without_charges(EncounterFacts(old, 0, NOW), rules)
    assert (found.type, found.subject_kind, found.subject_id) == (
        FindingType.MISSING_CHARGE,
        "encounter",
        "V1",
    )
    assert found.details["hours_since_end"] == 73
    recent = visit(EncounterStatus.IN_PROGRESS, PatientClass.OUTPATIENT, NOW - timedelta(hours=71))
    assert list(visit_without_charges(EncounterFacts(recent, 0, NOW), rules)) == []
    assert list(visit_without_charges(EncounterFacts(old, 2, NOW), rules)) == []  # it has charges


def test_an_inpatient_stay_counts_from_its_discharge_and_not_while_open() -> None:
    rules = reference()
    admitted = NOW - timedelta(days=10)
    still_in = visit(EncounterStatus.IN_PROGRESS, PatientClass.INPATIENT, admitted)
    assert list(visit_without_charges(EncounterFacts(still_in, 0, NOW), rules)) == []
    fresh = visit(EncounterStatus.DISCHARGED, PatientClass.INPATIENT, admitted, NOW - timedelta(hours=5))
    assert list(visit_without_charges(EncounterFacts(fresh, 0, NOW), rules)) == []
    done = visit(EncounterStatus.DISCHARGED, PatientClass.INPATIENT, admitted, NOW - timedelta(days=4))
    assert len(list(visit_without_charges(EncounterFacts(done, 0, NOW), rules))) == 1
    cancelled = visit(EncounterStatus.CANCELLED, PatientClass.OUTPATIENT, admitted)
    assert list(visit_without_charges(EncounterFacts(cancelled, 0, NOW), rules)) == []


def test_times_without_an_offset_are_taken_as_utc() -> None:
    naive = visit(EncounterStatus.IN_PROGRESS, PatientClass.OUTPATIENT, datetime(2026, 2, 16, 9, 0))
    [found] = visit_without_charges(EncounterFacts(naive, 0, NOW), reference())
    assert found.details["hours_since_end"] == 99
