"""Patient payments and their applications to claims (``patient_payments``,
``patient_payment_applications``), and the claim figures the allocation reads (patient responsibility
from ``payment_postings``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, insert, or_, select
from sqlalchemy.types import NullType

from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import (
    claims,
    patient_payment_applications,
    patient_payments,
    patients,
    payment_postings,
)
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.money import ZERO, money
from revcycle.domain.patient_balance import ClaimShare, Credit, ReceivedPayment
from revcycle.service_layer.ports import MessageContext

_ENDED = (ClaimStatus.REPLACED.value, ClaimStatus.VOID.value)


def _visits_match(table_pcn: Any, table_patient: Any, keyed: bool) -> ColumnElement[bool]:
    """One control number (``:pcn``), or it and the patient (``:patient_key``): the posting path's shape."""
    by_pcn = table_pcn == bindparam("pcn")
    return or_(by_pcn, table_patient == bindparam("patient_key")) if keyed else by_pcn


@cache
def _shares(keyed: bool) -> tuple[Prepared, Prepared, Prepared]:
    """Built once per shape (``adapters/store/prepared.py``): the claims sharing a control number with
    the visit (or the patient's claims), their posted patient responsibility, and what was applied."""
    c, p, a = claims.c, payment_postings.c, patient_payment_applications.c
    visits = select(c.patient_control_number).where(
        _visits_match(c.patient_control_number, c.patient_key, keyed)
    )
    ids = select(c.id).where(c.patient_control_number.in_(visits.scalar_subquery()))
    columns = [c.id, c.patient_control_number, c.payer_rank, c.service_date, c.status]
    found = select(*columns).where(c.patient_control_number.in_(visits.scalar_subquery())).order_by(c.id)
    posted = (
        select(p.claim_id, func.sum(p.patient_responsibility), func.count())
        .where(p.claim_id.in_(ids.scalar_subquery()))
        .group_by(p.claim_id)
    )
    applied = (
        select(a.claim_id, func.sum(a.amount))
        .where(a.claim_id.in_(ids.scalar_subquery()))
        .group_by(a.claim_id)
    )
    raw = [NullType()] * 3  # sums as the driver returns them; ``money`` rounds
    return (
        Prepared(found, result_types=[col.type for col in columns]),
        Prepared(posted, result_types=raw),
        Prepared(applied, result_types=raw[:2]),
    )


@cache
def _credits(keyed: bool) -> tuple[Prepared, Prepared]:
    pp, a = patient_payments.c, patient_payment_applications.c
    match = _visits_match(pp.claim_reference, pp.patient_key, keyed)
    payments = select(pp.id, pp.amount).where(match).order_by(pp.id)
    applied = (
        select(a.payment_id, func.sum(a.amount))
        .where(a.payment_id.in_(select(pp.id).where(match).scalar_subquery()))
        .group_by(a.payment_id)
    )
    return Prepared(payments, result_types=[NullType()] * 2), Prepared(applied, result_types=[NullType()] * 2)


def claim_shares(
    conn: Connection, patient_key: str | None, patient_control_numbers: Sequence[str]
) -> list[ClaimShare]:
    """Every claim sharing a control number with the patient's claims or the named ones (the sums
    are taken over those claims only: this runs on the posting path)."""
    if len(patient_control_numbers) == 1:  # the posting path: prepared
        keyed = patient_key is not None
        params = {"pcn": patient_control_numbers[0], **({"patient_key": patient_key} if keyed else {})}
        found, posted_q, applied_q = _shares(keyed)
        rows = [_ClaimRow(*row) for row in found.rows(conn, params)]
        if not rows:
            return []
        posted = {int(i): (money(pr or 0), int(n)) for i, pr, n in posted_q.rows(conn, params)}
        applied = {int(i): money(amount or 0) for i, amount in applied_q.rows(conn, params)}
        return _shares_of(rows, posted, applied)
    c = claims.c
    match: list[ColumnElement[bool]] = []
    if patient_control_numbers:
        match.append(c.patient_control_number.in_(list(patient_control_numbers)))
    if patient_key is not None:
        match.append(c.patient_key == patient_key)
    if not match:
        return []
    visits = select(c.patient_control_number).where(or_(*match)).scalar_subquery()
    rows = [
        _ClaimRow(*row)
        for row in conn.execute(
            select(c.id, c.patient_control_number, c.payer_rank, c.service_date, c.status)
            .where(c.patient_control_number.in_(visits))
            .order_by(c.id)
        )
    ]
    if not rows:
        return []
    ids = [r.id for r in rows]
    p, a = payment_postings.c, patient_payment_applications.c
    posted = {
        int(claim_id): (money(pr or 0), int(n))
        for claim_id, pr, n in conn.execute(
            select(p.claim_id, func.sum(p.patient_responsibility), func.count())
            .where(p.claim_id.in_(ids))
            .group_by(p.claim_id)
        )
    }
    applied = {
        int(claim_id): money(amount or 0)
        for claim_id, amount in conn.execute(
            select(a.claim_id, func.sum(a.amount)).where(a.claim_id.in_(ids)).group_by(a.claim_id)
        )
    }
    return _shares_of(rows, posted, applied)


@dataclass(frozen=True, slots=True)
class _ClaimRow:
    id: int
    patient_control_number: str
    payer_rank: int
    service_date: date | None
    status: str


def _shares_of(
    rows: list[_ClaimRow], posted: dict[int, tuple[Decimal, int]], applied: dict[int, Decimal]
) -> list[ClaimShare]:
    return [
        ClaimShare(
            claim_id=int(r.id),
            patient_control_number=str(r.patient_control_number),
            payer_rank=int(r.payer_rank),
            service_date=r.service_date,
            ended=r.status in _ENDED,
            adjudicated=posted.get(int(r.id), (ZERO, 0))[1] > 0,
            patient_responsibility=posted.get(int(r.id), (ZERO, 0))[0],
            applied=applied.get(int(r.id), ZERO),
        )
        for r in rows
    ]


def payment_credits(
    conn: Connection, patient_key: str | None, patient_control_numbers: Sequence[str]
) -> list[Credit]:
    if len(patient_control_numbers) == 1:  # the posting path: prepared
        keyed = patient_key is not None
        params = {"pcn": patient_control_numbers[0], **({"patient_key": patient_key} if keyed else {})}
        payments_q, applied_q = _credits(keyed)
        rows = payments_q.rows(conn, params)
        if not rows:
            return []
        applied = {int(i): money(amount or 0) for i, amount in applied_q.rows(conn, params)}
        return _unapplied([(int(i), amount) for i, amount in rows], applied)
    pp, a = patient_payments.c, patient_payment_applications.c
    match: list[ColumnElement[bool]] = []
    if patient_control_numbers:
        match.append(pp.claim_reference.in_(list(patient_control_numbers)))
    if patient_key is not None:
        match.append(pp.patient_key == patient_key)
    if not match:
        return []
    found = [
        (int(r.id), r.amount)
        for r in conn.execute(select(pp.id, pp.amount).where(or_(*match)).order_by(pp.id))
    ]
    if not found:
        return []
    applied = {
        int(payment_id): money(amount or 0)
        for payment_id, amount in conn.execute(
            select(a.payment_id, func.sum(a.amount))
            .where(a.payment_id.in_([i for i, _ in found]))
            .group_by(a.payment_id)
        )
    }
    return _unapplied(found, applied)


def _unapplied(payments: list[tuple[int, Any]], applied: dict[int, Decimal]) -> list[Credit]:
    found = [Credit(i, money(money(amount) - applied.get(i, ZERO))) for i, amount in payments]
    return [c for c in found if c.unapplied != ZERO]


class SqlPatientLedger:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def exists(self, dedup_key: str) -> bool:
        pp = patient_payments.c
        return self.conn.execute(select(pp.id).where(pp.dedup_key == dedup_key).limit(1)).first() is not None

    def patient_of_account(self, account: str) -> str | None:
        index = blind_index(self.conn.dialect, account, "patients.account")
        pt = patients.c
        row = self.conn.execute(
            select(pt.patient_key).where(pt.account_index == index).order_by(pt.id).limit(1)
        ).first()
        return None if row is None else str(row.patient_key)

    def shares(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[ClaimShare]:
        return claim_shares(self.conn, patient_key, patient_control_numbers)

    def credits(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[Credit]:
        return payment_credits(self.conn, patient_key, patient_control_numbers)

    def add(self, payment: ReceivedPayment, dedup_key: str | None, ctx: MessageContext) -> int:
        row = {
            "patient_key": payment.patient_key,
            "claim_reference": payment.claim_reference,
            "reference": payment.reference,
            "amount": money(payment.amount),
            "method": payment.method,
            "received_at": payment.received_at,
            "source": payment.source,
            "charge_id": payment.charge_id,
            "dedup_key": dedup_key,
            "message_id": ctx.message_id,
            "correlation_id": ctx.correlation_id,
            "created_at": ctx.now,
        }
        return int(
            self.conn.execute(insert(patient_payments).returning(patient_payments.c.id), [row]).scalar_one()
        )

    def apply(self, payment_id: int, claim_id: int, amount: Decimal, kind: str, ctx: MessageContext) -> None:
        self.conn.execute(
            insert(patient_payment_applications).values(
                payment_id=payment_id,
                claim_id=claim_id,
                amount=money(amount),
                kind=kind,
                message_id=ctx.message_id,
                correlation_id=ctx.correlation_id,
                created_at=ctx.now,
            )
        )
