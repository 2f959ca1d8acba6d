"""The MLLP listener on 127.0.0.1, port 0: concurrency, isolation of broken connections, idle timeout,
graceful close and TLS."""

from __future__ import annotations

import asyncio
import random
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from revcycle.adapters.formats.hl7v2 import parse
from revcycle.adapters.formats.hl7v2.ack import build_ack, build_reject
from revcycle.adapters.mllp.framing import MllpDecoder, encode
from revcycle.adapters.mllp.listener import ConnectionInfo, MllpListener

pytestmark = pytest.mark.timeout(60)


def message(connection: int, sequence: int) -> bytes:
    return (
        f"MSH|^~\\&|APP|FAC|HUB|HUBFAC|20261122||ADT^A04^ADT_A01|C{connection}-{sequence}|P|2.5\r"
        f"PID|1||MRN{connection}\rPV1|1|O"
    ).encode()


async def ack_handler(payload: bytes, conn: ConnectionInfo) -> bytes:
    await asyncio.sleep(random.random() / 200)  # let other connections interleave
    return build_ack(parse(payload))


class Recorder:
    def __init__(self) -> None:
        self.errors: list[tuple[str, bytes, int]] = []

    async def __call__(self, kind: str, prefix: bytes, conn: ConnectionInfo) -> bytes | None:
        self.errors.append((kind, prefix, conn.connection_id))
        return build_reject(prefix, f"frame error: {kind}", 100) if kind == "oversize" else None


async def read_acks(reader: asyncio.StreamReader, count: int) -> list[str]:
    decoder = MllpDecoder()
    acks: list[str] = []
    while len(acks) < count:
        data = await asyncio.wait_for(reader.read(65536), 10)
        if not data:
            break
        for event in decoder.feed(data):
            ack = parse(getattr(event, "payload"))  # noqa: B009
            acks.append(f"{ack['MSA-1']}:{ack['MSA-2']}")
    return acks


@pytest.fixture
async def listener_factory() -> AsyncIterator[Callable[..., Awaitable[MllpListener]]]:
    started: list[MllpListener] = []

    async def make(
        handle: Callable[[bytes, ConnectionInfo], Awaitable[bytes]] = ack_handler, **kwargs: object
    ) -> MllpListener:
        listener = MllpListener(handle, host="127.0.0.1", port=0, interface="test-mllp", **kwargs)  # type: ignore[arg-type]
        await listener.start()
        started.append(listener)
        return listener

    yield make
    for listener in started:
        await listener.close()


async def client(port: int, number: int, frames: int, expect: int | None = None) -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    stream = b"".join(encode(message(number, seq)) for seq in range(frames))
    position = 0
    while position < len(stream):  # send in random pieces so frames arrive split and interleaved
        step = random.randint(1, 97)
        writer.write(stream[position : position + step])
        await writer.drain()
        position += step
        if random.random() < 0.3:
            await asyncio.sleep(0)
    acks = await read_acks(reader, frames if expect is None else expect)
    writer.close()
    await writer.wait_closed()
    return acks


async def test_fifty_concurrent_connections_with_a_broken_one(
    listener_factory: Callable[..., Awaitable[MllpListener]],
) -> None:
    recorder = Recorder()
    listener = await listener_factory(on_frame_error=recorder, max_frame=4096)
    port = listener.port

    async def broken() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"noise before a frame" + encode(b"M" * 5000) + encode(message(99, 0)))
        await writer.drain()
        acks = await read_acks(reader, 2)
        assert acks[0].startswith("AR:") and acks[1] == "AA:C99-0"
        writer.write(b"\x0bMSH|^~\\&|half a fra")  # then disconnect mid-frame
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    results = await asyncio.gather(*(client(port, n, 5) for n in range(50)), broken())
    for number, acks in enumerate(results[:50]):
        assert acks == [f"AA:C{number}-{seq}" for seq in range(5)]
    for _ in range(100):
        if listener.stats.connections_open == 0:
            break
        await asyncio.sleep(0.01)
    kinds = [kind for kind, _prefix, _conn in recorder.errors]
    assert sorted(kinds) == ["incomplete", "junk", "oversize"]
    assert dict((k, p) for k, p, _c in recorder.errors)["junk"] == b"noise before a frame"
    stats = listener.stats
    assert stats.frames_received == 251 and stats.frame_errors == 3
    assert stats.connections_total == 51 and stats.connections_open == 0
    assert stats.acks_sent == 252


async def test_handler_failure_closes_only_its_connection(
    listener_factory: Callable[..., Awaitable[MllpListener]],
) -> None:
    async def handle(payload: bytes, conn: ConnectionInfo) -> bytes:
        if b"|C666-" in payload:
            raise RuntimeError("boom")
        return build_ack(parse(payload))

    listener = await listener_factory(handle)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(encode(message(666, 0)))
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed without an answer
    assert await client(listener.port, 1, 3) == ["AA:C1-0", "AA:C1-1", "AA:C1-2"]
    assert listener.stats.handler_failures == 1


async def test_empty_answer_sends_nothing(listener_factory: Callable[..., Awaitable[MllpListener]]) -> None:
    async def handle(payload: bytes, conn: ConnectionInfo) -> bytes:
        return b"" if b"|C0-0|" in payload else build_ack(parse(payload))

    listener = await listener_factory(handle)
    assert await client(listener.port, 0, 2, expect=1) == ["AA:C0-1"]


async def test_idle_timeout_closes(listener_factory: Callable[..., Awaitable[MllpListener]]) -> None:
    listener = await listener_factory(idle_timeout=0.2)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(encode(message(1, 0)))
    await writer.drain()
    assert await read_acks(reader, 1) == ["AA:C1-0"]
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed after 0.2 s of silence
    writer.close()
    assert listener.stats.idle_timeouts == 1


async def test_idle_sweep_spares_busy_and_talking_connections() -> None:
    """One sweep watches every connection: a connection whose message takes longer than the idle
    timeout to handle is not idle, one that keeps sending stays open, and a silent one is closed."""
    release = asyncio.Event()

    async def slow_first(payload: bytes, conn: ConnectionInfo) -> bytes:
        if b"|C1-0|" in payload:
            await release.wait()
        return build_ack(parse(payload))

    listener = MllpListener(slow_first, port=0, idle_timeout=0.3)
    await listener.start()
    try:
        busy_reader, busy_writer = await asyncio.open_connection("127.0.0.1", listener.port)
        talk_reader, talk_writer = await asyncio.open_connection("127.0.0.1", listener.port)
        silent_reader, silent_writer = await asyncio.open_connection("127.0.0.1", listener.port)
        busy_writer.write(encode(message(1, 0)))
        for sequence in range(8):  # 8 x 0.1 s: well past the timeout, never silent for 0.3 s
            talk_writer.write(encode(message(2, sequence)))
            assert await read_acks(talk_reader, 1) == [f"AA:C2-{sequence}"]
            await asyncio.sleep(0.1)
        assert await asyncio.wait_for(silent_reader.read(), 5) == b""  # closed for silence
        release.set()  # the busy connection's handler took 0.8 s: it was never idle meanwhile
        assert await read_acks(busy_reader, 1) == ["AA:C1-0"]  # a swept connection gets no ACK
        assert await asyncio.wait_for(talk_reader.read(), 5) == b""  # and then silent: closed too
        assert await asyncio.wait_for(busy_reader.read(), 5) == b""
        assert listener.stats.idle_timeouts == 3
        for writer in (busy_writer, talk_writer, silent_writer):
            writer.close()
    finally:
        await listener.close()


async def test_graceful_close_finishes_in_flight_work() -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow(payload: bytes, conn: ConnectionInfo) -> bytes:
        entered.set()
        await release.wait()
        return build_ack(parse(payload))

    listener = MllpListener(slow, port=0, close_grace=5)
    await listener.start()
    port = listener.port
    busy_reader, busy_writer = await asyncio.open_connection("127.0.0.1", port)
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
    busy_writer.write(encode(message(1, 0)))
    await busy_writer.drain()
    await entered.wait()
    closing = asyncio.create_task(listener.close())
    await asyncio.sleep(0.05)
    assert not closing.done()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)  # no longer accepting
    release.set()
    assert await read_acks(busy_reader, 1) == ["AA:C1-0"]  # the in-flight ACK still arrives
    await asyncio.wait_for(closing, 5)
    assert await asyncio.wait_for(idle_reader.read(), 5) == b""
    assert await asyncio.wait_for(busy_reader.read(), 5) == b""
    busy_writer.close()
    idle_writer.close()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


async def test_tls(tmp_path: Path, listener_factory: Callable[..., Awaitable[MllpListener]]) -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor the openssl CLI is available")
    cert, key = _self_signed(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    seen: list[ConnectionInfo] = []

    async def handle(payload: bytes, conn: ConnectionInfo) -> bytes:
        seen.append(conn)
        return build_ack(parse(payload))

    listener = await listener_factory(handle, ssl_context=server)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port, ssl=client_ctx)
    writer.write(encode(message(7, 0)) + encode(message(7, 1)))
    await writer.drain()
    assert await read_acks(reader, 2) == ["AA:C7-0", "AA:C7-1"]
    writer.close()
    assert seen[0].tls and seen[0].interface == "test-mllp" and seen[0].peer.startswith("127.0.0.1:")
    # a plain-text client on the TLS port fails alone; the listener keeps serving
    plain_reader, plain_writer = await asyncio.open_connection("127.0.0.1", listener.port)
    plain_writer.write(encode(message(8, 0)))
    await plain_writer.drain()
    assert await asyncio.wait_for(plain_reader.read(), 5) == b""
    plain_writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port, ssl=client_ctx)
    writer.write(encode(message(9, 0)))
    await writer.drain()
    assert await read_acks(reader, 1) == ["AA:C9-0"]
    writer.close()


async def test_port_before_start() -> None:
    listener = MllpListener(ack_handler, port=0)
    with pytest.raises(RuntimeError):
        _ = listener.port
    async with listener as running:
        assert running.port > 0
