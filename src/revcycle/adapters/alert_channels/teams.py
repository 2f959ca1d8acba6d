"""Microsoft Teams incoming-webhook payload: an Adaptive Card (schema 1.4) in a ``message`` attachment,
the form Teams workflows and connectors accept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from revcycle.adapters.alert_channels.base import Notification
from revcycle.adapters.alert_channels.http_post import post_json

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def payload(notification: Notification) -> dict[str, Any]:
    facts = [
        {"title": "Severity", "value": notification.severity},
        {"title": "Status", "value": notification.status},
        {"title": "Rule", "value": notification.rule},
        {"title": "Opened", "value": f"{notification.opened_at:%Y-%m-%d %H:%M} UTC"},
    ]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": notification.title, "weight": "Bolder", "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if notification.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in revcycle", "url": notification.link}]
    return {"type": "message", "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}]}


@dataclass
class TeamsChannel:
    name: str
    url: str
    timeout: float = 5.0
    max_attempts: int = 5
    backoff_seconds: float = 1.0

    def send(self, notification: Notification) -> None:
        post_json(self.url, json.dumps(payload(notification)).encode(), {}, self.timeout)
