"""Held messages (``quarantine``) and master-data load reports (``master_data_loads``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Connection, bindparam, func, insert, select, update

from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import (
    finding_events,
    findings,
    inbound_messages,
    master_data_loads,
    quarantine,
)
from revcycle.domain.findings import FindingStatus
from revcycle.domain.master_loads import LoadReport
from revcycle.domain.master_refs import MasterRef
from revcycle.service_layer.ports import MessageContext

QUARANTINED, ACCEPTED = "quarantined", "accepted"
# held -> released (the master data arrived) -> replayed (the command was applied); superseded when a
# replay finds the command still missing something and holds it again.
HELD, RELEASED, REPLAYED, SUPERSEDED = "held", "released", "replayed", "superseded"
SYSTEM = "system"


@cache
def _held_commands() -> Prepared:
    """Asked for every message the gate admits: built once (``adapters/store/prepared.py``)."""
    q = quarantine.c
    statement = select(q.command_index).where(
        q.message_id == bindparam("message_id"), q.status.in_((HELD, RELEASED))
    )
    return Prepared(statement, result_types=[q.command_index.type])


class SqlQuarantine:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hold(self, message_id: int, refs: Sequence[MasterRef], ctx: MessageContext) -> None:
        """Park the message (status ``quarantined``) with one row per missing reference; a finding
        resolved by an earlier release is reopened."""
        q = quarantine.c
        indices = sorted({ref.command_index for ref in refs})
        self.conn.execute(  # held again on a replay: the earlier rows of these commands are superseded
            update(quarantine)
            .where(q.message_id == message_id, q.command_index.in_(indices), q.status.in_((HELD, RELEASED)))
            .values(status=SUPERSEDED)
        )
        self.conn.execute(
            insert(quarantine),
            [
                {
                    "message_id": message_id,
                    "command_index": ref.command_index,
                    "kind": ref.kind,
                    "code": ref.code,
                    "on_date": ref.on,
                    "subject_kind": ref.subject_kind,
                    "subject_id": ref.subject_id,
                    "finding_key": ref.finding_key,
                    "status": HELD,
                    "held_at": ctx.now,
                }
                for ref in refs
            ],
        )
        what = ", ".join(sorted({f"{ref.kind} {ref.code}" for ref in refs}))
        self.conn.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id == message_id)
            .values(
                status=QUARANTINED,
                processed_at=ctx.now,
                error_code="unmapped_master_data",
                error=f"quarantined: unknown {what}"[:2000],
            )
        )
        f = findings.c
        keys = sorted({ref.finding_key for ref in refs})
        reopened = self.conn.execute(
            select(f.id, f.status).where(f.key.in_(keys), f.status == FindingStatus.RESOLVED.value)
        ).all()
        for finding_id, status in reopened:
            self.conn.execute(
                update(findings)
                .where(f.id == finding_id)
                .values(status=FindingStatus.OPEN.value, updated_at=ctx.now)
            )
            self._event(
                finding_id, ctx, status, FindingStatus.OPEN.value, f"held again (message {message_id})"
            )

    def held_for(self, kind: str, codes: Sequence[str]) -> list[MasterRef]:
        q = quarantine.c
        rows = self.conn.execute(
            select(q.kind, q.code, q.on_date, q.subject_kind, q.subject_id, q.message_id, q.command_index)
            .where(q.kind == kind, q.code.in_(sorted(set(codes))), q.status == HELD)
            .order_by(q.id)
        ).all()
        return [
            MasterRef(r.kind, r.code, r.on_date, r.subject_kind, r.subject_id, r.message_id, r.command_index)
            for r in rows
        ]

    def held_commands(self, message_id: int) -> frozenset[int]:
        """The indices of the message's commands held and not yet applied (a replay applies only these)."""
        return frozenset(index for (index,) in _held_commands().rows(self.conn, {"message_id": message_id}))

    def replayed(self, message_id: int, indices: Sequence[int], ctx: MessageContext) -> None:
        """These held commands of the message have now been applied."""
        q = quarantine.c
        self.conn.execute(
            update(quarantine)
            .where(q.message_id == message_id, q.command_index.in_(sorted(indices)), q.status == RELEASED)
            .values(status=REPLAYED)
        )

    def release(self, refs: Sequence[MasterRef], ctx: MessageContext) -> list[int]:
        q = quarantine.c
        for ref in refs:
            same_date = q.on_date.is_(None) if ref.on is None else q.on_date == ref.on
            self.conn.execute(
                update(quarantine)
                .where(
                    q.message_id == ref.message_id,
                    q.command_index == ref.command_index,
                    q.kind == ref.kind,
                    q.code == ref.code,
                    q.finding_key == ref.finding_key,
                    same_date,
                    q.status == HELD,
                )
                .values(status=RELEASED, released_at=ctx.now)
            )
        still_held = select(q.id).where(q.status == HELD)
        # A message goes back in the log as soon as one of its held commands can be applied (the
        # replay holds again what still misses something: one never-mapped payer in an 837 does not
        # keep its other claims waiting).
        requeued = sorted({ref.message_id for ref in refs})
        for message_id in requeued:
            self.conn.execute(
                update(inbound_messages)
                .where(inbound_messages.c.id == message_id)
                .values(status=ACCEPTED, next_attempt_at=None, error_code=None, error=None)
            )
        f = findings.c
        open_states = (FindingStatus.OPEN.value, FindingStatus.IN_PROGRESS.value)
        for key in sorted({ref.finding_key for ref in refs}):
            if self.conn.execute(still_held.where(q.finding_key == key).limit(1)).first() is not None:
                continue
            row = self.conn.execute(
                select(f.id, f.status).where(f.key == key, f.status.in_(open_states))
            ).first()
            if row is None:
                continue
            self.conn.execute(
                update(findings)
                .where(f.id == row.id)
                .values(status=FindingStatus.RESOLVED.value, updated_at=ctx.now)
            )
            self._event(
                row.id,
                ctx,
                row.status,
                FindingStatus.RESOLVED.value,
                "master data arrived; held messages replayed",
            )
        return requeued

    def count_held(self) -> int:
        q = quarantine.c
        return int(
            self.conn.execute(
                select(func.count()).select_from(quarantine).where(q.status == HELD)
            ).scalar_one()
        )

    def _event(self, finding_id: int, ctx: MessageContext, old: str, new: str, text: str) -> None:
        self.conn.execute(
            insert(finding_events).values(
                finding_id=finding_id,
                at=ctx.now,
                actor=SYSTEM,
                action="status",
                from_value=old,
                to_value=new,
                text=text,
            )
        )


class SqlMasterLoads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, report: LoadReport, ctx: MessageContext) -> int:
        source = "unknown"
        if ctx.message_id is not None:
            found = self.conn.execute(
                select(inbound_messages.c.interface).where(inbound_messages.c.id == ctx.message_id)
            ).first()
            source = found.interface if found is not None else source
        counts = report.counts()
        return int(
            self.conn.execute(
                insert(master_data_loads)
                .values(
                    message_id=ctx.message_id,
                    kind=report.kind,
                    source=source,
                    report=report.as_dict(),
                    correlation_id=ctx.correlation_id,
                    loaded_at=ctx.now,
                    **counts,
                )
                .returning(master_data_loads.c.id)
            ).scalar_one()
        )
