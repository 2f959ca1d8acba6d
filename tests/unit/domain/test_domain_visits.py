"""Appointment (SIU) and encounter (ADT) lifecycles."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from revcycle.domain.errors import DomainError, IllegalTransition
from revcycle.domain.visits import (
    Appointment,
    AppointmentStatus,
    Encounter,
    EncounterStatus,
    PatientClass,
)

A = AppointmentStatus
E = EncounterStatus
AT = datetime(2024, 5, 3, 14, 30)

APPOINTMENT_ALLOWED = {
    (A.BOOKED, A.BOOKED),
    (A.BOOKED, A.CANCELLED),
    (A.BOOKED, A.DELETED),
    (A.BOOKED, A.NO_SHOW),
    (A.BOOKED, A.ARRIVED),
    (A.BOOKED, A.COMPLETED),
    (A.ARRIVED, A.COMPLETED),
    (A.ARRIVED, A.CANCELLED),
    (A.CANCELLED, A.DELETED),
    (A.CANCELLED, A.BOOKED),
    (A.NO_SHOW, A.DELETED),
    (A.NO_SHOW, A.BOOKED),
}


def appointment(status: AppointmentStatus = A.BOOKED) -> Appointment:
    return Appointment(appointment_id="APT1", patient_key="HOSP|1", start=AT, status=status)


APPOINTMENT_PAIRS = list(itertools.product(AppointmentStatus, repeat=2))


@pytest.mark.parametrize(
    ("source", "target"), APPOINTMENT_PAIRS, ids=[f"{a}->{b}" for a, b in APPOINTMENT_PAIRS]
)
def test_appointment_moves(source: AppointmentStatus, target: AppointmentStatus) -> None:
    appt = appointment(source)
    if (source, target) in APPOINTMENT_ALLOWED:
        appt.move_to(target)
        assert appt.status is target
    else:
        with pytest.raises(IllegalTransition) as info:
            appt.move_to(target)
        assert str(info.value) == f"appointment cannot move from {source.value} to {target.value}"
        assert appt.status is source


def test_appointment_default_is_booked_and_a_visit_completes() -> None:
    appt = Appointment(appointment_id="APT1", patient_key="k", start=None)
    assert appt.status is A.BOOKED
    appt.move_to(A.ARRIVED)
    appt.move_to(A.COMPLETED)
    assert appt.status is A.COMPLETED


@pytest.mark.parametrize("end", [A.COMPLETED, A.DELETED])
def test_completed_and_deleted_appointments_are_terminal(end: AppointmentStatus) -> None:
    appt = appointment(end)
    for target in AppointmentStatus:
        with pytest.raises(IllegalTransition):
            appt.move_to(target)


def test_arrived_patient_cannot_be_a_no_show() -> None:
    with pytest.raises(IllegalTransition):
        appointment(A.ARRIVED).move_to(A.NO_SHOW)


# -- encounters -------------------------------------------------------------------------------------


def encounter(status: EncounterStatus = E.IN_PROGRESS) -> Encounter:
    return Encounter(
        visit_number="V100", patient_key="HOSP|1", patient_class=PatientClass.INPATIENT, status=status
    )


def test_encounter_defaults_to_in_progress() -> None:
    enc = Encounter(visit_number="V1", patient_key="k")
    assert enc.status is E.IN_PROGRESS
    assert enc.patient_class is PatientClass.UNKNOWN
    assert enc.discharged_at is None


def test_discharge_sets_status_and_time() -> None:
    enc = encounter()
    enc.discharge(AT)
    assert enc.status is E.DISCHARGED
    assert enc.discharged_at == AT


def test_discharge_without_a_time() -> None:
    enc = encounter()
    enc.discharge(None)
    assert enc.status is E.DISCHARGED
    assert enc.discharged_at is None


@pytest.mark.parametrize("status", [E.PLANNED, E.DISCHARGED, E.CANCELLED])
def test_discharge_only_from_in_progress(status: EncounterStatus) -> None:
    enc = encounter(status)
    with pytest.raises(IllegalTransition) as info:
        enc.discharge(AT)
    assert str(info.value) == f"encounter cannot move from {status.value} to discharged"
    assert enc.status is status
    assert enc.discharged_at is None  # a refused discharge records no time


def test_cancel_discharge_reopens_and_clears_the_discharge_time() -> None:
    enc = encounter()
    enc.discharge(AT)
    enc.cancel_discharge()
    assert enc.status is E.IN_PROGRESS
    assert enc.discharged_at is None
    enc.discharge(datetime(2024, 5, 4, 10, 0))
    assert enc.discharged_at == datetime(2024, 5, 4, 10, 0)


@pytest.mark.parametrize("status", [E.PLANNED, E.IN_PROGRESS, E.CANCELLED])
def test_cancel_discharge_only_from_discharged(status: EncounterStatus) -> None:
    enc = encounter(status)
    with pytest.raises(IllegalTransition) as info:
        enc.cancel_discharge()
    assert isinstance(info.value, DomainError)
    assert status.value in str(info.value)
    assert "in_progress" in str(info.value)
    assert enc.status is status


@pytest.mark.parametrize("status", [E.PLANNED, E.IN_PROGRESS])
def test_cancel_before_discharge(status: EncounterStatus) -> None:
    enc = encounter(status)
    enc.cancel()
    assert enc.status is E.CANCELLED


def test_a_discharged_encounter_cannot_be_cancelled_directly() -> None:
    enc = encounter()
    enc.discharge(AT)
    with pytest.raises(IllegalTransition):
        enc.cancel()
    assert enc.status is E.DISCHARGED
    assert enc.discharged_at == AT


def test_cancelled_is_terminal() -> None:
    enc = encounter()
    enc.cancel()
    for action in (lambda: enc.discharge(AT), enc.cancel, enc.cancel_discharge):
        with pytest.raises(IllegalTransition):
            action()
    assert enc.status is E.CANCELLED
    assert enc.discharged_at is None
