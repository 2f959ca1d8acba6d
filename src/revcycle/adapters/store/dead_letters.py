"""Dead-letter replay: requeue a message as it is, or replace it with an edited copy.

Every replay is recorded (who, when, whether the message was edited, a note). A replay re-reads the
message's header first, so a message that failed because its format was not understood can succeed
after an upgrade; one that is still unreadable stays dead and the caller is told so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, update

from revcycle.adapters.formats.base import Envelope, FormatError
from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.inbound_log import ACCEPTED, append_batch
from revcycle.adapters.store.schema import dead_letters, inbound_messages, replays
from revcycle.service_layer.intake import make_receipt


@dataclass(frozen=True, slots=True)
class ReplayResult:
    dead_letter_id: int
    outcome: str  # requeued, still_unreadable, duplicate, not_found, not_open
    message_id: int | None = None
    reason: str | None = None


class SqlDeadLetters:
    def __init__(self, engine: Engine, identify: Callable[[bytes], Envelope]) -> None:
        self.engine = engine
        self.writer = for_writing(engine)
        self.identify = identify

    def ids_matching(
        self,
        *,
        reason_code: str | None = None,
        stage: str | None = None,
        fmt: str | None = None,
        message_type: str | None = None,
        interface: str | None = None,
        limit: int = 10_000,
    ) -> list[int]:
        d, m = dead_letters.c, inbound_messages.c
        query = select(d.id).join(inbound_messages, d.message_id == m.id).where(d.status == "open")
        for column, value in (
            (d.reason_code, reason_code),
            (d.stage, stage),
            (m.format, fmt),
            (m.message_type, message_type),
            (m.interface, interface),
        ):
            if value is not None:
                query = query.where(column == value)
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(query.order_by(d.id).limit(limit)).scalars()]

    def replay(self, ids: Sequence[int], *, actor: str, note: str | None = None) -> list[ReplayResult]:
        with self.writer.begin() as conn:
            return [self._requeue(conn, dead_letter_id, actor, note) for dead_letter_id in ids]

    def edit_and_replay(
        self, dead_letter_id: int, raw: bytes, *, actor: str, note: str | None = None
    ) -> ReplayResult:
        with self.writer.begin() as conn:
            letter = self._open_letter(conn, dead_letter_id)
            if isinstance(letter, ReplayResult):
                return letter
            original = conn.execute(
                select(inbound_messages.c.interface).where(inbound_messages.c.id == letter)
            ).scalar_one()
            receipt = make_receipt(raw, interface=original, transport="replay", identify=self.identify)
            [appended] = append_batch(conn, [receipt])
            if appended.duplicate:
                return ReplayResult(
                    dead_letter_id, "duplicate", appended.message_id, "identical message already held"
                )
            conn.execute(
                update(inbound_messages)
                .where(inbound_messages.c.id == appended.message_id)
                .values(replay_of=letter)
            )
            self._close(conn, dead_letter_id, appended.message_id, actor, note, edited=True)
            if receipt.rejection is not None:
                return ReplayResult(
                    dead_letter_id, "still_unreadable", appended.message_id, str(receipt.rejection)
                )
            return ReplayResult(dead_letter_id, "requeued", appended.message_id)

    def _open_letter(self, conn: Connection, dead_letter_id: int) -> int | ReplayResult:
        row = conn.execute(
            select(dead_letters.c.message_id, dead_letters.c.status).where(
                dead_letters.c.id == dead_letter_id
            )
        ).first()
        if row is None:
            return ReplayResult(dead_letter_id, "not_found")
        if row.status != "open":
            return ReplayResult(dead_letter_id, "not_open", int(row.message_id))
        return int(row.message_id)

    def _requeue(self, conn: Connection, dead_letter_id: int, actor: str, note: str | None) -> ReplayResult:
        letter = self._open_letter(conn, dead_letter_id)
        if isinstance(letter, ReplayResult):
            return letter
        raw = conn.execute(select(inbound_messages.c.raw).where(inbound_messages.c.id == letter)).scalar_one()
        try:
            envelope = self.identify(bytes(raw))
        except FormatError as error:
            return ReplayResult(dead_letter_id, "still_unreadable", letter, str(error))
        conn.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id == letter)
            .values(
                status=ACCEPTED,
                attempts=0,
                next_attempt_at=None,
                error=None,
                error_code=None,
                format=envelope.format,
                message_type=envelope.message_type[:40],
                partition_key=envelope.partition_key[:200] if envelope.partition_key else None,
            )
        )
        self._close(conn, dead_letter_id, letter, actor, note, edited=False)
        return ReplayResult(dead_letter_id, "requeued", letter)

    @staticmethod
    def _close(
        conn: Connection, dead_letter_id: int, message_id: int, actor: str, note: str | None, *, edited: bool
    ) -> None:
        conn.execute(
            update(dead_letters)
            .where(dead_letters.c.id == dead_letter_id)
            .values(status="replayed", replay_count=dead_letters.c.replay_count + 1)
        )
        conn.execute(
            insert(replays).values(
                dead_letter_id=dead_letter_id,
                message_id=message_id,
                actor=actor,
                at=datetime.now(UTC),
                edited=edited,
                note=note,
            )
        )
