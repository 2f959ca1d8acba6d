"""Patients, encounters, appointments and charges: what the HL7 / FHIR messages made."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from revcycle.adapters.store.billing_queries import Page
from revcycle.adapters.store.clinical_queries import ClinicalQueries
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.service_layer.errors import NotFound

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])
Limit = Query(default=100, ge=1, le=1000)


def _queries(request: Request) -> ClinicalQueries:
    return ClinicalQueries(container(request).engine)


def _page(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/patients")
def list_patients(
    request: Request, account: str | None = None, before_id: int | None = None, limit: int = Limit
) -> dict[str, Any]:
    return _page(_queries(request).patients(Page(before_id, limit), account=account), limit)


@router.get("/patients/{patient_id}")
def get_patient(request: Request, patient_id: int) -> dict[str, Any]:
    found = _queries(request).patient(patient_id)
    if found is None:
        raise NotFound(f"patient {patient_id} not found")
    return found


@router.get("/encounters")
def list_encounters(
    request: Request,
    status: str | None = None,
    visit_number: str | None = None,
    facility_code: str | None = None,
    before_id: int | None = None,
    limit: int = Limit,
) -> dict[str, Any]:
    items = _queries(request).encounters(
        Page(before_id, limit), status=status, visit_number=visit_number, facility_code=facility_code
    )
    return _page(items, limit)


@router.get("/appointments")
def list_appointments(
    request: Request,
    status: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    before_id: int | None = None,
    limit: int = Limit,
) -> dict[str, Any]:
    items = _queries(request).appointments(
        Page(before_id, limit), status=status, start_from=start_from, start_to=start_to
    )
    return _page(items, limit)


@router.get("/charges")
def list_charges(
    request: Request,
    visit_number: str | None = None,
    procedure_code: str | None = None,
    service_from: date | None = None,
    service_to: date | None = None,
    message_id: int | None = None,
    before_id: int | None = None,
    limit: int = Limit,
) -> dict[str, Any]:
    items = _queries(request).charges(
        Page(before_id, limit),
        visit_number=visit_number,
        procedure_code=procedure_code,
        service_from=service_from,
        service_to=service_to,
        message_id=message_id,
    )
    return _page(items, limit)
