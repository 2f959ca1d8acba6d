"""ERP master data over HTTP: uploads (answered with their change report), load reports, the versions of
a record and the one valid on a date, what is quarantined, and the state of the scheduled pulls."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from revcycle.adapters.formats import masterdata
from revcycle.adapters.formats.base import UnreadableMessage
from revcycle.adapters.store.master_data_queries import MasterDataQueries
from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.entrypoints.api.deps import body_or_oversize, container, interface_name, require_token
from revcycle.entrypoints.api.problems import problem
from revcycle.entrypoints.api.routes_ingest import rejected
from revcycle.service_layer.edge import Accepted
from revcycle.service_layer.errors import NotFound, PermanentError

router = APIRouter(prefix="/api/v1/master-data", dependencies=[Depends(require_token)])

MAX_WAIT = 60.0


def _queries(request: Request) -> MasterDataQueries:
    return MasterDataQueries(container(request).engine)


def _kind(kind: str) -> str:
    if kind not in masterdata.KINDS:
        raise PermanentError(
            f"unknown master-data kind; expected one of {', '.join(masterdata.KINDS)}", code="unknown_kind"
        )
    return kind


@router.get("/loads")
def list_loads(
    request: Request,
    kind: str | None = None,
    before_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    items = _queries(request).loads(kind=kind, before_id=before_id, limit=limit)
    return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}


@router.get("/loads/{load_id}")
def get_load(request: Request, load_id: int) -> dict[str, Any]:
    found = _queries(request).load(load_id)
    if found is None:
        raise NotFound(f"master-data load {load_id} not found")
    return found


@router.get("/quarantine")
def list_quarantine(
    request: Request, status: str = "held", limit: int = Query(default=100, ge=1, le=1000)
) -> dict[str, Any]:
    """Items held for unknown master data, and per (kind, code) how many wait for it."""
    return _queries(request).quarantined(status=None if status == "all" else status, limit=limit)


@router.get("/pulls")
def list_pulls(request: Request) -> dict[str, Any]:
    return {"items": _queries(request).pulls()}


@router.get("/{kind}/{code}")
def get_record(request: Request, kind: str, code: str, on: date | None = None) -> dict[str, Any]:
    """The version of a record valid on ``on`` (default: the current one) and every version."""
    queries = _queries(request)
    versions = queries.versions(_kind(kind), code)
    if not versions:
        raise NotFound(f"no {kind} {code[:100]}")
    return {
        "kind": kind,
        "code": code,
        "on": on,
        "valid": queries.version_on(kind, code, on),
        "versions": versions,
    }


@router.post("/{kind}", status_code=202)
async def upload_master_data(
    request: Request,
    kind: str,
    wait: float = Query(default=5.0, ge=0, le=MAX_WAIT, description="seconds to wait for the change report"),
) -> JSONResponse:
    """ERP master data as CSV (``text/csv``) or JSON (a list of records, or ``{"records": [...]}``).

    Stored durably first (202; 200 for a resend of a file already held), then loaded by the worker; the
    answer carries the load's change report when it is ready within ``wait`` seconds (else ``report`` is
    null: ``GET /api/v1/master-data/loads?...`` has it later). A file whose every row is invalid answers
    422 with the per-row reasons (it is kept as a dead letter that can be edited and replayed).
    """
    app = container(request)
    raw = await body_or_oversize(request, interface_name(request, "erp"))
    if isinstance(raw, Accepted):
        return rejected(raw)
    _kind(kind)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("text/csv", "application/csv"):
        try:
            wire = masterdata.from_csv(kind, raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise UnreadableMessage("CSV is not UTF-8") from None
    else:
        wire = _json_wire(kind, raw)
    accepted = await app.edge.receive(wire, interface=interface_name(request, "erp"), transport="http")
    if accepted.rejection is not None:
        return rejected(accepted)
    app.wakeup.set()
    message_id = accepted.appended.message_id
    body: dict[str, Any] = {
        "message_id": message_id,
        "correlation_id": accepted.appended.correlation_id,
        "kind": kind,
        "duplicate": accepted.appended.duplicate,
        "load_id": None,
        "report": None,
    }
    outcome = await _await_load(request, message_id, wait)
    if isinstance(outcome, dict) and "report" in outcome:
        body["load_id"] = outcome["id"]
        body["report"] = outcome["report"]
    elif isinstance(outcome, dict):  # dead: every row rejected
        return problem(
            422,
            "master data rejected",
            outcome.get("error"),
            slug="unprocessable",
            code=outcome.get("error_code"),
            **body,
        )
    return JSONResponse(body, status_code=200 if accepted.appended.duplicate else 202)


async def _await_load(request: Request, message_id: int, wait: float) -> dict[str, Any] | None:
    """The load report of a message once the worker made it, or the message if it went dead."""
    master = _queries(request)
    messages = MessageQueries(container(request).engine)
    deadline = time.monotonic() + wait
    while True:
        found = await asyncio.to_thread(master.load_of_message, message_id)
        if found is not None:
            return found
        message = await asyncio.to_thread(messages.get, message_id, include_raw=False)
        if message is not None and message["status"] == "dead":
            return {"error": message["error"], "error_code": message["error_code"]}
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(0.05)


def _json_wire(kind: str, raw: bytes) -> bytes:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UnreadableMessage("body is neither CSV (text/csv) nor UTF-8 JSON") from None
    records = document.get("records") if isinstance(document, dict) else document
    return json.dumps({"kind": kind, "records": records}).encode()
