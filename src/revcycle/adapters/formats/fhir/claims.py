"""FHIR R4 Claim, billing subset (http://hl7.org/fhir/R4/claim.html), and the parts
ExplanationOfBenefit shares with it (``adjudication.py``): careTeam, supportingInfo, diagnosis,
procedure, payee, accident and the line items.

Line items keep sequence, productOrService, modifier, quantity, unitPrice, factor, net, revenue, the
*Sequence links (careTeam, diagnosis, procedure, information), servicedDate/Period and
locationCodeableConcept/Address/Reference, with their detail/subDetail levels.
"""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.fhir.datatypes import (
    Address,
    CodeableConcept,
    Element,
    Identifier,
    Money,
    Period,
    Quantity,
    Reference,
)
from revcycle.adapters.formats.fhir.resource import DomainResource


class Payee(Element, frozen=True):
    """Claim.payee / ExplanationOfBenefit.payee: type (subscriber, provider, other) and party."""

    type: CodeableConcept | None = None
    party: Reference | None = None


class CareTeam(Element, frozen=True):
    """careTeam: sequence, provider, responsible, role, qualification."""

    sequence: int | None = None
    provider: Reference | None = None
    responsible: bool | None = None
    role: CodeableConcept | None = None
    qualification: CodeableConcept | None = None


class SupportingInfo(Element, frozen=True):
    """supportingInfo: category, code, timing, value (boolean, string, quantity or reference)."""

    sequence: int | None = None
    category: CodeableConcept | None = None
    code: CodeableConcept | None = None
    timing_date: str | None = None
    timing_period: Period | None = None
    value_boolean: bool | None = None
    value_string: str | None = None
    value_quantity: Quantity | None = None
    value_reference: Reference | None = None
    reason: CodeableConcept | None = None


class Diagnosis(Element, frozen=True):
    """diagnosis: sequence, code or reference, type (principal, admitting...), onAdmission, DRG."""

    sequence: int | None = None
    diagnosis_codeable_concept: CodeableConcept | None = None
    diagnosis_reference: Reference | None = None
    type: tuple[CodeableConcept, ...] = ()
    on_admission: CodeableConcept | None = None
    package_code: CodeableConcept | None = None


class Procedure(Element, frozen=True):
    """procedure: sequence, type, date, code or reference."""

    sequence: int | None = None
    type: tuple[CodeableConcept, ...] = ()
    date: str | None = None
    procedure_codeable_concept: CodeableConcept | None = None
    procedure_reference: Reference | None = None


class Insurance(Element, frozen=True):
    """Claim.insurance: sequence, focal, identifier, coverage, preAuthRef, claimResponse."""

    sequence: int | None = None
    focal: bool | None = None
    identifier: Identifier | None = None
    coverage: Reference | None = None
    business_arrangement: str | None = None
    pre_auth_ref: tuple[str, ...] = ()
    claim_response: Reference | None = None


class Accident(Element, frozen=True):
    """accident: date, type, location."""

    date: str | None = None
    type: CodeableConcept | None = None
    location_address: Address | None = None
    location_reference: Reference | None = None


class ClaimSubDetail(Element, frozen=True):
    """Claim.item.detail.subDetail: the third line level."""

    sequence: int | None = None
    revenue: CodeableConcept | None = None
    category: CodeableConcept | None = None
    product_or_service: CodeableConcept | None = None
    modifier: tuple[CodeableConcept, ...] = ()
    program_code: tuple[CodeableConcept, ...] = ()
    quantity: Quantity | None = None
    unit_price: Money | None = None
    factor: Decimal | None = None
    net: Money | None = None


class ClaimDetail(ClaimSubDetail, frozen=True):
    """Claim.item.detail: the second line level (with its subDetails)."""

    sub_detail: tuple[ClaimSubDetail, ...] = ()


class ClaimItem(Element, frozen=True):
    """Claim.item: one service line (ExplanationOfBenefit.item extends it with adjudication)."""

    sequence: int | None = None
    care_team_sequence: tuple[int, ...] = ()
    diagnosis_sequence: tuple[int, ...] = ()
    procedure_sequence: tuple[int, ...] = ()
    information_sequence: tuple[int, ...] = ()
    revenue: CodeableConcept | None = None
    category: CodeableConcept | None = None
    product_or_service: CodeableConcept | None = None
    modifier: tuple[CodeableConcept, ...] = ()
    program_code: tuple[CodeableConcept, ...] = ()
    serviced_date: str | None = None
    serviced_period: Period | None = None
    location_codeable_concept: CodeableConcept | None = None
    location_address: Address | None = None
    location_reference: Reference | None = None
    quantity: Quantity | None = None
    unit_price: Money | None = None
    factor: Decimal | None = None
    net: Money | None = None
    encounter: tuple[Reference, ...] = ()
    detail: tuple[ClaimDetail, ...] = ()


class _ClaimHeader(DomainResource, frozen=True):
    """Elements Claim and ExplanationOfBenefit share (not a resource of its own)."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    type: CodeableConcept | None = None
    sub_type: CodeableConcept | None = None
    use: str | None = None
    patient: Reference | None = None
    billable_period: Period | None = None
    created: str | None = None
    enterer: Reference | None = None
    insurer: Reference | None = None
    provider: Reference | None = None
    priority: CodeableConcept | None = None
    payee: Payee | None = None
    referral: Reference | None = None
    facility: Reference | None = None
    care_team: tuple[CareTeam, ...] = ()
    supporting_info: tuple[SupportingInfo, ...] = ()
    diagnosis: tuple[Diagnosis, ...] = ()
    procedure: tuple[Procedure, ...] = ()
    accident: Accident | None = None


class Claim(_ClaimHeader, frozen=True):
    """Claim (R4 §13.4): a provider's request for payment (the FHIR analogue of an 837)."""

    insurance: tuple[Insurance, ...] = ()
    item: tuple[ClaimItem, ...] = ()
    total: Money | None = None
