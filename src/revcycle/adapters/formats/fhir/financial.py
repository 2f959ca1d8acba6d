"""FHIR R4 financial resources other than claims, billing subset: Coverage, Account, ChargeItem,
PaymentReconciliation (http://hl7.org/fhir/R4/financial-module.html). Claims are in ``claims.py``.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from revcycle.adapters.formats.fhir.datatypes import (
    Annotation,
    CodeableConcept,
    Element,
    Identifier,
    Money,
    Period,
    Quantity,
    Reference,
)
from revcycle.adapters.formats.fhir.resource import DomainResource


class CoverageClass(Element, frozen=True):
    """Coverage.class: group, plan, subgroup... with value and name."""

    type: CodeableConcept | None = None
    value: str | None = None
    name: str | None = None


class CoverageCost(Element, frozen=True):
    """Coverage.costToBeneficiary: copay or coinsurance, as money or quantity (percentage)."""

    type: CodeableConcept | None = None
    value_quantity: Quantity | None = None
    value_money: Money | None = None


class Coverage(DomainResource, frozen=True):
    """Coverage (R4 §15.1): the insurance a patient has; payor, subscriber, plan classes, order."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    type: CodeableConcept | None = None
    policy_holder: Reference | None = None
    subscriber: Reference | None = None
    subscriber_id: str | None = None
    beneficiary: Reference | None = None
    dependent: str | None = None
    relationship: CodeableConcept | None = None
    period: Period | None = None
    payor: tuple[Reference, ...] = ()
    class_: tuple[CoverageClass, ...] = msgspec.field(default=(), name="class")
    order: int | None = None
    network: str | None = None
    cost_to_beneficiary: tuple[CoverageCost, ...] = ()


class AccountCoverage(Element, frozen=True):
    """Account.coverage: coverage reference and priority."""

    coverage: Reference | None = None
    priority: int | None = None


class AccountGuarantor(Element, frozen=True):
    """Account.guarantor: party, onHold, period."""

    party: Reference | None = None
    on_hold: bool | None = None
    period: Period | None = None


class Account(DomainResource, frozen=True):
    """Account (R4 §16.2): the patient billing account charges and payments accumulate on."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    type: CodeableConcept | None = None
    name: str | None = None
    subject: tuple[Reference, ...] = ()
    service_period: Period | None = None
    coverage: tuple[AccountCoverage, ...] = ()
    owner: Reference | None = None
    description: str | None = None
    guarantor: tuple[AccountGuarantor, ...] = ()
    part_of: Reference | None = None


class ChargeItemPerformer(Element, frozen=True):
    """ChargeItem.performer: function and actor."""

    function: CodeableConcept | None = None
    actor: Reference | None = None


class ChargeItem(DomainResource, frozen=True):
    """ChargeItem (R4 §16.4): one billable item: code, quantity, price/factor override, context."""

    identifier: tuple[Identifier, ...] = ()
    definition_uri: tuple[str, ...] = ()
    status: str | None = None
    part_of: tuple[Reference, ...] = ()
    code: CodeableConcept | None = None
    subject: Reference | None = None
    context: Reference | None = None
    occurrence_date_time: str | None = None
    occurrence_period: Period | None = None
    performer: tuple[ChargeItemPerformer, ...] = ()
    performing_organization: Reference | None = None
    requesting_organization: Reference | None = None
    cost_center: Reference | None = None
    quantity: Quantity | None = None
    bodysite: tuple[CodeableConcept, ...] = ()
    factor_override: Decimal | None = None
    price_override: Money | None = None
    override_reason: str | None = None
    enterer: Reference | None = None
    entered_date: str | None = None
    reason: tuple[CodeableConcept, ...] = ()
    service: tuple[Reference, ...] = ()
    product_reference: Reference | None = None
    product_codeable_concept: CodeableConcept | None = None
    account: tuple[Reference, ...] = ()
    note: tuple[Annotation, ...] = ()


class PaymentDetail(Element, frozen=True):
    """PaymentReconciliation.detail: one settled item (claim payment, advance, adjustment)."""

    identifier: Identifier | None = None
    predecessor: Identifier | None = None
    type: CodeableConcept | None = None
    request: Reference | None = None
    submitter: Reference | None = None
    response: Reference | None = None
    date: str | None = None
    responsible: Reference | None = None
    payee: Reference | None = None
    amount: Money | None = None


class PaymentNote(Element, frozen=True):
    """PaymentReconciliation.processNote: type (display, print, printoper) and text."""

    type: str | None = None
    text: str | None = None


class PaymentReconciliation(DomainResource, frozen=True):
    """PaymentReconciliation (R4 §16.9): a bulk payment and the claims it settles (like an 835 BPR)."""

    identifier: tuple[Identifier, ...] = ()
    status: str | None = None
    period: Period | None = None
    created: str | None = None
    payment_issuer: Reference | None = None
    request: Reference | None = None
    requestor: Reference | None = None
    outcome: str | None = None
    disposition: str | None = None
    payment_date: str | None = None
    payment_amount: Money | None = None
    payment_identifier: Identifier | None = None
    detail: tuple[PaymentDetail, ...] = ()
    form_code: CodeableConcept | None = None
    process_note: tuple[PaymentNote, ...] = ()
