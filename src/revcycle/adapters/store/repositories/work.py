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
from revcycle.domain.master_data import Effective, version_on
from revcycle.domain.master_loads import Outcome, VersionChange, changed_fields
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


@cache
def _versions(with_data: bool) -> Prepared:
    """Every version of one master record (its validity, and its data when asked), in load order."""
    c = master_data.c
    columns = [c.effective_start, c.effective_end, *([c.data] if with_data else [])]
    statement = select(*columns).where(c.kind == bindparam("kind"), c.code == bindparam("code"))
    return Prepared(statement.order_by(c.loaded_at, c.id), result_types=[col.type for col in columns])


@cache
def _valid_on(dated: bool) -> Prepared:
    c = master_data.c
    statement = select(c.data).where(c.kind == bindparam("kind"))
    if dated:
        on = bindparam("on", type_=c.effective_start.type)
        statement = statement.where(
            or_(c.effective_start.is_(None), c.effective_start <= on),
            or_(c.effective_end.is_(None), c.effective_end >= on),
        )
    return Prepared(statement.order_by(c.code, c.id), result_types=[c.data.type])


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
    ) -> VersionChange:
        """Insert or replace one effective-dated version (same kind, code and start); says what changed."""
        c = master_data.c
        data = json.loads(json.dumps(data, default=str))  # compare as stored (tuples become lists)
        same_start = c.effective_start.is_(None) if start is None else c.effective_start == start
        where = and_(c.kind == kind, c.code == code, same_start)
        existing = self.conn.execute(select(c.data).where(where)).first()
        change = changed_fields(None if existing is None else existing.data, data)
        if change.outcome is Outcome.UNCHANGED:
            return change
        if existing is not None:
            self.conn.execute(
                update(master_data)
                .where(where)
                .values(data=data, effective_end=end, correlation_id=ctx.correlation_id, loaded_at=ctx.now)
            )
            return change
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
        return change

    def find(self, kind: str, code: str, on: date | None) -> dict[str, Any] | None:
        """The version of a record valid on ``on`` (``domain.master_data.version_on``: among
        overlapping versions the latest start wins; None asks for the current one)."""
        rows = _versions(True).rows(self.conn, {"kind": kind, "code": code})
        found = version_on(((Effective(start, end), data) for start, end, data in rows), on)
        return None if found is None else dict(found)

    def periods(self, kind: str, code: str) -> list[Effective]:
        """The validity periods of every version of a record (no data: the quarantine gate's check)."""
        rows = _versions(False).rows(self.conn, {"kind": kind, "code": code})
        return [Effective(start, end) for start, end in rows]

    def contract_periods(self, payer_id: str) -> list[Effective]:
        """The validity periods of every contract version with this payer."""
        c = master_data.c
        rows = self.conn.execute(
            select(c.effective_start, c.effective_end).where(
                c.kind == "contract", c.data["payer_id"].as_string() == payer_id
            )
        ).all()
        return [Effective(r.effective_start, r.effective_end) for r in rows]

    def maintained(self, kind: str) -> bool:
        """True once at least one record of this kind has been loaded."""
        c = master_data.c
        return self.conn.execute(select(c.id).where(c.kind == kind).limit(1)).first() is not None

    def valid_on(self, kind: str, on: date | None) -> list[dict[str, Any]]:
        """Every record of a kind valid on ``on`` (every version when ``on`` is None), by code."""
        params: dict[str, Any] = {"kind": kind} if on is None else {"kind": kind, "on": on}
        return [dict(data) for (data,) in _valid_on(on is not None).rows(self.conn, params)]


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
