"""FHIR ChargeItem and Claim to canonical charges and claims (``domain.charges`` / ``domain.claims``).

* ChargeItem (R4 §16.4): one charge line. ``procedure_code`` is the code in a CPT/HCPCS system,
  ``transaction_code`` the first code whatever its system (the chargemaster item); amount =
  priceOverride (R4 has no other price on a ChargeItem); status aborted / entered-in-error -> credit.
* Claim (R4 §13.4): patient control number = the Claim's id (else its first identifier: what
  ClaimResponse.request and ExplanationOfBenefit.claim point at); type institutional -> institutional,
  every other type (professional, oral, vision, pharmacy) -> professional; total = Claim.total, else
  the sum of the line nets; lines keep sequence, code, modifiers, units, net, revenue code, diagnosis
  pointers, dates, place of service and the rendering NPI of their care team member.
"""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.fhir import claims as fc
from revcycle.adapters.formats.fhir import financial as ff
from revcycle.adapters.formats.fhir.administrative import Organization
from revcycle.adapters.formats.fhir.datatypes import CodeableConcept, Money, Quantity, Reference
from revcycle.adapters.formats.fhir.dates import to_date
from revcycle.adapters.formats.fhir.map_master import code_of_pos
from revcycle.adapters.formats.fhir.map_people import ICD10_SYSTEMS, patient_key
from revcycle.adapters.formats.fhir.references import (
    Context,
    Found,
    code_of,
    first_value,
    mapping_error,
    npi,
    party_id,
    referenced_id,
)
from revcycle.domain.charges import Charge, ChargeType
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine, Diagnosis, Frequency
from revcycle.domain.errors import DomainError
from revcycle.domain.money import ZERO, money, total

PROCEDURE_SYSTEMS = (
    "http://www.ama-assn.org/go/cpt",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
    "urn:oid:2.16.840.1.113883.6.12",
    "urn:oid:2.16.840.1.113883.6.285",
)
REVENUE_SYSTEMS = (
    "https://www.nubc.org/CodeSystem/RevenueCodes",
    "https://bluebutton.cms.gov/resources/variables/rev_cntr",
)
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
_MAX_QUANTITY = Decimal(10) ** 9
_CREDIT = frozenset({"aborted", "entered-in-error"})
_VOID = frozenset({"cancelled", "entered-in-error"})
_RENDERING_ROLES = ("rendering", "performing", "primary")


def amount(value: Money | Quantity | Decimal | None, where: str, kind: str) -> Decimal | None:
    """A FHIR decimal as cent-rounded money; FhirMappingError when it is not a finite number."""
    raw = value.value if isinstance(value, Money | Quantity) else value
    if raw is None:
        return None
    try:
        return money(raw)
    except DomainError:
        raise mapping_error("amount is not a usable number", where, kind) from None


def quantity(value: Quantity | Decimal | None, where: str, kind: str) -> Decimal:
    """A quantity's (or factor's) value, 1 when absent; FhirMappingError unless finite and < 10^9."""
    raw = value.value if isinstance(value, Quantity) else value
    if raw is None:
        return Decimal(1)
    if not raw.is_finite() or abs(raw) >= _MAX_QUANTITY:
        raise mapping_error("quantity is not a usable number", where, kind)
    return raw


def charge_item(
    context: Context, resource: ff.ChargeItem, where: str = "$"
) -> tuple[str, Charge, str | None]:
    """(patient key, the charge, visit number) of a ChargeItem."""
    key = patient_key(context, resource.subject, resource, f"{where}.subject", "ChargeItem")
    visit = _encounter_id(context, resource.context, resource)
    period = resource.occurrence_period
    occurred = resource.occurrence_date_time or (period.start if period else None)
    department = party_id(context, resource.performing_organization, resource) or party_id(
        context, resource.cost_center, resource
    )
    performer = next((n for p in resource.performer if (n := npi(context, p.actor, resource))), None)
    price = amount(resource.price_override, f"{where}.priceOverride.value", "ChargeItem")
    charge = Charge(
        transaction_id=first_value(resource.identifier) or context.id_of(resource),
        patient_key=key,
        visit_number=visit,
        service_date=to_date(occurred),
        transaction_code=resource.code.code_in() if resource.code else None,
        procedure_code=_procedure(resource.code),
        quantity=quantity(resource.quantity, f"{where}.quantity.value", "ChargeItem"),
        amount=price if price is not None else ZERO,
        charge_type=ChargeType.CREDIT if resource.status in _CREDIT else ChargeType.CHARGE,
        department_code=department,
        performing_npi=performer,
        diagnoses=_icd10(resource.reason),
        posted_on=to_date(resource.entered_date),
    )
    return key, charge, visit


def claim(context: Context, resource: fc.Claim, where: str = "$") -> Claim:
    """A FHIR Claim as a canonical claim."""
    pcn = context.id_of(resource) or first_value(resource.identifier)
    if not pcn:
        raise mapping_error("Claim needs an id or an identifier", f"{where}.id", "Claim")
    insurance = _focal(resource.insurance)
    coverage = context.resolve(insurance.coverage, resource) if insurance else None
    team = {m.sequence: npi(context, m.provider, resource) for m in resource.care_team}
    lines = tuple(_line(context, item, team, f"{where}.item[{i}]") for i, item in enumerate(resource.item))
    claimed = amount(resource.total, f"{where}.total.value", "Claim")
    period = resource.billable_period
    kind = resource.type.code_in(CLAIM_TYPE_SYSTEM) if resource.type else None
    referring = _care_team_npi(context, resource, ("referring",)) or npi(context, resource.referral, resource)
    return Claim(
        patient_control_number=pcn,
        kind=ClaimKind.INSTITUTIONAL if kind == "institutional" else ClaimKind.PROFESSIONAL,
        total_charge=claimed if claimed is not None else total(line.charge for line in lines),
        patient_key=patient_key(context, resource.patient, resource, f"{where}.patient", "Claim"),
        member_id=_member_id(coverage),
        payer_id=party_id(context, resource.insurer, resource)
        or _coverage_payer(context, coverage)
        or (insurance.coverage.display if insurance and insurance.coverage else None),
        payer_rank=insurance.sequence if insurance and insurance.sequence in (1, 2, 3) else 1,
        billing_npi=npi(context, resource.provider, resource),
        rendering_npi=_care_team_npi(context, resource, _RENDERING_ROLES),
        attending_npi=_care_team_npi(context, resource, ("attending",)),
        referring_npi=referring,
        facility_code=party_id(context, resource.facility, resource) or _provider_org(context, resource),
        place_of_service=next((line.place_of_service for line in lines if line.place_of_service), None),
        frequency=Frequency.VOID if resource.status in _VOID else Frequency.ORIGINAL,
        prior_authorization=insurance.pre_auth_ref[0] if insurance and insurance.pre_auth_ref else None,
        statement_from=to_date(period.start) if period else None,
        statement_to=to_date(period.end) if period else None,
        type_of_bill=_type_of_bill(resource),
        diagnoses=tuple(d for entry in resource.diagnosis if (d := _diagnosis(entry)) is not None),
        procedures=tuple(
            code for p in resource.procedure if (code := code_of(p.procedure_codeable_concept, ICD10_SYSTEMS))
        ),
        lines=lines,
        visit_number=next(
            (v for i in resource.item for e in i.encounter if (v := _encounter_id(context, e, resource))),
            None,
        ),
    )


def _line(context: Context, item: fc.ClaimItem, team: dict[int | None, str | None], where: str) -> ClaimLine:
    units = quantity(item.quantity, f"{where}.quantity.value", "Claim")
    net = amount(item.net, f"{where}.net.value", "Claim")
    unit_price = amount(item.unit_price, f"{where}.unitPrice.value", "Claim")
    if net is None:
        factor = quantity(item.factor, f"{where}.factor", "Claim")
        net = (
            amount(unit_price * units * factor, f"{where}.factor", "Claim")
            if unit_price is not None
            else None
        )
        net = net if net is not None else ZERO
    period = item.serviced_period
    return ClaimLine(
        line_number=item.sequence or 0,
        procedure_code=code_of(item.product_or_service, PROCEDURE_SYSTEMS),
        charge=net,
        units=units,
        modifiers=tuple(code for m in item.modifier if (code := m.code_in())),
        revenue_code=code_of(item.revenue, REVENUE_SYSTEMS) if item.revenue else None,
        diagnosis_pointers=item.diagnosis_sequence,
        service_date=to_date(item.serviced_date) or (to_date(period.start) if period else None),
        service_date_end=to_date(period.end) if period else None,
        place_of_service=code_of_pos(item.location_codeable_concept),
        rendering_npi=next((team[s] for s in item.care_team_sequence if team.get(s)), None),
    )


def _focal(insurances: tuple[fc.Insurance, ...]) -> fc.Insurance | None:
    return next((i for i in insurances if i.focal), insurances[0] if insurances else None)


def _procedure(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    return next((code for system in PROCEDURE_SYSTEMS if (code := concept.code_in(system))), None)


def _icd10(concepts: tuple[CodeableConcept, ...]) -> tuple[str, ...]:
    return tuple(
        code.replace(".", "")
        for concept in concepts
        for coding in concept.coding
        if coding.system in ICD10_SYSTEMS and (code := coding.code)
    )


def _diagnosis(entry: fc.Diagnosis) -> Diagnosis | None:
    concept = entry.diagnosis_codeable_concept
    icd = next((code for s in ICD10_SYSTEMS if concept and (code := concept.code_in(s))), None)
    if icd is None:
        other = concept.code_in() if concept else None
        return Diagnosis(code=other) if other else None
    principal = any(t.code_in() == "principal" for t in entry.type)
    return Diagnosis(code=icd.replace(".", ""), qualifier="ABK" if principal else "ABF")


def _type_of_bill(resource: fc.Claim) -> str | None:
    for info in resource.supporting_info:
        if info.code is not None and _is(info.category, "typeofbill"):
            return info.code.code_in()
    return None


def _is(concept: CodeableConcept | None, code: str) -> bool:
    return concept is not None and any(c.code == code for c in concept.coding)


def _care_team_npi(context: Context, resource: fc.Claim, roles: tuple[str, ...]) -> str | None:
    for role in roles:
        for member in resource.care_team:
            if _is(member.role, role) and (found := npi(context, member.provider, resource)):
                return found
    return None


def _provider_org(context: Context, resource: fc.Claim) -> str | None:
    """The billing organization's code, when Claim.provider is an Organization (the facility)."""
    found = context.resolve(resource.provider, resource)
    return party_id(context, resource.provider, resource) if isinstance(found, Organization) else None


def _member_id(coverage: Found | None) -> str | None:
    if isinstance(coverage, ff.Coverage):
        return coverage.subscriber_id or first_value(coverage.identifier)
    return None


def _coverage_payer(context: Context, coverage: Found | None) -> str | None:
    if isinstance(coverage, ff.Coverage):
        return next((p for r in coverage.payor if (p := party_id(context, r, coverage))), None)
    return None


def _encounter_id(context: Context, ref: Reference | None, container: ff.ChargeItem | fc.Claim) -> str | None:
    """The visit number (Encounter id) a reference names: "Encounter/x", or a resolved urn:uuid entry."""
    found = context.resolve(ref, container)
    if found is not None:
        return context.id_of(found) if found.resource_type == "Encounter" else None
    return referenced_id(ref, "Encounter")
