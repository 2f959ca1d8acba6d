"""The inbound log: every received message, appended raw and durably before it is acknowledged.

``append_batch`` is the group commit: one transaction for many concurrent receipts. It detects
resends (idempotency key already held: acknowledged again, not processed twice) and control-id
collisions (the same sender and control id with different content: processed and flagged).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Select, Update, bindparam, exists, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.fast_insert import PreparedUpsertInsert
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import dead_letters, inbound_messages, quarantine
from revcycle.adapters.store.wal_checkpoint import WalCheckpointer
from revcycle.service_layer.errors import TransientError
from revcycle.service_layer.intake import Appended, Receipt
from revcycle.service_layer.ports import PendingMessage

ACCEPTED, PROCESSED, FAILED, DEAD = "accepted", "processed", "failed", "dead"
RELEASED = "released"  # a quarantine row whose master data arrived, not yet replayed


class SqlInboundLog:
    """``sync``, when given, makes the commit durable after the transaction has released the store's
    write lock (``engine.WalSync``: the SQLite log commits without a sync, then syncs its WAL outside
    the lock, so the worker's transactions are not held up by the disk). ``append_batch`` returns only
    after it, so nothing is acknowledged before the append is on safe storage."""

    def __init__(
        self,
        engine: Engine,
        *,
        sync: Callable[[], None] | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self.engine = for_writing(engine)
        self.sync = sync
        self.checkpointer = checkpointer  # the WAL's checkpoints, when the engine does not do them
        self._own_engine = engine if sync is not None else None

    def start(self) -> None:
        """Start what runs beside the appends (the WAL checkpointer, when there is one)."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    def close(self) -> None:
        """Stop the checkpointer and close the log's own engine, when it has them (the store's engine
        is closed by its owner)."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self._own_engine is not None:
            self._own_engine.dispose()

    def append_batch(self, receipts: Sequence[Receipt]) -> list[Appended]:
        """Append receipts in one transaction and make it durable; resends map to the message already
        held.

        A store failure becomes ``TransientError``: the entry point answers "resend later" (HL7 AE,
        HTTP 503) and nothing is acknowledged.
        """
        appended = self.commit_batch(receipts)
        self.make_durable()
        return appended

    def commit_batch(self, receipts: Sequence[Receipt]) -> list[Appended]:
        """``append_batch`` without the sync: the group commit syncs once for several batches
        (``make_durable``) before it acknowledges any of them."""
        try:
            with self.engine.begin() as conn:
                return append_batch(conn, receipts)
        except SQLAlchemyError as error:
            raise TransientError(
                f"store unavailable ({type(error).__name__})", code="store_unavailable"
            ) from None

    def make_durable(self) -> None:
        """Every batch committed so far is on safe storage when this returns (no-op without ``sync``)."""
        if self.sync is None:
            return
        try:
            self.sync()
        except OSError as error:  # the commit may not be durable: nothing may be acknowledged
            raise TransientError(f"store sync failed ({error.strerror})", code="store_unavailable") from None


def append_batch(conn: Connection, receipts: Sequence[Receipt]) -> list[Appended]:
    """Set-based: one query for control-id reuse, one multi-row ``INSERT ... ON CONFLICT DO NOTHING
    RETURNING``, and, only when some key was already held (a resend), one lookup of those."""
    seen_hashes = _hashes_by_control(conn, receipts)
    fresh: list[tuple[Receipt, str, bool]] = []  # (receipt, status, collision), first of each key
    first_in_batch: dict[str, int] = {}
    for position, receipt in enumerate(receipts):
        if receipt.idempotency_key in first_in_batch:
            continue
        first_in_batch[receipt.idempotency_key] = position
        control = _control(receipt)
        collision = False
        if control is not None:
            hashes = seen_hashes.setdefault(control, set())
            collision = bool(hashes - {receipt.content_hash})
            hashes.add(receipt.content_hash)
        fresh.append((receipt, DEAD if receipt.rejection is not None else ACCEPTED, collision))
    rows = _new_rows().run(conn, [_row(r, status, collision) for r, status, collision in fresh])
    inserted = {key: int(message_id) for message_id, key in rows}
    held_before = [key for key in first_in_batch if key not in inserted]
    held = _held(conn, held_before) if held_before else {}
    letters = [
        {
            "message_id": inserted[receipt.idempotency_key],
            "stage": "edge",
            "reason_code": receipt.rejection.code,
            "reason": str(receipt.rejection),
            "created_at": receipt.received_at,
            "status": "open",
            "replay_count": 0,
        }
        for receipt, _, _ in fresh
        if receipt.rejection is not None and receipt.idempotency_key in inserted
    ]
    if letters:
        conn.execute(insert(dead_letters), letters)
    outcome = {r.idempotency_key: (status, collision) for r, status, collision in fresh}
    results: list[Appended] = []
    for position, receipt in enumerate(receipts):
        key = receipt.idempotency_key
        if key in held:
            message_id, correlation_id, status = held[key]
            results.append(Appended(message_id, correlation_id, True, False, status))
        elif first_in_batch[key] == position:
            status, collision = outcome[key]
            results.append(Appended(inserted[key], receipt.correlation_id, False, collision, status))
        else:  # a resend inside the same batch
            first = receipts[first_in_batch[key]]
            results.append(Appended(inserted[key], first.correlation_id, True, False, outcome[key][0]))
    return results


@cache
def _new_rows() -> PreparedUpsertInsert:
    """INSERT that skips rows whose idempotency key is already held (a concurrent edge got there first)."""
    return PreparedUpsertInsert(inbound_messages, _ROW_COLUMNS, "idempotency_key", ("id", "idempotency_key"))


@cache
def _held_by_key() -> Select[Any]:
    c = inbound_messages.c
    return select(c.idempotency_key, c.id, c.correlation_id, c.status).where(
        c.idempotency_key.in_(bindparam("keys", expanding=True))
    )


@lru_cache(maxsize=64)
def _hashes_by_control_ids(count: int) -> Prepared:
    """One prepared statement per number of control ids (a batch's are few, so few sizes recur)."""
    c = inbound_messages.c
    statement = select(c.format, c.sender, c.control_id, c.content_hash).where(
        c.control_id.in_([bindparam(f"id{i}") for i in range(count)])
    )
    return Prepared(
        statement, result_types=[c.format.type, c.sender.type, c.control_id.type, c.content_hash.type]
    )


def _held(conn: Connection, keys: list[str]) -> dict[str, tuple[int, str, str]]:
    found: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(keys), 500):
        rows = conn.execute(_held_by_key(), {"keys": keys[start : start + 500]})
        for key, message_id, correlation_id, status in rows:
            found[key] = (message_id, correlation_id, status)
    return found


def _control(receipt: Receipt) -> tuple[str, str, str] | None:
    envelope = receipt.envelope
    if envelope is None or not envelope.control_id:
        return None
    return (envelope.format, (envelope.sender or receipt.interface)[:200], envelope.control_id[:200])


def _hashes_by_control(conn: Connection, receipts: Sequence[Receipt]) -> dict[tuple[str, str, str], set[str]]:
    """Content hashes already held for each (format, sender, control id) in the batch."""
    controls = {control for r in receipts if (control := _control(r)) is not None}
    found: dict[tuple[str, str, str], set[str]] = {}
    if not controls:
        return found
    ids = sorted({control_id for _, _, control_id in controls})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = _hashes_by_control_ids(len(chunk)).rows(
            conn, {f"id{i}": value for i, value in enumerate(chunk)}
        )
        for fmt, sender, control_id, digest in rows:
            key = (fmt, sender, control_id)
            if key in controls:
                found.setdefault(key, set()).add(digest)
    return found


_ROW_COLUMNS = (
    "correlation_id",
    "interface",
    "transport",
    "format",
    "message_type",
    "control_id",
    "sender",
    "idempotency_key",
    "content_hash",
    "partition_key",
    "received_at",
    "status",
    "attempts",
    "collision",
    "error_code",
    "error",
    "size",
    "raw",
)


def _row(receipt: Receipt, status: str, collision: bool) -> dict[str, Any]:
    envelope = receipt.envelope
    rejection = receipt.rejection
    return {
        "correlation_id": receipt.correlation_id,
        "interface": receipt.interface,
        "transport": receipt.transport,
        "format": receipt.format,
        "message_type": receipt.message_type[:40],
        "control_id": envelope.control_id[:200] if envelope and envelope.control_id else None,
        "sender": ((envelope.sender or receipt.interface)[:200]) if envelope else receipt.interface,
        "idempotency_key": receipt.idempotency_key,
        "content_hash": receipt.content_hash,
        "partition_key": envelope.partition_key[:200] if envelope and envelope.partition_key else None,
        "received_at": receipt.received_at,
        "status": status,
        "attempts": 0,
        "collision": collision,
        "error_code": rejection.code if rejection else None,
        "error": str(rejection) if rejection else None,
        "size": len(receipt.raw),
        "raw": receipt.raw,
    }


def fetch_ready(conn: Connection, now: datetime, limit: int) -> list[PendingMessage]:
    """The next messages to process, in log order, keeping per-partition order.

    A message waiting for a retry blocks the later messages of its partition (same patient account)
    until it is processed or dead, so a patient's messages are never applied out of order; other
    partitions go on.
    """
    c = inbound_messages.c
    rows = conn.execute(
        select(
            c.id,
            c.correlation_id,
            c.interface,
            c.format,
            c.message_type,
            c.control_id,
            c.sender,
            c.partition_key,
            c.received_at,
            c.attempts,
            c.collision,
            c.raw,
            c.next_attempt_at,
        )
        .where(or_(c.status == ACCEPTED, c.status == FAILED))
        .order_by(c.id)
        .limit(limit * 4)
    ).all()
    blocked: set[str] = set()
    ready: list[PendingMessage] = []
    for row in rows:
        key = row.partition_key or f"#{row.id}"
        if key in blocked:
            continue
        due = row.next_attempt_at is None or _aware(row.next_attempt_at) <= now
        if not due:
            blocked.add(key)
            continue
        ready.append(
            PendingMessage(
                row.id,
                row.correlation_id,
                row.interface,
                row.format,
                row.message_type,
                row.control_id,
                row.sender,
                row.partition_key,
                _aware(row.received_at),
                row.attempts,
                bool(row.collision),
                row.raw,
            )
        )
        if len(ready) >= limit:
            break
    return ready


@cache
def _mark_processed() -> Update:
    """Built once, run as one executemany for a whole batch of processed messages (at the commit).

    A message whose held commands a later message of the same batch released (a master-data load:
    ``quarantine.release`` puts it back in the log) keeps the status ``accepted`` the release gave it,
    so that it is replayed: marked here, at the commit, after the release, it was never replayed and
    its released claims were lost (seen as a flaky simulated-network quarantine test, whenever the 837
    and the payer's load fell in one batch)."""
    released = exists().where(
        quarantine.c.message_id == inbound_messages.c.id, quarantine.c.status == RELEASED
    )
    return (
        update(inbound_messages)
        .where(inbound_messages.c.id == bindparam("message_id"), ~released)
        .values(status=PROCESSED, processed_at=bindparam("now"), commands=bindparam("commands"))
        .values(error=None, error_code=None)
    )


def mark_processed(conn: Connection, message_id: int, now: datetime, commands: int) -> None:
    mark_processed_many(conn, [(message_id, now, commands)])


def mark_processed_many(conn: Connection, marks: Sequence[tuple[int, datetime, int]]) -> None:
    """Mark messages processed: ``(message_id, now, commands)`` each, in one statement execution."""
    if marks:
        conn.execute(
            _mark_processed(),
            [{"message_id": mid, "now": now, "commands": commands} for mid, now, commands in marks],
        )


def mark_failed(
    conn: Connection, message_id: int, attempts: int, retry_at: datetime, code: str, reason: str
) -> None:
    conn.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == message_id)
        .values(status=FAILED, attempts=attempts, next_attempt_at=retry_at, error_code=code, error=reason)
    )


def mark_dead(
    conn: Connection, message_id: int, now: datetime, *, attempts: int, stage: str, code: str, reason: str
) -> None:
    conn.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == message_id)
        .values(status=DEAD, attempts=attempts, processed_at=now, error_code=code, error=reason)
    )
    conn.execute(
        insert(dead_letters).values(
            message_id=message_id,
            stage=stage,
            reason_code=code,
            reason=reason,
            created_at=now,
            status="open",
            replay_count=0,
        )
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
