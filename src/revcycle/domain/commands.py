"""Canonical commands: what a message asks revcycle to do, whatever format it came in.

Format adapters map native structures to these (``to_commands``); the message bus routes each to its
handler. Commands carry domain objects; the correlation id and the source message travel in the bus's
context, not in the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim
from revcycle.domain.master_data import (
    Contract,
    Department,
    Facility,
    GlAccount,
    Payer,
    PayerClassDefinition,
    Provider,
)
from revcycle.domain.master_loads import PatientRegistration, RejectedRow
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.remittances import PatientPayment, Remittance
from revcycle.domain.visits import Appointment, Encounter


class Command:
    """Marker base class of every canonical command."""

    __slots__ = ()


# -- patients and visits (HL7 ADT, FHIR Patient / Coverage / Encounter) ---------------------------


@dataclass(frozen=True, slots=True)
class RegisterPatient(Command):
    """ADT A04 / A05 / A28, FHIR Patient create: a patient and their coverages (IN1/IN2)."""

    patient: Patient
    coverages: tuple[Coverage, ...] = ()
    encounter: Encounter | None = None


@dataclass(frozen=True, slots=True)
class UpdatePatient(Command):
    """ADT A08 / A31, FHIR Patient update: demographics and coverage changes; the visit if present."""

    patient: Patient
    coverages: tuple[Coverage, ...] = ()
    encounter: Encounter | None = None


@dataclass(frozen=True, slots=True)
class MergePatients(Command):
    """ADT A40 / A34: ``prior_key`` is merged into ``patient`` (MRG-1 into PID-3)."""

    patient: Patient
    prior_key: str


@dataclass(frozen=True, slots=True)
class AdmitPatient(Command):
    """ADT A01 (and A04 with a visit), FHIR Encounter in-progress: the visit begins."""

    patient: Patient
    encounter: Encounter
    coverages: tuple[Coverage, ...] = ()


@dataclass(frozen=True, slots=True)
class DischargePatient(Command):
    """ADT A03, FHIR Encounter finished."""

    patient_key: str
    visit_number: str
    discharged_at: datetime | None


@dataclass(frozen=True, slots=True)
class CancelAdmit(Command):
    """ADT A11."""

    patient_key: str
    visit_number: str


@dataclass(frozen=True, slots=True)
class CancelDischarge(Command):
    """ADT A13."""

    patient_key: str
    visit_number: str


# -- scheduling (HL7 SIU, FHIR Appointment) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookAppointment(Command):
    """SIU S12, FHIR Appointment booked."""

    appointment: Appointment
    patient: Patient | None = None


@dataclass(frozen=True, slots=True)
class RescheduleAppointment(Command):
    """SIU S13 / S14 (S14 modification carries the same shape)."""

    appointment: Appointment
    modification_only: bool = False


@dataclass(frozen=True, slots=True)
class CancelAppointment(Command):
    """SIU S15 (cancel), S17 (delete), S26 (no-show): ``outcome`` is cancelled, deleted or no_show."""

    appointment_id: str
    patient_key: str
    outcome: str


# -- charges and accounts (HL7 DFT / BAR, FHIR ChargeItem / Account) -------------------------------


@dataclass(frozen=True, slots=True)
class CaptureCharges(Command):
    """DFT P03 / P11, FHIR ChargeItem: one or more charge lines for a patient's visit."""

    patient_key: str
    charges: tuple[Charge, ...]
    visit_number: str | None = None
    patient: Patient | None = None
    coverages: tuple[Coverage, ...] = ()  # IN1/IN2 of the DFT: the payer the charge will be billed to


@dataclass(frozen=True, slots=True)
class RecordAccountEvent(Command):
    """BAR P01 (add account), P02 (purge), P12 (update diagnosis / procedure), FHIR Account."""

    event: str  # "add", "purge", "update"
    patient: Patient
    visit_number: str | None = None
    diagnoses: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    coverages: tuple[Coverage, ...] = ()


# -- claims, acknowledgments and remittances (X12, FHIR Claim / ClaimResponse / EOB) ---------------


@dataclass(frozen=True, slots=True)
class SubmitClaim(Command):
    """An 837P / 837I claim (or FHIR Claim) seen on its way to the payer."""

    claim: Claim
    patient: Patient | None = None
    group_control_number: str | None = None  # GS06 of the 837 that carried it (999 AK1-02 matches)
    transaction_control_number: str | None = None  # ST02 (999 AK2-02 matches)


@dataclass(frozen=True, slots=True)
class BuildClaim(Command):
    """Build the draft claim of a visit from its charges (no 837 came in for it), and scrub it."""

    patient_key: str
    visit_number: str
    billing_npi: str | None = None


@dataclass(frozen=True, slots=True)
class RecordFunctionalAck(Command):
    """999 (AK1 / AK2 / IK5 / AK9) or TA1: acceptance of a functional group or one transaction set.

    ``transaction_control_number`` is None for a group-level (AK9) or interchange-level (TA1)
    acknowledgment, which then applies to every transaction set of the group.
    """

    group_control_number: str | None  # AK1-02 (None for a TA1)
    status: str  # "A" accepted, "E" accepted with errors, "P" partially accepted, "R" rejected
    transaction_control_number: str | None = None  # AK2-02
    transaction_type: str | None = None  # AK2-01, e.g. "837"
    interchange_control_number: str | None = None  # TA1-01
    errors: tuple[str, ...] = ()  # PHI-free error codes (IK3/IK4/IK5 codes, TA1 note code)


@dataclass(frozen=True, slots=True)
class RecordClaimAck(Command):
    """277CA claim-level acknowledgment: STC category (A1-A8) and status codes per claim."""

    patient_control_number: str
    accepted: bool
    category_code: str
    status_code: str | None = None
    payer_claim_control_number: str | None = None
    amount: Any = None


@dataclass(frozen=True, slots=True)
class RecordRemittance(Command):
    """An 835 transaction (or FHIR ExplanationOfBenefit / ClaimResponse)."""

    remittance: Remittance


@dataclass(frozen=True, slots=True)
class RecordManualRemittance(Command):
    """A paper remittance (EOB) keyed in by a person: posted exactly as an 835 is, with who entered it,
    when and from what source."""

    remittance: Remittance
    entered_by: str
    entered_at: datetime
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RecordPatientPayment(Command):
    payment: PatientPayment


# -- master data (ERP uploads and pulls, FHIR Organization / Practitioner / Location) --------------

MasterRecord = (
    Payer
    | Provider
    | Facility
    | Department
    | Contract
    | PayerClassDefinition
    | GlAccount
    | PatientRegistration
)


@dataclass(frozen=True, slots=True)
class UpsertMasterData(Command):
    """A batch (one load) of effective-dated master-data records of one kind.

    ``rows`` gives each record's 1-based row in the load (for the change report; empty for a single
    FHIR resource); ``rejected`` lists the rows that failed validation and why.
    """

    kind: str  # payer, payer_class, provider, facility, department, contract, gl_account, patient
    records: tuple[MasterRecord, ...]
    rejected: tuple[RejectedRow, ...] = ()
    rows: tuple[int, ...] = ()
