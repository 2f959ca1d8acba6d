"""Read side for claims (with their timeline), remittances and the findings work queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, select

from revcycle.adapters.store import posting_queries
from revcycle.adapters.store.message_queries import MAX_PAGE, as_dict
from revcycle.adapters.store.schema import claim_events, claim_payments, claims, inbound_messages

_CLAIM_LIST = [c for c in claims.c if c.name not in ("data", "claim_key", "patient_key")]


@dataclass(frozen=True, slots=True)
class Page:
    before_id: int | None = None
    limit: int = 100

    def apply(self, query: Select[Any], id_column: Any) -> Select[Any]:
        if self.before_id is not None:
            query = query.where(id_column < self.before_id)
        return query.order_by(id_column.desc()).limit(max(1, min(self.limit, MAX_PAGE)))


class BillingQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claims(
        self,
        page: Page,
        *,
        status: str | None = None,
        payer_id: str | None = None,
        patient_control_number: str | None = None,
        service_from: date | None = None,
        service_to: date | None = None,
    ) -> list[dict[str, Any]]:
        c = claims.c
        query = select(*_CLAIM_LIST)
        for column, value in (
            (c.status, status),
            (c.payer_id, payer_id),
            (c.patient_control_number, patient_control_number),
        ):
            if value is not None:
                query = query.where(column == value)
        if service_from is not None:
            query = query.where(c.service_date >= service_from)
        if service_to is not None:
            query = query.where(c.service_date <= service_to)
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(page.apply(query, c.id))]

    def claim(self, claim_id: int) -> dict[str, Any] | None:
        """A claim with its lines, diagnoses, payments and timeline (every message by correlation id)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*_CLAIM_LIST, claims.c.data).where(claims.c.id == claim_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            data = out.pop("data")
            for key in (
                "lines",
                "diagnoses",
                "procedures",
                "prior_authorization",
                "statement_from",
                "statement_to",
            ):
                out[key] = data.get(key)
            e, m = claim_events.c, inbound_messages.c
            timeline = conn.execute(
                select(
                    e.at,
                    e.kind,
                    e.from_status,
                    e.to_status,
                    e.message_id,
                    e.correlation_id,
                    e.detail,
                    m.message_type,
                    m.format,
                    m.control_id,
                )
                .outerjoin(inbound_messages, e.message_id == m.id)
                .where(e.claim_id == claim_id)
                .order_by(e.id)
            )
            out["timeline"] = [as_dict(r) for r in timeline]
            p = claim_payments.c
            payments = conn.execute(
                select(*[col for col in claim_payments.c if col.name not in ("data", "dedup_key")])
                .where(p.claim_id == claim_id)
                .order_by(p.id)
            )
            out["payments"] = [as_dict(r) for r in payments]
            out |= posting_queries.claim_posting(conn, claim_id)
        return out

    def remittances(
        self,
        page: Page,
        *,
        trace_number: str | None = None,
        claim_id: int | None = None,
        status_code: str | None = None,
        unmatched: bool | None = None,
        source: str | None = None,
    ) -> list[dict[str, Any]]:
        p = claim_payments.c
        query = select(*[col for col in claim_payments.c if col.name != "dedup_key"])
        for column, value in (
            (p.trace_number, trace_number),
            (p.claim_id, claim_id),
            (p.status_code, status_code),
            (p.source, source),
        ):
            if value is not None:
                query = query.where(column == value)
        if unmatched is not None:
            query = query.where(p.claim_id.is_(None) if unmatched else p.claim_id.is_not(None))
        with self.engine.connect() as conn:
            rows = [as_dict(r) for r in conn.execute(page.apply(query, p.id))]
            ids = [int(r["id"]) for r in rows]
            lines = posting_queries.lines_of_payments(conn, ids)
            posted = posting_queries.payment_totals(conn, ids)
            manual = posting_queries.manual_entries(
                conn, [int(r["message_id"]) for r in rows if r["source"] == "manual" and r["message_id"]]
            )
        for row in rows:
            data = row.pop("data")
            row["adjustments"] = data.get("adjustments", [])
            row["services"] = data.get("services", [])
            row["remarks"] = data.get("remarks", [])
            row["denied"] = posted.get(row["id"], {}).get("denied")
            row["posted_lines"] = lines.get(row["id"], [])
            row["manual_entry"] = manual.get(row["message_id"]) if row["source"] == "manual" else None
        return rows
