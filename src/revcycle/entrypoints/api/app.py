"""The FastAPI application factory. The container and the runtime (group commit, workers, MLLP) are
built in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from revcycle import __version__
from revcycle.bootstrap import Container
from revcycle.entrypoints.api import (
    problems,
    routes_alerts,
    routes_billing,
    routes_clinical,
    routes_fhir,
    routes_ingest,
    routes_messages,
    routes_system,
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

    app = FastAPI(title="revcycle", version=__version__, lifespan=lifespan)
    problems.install(app)
    for module in (
        routes_system,
        routes_ingest,
        routes_messages,
        routes_clinical,
        routes_billing,
        routes_fhir,
        routes_alerts,
    ):
        app.include_router(module.router)
    web_console.install(app)
    return app
