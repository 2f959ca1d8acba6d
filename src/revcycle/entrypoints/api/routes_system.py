"""Liveness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from revcycle import __version__
from revcycle.entrypoints.api.deps import container

router = APIRouter()


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness plus a store round trip; 200 when the store answers. ``worker`` says whether processing
    runs yet (``starting`` while the worker process builds; messages are accepted meanwhile and wait in
    the log), ``ready``, ``stopped`` or ``off``."""
    app = container(request)
    with app.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    runtime = getattr(request.app.state, "runtime", None)
    return {
        "status": "ok",
        "version": __version__,
        "store": app.engine.dialect.name,
        "worker": runtime.worker_state if runtime is not None else "off",
    }


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(container(request).telemetry.render(), media_type=CONTENT_TYPE_LATEST)
