"""Scheduling: HL7 SIU S12-S17 and S26, FHIR Appointment. A booked (or modified) appointment is
checked by the appointment rules ahead of the visit (an expected service without a chargeable code)."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.domain.errors import IllegalTransition
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.rules.facts import AppointmentFacts
from revcycle.domain.visits import Appointment, AppointmentStatus
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, UnitOfWork
from revcycle.service_layer.rules import apply_rules

_OUTCOMES = {
    "cancelled": AppointmentStatus.CANCELLED,
    "deleted": AppointmentStatus.DELETED,
    "no_show": AppointmentStatus.NO_SHOW,
}


def book_appointment(cmd: c.BookAppointment, uow: UnitOfWork, ctx: MessageContext) -> None:
    if cmd.patient is not None and uow.patients.get(cmd.patient.key) is None:
        uow.patients.save(cmd.patient, None, ctx)
    uow.appointments.save(cmd.appointment, ctx)
    apply_rules(uow, ctx, AppointmentFacts(cmd.appointment))


def reschedule_appointment(cmd: c.RescheduleAppointment, uow: UnitOfWork, ctx: MessageContext) -> None:
    stored = uow.appointments.get(cmd.appointment.appointment_id)
    appointment = cmd.appointment
    if stored is not None and stored.status is not AppointmentStatus.BOOKED:
        appointment.status = stored.status  # a modification does not revive a cancelled slot
    uow.appointments.save(appointment, ctx)
    apply_rules(uow, ctx, AppointmentFacts(appointment))


def cancel_appointment(cmd: c.CancelAppointment, uow: UnitOfWork, ctx: MessageContext) -> None:
    target = _OUTCOMES.get(cmd.outcome, AppointmentStatus.CANCELLED)
    appointment = uow.appointments.get(cmd.appointment_id) or Appointment(
        appointment_id=cmd.appointment_id, patient_key=cmd.patient_key, start=None
    )
    try:
        appointment.move_to(target)
    except IllegalTransition as error:
        raise_finding(
            uow,
            ctx,
            FindingType.ILLEGAL_TRANSITION,
            Severity.LOW,
            "appointment",
            cmd.appointment_id,
            str(error),
            key_suffix=ctx.correlation_id,
        )
        return
    uow.appointments.save(appointment, ctx)
