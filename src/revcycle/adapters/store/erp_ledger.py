"""Posting items, journals and their outbox rows in the store (one connection, one transaction).

A journal, its lines, the items it summarises and its outbox row are written in the same transaction,
so the poster never sees a journal without its lines, and an item is in at most one journal. A source
row's items and the clearing of its ``erp_pending`` mark are written in the same transaction too, so a
row is itemised once (``erp_items`` is unique on the source and transaction, as a last guard). Builder
passes are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: its write lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, bindparam, select, text, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.erp_sources import (
    PENDING,
    MasterDims,
    Read,
    SourceTransaction,
    read_charges,
    read_claim_payments,
    read_patient_payments,
)
from revcycle.adapters.store.fast_insert import PreparedRowsInsert
from revcycle.adapters.store.prepared import Prepared, PreparedIn, in_binds
from revcycle.adapters.store.repositories.work import SqlFindings
from revcycle.adapters.store.schema import (
    erp_items,
    erp_journal_lines,
    erp_journals,
    findings,
    outbox,
)
from revcycle.domain.erp_payload import payload_of
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.gl_mapping import Dimensions
from revcycle.domain.journal_posting import JournalDraft
from revcycle.domain.journals import JournalKind
from revcycle.domain.money import money
from revcycle.service_layer.erp_ports import OpenItem
from revcycle.service_layer.ports import MessageContext

JOURNAL_TOPIC = "erp.journal"
OPEN, QUARANTINED, JOURNALLED = "open", "quarantined", "journalled"
_PG_LOCK = 727_0009  # the builder pass (pg_advisory_xact_lock key; the audit log has its own)


_ITEM_COLUMNS = (
    "source_kind", "source_id", "transaction_type", "reversal", "amount", "transaction_date",
    "facility_code", "department_code", "payer_class", "service_line", "encounter_ref", "claim_id",
    "message_id", "correlation_id", "status", "created_at", "updated_at",
)  # fmt: skip
_JOURNAL_COLUMNS = (
    "key", "kind", "level", "posting_date", "period", "currency", "legal_entity", "facility_code",
    "payer_class", "service_line", "debit_total", "credit_total", "line_count", "item_count", "status",
    "attempts", "created_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "journal_id", "line_no", "account", "debit", "credit", "cost_centre", "legal_entity", "dimension",
)  # fmt: skip
_OUTBOX_COLUMNS = (
    "topic", "key", "payload", "status", "attempts", "next_attempt_at", "created_at", "erp_pending",
)  # fmt: skip


@cache
def _rows_insert(table: str) -> PreparedRowsInsert:
    """The pass's items, journals (their ids come back with their keys), lines and outbox rows, a few
    multi-row statements each (``adapters/store/fast_insert.py``)."""
    if table == "erp_items":
        return PreparedRowsInsert(erp_items, _ITEM_COLUMNS)
    if table == "erp_journals":
        return PreparedRowsInsert(erp_journals, _JOURNAL_COLUMNS, returning=("id", "key"))
    if table == "erp_journal_lines":
        return PreparedRowsInsert(erp_journal_lines, _LINE_COLUMNS)
    return PreparedRowsInsert(outbox, _OUTBOX_COLUMNS)


_FEW = 8  # a journal with fewer items has them moved one statement each (one executemany for all such)


@cache
def _journal_item() -> Prepared:
    """An item into its journal (run for many items in one executemany)."""
    i = erp_items.c
    statement = (
        update(erp_items)
        .where(i.id == bindparam("item"))
        .values(status=JOURNALLED, gap=None, journal_id=bindparam("journal"), updated_at=bindparam("now"))
    )
    return Prepared(statement)


@cache
def _journal_items() -> PreparedIn:
    """A journal's items into it, by IN list (a daily journal holds thousands)."""
    i = erp_items.c

    def build(size: int) -> Any:
        return (
            update(erp_items)
            .where(i.id.in_(in_binds(size, i.id.type)))
            .values(status=JOURNALLED, gap=None, journal_id=bindparam("journal"), updated_at=bindparam("now"))
        )

    return PreparedIn(build)


class SourceTakenError(RuntimeError):
    """A source row read as pending was no longer pending when taken: another builder pass took it
    (cannot happen while passes are serialised; the pass rolls back rather than itemise it twice)."""


class SqlLedgerSession:
    """``with SqlLedgerSession(engine) as ledger: ...; ledger.commit()``; leaving without commit rolls
    back. ``open_from`` is not needed here: posting dates are decided by the builder."""

    def __init__(self, engine: Engine, *, sweep: bool = False) -> None:
        self.engine = engine
        self.sweep = sweep

    def __enter__(self) -> SqlLedgerSession:
        self.conn = for_writing(self.engine).connect()
        self.transaction = self.conn.begin()
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self.transaction.commit()

    def collect(self, now: datetime, limit: int) -> int:
        """Take up to ``limit`` pending rows of each source into open items, clearing their mark in this
        transaction (with ``sweep``: every source row, skipping those already itemised); returns how many
        items were added."""
        dims = MasterDims(self.conn)
        pending = not self.sweep
        added = 0
        readers: dict[str, Callable[[int], Read]] = {
            "charge": lambda after: read_charges(self.conn, after, limit, dims, pending=pending),
            "claim_payment": lambda after: read_claim_payments(
                self.conn, after, limit, dims, pending=pending
            ),
            "patient_payment": lambda after: read_patient_payments(self.conn, after, limit, pending=pending),
        }
        for source, read in readers.items():
            after = 0
            while True:
                rows, ids = read(after)
                if self.sweep:
                    known = self.known_sources(source, ids)
                    rows = [r for r in rows if r.source_id not in known]
                self.add_items(rows, now)
                self.take(source, ids)
                added += len(rows)
                if not ids or not self.sweep:
                    break
                after = ids[-1]
        return added

    def take(self, source: str, ids: Sequence[int]) -> None:
        """Clear the ``erp_pending`` mark of source rows read (outside a sweep, every one must still
        have had it)."""
        table, still_pending = PENDING[source]
        cleared = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cleared += self.conn.execute(
                update(table).where(table.c.id.in_(chunk), still_pending).values(erp_pending=False)
            ).rowcount
        if not self.sweep and cleared != len(ids):
            raise SourceTakenError(f"{len(ids) - cleared} {source} row(s) taken by another builder pass")

    def report_gaps(self, gaps: dict[str, int], now: datetime) -> None:
        """One open finding per GL gap (with the number of items it holds); findings of gaps no longer
        holding anything are resolved."""
        ctx = MessageContext(correlation_id="erp-builder", received_at=now, now=now)
        findings_repo = SqlFindings(self.conn)
        for reason, count in gaps.items():
            findings_repo.raise_finding(
                Finding(
                    type=FindingType.GL_UNMAPPED,
                    severity=Severity.HIGH,
                    subject_kind="gl_mapping",
                    subject_id=reason[:200],
                    summary=f"{reason}: {count} transaction(s) quarantined, not posted",
                    key=f"{FindingType.GL_UNMAPPED.value}:{reason}"[:300],
                    details={"items": count},
                ),
                ctx,
            )
        f = findings.c
        open_gaps = self.conn.execute(
            select(f.id, f.subject_id).where(f.type == FindingType.GL_UNMAPPED.value, f.status == "open")
        ).all()
        still = self.quarantined_gaps()
        solved = [r.id for r in open_gaps if r.subject_id not in {g[:200] for g in still}]
        if solved:
            self.conn.execute(
                update(findings).where(f.id.in_(solved)).values(status="resolved", updated_at=now)
            )

    def known_sources(self, kind: str, ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        found: set[int] = set()
        i = erp_items.c
        for start in range(0, len(wanted), 500):
            rows = self.conn.execute(
                select(i.source_id).where(i.source_kind == kind, i.source_id.in_(wanted[start : start + 500]))
            )
            found.update(int(r) for r in rows.scalars())
        return found

    def add_items(self, rows: Sequence[SourceTransaction], now: datetime) -> None:
        _rows_insert("erp_items").run(
            self.conn,
            [
                {
                    "source_kind": r.source_kind,
                    "source_id": r.source_id,
                    "transaction_type": r.transaction.kind.value,
                    "reversal": r.transaction.reversal,
                    "amount": r.transaction.amount,
                    "transaction_date": r.transaction_date,
                    "facility_code": r.dims.facility,
                    "department_code": r.dims.department,
                    "payer_class": r.dims.payer_class,
                    "service_line": r.dims.service_line,
                    "encounter_ref": r.encounter_ref,
                    "claim_id": r.claim_id,
                    "message_id": r.message_id,
                    "correlation_id": r.correlation_id,
                    "status": OPEN,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in rows
            ],
        )

    def open_items(self) -> list[OpenItem]:
        i = erp_items.c
        rows = self.conn.execute(
            select(
                i.id,
                i.transaction_type,
                i.reversal,
                i.amount,
                i.transaction_date,
                i.facility_code,
                i.department_code,
                i.payer_class,
                i.service_line,
                i.encounter_ref,
                i.status,
                i.gap,
            )
            .where(i.status.in_((OPEN, QUARANTINED)))
            .order_by(i.id)
        )
        return [
            OpenItem(
                int(r.id),
                JournalKind(r.transaction_type),
                bool(r.reversal),
                money(r.amount),
                r.transaction_date,
                Dimensions(r.facility_code, r.department_code, r.payer_class, r.service_line),
                r.encounter_ref,
                r.status,
                r.gap,
            )
            for r in rows
        ]

    def quarantine(self, item_ids: Sequence[int], gap: str, now: datetime) -> None:
        i = erp_items.c
        for start in range(0, len(item_ids), 500):
            self.conn.execute(
                update(erp_items)
                .where(i.id.in_(item_ids[start : start + 500]))
                .values(status=QUARANTINED, gap=gap, updated_at=now)
            )

    def quarantined_gaps(self) -> set[str]:
        i = erp_items.c
        rows = self.conn.execute(select(i.gap).where(i.status == QUARANTINED).distinct())
        return {str(g) for g in rows.scalars() if g}

    def add_journals(self, drafts: Sequence[JournalDraft], now: datetime) -> list[int]:
        """Journals, their lines, their items' links and their outbox rows, a few statements per batch."""
        if not drafts:
            return []
        rows = [
            {
                "key": d.entry.key,
                "kind": d.entry.kind.value,
                "level": d.level.value,
                "posting_date": d.entry.posting_date,
                "period": d.entry.period,
                "currency": d.entry.currency,
                "legal_entity": d.legal_entity,
                "facility_code": d.dims.facility,
                "payer_class": d.dims.payer_class,
                "service_line": d.dims.service_line,
                "debit_total": d.entry.debits,
                "credit_total": d.entry.credits,
                "line_count": len(d.entry.lines),
                "item_count": len(d.item_ids),
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
            for d in drafts
        ]
        inserted = _rows_insert("erp_journals").run(self.conn, rows)
        ids = {str(key): int(journal_id) for journal_id, key in inserted}
        lines: list[dict[str, Any]] = [
            {
                "journal_id": ids[d.entry.key],
                "line_no": number,
                "account": line.account,
                "debit": line.debit,
                "credit": line.credit,
                "cost_centre": line.cost_centre,
                "legal_entity": line.legal_entity,
                "dimension": line.dimension,
            }
            for d in drafts
            for number, line in enumerate(d.entry.lines, start=1)
        ]
        _rows_insert("erp_journal_lines").run(self.conn, lines)
        for d in drafts:
            if len(d.item_ids) >= _FEW:
                _journal_items().rowcount(self.conn, d.item_ids, {"journal": ids[d.entry.key], "now": now})
        few = [
            {"item": item, "journal": ids[d.entry.key], "now": now}
            for d in drafts
            if len(d.item_ids) < _FEW
            for item in d.item_ids
        ]
        _journal_item().many(self.conn, few)
        outbound: list[dict[str, Any]] = [
            {
                "topic": JOURNAL_TOPIC,
                "key": d.entry.key,
                "payload": {
                    "journal_id": ids[d.entry.key],
                    "journal": payload_of(
                        d.entry,
                        legal_entity=d.legal_entity,
                        facility=d.dims.facility,
                        payer_class=d.dims.payer_class,
                        service_line=d.dims.service_line,
                    ).to_dict(),
                },
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "erp_pending": False,  # a journal, not a source of one
            }
            for d in drafts
        ]
        _rows_insert("outbox").run(self.conn, outbound)
        return [ids[d.entry.key] for d in drafts]
