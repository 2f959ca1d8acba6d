"""What every alert channel receives and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class DeliveryError(Exception):
    """A notification could not be delivered; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True, slots=True)
class Notification:
    """One event of one alert. PHI-free by construction: rule, codes, ids, counts, amounts."""

    alert_id: int
    event: str  # opened, reminder, escalated, resolved
    rule: str
    key: str
    severity: str
    summary: str
    status: str
    opened_at: datetime
    at: datetime
    assigned_to: str | None = None
    correlation_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    link: str | None = None

    @property
    def title(self) -> str:
        verb = {
            "opened": "ALERT",
            "reminder": "STILL OPEN",
            "escalated": "ESCALATED",
            "resolved": "RESOLVED",
        }.get(self.event, self.event.upper())
        return f"[revcycle {verb}] {self.severity.upper()} {self.rule}: {self.summary}"

    def as_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "event": self.event,
            "rule": self.rule,
            "key": self.key,
            "severity": self.severity,
            "summary": self.summary,
            "status": self.status,
            "opened_at": self.opened_at.isoformat(),
            "at": self.at.isoformat(),
            "assigned_to": self.assigned_to,
            "correlation_id": self.correlation_id,
            "details": self.details,
            "link": self.link,
        }


class Channel(Protocol):
    """Delivers one notification or raises DeliveryError."""

    name: str
    max_attempts: int
    backoff_seconds: float

    def send(self, notification: Notification) -> None: ...
