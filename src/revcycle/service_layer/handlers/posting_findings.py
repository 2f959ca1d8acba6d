"""The work-queue findings remittance posting raises: denials (whole claim or lines) with their CARC /
RARC codes and meanings, underpayments against the contract, and 835 lines that match no claim line.
Summaries name internal ids, codes and amounts only (no patient data)."""

from __future__ import annotations

from typing import Any, Protocol

from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.domain.posting import is_denied_line
from revcycle.domain.remittances import Adjustment, ClaimPayment, Remittance
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import LinePosting, MessageContext, StoredClaim, UnitOfWork


class ReasonCodes(Protocol):
    """Meanings of CARC, group and RARC codes (``adapters.codesets.carc``); None when unknown."""

    def describe_carc(self, code: str) -> str | None: ...
    def describe_group(self, code: str) -> str | None: ...
    def describe_rarc(self, code: str) -> str | None: ...


def unmatched_lines(
    uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim, payment_id: int, lines: tuple[LinePosting, ...]
) -> None:
    missing = [p.match.service.procedure_code or "-" for p in lines if p.match.line is None]
    if missing and stored.claim.lines:
        raise_finding(
            uow,
            ctx,
            FindingType.UNMATCHED_REMITTANCE,
            Severity.LOW,
            "payment",
            payment_id,
            f"claim payment {payment_id}: {len(missing)} service line(s) match no line of claim {stored.id} "
            f"({', '.join(missing)})",
            key_suffix="lines",
            details={"claim_id": stored.id, "procedure_codes": missing},
        )


def _reasons(
    adjustments: tuple[Adjustment, ...], codes: ReasonCodes | None, line: int | None, procedure: str | None
) -> list[dict[str, Any]]:
    return [
        {
            "group": a.group.value,
            "code": a.reason,
            "meaning": codes.describe_carc(a.reason) if codes else None,
            "group_meaning": codes.describe_group(a.group.value) if codes else None,
            "amount": str(a.amount),
            "line": line,
            "procedure_code": procedure,
        }
        for a in adjustments
        if a.group.value != "PR" and a.amount != ZERO
    ]


def denial(
    uow: UnitOfWork,
    ctx: MessageContext,
    stored: StoredClaim,
    payment: ClaimPayment,
    remittance: Remittance,
    codes: ReasonCodes | None,
    *,
    whole: bool,
) -> None:
    carc = _reasons(payment.adjustments, codes, None, None)
    remarks = list(payment.remarks)
    denied_lines = []
    for number, service in enumerate(payment.services, start=1):
        if whole or is_denied_line(service):
            carc += _reasons(service.adjustments, codes, number, service.procedure_code)
            remarks += [r for r in service.remarks if r not in remarks]
            denied_lines.append(number)
    rarc = [{"code": r, "meaning": codes.describe_rarc(r) if codes else None} for r in remarks]
    labels = sorted({f"{r['group']}-{r['code']}" for r in carc})
    first = next((r for r in carc if r["meaning"]), None)
    why = f": {first['group']}-{first['code']} {_short(first['meaning'])}" if first else ""
    what = "denied" if whole else f"{len(denied_lines)} line(s) denied"
    raise_finding(
        uow,
        ctx,
        FindingType.DENIAL,
        Severity.HIGH if whole else Severity.MEDIUM,
        "claim",
        stored.id,
        f"claim {stored.id} {what} ({', '.join(labels) or 'no CARC given'}){why}",
        key_suffix=remittance.trace_number,
        details={
            "carc": labels,
            "reasons": carc,
            "remarks": remarks,
            "rarc": rarc,
            "charge": str(payment.charge),
            "denied_lines": denied_lines,
            "whole_claim": whole,
            "payer_id": remittance.payer_id,
        },
    )


def _short(text: str | None, limit: int = 90) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def underpaid(
    uow: UnitOfWork, ctx: MessageContext, stored: StoredClaim, remittance: Remittance, posted: LinePosting
) -> None:
    found = posted.underpayment
    line = posted.match.line
    assert found is not None and line is not None
    raise_finding(
        uow,
        ctx,
        FindingType.UNDERPAYMENT,
        Severity.MEDIUM,
        "claim",
        stored.id,
        f"claim {stored.id} line {line.line_number} ({found.procedure_code}): allowed {found.allowed}, "
        f"contract expects {found.expected} (short {found.shortfall})",
        key_suffix=f"{remittance.trace_number}:{line.line_number}",
        details={
            "line_number": line.line_number,
            "line_control_number": line.line_control_number,
            "procedure_code": found.procedure_code,
            "expected_allowed": str(found.expected),
            "allowed": str(found.allowed),
            "shortfall": str(found.shortfall),
            "tolerance": str(found.tolerance),
            "payer_id": stored.claim.payer_id or remittance.payer_id,
            "match": posted.match.method.value,
        },
    )
