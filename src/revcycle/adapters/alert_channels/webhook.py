"""Generic webhook: the notification as JSON, signed with HMAC-SHA256.

Headers: ``X-Revcycle-Timestamp`` (Unix seconds) and ``X-Revcycle-Signature: sha256=<hex>`` where the
MAC is over ``<timestamp>.<body>`` (the scheme Stripe and Slack use, so a receiver can refuse replays).
Retries with exponential backoff are the dispatcher's (``max_attempts``, ``backoff_seconds``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from revcycle.adapters.alert_channels.base import Notification
from revcycle.adapters.alert_channels.http_post import post_json

SIGNATURE_HEADER = "X-Revcycle-Signature"
TIMESTAMP_HEADER = "X-Revcycle-Timestamp"


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(key: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(key, timestamp, body), signature)


@dataclass
class WebhookChannel:
    name: str
    url: str
    key: bytes | None
    timeout: float = 5.0
    max_attempts: int = 5
    backoff_seconds: float = 1.0

    def send(self, notification: Notification) -> None:
        body = json.dumps(notification.as_json(), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {TIMESTAMP_HEADER: timestamp, "X-Revcycle-Event": notification.event}
        if self.key:
            headers[SIGNATURE_HEADER] = sign(self.key, timestamp, body)
        post_json(self.url, body, headers, self.timeout)
