"""The facts the reconciliation report is built from, read from the store for a date range.

A claim's facility is the one whose NPI is its billing provider (X12 2010AA NM109), as in the journals;
claim lines are compared with charge lines by facility, date of service, code and amount.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, and_, func, or_, select

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.repositories.work import SqlFindings
from revcycle.adapters.store.schema import (
    charges,
    claim_events,
    claim_payments,
    claims,
    erp_items,
    erp_journal_lines,
    erp_journals,
    master_data,
    patients,
)
from revcycle.domain.control_facts import (
    ChargeFact,
    ClaimFact,
    Facts,
    ItemFact,
    JournalFact,
    PaymentFact,
    Policy,
    Report,
)
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.money import ZERO, money
from revcycle.domain.reconciliation import reconcile
from revcycle.service_layer.ports import MessageContext

_ENDED = ("replaced", "void")


Coverage = tuple[date | None, date | None]


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for UTC columns."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _coverages(conn: Connection) -> dict[str, list[Coverage]]:
    """Each patient's insurance (not self-pay) coverage periods."""
    found: dict[str, list[Coverage]] = defaultdict(list)
    for key, coverages in conn.execute(select(patients.c.patient_key, patients.c.coverages)):
        for coverage in coverages or ():
            if coverage.get("payer_id") in (None, "SELFPAY"):
                continue
            period = coverage.get("effective") or {}
            start, end = period.get("start"), period.get("end")
            found[key].append(
                (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
            )
    return found


def _insured(periods: list[Coverage], day: date) -> bool:
    return any((start is None or start <= day) and (end is None or day <= end) for start, end in periods)


def _facility_by_npi(conn: Connection) -> dict[str, str]:
    m = master_data.c
    rows = conn.execute(select(m.code, m.data).where(m.kind == "facility"))
    return {str(data["npi"]): code for code, data in rows if data.get("npi")}


def _charges(
    conn: Connection, start: date, end: date, coverages: dict[str, list[Coverage]]
) -> tuple[ChargeFact, ...]:
    c = charges.c
    rows = conn.execute(
        select(
            c.id,
            c.patient_key,
            c.facility_code,
            c.service_date,
            c.procedure_code,
            c.transaction_code,
            c.amount,
            c.charge_type,
        ).where(c.service_date >= start, c.service_date <= end, c.charge_type.in_(("CG", "CD")))
    )
    return tuple(
        ChargeFact(
            int(r.id),
            r.facility_code,
            r.service_date,
            r.procedure_code or r.transaction_code,
            money(r.amount) if r.charge_type == "CG" else -abs(money(r.amount)),
            _insured(coverages.get(r.patient_key, []), r.service_date),
        )
        for r in rows
    )


def _claims(conn: Connection, start: date, end: date, facilities: dict[str, str]) -> tuple[ClaimFact, ...]:
    c, e = claims.c, claim_events.c
    rows = conn.execute(
        select(c.id, c.billing_npi, c.service_date, c.total_charge, c.data).where(
            c.service_date >= start - timedelta(days=31),
            c.service_date <= end,
            c.payer_rank == 1,
            c.status.not_in(_ENDED),
        )
    ).all()
    acks: dict[int, set[str]] = defaultdict(set)
    ids = [int(r.id) for r in rows]
    for begin in range(0, len(ids), 500):
        events = conn.execute(
            select(e.claim_id, e.to_status).where(
                e.claim_id.in_(ids[begin : begin + 500]), e.to_status.in_(("acknowledged", "accepted"))
            )
        )
        for claim_id, status in events:
            acks[int(claim_id)].add(status)
    out = []
    for r in rows:
        lines = []
        for line in (r.data or {}).get("lines") or ():
            day = date.fromisoformat(line["service_date"]) if line.get("service_date") else r.service_date
            lines.append((day, line.get("procedure_code"), money(line.get("charge") or "0")))
        if not lines and r.service_date is not None:
            lines.append((r.service_date, None, money(r.total_charge)))
        out.append(
            ClaimFact(
                int(r.id),
                facilities.get(r.billing_npi or ""),
                r.service_date,
                money(r.total_charge),
                tuple(lines),
                "acknowledged" in acks[int(r.id)],
                "accepted" in acks[int(r.id)],
            )
        )
    return tuple(out)


def _payments(conn: Connection, start: date, end: date) -> tuple[PaymentFact, ...]:
    p = claim_payments.c
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    rows = conn.execute(
        select(
            p.id,
            p.claim_id,
            p.payment_date,
            p.created_at,
            p.status_code,
            p.paid,
            p.contractual,
            p.other_adjustments,
            p.charge,
        ).where(
            or_(
                and_(p.payment_date >= start, p.payment_date <= end),
                and_(p.payment_date.is_(None), p.created_at >= since, p.created_at < until),
            )
        )
    )
    out = []
    for r in rows:
        paid = money(r.paid)
        when = r.payment_date or r.created_at.date()
        out.append(
            PaymentFact(
                int(r.id),
                None if r.claim_id is None else int(r.claim_id),
                when,
                r.status_code == "4" or (paid == ZERO and r.status_code != "22"),
                paid,
                money(r.contractual) + money(r.other_adjustments),
                money(r.charge),
                _utc(r.created_at),
            )
        )
    return tuple(out)


def _items(conn: Connection, start: date, end: date) -> tuple[ItemFact, ...]:
    i = erp_items.c
    rows = conn.execute(
        select(
            i.source_kind,
            i.source_id,
            i.transaction_type,
            i.reversal,
            i.amount,
            i.transaction_date,
            i.status,
            i.gap,
        ).where(i.transaction_date >= start, i.transaction_date <= end)
    )
    return tuple(
        ItemFact(
            r.source_kind,
            int(r.source_id),
            r.transaction_type,
            bool(r.reversal),
            money(r.amount),
            r.transaction_date,
            r.status,
            r.gap,
        )
        for r in rows
    )


def _journals(conn: Connection, start: date, end: date) -> tuple[JournalFact, ...]:
    j, line = erp_journals.c, erp_journal_lines.c
    sums = (
        select(
            line.journal_id,
            func.sum(line.debit).label("debit"),
            func.sum(line.credit).label("credit"),
        )
        .group_by(line.journal_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            j.id,
            j.key,
            j.status,
            j.posting_date,
            j.debit_total,
            j.credit_total,
            j.created_at,
            sums.c.debit,
            sums.c.credit,
        )
        .outerjoin(sums, sums.c.journal_id == j.id)
        .where(j.posting_date >= start, j.posting_date <= end)
    )
    return tuple(
        JournalFact(
            int(r.id),
            r.key,
            r.status,
            r.posting_date,
            money(r.debit_total),
            money(r.credit_total),
            money(r.debit or 0),
            money(r.credit or 0),
            _utc(r.created_at),
        )
        for r in rows
    )


def _unitemised(conn: Connection, start: date, end: date) -> tuple[tuple[str, int, date, Decimal], ...]:
    c, p, i = charges.c, claim_payments.c, erp_items.c
    itemised = select(i.source_id).where(i.source_kind == "charge", i.source_id == c.id).exists()
    out: list[tuple[str, int, date, Decimal]] = [
        ("charge", int(r.id), r.service_date, money(r.amount))
        for r in conn.execute(
            select(c.id, c.service_date, c.amount).where(
                c.service_date >= start, c.service_date <= end, c.amount != 0, ~itemised
            )
        )
    ]
    itemised = select(i.source_id).where(i.source_kind == "claim_payment", i.source_id == p.id).exists()
    moved = or_(p.paid != 0, p.contractual != 0, p.other_adjustments != 0, p.patient_responsibility != 0)
    for r in conn.execute(
        select(p.id, p.payment_date, p.created_at, p.paid).where(
            p.payment_date >= start, p.payment_date <= end, moved, ~itemised
        )
    ):
        out.append(("claim_payment", int(r.id), r.payment_date, money(r.paid)))
    return tuple(out)


def gather(engine: Engine, start: date, end: date) -> Facts:
    with engine.connect() as conn:
        return Facts(
            charges=_charges(conn, start, end, _coverages(conn)),
            claims=_claims(conn, start, end, _facility_by_npi(conn)),
            payments=_payments(conn, start, end),
            items=_items(conn, start, end),
            journals=_journals(conn, start, end),
            unitemised=_unitemised(conn, start, end),
        )


def control_report(engine: Engine, start: date, end: date, as_of: datetime, policy: Policy) -> Report:
    return reconcile(gather(engine, start, end), start, end, as_of, policy)


def raise_findings(engine: Engine, report: Report, policy: Policy, now: datetime) -> int:
    """A finding per unexplained break whose amount passes the variance threshold; returns how many."""
    ctx = MessageContext(correlation_id="reconciliation", received_at=now, now=now)
    raised = 0
    with for_writing(engine).begin() as conn:
        repo = SqlFindings(conn)
        for found in report.unexplained:
            if abs(found.difference) <= policy.variance_amount and found.kind != "journal_not_acknowledged":
                continue
            day = found.day.isoformat() if found.day else "-"
            repo.raise_finding(
                Finding(
                    type=FindingType.RECONCILIATION_BREAK,
                    severity=Severity.HIGH,
                    subject_kind=found.subject_kind,
                    subject_id=found.subject_id[:200],
                    summary=f"{found.kind} on {day}: {found.subject_kind} {found.subject_id[:60]} "
                    f"(amount {found.amount}, expected {found.expected})",
                    key=f"{FindingType.RECONCILIATION_BREAK.value}:{found.key}"[:300],
                    details=found.to_dict(),
                ),
                ctx,
            )
            raised += 1
    return raised
