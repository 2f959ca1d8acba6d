"""Patients and visits (HL7 ADT, BAR, FHIR Patient / Encounter) through the message bus."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType
from revcycle.domain.visits import EncounterStatus
from tests.unit.service_layer.builders import (
    KEY,
    PATIENT,
    PRIMARY_COVERAGE,
    PRIOR_KEY,
    PRIOR_PATIENT,
    SECONDARY_COVERAGE,
    T0,
    Harness,
    appointment,
    encounter,
)

E = EncounterStatus
F = FindingType
DISCHARGED_AT = T0 + timedelta(days=3)


def visit(h: Harness, key: str = KEY, number: str = "V5001") -> EncounterStatus:
    stored = h.store.encounters.get(key, number)
    assert stored is not None
    return stored.status


def admitted(h: Harness) -> None:
    h.send(c.AdmitPatient(PATIENT, encounter(), (PRIMARY_COVERAGE,)))


# -- registration and coverage ------------------------------------------------------------------------------


def test_register_with_coverages(harness: Harness) -> None:
    harness.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE, SECONDARY_COVERAGE)))
    assert harness.store.patients.get(KEY) == PATIENT
    assert harness.store.patients.coverages(KEY) == (PRIMARY_COVERAGE, SECONDARY_COVERAGE)
    assert harness.store.encounters.all() == []


def test_register_with_a_visit(harness: Harness) -> None:
    harness.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE,), encounter()))
    assert visit(harness) is E.IN_PROGRESS


def test_an_update_without_coverages_keeps_the_stored_ones(harness: Harness) -> None:
    harness.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE,)))
    moved = dataclasses.replace(PATIENT, phone="555-0100-0000")
    harness.send(c.UpdatePatient(moved))
    assert harness.store.patients.get(KEY) == moved
    assert harness.store.patients.coverages(KEY) == (PRIMARY_COVERAGE,)


def test_an_update_with_coverages_replaces_them(harness: Harness) -> None:
    harness.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE,)))
    harness.send(c.UpdatePatient(PATIENT, (SECONDARY_COVERAGE,)))
    assert harness.store.patients.coverages(KEY) == (SECONDARY_COVERAGE,)


# -- the visit lifecycle ----------------------------------------------------------------------------------


def test_admit_discharge_cancel_discharge_cancel_admit(harness: Harness) -> None:
    admitted(harness)
    assert visit(harness) is E.IN_PROGRESS
    assert harness.store.patients.coverages(KEY) == (PRIMARY_COVERAGE,)

    harness.send(c.DischargePatient(KEY, "V5001", DISCHARGED_AT))  # A03
    stored = harness.store.encounters.get(KEY, "V5001")
    assert stored is not None
    assert (stored.status, stored.discharged_at) == (E.DISCHARGED, DISCHARGED_AT)

    harness.send(c.CancelDischarge(KEY, "V5001"))  # A13
    stored = harness.store.encounters.get(KEY, "V5001")
    assert stored is not None
    assert (stored.status, stored.discharged_at) == (E.IN_PROGRESS, None)

    harness.send(c.CancelAdmit(KEY, "V5001"))  # A11
    assert visit(harness) is E.CANCELLED
    assert harness.findings == []


def test_discharge_of_an_unknown_visit_creates_it_discharged(harness: Harness) -> None:
    harness.send(c.DischargePatient(KEY, "V7777", DISCHARGED_AT))
    stored = harness.store.encounters.get(KEY, "V7777")
    assert stored is not None
    assert (stored.status, stored.discharged_at) == (E.DISCHARGED, DISCHARGED_AT)
    assert harness.findings == []


def test_an_update_of_a_discharged_visit_keeps_it_discharged(harness: Harness) -> None:
    admitted(harness)
    harness.send(c.DischargePatient(KEY, "V5001", DISCHARGED_AT))
    changed = dataclasses.replace(encounter(), attending_npi="1245319599")  # A08: PV1 without a status
    harness.send(c.UpdatePatient(PATIENT, (), changed))
    stored = harness.store.encounters.get(KEY, "V5001")
    assert stored is not None
    assert (stored.status, stored.discharged_at) == (E.DISCHARGED, DISCHARGED_AT)
    assert stored.attending_npi == "1245319599"


def test_a_readmit_message_of_a_discharged_visit_keeps_it_discharged(harness: Harness) -> None:
    admitted(harness)
    harness.send(c.DischargePatient(KEY, "V5001", DISCHARGED_AT))
    admitted(harness)  # the A01 re-sent late
    assert visit(harness) is E.DISCHARGED


def test_an_update_of_a_cancelled_visit_does_not_revive_it(harness: Harness) -> None:
    admitted(harness)
    harness.send(c.CancelAdmit(KEY, "V5001"))
    harness.send(c.UpdatePatient(PATIENT, (), encounter()))
    assert visit(harness) is E.CANCELLED


@pytest.mark.parametrize(
    ("steps", "command"),
    [
        (["discharge"], c.CancelAdmit(KEY, "V5001")),  # A11 after A03: cancel the discharge first
        (["discharge"], c.DischargePatient(KEY, "V5001", DISCHARGED_AT)),  # A03 twice
        ([], c.CancelDischarge(KEY, "V5001")),  # A13 of a visit not discharged
        (["cancel"], c.DischargePatient(KEY, "V5001", DISCHARGED_AT)),  # A03 after A11
    ],
)
def test_an_illegal_visit_event_is_a_finding_and_changes_nothing(
    harness: Harness, steps: list[str], command: c.Command
) -> None:
    admitted(harness)
    if "discharge" in steps:
        harness.send(c.DischargePatient(KEY, "V5001", DISCHARGED_AT))
    if "cancel" in steps:
        harness.send(c.CancelAdmit(KEY, "V5001"))
    before = harness.store.encounters.get(KEY, "V5001")
    ctx = harness.send(command)
    assert harness.store.encounters.get(KEY, "V5001") == before
    [finding] = harness.findings
    assert finding.type is F.ILLEGAL_TRANSITION
    assert (finding.subject_kind, finding.subject_id) == ("encounter", "V5001")
    assert finding.key.endswith(ctx.correlation_id)
    assert finding.summary.startswith("encounter cannot move from ")


# -- merge --------------------------------------------------------------------------------------------------


def test_merge_moves_the_prior_patients_visits_and_appointments(harness: Harness) -> None:
    harness.send(c.AdmitPatient(PRIOR_PATIENT, encounter("V1111", patient_key=PRIOR_KEY)))
    harness.send(c.BookAppointment(appointment("APT-1", patient_key=PRIOR_KEY), PRIOR_PATIENT))
    admitted(harness)
    harness.send(c.MergePatients(PATIENT, PRIOR_KEY))  # A40: MRG-1 into PID-3

    assert harness.store.patients.merged_into(PRIOR_KEY) == KEY
    assert harness.store.encounters.of_patient(PRIOR_KEY) == []
    assert sorted(e.visit_number for e in harness.store.encounters.of_patient(KEY)) == ["V1111", "V5001"]
    moved = harness.store.appointments.get("APT-1")
    assert moved is not None and moved.patient_key == KEY

    # The moved visit is the surviving patient's now: an A03 under the new key discharges it.
    harness.send(c.DischargePatient(KEY, "V1111", DISCHARGED_AT))
    assert visit(harness, KEY, "V1111") is E.DISCHARGED
    assert harness.store.encounters.of_patient(PRIOR_KEY) == []
    assert harness.findings == []


def test_merge_keeps_the_surviving_patients_coverages(harness: Harness) -> None:
    harness.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE,)))
    harness.send(c.MergePatients(PATIENT, PRIOR_KEY))
    assert harness.store.patients.coverages(KEY) == (PRIMARY_COVERAGE,)


# -- account events (BAR) -----------------------------------------------------------------------------------


def test_account_update_merges_diagnoses(harness: Harness) -> None:
    harness.send(c.AdmitPatient(PATIENT, dataclasses.replace(encounter(), diagnoses=("I10",))))
    harness.send(c.RecordAccountEvent("update", PATIENT, "V5001", diagnoses=("E119", "I10")))
    stored = harness.store.encounters.get(KEY, "V5001")
    assert stored is not None
    assert stored.diagnoses == ("I10", "E119")
    assert stored.status is E.IN_PROGRESS


def test_account_purge_cancels_the_visit(harness: Harness) -> None:
    admitted(harness)
    harness.send(c.RecordAccountEvent("purge", PATIENT, "V5001"))
    assert visit(harness) is E.CANCELLED
    harness.send(c.RecordAccountEvent("purge", PATIENT, "V5001"))  # again: already cancelled
    assert harness.findings == []


def test_account_purge_of_a_discharged_visit_is_a_finding(harness: Harness) -> None:
    admitted(harness)
    harness.send(c.DischargePatient(KEY, "V5001", DISCHARGED_AT))
    harness.send(c.RecordAccountEvent("purge", PATIENT, "V5001"))
    assert visit(harness) is E.DISCHARGED
    assert harness.store.findings.types() == [F.ILLEGAL_TRANSITION]


def test_account_event_without_a_visit_only_saves_the_patient(harness: Harness) -> None:
    harness.send(c.RecordAccountEvent("add", PATIENT, coverages=(PRIMARY_COVERAGE,)))
    assert harness.store.patients.coverages(KEY) == (PRIMARY_COVERAGE,)
    assert harness.store.encounters.all() == []
