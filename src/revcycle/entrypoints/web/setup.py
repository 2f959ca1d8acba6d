"""Installs the console on the FastAPI app: templates, static files, pages, actions and live events."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.revenue_queries import RevenueQueries
from revcycle.entrypoints.api.deps import container
from revcycle.service_layer.console import ConsoleService, histogram_summary

HERE = Path(__file__).parent


class PageError(Exception):
    """A console page that cannot be shown (unknown id, bad filter): an HTML page with the status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def money(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return f"${Decimal(str(value)):,.2f}"


def percent(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1f}%"


def number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{float(value):,.1f}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(money=money, percent=percent, number=number)
    return templates


def console_service(request: Request) -> ConsoleService:
    app = container(request)

    def ack_latency() -> dict[str, dict[str, float]]:
        samples = [
            (s.name, s.labels, s.value)
            for metric in app.telemetry.registry.collect()
            if metric.name == "revcycle_ack_seconds"
            for s in metric.samples
        ]
        return histogram_summary(samples)

    return ConsoleService(
        ConsoleQueries(app.engine), RevenueQueries(app.engine), app.queries.backlog, ack_latency
    )


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


def install(app: FastAPI) -> None:
    from revcycle.entrypoints.web import actions, events, pages

    app.state.templates = make_templates()

    async def page_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PageError)
        context = {"nav": "", "status": error.status, "detail": error.detail}
        return templates(request).TemplateResponse(request, "error.html", context, status_code=error.status)

    app.add_exception_handler(PageError, page_error)
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    for module in (pages, actions, events):
        app.include_router(module.router)
