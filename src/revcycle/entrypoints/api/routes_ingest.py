"""Generic ingest: any supported format, detected from its bytes, answered with a JSON receipt.

The format-specific routes (``/ingest/hl7v2`` answering with ACK text, ``/ingest/x12`` with a 999,
``/fhir/r4``) answer in their own protocol; this one is for tools and files.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from revcycle.adapters.formats.x12.writer import Party12
from revcycle.entrypoints import x12
from revcycle.entrypoints.api.deps import (
    body_or_oversize,
    container,
    interface_name,
    receive_body,
    require_token,
)
from revcycle.entrypoints.api.problems import problem, status_for
from revcycle.entrypoints.runtime import Runtime
from revcycle.service_layer.edge import Accepted

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


def rejected(accepted: Accepted) -> JSONResponse:
    """problem+json for input the edge refused (kept as a dead letter: its message id is given)."""
    assert accepted.rejection is not None
    status, slug = status_for(accepted.rejection)
    return problem(
        status,
        "message rejected",
        str(accepted.rejection),
        slug=slug,
        code=accepted.rejection.code,
        message_id=accepted.appended.message_id,
    )


@router.post("/ingest", status_code=202)
async def ingest(request: Request) -> JSONResponse:
    """202 with the receipt once the message is durably stored (200 for a resend already held)."""
    accepted = await receive_body(request, interface_name(request, "http"))
    receipt: dict[str, Any] = {
        "message_id": accepted.appended.message_id,
        "correlation_id": accepted.appended.correlation_id,
        "format": accepted.receipt.format,
        "type": accepted.receipt.message_type,
        "control_id": accepted.receipt.envelope.control_id if accepted.receipt.envelope else None,
        "message_status": accepted.appended.status,
        "duplicate": accepted.appended.duplicate,
        "collision": accepted.appended.collision,
    }
    if accepted.rejection is not None:
        status, slug = status_for(accepted.rejection)
        return problem(
            status,
            "message rejected",
            str(accepted.rejection),
            slug=slug,
            code=accepted.rejection.code,
            **receipt,
        )
    container(request).wakeup.set()
    return JSONResponse(receipt, status_code=200 if accepted.appended.duplicate else 202)


@router.post("/ingest/hl7v2")
async def ingest_hl7v2(request: Request) -> Response:
    """One HL7 v2 message or a batch (FHS/BHS or consecutive messages); answers with the ACK(s), one per
    message, each ending in CR, after the durable commit. 200 whenever ACKs are produced (an AR is an
    answer, not a transport error); 413 for an over-size body."""
    app = container(request)
    runtime: Runtime = request.app.state.runtime
    interface = interface_name(request, "http-hl7v2")
    raw = await body_or_oversize(request, interface)
    if isinstance(raw, Accepted):
        return rejected(raw)
    acks = await runtime.hl7.handle_batch(raw, interface=interface, transport="http")
    app.wakeup.set()
    return Response(b"".join(acks), media_type="application/hl7-v2; charset=utf-8")


@router.post("/ingest/x12")
async def ingest_x12(request: Request) -> JSONResponse:
    """An X12 interchange (837P/837I, 835, 277CA, 999, TA1...): a JSON summary per transaction set
    and the 999 / TA1 we return, after the durable commit. 400 when the interchange is rejected."""
    app = container(request)
    interface = interface_name(request, "http-x12")
    raw = await body_or_oversize(request, interface)
    if isinstance(raw, Accepted):
        return rejected(raw)
    sender = Party12(
        app.settings.x12_sender_qualifier, app.settings.x12_sender_id, app.settings.x12_sender_id
    )
    answer = await x12.ingest_x12(app.edge, raw, interface=interface, sender=sender)
    app.wakeup.set()
    return JSONResponse(answer.body, status_code=answer.status)
