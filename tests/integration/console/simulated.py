"""A small simulated store for the rollup tests: two months of claims, charges (some credits, some on
days without a claim), payments (unmatched ones, a denial then a payment, payments from a second
payer), rejections and discharged visits (billed and not), with every row stamped ``at``."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import charges, claim_events, claim_payments, claims, encounters

FIRST = date(2026, 10, 1)
DAYS = 61
PAYERS = ("P1", "P2", "P3")
FACILITIES = ("F1", "F2")
NPIS = ("1000000001", "1000000002", "1000000003")
LINES = ("CARD", "LAB", "RAD", None)
STATUSES = (
    "submitted",
    "accepted",
    "paid",
    "partially_paid",
    "denied",
    "rejected",
    "closed",
    "void",
    "draft",
)


def _money(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(1_000, 50_000)) / 100


def claim_row(rng: random.Random, n: int, at: datetime, **values: Any) -> dict[str, Any]:
    charge = _money(rng)
    row = {
        "claim_key": f"k{n}-{rng.random()}",
        "patient_control_number": f"PCN{n}",
        "kind": "professional",
        "status": rng.choice(STATUSES),
        "payer_id": rng.choice((*PAYERS, None)),
        "payer_rank": 1,
        "patient_key": f"MRN{rng.randrange(12)}",
        "total_charge": charge,
        "paid_total": Decimal(0),
        "patient_responsibility": Decimal(0),
        "contractual_total": Decimal(0),
        "service_date": FIRST + timedelta(days=rng.randrange(DAYS)),
        "billing_npi": rng.choice(NPIS),
        "facility_code": rng.choice(FACILITIES),
        "frequency": "1",
        "data": {},
        "created_at": at,
        "updated_at": at,
    }
    return row | values


def add_claim(engine: Engine, row: dict[str, Any]) -> int:
    with for_writing(engine).begin() as conn:
        return int(conn.execute(insert(claims).values(**row)).inserted_primary_key[0])


def add_charge(
    engine: Engine, rng: random.Random, patient: str, day: date, at: datetime, visit: str | None = None
) -> None:
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(charges).values(
                patient_key=patient,
                visit_number=visit or f"V{rng.randrange(40)}",
                service_date=day,
                quantity=Decimal(1),
                amount=_money(rng) * (-1 if rng.random() < 0.1 else 1),
                charge_type="CD" if rng.random() < 0.1 else "CG",
                department_code=rng.choice(LINES),
                facility_code=rng.choice(FACILITIES),
                performing_npi=rng.choice(NPIS),
                identity_hash=f"h{rng.random()}",
                created_at=at,
                data={},
            )
        )


def add_payment(
    engine: Engine, claim_id: int | None, payer: str | None, day: date, code: str, paid: Decimal, at: datetime
) -> None:
    """A payment and what posting it does to its claim (``SqlClaims.apply_payment``: no time stamp)."""
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(claim_payments).values(
                trace_number="T",
                patient_control_number="PCN",
                claim_id=claim_id,
                status_code=code,
                payer_id=payer,
                charge=paid,
                paid=paid,
                patient_responsibility=Decimal("5.00"),
                contractual=Decimal("1.50"),
                other_adjustments=Decimal(0),
                payment_date=day,
                dedup_key=f"d{at.timestamp()}{claim_id}{code}{paid}",
                source="835",
                data={},
                created_at=at,
            )
        )
        if claim_id is not None:
            c = claims.c
            conn.execute(
                update(claims)
                .where(c.id == claim_id)
                .values(
                    paid_total=c.paid_total + paid, contractual_total=c.contractual_total + Decimal("1.50")
                )
            )


def add_visit(engine: Engine, patient: str, visit: str, discharged: datetime | None, at: datetime) -> int:
    with for_writing(engine).begin() as conn:
        return int(
            conn.execute(
                insert(encounters).values(
                    patient_key=patient,
                    visit_number=visit,
                    status="discharged" if discharged else "admitted",
                    facility_code="F1" if visit < "V2" else "F2",
                    attending_npi=NPIS[len(visit) % 3],
                    admitted_at=None if discharged is None else discharged - timedelta(days=1),
                    discharged_at=discharged,
                    data={},
                    updated_at=at,
                )
            ).inserted_primary_key[0]
        )


def fill(engine: Engine, at: datetime, seed: int = 5) -> None:
    rng = random.Random(seed)
    ids = []
    for n in range(160):
        row = claim_row(rng, n, at)
        claim_id = add_claim(engine, row)
        ids.append((claim_id, row))
        if rng.random() < 0.8:
            add_charge(engine, rng, row["patient_key"], row["service_date"], at)
    for _ in range(40):  # charges on days without a claim of their patient
        add_charge(engine, rng, f"MRN{rng.randrange(12)}", FIRST + timedelta(days=rng.randrange(DAYS)), at)
    for claim_id, row in ids:
        paid_on = row["service_date"] + timedelta(days=rng.randrange(3, 25))
        if row["status"] in ("paid", "partially_paid", "closed"):
            if rng.random() < 0.3:  # denied first
                add_payment(
                    engine, claim_id, row["payer_id"], paid_on - timedelta(days=6), "4", Decimal(0), at
                )
            add_payment(engine, claim_id, row["payer_id"], paid_on, "1", _money(rng), at)
            if rng.random() < 0.2:  # the secondary payer
                add_payment(engine, claim_id, "P3", paid_on + timedelta(days=2), "2", _money(rng), at)
        elif row["status"] == "denied":
            add_payment(engine, claim_id, row["payer_id"], paid_on, "4", Decimal(0), at)
        if row["status"] == "rejected" or rng.random() < 0.05:
            with for_writing(engine).begin() as conn:
                conn.execute(
                    insert(claim_events).values(
                        claim_id=claim_id, at=at, kind="transition", to_status="rejected", detail={}
                    )
                )
    for _ in range(8):  # remittances matching no claim
        add_payment(
            engine,
            None,
            rng.choice(PAYERS),
            FIRST + timedelta(days=rng.randrange(DAYS)),
            "1",
            _money(rng),
            at,
        )
    for n in range(30):
        patient = f"MRN{rng.randrange(12)}"
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        discharged = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=rng.randrange(24))
        add_visit(engine, patient, f"V{n}", discharged if rng.random() < 0.85 else None, at)
        if rng.random() < 0.8:
            add_charge(engine, rng, patient, day, at, visit=f"V{n}")


def claim_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(i) for (i,) in conn.execute(select(claims.c.id).order_by(claims.c.id))]
