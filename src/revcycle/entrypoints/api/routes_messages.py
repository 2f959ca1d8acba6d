"""The inbound log (message browser) and dead letters: list, inspect, edit, replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from revcycle.adapters.store.message_queries import MessageFilter
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.service_layer.errors import NotFound, PermanentError

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


@router.get("/messages")
def list_messages(
    request: Request,
    status: str | None = None,
    format: str | None = None,
    type: str | None = Query(default=None, description="message type, e.g. ADT_A01, 837P"),
    control_id: str | None = None,
    correlation_id: str | None = None,
    interface: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    collision: bool | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    flt = MessageFilter(
        status, format, type, control_id, correlation_id, interface, since, until, collision, before_id, limit
    )
    items = container(request).queries.messages(flt)
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/messages/{message_id}")
def get_message(request: Request, message_id: int) -> dict[str, Any]:
    found = container(request).queries.get(message_id, include_raw=True)
    if found is None:
        raise NotFound(f"message {message_id} not found")
    return found


@router.get("/dead-letters")
def list_dead_letters(
    request: Request,
    status: str | None = "open",
    reason_code: str | None = None,
    stage: str | None = None,
    format: str | None = None,
    type: str | None = None,
    interface: str | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = container(request).queries.dead_letters(
        status=status or None,
        reason_code=reason_code,
        stage=stage,
        fmt=format,
        message_type=type,
        interface=interface,
        before_id=before_id,
        limit=limit,
    )
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/dead-letters/{dead_letter_id}")
def get_dead_letter(request: Request, dead_letter_id: int) -> dict[str, Any]:
    found = container(request).queries.dead_letter(dead_letter_id)
    if found is None:
        raise NotFound(f"dead letter {dead_letter_id} not found")
    return found


class ReplayFilter(BaseModel):
    reason_code: str | None = None
    stage: str | None = None
    format: str | None = None
    type: str | None = None
    interface: str | None = None


class ReplayRequest(BaseModel):
    ids: list[int] = Field(default_factory=list, max_length=10_000)
    filter: ReplayFilter | None = None
    actor: str = Field(default="api", max_length=100)
    note: str | None = Field(default=None, max_length=1000)


class EditRequest(BaseModel):
    raw: str = Field(min_length=1)
    actor: str = Field(default="api", max_length=100)
    note: str | None = Field(default=None, max_length=1000)


@router.post("/dead-letters/replay")
def replay_dead_letters(request: Request, body: ReplayRequest) -> dict[str, Any]:
    """Replay the listed dead letters, or every open one matching ``filter``."""
    app = container(request)
    ids = list(body.ids)
    if body.filter is not None:
        f = body.filter
        ids += app.dead_letters.ids_matching(
            reason_code=f.reason_code, stage=f.stage, fmt=f.format, message_type=f.type, interface=f.interface
        )
    if not ids:
        raise PermanentError("give ids or a filter that matches open dead letters", code="nothing_to_replay")
    results = app.dead_letters.replay(sorted(set(ids)), actor=body.actor, note=body.note)
    app.wakeup.set()
    return {"results": [_as_dict(r) for r in results]}


@router.post("/dead-letters/{dead_letter_id}/edit")
def edit_dead_letter(request: Request, dead_letter_id: int, body: EditRequest) -> dict[str, Any]:
    """Replace a dead letter's message with an edited copy and process that copy."""
    app = container(request)
    result = app.dead_letters.edit_and_replay(
        dead_letter_id, body.raw.encode(), actor=body.actor, note=body.note
    )
    if result.outcome == "not_found":
        raise NotFound(f"dead letter {dead_letter_id} not found")
    app.wakeup.set()
    return _as_dict(result)


def _as_dict(result: Any) -> dict[str, Any]:
    return {name: getattr(result, name) for name in result.__slots__}
