"""The store side of the alert conditions: SQL over findings, appointments, encounters, charges,
claims, payments, the inbound log and the outbox (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, bindparam, case, exists, func, select

from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import (
    PENDING_FINDINGS,
    appointments,
    charges,
    claim_payments,
    claims,
    encounters,
    findings,
    inbound_messages,
    master_data,
    outbox,
)
from revcycle.service_layer.alerts.conditions import (
    DENIED_STATUS,
    BacklogState,
    DischargedVisit,
    FindingRow,
    PayerDenials,
    UnbilledClaim,
    UncodedAppointment,
)

LIMIT = 500
_FINDING_COLUMNS = ("id", "key", "type", "severity", "status", "subject_kind", "subject_id", "summary")


@cache
def _pending_statement() -> Prepared:
    """The oldest pending findings (the partial index ``ix_findings_alert_pending`` in id order)."""
    f = findings.c
    columns = [*(f[name] for name in _FINDING_COLUMNS), f.correlation_id]
    statement = select(*columns).where(PENDING_FINDINGS).order_by(f.id).limit(bindparam("limit"))
    return Prepared(statement, result_types=[c.type for c in columns])


_UPCOMING = ("booked", "arrived")
_UNBILLED = ("draft", "scrubbed")


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def chargemaster_codes(rows: Sequence[Any]) -> set[str]:
    """Procedure codes known to the chargemaster: every contract fee-schedule line and every
    ``chargemaster`` master-data item."""
    codes: set[str] = set()
    for kind, code, data in rows:
        if kind == "contract":
            codes.update(
                str(line["procedure_code"])
                for line in data.get("fee_schedule", [])
                if "procedure_code" in line
            )
        else:
            codes.add(str(data.get("procedure_code") or code))
    return codes


class SqlAlertReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._messages = MessageQueries(engine)

    def pending_findings(self, limit: int) -> list[FindingRow]:
        """The oldest findings the alert engine has not evaluated yet (``alert_pending``, a partial
        index), with the payer and facility of their claim or charge."""
        with self.engine.connect() as conn, conn.begin():  # one snapshot for the findings and lookups
            rows = _pending_statement().rows(conn, {"limit": limit})
            claim_ids = {int(r[6]) for r in rows if r[5] == "claim" and r[6].isdigit()}
            charge_ids = {int(r[6]) for r in rows if r[5] == "charge" and r[6].isdigit()}
            on_claims: dict[int, tuple[str | None, str | None]] = {}
            if claim_ids:
                c = claims.c
                for cid, payer, facility in conn.execute(
                    select(c.id, c.payer_id, c.facility_code).where(c.id.in_(claim_ids))
                ):
                    on_claims[int(cid)] = (payer, facility)
            on_charges: dict[int, str | None] = {}
            if charge_ids:
                ch = charges.c
                for cid, facility in conn.execute(
                    select(ch.id, ch.facility_code).where(ch.id.in_(charge_ids))
                ):
                    on_charges[int(cid)] = facility
        out = []
        for fid, key, type_, severity, status, kind, subject, summary, correlation in rows:
            payer = facility = None
            if kind == "claim" and subject.isdigit():
                payer, facility = on_claims.get(int(subject), (None, None))
            elif kind == "charge" and subject.isdigit():
                facility = on_charges.get(int(subject))
            out.append(
                FindingRow(
                    int(fid),
                    key,
                    type_,
                    int(severity),
                    status,
                    kind,
                    subject,
                    summary,
                    correlation,
                    payer,
                    facility,
                )
            )
        return out

    def finding_statuses(self, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                for key, status in conn.execute(
                    select(findings.c.key, findings.c.status).where(findings.c.key.in_(chunk))
                ):
                    out[key] = status
        return out

    def uncoded_appointments(self, now: datetime, until: datetime) -> list[UncodedAppointment]:
        a, md = appointments.c, master_data.c
        with self.engine.connect() as conn:
            master = conn.execute(
                select(md.kind, md.code, md.data).where(md.kind.in_(("contract", "chargemaster")))
            ).all()
            known = chargemaster_codes(master)
            if not known:
                return []  # no chargemaster loaded: nothing to judge against
            rows = conn.execute(
                select(a.appointment_id, a.start_at, a.facility_code, a.data, a.correlation_id)
                .where(a.start_at >= now, a.start_at <= until, a.status.in_(_UPCOMING))
                .order_by(a.start_at)
                .limit(LIMIT * 4)
            ).all()
        out = []
        for row in rows:
            codes = [str(s.get("code")) for s in (row.data or {}).get("services", []) if s.get("code")]
            missing = tuple(code for code in codes if code not in known)
            if missing or not codes:
                out.append(
                    UncodedAppointment(
                        row.appointment_id, utc(row.start_at), row.facility_code, missing, row.correlation_id
                    )
                )
        return out[:LIMIT]

    def discharged_without_charges(self, before: datetime) -> list[DischargedVisit]:
        e, ch = encounters.c, charges.c
        has_charge = exists().where(ch.patient_key == e.patient_key, ch.visit_number == e.visit_number)
        query = (
            select(e.id, e.facility_code, e.discharged_at, e.correlation_id)
            .where(
                e.status == "discharged",
                e.discharged_at < before,
                e.discharged_at >= before - timedelta(days=30),
                ~has_charge,
            )
            .order_by(e.discharged_at)
            .limit(LIMIT)
        )
        with self.engine.connect() as conn:
            return [
                DischargedVisit(int(r.id), r.facility_code, utc(r.discharged_at), r.correlation_id)
                for r in conn.execute(query)
            ]

    def unbilled_claims(self, before: datetime) -> list[UnbilledClaim]:
        c = claims.c
        query = (
            select(c.id, c.status, c.payer_id, c.total_charge, c.created_at, c.correlation_id)
            .where(c.status.in_(_UNBILLED), c.created_at < before)
            .order_by(c.id)
            .limit(LIMIT)
        )
        with self.engine.connect() as conn:
            return [
                UnbilledClaim(
                    int(r.id), r.status, r.payer_id, str(r.total_charge), utc(r.created_at), r.correlation_id
                )
                for r in conn.execute(query)
            ]

    def denials_by_payer(self, since: datetime) -> list[PayerDenials]:
        p = claim_payments.c
        denied = func.sum(case((p.status_code == DENIED_STATUS, 1), else_=0))
        query = (
            select(p.payer_id, func.count(), denied)
            .where(p.created_at >= since, p.payer_id.is_not(None))
            .group_by(p.payer_id)
        )
        with self.engine.connect() as conn:
            return [PayerDenials(payer, int(n), int(d or 0)) for payer, n, d in conn.execute(query)]

    def backlog(self) -> BacklogState:
        state = self._messages.backlog()
        return BacklogState(state.depth, state.oldest_age_seconds, state.dead_letters_open)

    def oldest_undelivered(self, topics: Sequence[str]) -> datetime | None:
        o = outbox.c
        query = select(func.min(o.created_at)).where(o.status.in_(("pending", "failed")))
        if topics:
            query = query.where(o.topic.in_(list(topics)))
        with self.engine.connect() as conn:
            oldest = conn.execute(query).scalar_one_or_none()
        return utc(oldest) if oldest is not None else None

    def last_received(self, interface: str) -> datetime | None:
        m = inbound_messages.c
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(m.received_at)).where(m.interface == interface)).scalar()
        return utc(last) if last is not None else None
