"""Read side of patient payments: a patient's (or a visit's) responsibility, paid, balance and credit
(``domain.patient_balance``), the payments received and where each was applied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, or_, select

from revcycle.adapters.store.message_queries import as_dict
from revcycle.adapters.store.repositories.patient_ledger import claim_shares, payment_credits
from revcycle.adapters.store.schema import patient_payment_applications, patient_payments
from revcycle.domain.money import ZERO, money, total
from revcycle.domain.patient_balance import PatientPosition, open_items, position

_PAYMENT_COLUMNS = [
    patient_payments.c[n]
    for n in ("id", "reference", "amount", "method", "received_at", "source", "claim_reference", "created_at")
]
_APPLICATION_COLUMNS = [
    patient_payment_applications.c[n]
    for n in ("id", "payment_id", "claim_id", "amount", "kind", "correlation_id", "created_at")
]


def patient_position(
    conn: Connection, patient_key: str | None, visits: Sequence[str] = ()
) -> PatientPosition:
    """The patient's figures over every visit of theirs (and the named visits)."""
    items = open_items(claim_shares(conn, patient_key, visits))
    every = list(visits) + [i.patient_control_number for i in items]
    unapplied = total(c.unapplied for c in payment_credits(conn, patient_key, every))
    return position(items, unapplied)


def patient_billing(conn: Connection, patient_key: str) -> dict[str, Any]:
    """``position`` (patient responsibility, patient paid, patient balance, credit), ``visits`` (one
    open item per patient control number: the patient's claims and the visits their payments named, as
    a claim received as an 837 may carry another patient key), ``payments`` with what of each is
    unapplied, and the ``applications`` (payment -> claim, amount). No patient identifiers in the rows."""
    pp = patient_payments.c
    named = conn.execute(
        select(pp.claim_reference)
        .where(pp.patient_key == patient_key, pp.claim_reference.is_not(None))
        .distinct()
    ).scalars()
    items = open_items(claim_shares(conn, patient_key, [str(v) for v in named]))
    visits = [i.patient_control_number for i in items]
    credits = payment_credits(conn, patient_key, visits)
    match = [pp.patient_key == patient_key]
    if visits:
        match.append(pp.claim_reference.in_(visits))
    payments = [
        as_dict(r) for r in conn.execute(select(*_PAYMENT_COLUMNS).where(or_(*match)).order_by(pp.id))
    ]
    applications = applications_of_payments(conn, [int(p["id"]) for p in payments])
    unapplied = {c.payment_id: c.unapplied for c in credits}
    for payment in payments:
        payment["unapplied"] = str(unapplied.get(int(payment["id"]), ZERO))
    return {
        "position": position(items, total(unapplied.values())).as_dict(),
        "visits": [
            {
                "claim_id": i.claim_id,
                "patient_control_number": i.patient_control_number,
                "service_date": i.service_date.isoformat() if i.service_date else None,
                "patient_responsibility": str(i.responsibility),
                "patient_paid": str(i.paid),
                "patient_balance": str(max(i.balance, ZERO)),
            }
            for i in items
        ],
        "payments": payments,
        "applications": applications,
    }


def applications_of_payments(conn: Connection, payment_ids: Sequence[int]) -> list[dict[str, Any]]:
    if not payment_ids:
        return []
    a = patient_payment_applications.c
    query = select(*_APPLICATION_COLUMNS).where(a.payment_id.in_(list(payment_ids))).order_by(a.id)
    return [as_dict(r) for r in conn.execute(query)]


def applications_to_claims(conn: Connection, claim_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Patient payments applied to these claims, with the payment's reference and source."""
    if not claim_ids:
        return []
    a, pp = patient_payment_applications.c, patient_payments.c
    query = (
        select(*_APPLICATION_COLUMNS, pp.reference, pp.source)
        .join(patient_payments, pp.id == a.payment_id)
        .where(a.claim_id.in_(list(claim_ids)))
        .order_by(a.id)
    )
    return [as_dict(r) for r in conn.execute(query)]


def applied_by_claim(rows: Sequence[dict[str, Any]]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in rows:
        out[int(row["claim_id"])] = money(out.get(int(row["claim_id"]), ZERO) + money(row["amount"]))
    return out
