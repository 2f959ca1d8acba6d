"""Migration 0009 on both back ends: the journal builder's id cursors become ``erp_pending`` marks (rows
past a cursor pending, the others taken; new rows pending by default), and back on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from alembic import command
from sqlalchemy import Engine, insert, select, text

from revcycle.adapters.store.migrate import alembic_config, upgrade
from revcycle.adapters.store.schema import charges, claim_payments, outbox

AT = datetime(2026, 1, 20, tzinfo=UTC)


def _charge(n: int) -> dict[str, object]:
    return {
        "patient_key": "P",
        "quantity": Decimal(1),
        "amount": Decimal(n),
        "charge_type": "CG",
        "identity_hash": f"h{n}",
        "created_at": AT,
        "data": {},
    }


def _payment(n: int) -> dict[str, object]:
    zero = Decimal(0)
    return {
        "trace_number": f"T{n}",
        "patient_control_number": f"P{n}",
        "status_code": "1",
        "charge": zero,
        "paid": zero,
        "patient_responsibility": zero,
        "contractual": zero,
        "other_adjustments": zero,
        "dedup_key": f"d{n}",
        "source": "835",
        "data": {},
        "created_at": AT,
    }


def _message(n: int, topic: str) -> dict[str, object]:
    return {
        "topic": topic,
        "key": f"k{n}",
        "payload": {},
        "status": "pending",
        "attempts": 0,
        "created_at": AT,
    }


def _pending(engine: Engine) -> dict[str, list[bool]]:
    with engine.connect() as conn:
        return {
            t.name: [bool(v) for v in conn.scalars(select(t.c.erp_pending).order_by(t.c.id))]
            for t in (charges, claim_payments, outbox)
        }


def test_the_cursors_become_marks_and_back(fresh: Engine) -> None:
    upgrade(fresh, "0007")
    with fresh.begin() as conn:
        conn.execute(insert(charges), [_charge(n) for n in range(1, 5)])
        conn.execute(insert(claim_payments), [_payment(n) for n in range(1, 3)])
        topics = ("patient_payment", "erp.journal", "patient_payment", "patient_payment")
        conn.execute(insert(outbox), [_message(n, t) for n, t in enumerate(topics, start=1)])
        conn.execute(
            text("INSERT INTO erp_cursors (source, last_id) VALUES ('charge', 2), ('patient_payment', 1)")
        )
    upgrade(fresh)
    assert _pending(fresh) == {
        "charges": [False, False, True, True],  # past the cursor at 2
        "claim_payments": [True, True],  # no cursor yet: nothing taken
        "outbox": [False, False, True, True],  # patient payments past 1 (the journal is no source)
    }
    with fresh.begin() as conn:
        conn.execute(insert(charges).values(_charge(5)))  # a writer that knows nothing of the mark
    assert _pending(fresh)["charges"][-1] is True
    with fresh.begin() as conn:
        conn.execute(charges.update().where(charges.c.id == 3).values(erp_pending=False))
    command.downgrade(alembic_config(fresh), "0007")
    with fresh.connect() as conn:
        cursors = dict(conn.execute(text("SELECT source, last_id FROM erp_cursors")).all())
    assert cursors == {"charge": 3, "claim_payment": 0, "patient_payment": 1}
    upgrade(fresh)
    assert _pending(fresh)["charges"] == [False, False, False, True, True]
