"""The MLLP listener admits only allow-listed peers: loopback by default; others are closed unanswered
and counted."""

from __future__ import annotations

import asyncio
from pathlib import Path

from revcycle.bootstrap import build
from revcycle.entrypoints.runtime import Runtime
from revcycle.settings import Settings

ADT = b"MSH|^~\\&|REG|N|RC|B|20261122||ADT^A04|AL1|P|2.5.1\rPID|1||M1^^^N^MR||DOE^JO\r"


async def _send(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x0b" + ADT + b"\x1c\x0d")
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), 10)
    except ConnectionResetError:
        return b""  # closed on us: no answer
    finally:
        writer.close()


async def _run(tmp_path: Path, allow: list[str] | None) -> tuple[bytes, int]:
    overrides = {"mllp_allow": allow} if allow is not None else {}
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'r.db'}", data_dir=tmp_path, mllp_port=0, workers=False, **overrides
    )
    runtime = Runtime(build(settings))
    await runtime.start()
    try:
        assert runtime.mllp is not None
        answer = await _send(runtime.mllp.port)
        return answer, runtime.mllp.stats.connections_refused
    finally:
        await runtime.stop()


async def test_loopback_is_admitted_by_default(tmp_path: Path) -> None:
    answer, refused = await _run(tmp_path, None)
    assert b"MSA|AA|AL1" in answer and refused == 0


async def test_a_peer_outside_the_allow_list_is_closed_unanswered(tmp_path: Path) -> None:
    answer, refused = await _run(tmp_path, ["10.0.0.0/8"])
    assert answer == b"" and refused == 1
