"""Answers to principals without ``phi.view`` leave with PHI masked (``security.masking``), whatever
route produced them: one place, so a new route cannot forget it. ``auth.authorize`` decides per request
(``request.state.mask_phi``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from revcycle.security.masking import mask

_JSON = ("application/json", "application/problem+json", "application/fhir+json")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def _mask_phi(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if not getattr(request.state, "mask_phi", False) or media not in _JSON:
            return response  # pages render through ``auth.shows_phi``; raw payloads need messages.raw
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        if body:
            body = json.dumps(mask(json.loads(body)), separators=(",", ":")).encode()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body, status_code=response.status_code, headers=headers)
