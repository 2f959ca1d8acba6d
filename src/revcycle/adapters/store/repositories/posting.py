"""Remittance posting: payment and line postings, manual remittance entries, and payer contracts read
from the effective-dated master data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select
from sqlalchemy.types import NullType

from revcycle.adapters.store.fast_insert import PreparedRowsInsert
from revcycle.adapters.store.prepared import Prepared, PreparedIn, in_binds
from revcycle.adapters.store.repositories.codec import dump, load
from revcycle.adapters.store.schema import line_postings, manual_remittances, master_data, payment_postings
from revcycle.domain.master_data import Contract
from revcycle.domain.money import money
from revcycle.domain.posting import PostingTotals
from revcycle.service_layer.ports import LinePosting, ManualEntry, MessageContext, NewPosting

_TOTALS = ("charge", "paid", "contractual", "patient_responsibility", "other_adjustments", "denied")


@cache
def _claim_totals() -> Prepared:
    p = payment_postings.c
    sums = [func.coalesce(func.sum(p[name]), 0) for name in _TOTALS]
    # Read as the driver returns them (SQLite: floats; PostgreSQL: Decimal); ``money`` rounds to cents.
    return Prepared(select(*sums).where(p.claim_id == bindparam("claim_id")), result_types=[NullType()] * 6)


@cache
def _claims_totals() -> PreparedIn:
    """``_claim_totals`` of several claims, by claim."""
    p = payment_postings.c
    sums = [func.coalesce(func.sum(p[name]), 0) for name in _TOTALS]

    def build(size: int) -> Any:
        return (
            select(p.claim_id, *sums)
            .where(p.claim_id.in_(in_binds(size, p.claim_id.type)))
            .group_by(p.claim_id)
        )

    return PreparedIn(build, result_types=[p.claim_id.type] + [NullType()] * 6)


_POSTING_COLUMNS = (
    "payment_id", "claim_id", "charge", "paid", "contractual", "patient_responsibility", "other_adjustments",
    "denied", "correlation_id", "created_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "payment_id", "claim_id", "line_number", "line_control_number", "match", "procedure_code", "modifiers",
    "submitted_code", "service_date", "charge", "paid", "allowed", "expected", "contractual",
    "patient_responsibility", "other_adjustments", "denied", "underpaid", "adjustments", "remarks",
    "created_at",
)  # fmt: skip


@cache
def _rows_insert(table_name: str) -> PreparedRowsInsert:
    """The postings, and their lines, of several claim payments in one statement each."""
    if table_name == "payment_postings":
        return PreparedRowsInsert(payment_postings, _POSTING_COLUMNS)
    return PreparedRowsInsert(line_postings, _LINE_COLUMNS)


def _posting_row(posting: NewPosting, ctx: MessageContext) -> dict[str, Any]:
    totals = posting.totals
    return {
        "payment_id": posting.payment_id,
        "claim_id": posting.claim_id,
        "charge": totals.charge,
        "paid": totals.paid,
        "contractual": totals.contractual,
        "patient_responsibility": totals.patient_responsibility,
        "other_adjustments": totals.other,
        "denied": totals.denied,
        "correlation_id": ctx.correlation_id,
        "created_at": ctx.now,
    }


def _line_row(posting: NewPosting, posted: LinePosting, ctx: MessageContext) -> dict[str, Any]:
    service, line, t = posted.match.service, posted.match.line, posted.totals
    return {
        "payment_id": posting.payment_id,
        "claim_id": posting.claim_id,
        "line_number": line.line_number if line else None,
        "line_control_number": service.line_control_number or (line.line_control_number if line else None),
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
        self.add_many([NewPosting(payment_id, claim_id, totals, lines)], ctx)

    def add_many(self, postings: Sequence[NewPosting], ctx: MessageContext) -> None:
        _rows_insert("payment_postings").run(self.conn, [_posting_row(p, ctx) for p in postings])
        lines = [_line_row(p, posted, ctx) for p in postings for posted in p.lines]
        _rows_insert("line_postings").run(self.conn, lines)

    def claim_totals(self, claim_id: int) -> PostingTotals:
        [row] = _claim_totals().rows(self.conn, {"claim_id": claim_id})
        return PostingTotals(*(money(value) for value in row))

    def claim_totals_many(self, claim_ids: Sequence[int]) -> dict[int, PostingTotals]:
        return {
            int(claim_id): PostingTotals(*(money(value) for value in sums))
            for claim_id, *sums in _claims_totals().rows(self.conn, claim_ids)
        }

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


@cache
def _contract_versions(dated: bool) -> Prepared:
    """Every contract version (valid on ``:on`` when dated), the dated ones first, the latest first."""
    c = master_data.c
    query = select(c.data).where(c.kind == "contract")
    if dated:
        on = bindparam("on", type_=c.effective_start.type)
        query = query.where(
            or_(c.effective_start.is_(None), c.effective_start <= on),
            or_(c.effective_end.is_(None), c.effective_end >= on),
        )
    query = query.order_by(c.effective_start.desc().nulls_last(), c.id.desc())
    return Prepared(query, result_types=[c.data.type])


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
        params = {} if on is None else {"on": on}
        for (data,) in _contract_versions(on is not None).rows(self.conn, params):
            if data.get("payer_id") == payer_id:
                return load(data, Contract)
        return None
