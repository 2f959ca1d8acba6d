"""HTTP errors as RFC 9457 problem details (``application/problem+json``), from one table.

Every error a route can meet maps to one status here; texts are the layers' PHI-free reasons. An
unexpected error answers 500 with a generic text and its correlation id, never a stack trace.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from revcycle.adapters.formats.base import (
    FormatError,
    MappingError,
    TooLarge,
    UnknownFormat,
    UnreadableMessage,
)
from revcycle.service_layer.errors import (
    Forbidden,
    MessageTooLarge,
    NotAuthenticated,
    NotFound,
    PermanentError,
    ServiceError,
    TransientError,
)

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

# (exception type, HTTP status, problem type slug); the first matching row wins.
STATUS_TABLE: tuple[tuple[type[Exception], int, str], ...] = (
    (MessageTooLarge, 413, "too-large"),
    (NotAuthenticated, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not-found"),
    (TooLarge, 413, "too-large"),
    (UnknownFormat, 415, "unknown-format"),
    (UnreadableMessage, 400, "unreadable"),
    (MappingError, 422, "unprocessable"),
    (FormatError, 400, "format-error"),
    (TransientError, 503, "unavailable"),
    (PermanentError, 422, "unprocessable"),
    (ServiceError, 400, "bad-request"),
)


def problem(
    status: int, title: str, detail: str | None = None, *, slug: str | int | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response; ``extra`` members are added beside the standard ones."""
    body: dict[str, Any] = {
        "type": f"https://revcycle.dev/problems/{slug or status}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in extra.items() if key not in body})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def status_for(error: Exception) -> tuple[int, str]:
    for kind, status, slug in STATUS_TABLE:
        if isinstance(error, kind):
            return status, slug
    return 500, "internal"


def install(app: FastAPI) -> None:
    @app.exception_handler(FormatError)
    @app.exception_handler(ServiceError)
    async def _known(request: Request, error: Exception) -> JSONResponse:
        status, slug = status_for(error)
        code = getattr(error, "code", slug)
        return problem(status, slug.replace("-", " "), str(error), slug=slug, code=code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), slug=str(error.status_code))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in error.errors()
        ]
        return problem(
            422,
            "invalid request",
            "the request's parameters or body are invalid",
            slug="invalid",
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        incident = str(uuid.uuid4())
        log.error(
            "unhandled %s on %s %s (incident %s)",
            type(error).__name__,
            request.method,
            request.url.path,
            incident,
        )
        return problem(
            500,
            "internal error",
            "the server could not complete the request",
            slug="internal",
            incident=incident,
        )
