"""Claims with their timeline and remittances (the findings work queue is ``routes_findings``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from revcycle.adapters.store.billing_queries import BillingQueries, Page
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.service_layer.errors import NotFound

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


def _queries(request: Request) -> BillingQueries:
    return BillingQueries(container(request).engine)


def _page(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/claims")
def list_claims(
    request: Request,
    status: str | None = None,
    payer_id: str | None = None,
    patient_control_number: str | None = None,
    service_from: date | None = None,
    service_to: date | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = _queries(request).claims(
        Page(before_id, limit),
        status=status,
        payer_id=payer_id,
        patient_control_number=patient_control_number,
        service_from=service_from,
        service_to=service_to,
    )
    return _page(items, limit)


@router.get("/claims/{claim_id}")
def get_claim(request: Request, claim_id: int) -> dict[str, Any]:
    found = _queries(request).claim(claim_id)
    if found is None:
        raise NotFound(f"claim {claim_id} not found")
    return found


@router.get("/remittances")
def list_remittances(
    request: Request,
    trace_number: str | None = None,
    claim_id: int | None = None,
    status_code: str | None = None,
    unmatched: bool | None = None,
    source: str | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = _queries(request).remittances(
        Page(before_id, limit),
        trace_number=trace_number,
        claim_id=claim_id,
        status_code=status_code,
        unmatched=unmatched,
        source=source,
    )
    return _page(items, limit)
