"""Patient payments and their applications to claims (``patient_payments``,
``patient_payment_applications``), and the claim figures the allocation reads (patient responsibility
from ``payment_postings``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, insert, or_, select
from sqlalchemy.types import NullType

from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.prepared import Prepared, PreparedIn, in_binds
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
from revcycle.service_layer.ports import HeldCredit, MessageContext

_ENDED = (ClaimStatus.REPLACED.value, ClaimStatus.VOID.value)


def _bound_match(pcn: Any, patient: Any, keyed: bool) -> ColumnElement[bool]:
    """One control number bound as ``:pcn`` (and the patient as ``:patient_key``): the posting path's
    shape, prepared once."""
    by_pcn = pcn == bindparam("pcn")
    return or_(by_pcn, patient == bindparam("patient_key")) if keyed else by_pcn


def _named_match(
    pcn: Any, patient: Any, patient_key: str | None, control_numbers: Sequence[str]
) -> ColumnElement[bool] | None:
    """The named visits or the patient's rows (None when nothing is named)."""
    match: list[ColumnElement[bool]] = []
    if control_numbers:
        match.append(pcn.in_(list(control_numbers)))
    if patient_key is not None:
        match.append(patient == patient_key)
    return or_(*match) if match else None


_SHARE_COLUMNS = (
    claims.c.id,
    claims.c.patient_control_number,
    claims.c.payer_rank,
    claims.c.service_date,
    claims.c.status,
)


def _share_queries(match: ColumnElement[bool]) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The claims sharing a control number with the matched ones, their posted patient responsibility
    (and how many postings), and what patient payments were applied to them."""
    c, p, a = claims.c, payment_postings.c, patient_payment_applications.c
    visits = select(c.patient_control_number).where(match).scalar_subquery()
    ids = select(c.id).where(c.patient_control_number.in_(visits)).scalar_subquery()
    return (
        select(*_SHARE_COLUMNS).where(c.patient_control_number.in_(visits)).order_by(c.id),
        select(p.claim_id, func.sum(p.patient_responsibility), func.count())
        .where(p.claim_id.in_(ids))
        .group_by(p.claim_id),
        select(a.claim_id, func.sum(a.amount)).where(a.claim_id.in_(ids)).group_by(a.claim_id),
    )


def _credit_queries(match: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    """The matched patient payments and what of each was applied."""
    pp, a = patient_payments.c, patient_payment_applications.c
    payments = select(pp.id).where(match).scalar_subquery()
    return (
        select(pp.id, pp.amount).where(match).order_by(pp.id),
        select(a.payment_id, func.sum(a.amount)).where(a.payment_id.in_(payments)).group_by(a.payment_id),
    )


_RAW = NullType()  # sums as the driver returns them (SQLite: floats); ``money`` rounds to cents


@cache
def _prepared_shares(keyed: bool) -> tuple[Prepared, ...]:
    """Built once per shape (``adapters/store/prepared.py``)."""
    found, posted, applied = _share_queries(
        _bound_match(claims.c.patient_control_number, claims.c.patient_key, keyed)
    )
    return (
        Prepared(found, result_types=[col.type for col in _SHARE_COLUMNS]),
        Prepared(posted, result_types=[_RAW] * 3),
        Prepared(applied, result_types=[_RAW] * 2),
    )


@cache
def _prepared_credits(keyed: bool) -> tuple[Prepared, ...]:
    match = _bound_match(patient_payments.c.claim_reference, patient_payments.c.patient_key, keyed)
    return tuple(Prepared(query, result_types=[_RAW] * 2) for query in _credit_queries(match))


@cache
def _payments_by(column: str) -> PreparedIn:
    """Patient payments (id, patient, visit named, amount) by patient key or by the visit they name."""
    pp = patient_payments.c
    columns = (pp.id, pp.patient_key, pp.claim_reference, pp.amount)
    return PreparedIn(
        lambda size: select(*columns).where(pp[column].in_(in_binds(size, pp[column].type))),
        result_types=[_RAW] * 4,
    )


@cache
def _applied_by(column: str) -> PreparedIn:
    """What was applied, summed by payment or by claim, for some payments or claims."""
    a = patient_payment_applications.c

    def build(size: int) -> Any:
        return (
            select(a[column], func.sum(a.amount))
            .where(a[column].in_(in_binds(size, a[column].type)))
            .group_by(a[column])
        )

    return PreparedIn(build, result_types=[_RAW] * 2)


def _run(
    conn: Connection,
    prepared: tuple[Prepared, ...],
    adhoc: Callable[[ColumnElement[bool]], tuple[Select[Any], ...]],
    pcn: Any,
    patient: Any,
    patient_key: str | None,
    control_numbers: Sequence[str],
) -> list[list[tuple[Any, ...]]]:
    """Every query's rows, stopping after the first when it finds nothing: prepared for one control
    number (the posting path), built for this call otherwise. Empty when nothing is named."""
    params = {"pcn": control_numbers[0], "patient_key": patient_key} if len(control_numbers) == 1 else {}
    queries: Sequence[Prepared | Select[Any]] = prepared
    if not params:
        match = _named_match(pcn, patient, patient_key, control_numbers)
        if match is None:
            return []
        queries = adhoc(match)
    elif patient_key is None:
        del params["patient_key"]

    def fetch(query: Prepared | Select[Any]) -> list[tuple[Any, ...]]:
        if isinstance(query, Prepared):
            return query.rows(conn, params)
        return [tuple(row) for row in conn.execute(query)]

    first = fetch(queries[0])
    return [first, *(fetch(query) for query in queries[1:])] if first else []


def claim_shares(
    conn: Connection, patient_key: str | None, patient_control_numbers: Sequence[str]
) -> list[ClaimShare]:
    """Every claim sharing a control number with the patient's claims or the named ones (the sums
    are taken over those claims only: this runs on the posting path)."""
    keyed = patient_key is not None
    c = claims.c
    pcn, patient = c.patient_control_number, c.patient_key
    results = _run(
        conn, _prepared_shares(keyed), _share_queries, pcn, patient, patient_key, patient_control_numbers
    )
    if not results:
        return []
    found, posted_rows, applied_rows = results
    posted = {int(i): (money(pr or 0), int(n)) for i, pr, n in posted_rows}
    applied = {int(i): money(amount or 0) for i, amount in applied_rows}
    return [
        ClaimShare(
            claim_id=int(claim_id),
            patient_control_number=str(pcn),
            payer_rank=int(rank),
            service_date=service_date,
            ended=status in _ENDED,
            adjudicated=posted.get(int(claim_id), (ZERO, 0))[1] > 0,
            patient_responsibility=posted.get(int(claim_id), (ZERO, 0))[0],
            applied=applied.get(int(claim_id), ZERO),
        )
        for claim_id, pcn, rank, service_date, status in found
    ]


def payment_credits(
    conn: Connection, patient_key: str | None, patient_control_numbers: Sequence[str]
) -> list[Credit]:
    keyed = patient_key is not None
    pp = patient_payments.c
    pcn, patient = pp.claim_reference, pp.patient_key
    results = _run(
        conn, _prepared_credits(keyed), _credit_queries, pcn, patient, patient_key, patient_control_numbers
    )
    if not results:
        return []
    payments, applied_rows = results
    applied = {int(i): money(amount or 0) for i, amount in applied_rows}
    found = [Credit(int(i), money(money(amount) - applied.get(int(i), ZERO))) for i, amount in payments]
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

    def held_credits(
        self, patient_keys: Sequence[str], patient_control_numbers: Sequence[str]
    ) -> list[HeldCredit]:
        found = {
            int(i): (key, ref, money(amount))
            for by in ("patient_key", "claim_reference")
            for i, key, ref, amount in _payments_by(by).rows(
                self.conn, patient_keys if by == "patient_key" else patient_control_numbers
            )
        }
        if not found:
            return []
        applied = {
            int(i): money(amount or 0) for i, amount in _applied_by("payment_id").rows(self.conn, list(found))
        }
        held = [
            HeldCredit(i, key, ref, money(amount - applied.get(i, ZERO)))
            for i, (key, ref, amount) in sorted(found.items())
        ]
        return [h for h in held if h.unapplied != ZERO]

    def applied_to(self, claim_ids: Sequence[int]) -> dict[int, Decimal]:
        return {
            int(i): money(amount or 0) for i, amount in _applied_by("claim_id").rows(self.conn, claim_ids)
        }

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
