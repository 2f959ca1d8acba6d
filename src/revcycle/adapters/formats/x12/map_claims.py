"""837P / 837I claims (loop 2300 and its context) to canonical ``SubmitClaim`` commands.

Field by field: CLM01 patient control number; CLM02 total charge (cents); 837P / 837I kind; CLM05-1
facility code (the place of service in 837P; with CLM05-3 the type of bill in 837I); CLM05-3 frequency
(7 replacement, 8 void, anything else an original); REF*F8 payer claim control number; REF*G1 prior
authorization; DTP*434 statement period; HI diagnoses (ABK/ABF/ABJ/APR/ABN and ICD-9 BK/BF/...) and
procedures (BBR/BBQ); 2010AA billing NPI; 2310x rendering (82), attending (71), referring (DN) NPIs;
2010BB payer id and SBR01 payer rank; 2320 AMT*D other payers' paid amounts; per line (2400): LX01,
SV101 / SV202 procedure and modifiers, SV102 / SV203 charge, SV104 / SV205 units (1 when absent), SV201
revenue code, SV107 diagnosis pointers, REF*6R line control number, DTP*472 service dates, SV105 place of
service (else the claim's), 2420A rendering NPI (else the claim's).
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from revcycle.adapters.formats.x12.errors import X12MappingError
from revcycle.adapters.formats.x12.models837 import (
    DIAGNOSIS_QUALIFIERS,
    PROCEDURE_QUALIFIERS,
    Claim,
    ClaimTransaction,
    Party,
    ServiceLine,
)
from revcycle.domain import claims as dc
from revcycle.domain import commands as c
from revcycle.domain import patients as dp
from revcycle.domain.money import money

_RANKS = MappingProxyType({"P": 1, "S": 2, "T": 3})
_FREQUENCIES = MappingProxyType({"7": dc.Frequency.REPLACEMENT, "8": dc.Frequency.VOID})
_SEX = MappingProxyType({"F": dp.Sex.FEMALE, "M": dp.Sex.MALE})


def _address(party: Party | None) -> dp.Address | None:
    if party is None or party.address is None:
        return None
    a = party.address
    return dp.Address(line1=a.line1, city=a.city, state=a.state, postal_code=a.postal_code)


def patient_of(claim: Claim) -> dp.Patient | None:
    """The patient: 2010CA when present (a dependent), else the subscriber (2010BA) when SBR02 = 18."""
    subscriber = claim.subscriber
    member = subscriber.member
    if member is None or not member.identifier:
        return None
    payer_id = subscriber.payer.identifier if subscriber.payer is not None else None
    authority = f"x12:{payer_id or 'unknown-payer'}"
    dependent = claim.patient
    if dependent is not None and dependent.person is not None:
        person = dependent.person
        marker = (
            dependent.birth_date.strftime("%Y%m%d") if dependent.birth_date else (person.first_name or "")
        )
        return dp.Patient(
            mrn=f"{member.identifier}:{dependent.relationship}:{marker}",
            family_name=person.name,
            given_name=person.first_name,
            birth_date=dependent.birth_date,
            sex=_SEX.get(dependent.gender or "", dp.Sex.UNKNOWN),
            address=_address(person),
            assigning_authority=authority,
        )
    if subscriber.relationship not in (None, "18"):
        return None
    return dp.Patient(
        mrn=member.identifier,
        family_name=member.name,
        given_name=member.first_name,
        birth_date=subscriber.birth_date,
        sex=_SEX.get(subscriber.gender or "", dp.Sex.UNKNOWN),
        address=_address(member),
        assigning_authority=authority,
    )


def _line(line: ServiceLine, claim_pos: str | None, rendering: str | None) -> dc.ClaimLine:
    service = line.service_date
    line_rendering = next((p.npi for p in line.providers if p.entity_code == "82" and p.npi), None)
    return dc.ClaimLine(
        line_number=line.number,
        procedure_code=line.procedure_code,
        charge=money(line.charge),
        units=line.units if line.units is not None else Decimal(1),
        modifiers=line.modifiers,
        revenue_code=line.revenue_code,
        diagnosis_pointers=line.diagnosis_pointers,
        line_control_number=line.line_control_number,
        service_date=service.start if service else None,
        service_date_end=service.end if service and service.period else None,
        place_of_service=line.place_of_service or claim_pos,
        rendering_npi=line_rendering or rendering,
    )


def canonical_claim(claim: Claim, kind: dc.ClaimKind, patient: dp.Patient | None) -> dc.Claim:
    """The canonical claim of one 837 loop 2300."""
    if not claim.patient_control_number:
        raise X12MappingError("claim without CLM01 patient control number", location="CLM01")
    institutional = kind is dc.ClaimKind.INSTITUTIONAL
    rendering = claim.rendering_provider.npi if claim.rendering_provider else None
    place = None if institutional else claim.facility_code
    statement = claim.statement_period
    paid = [o.payer_paid for o in claim.other_subscribers if o.payer_paid is not None]
    subscriber = claim.subscriber
    bill_type = f"{claim.facility_code or ''}{claim.frequency_code or ''}" or None
    return dc.Claim(
        patient_control_number=claim.patient_control_number,
        kind=kind,
        total_charge=money(claim.total_charge),
        patient_key=patient.key if patient is not None else None,
        member_id=subscriber.member.identifier if subscriber.member is not None else None,
        payer_id=subscriber.payer.identifier if subscriber.payer is not None else None,
        payer_rank=_RANKS.get(subscriber.payer_responsibility, 1),
        billing_npi=claim.billing_provider.npi,
        rendering_npi=rendering,
        attending_npi=claim.attending_provider.npi if claim.attending_provider else None,
        referring_npi=claim.referring_provider.npi if claim.referring_provider else None,
        facility_code=claim.facility_code,
        place_of_service=place,
        frequency=_FREQUENCIES.get(claim.frequency_code or "", dc.Frequency.ORIGINAL),
        payer_claim_control_number=claim.payer_claim_control_number,
        prior_authorization=claim.prior_authorization,
        statement_from=statement.start if statement else None,
        statement_to=statement.end if statement else None,
        type_of_bill=bill_type if institutional else None,
        diagnoses=tuple(
            dc.Diagnosis(d.code, d.qualifier) for d in claim.codes if d.qualifier in DIAGNOSIS_QUALIFIERS
        ),
        procedures=tuple(p.code for p in claim.codes if p.qualifier in PROCEDURE_QUALIFIERS),
        lines=tuple(_line(line, place, rendering) for line in claim.lines),
        other_payer_paid=money(sum(paid, Decimal(0))) if paid else None,
    )


def claim_commands(transaction: ClaimTransaction, group_control: str, set_control: str) -> list[c.Command]:
    """One SubmitClaim per claim of an accepted 837 transaction set."""
    kind = dc.ClaimKind.INSTITUTIONAL if transaction.variant == "837I" else dc.ClaimKind.PROFESSIONAL
    commands: list[c.Command] = []
    for claim in transaction.claims:
        patient = patient_of(claim)
        commands.append(
            c.SubmitClaim(
                claim=canonical_claim(claim, kind, patient),
                patient=patient,
                group_control_number=group_control or None,
                transaction_control_number=set_control or None,
            )
        )
    return commands
