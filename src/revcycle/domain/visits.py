"""Appointments (HL7 SIU, FHIR Appointment) and encounters (HL7 ADT/PV1, FHIR Encounter)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from revcycle.domain.errors import IllegalTransition
from revcycle.domain.phi import phi_field


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DELETED = "deleted"
    NO_SHOW = "no_show"
    ARRIVED = "arrived"
    COMPLETED = "completed"


_APPOINTMENT_MOVES: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CANCELLED,
            AppointmentStatus.DELETED,
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.ARRIVED,
            AppointmentStatus.COMPLETED,
            AppointmentStatus.BOOKED,
        }
    ),
    AppointmentStatus.ARRIVED: frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED}),
    AppointmentStatus.CANCELLED: frozenset({AppointmentStatus.DELETED, AppointmentStatus.BOOKED}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.DELETED, AppointmentStatus.BOOKED}),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.DELETED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class ExpectedService:
    """A service the appointment is expected to produce (SIU AIS-3), mapped later to a charge code."""

    code: str
    coding_system: str | None = None
    description: str | None = None


@dataclass(slots=True)
class Appointment:
    appointment_id: str
    patient_key: str = phi_field(required=True)  # embeds the MRN
    start: datetime | None = None
    duration_minutes: int | None = None
    status: AppointmentStatus = AppointmentStatus.BOOKED
    facility_code: str | None = None
    department_code: str | None = None
    provider_npi: str | None = None
    location: str | None = None
    services: tuple[ExpectedService, ...] = ()
    reason: str | None = None

    def move_to(self, target: AppointmentStatus) -> None:
        if target not in _APPOINTMENT_MOVES[self.status]:
            raise IllegalTransition("appointment", self.status.value, target.value)
        self.status = target


class EncounterStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"


_ENCOUNTER_MOVES: dict[EncounterStatus, frozenset[EncounterStatus]] = {
    EncounterStatus.PLANNED: frozenset({EncounterStatus.IN_PROGRESS, EncounterStatus.CANCELLED}),
    EncounterStatus.IN_PROGRESS: frozenset({EncounterStatus.DISCHARGED, EncounterStatus.CANCELLED}),
    # A13 (cancel discharge) reopens a discharged encounter.
    EncounterStatus.DISCHARGED: frozenset({EncounterStatus.IN_PROGRESS}),
    EncounterStatus.CANCELLED: frozenset(),
}


class PatientClass(enum.StrEnum):
    """HL7 table 0004 (PV1-2), reduced to what billing needs."""

    INPATIENT = "I"
    OUTPATIENT = "O"
    EMERGENCY = "E"
    PREADMIT = "P"
    RECURRING = "R"
    OBSTETRICS = "B"
    UNKNOWN = "U"


@dataclass(slots=True)
class Encounter:
    """A visit. ``visit_number`` is the source's visit id (PV1-19), unique per patient account."""

    visit_number: str
    patient_key: str = phi_field(required=True)  # embeds the MRN
    patient_class: PatientClass = PatientClass.UNKNOWN
    status: EncounterStatus = EncounterStatus.IN_PROGRESS
    admitted_at: datetime | None = None
    discharged_at: datetime | None = None
    facility_code: str | None = None
    department_code: str | None = None
    attending_npi: str | None = None
    referring_npi: str | None = None
    diagnoses: tuple[str, ...] = field(default=())

    def discharge(self, at: datetime | None) -> None:
        self._move(EncounterStatus.DISCHARGED)
        self.discharged_at = at

    def cancel(self) -> None:
        self._move(EncounterStatus.CANCELLED)

    def cancel_discharge(self) -> None:
        if self.status is not EncounterStatus.DISCHARGED:
            raise IllegalTransition("encounter", self.status.value, EncounterStatus.IN_PROGRESS.value)
        self._move(EncounterStatus.IN_PROGRESS)
        self.discharged_at = None

    def _move(self, target: EncounterStatus) -> None:
        if target not in _ENCOUNTER_MOVES[self.status]:
            raise IllegalTransition("encounter", self.status.value, target.value)
        self.status = target
