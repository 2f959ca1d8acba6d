"""Patients and visits: HL7 ADT (A01 A03 A04 A05 A08 A11 A13 A40), BAR, FHIR Patient / Encounter."""

from __future__ import annotations

from collections.abc import Callable

from revcycle.domain import commands as c
from revcycle.domain.errors import IllegalTransition
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.visits import Encounter, EncounterStatus
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def _save_patient(
    uow: UnitOfWork, patient: Patient, coverages: tuple[Coverage, ...], ctx: MessageContext
) -> None:
    uow.patients.save(patient, coverages or None, ctx)


def _save_visit(uow: UnitOfWork, encounter: Encounter, ctx: MessageContext) -> None:
    """Insert or update a visit; an update keeps the stored status unless the message moves it."""
    stored = uow.encounters.get(encounter.patient_key, encounter.visit_number)
    if stored is not None and stored.status in (EncounterStatus.DISCHARGED, EncounterStatus.CANCELLED):
        # An update (A08) or a late admit never undoes a discharge or a cancel; A13 / new visits do.
        encounter.status = stored.status
        encounter.discharged_at = encounter.discharged_at or stored.discharged_at
    uow.encounters.save(encounter, ctx)


def register_patient(cmd: c.RegisterPatient, uow: UnitOfWork, ctx: MessageContext) -> None:
    _save_patient(uow, cmd.patient, cmd.coverages, ctx)
    if cmd.encounter is not None:
        _save_visit(uow, cmd.encounter, ctx)


def update_patient(cmd: c.UpdatePatient, uow: UnitOfWork, ctx: MessageContext) -> None:
    _save_patient(uow, cmd.patient, cmd.coverages, ctx)
    if cmd.encounter is not None:
        _save_visit(uow, cmd.encounter, ctx)


def admit_patient(cmd: c.AdmitPatient, uow: UnitOfWork, ctx: MessageContext) -> None:
    _save_patient(uow, cmd.patient, cmd.coverages, ctx)
    _save_visit(uow, cmd.encounter, ctx)


def merge_patients(cmd: c.MergePatients, uow: UnitOfWork, ctx: MessageContext) -> None:
    _save_patient(uow, cmd.patient, (), ctx)
    uow.patients.merge(cmd.prior_key, cmd.patient.key, ctx)


def _visit(uow: UnitOfWork, patient_key: str, visit_number: str) -> Encounter:
    encounter = uow.encounters.get(patient_key, visit_number)
    if encounter is None:  # a discharge for a visit we never saw: create it rather than lose it
        encounter = Encounter(visit_number=visit_number, patient_key=patient_key)
    return encounter


def _illegal(uow: UnitOfWork, ctx: MessageContext, visit_number: str, error: IllegalTransition) -> None:
    raise_finding(
        uow,
        ctx,
        FindingType.ILLEGAL_TRANSITION,
        Severity.LOW,
        "encounter",
        visit_number,
        str(error),
        key_suffix=ctx.correlation_id,
    )


def _move_visit(
    uow: UnitOfWork,
    ctx: MessageContext,
    patient_key: str,
    visit_number: str,
    move: Callable[[Encounter], None],
) -> None:
    """Apply one lifecycle move to a visit; an illegal one becomes a finding, never a crash."""
    encounter = _visit(uow, patient_key, visit_number)
    try:
        move(encounter)
    except IllegalTransition as error:
        _illegal(uow, ctx, visit_number, error)
        return
    uow.encounters.save(encounter, ctx)


def discharge_patient(cmd: c.DischargePatient, uow: UnitOfWork, ctx: MessageContext) -> None:
    _move_visit(uow, ctx, cmd.patient_key, cmd.visit_number, lambda e: e.discharge(cmd.discharged_at))


def cancel_admit(cmd: c.CancelAdmit, uow: UnitOfWork, ctx: MessageContext) -> None:
    _move_visit(uow, ctx, cmd.patient_key, cmd.visit_number, Encounter.cancel)


def cancel_discharge(cmd: c.CancelDischarge, uow: UnitOfWork, ctx: MessageContext) -> None:
    _move_visit(uow, ctx, cmd.patient_key, cmd.visit_number, Encounter.cancel_discharge)


def record_account_event(cmd: c.RecordAccountEvent, uow: UnitOfWork, ctx: MessageContext) -> None:
    _save_patient(uow, cmd.patient, cmd.coverages, ctx)
    if cmd.visit_number is None:
        return
    encounter = _visit(uow, cmd.patient.key, cmd.visit_number)
    if cmd.diagnoses:
        encounter.diagnoses = tuple(dict.fromkeys(encounter.diagnoses + cmd.diagnoses))
    if cmd.event == "purge" and encounter.status is not EncounterStatus.CANCELLED:
        try:
            encounter.cancel()
        except IllegalTransition as error:
            _illegal(uow, ctx, cmd.visit_number, error)
            return
    uow.encounters.save(encounter, ctx)
