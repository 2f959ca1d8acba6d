"""Installs the console on the FastAPI app: templates, static files, pages, actions and live events."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.revenue_queries import RevenueQueries
from revcycle.entrypoints.api.deps import container
from revcycle.entrypoints.api.problems import problem, status_for
from revcycle.security.principal import Principal
from revcycle.service_layer.console import ConsoleService, histogram_summary
from revcycle.service_layer.errors import Forbidden, NotAuthenticated

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


def signed_in(request: Request) -> dict[str, Any]:
    """Every page's view of who is signed in: the name in the header and the session's CSRF token,
    which every form posting an action carries (the security layer refuses cookie writes without it)."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        return {"user": None, "csrf_token": ""}
    return {"user": principal.name, "csrf_token": principal.csrf_token or ""}


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[signed_in])
    templates.env.filters.update(money=money, percent=percent, number=number)
    return templates


def console_service(request: Request) -> ConsoleService:
    app = container(request)

    def ack_latency() -> dict[str, dict[str, float]]:
        samples = [
            (s.name, s.labels, s.value)
            for metric in app.telemetry.collect()
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


def _browser_page(request: Request) -> bool:
    """A console page asked for by a browser (not the live stream, not an API client)."""
    path = request.url.path
    console = path == "/" or path == "/console" or path.startswith("/console/")
    return console and "text/html" in request.headers.get("accept", "")


def _problem(error: Exception) -> Response:
    status, slug = status_for(error)
    return problem(status, slug.replace("-", " "), str(error), slug=slug, code=getattr(error, "code", slug))


def install(app: FastAPI) -> None:
    from revcycle.entrypoints.web import actions, events, login, pages

    app.state.templates = make_templates()

    async def page_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PageError)
        context = {"nav": "", "status": error.status, "detail": error.detail}
        return templates(request).TemplateResponse(request, "error.html", context, status_code=error.status)

    async def not_signed_in(request: Request, error: Exception) -> Response:
        if not _browser_page(request):
            return _problem(error)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)

    async def forbidden(request: Request, error: Exception) -> Response:
        if not _browser_page(request):
            return _problem(error)
        context = {"nav": "", "status": 403, "detail": str(error)}
        return templates(request).TemplateResponse(request, "error.html", context, status_code=403)

    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(NotAuthenticated, not_signed_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    for module in (login, pages, actions, events):
        app.include_router(module.router)
