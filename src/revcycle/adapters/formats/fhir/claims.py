"""FHIR R4 claim resources, billing subset: Claim, ClaimResponse, ExplanationOfBenefit
(http://hl7.org/fhir/R4/claim.html, claimresponse.html, explanationofbenefit.html).

Claim and ExplanationOfBenefit share their header parts (careTeam, supportingInfo, diagnosis,
procedure, payee) and line items; ClaimResponse and ExplanationOfBenefit share adjudication, totals
and payment. Line items keep sequence, productOrService, modifier, quantity, unitPrice, factor, net,
revenue, the *Sequence links, servicedDate/Period and locationCodeableConcept/Reference, with their
detail/subDetail levels.
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
from revcycle.adapters.formats.fhir.financial import ProcessNote
from revcycle.adapters.formats.fhir.resource import Resource


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
    """insurance: sequence, focal, coverage, preAuthRef, claimResponse (Claim, ClaimResponse, EOB)."""

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


class Adjudication(Element, frozen=True):
    """adjudication: category (submitted, eligible, benefit, deductible...), reason (CARC), amount, value."""

    category: CodeableConcept | None = None
    reason: CodeableConcept | None = None
    amount: Money | None = None
    value: Decimal | None = None


class Total(Element, frozen=True):
    """ClaimResponse.total / ExplanationOfBenefit.total: category and amount."""

    category: CodeableConcept | None = None
    amount: Money | None = None


class Payment(Element, frozen=True):
    """ClaimResponse.payment / ExplanationOfBenefit.payment: type, adjustment, date, amount, identifier."""

    type: CodeableConcept | None = None
    adjustment: Money | None = None
    adjustment_reason: CodeableConcept | None = None
    date: str | None = None
    amount: Money | None = None
    identifier: Identifier | None = None


class SubDetail(Element, frozen=True):
    """item.detail.subDetail: the third line level."""

    sequence: int | None = None
    revenue: CodeableConcept | None = None
    category: CodeableConcept | None = None
    product_or_service: CodeableConcept | None = None
    modifier: tuple[CodeableConcept, ...] = ()
    quantity: Quantity | None = None
    unit_price: Money | None = None
    factor: Decimal | None = None
    net: Money | None = None
    adjudication: tuple[Adjudication, ...] = ()


class Detail(SubDetail, frozen=True):
    """item.detail: the second line level (with its subDetails)."""

    sub_detail: tuple[SubDetail, ...] = ()


class Item(Element, frozen=True):
    """Claim.item / ExplanationOfBenefit.item: one service line."""

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
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    detail: tuple[Detail, ...] = ()


class _ClaimHeader(Resource, frozen=True):
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
    insurance: tuple[Insurance, ...] = ()
    accident: Accident | None = None
    item: tuple[Item, ...] = ()


class Claim(_ClaimHeader, frozen=True):
    """Claim (R4 §13.4): a provider's request for payment (the FHIR analogue of an 837)."""

    total: Money | None = None


class ClaimResponseSubDetail(Element, frozen=True):
    """ClaimResponse.item.detail.subDetail adjudication."""

    sub_detail_sequence: int | None = None
    adjudication: tuple[Adjudication, ...] = ()


class ClaimResponseDetail(Element, frozen=True):
    """ClaimResponse.item.detail adjudication."""

    detail_sequence: int | None = None
    adjudication: tuple[Adjudication, ...] = ()
    sub_detail: tuple[ClaimResponseSubDetail, ...] = ()


class ClaimResponseItem(Element, frozen=True):
    """ClaimResponse.item: adjudication of the claim line ``itemSequence``."""

    item_sequence: int | None = None
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    detail: tuple[ClaimResponseDetail, ...] = ()


class AddItem(Element, frozen=True):
    """addItem: lines the payer added (ClaimResponse and ExplanationOfBenefit)."""

    item_sequence: tuple[int, ...] = ()
    product_or_service: CodeableConcept | None = None
    modifier: tuple[CodeableConcept, ...] = ()
    serviced_date: str | None = None
    serviced_period: Period | None = None
    quantity: Quantity | None = None
    unit_price: Money | None = None
    factor: Decimal | None = None
    net: Money | None = None
    adjudication: tuple[Adjudication, ...] = ()


class ClaimError(Element, frozen=True):
    """ClaimResponse.error: item/detail/subDetail sequence and error code."""

    item_sequence: int | None = None
    detail_sequence: int | None = None
    sub_detail_sequence: int | None = None
    code: CodeableConcept | None = None


class ClaimResponse(Resource, frozen=True):
    """ClaimResponse (R4 §13.5): the payer's adjudication of a Claim (the FHIR analogue of an 835 CLP)."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    type: CodeableConcept | None = None
    sub_type: CodeableConcept | None = None
    use: str | None = None
    patient: Reference | None = None
    created: str | None = None
    insurer: Reference | None = None
    requestor: Reference | None = None
    request: Reference | None = None
    outcome: str | None = None
    disposition: str | None = None
    pre_auth_ref: str | None = None
    payee_type: CodeableConcept | None = None
    item: tuple[ClaimResponseItem, ...] = ()
    add_item: tuple[AddItem, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    total: tuple[Total, ...] = ()
    payment: Payment | None = None
    process_note: tuple[ProcessNote, ...] = ()
    insurance: tuple[Insurance, ...] = ()
    error: tuple[ClaimError, ...] = ()


class ExplanationOfBenefit(_ClaimHeader, frozen=True):
    """ExplanationOfBenefit (R4 §13.6): claim plus adjudication, totals and payment (CARIN Blue Button)."""

    claim: Reference | None = None
    claim_response: Reference | None = None
    outcome: str | None = None
    disposition: str | None = None
    pre_auth_ref: tuple[str, ...] = ()
    precedence: int | None = None
    add_item: tuple[AddItem, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    total: tuple[Total, ...] = ()
    payment: Payment | None = None
    process_note: tuple[ProcessNote, ...] = ()
    benefit_period: Period | None = None
