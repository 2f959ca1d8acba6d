"""Scheduling (HL7 SIU, FHIR Appointment) through the message bus."""

from __future__ import annotations

import dataclasses

import pytest

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType
from revcycle.domain.visits import AppointmentStatus
from tests.unit.service_layer.builders import KEY, PATIENT, Harness, appointment

A = AppointmentStatus
F = FindingType


def status(h: Harness, appointment_id: str = "APT-9001") -> AppointmentStatus:
    stored = h.store.appointments.get(appointment_id)
    assert stored is not None
    return stored.status


def test_book_stores_the_appointment_and_a_new_patient(harness: Harness) -> None:
    harness.send(c.BookAppointment(appointment(), PATIENT))  # S12
    assert harness.store.appointments.get("APT-9001") == appointment()
    assert harness.store.patients.get(KEY) == PATIENT


def test_reschedule_moves_a_booked_appointment(harness: Harness) -> None:
    harness.send(c.BookAppointment(appointment()))
    harness.send(c.RescheduleAppointment(appointment(hour=14)))  # S13
    stored = harness.store.appointments.get("APT-9001")
    assert stored is not None
    assert (stored.status, stored.start) == (A.BOOKED, appointment(hour=14).start)


@pytest.mark.parametrize("outcome", ["cancelled", "no_show", "deleted"])
def test_reschedule_keeps_an_appointment_that_is_no_longer_booked(harness: Harness, outcome: str) -> None:
    harness.send(c.BookAppointment(appointment()))
    harness.send(c.CancelAppointment("APT-9001", KEY, outcome))
    harness.send(c.RescheduleAppointment(appointment(hour=15), modification_only=True))  # S14
    stored = harness.store.appointments.get("APT-9001")
    assert stored is not None
    assert stored.status is A(outcome)
    assert stored.start == appointment(hour=15).start  # the modification itself is applied


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("cancelled", A.CANCELLED), ("no_show", A.NO_SHOW), ("deleted", A.DELETED), ("other", A.CANCELLED)],
)
def test_cancel_no_show_delete(harness: Harness, outcome: str, expected: AppointmentStatus) -> None:
    harness.send(c.BookAppointment(appointment()))
    harness.send(c.CancelAppointment("APT-9001", KEY, outcome))  # S15 / S26 / S17
    assert status(harness) is expected
    assert harness.findings == []


def test_a_cancelled_appointment_can_then_be_deleted(harness: Harness) -> None:
    harness.send(c.BookAppointment(appointment()))
    harness.send(c.CancelAppointment("APT-9001", KEY, "cancelled"))
    harness.send(c.CancelAppointment("APT-9001", KEY, "deleted"))
    assert status(harness) is A.DELETED
    assert harness.findings == []


def test_cancelling_an_unknown_appointment_records_it_cancelled(harness: Harness) -> None:
    harness.send(c.CancelAppointment("APT-NEW", KEY, "cancelled"))
    stored = harness.store.appointments.get("APT-NEW")
    assert stored is not None
    assert (stored.status, stored.patient_key, stored.start) == (A.CANCELLED, KEY, None)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("deleted", "cancelled"),
        ("cancelled", "no_show"),
        ("no_show", "cancelled"),
        ("cancelled", "cancelled"),
    ],
)
def test_an_illegal_appointment_move_is_a_finding(harness: Harness, first: str, then: str) -> None:
    harness.send(c.BookAppointment(appointment()))
    harness.send(c.CancelAppointment("APT-9001", KEY, first))
    ctx = harness.send(c.CancelAppointment("APT-9001", KEY, then))
    assert status(harness) is A(first)
    [finding] = harness.findings
    assert finding.type is F.ILLEGAL_TRANSITION
    assert (finding.subject_kind, finding.subject_id) == ("appointment", "APT-9001")
    assert finding.summary == f"appointment cannot move from {first} to {then}"
    assert finding.correlation_id == ctx.correlation_id


def test_a_completed_appointment_cannot_be_a_no_show(harness: Harness) -> None:
    harness.send(c.BookAppointment(dataclasses.replace(appointment(), status=A.COMPLETED)))
    harness.send(c.CancelAppointment("APT-9001", KEY, "no_show"))
    assert status(harness) is A.COMPLETED
    assert harness.store.findings.types() == [F.ILLEGAL_TRANSITION]
