"""835 remittance to the canonical ``Remittance`` (``revcycle.domain.remittances``).

BPR02 payment amount, BPR04 method, BPR16 date; TRN02 trace number; payer id from N1*PR N104 (else
REF*2U, else TRN03) and name N102; payee id N1*PE N104. Per CLP: CLP01-CLP07, CAS by group (CO, PR, OA,
PI, CR), service date (first line date, else DTM*232 statement start). Per SVC: SVC01 procedure and
modifiers, SVC02 charge, SVC03 paid, SVC04 revenue code, SVC05 units, SVC06 submitted procedure when the
payer changed it, DTM*472/150 date, REF*6R line control number, AMT*B6 allowed, CAS, LQ*HE remarks.
PLB: provider, reason, reference, amount, fiscal period end. Amounts are rounded to cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from revcycle.adapters.formats.x12.errors import X12MappingError
from revcycle.adapters.formats.x12.models835 import ClaimPayment, RemitLine, Remittance835
from revcycle.adapters.formats.x12.models837 import Adjustment
from revcycle.domain import remittances as dr
from revcycle.domain.money import ZERO, money

_GROUPS = MappingProxyType({g.value: g for g in dr.AdjustmentGroup})
_STATUSES = MappingProxyType({s.value: s for s in dr.ClaimPaymentStatus})


def _adjustments(adjustments: Sequence[Adjustment], where: str) -> tuple[dr.Adjustment, ...]:
    result = []
    for adj in adjustments:
        group = _GROUPS.get(adj.group)
        if group is None:
            raise X12MappingError(
                "CAS01 is not a claim adjustment group code (CO, PR, OA, PI, CR)", location=where
            )
        result.append(dr.Adjustment(group, adj.reason, money(adj.amount), adj.quantity))
    return tuple(result)


def _service(line: RemitLine, where: str) -> dr.ServicePayment:
    return dr.ServicePayment(
        procedure_code=line.procedure_code,
        charge=money(line.charge),
        paid=money(line.paid),
        modifiers=line.modifiers,
        submitted_code=line.original_procedure_code,
        submitted_modifiers=line.original_modifiers,
        revenue_code=line.revenue_code,
        units=line.units,
        service_date=line.service_date,
        line_control_number=line.line_control_number,
        allowed=money(line.allowed) if line.allowed is not None else None,
        adjustments=_adjustments(line.adjustments, where),
        remarks=tuple(code for qualifier, code in line.remarks if qualifier == "HE" and code),
    )


def _claim(payment: ClaimPayment, number: int) -> dr.ClaimPayment:
    where = f"CLP {number}"
    status = _STATUSES.get(payment.status)
    if status is None:
        raise X12MappingError("CLP02 is not a 5010 claim status code", location=where)
    if not payment.patient_control_number:
        raise X12MappingError("CLP01 patient control number is missing", location=where)
    services = tuple(_service(line, f"{where} SVC {i}") for i, line in enumerate(payment.lines, start=1))
    first_line_date = next((s.service_date for s in services if s.service_date is not None), None)
    statement = next((d.start for d in payment.dates if d.qualifier == "232"), None)
    responsibility = payment.patient_responsibility
    return dr.ClaimPayment(
        patient_control_number=payment.patient_control_number,
        status=status,
        charge=money(payment.charge),
        paid=money(payment.paid),
        patient_responsibility=money(responsibility) if responsibility is not None else ZERO,
        payer_claim_control_number=payment.payer_claim_control_number,
        filing_indicator=payment.filing_indicator,
        adjustments=_adjustments(payment.adjustments, where),
        services=services,
        service_date=first_line_date or statement,
    )


def remittance(content: Remittance835) -> dr.Remittance:
    """The canonical remittance of one 835 transaction set."""
    if not content.trace_number:
        raise X12MappingError("835 without TRN02 check or EFT trace number", location="TRN02")
    payer = content.payer
    payer_id = (payer.identifier if payer else None) or (payer.reference("2U") if payer else None)
    return dr.Remittance(
        trace_number=content.trace_number,
        payer_id=payer_id or content.originator_id,
        payment_amount=money(content.payment_amount),
        payment_method=content.payment_method,
        payment_date=content.payment_date,
        payer_name=payer.name if payer else None,
        payee_id=content.payee.identifier if content.payee else None,
        claims=tuple(_claim(p, n) for n, p in enumerate(content.claims, start=1)),
        provider_adjustments=tuple(
            dr.ProviderAdjustment(
                provider_id=p.provider_id,
                reason=p.reason,
                amount=money(p.amount),
                reference=p.reference,
                fiscal_period_end=p.fiscal_period,
            )
            for p in content.provider_adjustments
        ),
    )
