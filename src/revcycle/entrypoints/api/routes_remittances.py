"""Manual entry of a paper remittance: ``POST /api/v1/remittances``.

The body is the object described in ``adapters.formats.manualremit`` (who entered it, from what source,
the check or trace number, the claim payments); ``entered_at`` defaults to the time of the request. It
is appended to the inbound log and posted by the worker exactly as an 835 is; the answer (202, or 200
for a resend of the same entry) comes after the durable commit, with the message and correlation ids to
follow it by. Invalid entries are rejected with problem+json and kept as dead letters.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from revcycle.adapters.formats import manualremit
from revcycle.adapters.formats.base import UnreadableMessage
from revcycle.entrypoints.api.deps import body_or_oversize, container, interface_name, require_token
from revcycle.entrypoints.api.routes_ingest import rejected
from revcycle.service_layer.edge import Accepted

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


def entry_wire(raw: bytes, now: datetime) -> bytes:
    """The manual remittance's wire form, with ``entered_at`` defaulted to ``now``."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UnreadableMessage("body is not UTF-8 JSON") from None
    if isinstance(document, dict) and isinstance(document.get(manualremit.KEY), dict):
        document = document[manualremit.KEY]
    if not isinstance(document, dict):
        raise UnreadableMessage("body must be a JSON object (a manual remittance)")
    document.setdefault("entered_at", now.isoformat())
    return manualremit.wire(document)


@router.post("/remittances", status_code=202)
async def enter_remittance(request: Request) -> JSONResponse:
    app = container(request)
    interface = interface_name(request, "manual")
    raw = await body_or_oversize(request, interface)
    if isinstance(raw, Accepted):
        return rejected(raw)
    try:
        wire = entry_wire(raw, datetime.now(UTC))
    except UnreadableMessage as error:  # kept as a dead letter like any rejected input
        return rejected(await app.edge.reject(raw, error, interface=interface, transport="http"))
    accepted = await app.edge.receive(wire, interface=interface, transport="http")
    if accepted.rejection is not None:
        return rejected(accepted)
    app.wakeup.set()
    return JSONResponse(
        {
            "message_id": accepted.appended.message_id,
            "correlation_id": accepted.appended.correlation_id,
            "duplicate": accepted.appended.duplicate,
        },
        status_code=200 if accepted.appended.duplicate else 202,
    )
