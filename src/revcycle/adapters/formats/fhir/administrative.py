"""FHIR R4 administrative resources, billing subset: Patient, Organization, Practitioner, Location,
Encounter, Appointment (http://hl7.org/fhir/R4/administration-module.html).

Only the elements a revenue-cycle system maps are declared; the rest are skipped while decoding.
"""

from __future__ import annotations

import msgspec

from revcycle.adapters.formats.fhir.datatypes import (
    Address,
    CodeableConcept,
    Coding,
    ContactPoint,
    Element,
    HumanName,
    Identifier,
    Period,
    Quantity,
    Reference,
)
from revcycle.adapters.formats.fhir.resource import DomainResource


class PatientLink(Element, frozen=True):
    """Patient.link: other patient records (merge / replaced-by)."""

    other: Reference | None = None
    type: str | None = None


class Patient(DomainResource, frozen=True):
    """Patient (R4 §8.1): identifiers (MRN, member ids), demographics, managing organization."""

    identifier: tuple[Identifier, ...] = ()
    active: bool | None = None
    name: tuple[HumanName, ...] = ()
    telecom: tuple[ContactPoint, ...] = ()
    gender: str | None = None
    birth_date: str | None = None
    deceased_boolean: bool | None = None
    deceased_date_time: str | None = None
    address: tuple[Address, ...] = ()
    marital_status: CodeableConcept | None = None
    general_practitioner: tuple[Reference, ...] = ()
    managing_organization: Reference | None = None
    link: tuple[PatientLink, ...] = ()


class Organization(DomainResource, frozen=True):
    """Organization (R4 §8.3): providers, payers, departments."""

    identifier: tuple[Identifier, ...] = ()
    active: bool | None = None
    type: tuple[CodeableConcept, ...] = ()
    name: str | None = None
    alias: tuple[str, ...] = ()
    telecom: tuple[ContactPoint, ...] = ()
    address: tuple[Address, ...] = ()
    part_of: Reference | None = None


class PractitionerQualification(Element, frozen=True):
    """Practitioner.qualification: identifier, code, period, issuer."""

    identifier: tuple[Identifier, ...] = ()
    code: CodeableConcept | None = None
    period: Period | None = None
    issuer: Reference | None = None


class Practitioner(DomainResource, frozen=True):
    """Practitioner (R4 §8.4): NPI and other identifiers, name, qualification."""

    identifier: tuple[Identifier, ...] = ()
    active: bool | None = None
    name: tuple[HumanName, ...] = ()
    telecom: tuple[ContactPoint, ...] = ()
    address: tuple[Address, ...] = ()
    gender: str | None = None
    qualification: tuple[PractitionerQualification, ...] = ()


class Location(DomainResource, frozen=True):
    """Location (R4 §8.10): facilities and places of service."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    name: str | None = None
    alias: tuple[str, ...] = ()
    description: str | None = None
    mode: str | None = None
    type: tuple[CodeableConcept, ...] = ()
    telecom: tuple[ContactPoint, ...] = ()
    address: Address | None = None
    physical_type: CodeableConcept | None = None
    managing_organization: Reference | None = None
    part_of: Reference | None = None


class EncounterParticipant(Element, frozen=True):
    """Encounter.participant: type, period, individual."""

    type: tuple[CodeableConcept, ...] = ()
    period: Period | None = None
    individual: Reference | None = None


class EncounterDiagnosis(Element, frozen=True):
    """Encounter.diagnosis: condition, use (admission, billing...), rank."""

    condition: Reference | None = None
    use: CodeableConcept | None = None
    rank: int | None = None


class EncounterHospitalization(Element, frozen=True):
    """Encounter.hospitalization: admit source, discharge disposition, origin and destination."""

    pre_admission_identifier: Identifier | None = None
    origin: Reference | None = None
    admit_source: CodeableConcept | None = None
    re_admission: CodeableConcept | None = None
    discharge_disposition: CodeableConcept | None = None
    destination: Reference | None = None


class EncounterLocation(Element, frozen=True):
    """Encounter.location: location, status, period."""

    location: Reference | None = None
    status: str | None = None
    period: Period | None = None


class Encounter(DomainResource, frozen=True):
    """Encounter (R4 §11.1): visit status, class (inpatient/ambulatory...), period, subject, accounts."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    class_: Coding | None = msgspec.field(default=None, name="class")
    type: tuple[CodeableConcept, ...] = ()
    service_type: CodeableConcept | None = None
    priority: CodeableConcept | None = None
    subject: Reference | None = None
    episode_of_care: tuple[Reference, ...] = ()
    participant: tuple[EncounterParticipant, ...] = ()
    appointment: tuple[Reference, ...] = ()
    period: Period | None = None
    length: Quantity | None = None
    reason_code: tuple[CodeableConcept, ...] = ()
    reason_reference: tuple[Reference, ...] = ()
    diagnosis: tuple[EncounterDiagnosis, ...] = ()
    account: tuple[Reference, ...] = ()
    hospitalization: EncounterHospitalization | None = None
    location: tuple[EncounterLocation, ...] = ()
    service_provider: Reference | None = None
    part_of: Reference | None = None


class AppointmentParticipant(Element, frozen=True):
    """Appointment.participant: type, actor (patient, practitioner, location), required, status."""

    type: tuple[CodeableConcept, ...] = ()
    actor: Reference | None = None
    required: str | None = None
    status: str | None = None
    period: Period | None = None


class Appointment(DomainResource, frozen=True):
    """Appointment (R4 §12.10): booked visits, their service type, time and participants."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    cancelation_reason: CodeableConcept | None = None
    service_category: tuple[CodeableConcept, ...] = ()
    service_type: tuple[CodeableConcept, ...] = ()
    specialty: tuple[CodeableConcept, ...] = ()
    appointment_type: CodeableConcept | None = None
    reason_code: tuple[CodeableConcept, ...] = ()
    reason_reference: tuple[Reference, ...] = ()
    priority: int | None = None
    description: str | None = None
    start: str | None = None
    end: str | None = None
    minutes_duration: int | None = None
    slot: tuple[Reference, ...] = ()
    created: str | None = None
    based_on: tuple[Reference, ...] = ()
    participant: tuple[AppointmentParticipant, ...] = ()
    requested_period: tuple[Period, ...] = ()
