"""Revenue-cycle figures for the console (charges, payments, denial and clean-claim counts, A/R aging,
DNFB, breakdowns by payer, facility, provider and service line) as SQL on SQLite and PostgreSQL. The
service layer (``service_layer/console.py``) turns the counts into rates and days.

Every figure is a sum over the daily rollups (``rollup_*``, kept by ``rollups.py``) for the days
nothing has changed since the last refresh, plus the same rows computed live (``rollup_sources.py``)
for the days that changed since (``Coverage``): a range of past days reads a few hundred rows a day
(the day's totals alone when nothing is filtered) instead of every claim. Before the first refresh
everything is read live. The figures equal the direct queries' (``tests/integration/console``); see
``rollups.py`` for the two bounds on their freshness.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, Table, and_, case, exists, func, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from revcycle.adapters.store.rollup_reads import (
    Coverage,
    RevenueFilter,
    coverage,
    day_rows,
)
from revcycle.adapters.store.rollup_sources import (
    ADJUDICATED,
    DENIED_CLP,
    NOT_RECEIVABLE,
    dnfb_rows,
    repeat_payment_rows,
)
from revcycle.adapters.store.schema import (
    charges,
    claim_payments,
    claims,
    encounters,
    rollup_charges,
    rollup_claims,
    rollup_dnfb,
    rollup_payments,
    rollup_repeat_payments,
)

__all__ = ["ADJUDICATED", "DENIED_CLP", "NOT_RECEIVABLE", "ZERO", "RevenueFilter", "RevenueQueries", "money"]

ZERO = Decimal("0.00")
EVER = date(1900, 1, 1)
OPEN_END = date(9999, 1, 1)  # "from ... on"
COUNTS = ("claims", "lines", "adjudicated", "denied")


def money(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else ZERO


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


class RevenueQueries:
    def __init__(self, engine: Engine, *, live_from: Callable[[], date] | None = None) -> None:
        self.engine = engine
        self.live_from = live_from  # days from then on are always read live (tests: both paths)

    # --- where the figures come from ------------------------------------------------------------------

    def coverage(self) -> Coverage:
        """Which days (visits) the rollups answer for (``rollup_reads.coverage``)."""
        return coverage(self.engine, self.live_from)

    def source(
        self, table: Table, f: RevenueFilter, *, detail: bool = False, cov: Coverage | None = None
    ) -> tuple[Subquery, list[ColumnElement[bool]]]:
        """A day rollup's rows for ``f`` (``rollup_reads.day_rows``)."""
        return day_rows(self.engine, table, f, self.coverage() if cov is None else cov, detail=detail)

    # --- revenue cycle --------------------------------------------------------------------------------

    def revenue_totals(self, f: RevenueFilter) -> dict[str, Any]:
        cov = self.coverage()
        c, wc = self.source(rollup_claims, f, cov=cov)
        p, wp = self.source(rollup_payments, f, cov=cov)
        first, first_denied = (
            ("first_payer", "first_payer_denied") if f.payer else ("first_any", "first_any_denied")
        )
        with self.engine.connect() as conn:
            if f.payer:  # charges billed to the payer (charge lines carry no payer)
                charged, lines = conn.execute(
                    select(func.sum(c.c.billed), func.sum(c.c.claims)).where(*wc)
                ).one()
            else:
                ch, wch = self.source(rollup_charges, f, cov=cov)
                charged, lines = conn.execute(
                    select(func.sum(ch.c.amount), func.sum(ch.c.lines)).where(*wch)
                ).one()
            claim_row = conn.execute(
                select(
                    *(
                        func.sum(c.c[n])
                        for n in ("submitted", "submitted_billed", "adjudicated", "denied", "rejected")
                    )
                ).where(*wc)
            ).one()
            pay_row = conn.execute(
                select(
                    *(
                        func.sum(p.c[n])
                        for n in (
                            "paid",
                            "patient_responsibility",
                            "contractual",
                            "payments",
                            first,
                            first_denied,
                            "cycle_days",
                            "cycle_count",
                        )
                    )
                ).where(*wp)
            ).one()
            later_first, later_denied = conn.execute(self._later_first(f, cov)).one()
        submitted, billed, adjudicated, denied, rejected = tuple(claim_row)
        paid, patient_resp, contractual, payments, first_n, first_d, cycle_days, cycle_n = tuple(pay_row)
        return {
            "charges": money(charged),
            "charge_lines": int(lines or 0),
            "payments": money(paid),
            "payment_count": int(payments or 0),
            "patient_responsibility": money(patient_resp),
            "contractual": money(contractual),
            "claims_submitted": int(submitted or 0),
            "billed": money(billed),
            "claims_adjudicated": int(adjudicated or 0),
            "claims_denied": int(denied or 0),
            "claims_rejected": int(rejected or 0),
            "first_adjudicated": int(first_n or 0) + int(later_first or 0),
            "first_denied": int(first_d or 0) + int(later_denied or 0),
            "cycle_days": float(cycle_days) / int(cycle_n) if cycle_n else None,
        }

    def _later_first(self, f: RevenueFilter, cov: Coverage) -> Select[int, Any]:
        """Each claim's first payment in the range counts as its initial adjudication. The rollups count
        the claims' very first payments (from the payer, for one payer); this adds the later payments
        whose earlier ones all fall outside the range."""
        r = rollup_repeat_payments.c
        changed = cov.changed(cov.payment_days, f)
        rolled = select(r.payment_id, r.payment_date, r.first_payer).where(
            r.payment_date >= f.start, r.payment_date <= f.end, r.payment_date < cov.cut
        )
        parts: list[Select[Any]] = [rolled.where(r.payment_date.not_in(changed)) if changed else rolled]
        if f.end >= cov.cut or changed:
            parts.append(repeat_payment_rows(lambda column: cov.live(column, f, changed)))
        repeats = union_all(*parts).subquery("repeats")
        p, q = claim_payments.c, claim_payments.alias("earlier").c
        earlier_in_range = [
            q.claim_id == p.claim_id,
            q.id < p.id,
            q.payment_date >= f.start,
            q.payment_date <= f.end,
        ]
        where = [
            *self._payment_where(f),
            ~exists().where(*earlier_in_range, *([q.payer_id == f.payer] if f.payer else [])),
        ]
        if f.payer:
            where.append(repeats.c.first_payer == 0)
        query: Select[int, Any] = (
            select(func.count(), func.sum(case((p.status_code == DENIED_CLP, 1), else_=0)))
            .select_from(repeats.join(claim_payments, p.id == repeats.c.payment_id))
            .where(*where)
        )
        return query

    def _payment_where(self, f: RevenueFilter) -> list[ColumnElement[bool]]:
        """Payments of ``f``'s payer and the paid claim's facility, provider, service line (the payment
        date is the caller's: here the repeat payments of the range, looked up by id)."""
        p = claim_payments.c
        where: list[ColumnElement[bool]] = []
        if f.payer:
            where.append(p.payer_id == f.payer)
        if f.facility or f.provider or f.service_line:
            paid = claims.alias("paid_claim")  # its own alias: outer queries must not correlate with it
            c, ch = paid.c, charges.c
            match: list[ColumnElement[bool]] = [c.id == p.claim_id]
            if f.facility:
                match.append(c.facility_code == f.facility)
            if f.provider:
                match.append(c.billing_npi == f.provider)
            if f.service_line:
                match.append(
                    exists().where(
                        ch.patient_key == c.patient_key,
                        ch.service_date == c.service_date,
                        ch.department_code == f.service_line,
                    )
                )
            where.append(exists(select(c.id).where(*match)))
        return where

    def daily_trend(self, f: RevenueFilter) -> dict[str, dict[str, Decimal]]:
        """Per day: charges (by service date), payments and net revenue (paid + patient share, by
        payment date)."""
        cov = self.coverage()
        out: dict[str, dict[str, Decimal]] = {}
        if f.payer:
            charged, where = self.source(rollup_claims, f, cov=cov)
            per_day = select(charged.c.day, func.sum(charged.c.billed)).where(*where).group_by(charged.c.day)
        else:  # days with a CG line
            charged, where = self.source(rollup_charges, f, cov=cov)
            per_day = (
                select(charged.c.day, func.sum(charged.c.amount))
                .where(*where)
                .group_by(charged.c.day)
                .having(func.sum(charged.c.lines) > 0)
            )
        p, wp = self.source(rollup_payments, f, cov=cov)
        with self.engine.connect() as conn:
            for d, total in conn.execute(per_day):
                out.setdefault(_day(d), {})["charges"] = money(total)
            for d, paid, patient in conn.execute(
                select(p.c.day, func.sum(p.c.paid), func.sum(p.c.patient_responsibility))
                .where(*wp)
                .group_by(p.c.day)
            ):
                row = out.setdefault(_day(d), {})
                row["payments"] = money(paid)
                row["net_revenue"] = money(paid) + money(patient)
        return dict(sorted(out.items()))

    def receivables(self, f: RevenueFilter, as_of: date) -> dict[str, Any]:
        """A/R balance (charge less paid less contractual, open claims) in aging buckets by service date,
        and the charges of the 90 days before ``as_of`` (for days in A/R)."""
        cov = self.coverage()
        c, wc = self.source(rollup_claims, f.over(EVER, as_of), cov=cov)
        edges = [(0, 30), (31, 60), (61, 90), (91, 120)]
        columns = [
            func.sum(
                case(
                    (
                        and_(c.c.day <= as_of - timedelta(days=lo), c.c.day >= as_of - timedelta(days=hi)),
                        c.c.ar_balance,
                    ),
                    else_=0,
                )
            ).label(f"{lo}-{hi}")
            for lo, hi in edges
        ]
        columns.append(
            func.sum(case((c.c.day < as_of - timedelta(days=120), c.c.ar_balance), else_=0)).label("120+")
        )
        ch, wch = self.source(rollup_charges, f.over(as_of - timedelta(days=89), as_of), cov=cov)
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(*wc)).one()
            recent = conn.execute(select(func.sum(ch.c.amount)).where(*wch)).scalar()
        aging = {key: money(value) for key, value in row._mapping.items()}
        return {"aging": aging, "balance": sum(aging.values(), ZERO), "charges_90d": money(recent)}

    def dnfb(self, f: RevenueFilter) -> dict[str, Any]:
        """Discharged not final billed: discharged encounters (in the range) with charges and no claim
        for the patient on a date of the stay."""
        after = datetime.combine(f.start, time.min)
        before = datetime.combine(f.end + timedelta(days=1), time.min)
        cov = self.coverage()
        e, d = encounters.c, rollup_dnfb.c
        live = datetime.combine(cov.cut if cov.visits is not None else date.min, time.min)
        changed = sorted(cov.visits or ())
        rolled = select(*rollup_dnfb.c).where(
            d.discharged_at >= after, d.discharged_at < before, d.discharged_at < live
        )
        parts: list[Select[Any]] = [rolled.where(d.encounter_id.not_in(changed)) if changed else rolled]
        which = [and_(e.discharged_at >= max(after, live), e.discharged_at < before)]
        if changed:
            which.append(and_(e.id.in_(changed), e.discharged_at >= after, e.discharged_at < before))
        parts.append(dnfb_rows(or_(*which)))
        rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("dnfb")
        where = [
            rows.c[name] == getattr(f, name)
            for name in ("facility", "provider", "service_line")
            if getattr(f, name)
        ]
        with self.engine.connect() as conn:
            visits, amount = conn.execute(
                select(func.count(func.distinct(rows.c.encounter_id)), func.sum(rows.c.amount)).where(*where)
            ).one()
        return {"encounters": int(visits), "amount": money(amount)}

    def breakdown(self, f: RevenueFilter, by: str) -> list[dict[str, Any]]:
        """Claims per payer, facility or provider (billed, paid, denied), or charges per service line."""
        if by == "service_line":
            ch, where = self.source(rollup_charges, f, detail=True)
            key = ch.c.service_line
            query = (
                select(
                    key.label("key"),
                    func.sum(ch.c.lines).label("lines"),
                    func.sum(ch.c.amount).label("charges"),
                )
                .where(*where)
                .group_by(key)
                .having(func.sum(ch.c.lines) > 0)
                .order_by(func.sum(ch.c.amount).desc())
            )
        else:
            c, where = self.source(rollup_claims, f, detail=True)
            key = c.c[by]
            query = (
                select(
                    key.label("key"),
                    *(
                        func.sum(c.c[n]).label(n)
                        for n in ("claims", "billed", "paid", "adjudicated", "denied")
                    ),
                )
                .where(*where)
                .group_by(key)
                .order_by(func.sum(c.c.billed).desc())
            )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.limit(200))]
        for row in rows:  # sums of counts (PostgreSQL's sum of a bigint is a numeric)
            row.update({name: int(row[name] or 0) for name in COUNTS if name in row})
        return rows

    def party(self, kind: str, code: str, since: date) -> dict[str, Any]:
        """A provider's (NPI) or facility's claims (by billing NPI) and charges (by performing NPI) with a
        service date from ``since`` on."""
        f = RevenueFilter(since, OPEN_END, **{kind: code})
        cov = self.coverage()
        c, wc = self.source(rollup_claims, f, cov=cov)
        ch, wch = self.source(rollup_charges, f, cov=cov)
        with self.engine.connect() as conn:
            claimed = conn.execute(
                select(*(func.sum(c.c[n]) for n in ("claims", "billed", "paid", "denied"))).where(*wc)
            ).one()
            charged = conn.execute(
                select(func.sum(ch.c.all_lines), func.sum(ch.c.all_amount)).where(*wch)
            ).one()
        return {
            "claims": int(claimed[0] or 0),
            "billed": money(claimed[1]),
            "paid": money(claimed[2]),
            "denied": int(claimed[3] or 0),
            "charge_lines": int(charged[0] or 0),
            "charges": money(charged[1]),
        }
