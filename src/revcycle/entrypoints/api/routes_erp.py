"""ERP journals with their acknowledgments and drill-down, and the reconciliation control report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from revcycle.adapters.store.billing_queries import Page
from revcycle.adapters.store.journal_queries import JournalQueries
from revcycle.adapters.store.reconciliation_queries import control_report
from revcycle.domain.control_facts import Policy
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.entrypoints.erp_cli import report_csv
from revcycle.service_layer.errors import NotFound, ServiceError

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


def _queries(request: Request) -> JournalQueries:
    return JournalQueries(container(request).engine)


@router.get("/journals")
def list_journals(
    request: Request,
    status: str | None = None,
    kind: str | None = None,
    period: str | None = None,
    posting_from: date | None = None,
    posting_to: date | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = _queries(request).journals(
        Page(before_id, limit),
        status=status,
        kind=kind,
        period=period,
        posting_from=posting_from,
        posting_to=posting_to,
    )
    return {
        "items": items,
        "next_before_id": items[-1]["id"] if len(items) == limit else None,
        "counts": _queries(request).counts(),
    }


@router.get("/journals/{journal_id}")
def get_journal(request: Request, journal_id: int) -> dict[str, Any]:
    found = _queries(request).journal(journal_id)
    if found is None:
        raise NotFound(f"journal {journal_id} not found")
    return found


@router.get("/claims/{claim_id}/journals")
def claim_journals(request: Request, claim_id: int) -> dict[str, Any]:
    return {"claim_id": claim_id, "journals": _queries(request).claim_journals(claim_id)}


@router.get("/reconciliation", response_model=None)
def reconciliation(
    request: Request,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    period: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$"),
    as_of: datetime | None = None,
    format: str = Query(default="json", pattern="^(json|csv)$"),
) -> dict[str, Any] | Response:
    settings = container(request).settings
    if period:
        first = date.fromisoformat(f"{period}-01")
        start, end = first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    today = datetime.now(UTC).date()
    start, end = start or today.replace(day=1), end or today
    if end < start:
        raise ServiceError("'to' is before 'from'")
    policy = Policy(
        claim_lag_days=settings.recon_claim_lag_days,
        ack_grace=timedelta(minutes=settings.recon_ack_grace_minutes),
        variance_amount=settings.recon_variance_amount,
    )
    moment = as_of or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    report = control_report(container(request).engine, start, end, moment, policy)
    if format == "csv":
        return PlainTextResponse(report_csv(report), media_type="text/csv")
    return report.to_dict()
