"""The append-only, hash-chained audit log (``audit_log`` table).

Appends are serialised (SQLite: the write lock; PostgreSQL: a transaction-scoped advisory lock) so the
chain never forks. Retention: ``prune`` removes entries older than a cut-off and records, as a new
entry, the sequence number and hash the remaining chain continues from, so ``verify`` still proves the
rest intact. Deleting the newest entries leaves a valid shorter chain: compare ``head`` with a copy
kept elsewhere (``revcycle audit verify --expect-head``) to detect that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import audit_log
from revcycle.security.audit_chain import GENESIS, AuditEntry, Break, entry_hash, verify_rows

_PG_LOCK = 727_0006
PRUNED = "audit.pruned"


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    breaks: list[Break]

    @property
    def intact(self) -> bool:
        return not self.breaks


class SqlAuditLog:
    def __init__(
        self, engine: Engine, *, key: bytes | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.engine = engine
        self.key = key  # HMAC key of the chain (see audit_chain); bootstrap derives it from the key ring
        self.writer = for_writing(engine)
        self.clock = clock or (lambda: datetime.now(UTC))

    def record(self, entry: AuditEntry) -> int:
        with self.writer.begin() as conn:
            return self.append(conn, entry)

    def append(self, conn: Connection, entry: AuditEntry, *, after: tuple[int, str] | None = None) -> int:
        """Append inside the caller's write transaction; returns the entry's sequence number.
        ``after`` is the (seq, hash) to continue from when the table holds no entry (after a prune)."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        if last is not None:
            seq, prev = int(last.seq) + 1, str(last.hash)
        else:
            seq, prev = (after[0] + 1, after[1]) if after else (1, GENESIS)
        row: dict[str, Any] = asdict(entry)
        row["actor"] = row["actor"][:100]
        row["record"] = (row["record"] or "")[:300] or None
        row["source"] = (row["source"] or "")[:64] or None
        row.update(seq=seq, at=self.clock(), prev_hash=prev)
        row["hash"] = entry_hash(prev, row, self.key)
        conn.execute(audit_log.insert().values(**row))
        return seq

    def entries(
        self,
        *,
        actor: str | None = None,
        kind: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        c = audit_log.c
        query = select(audit_log).order_by(c.seq.desc()).limit(limit)
        for column, value in ((c.actor, actor), (c.kind, kind), (c.action, action)):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(c.at >= since)
        if until is not None:
            query = query.where(c.at < until)
        if before_seq is not None:
            query = query.where(c.seq < before_seq)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def verify(self) -> Verification:
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()]
        if not rows:
            return Verification(0, 0, GENESIS, [])
        start_seq, start_hash = 1, GENESIS
        if int(rows[0]["seq"]) != 1:
            # A pruned chain continues from the hash the latest prune entry recorded.
            marks = [r["detail"] for r in rows if r["action"] == PRUNED]
            if marks and int(marks[-1]["through_seq"]) + 1 == int(rows[0]["seq"]):
                start_seq, start_hash = int(rows[0]["seq"]), str(marks[-1]["through_hash"])
        breaks = verify_rows(rows, start_hash=start_hash, start_seq=start_seq, key=self.key)
        return Verification(len(rows), int(rows[-1]["seq"]), str(rows[-1]["hash"]), breaks)

    def prune(self, before: datetime, *, actor: str) -> int:
        """Delete entries older than ``before`` (the retention period); returns how many."""
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            last_old = conn.execute(
                select(audit_log.c.seq, audit_log.c.hash)
                .where(audit_log.c.at < before)
                .order_by(audit_log.c.seq.desc())
                .limit(1)
            ).first()
            if last_old is None:
                return 0
            removed = conn.execute(delete(audit_log).where(audit_log.c.seq <= last_old.seq)).rowcount
            self.append(
                conn,
                AuditEntry(
                    actor=actor,
                    action=PRUNED,
                    kind="system",
                    detail={"through_seq": int(last_old.seq), "through_hash": str(last_old.hash)},
                ),
                after=(int(last_old.seq), str(last_old.hash)),
            )
            return int(removed)
