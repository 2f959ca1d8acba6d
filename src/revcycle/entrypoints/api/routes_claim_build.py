"""``POST /api/v1/claims``: build the claim of a visit from its charges (for a visit no 837 came in for).

Body: ``{"encounter_id": <id from GET /api/v1/encounters>, "billing_npi": "..."}`` (the NPI optional).
The claim is built and scrubbed in one transaction (``BuildClaim``); the answer is the claim with its
status (scrubbed, or draft with the scrub's problems), 201. A visit that already has a claim answers
200 with that claim. The 837 the billing platform later sends for the visit number submits it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from revcycle.adapters.store import posting_queries
from revcycle.adapters.store.billing_queries import BillingQueries, Page
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.adapters.store.work_queue import FindingFilter, SqlWorkQueue
from revcycle.domain import commands as c
from revcycle.entrypoints.api.deps import container, require_token
from revcycle.service_layer.correlation import new_correlation_id
from revcycle.service_layer.errors import NotFound
from revcycle.service_layer.ports import MessageContext

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])


class BuildRequest(BaseModel):
    encounter_id: int
    billing_npi: str | None = Field(default=None, pattern=r"^\d{10}$")


@router.post("/claims", status_code=201)
def build_claim(request: Request, body: BuildRequest) -> JSONResponse:
    app = container(request)
    visit = posting_queries.visit_of_encounter(app.engine, body.encounter_id)
    if visit is None:
        raise NotFound(f"encounter {body.encounter_id} not found")
    queries = BillingQueries(app.engine)
    before = queries.claims(Page(limit=1), patient_control_number=visit[1])
    now = datetime.now(UTC)
    ctx = MessageContext(correlation_id=new_correlation_id(), received_at=now, now=now, actor="api")
    with SqlUnitOfWork(app.engine) as uow:
        app.worker.bus.handle(c.BuildClaim(visit[0], visit[1], body.billing_npi), uow, ctx)
        uow.commit()
    [item] = queries.claims(Page(limit=1), patient_control_number=visit[1])
    found: dict[str, Any] = queries.claim(int(item["id"])) or {}
    problems = SqlWorkQueue(app.engine).search(
        FindingFilter(type="claim_not_ready", subject_id=str(item["id"]), limit=1)
    )["items"]
    found["problems"] = problems[0]["details"]["problems"] if problems else []
    found["correlation_id"] = ctx.correlation_id
    return JSONResponse(jsonable_encoder(found), status_code=200 if before else 201)
