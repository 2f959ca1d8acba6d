"""Live updates for the console: a server-sent event stream (``text/event-stream``) carrying the
overview figures every ``interval`` seconds, until the browser goes away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError

from revcycle.entrypoints.web.access import page_access
from revcycle.entrypoints.web.setup import console_service

router = APIRouter(dependencies=[Depends(page_access())], include_in_schema=False)


@router.get("/console/events")
async def events(request: Request, interval: float = Query(default=2.0, ge=0.2, le=60)) -> StreamingResponse:
    service = console_service(request)

    async def stream() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            try:
                data = await asyncio.to_thread(service.overview)
            except SQLAlchemyError:
                yield "event: unavailable\ndata: {}\n\n"
            else:
                data.pop("per_minute", None)
                yield f"event: overview\ndata: {json.dumps(data, default=str)}\n\n"
            await asyncio.sleep(interval)

    headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
