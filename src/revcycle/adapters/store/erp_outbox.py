"""The poster's side of the outbox: journals due for posting, leased while in flight, then
acknowledged (with the ERP's document id), rescheduled, or dead-lettered; and replay of dead ones.

A claimed row is leased (``next_attempt_at`` moved to the lease end and ``attempts`` counted) in its
own short transaction before the ERP is called: a poster that dies mid-batch leaves its rows to be
taken again when the lease ends, and the ERP's idempotency key makes the resend harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Engine, and_, bindparam, or_, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.erp_ledger import JOURNAL_TOPIC
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import erp_journals, outbox
from revcycle.domain.erp_payload import ErpJournal
from revcycle.service_layer.erp_ports import Outbound

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@cache
def _acknowledged() -> Prepared:
    """A journal acknowledged with the ERP's document id (run for a batch in one executemany)."""
    statement = (
        update(erp_journals)
        .where(erp_journals.c.id == bindparam("jid"))
        .values(
            status="acknowledged",
            document_id=bindparam("doc"),
            acknowledged_at=bindparam("now"),
            attempts=bindparam("tries"),
            error=None,
        )
    )
    return Prepared(statement)


class SqlPostingOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Outbound]:
        o = outbox.c
        due = and_(
            o.topic == JOURNAL_TOPIC,
            o.status == PENDING,
            or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now),
        )
        with for_writing(self.engine).begin() as conn:
            # The longest waiting first, so a batch that keeps failing does not starve the others.
            query = (
                select(o.id, o.attempts, o.payload).where(due).order_by(o.next_attempt_at, o.id).limit(limit)
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return []
            conn.execute(
                update(outbox)
                .where(o.id.in_([r.id for r in rows]))
                .values(attempts=o.attempts + 1, next_attempt_at=lease_until)
            )
        return [
            Outbound(
                outbox_id=int(r.id),
                journal_id=int(r.payload["journal_id"]),
                attempts=int(r.attempts) + 1,
                journal=ErpJournal.from_dict(r.payload["journal"]),
            )
            for r in rows
        ]

    def acknowledge(self, acks: Sequence[tuple[Outbound, str]], now: datetime) -> None:
        """Record the ERP's document ids for a batch, in one transaction."""
        if not acks:
            return
        with for_writing(self.engine).begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([item.outbox_id for item, _ in acks]))
                .values(status=DELIVERED, delivered_at=now, error=None)
            )
            _acknowledged().many(
                conn,
                [
                    {"jid": item.journal_id, "doc": doc, "tries": item.attempts, "now": now}
                    for item, doc in acks
                ],
            )

    def retry(self, item: Outbound, at: datetime, error: str) -> None:
        with for_writing(self.engine).begin() as conn:
            conn.execute(
                update(outbox).where(outbox.c.id == item.outbox_id).values(next_attempt_at=at, error=error)
            )
            conn.execute(
                update(erp_journals)
                .where(erp_journals.c.id == item.journal_id)
                .values(attempts=item.attempts, error=error)
            )

    def dead(self, item: Outbound, now: datetime, error: str) -> None:
        with for_writing(self.engine).begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == item.outbox_id).values(status=DEAD, error=error))
            conn.execute(
                update(erp_journals)
                .where(erp_journals.c.id == item.journal_id)
                .values(status="dead", attempts=item.attempts, error=error)
            )

    def replay(self, now: datetime, keys: Sequence[str] = ()) -> int:
        """Dead journals (all, or those with ``keys``) back to pending with a fresh attempt count."""
        o = outbox.c
        where = and_(o.topic == JOURNAL_TOPIC, o.status == DEAD)
        if keys:
            where = and_(where, o.key.in_(list(keys)))
        with for_writing(self.engine).begin() as conn:
            ids = [int(r) for r in conn.execute(select(o.id).where(where)).scalars()]
            if not ids:
                return 0
            conn.execute(
                update(outbox)
                .where(o.id.in_(ids))
                .values(status=PENDING, attempts=0, next_attempt_at=now, error=None)
            )
            keys_replayed = select(o.key).where(o.id.in_(ids)).scalar_subquery()
            conn.execute(
                update(erp_journals)
                .where(erp_journals.c.key.in_(keys_replayed))
                .values(status="pending", attempts=0, error=None)
            )
        return len(ids)
