"""Read side of ERP posting: journals with their acknowledgments, and the drill-down from a journal to
its lines, the transactions it summarises, their claims, claim payments and messages; and back from a
claim to its journals."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from revcycle.adapters.store.billing_queries import Page
from revcycle.adapters.store.message_queries import as_dict
from revcycle.adapters.store.schema import (
    charges,
    claim_payments,
    claims,
    erp_items,
    erp_journal_lines,
    erp_journals,
    inbound_messages,
)

_CLAIM = [
    claims.c.id,
    claims.c.patient_control_number,
    claims.c.status,
    claims.c.payer_id,
    claims.c.total_charge,
]
_PAYMENT = [
    claim_payments.c.id,
    claim_payments.c.trace_number,
    claim_payments.c.claim_id,
    claim_payments.c.status_code,
    claim_payments.c.paid,
    claim_payments.c.payment_date,
]
_MESSAGE = [
    inbound_messages.c.id,
    inbound_messages.c.format,
    inbound_messages.c.message_type,
    inbound_messages.c.control_id,
    inbound_messages.c.correlation_id,
    inbound_messages.c.received_at,
]


class JournalQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def journals(
        self,
        page: Page,
        *,
        status: str | None = None,
        kind: str | None = None,
        posting_from: date | None = None,
        posting_to: date | None = None,
        period: str | None = None,
    ) -> list[dict[str, Any]]:
        j = erp_journals.c
        query = select(erp_journals)
        for column, value in ((j.status, status), (j.kind, kind), (j.period, period)):
            if value is not None:
                query = query.where(column == value)
        if posting_from is not None:
            query = query.where(j.posting_date >= posting_from)
        if posting_to is not None:
            query = query.where(j.posting_date <= posting_to)
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(page.apply(query, j.id))]

    def counts(self) -> dict[str, int]:
        j = erp_journals.c
        with self.engine.connect() as conn:
            return {s: int(n) for s, n in conn.execute(select(j.status, func.count()).group_by(j.status))}

    def journal(self, journal_id: int) -> dict[str, Any] | None:
        """A journal, its lines, and every transaction in it with its source, claim and message."""
        with self.engine.connect() as conn:
            row = conn.execute(select(erp_journals).where(erp_journals.c.id == journal_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            lines = conn.execute(
                select(erp_journal_lines)
                .where(erp_journal_lines.c.journal_id == journal_id)
                .order_by(erp_journal_lines.c.line_no)
            )
            out["lines"] = [as_dict(r) for r in lines]
            i = erp_items.c
            items = [
                as_dict(r)
                for r in conn.execute(
                    select(
                        i.id,
                        i.source_kind,
                        i.source_id,
                        i.transaction_type,
                        i.reversal,
                        i.amount,
                        i.transaction_date,
                        i.facility_code,
                        i.department_code,
                        i.payer_class,
                        i.service_line,
                        i.claim_id,
                        i.message_id,
                        i.correlation_id,
                    )
                    .where(i.journal_id == journal_id)
                    .order_by(i.id)
                )
            ]
            out["items"] = items
            claim_ids = {x["claim_id"] for x in items if x["claim_id"] is not None}
            payment_ids = {x["source_id"] for x in items if x["source_kind"] == "claim_payment"}
            charge_ids = {x["source_id"] for x in items if x["source_kind"] == "charge"}
            message_ids = {x["message_id"] for x in items if x["message_id"] is not None}
            out["claims"] = _rows(conn, select(*_CLAIM).where(claims.c.id.in_(claim_ids)))
            out["remittances"] = _rows(conn, select(*_PAYMENT).where(claim_payments.c.id.in_(payment_ids)))
            c = charges.c
            out["charges"] = _rows(
                conn,
                select(c.id, c.service_date, c.procedure_code, c.amount, c.charge_type, c.message_id).where(
                    c.id.in_(charge_ids)
                ),
            )
            out["messages"] = _rows(conn, select(*_MESSAGE).where(inbound_messages.c.id.in_(message_ids)))
        return out

    def claim_journals(self, claim_id: int) -> list[dict[str, Any]]:
        """Back from a claim: the journals its payments posted in (with the amount of each)."""
        j, i = erp_journals.c, erp_items.c
        query = (
            select(
                j.id,
                j.key,
                j.kind,
                j.status,
                j.posting_date,
                j.document_id,
                func.sum(i.amount).label("amount"),
            )
            .join(erp_items, i.journal_id == j.id)
            .where(i.claim_id == claim_id)
            .group_by(j.id, j.key, j.kind, j.status, j.posting_date, j.document_id)
            .order_by(j.id)
        )
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(query)]


def _rows(conn: Any, query: Any) -> list[dict[str, Any]]:
    return [as_dict(r) for r in conn.execute(query)]
