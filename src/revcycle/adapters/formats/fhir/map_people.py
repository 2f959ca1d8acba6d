"""FHIR Patient, Coverage, Encounter, Appointment and Account to canonical patients, visits and
appointments (``revcycle.domain.patients`` / ``visits``). Identities: see ``references.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from revcycle.adapters.formats.fhir import administrative as fa
from revcycle.adapters.formats.fhir import financial as ff
from revcycle.adapters.formats.fhir.datatypes import Address as FhirAddress
from revcycle.adapters.formats.fhir.datatypes import HumanName, Identifier, Reference
from revcycle.adapters.formats.fhir.dates import minutes_between, to_date, to_datetime
from revcycle.adapters.formats.fhir.references import (
    Context,
    identity_from_url,
    mapping_error,
    npi,
    party_id,
    referenced_id,
)
from revcycle.adapters.formats.fhir.resource import DomainResource
from revcycle.domain.master_data import Effective
from revcycle.domain.patients import Address, Coverage, CoverageRank, Patient, Sex
from revcycle.domain.visits import (
    Appointment,
    AppointmentStatus,
    Encounter,
    EncounterStatus,
    ExpectedService,
    PatientClass,
)

ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
_SEX: Final[Mapping[str, Sex]] = MappingProxyType(
    {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}
)
_MR = "MR"

# Encounter.class (v3 ActCode) -> HL7 table 0004 patient class
_CLASS: Final[Mapping[str, PatientClass]] = MappingProxyType(
    {
        "IMP": PatientClass.INPATIENT,
        "ACUTE": PatientClass.INPATIENT,
        "NONAC": PatientClass.INPATIENT,
        "AMB": PatientClass.OUTPATIENT,
        "SS": PatientClass.OUTPATIENT,
        "OBSENC": PatientClass.OUTPATIENT,
        "HH": PatientClass.OUTPATIENT,
        "VR": PatientClass.OUTPATIENT,
        "FLD": PatientClass.OUTPATIENT,
        "EMER": PatientClass.EMERGENCY,
        "PRENC": PatientClass.PREADMIT,
    }
)

_ENCOUNTER_STATUS: Final[Mapping[str, EncounterStatus]] = MappingProxyType(
    {
        "planned": EncounterStatus.PLANNED,
        "finished": EncounterStatus.DISCHARGED,
        "cancelled": EncounterStatus.CANCELLED,
        "entered-in-error": EncounterStatus.CANCELLED,
    }
)

# Appointment.status -> our status; None: a cancellation command instead
APPOINTMENT_STATUS: Final[Mapping[str, AppointmentStatus]] = MappingProxyType(
    {
        "proposed": AppointmentStatus.BOOKED,
        "pending": AppointmentStatus.BOOKED,
        "booked": AppointmentStatus.BOOKED,
        "waitlist": AppointmentStatus.BOOKED,
        "arrived": AppointmentStatus.ARRIVED,
        "checked-in": AppointmentStatus.ARRIVED,
        "fulfilled": AppointmentStatus.COMPLETED,
    }
)
APPOINTMENT_CANCELLED: Final[Mapping[str, str]] = MappingProxyType(
    {"cancelled": "cancelled", "noshow": "no_show", "entered-in-error": "deleted"}
)


def patient(
    context: Context, resource: fa.Patient, *, within: str | None = None, account: str | None = None
) -> Patient:
    """Patient (R4 §8.1) as a canonical patient, keyed by its FHIR id. A patient contained in another
    resource (``within`` = "Claim/100152") is keyed by its MR identifier, else its first identifier,
    else by its place: "Claim/100152#patient-1" (it has no identity outside that resource)."""
    rid = None if within else context.id_of(resource)
    authority: str | None = context.authority
    chosen = _mr_identifier(resource.identifier)
    if rid:
        mrn = rid
    elif chosen is not None and chosen.value:
        mrn, authority = chosen.value, chosen.system
    elif within and resource.id:
        mrn = f"{within}#{resource.id}"
    else:
        raise mapping_error("Patient has neither an id nor an identifier", "$.id", "Patient")
    name = _official_name(resource.name)
    phone = next((t.value for t in resource.telecom if t.system == "phone" and t.value), None)
    return Patient(
        mrn=mrn,
        family_name=name.family if name else None,
        given_name=name.given[0] if name and name.given else None,
        birth_date=to_date(resource.birth_date),
        sex=_SEX.get(resource.gender or "", Sex.UNKNOWN),
        account=account,
        address=_address(resource.address),
        phone=phone,
        assigning_authority=authority,
    )


def patient_of(context: Context, ref: Reference | None, container: DomainResource | None) -> Patient | None:
    """The canonical patient a reference resolves to within the message, or None."""
    found = context.resolve(ref, container)
    if not isinstance(found, fa.Patient):
        return None
    local = ref is not None and ref.reference is not None and ref.reference.startswith("#")
    within = None
    if local and container is not None:
        within = f"{container.resource_type}/{context.id_of(container) or ''}"
    return patient(context, found, within=within)


def patient_key(
    context: Context, ref: Reference | None, container: DomainResource | None, where: str, kind: str
) -> str:
    """The patient key a reference gives (see ``references.py``); FhirMappingError when there is none."""
    resolved = patient_of(context, ref, container)
    if resolved is not None:
        return resolved.key
    if ref is not None and ref.reference and not ref.reference.startswith("#"):
        rid = referenced_id(ref, "Patient") if "/" in ref.reference else None
        rid = rid or (identity_from_url(ref.reference) if ref.reference.startswith("urn:") else None)
        if rid:
            return f"{context.authority}|{rid}"
    if ref is not None and ref.identifier is not None and ref.identifier.value:
        return f"{ref.identifier.system or ''}|{ref.identifier.value}"
    raise mapping_error(f"{kind} needs a patient reference", where, kind)


def coverage(context: Context, resource: ff.Coverage, where: str = "$") -> Coverage:
    """Coverage (R4 §15.1): payer, member id, rank (order), group and plan, relationship, period."""
    payer = next((p for p in (party_id(context, r, resource) for r in resource.payor) if p), None)
    member = resource.subscriber_id or next((i.value for i in resource.identifier if i.value), None)
    if payer is None or member is None:
        missing = "payor" if payer is None else "subscriberId"
        raise mapping_error(f"Coverage needs {missing}", f"{where}.{missing}", "Coverage")
    classes = {(c.type.code_in() if c.type else None): c for c in resource.class_}
    plan = classes.get("plan")
    subscriber = patient_of(context, resource.subscriber, resource)
    period = resource.period
    return Coverage(
        payer_id=payer,
        member_id=member,
        rank=CoverageRank(resource.order) if resource.order in (1, 2, 3) else CoverageRank.PRIMARY,
        group_number=classes["group"].value if "group" in classes else None,
        plan_name=(plan.name or plan.value) if plan is not None else None,
        subscriber_name=_full_name(subscriber),
        relationship=resource.relationship.code_in() if resource.relationship else None,
        effective=Effective(to_date(period.start), to_date(period.end)) if period else Effective(),
    )


def encounter(context: Context, resource: fa.Encounter, where: str = "$") -> Encounter:
    """Encounter (R4 §11.1) as a visit: number = its id; class, period, facility, attending/referring."""
    visit = context.id_of(resource)
    if not visit:
        raise mapping_error("Encounter needs an id", f"{where}.id", "Encounter")
    status = _ENCOUNTER_STATUS.get(resource.status or "", EncounterStatus.IN_PROGRESS)
    period = resource.period
    facility = party_id(context, resource.service_provider, resource) or next(
        (referenced_id(loc.location) for loc in resource.location if loc.location), None
    )
    return Encounter(
        visit_number=visit,
        patient_key=patient_key(context, resource.subject, resource, f"{where}.subject", "Encounter"),
        patient_class=_CLASS.get(resource.class_.code or "", PatientClass.UNKNOWN)
        if resource.class_
        else PatientClass.UNKNOWN,
        status=status,
        admitted_at=to_datetime(period.start) if period else None,
        discharged_at=to_datetime(period.end) if period and status is EncounterStatus.DISCHARGED else None,
        facility_code=facility,
        attending_npi=_participant_npi(context, resource, ("ATND", "PPRF", "PART", None)),
        referring_npi=_participant_npi(context, resource, ("REF",)),
        diagnoses=tuple(
            code.replace(".", "")
            for concept in resource.reason_code
            for c in concept.coding
            if c.system in ICD10_SYSTEMS and (code := c.code)
        ),
    )


def appointment(context: Context, resource: fa.Appointment, where: str = "$") -> Appointment:
    """Appointment (R4 §12.10): id, patient participant, start, duration, location, provider, services."""
    rid = context.id_of(resource)
    if not rid:
        raise mapping_error("Appointment needs an id", f"{where}.id", "Appointment")
    actors = [p.actor for p in resource.participant if p.actor is not None]
    patient_ref = next((a for a in actors if _points_to(context, a, resource, "Patient")), None)
    location = next((a for a in actors if _points_to(context, a, resource, "Location")), None)
    provider = next((a for a in actors if _points_to(context, a, resource, "Practitioner")), None)
    return Appointment(
        appointment_id=rid,
        patient_key=patient_key(context, patient_ref, resource, f"{where}.participant", "Appointment"),
        start=to_datetime(resource.start),
        duration_minutes=resource.minutes_duration or minutes_between(resource.start, resource.end),
        status=APPOINTMENT_STATUS.get(resource.status or "", AppointmentStatus.BOOKED),
        facility_code=party_id(context, location, resource) if location else None,
        provider_npi=npi(context, provider, resource),
        location=location.display if location else None,
        services=tuple(
            ExpectedService(code=c.code, coding_system=c.system, description=c.display)
            for concept in resource.service_type
            for c in concept.coding
            if c.code
        ),
        reason=next((c.text or c.code_in() for c in resource.reason_code if c.text or c.code_in()), None),
    )


def _points_to(context: Context, ref: Reference, container: DomainResource, kind: str) -> bool:
    found = context.resolve(ref, container)
    if found is not None:
        return found.resource_type == kind
    return ref.type == kind or referenced_id(ref, kind) is not None


def _participant_npi(context: Context, resource: fa.Encounter, roles: Iterable[str | None]) -> str | None:
    for role in roles:
        for participant in resource.participant:
            codes = {c.code_in() for c in participant.type} or {None}
            if role in codes:
                found = npi(context, participant.individual, resource)
                if found:
                    return found
    return None


def _address(addresses: tuple[FhirAddress, ...]) -> Address | None:
    home = next((a for a in addresses if a.use == "home"), addresses[0] if addresses else None)
    if home is None:
        return None
    line1 = home.line[0] if home.line else None
    return Address(line1=line1, city=home.city, state=home.state, postal_code=home.postal_code)


def _full_name(person: Patient | None) -> str | None:
    if person is None:
        return None
    return " ".join(p for p in (person.given_name, person.family_name) if p) or None


def _official_name(names: tuple[HumanName, ...]) -> HumanName | None:
    return next((n for n in names if n.use == "official"), None) or next(
        (n for n in names if n.use in (None, "usual")), names[0] if names else None
    )


def _mr_identifier(identifiers: tuple[Identifier, ...]) -> Identifier | None:
    typed = [i for i in identifiers if i.type is not None and i.type.code_in() == _MR and i.value]
    return typed[0] if typed else next((i for i in identifiers if i.value), None)
