"""Per-message savepoints on the driver's cursor and the batched processed marks (both back ends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.schema import inbound_messages, patients
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.patients import Patient
from revcycle.service_layer.intake import make_receipt
from revcycle.service_layer.ports import MessageContext
from tests.integration.store.fake_format import FakeFormat

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CTX = MessageContext(correlation_id="c-1", received_at=NOW, now=NOW)


def patient(mrn: str) -> Patient:
    return Patient(mrn=mrn, assigning_authority="H")


def stored_keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(patients.c.patient_key)).scalars())


def test_a_failed_savepoint_undoes_only_its_own_writes(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.patients.save(patient("KEEP1"), (), CTX)
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.patients.save(patient("GONE"), (), CTX)
            raise RuntimeError("handler failed")
        with uow.savepoint():
            uow.patients.save(patient("KEEP2"), (), CTX)
            with pytest.raises(RuntimeError), uow.savepoint():  # nested: the inner one alone rolls back
                uow.patients.save(patient("GONE2"), (), CTX)
                raise RuntimeError("inner failed")
        assert uow.patients.get(patient("GONE").key) is None
        uow.commit()
    assert stored_keys(engine) == sorted(patient(m).key for m in ("KEEP1", "KEEP2"))


def test_the_transaction_goes_on_after_a_database_error_inside_a_savepoint(engine: Engine) -> None:
    # On PostgreSQL an error aborts the whole transaction until the savepoint is rolled back.
    with SqlUnitOfWork(engine) as uow:
        uow.patients.save(patient("P1"), (), CTX)
        with pytest.raises(IntegrityError), uow.savepoint():
            uow.conn.execute(patients.insert(), {"patient_key": patient("P1").key, "data": {}})
        uow.patients.save(patient("P2"), (), CTX)
        uow.commit()
    assert stored_keys(engine) == sorted(patient(m).key for m in ("P1", "P2"))


def test_processed_marks_are_written_at_commit_and_dropped_with_their_savepoint(engine: Engine) -> None:
    receipts = [
        make_receipt(
            f"T|A|M{i}|charge|1".encode(), interface="lab", transport="t", identify=FakeFormat().identify
        )
        for i in range(3)
    ]
    ids = [appended.message_id for appended in SqlInboundLog(engine).append_batch(receipts)]
    with SqlUnitOfWork(engine) as uow:
        uow.messages.mark_processed(ids[0], NOW, 2)
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.messages.mark_processed(ids[1], NOW, 1)
            raise RuntimeError("handler failed after the mark")
        with uow.savepoint():
            uow.messages.mark_processed(ids[2], NOW, 0)
        uow.commit()
    with engine.connect() as conn:
        rows = conn.execute(
            select(inbound_messages.c.id, inbound_messages.c.status, inbound_messages.c.commands)
        ).all()
    assert {row.id: (row.status, row.commands) for row in rows} == {
        ids[0]: ("processed", 2),
        ids[1]: ("accepted", None),
        ids[2]: ("processed", 0),
    }


def test_marks_are_lost_when_the_unit_of_work_is_left_without_commit(engine: Engine) -> None:
    receipt = make_receipt(b"T|A|M9|charge|1", interface="lab", transport="t", identify=FakeFormat().identify)
    [appended] = SqlInboundLog(engine).append_batch([receipt])
    with SqlUnitOfWork(engine) as uow:
        uow.messages.mark_processed(appended.message_id, NOW, 1)
    with engine.connect() as conn:
        assert conn.execute(select(inbound_messages.c.status)).scalar_one() == "accepted"
