"""``to_commands``: decoded FHIR R4 resources to canonical commands (``revcycle.domain.commands``).

* Patient -> RegisterPatient (UpdatePatient for a Bundle entry PUT/PATCH), with the Bundle's
  Coverages whose beneficiary is that Patient.
* Coverage -> folded into its Patient's command (there is no coverage-only command; a Coverage
  without its Patient in the message is a FhirMappingError).
* Organization, Practitioner, Location -> UpsertMasterData (payer, department, facility, provider;
  see ``map_master``).
* Encounter -> AdmitPatient with the visit when its Patient is in the message; otherwise
  DischargePatient when finished, CancelAdmit when cancelled, else FhirMappingError.
* Appointment -> BookAppointment (RescheduleAppointment for a PUT/PATCH entry); CancelAppointment
  when cancelled / noshow / entered-in-error.
* ChargeItem -> CaptureCharges (none for status not-billable).
* Account -> RecordAccountEvent (add; purge when inactive / entered-in-error), with its Patient in
  the message.
* Claim -> SubmitClaim (use = claim only).
* ClaimResponse, ExplanationOfBenefit -> RecordRemittance, or RecordClaimAck (outcome error, or no
  amounts); see ``map_remit``.
* PaymentReconciliation -> RecordRemittance.
* Bundle -> the commands of each entry, in entry order; skipped entry types give none.

Commands that store a whole patient (RegisterPatient, AdmitPatient, RecordAccountEvent) are only made
when the Patient resource is in the message: built from a bare reference they would overwrite the
stored demographics with blanks. Where a command takes an optional patient (SubmitClaim,
CaptureCharges, BookAppointment), it is given when the message holds it. Errors are FhirMappingError
(a MappingError) with the JSON path of the entry, never a value.
"""

from __future__ import annotations

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.fhir import adjudication as fx
from revcycle.adapters.formats.fhir import administrative as fa
from revcycle.adapters.formats.fhir import claims as fc
from revcycle.adapters.formats.fhir import financial as ff
from revcycle.adapters.formats.fhir import map_billing, map_master, map_people, map_remit
from revcycle.adapters.formats.fhir.bundle import Bundle, FhirResource, Skipped
from revcycle.adapters.formats.fhir.datatypes import Reference
from revcycle.adapters.formats.fhir.decode import Parsed
from revcycle.adapters.formats.fhir.references import Context, first_value, mapping_error
from revcycle.domain import commands as c
from revcycle.domain.patients import Coverage
from revcycle.domain.visits import EncounterStatus

_UPDATE_METHODS = frozenset({"PUT", "PATCH"})
_PURGED_ACCOUNT = frozenset({"inactive", "entered-in-error"})

Coverages = dict[int, tuple[Coverage, ...]]  # id(Patient resource) -> its coverages in the Bundle


def to_commands(parsed: Parsed, envelope: Envelope) -> list[c.Command]:
    """The canonical commands of one decoded message (resource or Bundle), in order."""
    context = Context.of(parsed, envelope)
    if not isinstance(parsed, Bundle):
        return _commands(context, parsed, "$", None, {})
    coverages = _coverages_by_patient(context, parsed)
    commands: list[c.Command] = []
    for entry in parsed.entries:
        resource = entry.resource
        if resource is None or isinstance(resource, Skipped):
            continue
        if isinstance(resource, ff.Coverage) and _beneficiary(context, resource) is not None:
            continue  # folded into its Patient's command
        method = entry.request.method if entry.request else None
        commands += _commands(context, resource, f"$.entry[{entry.index}].resource", method, coverages)
    return commands


def _commands(
    context: Context, resource: FhirResource, where: str, method: str | None, coverages: Coverages
) -> list[c.Command]:
    if isinstance(resource, fa.Patient):
        patient = map_people.patient(context, resource)
        covered = coverages.get(id(resource), ())
        if method in _UPDATE_METHODS:
            return [c.UpdatePatient(patient, covered)]
        return [c.RegisterPatient(patient, covered)]
    if isinstance(resource, ff.Coverage):
        reason = (
            "Coverage is mapped with its Patient (beneficiary) in the same Bundle; alone it has no command"
        )
        raise mapping_error(reason, f"{where}.beneficiary", "Coverage")
    if isinstance(resource, fa.Organization | fa.Practitioner | fa.Location):
        return _master(context, resource, where)
    if isinstance(resource, fa.Encounter):
        return [_encounter(context, resource, where, coverages)]
    if isinstance(resource, fa.Appointment):
        return [_appointment(context, resource, where, method)]
    if isinstance(resource, ff.ChargeItem):
        if resource.status == "not-billable":
            return []
        key, charge, visit = map_billing.charge_item(context, resource, where)
        return [
            c.CaptureCharges(
                key, (charge,), visit, map_people.patient_of(context, resource.subject, resource)
            )
        ]
    if isinstance(resource, ff.Account):
        return [_account(context, resource, where)]
    if isinstance(resource, fc.Claim):
        if resource.use not in (None, "claim"):
            raise mapping_error(
                f"Claim.use {resource.use} is not supported (only claim)", f"{where}.use", "Claim"
            )
        claimant = map_people.patient_of(context, resource.patient, resource)
        return [c.SubmitClaim(map_billing.claim(context, resource, where), claimant)]
    if isinstance(resource, fx.ClaimResponse | fx.ExplanationOfBenefit):
        return [map_remit.adjudicated(context, resource, where)]
    return [map_remit.reconciliation(context, resource, where)]


def _master(
    context: Context, resource: fa.Organization | fa.Practitioner | fa.Location, where: str
) -> list[c.Command]:
    if isinstance(resource, fa.Organization):
        records = map_master.organization(context, resource, where)
    elif isinstance(resource, fa.Practitioner):
        records = map_master.practitioner(resource)
    else:
        records = map_master.location(context, resource, where)
    return [c.UpsertMasterData(kind, (record,)) for kind, record in records]


def _encounter(context: Context, resource: fa.Encounter, where: str, coverages: Coverages) -> c.Command:
    visit = map_people.encounter(context, resource, where)
    if visit.status is EncounterStatus.CANCELLED:
        return c.CancelAdmit(visit.patient_key, visit.visit_number)
    found = context.resolve(resource.subject, resource)
    if isinstance(found, fa.Patient):
        return c.AdmitPatient(map_people.patient(context, found), visit, coverages.get(id(found), ()))
    if visit.status is EncounterStatus.DISCHARGED:
        return c.DischargePatient(visit.patient_key, visit.visit_number, visit.discharged_at)
    reason = "Encounter needs its Patient in the same Bundle (AdmitPatient stores the whole patient)"
    raise mapping_error(reason, f"{where}.subject", "Encounter")


def _appointment(context: Context, resource: fa.Appointment, where: str, method: str | None) -> c.Command:
    appointment = map_people.appointment(context, resource, where)
    outcome = map_people.APPOINTMENT_CANCELLED.get(resource.status or "")
    if outcome is not None:
        return c.CancelAppointment(appointment.appointment_id, appointment.patient_key, outcome)
    if method in _UPDATE_METHODS:
        return c.RescheduleAppointment(appointment)
    actors: list[Reference] = [p.actor for p in resource.participant if p.actor is not None]
    patient = next(
        (found for ref in actors if (found := map_people.patient_of(context, ref, resource)) is not None),
        None,
    )
    return c.BookAppointment(appointment, patient)


def _account(context: Context, resource: ff.Account, where: str) -> c.Command:
    found = context.resolve(resource.subject[0] if resource.subject else None, resource)
    if not isinstance(found, fa.Patient):
        reason = (
            "Account needs its Patient (subject) in the same Bundle (the command stores the whole patient)"
        )
        raise mapping_error(reason, f"{where}.subject", "Account")
    number = first_value(resource.identifier) or context.id_of(resource)
    coverages = tuple(
        map_people.coverage(context, cov, f"{where}.coverage")
        for entry in resource.coverage
        if isinstance(cov := context.resolve(entry.coverage, resource), ff.Coverage)
    )
    event = "purge" if resource.status in _PURGED_ACCOUNT else "add"
    return c.RecordAccountEvent(
        event, map_people.patient(context, found, account=number), coverages=coverages
    )


def _beneficiary(context: Context, resource: ff.Coverage) -> fa.Patient | None:
    found = context.resolve(resource.beneficiary, resource)
    return found if isinstance(found, fa.Patient) else None


def _coverages_by_patient(context: Context, bundle: Bundle) -> Coverages:
    found: dict[int, list[Coverage]] = {}
    for entry in bundle.entries:
        if isinstance(entry.resource, ff.Coverage):
            patient = _beneficiary(context, entry.resource)
            if patient is not None:
                where = f"$.entry[{entry.index}].resource"
                found.setdefault(id(patient), []).append(map_people.coverage(context, entry.resource, where))
    return {key: tuple(value) for key, value in found.items()}
