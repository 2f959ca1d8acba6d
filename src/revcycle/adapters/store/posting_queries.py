"""Read side of remittance posting: a claim's balance (and its account's, every claim sharing its patient
control number: primary, secondary, corrected), its posted lines, the patient payments applied to it, and
manual remittance entries."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from revcycle.adapters.store.message_queries import as_dict
from revcycle.adapters.store.patient_balance_queries import applications_to_claims, applied_by_claim
from revcycle.adapters.store.schema import (
    claims,
    encounters,
    line_postings,
    manual_remittances,
    payment_postings,
)
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.money import ZERO, money
from revcycle.domain.posting import ClaimBalance, PostingTotals

_ENDED = (ClaimStatus.REPLACED.value, ClaimStatus.VOID.value)
_LINE_COLUMNS = [c for c in line_postings.c if c.name not in ("created_at",)]


def _totals(conn: Connection, claim_ids: Sequence[int]) -> dict[int, PostingTotals]:
    p = payment_postings.c
    columns = (p.charge, p.paid, p.contractual, p.patient_responsibility, p.other_adjustments, p.denied)
    rows = conn.execute(
        select(p.claim_id, *(func.coalesce(func.sum(col), 0) for col in columns))
        .where(p.claim_id.in_(list(claim_ids)))
        .group_by(p.claim_id)
    )
    return {int(row[0]): PostingTotals(*(money(v) for v in row[1:])) for row in rows}


def claim_posting(conn: Connection, claim_id: int) -> dict[str, Any]:
    """``balance`` of the claim, ``posted_lines`` (with how each 835 line matched a claim line), and
    ``account``: the claims sharing its patient control number, and what is still owed on them."""
    row = conn.execute(
        select(claims.c.patient_control_number, claims.c.total_charge).where(claims.c.id == claim_id)
    ).one()
    c = claims.c
    related = conn.execute(
        select(c.id, c.payer_rank, c.status, c.total_charge, c.frequency)
        .where(c.patient_control_number == row.patient_control_number)
        .order_by(c.id)
    ).all()
    totals = _totals(conn, [r.id for r in related])
    patient = applications_to_claims(conn, [r.id for r in related])
    applied = applied_by_claim(patient)
    own = ClaimBalance(row.total_charge, totals.get(claim_id, PostingTotals()), applied.get(claim_id, ZERO))
    lines = conn.execute(
        select(*_LINE_COLUMNS).where(line_postings.c.claim_id == claim_id).order_by(line_postings.c.id)
    )
    return {
        "balance": own.as_dict(),
        "posted_lines": [as_dict(r) for r in lines],
        "account": _account(related, totals, sum(applied.values(), ZERO)),
        "patient_payments": patient,
    }


def _account(
    related: Sequence[Any], totals: dict[int, PostingTotals], patient_paid: Decimal
) -> dict[str, Any]:
    """Live claims only (a replaced or voided claim's postings are netted by the payer's reversal).
    The patient owes the share left by the highest-rank payer that has adjudicated, less what the
    patient paid on any of the claims (``patient_balance_queries``); the charges are the primary's (a
    secondary claim bills the same services again)."""
    live = [r for r in related if r.status not in _ENDED]
    paid = sum((totals[r.id].paid for r in related if r.id in totals), ZERO)
    adjudicated = [r for r in live if r.id in totals]
    top = max(adjudicated, key=lambda r: (r.payer_rank, r.id), default=None)
    primary = min(live, key=lambda r: (r.payer_rank, -r.id), default=None)
    charges: Decimal = primary.total_charge if primary is not None else ZERO
    patient = totals[top.id].patient_responsibility if top is not None else ZERO
    return {
        "claims": [
            {"id": r.id, "payer_rank": r.payer_rank, "status": r.status, "frequency": r.frequency}
            for r in related
        ],
        "charges": str(money(charges)),
        "insurance_paid": str(money(paid)),
        "patient_paid": str(money(patient_paid)),
        "patient_balance": str(money(patient - patient_paid)),
    }


def manual_entries(conn: Connection, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Manual remittance entries (who, when, source) by the message that carried them."""
    if not message_ids:
        return {}
    m = manual_remittances.c
    rows = conn.execute(
        select(m.message_id, m.entered_by, m.entered_at, m.source, m.note).where(
            m.message_id.in_(list(message_ids))
        )
    )
    return {
        int(r.message_id): {
            "entered_by": r.entered_by,
            "entered_at": r.entered_at,
            "source": r.source,
            "note": r.note,
        }
        for r in rows
    }


def lines_of_payments(conn: Connection, payment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    if not payment_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    rows = conn.execute(
        select(*_LINE_COLUMNS)
        .where(line_postings.c.payment_id.in_(list(payment_ids)))
        .order_by(line_postings.c.id)
    )
    for row in rows:
        item = as_dict(row)
        out.setdefault(int(item["payment_id"]), []).append(item)
    return out


def payment_totals(conn: Connection, payment_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not payment_ids:
        return {}
    p = payment_postings.c
    rows = conn.execute(select(p.payment_id, p.denied).where(p.payment_id.in_(list(payment_ids))))
    return {int(r.payment_id): {"denied": r.denied} for r in rows}


def visit_of_encounter(engine: Engine, encounter_id: int) -> tuple[str, str] | None:
    """(patient key, visit number) of an encounter, for building its claim."""
    e = encounters.c
    with engine.connect() as conn:
        row = conn.execute(select(e.patient_key, e.visit_number).where(e.id == encounter_id)).first()
    return None if row is None else (str(row.patient_key), str(row.visit_number))
