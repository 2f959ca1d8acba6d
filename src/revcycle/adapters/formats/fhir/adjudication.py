"""FHIR R4 adjudication resources, billing subset: ClaimResponse and ExplanationOfBenefit
(http://hl7.org/fhir/R4/claimresponse.html, explanationofbenefit.html).

Both carry adjudication (category, reason, amount, value) at claim, item, detail and subDetail level,
totals by category, and the payment. ExplanationOfBenefit also repeats the claim itself (``claims.py``).
"""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.fhir.claims import ClaimDetail, ClaimItem, ClaimSubDetail, _ClaimHeader
from revcycle.adapters.formats.fhir.datatypes import (
    CodeableConcept,
    Element,
    Identifier,
    Money,
    Period,
    Quantity,
    Reference,
)
from revcycle.adapters.formats.fhir.resource import DomainResource


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


class ProcessNote(Element, frozen=True):
    """ClaimResponse.processNote / ExplanationOfBenefit.processNote: number, type, text."""

    number: int | None = None
    type: str | None = None
    text: str | None = None


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
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()


class ClaimResponseSubDetail(Element, frozen=True):
    """ClaimResponse.item.detail.subDetail adjudication."""

    sub_detail_sequence: int | None = None
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()


class ClaimResponseDetail(Element, frozen=True):
    """ClaimResponse.item.detail adjudication."""

    detail_sequence: int | None = None
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    sub_detail: tuple[ClaimResponseSubDetail, ...] = ()


class ClaimResponseItem(Element, frozen=True):
    """ClaimResponse.item: adjudication of the claim line ``itemSequence``."""

    item_sequence: int | None = None
    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    detail: tuple[ClaimResponseDetail, ...] = ()


class ClaimResponseInsurance(Element, frozen=True):
    """ClaimResponse.insurance: sequence, focal, coverage, businessArrangement, claimResponse."""

    sequence: int | None = None
    focal: bool | None = None
    coverage: Reference | None = None
    business_arrangement: str | None = None
    claim_response: Reference | None = None


class ClaimError(Element, frozen=True):
    """ClaimResponse.error: item/detail/subDetail sequence and error code."""

    item_sequence: int | None = None
    detail_sequence: int | None = None
    sub_detail_sequence: int | None = None
    code: CodeableConcept | None = None


class ClaimResponse(DomainResource, frozen=True):
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
    insurance: tuple[ClaimResponseInsurance, ...] = ()
    error: tuple[ClaimError, ...] = ()


class EobSubDetail(ClaimSubDetail, frozen=True):
    """ExplanationOfBenefit.item.detail.subDetail: the claim's subDetail plus its adjudication."""

    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()


class EobDetail(ClaimDetail, frozen=True):
    """ExplanationOfBenefit.item.detail: the claim's detail plus its adjudication."""

    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    sub_detail: tuple[EobSubDetail, ...] = ()


class EobItem(ClaimItem, frozen=True):
    """ExplanationOfBenefit.item: the claim line plus noteNumber and adjudication."""

    note_number: tuple[int, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    detail: tuple[EobDetail, ...] = ()


class EobInsurance(Element, frozen=True):
    """ExplanationOfBenefit.insurance: focal, coverage, preAuthRef."""

    focal: bool | None = None
    coverage: Reference | None = None
    pre_auth_ref: tuple[str, ...] = ()


class ExplanationOfBenefit(_ClaimHeader, frozen=True):
    """ExplanationOfBenefit (R4 §13.6): claim plus adjudication, totals and payment (CARIN Blue Button)."""

    claim: Reference | None = None
    claim_response: Reference | None = None
    outcome: str | None = None
    disposition: str | None = None
    pre_auth_ref: tuple[str, ...] = ()
    precedence: int | None = None
    insurance: tuple[EobInsurance, ...] = ()
    item: tuple[EobItem, ...] = ()
    add_item: tuple[AddItem, ...] = ()
    adjudication: tuple[Adjudication, ...] = ()
    total: tuple[Total, ...] = ()
    payment: Payment | None = None
    process_note: tuple[ProcessNote, ...] = ()
    benefit_period: Period | None = None
