"""Request dependencies: the container from the app's state, bearer-token authentication, body limits."""

from __future__ import annotations

import hmac
import re

from fastapi import Request

from revcycle.bootstrap import Container
from revcycle.service_layer.errors import MessageTooLarge, NotAuthenticated

_INTERFACE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


def require_token(request: Request) -> None:
    """When ``REVCYCLE_API_TOKEN`` is set, API routes need ``Authorization: Bearer <token>``."""
    expected = container(request).settings.api_token
    if not expected:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise NotAuthenticated("missing or invalid bearer token")


def interface_name(request: Request, default: str) -> str:
    """The sending interface, from ``X-Revcycle-Interface`` (bounded charset), else the route's default."""
    name = request.headers.get("x-revcycle-interface", "")
    return name if _INTERFACE.match(name) else default


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise MessageTooLarge(f"body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise MessageTooLarge(f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
