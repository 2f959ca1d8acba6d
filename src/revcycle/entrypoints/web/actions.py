"""Console actions (HTML forms, answered with a redirect back): acknowledge and assign alerts, bulk
actions on the work queue, replay and edit-and-replay dead letters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from revcycle.adapters.store.alert_store import AlertNotFound
from revcycle.adapters.store.work_queue import SqlWorkQueue
from revcycle.entrypoints.api.deps import container
from revcycle.entrypoints.web.access import actor, page_access
from revcycle.service_layer.errors import NotFound, PermanentError

router = APIRouter(prefix="/console/actions", dependencies=[Depends(page_access())], include_in_schema=False)
Ids = Annotated[list[int], Form(default_factory=list)]


def _back(request: Request, fallback: str) -> RedirectResponse:
    referer = request.headers.get("referer", "")
    target = referer if referer.startswith(str(request.base_url)) else fallback
    return RedirectResponse(target, status_code=303)


@router.post("/alerts/acknowledge")
def acknowledge(request: Request, ids: Ids) -> RedirectResponse:
    store, now = container(request).alerts, datetime.now(UTC)
    for alert_id in ids:
        try:
            store.acknowledge(alert_id, actor(request), now)
        except AlertNotFound:
            raise NotFound(f"alert {alert_id} not found") from None
    return _back(request, "/console/alerts")


@router.post("/alerts/{alert_id}/assign")
def assign(
    request: Request, alert_id: int, assignee: Annotated[str, Form(max_length=100)] = ""
) -> RedirectResponse:
    try:
        container(request).alerts.assign(alert_id, assignee.strip() or None)
    except AlertNotFound:
        raise NotFound(f"alert {alert_id} not found") from None
    return _back(request, "/console/alerts")


@router.post("/findings")
def findings_bulk(
    request: Request,
    ids: Ids,
    action: Annotated[str, Form()],
    owner: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    if not ids:
        raise PermanentError("select at least one finding", code="nothing_selected")
    queue = SqlWorkQueue(container(request).engine)
    who = actor(request)
    if action == "assign":
        queue.bulk(ids, "assign", actor=who, owner=owner.strip() or None)
    elif action in ("in_progress", "resolved", "ignored", "open"):
        queue.bulk(ids, "status", actor=who, status=action)
    else:
        raise PermanentError(f"unknown action {action[:40]!r}", code="unknown_action")
    return _back(request, "/console/work-queue")


@router.post("/dead-letters/replay")
def replay(request: Request, ids: Ids) -> RedirectResponse:
    if not ids:
        raise PermanentError("select at least one dead letter", code="nothing_selected")
    app = container(request)
    app.dead_letters.replay(sorted(set(ids)), actor=actor(request), note="replayed from the console")
    app.wakeup.set()
    return _back(request, "/console/operations")


@router.post("/dead-letters/{dead_letter_id}/edit")
def edit(request: Request, dead_letter_id: int, raw: Annotated[str, Form(min_length=1)]) -> RedirectResponse:
    app = container(request)
    text = raw.replace("\r\n", "\r").replace("\n", "\r") if raw.lstrip().startswith("MSH") else raw
    result = app.dead_letters.edit_and_replay(
        dead_letter_id, text.encode(), actor=actor(request), note="edited in the console"
    )
    if result.outcome == "not_found":
        raise NotFound(f"dead letter {dead_letter_id} not found")
    app.wakeup.set()
    return RedirectResponse(f"/console/dead-letters/{dead_letter_id}", status_code=303)
