"""Alerts: list, inspect, acknowledge, assign; the alert rules' status and reload."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from revcycle.adapters.store.alert_store import AlertNotFound
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.service_layer.alerts.service import AlertService
from revcycle.service_layer.errors import NotFound, PermanentError

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


class AcknowledgeRequest(BaseModel):
    actor: str = Field(default="api", min_length=1, max_length=100)


class AssignRequest(BaseModel):
    assignee: str | None = Field(default=None, max_length=100, description="none: unassign")


class BulkAcknowledge(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=1000)
    actor: str = Field(default="api", min_length=1, max_length=100)


@router.get("/alerts")
def list_alerts(
    request: Request,
    status: str | None = Query(
        default=None, description="open, acknowledged, resolved, or live (not resolved)"
    ),
    rule: str | None = None,
    min_severity: int | None = None,
    assigned_to: str | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = container(request).alerts.list(
        status=status,
        rule=rule,
        min_severity=min_severity,
        assigned_to=assigned_to,
        before_id=before_id,
        limit=limit,
    )
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/alerts/rules")
def rules_status(request: Request) -> dict[str, Any]:
    service = _service(request)
    status = dataclasses.asdict(service.status)
    status["loaded_at"] = service.status.loaded_at.isoformat()
    status["rules"] = [rule.model_dump(mode="json") for rule in service.config.rules]
    return status


@router.post("/alerts/rules/reload")
def reload_rules(request: Request) -> dict[str, Any]:
    status = _service(request).reload()
    if status.error:
        raise PermanentError(f"alert rules not reloaded: {status.error}", code="invalid_alert_rules")
    return {"path": status.path, "rules": status.rules, "channels": list(status.channels)}


@router.get("/alerts/{alert_id}")
def get_alert(request: Request, alert_id: int) -> dict[str, Any]:
    found = container(request).alerts.get(alert_id)
    if found is None:
        raise NotFound(f"alert {alert_id} not found")
    return found


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: int, body: AcknowledgeRequest) -> dict[str, Any]:
    try:
        return container(request).alerts.acknowledge(alert_id, body.actor, datetime.now(UTC))
    except AlertNotFound:
        raise NotFound(f"alert {alert_id} not found") from None


@router.post("/alerts/acknowledge")
def acknowledge_many(request: Request, body: BulkAcknowledge) -> dict[str, Any]:
    store, now, done = container(request).alerts, datetime.now(UTC), []
    for alert_id in body.ids:
        try:
            done.append(store.acknowledge(alert_id, body.actor, now)["id"])
        except AlertNotFound:
            continue
    return {"acknowledged": done}


@router.post("/alerts/{alert_id}/assign")
def assign(request: Request, alert_id: int, body: AssignRequest) -> dict[str, Any]:
    try:
        return container(request).alerts.assign(alert_id, body.assignee or None)
    except AlertNotFound:
        raise NotFound(f"alert {alert_id} not found") from None


def _service(request: Request) -> AlertService:
    service: AlertService | None = getattr(request.app.state.runtime, "alerting", None)
    if service is None:
        raise PermanentError(
            "alerting is not running (REVCYCLE_ALERTS_ENABLED=false)", code="alerts_disabled"
        )
    return service
