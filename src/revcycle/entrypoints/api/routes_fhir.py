"""FHIR R4 REST: create / update / read of the billing resources, and batch / transaction Bundles.

Errors are OperationOutcome resources with a 4xx status (http://hl7.org/fhir/R4/http.html#2.21.0.4);
every accepted body is durably stored before the answer, like every other entry point. Processing is
asynchronous: the answer says the resource was accepted (201 / 200), the worker maps it afterwards.
``GET /fhir/r4/{type}/{id}`` returns the latest accepted version as received.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import or_, select

from revcycle.adapters.formats.base import FormatError
from revcycle.adapters.formats.fhir import identify, parse, strict
from revcycle.adapters.formats.fhir.bundle import Bundle
from revcycle.adapters.formats.fhir.errors import InvalidElement
from revcycle.adapters.formats.fhir.outcome import operation_outcome
from revcycle.adapters.store.schema import inbound_messages
from revcycle.entrypoints.api.deps import container, interface_name, read_body, require_token
from revcycle.entrypoints.api.problems import status_for
from revcycle.service_layer.edge import Accepted
from revcycle.service_layer.errors import MessageTooLarge, TransientError

router = APIRouter(prefix="/fhir/r4", dependencies=[Depends(require_token)])
FHIR_JSON = "application/fhir+json"


def outcome(status: int, code: str, diagnostics: str) -> JSONResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def rejected(error: FormatError) -> JSONResponse:
    status, _ = status_for(error)
    return JSONResponse(
        operation_outcome(error), status_code=status if status < 500 else 400, media_type=FHIR_JSON
    )


async def _accept(request: Request, raw: bytes, expected_type: str) -> Accepted | JSONResponse:
    """Check the body against the URL (and strict validation when enabled), then store it."""
    app = container(request)
    try:
        identify(raw, expected_type=expected_type)
        if app.settings.strict_fhir:
            strict.validate(raw)
    except FormatError as error:
        return await _reject_and_keep(request, raw, error)
    try:
        accepted = await app.edge.receive(
            raw, interface=interface_name(request, "http-fhir"), transport="http"
        )
    except TransientError:
        return outcome(503, "transient", "the store is unavailable; retry later")
    if accepted.rejection is not None:
        return rejected(accepted.rejection)
    app.wakeup.set()
    return accepted


async def _body(request: Request) -> bytes | JSONResponse:
    try:
        return await read_body(request, container(request).settings.max_message_bytes)
    except MessageTooLarge as error:
        return outcome(413, "too-costly", str(error))


def _with_id(raw: bytes) -> tuple[bytes, str]:
    """FHIR create: the server assigns the id. Ours is derived from the content, so that a resend of
    the same id-less body is recognised as the same resource (and not stored twice)."""
    document = json.loads(raw)
    if isinstance(document, dict) and isinstance(document.get("id"), str) and document["id"]:
        return raw, str(document["id"])
    assigned = hashlib.sha256(raw).hexdigest()[:32]
    document["id"] = assigned
    return json.dumps(document, separators=(",", ":")).encode(), assigned


@router.post("")
async def batch_or_transaction(request: Request) -> Response:
    """A batch or transaction Bundle (also collection / searchset as Synthea and Blue Button send)."""
    raw = await _body(request)
    if isinstance(raw, JSONResponse):
        return raw
    result = await _accept(request, raw, "Bundle")
    if isinstance(result, JSONResponse):
        return result
    bundle = parse(raw)
    assert isinstance(bundle, Bundle)
    status = "200 OK" if result.appended.duplicate else "201 Created"
    entries = [{"response": {"status": status}} for _ in bundle.entries]
    body = {
        "resourceType": "Bundle",
        "type": f"{bundle.type}-response" if bundle.type in ("batch", "transaction") else "batch-response",
        "entry": entries,
    }
    return JSONResponse(
        body,
        status_code=200,
        media_type=FHIR_JSON,
        headers={"X-Correlation-Id": result.appended.correlation_id},
    )


@router.post("/{resource_type}")
async def create(request: Request, resource_type: str) -> Response:
    raw = await _body(request)
    if isinstance(raw, JSONResponse):
        return raw
    try:
        identify(raw, expected_type=resource_type)
        raw, resource_id = _with_id(raw)
    except FormatError as error:
        return await _reject_and_keep(request, raw, error)
    result = await _accept(request, raw, resource_type)
    if isinstance(result, JSONResponse):
        return result
    return _created(resource_type, resource_id, result)


@router.put("/{resource_type}/{resource_id}")
async def update(request: Request, resource_type: str, resource_id: str) -> Response:
    raw = await _body(request)
    if isinstance(raw, JSONResponse):
        return raw
    try:
        identify(raw, expected_type=resource_type)
        _, body_id = _with_id(raw)
        if body_id != resource_id:
            raise InvalidElement("resource id does not match the id in the URL", location="$.id")
    except FormatError as error:
        return await _reject_and_keep(request, raw, error)
    result = await _accept(request, raw, resource_type)
    if isinstance(result, JSONResponse):
        return result
    return _created(resource_type, resource_id, result)


async def _reject_and_keep(request: Request, raw: bytes, error: FormatError) -> JSONResponse:
    """Refuse with an OperationOutcome, keeping the body as a dead letter (never silently dropped)."""
    try:
        await container(request).edge.reject(
            raw, error, interface=interface_name(request, "http-fhir"), transport="http"
        )
    except TransientError:
        return outcome(503, "transient", "the store is unavailable; retry later")
    return rejected(error)


def _created(resource_type: str, resource_id: str, accepted: Accepted) -> JSONResponse:
    status = 200 if accepted.appended.duplicate else 201
    body: dict[str, Any] = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": "accepted; processing asynchronously" if status == 201 else "already received",
            }
        ],
    }
    headers = {
        "Location": f"/fhir/r4/{resource_type}/{resource_id}",
        "X-Correlation-Id": accepted.appended.correlation_id,
    }
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)


@router.get("/{resource_type}/{resource_id}")
def read(request: Request, resource_type: str, resource_id: str) -> Response:
    """The latest accepted version of a resource, as received."""
    m = inbound_messages.c
    query = (
        select(m.raw)
        .where(m.format == "fhir", m.message_type == resource_type)
        .where(or_(m.status != "dead", m.processed_at.is_not(None)))  # not refused at the edge
        .where(or_(m.control_id == resource_id, m.control_id.like(f"{resource_id}/_history/%")))
        .order_by(m.id.desc())
        .limit(1)
    )
    with container(request).engine.connect() as conn:
        raw = conn.execute(query).scalar()
    if raw is None:
        return outcome(404, "not-found", f"{resource_type}/{resource_id} is not known")
    return Response(bytes(raw), media_type=FHIR_JSON)
