"""The console's revenue figures as the direct queries over the live tables computed them before the
rollups (kept verbatim, plus the provider / facility page's figures): the reference the rollup-based
answers must equal."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, and_, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from revcycle.adapters.store.revenue_queries import RevenueFilter
from revcycle.adapters.store.schema import charges, claim_events, claim_payments, claims, encounters
from revcycle.adapters.store.sql_dialect import day_bucket, days_between

ADJUDICATED = ("paid", "partially_paid", "denied", "posted", "closed", "reversed")
NOT_RECEIVABLE = ("void", "replaced", "draft")
DENIED_CLP = "4"  # X12 835 CLP02
ZERO = Decimal("0.00")


def money(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else ZERO


class DirectQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- filters --------------------------------------------------------------------------------------

    def _claim_where(self, f: RevenueFilter) -> list[ColumnElement[bool]]:
        c = claims.c
        where: list[ColumnElement[bool]] = [c.service_date >= f.start, c.service_date <= f.end]
        if f.payer:
            where.append(c.payer_id == f.payer)
        if f.facility:
            where.append(c.facility_code == f.facility)
        if f.provider:
            where.append(c.billing_npi == f.provider)
        if f.service_line:
            ch = charges.c
            where.append(
                exists().where(
                    ch.patient_key == c.patient_key,
                    ch.service_date == c.service_date,
                    ch.department_code == f.service_line,
                )
            )
        return where

    def _charge_where(self, f: RevenueFilter) -> list[ColumnElement[bool]]:
        ch = charges.c
        where: list[ColumnElement[bool]] = [
            ch.service_date >= f.start,
            ch.service_date <= f.end,
            ch.charge_type == "CG",
        ]
        for column, value in (
            (ch.facility_code, f.facility),
            (ch.performing_npi, f.provider),
            (ch.department_code, f.service_line),
        ):
            if value:
                where.append(column == value)
        if f.payer:
            c = claims.c
            where.append(
                exists().where(
                    c.patient_key == ch.patient_key, c.service_date == ch.service_date, c.payer_id == f.payer
                )
            )
        return where

    def _charges_total(self, f: RevenueFilter) -> Select[Any, int]:
        """Charges in the range; for one payer, what was billed to it (charge lines carry no payer)."""
        if f.payer:
            c = claims.c
            return select(func.sum(c.total_charge), func.count()).where(*self._claim_where(f))
        ch = charges.c
        return select(func.sum(ch.amount), func.count()).where(*self._charge_where(f))

    def _payment_where(self, f: RevenueFilter) -> list[ColumnElement[bool]]:
        p = claim_payments.c
        where: list[ColumnElement[bool]] = [p.payment_date >= f.start, p.payment_date <= f.end]
        if f.payer:
            where.append(p.payer_id == f.payer)
        if f.facility or f.provider or f.service_line:
            # the paid claim's facility, provider or service line (its own alias: outer queries may
            # join claims too, and must not correlate with this)
            paid = claims.alias("paid_claim")
            c = paid.c
            match: list[ColumnElement[bool]] = [c.id == p.claim_id]
            if f.facility:
                match.append(c.facility_code == f.facility)
            if f.provider:
                match.append(c.billing_npi == f.provider)
            if f.service_line:
                ch = charges.c
                match.append(
                    exists().where(
                        ch.patient_key == c.patient_key,
                        ch.service_date == c.service_date,
                        ch.department_code == f.service_line,
                    )
                )
            where.append(exists(select(c.id).where(*match)))
        return where

    # --- revenue cycle --------------------------------------------------------------------------------

    def revenue_totals(self, f: RevenueFilter) -> dict[str, Any]:
        p, c, e = claim_payments.c, claims.c, claim_events.c
        with self.engine.connect() as conn:
            charged, charge_lines = conn.execute(self._charges_total(f)).one()
            paid, patient_resp, contractual, payments = conn.execute(
                select(
                    func.sum(p.paid),
                    func.sum(p.patient_responsibility),
                    func.sum(p.contractual),
                    func.count(),
                ).where(*self._payment_where(f))
            ).one()
            claim_where = self._claim_where(f)
            submitted, billed, adjudicated, denied = conn.execute(
                select(
                    func.count(),
                    func.sum(c.total_charge),
                    func.sum(case((c.status.in_(ADJUDICATED), 1), else_=0)),
                    func.sum(case((c.status == "denied", 1), else_=0)),
                ).where(*claim_where, c.status.not_in(("draft", "scrubbed")))
            ).one()
            rejected = conn.execute(
                select(func.count()).where(
                    *claim_where,
                    exists().where(e.claim_id == c.id, e.to_status == "rejected"),
                )
            ).scalar_one()
            first_payment = (  # each claim's first payment in the range: its initial adjudication
                select(p.claim_id, func.min(p.id).label("first_id"))
                .where(p.claim_id.is_not(None), *self._payment_where(f))
                .group_by(p.claim_id)
                .subquery()
            )
            first_adjudicated, first_denied = conn.execute(
                select(func.count(), func.sum(case((p.status_code == DENIED_CLP, 1), else_=0))).join(
                    first_payment, p.id == first_payment.c.first_id
                )
            ).one()
            cycle = conn.execute(
                select(func.avg(days_between(self.engine, p.payment_date, c.service_date)))
                .join(claims, c.id == p.claim_id)
                .where(*self._payment_where(f), p.paid > 0)
            ).scalar()
        return {
            "charges": money(charged),
            "charge_lines": int(charge_lines),
            "payments": money(paid),
            "payment_count": int(payments),
            "patient_responsibility": money(patient_resp),
            "contractual": money(contractual),
            "claims_submitted": int(submitted),
            "billed": money(billed),
            "claims_adjudicated": int(adjudicated or 0),
            "claims_denied": int(denied or 0),
            "claims_rejected": int(rejected),
            "first_adjudicated": int(first_adjudicated),
            "first_denied": int(first_denied or 0),
            "cycle_days": float(cycle) if cycle is not None else None,
        }

    def daily_trend(self, f: RevenueFilter) -> dict[str, dict[str, Decimal]]:
        """Per day: charges (by service date), payments and net revenue (paid + patient share, by
        payment date)."""
        ch, p = charges.c, claim_payments.c
        out: dict[str, dict[str, Decimal]] = {}
        with self.engine.connect() as conn:
            if f.payer:
                c = claims.c
                day = day_bucket(self.engine, c.service_date)
                charged = select(day, func.sum(c.total_charge)).where(*self._claim_where(f)).group_by(day)
            else:
                day = day_bucket(self.engine, ch.service_date)
                charged = select(day, func.sum(ch.amount)).where(*self._charge_where(f)).group_by(day)
            for d, amount in conn.execute(charged):
                out.setdefault(str(d), {})["charges"] = money(amount)
            pday = day_bucket(self.engine, p.payment_date)
            for d, paid, patient in conn.execute(
                select(pday, func.sum(p.paid), func.sum(p.patient_responsibility))
                .where(*self._payment_where(f))
                .group_by(pday)
            ):
                row = out.setdefault(str(d), {})
                row["payments"] = money(paid)
                row["net_revenue"] = money(paid) + money(patient)
        return dict(sorted(out.items()))

    def receivables(self, f: RevenueFilter, as_of: date) -> dict[str, Any]:
        """A/R balance (charge less paid less contractual, open claims) in aging buckets by service date,
        and the charges of the 90 days before ``as_of`` (for days in A/R)."""
        c, ch = claims.c, charges.c
        balance = c.total_charge - c.paid_total - c.contractual_total
        edges = [(0, 30), (31, 60), (61, 90), (91, 120)]
        buckets = [
            (
                f"{lo}-{hi}",
                and_(
                    c.service_date <= as_of - timedelta(days=lo), c.service_date >= as_of - timedelta(days=hi)
                ),
            )
            for lo, hi in edges
        ]
        columns = [func.sum(case((cond, balance), else_=0)).label(name) for name, cond in buckets]
        columns.append(
            func.sum(case((c.service_date < as_of - timedelta(days=120), balance), else_=0)).label("120+")
        )
        where = [
            *self._claim_where(
                RevenueFilter(date(1900, 1, 1), as_of, f.payer, f.facility, f.provider, f.service_line)
            )
        ]
        where += [c.status.not_in(NOT_RECEIVABLE), balance > 0]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(*where)).one()
            window = RevenueFilter(
                as_of - timedelta(days=89), as_of, f.payer, f.facility, f.provider, f.service_line
            )
            recent = conn.execute(select(func.sum(ch.amount)).where(*self._charge_where(window))).scalar()
        aging = {key: money(value) for key, value in row._mapping.items()}
        return {"aging": aging, "balance": sum(aging.values(), ZERO), "charges_90d": money(recent)}

    def dnfb(self, f: RevenueFilter) -> dict[str, Any]:
        """Discharged not final billed: discharged encounters (in the range) with charges and no claim
        for the patient on a date of the stay."""
        e, ch, c = encounters.c, charges.c, claims.c
        start_day = func.date(func.coalesce(e.admitted_at, e.discharged_at))
        billed = exists().where(
            c.patient_key == e.patient_key,
            c.service_date >= start_day,
            c.service_date <= func.date(e.discharged_at),
            c.status.not_in(("void", "replaced")),
        )
        query = (
            select(func.count(func.distinct(e.id)), func.sum(ch.amount))
            .join(charges, and_(ch.patient_key == e.patient_key, ch.visit_number == e.visit_number))
            .where(
                e.status == "discharged",
                e.discharged_at >= datetime.combine(f.start, datetime.min.time()),
                e.discharged_at < datetime.combine(f.end + timedelta(days=1), datetime.min.time()),
                ~billed,
            )
        )
        if f.facility:
            query = query.where(e.facility_code == f.facility)
        if f.provider:
            query = query.where(e.attending_npi == f.provider)
        if f.service_line:
            query = query.where(ch.department_code == f.service_line)
        with self.engine.connect() as conn:
            visits, amount = conn.execute(query).one()
        return {"encounters": int(visits), "amount": money(amount)}

    def breakdown(self, f: RevenueFilter, by: str) -> list[dict[str, Any]]:
        """Claims per payer, facility or provider (billed, paid, denied), or charges per service line."""
        c, ch = claims.c, charges.c
        if by == "service_line":
            key = ch.department_code
            query = (
                select(key.label("key"), func.count().label("lines"), func.sum(ch.amount).label("charges"))
                .where(*self._charge_where(f))
                .group_by(key)
                .order_by(func.sum(ch.amount).desc())
            )
        else:
            key = {"payer": c.payer_id, "facility": c.facility_code, "provider": c.billing_npi}[by]
            query = (
                select(
                    key.label("key"),
                    func.count().label("claims"),
                    func.sum(c.total_charge).label("billed"),
                    func.sum(c.paid_total).label("paid"),
                    func.sum(case((c.status.in_(ADJUDICATED), 1), else_=0)).label("adjudicated"),
                    func.sum(case((c.status == "denied", 1), else_=0)).label("denied"),
                )
                .where(*self._claim_where(f))
                .group_by(key)
                .order_by(func.sum(c.total_charge).desc())
            )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.limit(200))]

    def party(self, kind: str, code: str, since: date) -> dict[str, Any]:
        c, ch = claims.c, charges.c
        claim_col = c.billing_npi if kind == "provider" else c.facility_code
        charge_col = ch.performing_npi if kind == "provider" else ch.facility_code
        with self.engine.connect() as conn:
            claim_row = conn.execute(
                select(
                    func.count(),
                    func.sum(c.total_charge),
                    func.sum(c.paid_total),
                    func.sum(case((c.status == "denied", 1), else_=0)),
                ).where(claim_col == code, c.service_date >= since)
            ).one()
            charge_row = conn.execute(
                select(func.count(), func.sum(ch.amount)).where(charge_col == code, ch.service_date >= since)
            ).one()
        return {
            "claims": int(claim_row[0]),
            "billed": money(claim_row[1]),
            "paid": money(claim_row[2]),
            "denied": int(claim_row[3] or 0),
            "charge_lines": int(charge_row[0]),
            "charges": money(charge_row[1]),
        }


def direct_interfaces(engine: Engine, since: datetime, *, processing: bool = False) -> list[dict[str, Any]]:
    """The operations page's per-interface counts as one GROUP BY over the window's messages."""
    from sqlalchemy import null

    from revcycle.adapters.store.message_queries import as_dict
    from revcycle.adapters.store.schema import inbound_messages
    from revcycle.adapters.store.sql_dialect import seconds_between

    m = inbound_messages.c
    seconds = seconds_between(engine, m.processed_at, m.received_at)
    mean = func.avg(case((m.processed_at.is_not(None), seconds), else_=None)) if processing else null()
    query = (
        select(
            m.interface.label("interface"),
            func.count().label("received"),
            func.sum(case((m.status == "processed", 1), else_=0)).label("processed"),
            func.sum(case((m.status.in_(("failed", "rejected")), 1), else_=0)).label("errors"),
            func.sum(case((m.status == "dead", 1), else_=0)).label("dead"),
            func.max(m.received_at).label("last_received"),
            mean.label("processing_s"),
        )
        .where(m.received_at >= since)
        .group_by(m.interface)
        .order_by(m.interface)
    )
    with engine.connect() as conn:
        rows = [as_dict(r) for r in conn.execute(query)]
    for row in rows:
        mean_s = row.pop("processing_s")
        row["processing_seconds"] = None if mean_s is None else round(float(mean_s), 3)
    return rows
