"""Alerts and their channel deliveries in the store: open (one per condition key), remind, escalate,
resolve, acknowledge, assign; deliveries due, sent, retried, failed.

The engine's writes are set-based: a page of findings or conditions costs a few statements (existing
keys, one multi-row INSERT ... RETURNING, one executemany per update shape, one for the queued
notifications), built once (``functools.cache``) so SQLAlchemy compiles each once per dialect; the
dispatcher records its deliveries' outcomes a group at a time (``settle``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    Insert,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.message_queries import MAX_PAGE, as_dict
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import PENDING_FINDINGS, alert_deliveries, alerts, findings
from revcycle.domain.findings import AlertStatus
from revcycle.service_layer.alerts.conditions import Condition
from revcycle.service_layer.alerts.dispatcher import Outcome
from revcycle.service_layer.alerts.flood import FloodState

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


_CHUNK = 500  # bound parameters per IN list


@cache
def _claim(dialect: str) -> Update:
    """Clear the mark of the given findings still pending, returning their ids. On PostgreSQL the rows
    are locked first and rows locked by another transaction (a worker counting one more occurrence,
    another alert engine) are skipped: they stay pending for the next round, nobody waits."""
    f = findings.c
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    where: ColumnElement[bool]
    if dialect == "postgresql":
        locked = select(f.id).where(f.id.in_(ids), PENDING_FINDINGS).with_for_update(skip_locked=True)
        where = f.id.in_(locked.scalar_subquery())
    else:  # SQLite: the write transaction (BEGIN IMMEDIATE) already excludes every other writer
        where = and_(f.id.in_(ids), PENDING_FINDINGS)
    return update(findings).where(where).values(alert_pending=False).returning(f.id)


@cache
def _existing() -> Select[Any]:
    a = alerts.c
    return select(a.key, a.id, a.status).where(a.key.in_(bindparam("keys", expanding=True)))


@cache
def _insert_alerts() -> Insert:
    a = alerts.c
    return insert(alerts).returning(a.id, a.key, sort_by_parameter_order=True)


_OPEN_COLUMNS = (
    "rule",
    "severity",
    "summary",
    "status",
    "details",
    "correlation_id",
    "opened_at",
    "last_notified_at",
    "notifications",
    "acknowledged_at",
    "acknowledged_by",
    "escalated_at",
    "resolved_at",
)


@cache
def _reopen() -> Update:
    return (
        update(alerts)
        .where(alerts.c.id == bindparam("alert_id"))
        .values({name: bindparam(name, type_=alerts.c[name].type) for name in _OPEN_COLUMNS})
    )


@cache
def _refresh() -> Update:
    a = alerts.c
    return (
        update(alerts)
        .where(a.id == bindparam("alert_id"))
        .values(
            severity=bindparam("severity", type_=a.severity.type),
            summary=bindparam("summary", type_=a.summary.type),
            details=bindparam("details", type_=a.details.type),
        )
    )


@cache
def _opened_since() -> Prepared:
    a = alerts.c
    statement = select(func.count()).where(
        a.rule == bindparam("rule"), a.opened_at >= bindparam("since", type_=a.opened_at.type)
    )
    return Prepared(statement.where(a.key != bindparam("excluding")), result_types=[Integer()])


@cache
def _live_by_key() -> Prepared:
    a = alerts.c
    live = or_(*(a.status == status for status in LIVE))  # not IN: an expanding list is not preparable
    statement = select(a.id, a.severity, a.details).where(a.key == bindparam("key"), live)
    return Prepared(statement, result_types=[a.id.type, a.severity.type, a.details.type])


@cache
def _resolve() -> Update:
    a = alerts.c
    return (
        update(alerts)
        .where(a.id.in_(bindparam("ids", expanding=True)), a.status.in_(LIVE))
        .values(status=AlertStatus.RESOLVED.value, resolved_at=bindparam("now", type_=a.resolved_at.type))
        .returning(a.id)
    )


@cache
def _insert_deliveries() -> Insert:
    return insert(alert_deliveries)


@cache
def _settle(status: str) -> Update:
    """A delivery's outcome: sent (with its time), pending again (retry at), or failed."""
    d = alert_deliveries.c
    values: dict[str, Any] = {"attempts": bindparam("attempts"), "error": bindparam("error")}
    if status == "sent":
        values.update(status="sent", sent_at=bindparam("at", type_=d.sent_at.type))
    elif status == "pending":
        values["next_attempt_at"] = bindparam("at", type_=d.next_attempt_at.type)
    else:
        values["status"] = status
    return update(alert_deliveries).where(d.id == bindparam("delivery_id")).values(values)


def _live_flood(conn: Connection, key: str) -> FloodState | None:
    found = _live_by_key().rows(conn, {"key": key})
    if not found:
        return None
    alert_id, severity, details = found[0]
    return FloodState(int(alert_id), int(severity), dict(details or {}))


def _open(
    conn: Connection, rule: str, conditions: Sequence[Condition], channels: Sequence[str], now: datetime
) -> list[int]:
    """Open an alert per condition not already live (a resolved one with the same key reopens), with
    its notifications queued: a few statements for the whole set, whatever its size."""
    if not conditions:
        return []
    keys = [c.key for c in conditions]
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), _CHUNK):
        for key, alert_id, status in conn.execute(_existing(), {"keys": keys[start : start + _CHUNK]}):
            existing[key] = (int(alert_id), status)
    fresh: list[dict[str, Any]] = []
    reopened: list[dict[str, Any]] = []
    seen: set[str] = set()
    for cond in conditions:
        found = existing.get(cond.key)
        if (found is not None and found[1] in LIVE) or cond.key in seen:
            continue
        seen.add(cond.key)
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
        if found is not None:
            reopened.append({"alert_id": found[0], **values})
        else:
            fresh.append({"key": cond.key, **values})
    opened = [row["alert_id"] for row in reopened]
    if reopened:
        conn.execute(_reopen(), reopened)
    if fresh:
        opened.extend(int(alert_id) for alert_id, _key in conn.execute(_insert_alerts(), fresh))
    _queue(conn, opened, "opened", channels, now)
    return opened


def _queue(
    conn: Connection, alert_ids: Sequence[int], event: str, channels: Sequence[str], now: datetime
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
        for alert_id in alert_ids
        for channel in channels
    ]
    if rows:
        conn.execute(_insert_deliveries(), rows)


class SqlFindingBatch:
    """The alert engine's transaction over a page of pending findings (``AlertWrites.finding_batch``):
    the findings it claims are marked evaluated in the same transaction as their alerts and queued
    notifications, so each finding is evaluated once whatever the commit order of its writers, and a
    crash before the commit leaves it pending (evaluated after a restart, nothing queued twice)."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def claim(self, finding_ids: Sequence[int]) -> set[int]:
        claimed: set[int] = set()
        statement = _claim(self.conn.dialect.name)
        for start in range(0, len(finding_ids), _CHUNK):
            chunk = list(finding_ids[start : start + _CHUNK])
            claimed.update(int(i) for (i,) in self.conn.execute(statement, {"ids": chunk}))
        return claimed

    def opened_since(self, rule: str, since: datetime, *, excluding: str) -> int:
        params = {"rule": rule, "since": since, "excluding": excluding}
        return int(_opened_since().scalar(self.conn, params) or 0)

    def open(self, rule: str, conditions: Sequence[Condition], channels: Sequence[str]) -> list[int]:
        return _open(self.conn, rule, conditions, channels, self.now)

    def flood(self, key: str) -> FloodState | None:
        return _live_flood(self.conn, key)

    def update(self, alert_id: int, condition: Condition) -> None:
        """A live alert's text, severity and details change; nobody is notified."""
        self.conn.execute(
            _refresh(),
            {
                "alert_id": alert_id,
                "severity": int(condition.severity),
                "summary": condition.summary,
                "details": condition.details,
            },
        )


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

    @contextmanager
    def finding_batch(self, now: datetime) -> Iterator[SqlFindingBatch]:
        with self.writer.begin() as conn:
            yield SqlFindingBatch(conn, now)

    def flood(self, key: str) -> FloodState | None:
        with self.engine.connect() as conn, conn.begin():
            return _live_flood(conn, key)

    def open_many(
        self, rule: str, conditions: Sequence[Condition], channels: Sequence[str], now: datetime
    ) -> list[int]:
        """Open an alert per condition not already live (a resolved one with the same key reopens)."""
        if not conditions:
            return []
        with self.writer.begin() as conn:
            return _open(conn, rule, conditions, channels, now)

    def resolve(self, alert_ids: Sequence[int], channels: Sequence[str], now: datetime) -> None:
        """Resolve the live ones among ``alert_ids`` and queue their resolve notices."""
        if not alert_ids:
            return
        ids = list(alert_ids)
        with self.writer.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                done = [
                    int(i)
                    for (i,) in conn.execute(_resolve(), {"ids": ids[start : start + _CHUNK], "now": now})
                ]
                _queue(conn, done, "resolved", channels, now)

    def notify_again(self, alert_id: int, event: str, channels: Sequence[str], now: datetime) -> None:
        """A reminder or an escalation: notify and remember when."""
        values: dict[str, Any] = {"last_notified_at": now, "notifications": alerts.c.notifications + 1}
        if event == "escalated":
            values["escalated_at"] = now
        with self.writer.begin() as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
            _queue(conn, [alert_id], event, channels, now)

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

    def settle(self, outcomes: Sequence[Outcome]) -> None:
        """Record what became of a group of deliveries, in one transaction."""
        by_status: dict[str, list[dict[str, Any]]] = {}
        for o in outcomes:
            error = o.error[:500] if o.error is not None else None
            row: dict[str, Any] = {"delivery_id": o.delivery_id, "attempts": o.attempts, "error": error}
            if o.status != "failed":
                row["at"] = o.at
            by_status.setdefault(o.status, []).append(row)
        if not by_status:
            return
        with self.writer.begin() as conn:
            for status, rows in by_status.items():
                conn.execute(_settle(status), rows)

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
