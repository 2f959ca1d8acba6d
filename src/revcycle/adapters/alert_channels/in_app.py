"""The in-app channel: the alert row itself is the notification (the console and ``GET /api/v1/alerts``
show it, and the console's event stream pushes it); delivering is recording that it was shown."""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.adapters.alert_channels.base import Notification


@dataclass
class InAppChannel:
    name: str = "in_app"
    max_attempts: int = 1
    backoff_seconds: float = 1.0

    def send(self, notification: Notification) -> None:
        return None
