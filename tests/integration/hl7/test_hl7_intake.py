"""HL7 v2 over MLLP into the real runtime and store: ACK after commit, modes, resends, collisions,
unreadable and over-size input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from revcycle.adapters.store.schema import charges, dead_letters, findings, inbound_messages
from revcycle.bootstrap import Container, build
from revcycle.entrypoints.runtime import Runtime
from revcycle.settings import Settings

ORIGINAL = "MSH|^~\\&|LAB|NORTH|REVCYCLE|BILLING|20261122||DFT^P03|{control}|P|2.5.1\r"
ENHANCED = "MSH|^~\\&|LAB|NORTH|REVCYCLE|BILLING|20261122||DFT^P03|{control}|P|2.5.1|||{accept}|NE\r"
BODY = (
    "PID|1||MRN77^^^NORTH^MR||ROE^RICHARD||19600101|M|||||||||ACCT77\r"
    "PV1|1|O|CLINIC||||1234567893|||||||||||V77\r"
    "FT1|1|{control}||20261122|20261122|CG|99213|||1|{amount}|{amount}|CARD|||||||1234567893|||||99213\r"
)


def dft(control: str, amount: str = "125.00", header: str = ORIGINAL, accept: str = "AL") -> bytes:
    return (
        header.format(control=control, accept=accept) + BODY.format(control=control, amount=amount)
    ).encode()


@pytest.fixture
async def runtime(store_url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(
        db_url=store_url, data_dir=tmp_path, mllp_port=0, workers=False, max_message_bytes=2048
    )
    running = Runtime(build(settings))
    await running.start()
    yield running
    await running.stop()


async def exchange(port: int, payloads: list[bytes], *, expect_reply: bool = True) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    for payload in payloads:
        writer.write(b"\x0b" + payload + b"\x1c\x0d")
        await writer.drain()
        if expect_reply:
            replies.append(await asyncio.wait_for(reader.readuntil(b"\x1c\x0d"), 10))
    writer.close()
    return replies


def count(container: Container, query: Any) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


async def test_original_mode_ack_resend_and_collision(runtime: Runtime) -> None:
    assert runtime.mllp is not None
    port, container = runtime.mllp.port, runtime.container
    first, resend, reuse = await exchange(port, [dft("C1"), dft("C1"), dft("C1", amount="99.00")])
    for reply in (first, resend, reuse):
        assert b"\rMSA|AA|C1" in reply
    assert b"MSH|^~\\&|REVCYCLE|BILLING|LAB|NORTH|" in first  # sender and receiver mirrored
    assert await asyncio.to_thread(container.worker.drain) == 2  # the resend was not stored again
    assert count(container, select(func.count()).select_from(charges)) == 2
    assert count(container, select(func.count()).where(findings.c.type == "control_id_collision")) == 1


async def test_enhanced_mode_follows_msh_15(runtime: Runtime) -> None:
    assert runtime.mllp is not None
    [always] = await exchange(runtime.mllp.port, [dft("E1", header=ENHANCED, accept="AL")])
    assert b"\rMSA|CA|E1" in always
    # NE: never send an accept ACK; the message is stored all the same.
    await exchange(runtime.mllp.port, [dft("E2", header=ENHANCED, accept="NE")], expect_reply=False)
    await asyncio.sleep(0.3)
    assert count(runtime.container, select(func.count()).where(inbound_messages.c.control_id == "E2")) == 1


async def test_unreadable_frame_gets_ar_with_err_and_a_dead_letter(runtime: Runtime) -> None:
    assert runtime.mllp is not None
    [reply] = await exchange(
        runtime.mllp.port, [b"MSH|^~\\&|LAB|NORTH|R|B|2026||DFT^P03|BAD1|P|2.5.1\rPID\x00\x01"]
    )
    assert b"\rMSA|AR|BAD1" in reply and b"\rERR|" in reply
    assert count(runtime.container, select(func.count()).select_from(dead_letters)) == 1
    # the connection and the listener still work
    [ok] = await exchange(runtime.mllp.port, [dft("OK1")])
    assert b"MSA|AA|OK1" in ok


async def test_oversize_frame_is_refused_and_kept(runtime: Runtime) -> None:
    assert runtime.mllp is not None
    big = dft("BIG1") + b"NTE|1||" + b"x" * 4000 + b"\r"
    [reply] = await exchange(runtime.mllp.port, [big])
    assert b"MSA|AR|" in reply
    with runtime.container.engine.connect() as conn:
        letter = conn.execute(select(dead_letters.c.reason_code)).scalar_one()
    assert letter == "too_large"


async def test_listener_counters_are_exported(runtime: Runtime) -> None:
    assert runtime.mllp is not None
    await exchange(runtime.mllp.port, [dft("M1"), dft("M2")])
    text = runtime.container.telemetry.render().decode()
    assert 'revcycle_listener_frames_received{interface="mllp"} 2.0' in text
    assert 'revcycle_listener_connections_total{interface="mllp"} 1.0' in text
