"""The work queue over HTTP: findings with filters and paging, one finding with its history and
comments, and the actions on one or many (assign, status, comment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from revcycle.adapters.store.work_queue import FindingFilter, SqlWorkQueue, severity_value
from revcycle.entrypoints.api.deps import container, require_token

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


def _queue(request: Request) -> SqlWorkQueue:
    return SqlWorkQueue(container(request).engine)


@router.get("/findings")
def list_findings(
    request: Request,
    type: str | None = None,
    severity: str | None = None,
    min_severity: str | None = None,
    status: str | None = Query(default=None, description="one status or several, comma-separated"),
    owner: str | None = Query(default=None, description='an owner, or "-" for unassigned'),
    subject_kind: str | None = None,
    subject_id: str | None = None,
    payer_id: str | None = None,
    facility_code: str | None = None,
    correlation_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    after_id: int | None = Query(
        default=None, description="only findings with a larger id, oldest first (incremental sync)"
    ),
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    flt = FindingFilter(
        type=type,
        severity=severity_value(severity),
        min_severity=severity_value(min_severity),
        status=tuple(s.strip() for s in (status or "").split(",") if s.strip()),
        owner=owner,
        subject_kind=subject_kind,
        subject_id=subject_id,
        payer_id=payer_id,
        facility_code=facility_code,
        correlation_id=correlation_id,
        since=since,
        until=until,
        before_id=before_id,
        after_id=after_id,
        offset=offset,
        limit=limit,
    )
    return _queue(request).search(flt)


@router.get("/findings/{finding_id}")
def get_finding(request: Request, finding_id: int) -> dict[str, Any]:
    return _queue(request).get(finding_id)


class Assign(BaseModel):
    actor: str = Field(min_length=1, max_length=100)
    owner: str | None = Field(default=None, max_length=100, description="null or empty to unassign")
    note: str | None = None


class Move(BaseModel):
    actor: str = Field(min_length=1, max_length=100)
    status: str
    note: str | None = None


class Comment(BaseModel):
    actor: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=4000)


class Bulk(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=1000)
    action: str = Field(description="assign, status or comment")
    actor: str = Field(min_length=1, max_length=100)
    owner: str | None = None
    status: str | None = None
    text: str | None = None
    note: str | None = None


@router.post("/findings/{finding_id}/assign")
def assign_finding(request: Request, finding_id: int, body: Assign) -> dict[str, Any]:
    _queue(request).bulk([finding_id], "assign", actor=body.actor, owner=body.owner, note=body.note)
    return _queue(request).get(finding_id)


@router.post("/findings/{finding_id}/status")
def move_finding(request: Request, finding_id: int, body: Move) -> dict[str, Any]:
    _queue(request).set_status(finding_id, body.status, actor=body.actor, note=body.note)
    return _queue(request).get(finding_id)


@router.post("/findings/{finding_id}/comments", status_code=201)
def comment_finding(request: Request, finding_id: int, body: Comment) -> dict[str, Any]:
    _queue(request).comment(finding_id, body.text, actor=body.actor)
    return _queue(request).get(finding_id)


@router.post("/findings/bulk")
def bulk_findings(request: Request, body: Bulk) -> dict[str, Any]:
    results = _queue(request).bulk(
        body.ids,
        body.action,
        actor=body.actor,
        owner=body.owner,
        status=body.status,
        text=body.text,
        note=body.note,
    )
    return {"results": results, "changed": sum(1 for r in results if r["changed"])}
