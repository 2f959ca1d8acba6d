"""Exactly once across a crash: 5,000 HL7 messages over HTTP, the server SIGKILLed mid-stream and
restarted; the sender resends what was not acknowledged (as a real interface does). Every
acknowledged message must be processed exactly once, and none lost."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from bench.messages import dft
from sqlalchemy import create_engine, func, select

from revcycle.adapters.store.schema import charges, findings, inbound_messages
from tests.e2e.server import ServerProcess

TOTAL = 5000
KILL_AFTER = 1500


def send_all(
    url: str, controls: list[str], acked: set[str], stop: threading.Event, headers: dict[str, str]
) -> None:
    """Eight concurrent senders, each on its own persistent connection (as interfaces do)."""
    lock = threading.Lock()
    local = threading.local()

    def send(control: str) -> None:
        if stop.is_set():
            return
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=10, headers=headers)
        try:
            response = local.client.post("/api/v1/ingest/hl7v2", content=dft(control, int(control[1:])))
        except httpx.HTTPError:
            local.client.close()
            del local.client
            return  # connection refused / reset: the server is down, resend later
        accepted = (b"MSA|AA|" + control.encode(), b"MSA|CA|" + control.encode())  # original / enhanced mode
        if response.status_code == 200 and any(a in response.content for a in accepted):
            with lock:
                acked.add(control)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, controls))


@pytest.mark.slow
def test_sigkill_mid_stream_loses_nothing_and_processes_each_message_once(tmp_path: Path) -> None:
    controls = [f"K{i:06d}" for i in range(TOTAL)]
    acked: set[str] = set()
    server = ServerProcess(tmp_path / "data")
    server.start()
    stop = threading.Event()
    sender = threading.Thread(target=send_all, args=(server.url, controls, acked, stop, server.headers))
    sender.start()
    while len(acked) < KILL_AFTER and sender.is_alive():
        time.sleep(0.01)
    server.kill()
    stop.set()
    sender.join()
    acked_before_crash = set(acked)
    assert KILL_AFTER <= len(acked_before_crash) < TOTAL

    server.start()
    try:
        # The sender resends everything not acknowledged, and (harmlessly) a sample of what was.
        resend = [c for c in controls if c not in acked] + sorted(acked_before_crash)[:200]
        send_all(server.url, resend, acked, threading.Event(), server.headers)
        assert acked == set(controls)
        deadline = time.monotonic() + 120
        engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'revcycle.db'}")
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(
                    select(func.count()).where(inbound_messages.c.status.in_(("accepted", "failed")))
                ).scalar_one()
            if pending == 0:
                break
            time.sleep(0.25)
        with engine.connect() as conn:
            stored = conn.execute(select(inbound_messages.c.control_id, inbound_messages.c.status)).all()
            charge_rows = conn.execute(select(charges.c.transaction_id)).scalars().all()
            duplicates = conn.execute(
                select(func.count()).where(findings.c.type == "duplicate_charge")
            ).scalar_one()
        engine.dispose()
    finally:
        server.stop()

    assert len(stored) == TOTAL  # count in the store = count acknowledged
    assert {c for c, _ in stored} == set(controls)
    assert {s for _, s in stored} == {"processed"}
    # Each DFT carries two FT1 lines: exactly two charges per message, none applied twice.
    assert len(charge_rows) == 2 * TOTAL
    assert duplicates == 0
