"""The audit log for the compliance officer (and auditors): who read which PHI and who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request

from revcycle.entrypoints.api.deps import container

router = APIRouter(prefix="/api/v1")


@router.get("/audit")
def list_audit(
    request: Request,
    actor: str | None = None,
    kind: str | None = Query(default=None, description="phi-read, action, denied, auth, system"),
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    """Newest first; ``verify`` tells whether the hash chain is intact."""
    log = container(request).audit
    items = log.entries(
        actor=actor, kind=kind, action=action, since=since, until=until, before_seq=before_seq, limit=limit
    )
    return {"items": items, "next_before_seq": items[-1]["seq"] if len(items) == limit else None}
