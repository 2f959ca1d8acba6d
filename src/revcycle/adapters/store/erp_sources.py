"""The journal builder's sources: stored charges, claim payments and patient payments (the outbox's
``patient_payment`` rows), read in id order (the builder reads the rows still ``erp_pending``; see
``service_layer/journal_builder.py`` for why not an id cursor) and turned into financial transactions
with their dimensions (facility, department, payer class, service line) from master data.

Dimensions: a charge has its facility and department (HL7 PV1-3 / FT1-13); its payer class is the
class of the patient's primary coverage's payer. A claim payment takes the facility whose NPI is the
claim's billing provider (X12 2010AA NM109) and the class of the claim's payer. The service line is the
department's (master data). None of these is patient data; the encounter reference is an opaque hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Connection, Engine, Table, Text, select, true, type_coerce

from revcycle.adapters.store.repositories.codec import load
from revcycle.adapters.store.schema import (
    PATIENT_PAYMENT_TOPIC,
    PENDING_CHARGES,
    PENDING_CLAIM_PAYMENTS,
    PENDING_PATIENT_PAYMENTS,
    charges,
    claim_payments,
    claims,
    master_data,
    outbox,
    patients,
)
from revcycle.domain import transactions
from revcycle.domain.charges import ChargeType
from revcycle.domain.gl_mapping import Dimensions
from revcycle.domain.money import money
from revcycle.domain.remittances import ClaimPayment
from revcycle.domain.transactions import Transaction

SOURCES = ("charge", "claim_payment", "patient_payment")
# Each source's table and the condition of its rows still to take (matching its partial index).
PENDING: dict[str, tuple[Table, ColumnElement[bool]]] = {
    "charge": (charges, PENDING_CHARGES),
    "claim_payment": (claim_payments, PENDING_CLAIM_PAYMENTS),
    "patient_payment": (outbox, PENDING_PATIENT_PAYMENTS),
}


@dataclass(frozen=True, slots=True)
class SourceTransaction:
    source_kind: str
    source_id: int
    transaction: Transaction
    transaction_date: date
    dims: Dimensions
    encounter_ref: str | None
    claim_id: int | None
    message_id: int | None
    correlation_id: str | None


def opaque(*parts: object) -> str:
    """An opaque reference (never the visit or account number itself)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


class MasterDims:
    """Master data the dimensions come from, read once per builder pass."""

    def __init__(self, conn: Connection) -> None:
        self.payer_class: dict[str, str] = {}
        self.facility_by_npi: dict[str, str] = {}
        self.service_line: dict[str, str] = {}
        m = master_data.c
        rows = conn.execute(select(m.kind, m.code, m.data).order_by(m.effective_start.asc().nulls_first()))
        for kind, code, data in rows:
            if kind == "payer" and data.get("payer_class"):
                self.payer_class[code] = str(data["payer_class"])
            elif kind == "facility" and data.get("npi"):
                self.facility_by_npi[str(data["npi"])] = code
            elif kind == "department" and data.get("service_line"):
                self.service_line[code] = str(data["service_line"])


def _day(value: date | datetime | None, fallback: datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if value is not None else fallback.date()


def _primary_payers(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            select(patients.c.patient_key, patients.c.coverages).where(
                patients.c.patient_key.in_(wanted[start : start + 500])
            )
        )
        for key, coverages in rows:
            ranked = sorted(
                (c for c in coverages or () if c.get("payer_id")), key=lambda c: int(c.get("rank") or 1)
            )
            if ranked:
                found[key] = str(ranked[0]["payer_id"])
    return found


# The transactions, and the ids of the source rows read in id order (a row may make no transaction: a
# denial paying nothing, a zero charge; it is taken all the same).
Read = tuple[list[SourceTransaction], list[int]]


def _scope(source: str, pending: bool) -> ColumnElement[bool]:
    return PENDING[source][1] if pending else true()


def read_charges(
    conn: Connection, after: int, limit: int, dims: MasterDims, *, pending: bool = False
) -> Read:
    """Charges with an id above ``after`` (only those still to take with ``pending``), in id order."""
    c = charges.c
    rows = conn.execute(
        select(
            c.id,
            c.patient_key,
            c.visit_number,
            c.service_date,
            c.amount,
            c.charge_type,
            c.department_code,
            c.facility_code,
            c.message_id,
            c.correlation_id,
            c.created_at,
        )
        .where(c.id > after, _scope("charge", pending))
        .order_by(c.id)
        .limit(limit)
    ).all()
    payers = _primary_payers(conn, (r.patient_key for r in rows))
    out = []
    for r in rows:
        payer = payers.get(r.patient_key)
        where = Dimensions(
            facility=r.facility_code,
            department=r.department_code,
            payer_class=dims.payer_class.get(payer) if payer else "self_pay",
            service_line=dims.service_line.get(r.department_code or ""),
        )
        ref = opaque("visit", r.patient_key, r.visit_number) if r.visit_number else None
        for t in transactions.of_charge(ChargeType(r.charge_type), money(r.amount)):
            out.append(
                SourceTransaction(
                    "charge",
                    int(r.id),
                    t,
                    _day(r.service_date, r.created_at),
                    where,
                    ref,
                    None,
                    r.message_id,
                    r.correlation_id,
                )
            )
    return out, [int(r.id) for r in rows]


def _claim_payment(data: Any) -> ClaimPayment:
    """A payment's ``data`` column as the driver returns it: JSON text (SQLite), decoded straight into
    the struct; or already parsed (PostgreSQL's driver parses JSON)."""
    if isinstance(data, str | bytes):
        return msgspec.json.decode(data, type=ClaimPayment, strict=False)
    return load(data, ClaimPayment)


def read_claim_payments(
    conn: Connection, after: int, limit: int, dims: MasterDims, *, pending: bool = False
) -> Read:
    p, c = claim_payments.c, claims.c
    rows = conn.execute(
        select(
            p.id,
            p.claim_id,
            p.payer_id,
            p.payment_date,
            type_coerce(p.data, Text).label("data"),  # decoded below, in one step
            p.message_id,
            p.correlation_id,
            p.created_at,
            p.patient_control_number,
            c.billing_npi,
            c.payer_id.label("claim_payer_id"),
        )
        .outerjoin(claims, p.claim_id == c.id)
        .where(p.id > after, _scope("claim_payment", pending))
        .order_by(p.id)
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        payment = _claim_payment(r.data)
        payer = r.claim_payer_id or r.payer_id
        where = Dimensions(
            facility=dims.facility_by_npi.get(r.billing_npi or ""),
            payer_class=dims.payer_class.get(payer or ""),
        )
        ref = opaque("claim", r.claim_id) if r.claim_id else opaque("pcn", r.patient_control_number)
        for t in transactions.of_claim_payment(payment):
            out.append(
                SourceTransaction(
                    "claim_payment",
                    int(r.id),
                    t,
                    _day(r.payment_date, r.created_at),
                    where,
                    ref,
                    r.claim_id,
                    r.message_id,
                    r.correlation_id,
                )
            )
    return out, [int(r.id) for r in rows]


def read_patient_payments(conn: Connection, after: int, limit: int, *, pending: bool = False) -> Read:
    o = outbox.c
    rows = conn.execute(
        select(o.id, o.payload, o.correlation_id, o.created_at)
        .where(o.id > after, o.topic == PATIENT_PAYMENT_TOPIC, _scope("patient_payment", pending))
        .order_by(o.id)
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        payload: dict[str, Any] = r.payload or {}
        received = payload.get("received_at")
        day = datetime.fromisoformat(received).date() if received else r.created_at.date()
        for t in transactions.of_patient_payment(money(Decimal(str(payload.get("amount") or "0")))):
            out.append(
                SourceTransaction(
                    "patient_payment",
                    int(r.id),
                    t,
                    day,
                    Dimensions(payer_class="self_pay"),
                    opaque("pp", r.correlation_id),
                    None,
                    None,
                    r.correlation_id,
                )
            )
    return out, [int(r.id) for r in rows]


def every_transaction(engine: Engine, batch: int = 5000) -> Iterator[SourceTransaction]:
    """Every transaction the sources in the store make (read only; for ``revcycle gl check``)."""
    with engine.connect() as conn:
        dims = MasterDims(conn)
        readers: tuple[Callable[[int], Read], ...] = (
            lambda after: read_charges(conn, after, batch, dims),
            lambda after: read_claim_payments(conn, after, batch, dims),
            lambda after: read_patient_payments(conn, after, batch),
        )
        for read in readers:
            after = 0
            while True:
                rows, ids = read(after)
                yield from rows
                if not ids:
                    break
                after = ids[-1]
