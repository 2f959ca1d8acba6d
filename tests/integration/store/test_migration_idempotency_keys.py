"""Migration 0012 on both back ends: the keys of messages appended before it take the prefix the edge now
puts in front of every key with a control id, so a resend of any of them is still recognised; other
keys stay as they were; downgrade restores them all."""

from __future__ import annotations

import dataclasses

from alembic import command
from sqlalchemy import Engine, select

from revcycle.adapters.formats.base import FormatError
from revcycle.adapters.store.encrypted import install_key_ring
from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.migrate import alembic_config, upgrade
from revcycle.adapters.store.schema import inbound_messages
from revcycle.security.phi_crypto import KeyRing
from revcycle.service_layer.intake import Receipt, key_prefix, make_receipt, refused_key
from tests.integration.store.fake_format import FakeFormat


def _receipts() -> list[Receipt]:
    made = [
        make_receipt(raw, interface="lab", transport="test", identify=FakeFormat().identify)
        for raw in (b"T|p1|MSG0001|charge|10", b"T|p2|MSG0002|charge|20", b"\x00 unreadable")
    ]
    refused = make_receipt(
        b"T|p3|MSG0003|charge|30", interface="lab", transport="test", identify=FakeFormat().identify
    )
    code = "type_mismatch"
    key = refused_key(refused.envelope, "lab", refused.content_hash, code)
    made.append(
        dataclasses.replace(refused, rejection=FormatError("refused", code=code), idempotency_key=key)
    )
    return made


def _as_before(receipt: Receipt) -> Receipt:
    """The key this receipt had before 0012: the same hash, without the prefix."""
    old = receipt.idempotency_key.removeprefix(key_prefix(receipt.envelope, receipt.interface))
    return dataclasses.replace(receipt, idempotency_key=old)


def _keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(inbound_messages.c.idempotency_key).order_by(inbound_messages.c.id)))


def test_keys_appended_before_take_the_prefix_so_resends_still_match(fresh: Engine) -> None:
    install_key_ring(fresh, KeyRing.generate())
    upgrade(fresh, "0011")
    receipts = _receipts()
    before = [_as_before(r) for r in receipts]
    stored = SqlInboundLog(fresh).append_batch(before)
    assert not any(a.duplicate for a in stored)
    assert [len(k) for k in _keys(fresh)] == [64] * 4

    upgrade(fresh)
    assert _keys(fresh) == [r.idempotency_key for r in receipts]
    assert [k[:8] == receipts[0].idempotency_key[:8] for k in _keys(fresh)] == [True, True, False, True]

    again = SqlInboundLog(fresh).append_batch(_receipts())  # every one of them sent again
    assert [a.duplicate for a in again] == [True] * 4
    assert [a.message_id for a in again] == [a.message_id for a in stored]

    command.downgrade(alembic_config(fresh), "0011")
    assert _keys(fresh) == [r.idempotency_key for r in before]
