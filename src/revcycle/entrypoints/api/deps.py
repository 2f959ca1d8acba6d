"""Request dependencies: the container from the app's state, authentication (see ``auth``), body limits."""

from __future__ import annotations

import re

from fastapi import Request

from revcycle.bootstrap import Container
from revcycle.service_layer.edge import Accepted
from revcycle.service_layer.errors import MessageTooLarge

KEPT_PREFIX = 64 * 1024
_INTERFACE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


async def require_token(request: Request) -> None:
    """A signed-in principal (token or session) is required. The application-wide ``auth.authorize``
    already decides every route from the permission matrix; routers keep this as a second line."""
    from revcycle.entrypoints.api.auth import current_user  # auth builds on this module

    await current_user(request)


def interface_name(request: Request, default: str) -> str:
    """The sending interface, from ``X-Revcycle-Interface`` (bounded charset), else the route's default."""
    name = request.headers.get("x-revcycle-interface", "")
    return name if _INTERFACE.match(name) else default


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            prefix = b"".join(chunks)[:KEPT_PREFIX]
            raise MessageTooLarge(f"body exceeds the limit of {limit} bytes", prefix=prefix)
    return b"".join(chunks)


async def receive_body(request: Request, interface: str) -> Accepted:
    """Read the body and hand it to the edge; an over-size body is kept (its prefix) as a dead letter."""
    app = container(request)
    raw = await body_or_oversize(request, interface)
    if isinstance(raw, Accepted):
        return raw
    return await app.edge.receive(raw, interface=interface, transport="http")


async def body_or_oversize(request: Request, interface: str) -> bytes | Accepted:
    """The body, or, when it passes the limit, the dead letter its first bytes were kept as."""
    app = container(request)
    try:
        return await read_body(request, app.settings.max_message_bytes)
    except MessageTooLarge as error:
        return await app.edge.reject_oversize(error.prefix, interface=interface, transport="http")
