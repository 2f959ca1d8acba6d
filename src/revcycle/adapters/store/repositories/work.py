"""Findings (the work queue), master data and the outbox."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import findings, master_data, outbox
from revcycle.domain.findings import Finding
from revcycle.service_layer.ports import MessageContext


@cache
def _bump_finding() -> Prepared:
    """Built once and reused (see ``adapters/store/prepared.py`` for why)."""
    c = findings.c
    return Prepared(
        update(findings)
        .where(c.key == bindparam("finding_key"))
        .values(occurrences=c.occurrences + 1, updated_at=bindparam("now"))
    )


@cache
def _insert_finding() -> Prepared:
    return Prepared(insert(findings))


class SqlFindings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def raise_finding(self, finding: Finding, ctx: MessageContext) -> None:
        """Open a finding, or count one more occurrence of the same open problem (same key)."""
        bumped = _bump_finding().rowcount(self.conn, {"finding_key": finding.key, "now": ctx.now})
        if bumped:
            return
        _insert_finding().rowcount(
            self.conn,
            {
                "key": finding.key,
                "type": finding.type.value,
                "severity": int(finding.severity),
                "status": finding.status.value,
                "subject_kind": finding.subject_kind,
                "subject_id": finding.subject_id,
                "summary": finding.summary,
                "details": finding.details,
                "message_id": ctx.message_id,
                "correlation_id": ctx.correlation_id,
                "created_at": ctx.now,
                "updated_at": ctx.now,
                "occurrences": 1,
            },
            insert_keys=True,
        )


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert(
        self,
        kind: str,
        code: str,
        start: date | None,
        end: date | None,
        data: dict[str, Any],
        ctx: MessageContext,
    ) -> bool:
        """Insert or replace one effective-dated version; True when something changed."""
        c = master_data.c
        data = json.loads(json.dumps(data))  # compare as stored (tuples become lists)
        same_start = c.effective_start.is_(None) if start is None else c.effective_start == start
        where = and_(c.kind == kind, c.code == code, same_start)
        existing = self.conn.execute(select(c.data, c.effective_end).where(where)).first()
        if existing is not None:
            if existing.data == data and existing.effective_end == end:
                return False
            self.conn.execute(
                update(master_data)
                .where(where)
                .values(data=data, effective_end=end, correlation_id=ctx.correlation_id, loaded_at=ctx.now)
            )
            return True
        self.conn.execute(
            insert(master_data).values(
                kind=kind,
                code=code,
                effective_start=start,
                effective_end=end,
                data=data,
                correlation_id=ctx.correlation_id,
                loaded_at=ctx.now,
            )
        )
        return True

    def find(self, kind: str, code: str, on: date | None) -> dict[str, Any] | None:
        """The version of a record valid on ``on`` (the latest version when ``on`` is None)."""
        c = master_data.c
        query = select(c.data).where(c.kind == kind, c.code == code)
        if on is not None:
            query = query.where(
                or_(c.effective_start.is_(None), c.effective_start <= on),
                or_(c.effective_end.is_(None), c.effective_end >= on),
            )
        # The most specific version first: a dated start before an open one, on both back ends.
        row = self.conn.execute(query.order_by(c.effective_start.desc().nulls_last()).limit(1)).first()
        return None if row is None else dict(row.data)


class SqlOutbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, topic: str, key: str, payload: dict[str, Any], ctx: MessageContext) -> None:
        exists = self.conn.execute(select(outbox.c.id).where(outbox.c.key == key)).first()
        if exists is not None:
            return
        self.conn.execute(
            insert(outbox).values(
                topic=topic,
                key=key,
                payload=payload,
                status="pending",
                attempts=0,
                correlation_id=ctx.correlation_id,
                created_at=ctx.now,
            )
        )
