"""FHIR ClaimResponse, ExplanationOfBenefit and PaymentReconciliation to remittances
(``domain.remittances``) and claim acknowledgments.

Adjudication categories (http://hl7.org/fhir/R4/valueset-adjudication.html, CARIN BB's C4BBAdjudication,
and the Blue Button variables Synthea uses) give per line: charge (submitted), allowed (eligible),
paid (benefit, else paidtoprovider) and the patient's share, booked as 835-style adjustments PR-1
(deductible), PR-2 (coinsurance), PR-3 (copay). What remains of the charge (charge - paid - patient
share, when positive) is booked as CO-45, so that a consistent EOB balances as an 835 would; an
inconsistent one stays unbalanced and the handler raises a finding.

A ClaimResponse / EOB with outcome ``error``, or without any amount, is an acknowledgment, not a
payment: RecordClaimAck (277CA-like: A3 returned as unprocessable, A1 queued, A2 accepted).
PaymentReconciliation (R4 §16.9): each ``payment`` detail naming a claim becomes a claim payment
(paid = charge = the detail amount); other details become provider-level adjustments (PLB-like,
amount negated: a detail of -1500 is a withholding of 1500).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from revcycle.adapters.formats.fhir import adjudication as fx
from revcycle.adapters.formats.fhir import financial as ff
from revcycle.adapters.formats.fhir.claims import Claim
from revcycle.adapters.formats.fhir.datatypes import Reference
from revcycle.adapters.formats.fhir.dates import to_date
from revcycle.adapters.formats.fhir.map_billing import PROCEDURE_SYSTEMS, amount
from revcycle.adapters.formats.fhir.references import (
    Context,
    code_of,
    first_value,
    identity_from_url,
    mapping_error,
    party_id,
    referenced_id,
)
from revcycle.domain import commands as c
from revcycle.domain.money import ZERO, total
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)

KNOWN_CATEGORIES = (
    "submitted copay eligible deductible unallocdeduct eligpercent tax benefit coinsurance noncovered "
    "priorpayerpaid paidbypatient paidtopatient paidtoprovider memberliability discount drugcost"
)
_KNOWN = frozenset(KNOWN_CATEGORIES.split())
_BLUE_BUTTON: Final[Mapping[str, str]] = MappingProxyType(
    {
        "line_sbmtd_chrg_amt": "submitted",
        "rev_cntr_tot_chrg_amt": "submitted",
        "clm_tot_chrg_amt": "submitted",
        "line_alowd_chrg_amt": "eligible",
        "line_nch_pmt_amt": "benefit",
        "line_prvdr_pmt_amt": "paidtoprovider",
        "rev_cntr_prvdr_pmt_amt": "paidtoprovider",
        "line_coinsrnc_amt": "coinsurance",
        "line_bene_ptb_ddctbl_amt": "deductible",
        "line_bene_pmt_amt": "paidtopatient",
    }
)
_PATIENT_SHARE: Final[Mapping[str, str]] = MappingProxyType(
    {"deductible": "1", "coinsurance": "2", "copay": "3"}
)
_PR = AdjustmentGroup.PATIENT_RESPONSIBILITY
_RANK: Final[Mapping[int, ClaimPaymentStatus]] = MappingProxyType(
    {1: ClaimPaymentStatus.PRIMARY, 2: ClaimPaymentStatus.SECONDARY, 3: ClaimPaymentStatus.TERTIARY}
)
_ACK_CATEGORY: Final[Mapping[str, str]] = MappingProxyType({"error": "A3", "queued": "A1"})
_REVERSED = frozenset({"cancelled", "entered-in-error"})

Adjudicated = fx.ClaimResponse | fx.ExplanationOfBenefit
Item = fx.ClaimResponseItem | fx.EobItem


def category(entry: fx.Adjudication | fx.Total) -> str | None:
    """The normalised adjudication category of an entry (first known code among its codings)."""
    if entry.category is None:
        return None
    for coding in entry.category.coding:
        code = coding.code or ""
        if code in _KNOWN:
            return code
        alias = _BLUE_BUTTON.get(code.rsplit("/", 1)[-1])
        if alias is not None:
            return alias
    return None


def adjudicated(context: Context, resource: Adjudicated, where: str = "$") -> c.Command:
    """RecordRemittance for a ClaimResponse / EOB with amounts; RecordClaimAck without. One about a
    preauthorization or predetermination (``use``) is not a remittance: FhirMappingError."""
    kind = resource.resource_type
    if resource.use not in (None, "claim"):
        reason = f"{kind}.use {resource.use} is not supported (only claim)"
        raise mapping_error(reason, f"{where}.use", kind)
    claim_ref = resource.request if isinstance(resource, fx.ClaimResponse) else resource.claim
    pcn = claim_number(context, claim_ref, resource)
    totals = _sums(resource.total, f"{where}.total", kind)
    codes = _line_codes(context, resource)
    items: tuple[Item, ...] = resource.item
    services = tuple(
        _service(item, f"{where}.item[{i}]", kind, codes.get(_sequence(item))) for i, item in enumerate(items)
    )
    paid_out = resource.payment.amount if resource.payment else None
    payment = amount(paid_out, f"{where}.payment.amount.value", kind)
    no_amounts = not totals and payment is None and not any(s.charge or s.paid for s in services)
    if resource.outcome == "error" or no_amounts:
        return c.RecordClaimAck(
            patient_control_number=pcn,
            accepted=resource.outcome != "error",
            category_code=_ACK_CATEGORY.get(resource.outcome or "", "A2"),
            status_code=_error_code(resource),
            payer_claim_control_number=first_value(resource.identifier),
        )
    claim_shares = _shares(_sums(resource.adjudication, f"{where}.adjudication", kind))
    line_share = total(a.amount for s in services for a in s.adjustments if a.group is _PR)
    paid = _paid(totals)
    if paid is None:
        paid = total(s.paid for s in services) if services else (payment or ZERO)
    claim_payment = ClaimPayment(
        patient_control_number=pcn,
        status=_status(resource),
        charge=totals.get("submitted", total(s.charge for s in services)),
        paid=paid,
        patient_responsibility=total(a.amount for a in claim_shares) + line_share,
        payer_claim_control_number=first_value(resource.identifier),
        adjustments=claim_shares,
        services=services,
        service_date=_service_date(resource),
    )
    return c.RecordRemittance(
        Remittance(
            trace_number=_trace(context, resource) or pcn,
            payer_id=party_id(context, resource.insurer, resource),
            payment_amount=payment if payment is not None else paid,
            payment_date=to_date(resource.payment.date) if resource.payment else None,
            payer_name=resource.insurer.display if resource.insurer else None,
            payee_id=_payee(context, resource),
            claims=(claim_payment,),
        )
    )


def reconciliation(context: Context, resource: ff.PaymentReconciliation, where: str = "$") -> c.Command:
    """RecordRemittance for a PaymentReconciliation (see the module docstring)."""
    kind = "PaymentReconciliation"
    payee = party_id(context, resource.requestor, resource) or ""
    payments: list[ClaimPayment] = []
    others: list[ProviderAdjustment] = []
    for i, detail in enumerate(resource.detail):
        value = amount(detail.amount, f"{where}.detail[{i}].amount.value", kind) or ZERO
        detail_type = detail.type.code_in() if detail.type else None
        request = detail.request
        pcn = (
            referenced_id(request, "Claim")
            or _url_id(request)
            or (request.identifier.value if request is not None and request.identifier is not None else None)
        )
        if detail_type == "payment" and pcn:
            payments.append(ClaimPayment(pcn, ClaimPaymentStatus.PRIMARY, charge=value, paid=value))
            continue
        reference = detail.identifier.value if detail.identifier else None
        others.append(
            ProviderAdjustment(payee, detail_type or "other", -value, reference, to_date(detail.date))
        )
    trace = (
        (resource.payment_identifier.value if resource.payment_identifier else None)
        or first_value(resource.identifier)
        or context.id_of(resource)
        or ""
    )
    return c.RecordRemittance(
        Remittance(
            trace_number=trace,
            payer_id=party_id(context, resource.payment_issuer, resource),
            payment_amount=amount(resource.payment_amount, f"{where}.paymentAmount.value", kind) or ZERO,
            payment_date=to_date(resource.payment_date),
            payee_id=payee or None,
            claims=tuple(payments),
            provider_adjustments=tuple(others),
        )
    )


def claim_number(context: Context, ref: Reference | None, resource: Adjudicated) -> str:
    """The patient control number of the adjudicated claim (see ``references.py``)."""
    found = context.resolve(ref, resource)
    if found is not None and found.resource_type == "Claim":
        number = context.id_of(found) or first_value(getattr(found, "identifier", ()))
        if number:
            return number
    by_reference = referenced_id(ref, "Claim") or _url_id(ref)
    if by_reference:
        return by_reference
    if ref is not None and ref.identifier is not None and ref.identifier.value:
        return ref.identifier.value
    return first_value(resource.identifier) or context.id_of(resource) or ""


def _url_id(ref: Reference | None) -> str | None:
    """The last segment of a reference that is an http(s) URL not shaped .../Type/id."""
    text = ref.reference if ref is not None else None
    return identity_from_url(text) if text and text.startswith(("http://", "https://")) else None


def _sums(entries: tuple[fx.Adjudication | fx.Total, ...], where: str, kind: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for i, entry in enumerate(entries):
        name = category(entry)
        value = amount(entry.amount, f"{where}[{i}].amount.value", kind)
        if name is not None and value is not None:
            sums[name] = sums.get(name, ZERO) + value
    return sums


def _paid(sums: dict[str, Decimal]) -> Decimal | None:
    return sums.get("benefit", sums.get("paidtoprovider"))


def _shares(sums: dict[str, Decimal]) -> tuple[Adjustment, ...]:
    """The patient's share as PR adjustments (deductible PR-1, coinsurance PR-2, copay PR-3)."""
    return tuple(
        Adjustment(_PR, reason, sums[name])
        for name, reason in _PATIENT_SHARE.items()
        if sums.get(name, ZERO) != ZERO
    )


def _adjustments(sums: dict[str, Decimal], charge: Decimal, paid: Decimal) -> tuple[Adjustment, ...]:
    shares = _shares(sums)
    rest = charge - paid - total(a.amount for a in shares)
    if rest > ZERO:
        return (*shares, Adjustment(AdjustmentGroup.CONTRACTUAL, "45", rest))
    return shares


def _service(item: Item, where: str, kind: str, code: str | None) -> ServicePayment:
    sums = _sums(item.adjudication, f"{where}.adjudication", kind)
    eob = item if isinstance(item, fx.EobItem) else None
    net = amount(eob.net, f"{where}.net.value", kind) if eob else None
    charge = sums.get("submitted", net if net is not None else ZERO)
    paid = _paid(sums) or ZERO
    sequence = _sequence(item)
    return ServicePayment(
        procedure_code=code,
        charge=charge,
        paid=paid,
        modifiers=tuple(m for x in eob.modifier if (m := x.code_in())) if eob else (),
        units=eob.quantity.value if eob and eob.quantity else None,
        service_date=_line_date(eob),
        line_control_number=None if sequence is None else str(sequence),
        allowed=sums.get("eligible"),
        adjustments=_adjustments(sums, charge, paid),
    )


def _line_date(item: fx.EobItem | None) -> date | None:
    if item is None:
        return None
    period = item.serviced_period
    return to_date(item.serviced_date) or (to_date(period.start) if period else None)


def _sequence(item: Item) -> int | None:
    return item.sequence if isinstance(item, fx.EobItem) else item.item_sequence


def _line_codes(context: Context, resource: Adjudicated) -> dict[int | None, str | None]:
    """Procedure code per line: the EOB's own items, or the items of the Claim a ClaimResponse answers."""
    if isinstance(resource, fx.ExplanationOfBenefit):
        return {i.sequence: code_of(i.product_or_service, PROCEDURE_SYSTEMS) for i in resource.item}
    claim = context.resolve(resource.request, resource)
    if not isinstance(claim, Claim):
        return {}
    return {i.sequence: code_of(i.product_or_service, PROCEDURE_SYSTEMS) for i in claim.item}


def _status(resource: Adjudicated) -> ClaimPaymentStatus:
    if resource.status in _REVERSED:
        return ClaimPaymentStatus.REVERSAL
    sequence = None
    if isinstance(resource, fx.ClaimResponse):
        sequence = next((i.sequence for i in resource.insurance if i.focal), None)
    return _RANK.get(sequence or 1, ClaimPaymentStatus.PRIMARY)


def _trace(context: Context, resource: Adjudicated) -> str | None:
    paid_with = resource.payment.identifier if resource.payment else None
    return (
        (paid_with.value if paid_with else None)
        or first_value(resource.identifier)
        or context.id_of(resource)
    )


def _service_date(resource: Adjudicated) -> date | None:
    if isinstance(resource, fx.ExplanationOfBenefit) and resource.billable_period is not None:
        return to_date(resource.billable_period.start)
    return None


def _error_code(resource: Adjudicated) -> str | None:
    if isinstance(resource, fx.ClaimResponse):
        return next((e.code.code_in() for e in resource.error if e.code is not None), None)
    return None


def _payee(context: Context, resource: Adjudicated) -> str | None:
    if isinstance(resource, fx.ExplanationOfBenefit):
        party = resource.payee.party if resource.payee else None
        return party_id(context, party or resource.provider, resource)
    return party_id(context, resource.requestor, resource)
