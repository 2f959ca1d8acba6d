"""Read side of the web console: the overview, operations, patient, provider and facility figures and
the search box, as SQL that runs on SQLite and PostgreSQL (revenue figures: ``revenue_queries.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, case, func, null, or_, select

from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.message_queries import as_dict
from revcycle.adapters.store.patient_balance_queries import patient_billing
from revcycle.adapters.store.revenue_queries import NOT_RECEIVABLE, ZERO, RevenueQueries, money
from revcycle.adapters.store.schema import (
    alerts,
    charges,
    claim_payments,
    claims,
    dead_letters,
    encounters,
    findings,
    inbound_messages,
    outbox,
    patients,
)
from revcycle.adapters.store.sql_dialect import minute_bucket, seconds_between

PROCESSED = "processed"


class ConsoleQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- overview and operations ----------------------------------------------------------------------

    def messages_per_minute(self, since: datetime) -> list[tuple[str, str, int]]:
        m = inbound_messages.c
        minute = minute_bucket(self.engine, m.received_at)
        query = (
            select(m.interface, minute, func.count())
            .where(m.received_at >= since)
            .group_by(m.interface, minute)
            .order_by(minute)
        )
        with self.engine.connect() as conn:
            return [(str(i), str(mi), int(n)) for i, mi, n in conn.execute(query)]

    def interfaces(self, since: datetime, *, processing: bool = False) -> list[dict[str, Any]]:
        """Per interface since ``since``: received, processed, failed, dead, and (``processing``) the
        mean receipt-to-processed seconds (a per-row computation: ask for it over short windows).

        Counted without reading the messages themselves: the receipts from the (interface, received_at)
        index alone, the few messages not processed through the status index; processed is the
        difference (a message's status is never empty)."""
        m = inbound_messages.c
        seconds = seconds_between(self.engine, m.processed_at, m.received_at)
        mean = func.avg(case((m.processed_at.is_not(None), seconds), else_=None)) if processing else null()
        received = (
            select(
                m.interface.label("interface"),
                func.count().label("received"),
                func.max(m.received_at).label("last_received"),
                mean.label("processing_s"),
            )
            .where(m.received_at >= since)
            .group_by(m.interface)
            .order_by(m.interface)
        )
        # Two ranges of the status index (coalesce(): not the received_at one, every message of the
        # window), counted here: a GROUP BY would have SQLite walk the whole table in interface order.
        pending = [
            select(m.interface, m.status).where(other, func.coalesce(m.received_at, m.received_at) >= since)
            for other in (m.status < PROCESSED, m.status > PROCESSED)
        ]
        others: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            rows = [as_dict(r) for r in conn.execute(received)]
            for query in pending:
                for interface, status in conn.execute(query):
                    counts = others.setdefault(str(interface), {})
                    counts[status] = counts.get(status, 0) + 1
        for row in rows:
            mean_s = row.pop("processing_s")
            counts = others.get(row["interface"], {})
            row["received"] = int(row["received"])
            row["processed"] = row["received"] - sum(counts.values())
            row["errors"] = counts.get("failed", 0) + counts.get("rejected", 0)
            row["dead"] = counts.get("dead", 0)
            row["processing_seconds"] = None if mean_s is None else round(float(mean_s), 3)
        return [
            {k: row[k] for k in ("interface", "received", "processed", "errors", "dead", "last_received")}
            | {"processing_seconds": row["processing_seconds"]}
            for row in rows
        ]

    def today(self, midnight: datetime) -> dict[str, Any]:
        ch, p = charges.c, claim_payments.c
        with self.engine.connect() as conn:
            charged, lines = conn.execute(
                select(func.sum(ch.amount), func.count()).where(
                    ch.created_at >= midnight, ch.charge_type == "CG"
                )
            ).one()
            paid, count = conn.execute(
                select(func.sum(p.paid), func.count()).where(p.created_at >= midnight)
            ).one()
            live_alerts = conn.execute(
                select(func.count()).where(alerts.c.status.in_(("open", "acknowledged")))
            ).scalar_one()
            open_findings = conn.execute(select(func.count()).where(findings.c.status == "open")).scalar_one()
        return {
            "charges": money(charged),
            "charge_lines": int(lines),
            "payments": money(paid),
            "payment_count": int(count),
            "open_alerts": int(live_alerts),
            "open_findings": int(open_findings),
        }

    def outbox_state(self) -> dict[str, Any]:
        o = outbox.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(o.status, func.count(), func.min(o.created_at)).group_by(o.status)
            ).all()
        return {status: {"count": int(n), "oldest": as_dict_value(oldest)} for status, n, oldest in rows}

    def dead_letter_reasons(self) -> list[dict[str, Any]]:
        d = dead_letters.c
        query = (
            select(d.reason_code, func.count().label("n"))
            .where(d.status == "open")
            .group_by(d.reason_code)
            .order_by(func.count().desc())
        )
        with self.engine.connect() as conn:
            return [{"reason_code": code, "count": int(n)} for code, n in conn.execute(query)]

    # --- entities -------------------------------------------------------------------------------------

    def patient(self, patient_id: int) -> dict[str, Any] | None:
        """A patient's billing: encounters, charges, claims, payments and balance (no demographics)."""
        pt, e, ch, c, p = patients.c, encounters.c, charges.c, claims.c, claim_payments.c
        with self.engine.connect() as conn:
            row = conn.execute(select(pt.id, pt.patient_key, pt.account).where(pt.id == patient_id)).first()
            if row is None:
                return None
            key = row.patient_key
            out: dict[str, Any] = {"id": int(row.id), "account": row.account}
            out["encounters"] = [
                as_dict(r)
                for r in conn.execute(
                    select(
                        e.id,
                        e.visit_number,
                        e.status,
                        e.patient_class,
                        e.facility_code,
                        e.admitted_at,
                        e.discharged_at,
                    )
                    .where(e.patient_key == key)
                    .order_by(e.id.desc())
                    .limit(200)
                )
            ]
            out["charges"] = [
                as_dict(r)
                for r in conn.execute(
                    select(
                        ch.id,
                        ch.visit_number,
                        ch.service_date,
                        ch.procedure_code,
                        ch.transaction_code,
                        ch.amount,
                        ch.charge_type,
                    )
                    .where(ch.patient_key == key)
                    .order_by(ch.id.desc())
                    .limit(500)
                )
            ]
            out["claims"] = [
                as_dict(r)
                for r in conn.execute(
                    select(
                        c.id,
                        c.patient_control_number,
                        c.status,
                        c.payer_id,
                        c.service_date,
                        c.total_charge,
                        c.paid_total,
                        c.contractual_total,
                        c.patient_responsibility,
                    )
                    .where(c.patient_key == key)
                    .order_by(c.id.desc())
                    .limit(200)
                )
            ]
            claim_ids = [int(x["id"]) for x in out["claims"]]
            out["payments"] = (
                [
                    as_dict(r)
                    for r in conn.execute(
                        select(
                            p.id,
                            p.claim_id,
                            p.trace_number,
                            p.status_code,
                            p.payer_id,
                            p.paid,
                            p.patient_responsibility,
                            p.payment_date,
                        )
                        .where(p.claim_id.in_(claim_ids))
                        .order_by(p.id.desc())
                    )
                ]
                if claim_ids
                else []
            )
            billing = patient_billing(conn, key)  # patient payments applied to the patient's share
        out["patient_payments"] = billing["payments"]
        out["patient_applications"] = billing["applications"]
        live = [x for x in out["claims"] if x["status"] not in NOT_RECEIVABLE]
        out["balance"] = {
            "insurance": sum(
                (
                    money(x["total_charge"])
                    - money(x["paid_total"])
                    - money(x["contractual_total"])
                    - money(x["patient_responsibility"])
                    for x in live
                ),
                ZERO,
            ),
            "patient": money(billing["position"]["patient_balance"]),
            "patient_responsibility": money(billing["position"]["patient_responsibility"]),
            "patient_paid": money(billing["position"]["patient_paid"]),
            "credit": money(billing["position"]["credit"]),
        }
        return out

    def party(self, kind: str, code: str, since: date) -> dict[str, Any]:
        """A provider (NPI) or facility: claims, charges (the revenue figures' rollups) and encounters
        since ``since``."""
        c, e = claims.c, encounters.c
        claim_col = c.billing_npi if kind == "provider" else c.facility_code
        enc_col = e.attending_npi if kind == "provider" else e.facility_code
        figures = RevenueQueries(self.engine).party(kind, code, since)
        with self.engine.connect() as conn:
            visits = conn.execute(select(func.count()).where(enc_col == code)).scalar_one()
            recent = [
                as_dict(r)
                for r in conn.execute(
                    select(c.id, c.status, c.payer_id, c.service_date, c.total_charge, c.paid_total)
                    .where(claim_col == code)
                    .order_by(c.id.desc())
                    .limit(50)
                )
            ]
        return {"kind": kind, "code": code, **figures, "encounters": int(visits), "recent_claims": recent}

    def search(self, term: str) -> list[dict[str, Any]]:
        """Claims (id, patient control number), patient accounts, message control ids and correlation
        ids equal to ``term`` (a correlation id finds its message, whose page links onwards)."""
        c, pt, m = claims.c, patients.c, inbound_messages.c
        hits: list[dict[str, Any]] = []
        account_index = blind_index(self.engine.dialect, term, "patients.account")  # account is encrypted
        with self.engine.connect() as conn:
            claim_match = [c.patient_control_number == term]  # indexed columns only
            if term.isdigit():
                claim_match.append(c.id == int(term))
            for r in conn.execute(
                select(c.id, c.patient_control_number, c.status).where(or_(*claim_match)).limit(20)
            ):
                hits.append(
                    {
                        "kind": "claim",
                        "id": int(r.id),
                        "label": f"claim {r.id} ({r.patient_control_number}, {r.status})",
                    }
                )
            for (patient_id,) in conn.execute(
                select(pt.id).where(pt.account_index == account_index).limit(20)
            ):
                hits.append({"kind": "patient", "id": int(patient_id), "label": f"patient account {term}"})
            for msg in conn.execute(
                select(m.id, m.message_type, m.control_id, m.correlation_id)
                .where(or_(m.control_id == term, m.correlation_id == term))
                .order_by(m.id.desc())
                .limit(20)
            ):
                hits.append(
                    {
                        "kind": "message",
                        "id": int(msg.id),
                        "label": f"message {msg.id} {msg.message_type} control id {msg.control_id}",
                    }
                )
        return hits


def as_dict_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
