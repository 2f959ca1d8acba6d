"""The ERP emulator on a loopback port, in a thread (for the tests that drive it in-process)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from revcycle.adapters.erp.emulator import EmulatorServer


@contextmanager
def running_emulator(token: str | None = None, state: Path | None = None) -> Iterator[EmulatorServer]:
    server = EmulatorServer("127.0.0.1", 0, token=token, state=state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def control(url: str, token: str | None = None, **body: Any) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    httpx.post(f"{url}/control", json=body, headers=headers, timeout=5).raise_for_status()
