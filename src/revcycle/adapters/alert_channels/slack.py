"""Slack incoming-webhook payload (``text`` plus Block Kit ``blocks``; also accepted by Mattermost and
Rocket.Chat)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from revcycle.adapters.alert_channels.base import Notification
from revcycle.adapters.alert_channels.http_post import post_json


def payload(notification: Notification) -> dict[str, Any]:
    fields = [
        {"type": "mrkdwn", "text": f"*Severity*\n{notification.severity}"},
        {"type": "mrkdwn", "text": f"*Status*\n{notification.status}"},
        {"type": "mrkdwn", "text": f"*Rule*\n{notification.rule}"},
        {"type": "mrkdwn", "text": f"*Opened*\n{notification.opened_at:%Y-%m-%d %H:%M} UTC"},
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{notification.title}*"}},
        {"type": "section", "fields": fields},
    ]
    if notification.link:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notification.link}]})
    return {"text": notification.title, "blocks": blocks}


@dataclass
class SlackChannel:
    name: str
    url: str
    timeout: float = 5.0
    max_attempts: int = 5
    backoff_seconds: float = 1.0

    def send(self, notification: Notification) -> None:
        post_json(self.url, json.dumps(payload(notification)).encode(), {}, self.timeout)
