"""Delivers queued notifications through their channels: concurrently, with exponential backoff
between attempts (``backoff_seconds * 2**(attempt-1)``, at most an hour) up to ``max_attempts``.

Outcomes are recorded in groups of up to ``SETTLE_EVERY``, one transaction per group, as the sends
complete (a transaction per delivery was most of the cost of an alert storm). Delivery is at least
once: a crash between a send and the commit of its group sends that notification again after a
restart (at most a group and the sends in flight; each carries its alert id and event, for receivers
that de-duplicate)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from revcycle.adapters.alert_channels.base import Channel, DeliveryError, Notification
from revcycle.domain.findings import Severity

log = logging.getLogger(__name__)
MAX_BACKOFF = 3600.0
SETTLE_EVERY = 25


class DeliveryRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def alert_id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def attempts(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery attempt: ``sent`` (at ``at``), ``pending`` (retry at ``at``) or
    ``failed``."""

    delivery_id: int
    status: str
    attempts: int
    at: datetime
    error: str | None = None


class DeliveryStore(Protocol):
    def due(self, now: datetime, limit: int = 200) -> list[tuple[Any, dict[str, Any]]]: ...
    def settle(self, outcomes: Sequence[Outcome]) -> None: ...


def notification(event: str, alert: Mapping[str, Any], at: datetime, link_base: str | None) -> Notification:
    severity = int(alert["severity"])
    known = {int(level) for level in Severity}
    name = Severity(severity).name.lower() if severity in known else str(severity)
    return Notification(
        alert_id=int(alert["id"]),
        event=event,
        rule=str(alert["rule"]),
        key=str(alert["key"]),
        severity=name,
        summary=str(alert["summary"]),
        status=str(alert["status"]),
        opened_at=datetime.fromisoformat(str(alert["opened_at"])),
        at=at,
        assigned_to=alert.get("assigned_to"),
        correlation_id=alert.get("correlation_id"),
        details=dict(alert.get("details") or {}),
        link=f"{link_base.rstrip('/')}/console/alerts?alert={alert['id']}" if link_base else None,
    )


class Dispatcher:
    def __init__(
        self,
        store: DeliveryStore,
        channels: Callable[[], Mapping[str, Channel]],
        *,
        link_base: str | None = None,
        workers: int = 4,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.channels = channels
        self.link_base = link_base
        self.clock = clock
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="revcycle-alert-send")

    def run_due(self) -> int:
        """Send every due notification once; returns how many were delivered."""
        due = self.store.due(self.clock())
        if not due:
            return 0
        sent = 0
        group: list[Outcome] = []
        futures = [self.pool.submit(self._send, delivery, alert) for delivery, alert in due]
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            sent += outcome.status == "sent"
            group.append(outcome)
            if len(group) >= SETTLE_EVERY or done == len(futures):
                self.store.settle(group)
                group = []
        return sent

    def _send(self, delivery: DeliveryRow, alert: dict[str, Any]) -> Outcome:
        channels = self.channels()
        channel = channels.get(delivery.channel)
        attempts = delivery.attempts + 1
        if channel is None:
            error = f"channel {delivery.channel!r} is not configured"
            return Outcome(delivery.id, "failed", attempts, self.clock(), error)
        try:
            channel.send(notification(delivery.event, alert, self.clock(), self.link_base))
        except DeliveryError as error:
            if error.retry and attempts < channel.max_attempts:
                wait = min(MAX_BACKOFF, channel.backoff_seconds * 2 ** (attempts - 1))
                log.warning(
                    "alert %d via %s: %s (retry in %.1f s)", delivery.alert_id, channel.name, error, wait
                )
                return Outcome(
                    delivery.id, "pending", attempts, self.clock() + timedelta(seconds=wait), str(error)
                )
            log.error("alert %d via %s failed: %s", delivery.alert_id, channel.name, error)
            return Outcome(delivery.id, "failed", attempts, self.clock(), str(error))
        return Outcome(delivery.id, "sent", attempts, self.clock())

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
