"""What the console rollups must recompute: the days and visits that rows stamped since a moment
change (read by the refresh, ``rollups.py``, and by the revenue queries, which read those days live
until the refresh has caught up), and the refresh's watermark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select, union

from revcycle.adapters.store.schema import (
    charges,
    claim_events,
    claim_payments,
    claims,
    encounters,
    patients,
    rollup_charges,
    rollup_claim_dates,
    rollup_claims,
    rollup_payments,
    rollup_state,
)

STATE = "console"
# Changes are read back this far before the watermark: a transaction committing up to this long after
# it stamped its rows is still seen.
OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Changes:
    claim_days: frozenset[date]  # service days of the claims rollup
    charge_days: frozenset[date]  # service days of the charges rollup
    payment_days: frozenset[date]  # payment days (payments rollup, repeat payments)
    visits: frozenset[int]  # encounter ids (DNFB)
    claims: frozenset[int]  # claims saved (their rolled-up date and patient)


def watermark(conn: Connection) -> datetime | None:
    """When the last completed refresh started (None: the rollups were never built)."""
    found = conn.execute(select(rollup_state.c.watermark).where(rollup_state.c.name == STATE)).scalar()
    if not isinstance(found, datetime):
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _values(conn: Connection, *queries: Any) -> set[Any]:
    found: set[Any] = set()
    for query in queries:
        found.update(v for (v,) in conn.execute(query) if v is not None)
    return found


def everything(conn: Connection) -> Changes:
    """Every day (service and payment days in the store or in the rollups): a full rebuild."""
    c, ch, p = claims.c, charges.c, claim_payments.c
    claim_days = _values(conn, select(c.service_date).distinct(), select(rollup_claims.c.day).distinct())
    charge_days = _values(conn, select(ch.service_date).distinct(), select(rollup_charges.c.day).distinct())
    payment = _values(conn, select(p.payment_date).distinct(), select(rollup_payments.c.day).distinct())
    return Changes(
        frozenset(claim_days), frozenset(charge_days), frozenset(payment), frozenset(), frozenset()
    )


def changes_since(conn: Connection, since: datetime) -> Changes:
    """What rows stamped after ``since`` change: service days, payment days, visits (DNFB), and the
    claims saved (their rolled-up date and patient move)."""
    c, ch, p, ev, e, pt, ld = (
        claims.c,
        charges.c,
        claim_payments.c,
        claim_events.c,
        encounters.c,
        patients.c,
        rollup_claim_dates.c,
    )
    saved = select(c.id).where(c.updated_at > since)
    paid = select(p.claim_id).where(p.created_at > since, p.claim_id.is_not(None))
    newer = select(p.id, p.claim_id).where(p.created_at > since, p.claim_id.is_not(None)).subquery()
    rejected = select(ev.claim_id).where(ev.at > since, ev.to_status == "rejected")
    captured = select(ch.patient_key, ch.service_date, ch.visit_number).where(ch.created_at > since)
    captured_sq = captured.subquery()
    same_day = (
        select(c.id)
        .join(
            captured_sq,
            (captured_sq.c.patient_key == c.patient_key) & (captured_sq.c.service_date == c.service_date),
        )
        .distinct()
    )
    # no DISTINCT in these: SQLite would rather scan a date index than sort the few rows found
    moved = _values(
        conn,
        select(c.service_date).where(c.id.in_(saved)),
        select(ld.service_date).where(ld.claim_id.in_(saved)),  # where they were rolled up
    )
    charged = _values(conn, select(ch.service_date).where(ch.created_at > since))
    claim_days = (
        moved | charged | _values(conn, select(c.service_date).where(c.id.in_(union(paid, rejected))))
    )
    payment = _values(
        conn,
        select(p.payment_date).where(p.claim_id.in_(union(saved, same_day))),
        # a payment committed after a later-numbered one of its claim was rolled up (concurrent
        # writers): that one is no longer the claim's first
        select(p.payment_date).join(newer, and_(newer.c.claim_id == p.claim_id, newer.c.id < p.id)),
        select(p.payment_date).where(p.created_at > since),
    )
    patients_of = union(
        select(c.patient_key).where(c.id.in_(saved)),
        select(ld.patient_key).where(ld.claim_id.in_(saved)),
        select(pt.merged_into).where(pt.updated_at > since, pt.merged_into.is_not(None)),
    )
    visits = _values(
        conn,
        select(e.id).where(e.updated_at > since),
        select(e.id).join(
            captured_sq,
            (captured_sq.c.patient_key == e.patient_key) & (captured_sq.c.visit_number == e.visit_number),
        ),
        select(e.id).where(e.patient_key.in_(patients_of)),
    )
    return Changes(
        frozenset(claim_days),
        frozenset(moved | charged),
        frozenset(payment),
        frozenset(visits),
        frozenset(_values(conn, saved)),
    )
