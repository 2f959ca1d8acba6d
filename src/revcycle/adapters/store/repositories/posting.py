"""Remittance posting: payment and line postings, manual remittance entries, and payer contracts read
from the effective-dated master data."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import Connection, bindparam, func, insert, or_, select
from sqlalchemy.types import NullType

from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.repositories.codec import dump, load
from revcycle.adapters.store.schema import line_postings, manual_remittances, master_data, payment_postings
from revcycle.domain.master_data import Contract
from revcycle.domain.money import money
from revcycle.domain.posting import PostingTotals
from revcycle.service_layer.ports import LinePosting, ManualEntry, MessageContext

_TOTALS = ("charge", "paid", "contractual", "patient_responsibility", "other_adjustments", "denied")


@cache
def _claim_totals() -> Prepared:
    p = payment_postings.c
    sums = [func.coalesce(func.sum(p[name]), 0) for name in _TOTALS]
    # Read as the driver returns them (SQLite: floats; PostgreSQL: Decimal); ``money`` rounds to cents.
    return Prepared(select(*sums).where(p.claim_id == bindparam("claim_id")), result_types=[NullType()] * 6)


@cache
def _posting_insert() -> Prepared:
    return Prepared(insert(payment_postings))


class SqlPostings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        payment_id: int,
        claim_id: int | None,
        totals: PostingTotals,
        lines: tuple[LinePosting, ...],
        ctx: MessageContext,
    ) -> None:
        row = {
            "payment_id": payment_id,
            "claim_id": claim_id,
            "charge": totals.charge,
            "paid": totals.paid,
            "contractual": totals.contractual,
            "patient_responsibility": totals.patient_responsibility,
            "other_adjustments": totals.other,
            "denied": totals.denied,
            "correlation_id": ctx.correlation_id,
            "created_at": ctx.now,
        }
        _posting_insert().rowcount(self.conn, row, insert_keys=True)
        if not lines:
            return
        rows = []
        for posted in lines:
            service, line, t = posted.match.service, posted.match.line, posted.totals
            rows.append(
                {
                    "payment_id": payment_id,
                    "claim_id": claim_id,
                    "line_number": line.line_number if line else None,
                    "line_control_number": service.line_control_number
                    or (line.line_control_number if line else None),
                    "match": posted.match.method.value,
                    "procedure_code": service.procedure_code,
                    "modifiers": ",".join(service.modifiers) or None,
                    "submitted_code": service.submitted_code,
                    "service_date": service.service_date,
                    "charge": t.charge,
                    "paid": t.paid,
                    "allowed": posted.allowed,
                    "expected": posted.expected,
                    "contractual": t.contractual,
                    "patient_responsibility": t.patient_responsibility,
                    "other_adjustments": t.other,
                    "denied": t.denied,
                    "underpaid": posted.underpayment.shortfall if posted.underpayment else None,
                    "adjustments": dump(service.adjustments),
                    "remarks": list(service.remarks),
                    "created_at": ctx.now,
                }
            )
        self.conn.execute(insert(line_postings), rows)

    def claim_totals(self, claim_id: int) -> PostingTotals:
        [row] = _claim_totals().rows(self.conn, {"claim_id": claim_id})
        return PostingTotals(*(money(value) for value in row))

    def add_manual_entry(self, trace_number: str, entry: ManualEntry, ctx: MessageContext) -> None:
        self.conn.execute(
            insert(manual_remittances).values(
                trace_number=trace_number,
                entered_by=entry.entered_by,
                entered_at=entry.entered_at,
                source=entry.source,
                note=entry.note,
                message_id=ctx.message_id,
                correlation_id=ctx.correlation_id,
                created_at=ctx.now,
            )
        )


class SqlContracts:
    """Contracts live in ``master_data`` (kind ``contract``, one row per contract version, the payer in
    its JSON): the version valid on the date, for the payer; a dated version before an open one."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[str, date | None], Contract | None] = {}

    def for_payer(self, payer_id: str, on: date | None) -> Contract | None:
        key = (payer_id, on)
        if key not in self._cache:
            self._cache[key] = self._find(payer_id, on)
        return self._cache[key]

    def _find(self, payer_id: str, on: date | None) -> Contract | None:
        c = master_data.c
        query = select(c.data).where(c.kind == "contract")
        if on is not None:
            query = query.where(
                or_(c.effective_start.is_(None), c.effective_start <= on),
                or_(c.effective_end.is_(None), c.effective_end >= on),
            )
        rows = self.conn.execute(query.order_by(c.effective_start.desc().nulls_last(), c.id.desc()))
        for row in rows:
            if row.data.get("payer_id") == payer_id:
                return load(row.data, Contract)
        return None
