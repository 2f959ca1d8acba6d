"""Prepared statements on the driver cursor behave as ``Connection.execute`` would (both back ends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import findings, inbound_messages

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def finding(key: str) -> dict[str, object]:
    return {
        "key": key,
        "type": "duplicate_charge",
        "severity": 3,
        "status": "open",
        "subject_kind": "charge",
        "subject_id": "1",
        "summary": "charge 1 repeats charge 0",
        "details": {"duplicate_of": 0, "codes": ["99213", "25"]},
        "created_at": NOW,
        "updated_at": NOW,
        "occurrences": 1,
    }


def test_values_round_trip_through_the_column_types(engine: Engine) -> None:
    add = Prepared(insert(findings).returning(findings.c.id), result_types=[findings.c.id.type])
    read = Prepared(
        select(findings.c.details, findings.c.created_at, findings.c.occurrences).where(
            findings.c.key == bindparam("key")
        ),
        result_types=[findings.c.details.type, findings.c.created_at.type, findings.c.occurrences.type],
    )
    bump = Prepared(
        update(findings)
        .where(findings.c.key == bindparam("finding_key"))
        .values(occurrences=findings.c.occurrences + 1, status="acknowledged")
    )
    with engine.begin() as conn:
        new_id = add.scalar(conn, finding("k1"), insert_keys=True)
        assert isinstance(new_id, int)
        assert bump.rowcount(conn, {"finding_key": "k1"}) == 1
        assert bump.rowcount(conn, {"finding_key": "missing"}) == 0
        [(details, created, occurrences)] = read.rows(conn, {"key": "k1"})
        assert details == {"duplicate_of": 0, "codes": ["99213", "25"]}  # JSON decoded, as SQLAlchemy does
        assert occurrences == 2
        # and what SQLAlchemy itself reads back is the same row
        row = conn.execute(select(findings).where(findings.c.id == new_id)).one()
    assert row.status == "acknowledged" and row.details == details
    assert row.created_at.replace(tzinfo=UTC) == created.replace(tzinfo=UTC) == NOW


def test_driver_errors_surface_as_sqlalchemy_errors(engine: Engine) -> None:
    add = Prepared(insert(findings))
    with engine.begin() as conn:
        add.rowcount(conn, finding("dup"), insert_keys=True)
        with pytest.raises(IntegrityError) as raised:
            add.rowcount(conn, finding("dup"), insert_keys=True)
    assert "charge 1 repeats" not in str(raised.value)  # parameters (possibly PHI) are not in the text


def test_statements_needing_python_defaults_go_through_sqlalchemy(engine: Engine) -> None:
    # inbound_messages.attempts and .collision have Python-side defaults: SQLAlchemy must fill them.
    row = {
        "correlation_id": "c-1",
        "interface": "lab",
        "transport": "test",
        "format": "hl7v2",
        "message_type": "ADT_A01",
        "idempotency_key": "key-1",
        "content_hash": "0" * 64,
        "received_at": NOW,
        "status": "accepted",
        "size": 3,
        "raw": b"MSH",
    }
    with engine.begin() as conn:
        Prepared(insert(inbound_messages)).rowcount(conn, row, insert_keys=True)
        stored = conn.execute(select(inbound_messages.c.attempts, inbound_messages.c.collision)).one()
    assert (stored.attempts, stored.collision) == (0, False)
