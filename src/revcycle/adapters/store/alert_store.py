"""Alerts and their channel deliveries in the store: open (one per condition key), remind, escalate,
resolve, acknowledge, assign; deliveries due, sent, retried, failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.message_queries import MAX_PAGE, as_dict
from revcycle.adapters.store.schema import alert_deliveries, alerts
from revcycle.domain.findings import AlertStatus
from revcycle.service_layer.alerts.conditions import Condition

LIVE = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)


@dataclass(frozen=True, slots=True)
class LiveAlert:
    id: int
    rule: str
    key: str
    status: str
    opened_at: datetime
    last_notified_at: datetime | None
    escalated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    alert_id: int
    channel: str
    event: str
    attempts: int


class AlertNotFound(LookupError):
    pass


def _aware(value: datetime | None) -> datetime | None:
    from revcycle.adapters.store.alert_reads import utc

    return None if value is None else utc(value)


class SqlAlertStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = for_writing(engine)

    # --- the engine's side -------------------------------------------------------------------------

    def live(self, rule: str | None = None) -> dict[str, LiveAlert]:
        a = alerts.c
        query = select(a.id, a.rule, a.key, a.status, a.opened_at, a.last_notified_at, a.escalated_at).where(
            a.status.in_(LIVE)
        )
        if rule is not None:
            query = query.where(a.rule == rule)
        with self.engine.connect() as conn:
            return {
                r.key: LiveAlert(
                    int(r.id),
                    r.rule,
                    r.key,
                    r.status,
                    _aware(r.opened_at) or r.opened_at,
                    _aware(r.last_notified_at),
                    _aware(r.escalated_at),
                )
                for r in conn.execute(query)
            }

    def open_many(
        self, rule: str, conditions: Sequence[Condition], channels: Sequence[str], now: datetime
    ) -> list[int]:
        """Open an alert per condition not already live (a resolved one with the same key reopens)."""
        if not conditions:
            return []
        opened: list[int] = []
        a = alerts.c
        with self.writer.begin() as conn:
            keys = [c.key for c in conditions]
            existing = {
                key: (int(i), status)
                for key, i, status in conn.execute(select(a.key, a.id, a.status).where(a.key.in_(keys)))
            }
            for cond in conditions:
                values: dict[str, Any] = {
                    "rule": rule,
                    "severity": int(cond.severity),
                    "summary": cond.summary,
                    "status": AlertStatus.OPEN.value,
                    "details": cond.details,
                    "correlation_id": cond.correlation_id,
                    "opened_at": now,
                    "last_notified_at": now,
                    "notifications": 1,
                    "acknowledged_at": None,
                    "acknowledged_by": None,
                    "escalated_at": None,
                    "resolved_at": None,
                }
                found = existing.get(cond.key)
                if found is not None and found[1] in LIVE:
                    continue
                if found is not None:
                    conn.execute(update(alerts).where(a.id == found[0]).values(**values))
                    alert_id = found[0]
                else:
                    result = conn.execute(insert(alerts).values(key=cond.key, **values))
                    alert_id = int(result.inserted_primary_key[0])  # type: ignore[index]
                opened.append(alert_id)
                self._queue(conn, alert_id, "opened", channels, now)
        return opened

    def resolve(self, alert_ids: Sequence[int], channels: Sequence[str], now: datetime) -> None:
        if not alert_ids:
            return
        with self.writer.begin() as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.id.in_(list(alert_ids)), alerts.c.status.in_(LIVE))
                .values(status=AlertStatus.RESOLVED.value, resolved_at=now)
            )
            for alert_id in alert_ids:
                self._queue(conn, alert_id, "resolved", channels, now)

    def notify_again(self, alert_id: int, event: str, channels: Sequence[str], now: datetime) -> None:
        """A reminder or an escalation: notify and remember when."""
        values: dict[str, Any] = {"last_notified_at": now, "notifications": alerts.c.notifications + 1}
        if event == "escalated":
            values["escalated_at"] = now
        with self.writer.begin() as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
            self._queue(conn, alert_id, event, channels, now)

    def _queue(
        self, conn: Connection, alert_id: int, event: str, channels: Sequence[str], now: datetime
    ) -> None:
        rows = [
            {
                "alert_id": alert_id,
                "channel": channel,
                "event": event,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for channel in channels
        ]
        if rows:
            conn.execute(insert(alert_deliveries), rows)

    # --- deliveries ---------------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 200) -> list[tuple[Delivery, dict[str, Any]]]:
        d, a = alert_deliveries.c, alerts.c
        query = (
            select(d.id, d.alert_id, d.channel, d.event, d.attempts, *[c for c in alerts.c if c.name != "id"])
            .join(alerts, d.alert_id == a.id)
            .where(d.status == "pending", d.next_attempt_at <= now)
            .order_by(d.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            out = []
            for row in conn.execute(query):
                data = as_dict(row)
                delivery = Delivery(
                    int(data.pop("id")),
                    int(data.pop("alert_id")),
                    data.pop("channel"),
                    data.pop("event"),
                    int(data.pop("attempts")),
                )
                data["id"] = delivery.alert_id
                out.append((delivery, data))
            return out

    def delivered(self, delivery_id: int, now: datetime, attempts: int) -> None:
        self._update_delivery(delivery_id, status="sent", sent_at=now, attempts=attempts, error=None)

    def retry(self, delivery_id: int, attempts: int, at: datetime, error: str) -> None:
        self._update_delivery(delivery_id, attempts=attempts, next_attempt_at=at, error=error[:500])

    def failed(self, delivery_id: int, attempts: int, error: str) -> None:
        self._update_delivery(delivery_id, status="failed", attempts=attempts, error=error[:500])

    def _update_delivery(self, delivery_id: int, **values: Any) -> None:
        with self.writer.begin() as conn:
            conn.execute(
                update(alert_deliveries).where(alert_deliveries.c.id == delivery_id).values(**values)
            )

    # --- people's side ------------------------------------------------------------------------------

    def acknowledge(self, alert_id: int, actor: str, now: datetime) -> dict[str, Any]:
        with self.writer.begin() as conn:
            changed = conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id, alerts.c.status == AlertStatus.OPEN.value)
                .values(status=AlertStatus.ACKNOWLEDGED.value, acknowledged_at=now, acknowledged_by=actor)
            ).rowcount
            if (
                not changed
                and conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None
            ):
                raise AlertNotFound(alert_id)
        return self.get(alert_id) or {}

    def assign(self, alert_id: int, assignee: str | None) -> dict[str, Any]:
        with self.writer.begin() as conn:
            if not conn.execute(
                update(alerts).where(alerts.c.id == alert_id).values(assigned_to=assignee)
            ).rowcount:
                raise AlertNotFound(alert_id)
        return self.get(alert_id) or {}

    def get(self, alert_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            d = alert_deliveries.c
            out["deliveries"] = [
                as_dict(r)
                for r in conn.execute(
                    select(d.id, d.channel, d.event, d.status, d.attempts, d.sent_at, d.error, d.created_at)
                    .where(d.alert_id == alert_id)
                    .order_by(d.id)
                )
            ]
        return out

    def list(
        self,
        *,
        status: str | None = None,
        rule: str | None = None,
        min_severity: int | None = None,
        assigned_to: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        a = alerts.c
        query = select(alerts)
        if status == "live":
            query = query.where(a.status.in_(LIVE))
        elif status is not None:
            query = query.where(a.status == status)
        for column, value in ((a.rule, rule), (a.assigned_to, assigned_to)):
            if value is not None:
                query = query.where(column == value)
        if min_severity is not None:
            query = query.where(a.severity >= min_severity)
        if before_id is not None:
            query = query.where(a.id < before_id)
        query = query.order_by(a.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                s: int(n)
                for s, n in conn.execute(select(alerts.c.status, func.count()).group_by(alerts.c.status))
            }
