"""Read side of the inbound log and the dead letters (the message browser, ``/metrics`` backlog)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select

from revcycle.adapters.metrics import Backlog
from revcycle.adapters.store.schema import dead_letters, inbound_messages, replays

MAX_PAGE = 1000
_LIST_COLUMNS = [
    c
    for c in inbound_messages.c
    if c.name not in ("raw", "idempotency_key", "content_hash", "next_attempt_at", "partition_key")
]


@dataclass(frozen=True, slots=True)
class MessageFilter:
    status: str | None = None
    format: str | None = None
    message_type: str | None = None
    control_id: str | None = None
    correlation_id: str | None = None
    interface: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    collision: bool | None = None
    before_id: int | None = None
    limit: int = 100

    def apply(self, query: Select[Any]) -> Select[Any]:
        c = inbound_messages.c
        for column, value in (
            (c.status, self.status),
            (c.format, self.format),
            (c.message_type, self.message_type),
            (c.control_id, self.control_id),
            (c.correlation_id, self.correlation_id),
            (c.interface, self.interface),
            (c.collision, self.collision),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(c.received_at >= self.since)
        if self.until is not None:
            query = query.where(c.received_at < self.until)
        if self.before_id is not None:
            query = query.where(c.id < self.before_id)
        return query.order_by(c.id.desc()).limit(max(1, min(self.limit, MAX_PAGE)))


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def as_dict(row: Any) -> dict[str, Any]:
    return {key: _iso(value) for key, value in row._mapping.items()}


class MessageQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def messages(self, flt: MessageFilter) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(flt.apply(select(*_LIST_COLUMNS)))]

    def get(self, message_id: int, *, include_raw: bool) -> dict[str, Any] | None:
        columns = [*_LIST_COLUMNS, inbound_messages.c.raw] if include_raw else _LIST_COLUMNS
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(inbound_messages.c.id == message_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            letters = conn.execute(
                select(dead_letters)
                .where(dead_letters.c.message_id == message_id)
                .order_by(dead_letters.c.id)
            )
            out["dead_letters"] = [as_dict(r) for r in letters]
        if include_raw:
            out["raw"] = bytes(out["raw"]).decode("utf-8", errors="replace")
        return out

    def dead_letters(
        self,
        *,
        status: str | None = "open",
        reason_code: str | None = None,
        stage: str | None = None,
        fmt: str | None = None,
        message_type: str | None = None,
        interface: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        d, m = dead_letters.c, inbound_messages.c
        query = select(
            d.id,
            d.message_id,
            d.stage,
            d.reason_code,
            d.reason,
            d.created_at,
            d.status,
            d.replay_count,
            m.interface,
            m.format,
            m.message_type,
            m.control_id,
            m.correlation_id,
            m.attempts,
            m.size,
        ).join(inbound_messages, d.message_id == m.id)
        for column, value in (
            (d.status, status),
            (d.reason_code, reason_code),
            (d.stage, stage),
            (m.format, fmt),
            (m.message_type, message_type),
            (m.interface, interface),
        ):
            if value is not None:
                query = query.where(column == value)
        if before_id is not None:
            query = query.where(d.id < before_id)
        query = query.order_by(d.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(query)]

    def dead_letter(self, dead_letter_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(dead_letters).where(dead_letters.c.id == dead_letter_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            history = conn.execute(
                select(replays).where(replays.c.dead_letter_id == dead_letter_id).order_by(replays.c.id)
            )
            out["replays"] = [as_dict(r) for r in history]
        message = self.get(int(out["message_id"]), include_raw=True)
        out["message"] = message
        return out

    def backlog(self) -> Backlog:
        m = inbound_messages.c
        with self.engine.connect() as conn:
            depth, oldest = conn.execute(
                select(func.count(), func.min(m.received_at)).where(m.status.in_(("accepted", "failed")))
            ).one()
            dead = conn.execute(select(func.count()).where(dead_letters.c.status == "open")).scalar_one()
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        return Backlog(int(depth), age, int(dead))

    def counts_by_status(self) -> dict[str, int]:
        m = inbound_messages.c
        with self.engine.connect() as conn:
            return {
                status: int(n)
                for status, n in conn.execute(select(m.status, func.count()).group_by(m.status))
            }
