"""The FastAPI application factory. The container and the runtime (group commit, workers, MLLP) are
built in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from revcycle import __version__
from revcycle.bootstrap import Container
from revcycle.entrypoints.api import (
    auth,
    phi_masking,
    problems,
    routes_alerts,
    routes_audit,
    routes_auth,
    routes_billing,
    routes_claim_build,
    routes_clinical,
    routes_erp,
    routes_fhir,
    routes_findings,
    routes_ingest,
    routes_master_data,
    routes_messages,
    routes_remittances,
    routes_system,
    security_headers,
)
from revcycle.entrypoints.runtime import Runtime
from revcycle.entrypoints.web import setup as web_console


def create_app(make_container: Callable[[], Container]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = make_container()
        runtime = Runtime(container)
        app.state.container = container
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # Every route is decided by the permission matrix (security/permissions.py) through ``authorize``.
    app = FastAPI(
        title="revcycle", version=__version__, lifespan=lifespan, dependencies=[Depends(auth.authorize)]
    )
    problems.install(app)
    phi_masking.install(app)
    security_headers.install(app)
    for module in (
        routes_system,
        routes_ingest,
        routes_messages,
        routes_clinical,
        routes_billing,
        routes_claim_build,
        routes_remittances,
        routes_fhir,
        routes_findings,
        routes_master_data,
        routes_erp,
        routes_auth,
        routes_audit,
        routes_alerts,
    ):
        app.include_router(module.router)
    web_console.install(app)
    return app
