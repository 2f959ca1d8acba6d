"""Small helpers for raising findings from handlers (PHI-free summaries by construction: callers pass
codes, internal ids and amounts only)."""

from __future__ import annotations

from typing import Any

from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def raise_finding(
    uow: UnitOfWork,
    ctx: MessageContext,
    kind: FindingType,
    severity: Severity,
    subject_kind: str,
    subject_id: str | int,
    summary: str,
    *,
    key_suffix: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    key = f"{kind.value}:{subject_kind}:{subject_id}{':' + key_suffix if key_suffix else ''}"
    uow.findings.raise_finding(
        Finding(
            type=kind,
            severity=severity,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            summary=summary,
            key=key,
            details=details or {},
            correlation_id=ctx.correlation_id,
        ),
        ctx,
    )
