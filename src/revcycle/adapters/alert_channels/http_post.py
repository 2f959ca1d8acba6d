"""One JSON POST shared by the webhook-style channels: 2xx is delivered, 4xx (but 408/429) is final."""

from __future__ import annotations

from typing import Any

import httpx

from revcycle.adapters.alert_channels.base import DeliveryError

_RETRYABLE_4XX = {408, 425, 429}


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    try:
        response = httpx.post(
            url, content=body, headers={"content-type": "application/json", **headers}, timeout=timeout
        )
    except httpx.HTTPError as error:
        raise DeliveryError(f"POST failed: {type(error).__name__}") from None
    if 200 <= response.status_code < 300:
        return
    final = 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX
    raise DeliveryError(f"receiver answered HTTP {response.status_code}", retry=not final)


def compact(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}
