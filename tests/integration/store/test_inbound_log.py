"""The inbound log's durable append: resends, control-id collisions, rejections, group commit."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.schema import dead_letters, inbound_messages
from revcycle.service_layer.intake import Receipt, make_receipt
from tests.integration.store.fake_format import FakeFormat


def receipt(raw: bytes) -> Receipt:
    return make_receipt(raw, interface="lab", transport="test", identify=FakeFormat().identify)


def count(engine: Engine, table=inbound_messages) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_new_messages_are_accepted_in_one_batch(engine: Engine) -> None:
    log = SqlInboundLog(engine)
    results = log.append_batch([receipt(f"T|p{i}|C{i}|charge|10".encode()) for i in range(50)])
    assert [r.status for r in results] == ["accepted"] * 50
    assert not any(r.duplicate or r.collision for r in results)
    assert len({r.message_id for r in results}) == 50
    assert count(engine) == 50


def test_resend_is_acknowledged_with_the_same_message_and_not_stored_twice(engine: Engine) -> None:
    log = SqlInboundLog(engine)
    [first] = log.append_batch([receipt(b"T|p1|C1|charge|10")])
    [again] = log.append_batch([receipt(b"T|p1|C1|charge|10\r\n")])  # trailing CR/LF does not matter
    assert again.duplicate and again.message_id == first.message_id
    assert again.correlation_id == first.correlation_id
    assert count(engine) == 1


def test_resend_inside_the_same_batch_is_a_duplicate(engine: Engine) -> None:
    first, second = SqlInboundLog(engine).append_batch([receipt(b"T|p1|C1|charge|10")] * 2)
    assert not first.duplicate and second.duplicate and second.message_id == first.message_id


def test_reused_control_id_with_different_content_is_kept_and_flagged(engine: Engine) -> None:
    log = SqlInboundLog(engine)
    [first] = log.append_batch([receipt(b"T|p1|MSG00001|charge|10")])
    [other] = log.append_batch([receipt(b"T|p2|MSG00001|charge|99")])
    assert not other.duplicate and other.collision
    assert other.message_id != first.message_id
    assert count(engine) == 2


def test_unreadable_input_is_stored_dead_with_a_dead_letter(engine: Engine) -> None:
    [result] = SqlInboundLog(engine).append_batch([receipt(b"\x00\xff garbage")])
    assert result.status == "dead"
    with engine.connect() as conn:
        row = conn.execute(select(dead_letters)).one()
        message = conn.execute(
            select(inbound_messages).where(inbound_messages.c.id == result.message_id)
        ).one()
    assert row.stage == "edge" and row.reason_code == "unreadable" and row.message_id == result.message_id
    assert bytes(message.raw) == b"\x00\xff garbage"  # kept byte for byte
    # The same garbage again is the same dead letter, not a second one.
    [again] = SqlInboundLog(engine).append_batch([receipt(b"\x00\xff garbage")])
    assert again.duplicate and count(engine, dead_letters) == 1


def test_a_batch_mixing_resends_and_new_messages_gets_each_its_own_id(engine: Engine) -> None:
    log = SqlInboundLog(engine)
    held = log.append_batch([receipt(f"T|p{i}|H{i}|charge|10".encode()) for i in (1, 2)])
    mixed = [
        receipt(b"T|p1|N1|charge|10"),
        receipt(b"T|p1|H1|charge|10"),  # held already: a resend
        receipt(b"T|p2|N2|charge|10"),
        receipt(b"T|p3|N3|charge|10"),
        receipt(b"T|p2|H2|charge|10"),  # held already, last in the batch
    ]
    results = log.append_batch(mixed)
    assert [r.duplicate for r in results] == [False, True, False, False, True]
    assert (results[1].message_id, results[4].message_id) == (held[0].message_id, held[1].message_id)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(inbound_messages.c.id, inbound_messages.c.control_id)).all())
    assert [stored[r.message_id] for r in results] == ["N1", "H1", "N2", "N3", "H2"]
    assert count(engine) == 5
