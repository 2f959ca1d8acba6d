"""The TLS options: ``revcycle serve`` over HTTPS (with HSTS), and MLLP over TLS, with a client that
verifies the server's certificate; a plain-text client gets nothing from the TLS listener."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest

from revcycle.bootstrap import build
from revcycle.entrypoints.runtime import Runtime
from revcycle.settings import Settings
from tests.e2e.server import ServerProcess
from tests.tls import self_signed

ADT = b"MSH|^~\\&|REG|N|RC|B|20261122||ADT^A04|TLS1|P|2.5.1\rPID|1||M1^^^N^MR||DOE^JO\r"


def test_serve_over_https(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = ServerProcess(tmp_path / "data", tls=(cert, key))
    server.start()
    try:
        assert server.url.startswith("https://")
        answer = httpx.get(f"{server.url}/api/v1/claims", headers=server.headers, verify=server.verify)
        assert answer.status_code == 200
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        with pytest.raises(httpx.HTTPError):
            httpx.get(server.url.replace("https://", "http://") + "/health", timeout=5)
    finally:
        server.stop()


async def test_mllp_over_tls(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        data_dir=tmp_path,
        mllp_port=0,
        workers=False,
        mllp_tls_cert_file=cert,
        mllp_tls_key_file=key,
    )
    runtime = Runtime(build(settings))
    await runtime.start()
    try:
        assert runtime.mllp is not None
        client = ssl.create_default_context(cafile=str(cert))
        reader, writer = await asyncio.open_connection("127.0.0.1", runtime.mllp.port, ssl=client)
        writer.write(b"\x0b" + ADT + b"\x1c\x0d")
        await writer.drain()
        ack = await asyncio.wait_for(reader.readuntil(b"\x1c\x0d"), 10)
        writer.close()
        assert b"MSA|AA|TLS1" in ack
        reader, writer = await asyncio.open_connection("127.0.0.1", runtime.mllp.port)  # plain text
        writer.write(b"\x0b" + ADT + b"\x1c\x0d")
        await writer.drain()
        try:
            plain = await asyncio.wait_for(reader.read(65536), 10)
        except ConnectionResetError:
            plain = b""
        writer.close()
        assert b"MSA" not in plain
    finally:
        await runtime.stop()
